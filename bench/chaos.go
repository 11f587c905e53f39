package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
)

// chaosOptions are the flags of `bench chaos`.
type chaosOptions struct {
	quick    bool
	kills    int
	jobs     int // 0: each scenario's default
	only     string
	out      string
	deadline time.Duration
	overlap  bool // run sigkill beside the others
}

// chaosScenarios in the order they run; the names are what -only takes.
var chaosScenarios = []struct {
	name string
	run  func(context.Context, chaosOptions) (*chaosResult, error)
}{
	{"sigkill", chaosSIGKILL},
	{"flushall", chaosFlushAll},
	{"flushall-retrying", chaosFlushRetrying},
	{"redis-restart", chaosRedisRestart},
	{"chrome", chaosChrome},
	{"llm", chaosLLMFaults},
	{"sigterm", chaosSIGTERM},
	{"batch", chaosBatch},
}

// runChaos runs the fault scenarios of issue #5 against the real app and
// fails if any job is lost or duplicated, or a request gets a 5xx while
// the app shuts down.
func runChaos(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench chaos", flag.ContinueOnError)
	o := chaosOptions{}
	fs.BoolVar(&o.quick, "quick", false, "fewer jobs and one worker kill, for a laptop")
	fs.IntVar(&o.kills, "kills", 3, "worker SIGKILLs in the sigkill scenario")
	fs.IntVar(&o.jobs, "jobs", 0, "jobs per scenario (0: each scenario's default, 30-60)")
	fs.StringVar(&o.only, "only", "", "comma-separated scenarios to run ("+chaosNames()+"); empty = all")
	fs.StringVar(&o.out, "out", "bench/results", "folder for the JSON results (and the logs of a failed scenario)")
	fs.DurationVar(&o.deadline, "deadline", 3*time.Minute, "how long after the last fault a job may take to end before it counts as lost")
	fs.BoolVar(&o.overlap, "overlap", false, "run sigkill (mostly waiting on asynq's lease timers) beside the other scenarios; -quick turns it on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.quick && !flagSet(fs, "kills") {
		o.kills = 1
	}
	if o.quick && !flagSet(fs, "overlap") {
		o.overlap = true
	}
	for _, name := range strings.Split(o.only, ",") {
		if name = strings.TrimSpace(name); name != "" && !slices.Contains(strings.Split(chaosNames(), ","), name) {
			return fmt.Errorf("chaos: unknown scenario %q (have %s)", name, chaosNames())
		}
	}

	redis.SetLogger(quietRedis{}) // a restarting Redis is the point: no dial errors on the terminal
	rep := &chaosReport{StartedAt: time.Now(), Quick: o.quick, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Kills: o.kills}
	progress("chaos", "each scenario builds and starts Tailor (web, workers, redis-server, fake LLM, Chrome) afresh")
	results := make([]*chaosResult, len(chaosScenarios))
	var background sync.WaitGroup
	for i, sc := range chaosScenarios {
		if !o.wants(sc.name) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		run := func() { results[i] = runScenario(ctx, o, sc.name, sc.run, rep.StartedAt) }
		if o.overlap && sc.name == "sigkill" {
			// It mostly waits for asynq's lease timers: let the others run meanwhile.
			background.Go(run)
			continue
		}
		run()
	}
	background.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, res := range results {
		if res != nil {
			rep.Scenarios = append(rep.Scenarios, *res)
		}
	}
	rep.WallSeconds = time.Since(rep.StartedAt).Seconds()
	rep.Passed = true
	for _, s := range rep.Scenarios {
		rep.Passed = rep.Passed && s.Passed
	}

	fmt.Println()
	rep.print(os.Stdout)
	path, err := rep.save(o.out)
	if err != nil {
		return err
	}
	fmt.Printf("\nresults: %s (wall time %s)\n", path, time.Duration(rep.WallSeconds*float64(time.Second)).Round(time.Second))
	if !rep.Passed {
		var failed []string
		for _, s := range rep.Scenarios {
			if !s.Passed {
				failed = append(failed, s.Scenario+": "+strings.Join(s.Failures, "; "))
			}
		}
		return fmt.Errorf("chaos: %s", strings.Join(failed, " | "))
	}
	return nil
}

// runScenario runs one scenario and judges it; a scenario that could not
// run (the app did not start...) fails.
func runScenario(ctx context.Context, o chaosOptions, name string, run func(context.Context, chaosOptions) (*chaosResult, error), started time.Time) *chaosResult {
	progress(name, "starting")
	began := time.Now()
	res, err := run(ctx, o)
	if err != nil {
		res = &chaosResult{Scenario: name, Error: err.Error()}
		progress(name, "error: %v", err)
	}
	res.WallSeconds = time.Since(began).Seconds()
	res.judge()
	progress(name, "%s", res.summary())
	if !res.Passed {
		if path, err := res.saveLogs(o.out, started); err == nil && path != "" {
			progress(name, "logs: %s", path)
		}
	}
	return res
}

var progressMu sync.Mutex

// progress prints a line about a scenario on stderr (scenarios may overlap).
func progress(scenario, format string, args ...any) {
	progressMu.Lock()
	defer progressMu.Unlock()
	fmt.Fprintf(os.Stderr, "%s [%s] %s\n", time.Now().Format("15:04:05"), scenario, fmt.Sprintf(format, args...))
}

func (r *chaosRun) logf(format string, args ...any) { progress(r.name, format, args...) }

func chaosNames() string {
	var names []string
	for _, s := range chaosScenarios {
		names = append(names, s.name)
	}
	return strings.Join(names, ",")
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func (o chaosOptions) wants(name string) bool { return listed(o.only, name) }

// over scales a scenario's submission time with its jobs, so that -quick and
// -jobs keep the load (jobs per second) of the default.
func (o chaosOptions) over(def int, d time.Duration) time.Duration {
	return d * time.Duration(o.jobsFor(def)) / time.Duration(def)
}

// jobsFor is the number of jobs a scenario submits: its default, halved in
// quick mode, or -jobs.
func (o chaosOptions) jobsFor(def int) int {
	switch {
	case o.jobs > 0:
		return o.jobs
	case o.quick:
		return max(def/2, 10)
	}
	return def
}

// chaosResult is one scenario's outcome.
type chaosResult struct {
	Scenario  string `json:"scenario"`
	Submitted int    `json:"submitted"` // answered 202
	Succeeded int    `json:"succeeded"`
	Failed    int    `json:"failed"`
	Canceled  int    `json:"canceled"`
	// Lost: accepted (or present in SQLite) and in no final state after the deadline.
	Lost int `json:"lost"`
	// Duplicated: a job with more than one result row (impossible by the
	// PRIMARY KEY, checked anyway) or whose final state changed after it was
	// first seen final (a second outcome applied over the first).
	Duplicated int `json:"duplicated"`
	// NoResult: succeeded without exactly one stored PDF.
	NoResult int `json:"no_result"`
	// ExtraRuns: jobs that went through the LLM or reported success more than
	// once (at-least-once execution, absorbed by the idempotent events).
	ExtraRuns     int   `json:"extra_runs"`
	LLMCalls      int64 `json:"llm_calls"`
	ExtraLLMCalls int64 `json:"extra_llm_calls"` // calls beyond one per job, failed calls included
	// Orphans: rows in SQLite that no 202 announced (a response lost to a
	// connection cut); they must end final too.
	Orphans int `json:"orphans"`

	RecoverySeconds float64 `json:"recovery_s"` // from the fault until the last job it affected is final
	DrainSeconds    float64 `json:"drain_s"`    // from the fault until every job is final
	Affected        int     `json:"affected"`   // jobs the recovery time covers
	Faults          int     `json:"faults"`     // faults injected

	Requests   int64 `json:"requests"`
	Status5xx  int64 `json:"status_5xx"`
	ConnErrors int64 `json:"connection_errors"`  // no answer at all
	Refused    int64 `json:"connection_refused"` // of which refused (nothing listening)
	// CutErrors: the other connection errors, by method and cause.
	CutErrors   map[string]int `json:"cut_errors,omitempty"`
	OtherErrors int64          `json:"other_errors"`  // 4xx
	StrictNo5xx bool           `json:"strict_no_5xx"` // sigterm: a 5xx fails the scenario
	// ShutdownErrors: a process that did not exit cleanly after SIGTERM.
	ShutdownErrors []string `json:"shutdown_errors,omitempty"`
	LostJobs       []string `json:"lost_jobs,omitempty"`
	Notes          []string `json:"notes,omitempty"`
	Error          string   `json:"error,omitempty"`
	Failures       []string `json:"failures,omitempty"`
	Passed         bool     `json:"passed"`
	WallSeconds    float64  `json:"wall_s"`
	SubmitSeconds  float64  `json:"submit_s"`

	logs string
}

// judge decides whether the scenario passed.
func (r *chaosResult) judge() {
	r.Failures = nil
	if r.Error != "" {
		r.Failures = append(r.Failures, "did not run: "+r.Error)
	}
	if r.Lost > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d lost", r.Lost))
	}
	if r.Duplicated > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d duplicated", r.Duplicated))
	}
	if r.NoResult > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d succeeded without their PDF", r.NoResult))
	}
	if r.StrictNo5xx && r.Status5xx > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d requests answered 5xx", r.Status5xx))
	}
	for _, e := range r.ShutdownErrors {
		r.Failures = append(r.Failures, "unclean exit after SIGTERM: "+e)
	}
	if r.Error == "" && r.Submitted == 0 {
		r.Failures = append(r.Failures, "no job was accepted")
	}
	r.Passed = len(r.Failures) == 0
}

func (r *chaosResult) summary() string {
	s := fmt.Sprintf("submitted %d, succeeded %d, failed %d, lost %d, duplicated %d, extra runs %d, recovery %s",
		r.Submitted, r.Succeeded, r.Failed, r.Lost, r.Duplicated, r.ExtraRuns, seconds(r.RecoverySeconds))
	if !r.Passed {
		s += " -- FAILED: " + strings.Join(r.Failures, "; ")
	}
	return s
}

func seconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.1f s", s)
	}
	return fmt.Sprintf("%.0f s", s)
}

func (r *chaosResult) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// saveLogs writes the processes' logs of a failed scenario next to the results.
func (r *chaosResult) saveLogs(dir string, started time.Time) (string, error) {
	if r.logs == "" {
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "chaos-"+started.UTC().Format("20060102-150405")+"-"+r.Scenario+".log")
	return path, os.WriteFile(path, []byte(r.logs), 0o644)
}

type chaosReport struct {
	StartedAt   time.Time     `json:"started_at"`
	Quick       bool          `json:"quick"`
	CPUs        int           `json:"cpus"`
	GoVersion   string        `json:"go_version"`
	Kills       int           `json:"kills"`
	WallSeconds float64       `json:"wall_s"`
	Passed      bool          `json:"passed"`
	Scenarios   []chaosResult `json:"scenarios"`
}

func (r *chaosReport) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tSUBMITTED\tSUCCEEDED\tFAILED\tLOST\tDUPLICATED\tEXTRA RUNS\tRECOVERY\tOK\tDETAIL")
	for _, s := range r.Scenarios {
		ok := map[bool]string{true: "yes", false: "NO"}[s.Passed]
		detail := strings.Join(append(slices.Clone(s.Failures), s.Notes...), "; ")
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Scenario, s.Submitted, s.Succeeded, s.Failed,
			s.Lost, s.Duplicated, s.ExtraRuns, seconds(s.RecoverySeconds), ok, detail)
	}
	tw.Flush()
}

func (r *chaosReport) save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "chaos-"+r.StartedAt.UTC().Format("20060102-150405")+".json")
	body, _ := json.MarshalIndent(r, "", "  ")
	return path, os.WriteFile(path, body, 0o644)
}

// chaosRun is one scenario's app and load: every accepted job, how it was
// first seen final, and the HTTP errors the load generator met.
type chaosRun struct {
	name  string
	h     *harness
	procs []*process // every web and worker process started, dead ones included (logs)
	audit *eventAudit

	mu   sync.Mutex
	jobs []*chaosJob
	next atomic.Int64

	requests, status5xx, connErrors, refused, otherErrors atomic.Int64
	cutErrors                                             map[string]int // connection errors other than refused, by method and cause
}

// cut counts a request that got no answer on an open port.
func (r *chaosRun) cut(req *http.Request, err error) {
	cause := err.Error()
	if i := strings.LastIndex(cause, ": "); i >= 0 {
		cause = cause[i+2:]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cutErrors == nil {
		r.cutErrors = map[string]int{}
	}
	r.cutErrors[req.Method+" "+cause]++
}

type chaosJob struct {
	id    string
	index int      // in the job description, for the fake LLM's counts
	final *jobView // as first seen final; nil while not final
}

// jobView is the part of GET job-status the chaos checks read.
type jobView struct {
	Status     string     `json:"status"`
	Stage      string     `json:"stage"`
	Attempts   int        `json:"attempts"`
	Error      string     `json:"error"`
	FinishedAt *time.Time `json:"finished_at"`
}

func newChaosRun(ctx context.Context, name string, o harnessOptions, workers int) (*chaosRun, error) {
	h, err := newHarness(ctx, o)
	if err != nil {
		return nil, err
	}
	r := &chaosRun{name: name, h: h}
	r.audit = startAudit(h.redis.addr)
	if err := r.startWeb(); err != nil {
		r.close()
		return nil, err
	}
	for range workers {
		if _, err := r.startWorker(); err != nil {
			r.close()
			return nil, err
		}
	}
	return r, nil
}

func (r *chaosRun) startWeb() error {
	if err := r.h.startWeb(); err != nil {
		return err
	}
	r.procs = append(r.procs, r.h.web)
	return nil
}

func (r *chaosRun) startWorker() (*process, error) {
	p, err := r.h.startWorker()
	if err == nil {
		r.procs = append(r.procs, p)
	}
	return p, err
}

// liveWorkers are the worker processes still running, oldest first.
func (r *chaosRun) liveWorkers() []*process {
	var out []*process
	for _, w := range r.h.workers {
		if w.alive() {
			out = append(out, w)
		}
	}
	return out
}

func (r *chaosRun) close() {
	r.audit.close()
	r.h.Close()
}

func (r *chaosRun) logs() string {
	var b strings.Builder
	for _, p := range r.procs {
		fmt.Fprintf(&b, "===== %s (pid %d)\n%s\n", p.name, p.pid(), p.Logs())
	}
	return b.String()
}

// jobMarker makes every job description unique and lets the fake LLM's
// per-job counts be traced back to the job.
var jobMarker = regexp.MustCompile(`chaos job #(\d+)#`)

// submit starts one unique job; a 202 is recorded as accepted.
func (r *chaosRun) submit() (string, error) {
	i := int(r.next.Add(1))
	jd := fmt.Sprintf("%s\n\nReference: chaos job #%d# (%s).", resume.SampleJobDescription, i, r.name)
	body, _ := json.Marshal(map[string]string{"candidate_id": r.h.cand, "job_description": jd})
	req, _ := http.NewRequest("POST", r.h.baseURL+"/api/resume-async/generate-async", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+r.h.token)
	req.Header.Set("Content-Type", "application/json")
	b, code, err := r.do(req)
	if err != nil {
		return "", err
	}
	if code != http.StatusAccepted {
		return "", fmt.Errorf("submit: %d %s", code, b)
	}
	var out struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.JobID == "" {
		return "", fmt.Errorf("submit: 202 without a job id: %s", b)
	}
	r.mu.Lock()
	r.jobs = append(r.jobs, &chaosJob{id: out.JobID, index: i})
	r.mu.Unlock()
	return out.JobID, nil
}

// poll reads a job's status.
func (r *chaosRun) poll(id string) (jobView, error) {
	var v jobView
	req, _ := http.NewRequest("GET", r.h.baseURL+"/api/resume-async/job-status/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+r.h.token)
	b, code, err := r.do(req)
	if err != nil {
		return v, err
	}
	if code != http.StatusOK {
		return v, fmt.Errorf("status: %d %s", code, b)
	}
	return v, json.Unmarshal(b, &v)
}

// do sends a request and counts what came back: a connection error (no
// answer at all), a 5xx, another non-2xx.
func (r *chaosRun) do(req *http.Request) ([]byte, int, error) {
	r.requests.Add(1)
	res, err := r.h.client.Do(req)
	if err != nil {
		r.connErrors.Add(1)
		if errors.Is(err, syscall.ECONNREFUSED) {
			r.refused.Add(1)
		} else {
			r.cut(req, err)
		}
		return nil, 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		r.connErrors.Add(1)
		return nil, 0, err
	}
	switch {
	case res.StatusCode >= 500:
		r.status5xx.Add(1)
	case res.StatusCode >= 300:
		r.otherErrors.Add(1)
	}
	return b, res.StatusCode, nil
}

// stream submits n jobs evenly over d in the background; done closes after
// the last one.
func (r *chaosRun) stream(ctx context.Context, n int, d time.Duration) (done <-chan struct{}) {
	ch := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(ch)
		for i := range n {
			at := start.Add(d * time.Duration(i) / time.Duration(max(n-1, 1)))
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(at)):
			}
			if _, err := r.submit(); err != nil {
				r.logf("submit: %v", err)
			}
		}
	}()
	return ch
}

func (r *chaosRun) accepted() []*chaosJob {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.jobs)
}

// waitAllFinal polls every accepted job until each has ended or the
// deadline passes.
func (r *chaosRun) waitAllFinal(ctx context.Context, deadline time.Time) {
	lastReport := time.Now()
	for {
		pending := 0
		for _, j := range r.accepted() {
			if j.final != nil {
				continue
			}
			v, err := r.poll(j.id)
			if err == nil && jobstate.IsFinal(v.Status) {
				j.final = &v
				continue
			}
			pending++
		}
		if pending == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		if time.Since(lastReport) > 15*time.Second {
			r.logf("%d jobs not final yet (deadline in %s)", pending, time.Until(deadline).Round(time.Second))
			lastReport = time.Now()
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// fault is when a fault began and ended (the same instant for a kill).
type fault struct{ start, end time.Time }

// finish checks every job in SQLite against what the load generator saw and
// fills the counts; recovery is computed by the scenario's rule (nil: the
// generic one over faults).
func (r *chaosRun) finish(res *chaosResult, faults []fault, recovery func(rows map[string]db.Job) (time.Duration, int)) error {
	res.Scenario = r.name
	d, err := db.Open(filepath.Join(r.h.dir, "data", "tailor.db"))
	if err != nil {
		return fmt.Errorf("open the database read-only: %w", err)
	}
	defer d.Close()
	ctx := context.Background()
	rows := map[string]db.Job{}
	for offset := 0; ; offset += 500 {
		page, err := d.Jobs.List(ctx, db.JobFilter{Owner: db.AllOwners, Limit: 500, Offset: offset})
		if err != nil {
			return err
		}
		for _, j := range page {
			rows[j.ID] = j
		}
		if len(page) < 500 {
			break
		}
	}

	jobs := r.accepted()
	res.Submitted = len(jobs)
	acceptedIDs := map[string]bool{}
	for _, j := range jobs {
		acceptedIDs[j.id] = true
		row, ok := rows[j.id]
		if !ok {
			res.Lost++
			res.LostJobs = append(res.LostJobs, j.id+": accepted with 202 but not in SQLite")
			continue
		}
		if j.final != nil && jobstate.IsFinal(row.Status) && finalChanged(*j.final, row) {
			res.Duplicated++
			res.note("job %s changed after it ended: first %s attempt %d, now %s attempt %d",
				j.id, j.final.Status, j.final.Attempts, row.Status, row.Attempts)
		}
	}
	for id, row := range rows {
		if !acceptedIDs[id] {
			res.Orphans++
		}
		switch row.Status {
		case jobstate.StatusSucceeded:
			res.Succeeded++
		case jobstate.StatusFailed:
			res.Failed++
		case jobstate.StatusCanceled:
			res.Canceled++
		default:
			res.Lost++
			res.LostJobs = append(res.LostJobs, fmt.Sprintf("%s: %s, stage %q, attempt %d, error %q",
				id, row.Status, row.Stage, row.Attempts, row.Error))
		}
		n, err := d.Jobs.CountResults(ctx, id)
		if err != nil {
			return err
		}
		if n > 1 {
			res.Duplicated++
		}
		if row.Status == jobstate.StatusSucceeded && (n != 1 || !row.HasPDF) {
			res.NoResult++
		}
	}
	slices.Sort(res.LostJobs)

	// Extra runs: the fake LLM answered a job more than once, or more than
	// one success event was seen for it on the stream.
	answered := map[int]int64{}
	r.h.llm.perJob.Range(func(k, v any) bool {
		if m := jobMarker.FindStringSubmatch(k.(string)); m != nil {
			i, _ := strconv.Atoi(m[1])
			answered[i] += v.(*atomic.Int64).Load()
		}
		return true
	})
	successes := r.audit.successes()
	for _, j := range jobs {
		if answered[j.index] > 1 || successes[j.id] > 1 {
			res.ExtraRuns++
		}
	}
	res.LLMCalls = int64(r.h.llm.Calls())
	res.ExtraLLMCalls = max(res.LLMCalls-int64(len(rows)), 0)

	if recovery == nil {
		recovery = func(rows map[string]db.Job) (time.Duration, int) { return genericRecovery(rows, faults) }
	}
	rec, affected := recovery(rows)
	res.RecoverySeconds, res.Affected = rec.Seconds(), affected
	if len(faults) > 0 {
		var last time.Time
		for _, row := range rows {
			if row.FinishedAt.After(last) {
				last = row.FinishedAt
			}
		}
		res.DrainSeconds = max(last.Sub(faults[0].start), 0).Seconds()
	}
	res.Faults = max(res.Faults, len(faults))
	res.Requests, res.Status5xx = r.requests.Load(), r.status5xx.Load()
	res.ConnErrors, res.Refused, res.OtherErrors = r.connErrors.Load(), r.refused.Load(), r.otherErrors.Load()
	r.mu.Lock()
	res.CutErrors = maps.Clone(r.cutErrors)
	r.mu.Unlock()
	res.logs = strings.Join(res.LostJobs, "\n") + "\n\n" + r.logs() // saved if the scenario fails
	return nil
}

// finalChanged reports whether a job's final state in SQLite differs from
// how the API first showed it final.
func finalChanged(first jobView, row db.Job) bool {
	if first.Status != row.Status || first.Attempts != row.Attempts {
		return true
	}
	return first.FinishedAt != nil && !row.FinishedAt.IsZero() && !first.FinishedAt.Equal(row.FinishedAt)
}

// genericRecovery: the jobs a fault affected are those created before it
// ended that were not final when it began; recovery is the time from the
// end of the last fault until the last of them is final.
func genericRecovery(rows map[string]db.Job, faults []fault) (time.Duration, int) {
	if len(faults) == 0 {
		return 0, 0
	}
	first, last := faults[0], faults[len(faults)-1]
	var latest time.Time
	affected := 0
	for _, row := range rows {
		if row.CreatedAt.After(last.end) {
			continue
		}
		if !row.FinishedAt.IsZero() && row.FinishedAt.Before(first.start) {
			continue
		}
		affected++
		end := row.FinishedAt
		if end.IsZero() {
			end = time.Now() // still not final: lost, and the recovery says so
		}
		if end.After(latest) {
			latest = end
		}
	}
	return max(latest.Sub(last.end), 0), affected
}

// eventAudit reads the events stream beside the app's consumer and counts
// success events per job: a second one means the job ran to the end twice.
// The consumer deletes events once applied, so an event can (rarely) be
// gone before the audit reads it: the count is a lower bound.
type eventAudit struct {
	rdb    *redis.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	succeeded map[string]int
}

func startAudit(addr string) *eventAudit {
	ctx, cancel := context.WithCancel(context.Background())
	a := &eventAudit{
		rdb:       redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1}),
		cancel:    cancel,
		done:      make(chan struct{}),
		succeeded: map[string]int{},
	}
	go a.run(ctx)
	return a
}

func (a *eventAudit) run(ctx context.Context) {
	defer close(a.done)
	last := "0-0"
	for ctx.Err() == nil {
		streams, err := a.rdb.XRead(ctx, &redis.XReadArgs{
			Streams: []string{tasks.EventStream, last}, Count: 1000, Block: time.Second,
		}).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			// Redis restarting: try again.
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
			continue
		}
		for _, s := range streams {
			for _, m := range s.Messages {
				last = m.ID
				raw, _ := m.Values["e"].(string)
				var ev tasks.Event
				if json.Unmarshal([]byte(raw), &ev) == nil && ev.Kind == jobstate.EventSucceeded {
					a.mu.Lock()
					a.succeeded[ev.JobID]++
					a.mu.Unlock()
				}
			}
		}
	}
}

func (a *eventAudit) successes() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.succeeded)
}

func (a *eventAudit) close() {
	a.cancel()
	<-a.done
	a.rdb.Close()
}

// quietRedis drops go-redis's internal log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
