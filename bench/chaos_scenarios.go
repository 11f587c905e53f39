package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/proc"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
)

// chaosSIGKILL: two workers, an LLM that takes 1.5 s, a steady stream of
// jobs; a worker is killed with SIGKILL while it has a job mid-call, a
// replacement started, N times. asynq hands a dead worker's tasks back once
// their lease (30 s) has expired and its recoverer (every minute) notices:
// about 60 s, at most 2 min.
func chaosSIGKILL(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	r, err := newChaosRun(ctx, "sigkill", harnessOptions{concurrency: 2, llmLatency: 1500 * time.Millisecond}, 2)
	if err != nil {
		return nil, err
	}
	defer r.close()
	res := &chaosResult{}
	const spacing = 8 * time.Second
	n := o.jobsFor(60)
	submitFor := time.Duration(o.kills)*spacing + 4*time.Second
	start := time.Now()
	done := r.stream(ctx, n, submitFor)

	var kills []fault
	for k := range o.kills {
		sleepCtx(ctx, time.Until(start.Add(3*time.Second+time.Duration(k)*spacing)))
		// Two workers of two slots: with three LLM calls in flight, each
		// worker has at least one, so the victim dies mid-job.
		waitUntil := time.Now().Add(10 * time.Second)
		for r.h.llm.InFlight() < 3 && time.Now().Before(waitUntil) && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		inflight := r.h.llm.InFlight()
		live := r.liveWorkers()
		if len(live) == 0 {
			return nil, fmt.Errorf("no worker left to kill")
		}
		victim := live[0]
		victim.stop(syscall.SIGKILL, 10*time.Second)
		at := time.Now()
		kills = append(kills, fault{at, at})
		r.logf("kill %d: worker pid %d SIGKILLed with %d LLM calls in flight (both workers)", k+1, victim.pid(), inflight)
		if inflight < 3 {
			res.note("kill %d: only %d LLM calls in flight", k+1, inflight)
		}
		if _, err := r.startWorker(); err != nil {
			return nil, fmt.Errorf("replacement worker: %w", err)
		}
	}
	<-done
	res.SubmitSeconds = time.Since(start).Seconds()
	r.waitAllFinal(ctx, kills[len(kills)-1].end.Add(o.deadline))

	// The jobs a kill caught run a second attempt: recovery is from the
	// kill that caught each (the first after it started) until it ended.
	recovery := func(rows map[string]db.Job) (time.Duration, int) {
		var worst time.Duration
		caught := 0
		for _, row := range rows {
			if row.Attempts < 2 {
				continue
			}
			for _, k := range kills {
				if k.start.After(row.StartedAt) {
					caught++
					end := row.FinishedAt
					if end.IsZero() {
						end = time.Now()
					}
					worst = max(worst, end.Sub(k.start))
					break
				}
			}
		}
		return worst, caught
	}
	if err := r.finish(res, kills, recovery); err != nil {
		return nil, err
	}
	res.note("%d kills, %d jobs caught mid-run and run again", len(kills), res.Affected)
	if res.Affected == 0 {
		res.note("no job was caught by a kill: nothing was tested")
	}
	return res, nil
}

// chaosFlushAll: Redis loses every key (queue, events, cache) while jobs are
// queued and running. The reconciler re-enqueues them from SQLite once they
// have been quiet for its grace period (10 s); the bench runs it every 2 s
// (RECONCILE_INTERVAL) instead of every 30 s.
func chaosFlushAll(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	return chaosRedis(ctx, o, "flushall", faults{}, flushAll(ctx))
}

// chaosFlushRetrying: FLUSHALL while the LLM fails half its calls, so many
// jobs are waiting to retry with attempts 2 or 3 in SQLite when their task
// vanishes. The reconciler's new task must go on from that count: numbered
// from 1 again, its events were dropped as stale and the job never ended.
func chaosFlushRetrying(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	var retrying []string
	flush := flushAll(ctx)
	res, err := chaosRedis(ctx, o, "flushall-retrying", faults{serverError: 0.5}, func(r *chaosRun) error {
		// Flush once a few jobs wait to retry after their second attempt.
		for t := time.Now(); len(retrying) < 3 && time.Since(t) < 4*time.Second; time.Sleep(5 * time.Millisecond) {
			retrying = r.retrying(2)
		}
		return flush(r)
	})
	if res != nil {
		res.note("%d jobs waiting to retry after attempt 2 or later at the flush", len(retrying))
	}
	return res, err
}

// retrying returns the queued jobs the API shows waiting to retry after at
// least minAttempts attempts.
func (r *chaosRun) retrying(minAttempts int) []string {
	var ids []string
	for _, j := range r.listJobs("queued") {
		if tasks.IsRetrying(j.Stage) && j.Attempts >= minAttempts {
			ids = append(ids, j.JobID)
		}
	}
	return ids
}

func flushAll(ctx context.Context) func(*chaosRun) error {
	return func(r *chaosRun) error {
		rdb := r.h.rdb()
		defer rdb.Close()
		return rdb.FlushAll(ctx).Err()
	}
}

// chaosRedisRestart: redis-server (no persistence) is killed and started
// again 1 s later on the same port: every key is lost, every client must
// reconnect, and for that second enqueues and events fail.
func chaosRedisRestart(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	return chaosRedis(ctx, o, "redis-restart", faults{}, func(r *chaosRun) error {
		r.h.redis.stop()
		sleepCtx(ctx, time.Second)
		return r.h.redis.start()
	})
}

func chaosRedis(ctx context.Context, o chaosOptions, name string, llmFaults faults, inject func(*chaosRun) error) (*chaosResult, error) {
	r, err := newChaosRun(ctx, name, harnessOptions{
		concurrency: 2, llmLatency: 500 * time.Millisecond,
		extraEnv: []string{"RECONCILE_INTERVAL=2s"},
	}, 1)
	if err != nil {
		return nil, err
	}
	defer r.close()
	res := &chaosResult{}
	r.h.llm.setFaults(llmFaults)
	n, over := o.jobsFor(40), o.over(40, 8*time.Second)
	start := time.Now()
	done := r.stream(ctx, n, over)
	sleepCtx(ctx, over/2) // the worker (about 3 jobs/s) is behind: jobs are queued and running
	before := len(r.accepted())
	f := fault{start: time.Now()}
	if err := inject(r); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f.end = time.Now()
	r.logf("%s after %d jobs were accepted", name, before)
	<-done
	res.SubmitSeconds = time.Since(start).Seconds()
	r.waitAllFinal(ctx, f.end.Add(o.deadline))
	if err := r.finish(res, []fault{f}, nil); err != nil {
		return nil, err
	}
	res.note("%d jobs not final at the fault", res.Affected)
	return res, nil
}

// chaosChrome: the worker's Chrome (the browser process, which takes its
// renderers with it) is killed with SIGKILL whenever a job is printing, about
// every 2 s. The pool restarts Chrome and retries the render.
func chaosChrome(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	r, err := newChaosRun(ctx, "chrome", harnessOptions{concurrency: 2, llmLatency: 100 * time.Millisecond}, 1)
	if err != nil {
		return nil, err
	}
	defer r.close()
	res := &chaosResult{}
	// Chrome starts in the background with the worker: wait for it.
	for t := time.Now(); len(browserPIDs(r.h.dir)) == 0; {
		if time.Since(t) > 30*time.Second {
			return nil, fmt.Errorf("no Chrome started under %s", r.h.dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
	n, over := o.jobsFor(30), max(o.over(30, 10*time.Second), 6*time.Second) // about 3 Chrome kills at least
	start := time.Now()
	done := r.stream(ctx, n, over)
	var kills []fault
	printingAt := map[string]time.Time{} // job printing when Chrome was killed -> the kill
	for time.Since(start) < over-time.Second && ctx.Err() == nil {
		sleepCtx(ctx, time.Until(start.Add(time.Duration(len(kills)+1)*2*time.Second-1500*time.Millisecond)))
		// Kill when the API shows a job printing, or after 1.5 s anyway.
		var printing []string
		for t := time.Now(); time.Since(t) < 1500*time.Millisecond && len(printing) == 0; time.Sleep(5 * time.Millisecond) {
			printing = r.printing()
		}
		pids := browserPIDs(r.h.dir)
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		at := time.Now()
		if len(pids) == 0 {
			continue // Chrome is still restarting from the last kill
		}
		kills = append(kills, fault{at, at})
		for _, id := range printing {
			printingAt[id] = at
		}
	}
	<-done
	res.SubmitSeconds = time.Since(start).Seconds()
	if len(kills) == 0 {
		return nil, fmt.Errorf("never found a Chrome to kill")
	}
	r.waitAllFinal(ctx, kills[len(kills)-1].end.Add(o.deadline))
	// Recovery: from a kill until the jobs that were printing then are final.
	recovery := func(rows map[string]db.Job) (time.Duration, int) {
		var worst time.Duration
		for id, at := range printingAt {
			end := rows[id].FinishedAt
			if end.IsZero() {
				end = time.Now()
			}
			worst = max(worst, end.Sub(at))
		}
		return worst, len(printingAt)
	}
	if err := r.finish(res, kills, recovery); err != nil {
		return nil, err
	}
	var logs string
	for _, p := range r.procs {
		logs += p.Logs()
	}
	res.note("%d Chrome kills, %d renders interrupted and retried (worker log), %d jobs printing at a kill",
		len(kills), strings.Count(logs, "chrome died during a render"), len(printingAt))
	return res, nil
}

// printing returns the running jobs the API shows printing their PDF.
func (r *chaosRun) printing() []string {
	var ids []string
	for _, j := range r.listJobs("running") {
		if j.Stage == tasks.StagePrinting {
			ids = append(ids, j.JobID)
		}
	}
	return ids
}

type listedJob struct {
	JobID    string `json:"job_id"`
	Stage    string `json:"stage"`
	Attempts int    `json:"attempts"`
}

// listJobs reads my-jobs with a status filter.
func (r *chaosRun) listJobs(status string) []listedJob {
	req, _ := http.NewRequest("GET", r.h.baseURL+"/api/resume-async/my-jobs?limit=100&status="+status, nil)
	req.Header.Set("Authorization", "Bearer "+r.h.token)
	b, code, err := r.do(req)
	if err != nil || code != http.StatusOK {
		return nil
	}
	var out struct {
		Jobs []listedJob `json:"jobs"`
	}
	json.Unmarshal(b, &out)
	return out.Jobs
}

// browserPIDs lists the main Chrome processes (not their renderers and
// zygotes, which have --type=) whose profile is under dir.
func browserPIDs(dir string) []int {
	var out []int
	for _, pid := range pidsMentioning(dir, "chrom") {
		if cmdline := proc.Cmdline(pid); cmdline != nil && !bytes.Contains(cmdline, []byte("--type=")) {
			out = append(out, pid)
		}
	}
	return out
}

// chaosLLMFaults: the LLM answers 30% of calls with a 500, 10% with a 429
// (Retry-After: 1) and hangs 5% for 5 s, beyond the workers' 2 s timeout
// (OPENAI_TIMEOUT). Failed attempts are retried with backoff (MaxRetry 3), a
// 429 waits without spending an attempt; a job whose four attempts all fail
// (about 1.5% of them) ends failed, which is correct, not lost.
func chaosLLMFaults(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	r, err := newChaosRun(ctx, "llm", harnessOptions{
		concurrency: 2, llmLatency: 200 * time.Millisecond,
		extraEnv: []string{"OPENAI_TIMEOUT=2s"},
	}, 2)
	if err != nil {
		return nil, err
	}
	defer r.close()
	res := &chaosResult{}
	r.h.llm.setFaults(faults{serverError: 0.3, rateLimit: 0.1, timeout: 0.05, hang: 5 * time.Second})
	n, over := o.jobsFor(40), o.over(40, 10*time.Second)
	start := time.Now()
	<-r.stream(ctx, n, over)
	f := fault{start: start, end: time.Now()}
	res.SubmitSeconds = f.end.Sub(start).Seconds()
	r.waitAllFinal(ctx, f.end.Add(o.deadline)) // the faults go on until every job has ended
	r.h.llm.setFaults(faults{})
	if err := r.finish(res, []fault{f}, nil); err != nil {
		return nil, err
	}
	res.Faults = int(r.h.llm.inject5.Load() + r.h.llm.inject429.Load() + r.h.llm.injectHang.Load())
	res.note("injected %d 500s, %d 429s, %d hangs in %d calls", r.h.llm.inject5.Load(), r.h.llm.inject429.Load(),
		r.h.llm.injectHang.Load(), res.LLMCalls)
	return res, nil
}

// chaosSIGTERM: a closed-loop load generator submits and polls while the web
// process and both workers get SIGTERM. Requests in flight must be answered
// (no 5xx; a refused connection once the listener is closed is counted
// apart); the processes must exit cleanly; web and workers are then started
// again on the same database and Redis and every accepted job must end.
func chaosSIGTERM(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	r, err := newChaosRun(ctx, "sigterm", harnessOptions{concurrency: 2, llmLatency: 500 * time.Millisecond}, 2)
	if err != nil {
		return nil, err
	}
	defer r.close()
	res := &chaosResult{StrictNo5xx: true}
	n := o.jobsFor(60)
	const loadFor, termAt = 6 * time.Second, 3 * time.Second
	submitTick := time.NewTicker(loadFor / time.Duration(n))
	defer submitTick.Stop()
	loadCtx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	start := time.Now()
	for range 8 {
		wg.Go(func() {
			for loadCtx.Err() == nil {
				var err error
				select {
				case <-submitTick.C:
					_, err = r.submit()
				default:
					jobs := r.accepted()
					if len(jobs) == 0 {
						time.Sleep(5 * time.Millisecond)
						continue
					}
					_, err = r.poll(jobs[rand.IntN(len(jobs))].id)
				}
				if err != nil {
					time.Sleep(20 * time.Millisecond) // the web is gone: do not spin
				}
			}
		})
	}

	sleepCtx(ctx, termAt)
	web, workers := r.h.web, r.liveWorkers()
	term := time.Now()
	var stopWG sync.WaitGroup
	// One slot per process: [0] is the web.
	exits := make([]string, len(workers)+1)
	took := make([]time.Duration, len(workers)+1)
	for i, p := range append([]*process{web}, workers...) {
		stopWG.Go(func() {
			if err := p.stop(syscall.SIGTERM, 40*time.Second); err != nil {
				exits[i] = fmt.Sprintf("%s (pid %d): %v", map[bool]string{true: "web", false: "worker"}[i == 0], p.pid(), err)
			}
			took[i] = time.Since(term)
		})
	}
	<-web.done
	sleepCtx(ctx, 500*time.Millisecond) // load against the closed port too
	stopLoad()
	wg.Wait()
	stopWG.Wait()
	webExit, workersExit := took[0], slices.Max(took[1:])
	res.SubmitSeconds = time.Since(start).Seconds()
	r.logf("SIGTERM with %d jobs accepted: web exited in %s, workers in %s",
		len(r.accepted()), webExit.Round(time.Millisecond), workersExit.Round(time.Millisecond))
	for _, e := range exits {
		if e != "" {
			res.ShutdownErrors = append(res.ShutdownErrors, e)
		}
	}

	// Start again on the same database and Redis.
	if err := r.startWeb(); err != nil {
		return nil, fmt.Errorf("restart web: %w", err)
	}
	for range 2 {
		if _, err := r.startWorker(); err != nil {
			return nil, fmt.Errorf("restart worker: %w", err)
		}
	}
	back := time.Since(term)
	r.waitAllFinal(ctx, term.Add(o.deadline))
	if err := r.finish(res, []fault{{term, term}}, nil); err != nil {
		return nil, err
	}
	res.note("%d requests: %d 5xx, %d without an answer (%d refused: port closed); web exited in %s, workers in %s, app back after %s",
		res.Requests, res.Status5xx, res.ConnErrors, res.Refused, webExit.Round(10*time.Millisecond),
		workersExit.Round(10*time.Millisecond), back.Round(10*time.Millisecond))
	for cause, n := range res.CutErrors {
		res.note("%d x %s (a keep-alive connection closed by the shutdown as the request was sent)", n, cause)
	}
	if res.Orphans > 0 {
		res.note("%d jobs created by requests whose answer was lost", res.Orphans)
	}
	return res, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// chaosBatch: a batch of distinct candidates runs on two workers behind the
// web process's feeder; a worker is SIGKILLed while it has batch jobs
// mid-call, a replacement started. Every job of the batch must end once:
// none lost (a held job the reconciler or feeder forgot), none duplicated.
func chaosBatch(ctx context.Context, o chaosOptions) (*chaosResult, error) {
	r, err := newChaosRun(ctx, "batch", harnessOptions{concurrency: 2, llmLatency: 1500 * time.Millisecond}, 2)
	if err != nil {
		return nil, err
	}
	defer r.close()
	res := &chaosResult{}
	n := o.jobsFor(40)
	ids := make([]string, 0, n)
	for i := range n {
		p := resume.Sample()
		p.Basics.Name = fmt.Sprintf("Chaos Candidate %03d", i)
		body, _ := json.Marshal(p)
		raw, err := r.h.api("POST", "/api/candidates", body)
		if err != nil {
			return nil, err
		}
		var c struct{ ID string }
		json.Unmarshal(raw, &c)
		ids = append(ids, c.ID)
	}
	body, _ := json.Marshal(map[string]any{"job_description": resume.SampleJobDescription + "\n\nReference: chaos batch.",
		"candidate_ids": ids})
	raw, err := r.h.api("POST", "/api/batches", body)
	if err != nil {
		return nil, err
	}
	var b struct{ ID string }
	json.Unmarshal(raw, &b)
	// Every job of the batch counts as accepted.
	for offset := 0; offset < n; offset += 100 {
		raw, err := r.h.api("GET", fmt.Sprintf("/api/batches/%s?limit=100&offset=%d", b.ID, offset), nil)
		if err != nil {
			return nil, err
		}
		var page struct {
			Jobs []struct {
				JobID string `json:"job_id"`
			} `json:"jobs"`
		}
		json.Unmarshal(raw, &page)
		r.mu.Lock()
		for _, j := range page.Jobs {
			r.jobs = append(r.jobs, &chaosJob{id: j.JobID})
		}
		r.mu.Unlock()
	}
	start := time.Now()
	waitUntil := time.Now().Add(20 * time.Second)
	for r.h.llm.InFlight() < 3 && time.Now().Before(waitUntil) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	inflight := r.h.llm.InFlight()
	live := r.liveWorkers()
	if len(live) == 0 {
		return nil, fmt.Errorf("no worker to kill")
	}
	live[0].stop(syscall.SIGKILL, 10*time.Second)
	at := time.Now()
	r.logf("worker pid %d SIGKILLed %.1f s into a %d-job batch, %d LLM calls in flight", live[0].pid(), at.Sub(start).Seconds(), n, inflight)
	if _, err := r.startWorker(); err != nil {
		return nil, fmt.Errorf("replacement worker: %w", err)
	}
	kills := []fault{{at, at}}
	r.waitAllFinal(ctx, at.Add(o.deadline))
	res.SubmitSeconds = time.Since(start).Seconds()
	if err := r.finish(res, kills, nil); err != nil {
		return nil, err
	}
	raw, err = r.h.api("GET", "/api/batches/"+b.ID+"?limit=1", nil)
	if err == nil {
		var got struct {
			Status string
			Counts struct{ Total, Succeeded int }
		}
		json.Unmarshal(raw, &got)
		res.note("batch %s: %d of %d succeeded, status %s", b.ID, got.Counts.Succeeded, got.Counts.Total, got.Status)
		if got.Counts.Total != n {
			res.Lost += n - got.Counts.Total
		}
	}
	res.note("1 kill during a %d-job batch; %d jobs had not ended at the kill", n, res.Affected)
	return res, nil
}
