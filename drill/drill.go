// Package drill checks that the database can be restored: it restores the
// latest replica to a temporary file, checks its integrity, compares it
// with the live database, and records the outcome (issue 16). `tailor
// drill` runs it once; the web process runs it every DRILL_INTERVAL.
package drill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/db"
)

// Restorer writes the latest replica of the database to a new file.
type Restorer interface {
	Restore(ctx context.Context, out string) error
}

// Litestream restores with the litestream binary: from ReplicaURL when
// set, else from the replica Config names for DatabasePath.
type Litestream struct {
	Bin          string // "" looks litestream up on PATH
	Config       string
	ReplicaURL   string
	DatabasePath string
}

var _ Restorer = Litestream{}

// Restore runs `litestream restore -o out ...`.
func (l Litestream) Restore(ctx context.Context, out string) error {
	bin := l.Bin
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("litestream"); err != nil {
			return fmt.Errorf("litestream is not on PATH: %w", err)
		}
	}
	args := []string{"restore", "-o", out}
	if l.ReplicaURL != "" {
		args = append(args, l.ReplicaURL)
	} else {
		args = append(args, "-config", l.Config, l.DatabasePath)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	output, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("litestream restore: %v: %s", err, lastLines(string(output), 3))
	}
	if _, err := os.Stat(out); err != nil {
		return fmt.Errorf("litestream restore wrote no database: %s", lastLines(string(output), 3))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// Drill compares a restored replica with the live database.
type Drill struct {
	DB       *db.DB // the live database; the outcome is recorded in it
	Restorer Restorer
	// MaxLag is how far the restored copy may be behind the live database
	// (its newest write): Litestream's sync interval, plus the writes made
	// while the drill runs. Default DefaultMaxLag.
	MaxLag  time.Duration
	TempDir string // "" is os.TempDir
	Now     func() time.Time
	Logger  *slog.Logger
}

// DefaultMaxLag is DRILL_MAX_LAG's default.
const DefaultMaxLag = time.Minute

// Run restores, compares, records and returns the outcome; its error is
// only about recording it (the outcome says what failed).
func (d *Drill) Run(ctx context.Context) (db.Drill, error) {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	start := now()
	out := db.Drill{At: start.UTC()}
	out.Lag, out.Counts, out.Restored, out.Message, out.OK = d.check(ctx)
	out.Took = now().Sub(start)
	recorded, err := d.DB.Settings.RecordDrill(context.WithoutCancel(ctx), out)
	if d.Logger != nil {
		if out.OK {
			d.Logger.Info("restore drill passed", "lag", out.Lag.String(), "took", out.Took.String(), "summary", out.Message)
		} else {
			d.Logger.Error("restore drill failed", "reason", out.Message, "lag", out.Lag.String(), "took", out.Took.String())
		}
	}
	if err != nil {
		return recorded, fmt.Errorf("record restore drill: %w", err)
	}
	return recorded, nil
}

func (d *Drill) check(ctx context.Context) (lag time.Duration, live, restored map[string]int64, msg string, ok bool) {
	maxLag := d.MaxLag
	if maxLag <= 0 {
		maxLag = DefaultMaxLag
	}
	// The live side first: whatever it holds before the restore starts,
	// the replica should hold too, give or take the sync window.
	l, err := db.Inspect(ctx, d.DB.Path(), false)
	if err != nil {
		return 0, nil, nil, "read the live database: " + err.Error(), false
	}
	dir, err := os.MkdirTemp(d.TempDir, "tailor-drill-")
	if err != nil {
		return 0, l.Counts, nil, "temporary folder: " + err.Error(), false
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "restored.db")
	if err := d.Restorer.Restore(ctx, path); err != nil {
		return 0, l.Counts, nil, "restore failed: " + err.Error(), false
	}
	r, err := db.Inspect(ctx, path, true)
	if err != nil {
		return 0, l.Counts, nil, "the restored copy cannot be read: " + err.Error(), false
	}
	lag = max(0, l.NewestWrite.Sub(r.NewestWrite))
	switch {
	case r.Integrity != "ok":
		return lag, l.Counts, r.Counts, "the restored copy fails PRAGMA integrity_check: " + r.Integrity, false
	case r.DatabaseID != l.DatabaseID:
		return lag, l.Counts, r.Counts, fmt.Sprintf("the replica holds another database (id %q, this one is %q)", r.DatabaseID, l.DatabaseID), false
	case r.Fence.Token > l.Fence.Token:
		return lag, l.Counts, r.Counts, fmt.Sprintf("another writer has written the replica: its writer fence is %d (%s), this database's %d",
			r.Fence.Token, r.Fence.Holder, l.Fence.Token), false
	}
	if r.NewestJob != "" {
		has, err := d.DB.Jobs.HasJob(ctx, r.NewestJob)
		if err != nil {
			return lag, l.Counts, r.Counts, err.Error(), false
		}
		if !has {
			return lag, l.Counts, r.Counts, fmt.Sprintf("the replica has job %s that this database does not: another writer has written it", r.NewestJob), false
		}
	}
	if lag > maxLag {
		return lag, l.Counts, r.Counts, fmt.Sprintf("the replica is %s behind this database (more than DRILL_MAX_LAG %s): "+
			"its newest write is from %s", lag.Round(time.Millisecond), maxLag, r.NewestWrite.Format(time.RFC3339)), false
	}
	var parts []string
	for _, t := range db.DrillTables() {
		parts = append(parts, fmt.Sprintf("%s %d/%d", t, r.Counts[t], l.Counts[t]))
	}
	return lag, l.Counts, r.Counts, "integrity ok; rows restored/live: " + strings.Join(parts, ", "), true
}

// Schedule runs the drill every Interval, the first one a minute after
// start or an Interval after the last recorded drill, whichever is later,
// so restarts do not skip or repeat drills.
type Schedule struct {
	Drill    *Drill
	Interval time.Duration
	Logger   *slog.Logger
}

// Run drills until ctx is done.
func (s *Schedule) Run(ctx context.Context) error {
	for {
		next := time.Now().Add(time.Minute)
		if last, err := s.Drill.DB.Settings.LastDrill(ctx); err == nil && last.At.Add(s.Interval).After(next) {
			next = last.At.Add(s.Interval)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(next)):
		}
		if _, err := s.Drill.Run(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("restore drill", "err", err)
		}
	}
}

// Collector exports the last recorded drill as tailor_restore_drill_*,
// read from the database at scrape time, so a drill run by `tailor drill`
// shows too.
type Collector struct {
	settings                                *db.Settings
	lastRun, lastSuccess, lag, result, took *prometheus.Desc
}

// NewCollector reads drills from settings.
func NewCollector(settings *db.Settings) *Collector {
	return &Collector{
		settings: settings,
		lastRun: prometheus.NewDesc("tailor_restore_drill_last_run_timestamp_seconds",
			"When the last restore drill ran (Unix time).", nil, nil),
		lastSuccess: prometheus.NewDesc("tailor_restore_drill_last_success_timestamp_seconds",
			"When a restore drill last succeeded (Unix time; 0: never).", nil, nil),
		lag: prometheus.NewDesc("tailor_restore_drill_lag_seconds",
			"How far the last restored replica was behind the live database: the measured RPO.", nil, nil),
		result: prometheus.NewDesc("tailor_restore_drill_result",
			"1 if the last restore drill succeeded, 0 if it failed.", nil, nil),
		took: prometheus.NewDesc("tailor_restore_drill_duration_seconds",
			"How long the last restore drill took.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.lastRun, c.lastSuccess, c.lag, c.result, c.took} {
		ch <- d
	}
}

// Collect implements prometheus.Collector; before the first drill it
// exports nothing.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d, err := c.settings.LastDrill(ctx)
	if err != nil {
		if !errors.Is(err, db.ErrNotFound) {
			ch <- prometheus.NewInvalidMetric(c.result, err)
		}
		return
	}
	result := 0.0
	if d.OK {
		result = 1
	}
	success := 0.0
	if !d.LastSuccess.IsZero() {
		success = float64(d.LastSuccess.UnixMilli()) / 1000
	}
	ch <- prometheus.MustNewConstMetric(c.lastRun, prometheus.GaugeValue, float64(d.At.UnixMilli())/1000)
	ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, success)
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, d.Lag.Seconds())
	ch <- prometheus.MustNewConstMetric(c.result, prometheus.GaugeValue, result)
	ch <- prometheus.MustNewConstMetric(c.took, prometheus.GaugeValue, d.Took.Seconds())
}
