package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/tailor-app/tailor/deploy/stack"
)

// The restore drill (issue 16): the production boot (deploy/entrypoint.sh,
// Litestream to a file replica, `tailor serve`, a real redis-server that
// survives) is crashed with kill -9 under load and restarted on the same
// volume, again and again; after each restart the replica is restored and
// checked. Then the volume is lost and the stack comes back from the replica.
//
//	go run ./bench drill [-cycles 20] [-candidates entrypoint,legacy]

// drillCandidate is one way to boot the web Machine.
type drillCandidate struct {
	name, about string
	command     func(s *stack.Stack) []string // nil: deploy/entrypoint.sh serve
	env         []string
}

var drillCandidates = []drillCandidate{
	{name: "entrypoint", about: "deploy/entrypoint.sh: replicate -once before start, LITESTREAM=on (wal_autocheckpoint=0)"},
	{name: "legacy", about: "the previous image's boot: restore -if-db-not-exists, then replicate -exec at once; SQLite autocheckpoints",
		command: func(s *stack.Stack) []string {
			return []string{"sh", "-c", `litestream restore -config "$LITESTREAM_CONFIG" -if-db-not-exists -if-replica-exists "$DATABASE_PATH" && exec litestream replicate -config "$LITESTREAM_CONFIG" -exec "tailor serve"`}
		},
		env: []string{"LITESTREAM=off"}},
}

type drillResult struct {
	Candidate string `json:"candidate"`
	About     string `json:"about"`
	Cycles    int    `json:"cycles"`
	Acked     int    `json:"acknowledged_jobs"`
	// Cycles whose restored replica failed integrity_check or lacked jobs
	// the volume had (issue 16, item 1): must be 0.
	CorruptReplicas int    `json:"corrupt_replicas"`
	FirstCorrupt    string `json:"first_corrupt,omitempty"`
	// Acknowledged jobs missing from the volume after a restart: must be 0.
	LostOnRestart int `json:"lost_on_restart"`
	// Boot after a crash, until /healthz answers (replicate -once included).
	BootSeconds []float64 `json:"boot_s"`
	// The volume loss.
	RestoreSeconds     float64 `json:"restore_s"`      // litestream restore -integrity-check full, alone
	RestoreBootSeconds float64 `json:"restore_boot_s"` // empty volume to /healthz through the entrypoint
	LostWithVolume     int     `json:"lost_with_volume"`
	LostAfterWait      int     `json:"lost_with_volume_after_10s"`
	RPOSeconds         float64 `json:"rpo_s"` // acknowledged writes lost: from the oldest to the crash
	DBBytes            int64   `json:"db_bytes"`
	Error              string  `json:"error,omitempty"`
}

func runDrill(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("drill", flag.ContinueOnError)
	cycles := fs.Int("cycles", 20, "crash-restart cycles on the same volume, per candidate")
	clients := fs.Int("clients", 2, "clients submitting jobs meanwhile")
	only := fs.String("candidates", "entrypoint,legacy", "boots to drill: entrypoint (shipped), legacy (the previous image's, for comparison)")
	out := fs.String("out", "bench/results", "folder for the JSON results")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := stack.FindLitestream(); err != nil {
		return err
	}
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tailor-drill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "tailor")
	if err := stack.Build(ctx, repo, bin); err != nil {
		return err
	}
	started := time.Now()
	var results []drillResult
	for _, c := range drillCandidates {
		if !listed(*only, c.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "drill %s: %d crash-restart cycles under load, then a volume loss\n", c.name, *cycles)
		res := drill(ctx, repo, filepath.Join(dir, c.name), bin, c, *cycles, *clients)
		if res.Error != "" {
			fmt.Fprintf(os.Stderr, "  %s: %s\n", c.name, res.Error)
		}
		results = append(results, res)
	}
	printDrill(os.Stdout, results)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*out, "drill-"+started.UTC().Format("20060102T150405Z")+".json")
	b, _ := json.MarshalIndent(map[string]any{
		"started_at": started.UTC(), "cpus": runtime.NumCPU(), "go_version": runtime.Version(),
		"litestream": stack.LitestreamVersion, "wall_s": time.Since(started).Seconds(), "results": results,
	}, "", "  ")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("\nresults: %s (wall time %s)\n", path, time.Since(started).Round(time.Second))
	for _, r := range results {
		if r.Candidate == "entrypoint" && (r.CorruptReplicas > 0 || r.LostOnRestart > 0 || r.Error != "") {
			return fmt.Errorf("the shipped boot failed the drill: %d corrupt replicas, %d jobs lost on restart %s", r.CorruptReplicas, r.LostOnRestart, r.Error)
		}
	}
	return nil
}

func drill(ctx context.Context, repo, dir, bin string, c drillCandidate, cycles, clients int) (res drillResult) {
	res = drillResult{Candidate: c.name, About: c.about}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.Error = err.Error()
		return res
	}
	s, err := stack.Prepare(repo, dir, bin)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	defer s.Close()
	if c.command != nil {
		s.Command = c.command(s)
	}
	s.Env = c.env
	fail := func(format string, args ...any) drillResult {
		res.Error = fmt.Sprintf(format, args...)
		if s.Logs() != "" {
			res.Error += "\n" + tail(s.Logs(), 2000)
		}
		return res
	}
	if err := s.Start(ctx); err != nil {
		return fail("first boot: %v", err)
	}
	if err := s.Setup(); err != nil {
		return fail("setup: %v", err)
	}
	var acked []stack.Ack
	load := func(d time.Duration) {
		lctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		acked = append(acked, s.Load(lctx, clients)...)
	}
	// crash runs load for a random while and kills the stack in the middle of it.
	crash := func() time.Time {
		lctx, cancel := context.WithCancel(ctx)
		done := make(chan []stack.Ack)
		go func() { done <- s.Load(lctx, clients) }()
		time.Sleep(time.Duration(500+rand.IntN(2000)) * time.Millisecond)
		s.Kill()
		at := time.Now()
		cancel()
		acked = append(acked, <-done...)
		return at
	}
	restored := filepath.Join(dir, "restored.db")
	for i := 1; i <= cycles && ctx.Err() == nil; i++ {
		crash()
		boot := time.Now()
		if err := s.Start(ctx); err != nil {
			return fail("cycle %d: boot after the crash: %v", i, err)
		}
		res.BootSeconds = append(res.BootSeconds, time.Since(boot).Seconds())
		load(time.Second) // writes right after boot: the window of litestream#1164
		_, lost, err := stack.Check(s.DatabasePath(), stack.IDs(acked))
		if err != nil {
			return fail("cycle %d: read the volume: %v", i, err)
		}
		res.LostOnRestart += len(lost)
		time.Sleep(2500 * time.Millisecond) // idle: Litestream ships what is left (sync-interval 1 s)
		os.Remove(restored)
		if _, err := s.Restore(ctx, restored); err != nil {
			res.CorruptReplicas++
			res.FirstCorrupt = firstOf(res.FirstCorrupt, fmt.Sprintf("cycle %d: %v", i, firstLine(err.Error())))
			fmt.Fprintf(os.Stderr, "  cycle %2d: restore failed: %s\n", i, firstLine(err.Error()))
			continue
		}
		integrity, missing, err := stack.Check(restored, stack.IDs(acked))
		if err != nil {
			integrity = err.Error()
		}
		bad := integrity != "ok" || len(missing) > len(lost)
		if bad {
			res.CorruptReplicas++
			res.FirstCorrupt = firstOf(res.FirstCorrupt, fmt.Sprintf("cycle %d: integrity %.80s, %d acknowledged jobs missing", i, integrity, len(missing)))
		}
		fmt.Fprintf(os.Stderr, "  cycle %2d: boot %.2fs, %d jobs acknowledged, lost on the volume %d, replica integrity %.40s, missing from the replica %d\n",
			i, res.BootSeconds[len(res.BootSeconds)-1], len(acked), len(lost), integrity, len(missing))
	}
	res.Cycles = len(res.BootSeconds)

	// The volume is lost in the middle of the load.
	killedAt := crash()
	if st, err := os.Stat(s.DatabasePath()); err == nil {
		res.DBBytes = st.Size()
	}
	if err := os.RemoveAll(filepath.Join(dir, "data")); err != nil {
		return fail("remove the volume: %v", err)
	}
	os.Remove(restored)
	took, err := s.Restore(ctx, restored)
	if err != nil {
		return fail("restore after the volume loss: %v", err)
	}
	res.RestoreSeconds = took.Seconds()
	boot := time.Now()
	if err := s.Start(ctx); err != nil {
		return fail("boot on an empty volume: %v", err)
	}
	res.RestoreBootSeconds = time.Since(boot).Seconds()
	_, lost, err := stack.Check(s.DatabasePath(), stack.IDs(acked))
	if err != nil {
		return fail("read the restored volume: %v", err)
	}
	res.LostWithVolume = len(lost)
	lostSet := map[string]bool{}
	for _, id := range lost {
		lostSet[id] = true
	}
	for _, a := range acked {
		if lostSet[a.ID] {
			res.RPOSeconds = killedAt.Sub(a.At).Seconds() // acked is in order: the first lost is the oldest
			break
		}
	}
	time.Sleep(10 * time.Second) // Redis survived: its tasks may bring rows back (the events consumer's recreation)
	_, lost, err = stack.Check(s.DatabasePath(), stack.IDs(acked))
	if err != nil {
		return fail("read the restored volume: %v", err)
	}
	res.LostAfterWait = len(lost)
	res.Acked = len(acked)
	if _, err := s.Stop(syscall.SIGTERM, 100*time.Second); err != nil {
		return fail("stop: %v", err)
	}
	return res
}

func printDrill(w *os.File, results []drillResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "candidate\tcycles\tacked jobs\tcorrupt replicas (want 0)\tlost on restart (want 0)\tboot p50 s\tboot max s\trestore s\tempty-volume boot s\tmissing at restore*\tlost, 10 s later (want 0)*\tRPO s\tdb MB\t")
	for _, r := range results {
		p50, mx := quantiles(r.BootSeconds)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%.2f\t%.1f\t\n", r.Candidate, r.Cycles, r.Acked,
			r.CorruptReplicas, r.LostOnRestart, p50, mx, r.RestoreSeconds, r.RestoreBootSeconds, r.LostWithVolume, r.LostAfterWait,
			r.RPOSeconds, float64(r.DBBytes)/1e6)
	}
	tw.Flush()
	fmt.Fprintln(w, "* acknowledged jobs missing from the restored database (the replica is up to sync-interval, 1 s, behind), and of those")
	fmt.Fprintln(w, "  still missing 10 s after the restored stack started: Redis survived, so the reconciler and the events consumer")
	fmt.Fprintln(w, "  recreate their rows from the asynq task payloads (issue 16, item 2).")
	for _, r := range results {
		if r.FirstCorrupt != "" {
			fmt.Fprintf(w, "%s: first corrupt replica: %s\n", r.Candidate, r.FirstCorrupt)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "%s: ERROR %s\n", r.Candidate, firstLine(r.Error))
		}
	}
}

func quantiles(xs []float64) (p50, maxv float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2], s[len(s)-1]
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstLine(s string) string { return strings.SplitN(strings.TrimSpace(s), "\n", 2)[0] }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
