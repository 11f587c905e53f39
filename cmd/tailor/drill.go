package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/drill"
)

// errDrillFailed makes `tailor drill` exit non-zero after printing why.
var errDrillFailed = errors.New("restore drill failed")

// tailor drill [--replica URL]: restore the latest replica to a temporary
// file, check it, compare it with the live database, record the outcome.
func drillCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("drill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	replica := fs.String("replica", "", "restore from this replica URL (file:///..., s3://...) instead of LITESTREAM_CONFIG's")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if _, err := os.Stat(cfg.DatabasePath); err != nil {
		return fmt.Errorf("no live database to compare with: %w", err)
	}
	d, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer d.Close()
	out, err := newDrill(cfg, d, *replica, newLogger(stderr, slog.LevelWarn)).Run(ctx)
	if err != nil {
		return err
	}
	printDrill(stdout, out)
	if !out.OK {
		return errDrillFailed
	}
	return nil
}

func newDrill(cfg Config, d *db.DB, replicaURL string, logger *slog.Logger) *drill.Drill {
	return &drill.Drill{
		DB: d, MaxLag: cfg.DrillMaxLag, Logger: logger,
		Restorer: drill.Litestream{Config: cfg.LitestreamConfig, ReplicaURL: replicaURL, DatabasePath: cfg.DatabasePath},
	}
}

func printDrill(w io.Writer, d db.Drill) {
	verdict := "passed"
	if !d.OK {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "Restore drill %s in %s\n", verdict, d.Took.Round(time.Millisecond))
	if d.Restored != nil {
		fmt.Fprintf(w, "  RPO measured: the replica is %s behind the live database (newest write)\n", d.Lag.Round(time.Millisecond))
	} else {
		fmt.Fprintln(w, "  RPO not measured: nothing was restored")
	}
	fmt.Fprintf(w, "  %s\n", d.Message)
	if !d.LastSuccess.IsZero() {
		fmt.Fprintf(w, "  last success: %s\n", d.LastSuccess.Format(time.RFC3339))
	}
}

// drillSchedule runs the restore drill every DRILL_INTERVAL in the web
// process (the writer, which records it); a stage that does nothing when
// the interval is off.
func (p *process) drillSchedule(database *db.DB) stage {
	if p.cfg.DrillInterval <= 0 {
		return stage{"restore drill (off)", func(context.Context) error { return nil }}
	}
	s := &drill.Schedule{Drill: newDrill(p.cfg, database, "", p.logger), Interval: p.cfg.DrillInterval, Logger: p.logger}
	return stage{"restore drill", s.Run}
}
