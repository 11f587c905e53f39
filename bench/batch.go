package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/tailor-app/tailor/proc"
	"github.com/tailor-app/tailor/resume"
)

// benchBatch: a 500-job batch (500 distinct candidates, so no cache hit)
// with the instant fake model drains through `tailor serve` while
// interactive jobs submitted meanwhile are timed; then the batch's ZIP is
// streamed and the web process's peak RSS sampled.
func benchBatch(ctx context.Context, o options, rep *report) error {
	n := 500
	if o.quick {
		n = 100
	}
	h, err := newHarness(ctx, harnessOptions{concurrency: 4, llmLatency: o.llmLatency})
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.startServe(); err != nil {
		return err
	}
	for i := range 3 { // warm Chrome and the code paths
		id, err := h.submit(fmt.Sprintf("warm up %d: %s", i, resume.SampleJobDescription))
		if err != nil {
			return err
		}
		if _, err := h.waitFinal(id, time.Minute); err != nil {
			return err
		}
	}
	ids := make([]string, 0, n)
	for i := range n {
		p := resume.Sample()
		p.Basics.Name = fmt.Sprintf("Candidate %03d", i)
		body, _ := json.Marshal(p)
		res, err := h.api("POST", "/api/candidates", body)
		if err != nil {
			return err
		}
		var c struct{ ID string }
		json.Unmarshal(res, &c)
		ids = append(ids, c.ID)
	}
	body, _ := json.Marshal(map[string]any{"job_description": resume.SampleJobDescription, "company": "Globex",
		"candidate_ids": ids})
	start := time.Now()
	res, err := h.api("POST", "/api/batches", body)
	if err != nil {
		return err
	}
	created := time.Since(start)
	var b struct{ ID string }
	json.Unmarshal(res, &b)
	cpuStop := sampleCPU(h)
	var prof chan error
	if o.profile { // the drain's first 10 s, while every part is busy
		prof = make(chan error, 1)
		os.MkdirAll(o.out, 0o755)
		go func() {
			prof <- fetch("http://"+h.metricsAddr()+"/debug/pprof/profile?seconds=10", filepath.Join(o.out, "batch-cpu.pprof"))
		}()
	}

	// Interactive jobs while the batch drains, one after the other.
	var interactive []time.Duration
	var drained atomic.Bool
	done := make(chan error, 1)
	go func() {
		for i := 0; !drained.Load(); i++ {
			t0 := time.Now()
			id, err := h.submit(fmt.Sprintf("%s\ninteractive %d %d", resume.SampleJobDescription, i, t0.UnixNano()))
			if err != nil {
				done <- err
				return
			}
			// Every 25 ms (a browser's card waits for its live update, or
			// polls every 2 s): at 5 ms this client's 200 requests a second
			// took a tenth of the processor the drain is measured on.
			s, err := h.waitFinalEvery(id, time.Minute, 25*time.Millisecond)
			if err != nil || s.Status != "succeeded" {
				done <- fmt.Errorf("interactive job %s: %v %s", id, err, s.Error)
				return
			}
			interactive = append(interactive, time.Since(t0))
			time.Sleep(200 * time.Millisecond)
		}
		done <- nil
	}()
	var counts struct {
		Status string
		Counts struct{ Total, Succeeded, Failed, Canceled int }
	}
	for {
		raw, err := h.api("GET", "/api/batches/"+b.ID+"?limit=1", nil)
		if err != nil {
			return err
		}
		json.Unmarshal(raw, &counts)
		if counts.Status == "done" {
			break
		}
		if time.Since(start) > 10*time.Minute {
			return fmt.Errorf("batch not done after 10 min: %+v", counts.Counts)
		}
		time.Sleep(100 * time.Millisecond) // the drain's end to 0.5 % of its 20 s
	}
	drain := time.Since(start)
	drained.Store(true)
	cpu := cpuStop()
	if err := <-done; err != nil {
		return err
	}
	if counts.Counts.Succeeded != n {
		return fmt.Errorf("batch ended with %+v", counts.Counts)
	}
	rep.add("batch create (API)", "answer", ms(created), "ms", "< 1000", fmt.Sprintf("%d jobs in one transaction", n))
	rep.add("batch drain, instant LLM", "throughput", float64(n)/drain.Seconds(), "PDF/s", ">= 25",
		fmt.Sprintf("%d jobs in %.1f s, WORKER_CONCURRENCY=4, distinct candidates (no cache)", n, drain.Seconds()))
	rep.add("batch drain, instant LLM", "processor time per job", 1000*cpu.total()/float64(n), "ms", "",
		fmt.Sprintf("of %.0f ms available per job on %d cores: %s", 1000*drain.Seconds()*float64(runtime.NumCPU())/float64(n), runtime.NumCPU(), cpu.perJob(n)))
	if split, err := jobWallSplit(h, b.ID); err != nil {
		fmt.Fprintf(os.Stderr, "wall-time split: %v\n", err)
	} else {
		rep.add("batch drain, instant LLM", "wall time per job p50", split.total, "ms", "", split.String())
	}
	if prof != nil {
		if err := <-prof; err != nil {
			fmt.Fprintf(os.Stderr, "profile: %v\n", err)
		} else {
			fmt.Fprintf(os.Stderr, "profile of the drain: go tool pprof -top %s\n", filepath.Join(o.out, "batch-cpu.pprof"))
		}
	}
	slices.Sort(interactive)
	if len(interactive) > 0 {
		rep.add("interactive job during a batch", "p95", ms(interactive[len(interactive)*95/100]), "ms", "< 1000",
			fmt.Sprintf("p50 %.0f ms, max %.0f ms over %d jobs", ms(interactive[len(interactive)/2]), ms(interactive[len(interactive)-1]), len(interactive)))
	}

	// The ZIP, streamed; the web process's RSS sampled meanwhile.
	before := proc.RSS(h.web.pid())
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if r := proc.RSS(h.web.pid()); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	req, _ := http.NewRequest("GET", h.baseURL+"/api/batches/"+b.ID+"/zip", nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	t0 := time.Now()
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	size, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(t0)
	close(stop)
	<-sampled
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("zip: %d %v", resp.StatusCode, err)
	}
	rep.add("batch ZIP stream", "throughput", mb(size)/took.Seconds(), "MB/s", ">= 50",
		fmt.Sprintf("%.1f MB (%d PDFs and summary.csv) in %.0f ms", mb(size), n, ms(took)))
	rep.add("batch ZIP stream", "web RSS peak", mb(peak.Load()), "MB", "",
		fmt.Sprintf("%.0f MB before the download: +%.0f MB for a %.0f MB ZIP", mb(before), mb(peak.Load()-before), mb(size)))
	fmt.Fprintln(os.Stderr)
	return nil
}

// cpuSplit is the processor time, in seconds, of the parts of a run: the
// tailor process, its Chrome, redis-server and the bench itself (the fake
// LLM and the clients).
type cpuSplit struct{ tailor, chrome, redis, bench float64 }

// wallSplit is where a batch job's time went, medians in milliseconds, from
// the jobs' rows: released to started (on the queue), started to finished
// (in a worker), and the worker's own stage timings.
type wallSplit struct{ queue, total, wait, tailor, verify, render float64 }

func (w wallSplit) String() string {
	return fmt.Sprintf("on the queue %.0f ms (released to started), then in a worker: queue wait %.0f, tailoring %.0f, fact check %.0f, render %.0f ms",
		w.queue, w.wait, w.tailor, w.verify, w.render)
}

func jobWallSplit(h *harness, batchID string) (wallSplit, error) {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(h.dir, "data", "tailor.db")+"?mode=ro")
	if err != nil {
		return wallSplit{}, err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT started_at - released_at, finished_at - started_at, wait_ms, tailor_ms, verify_ms, render_ms
		FROM jobs WHERE batch_id = ? AND status = 'succeeded'`, batchID)
	if err != nil {
		return wallSplit{}, err
	}
	defer rows.Close()
	var cols [6][]float64
	for rows.Next() {
		var v [6]sql.NullFloat64
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5]); err != nil {
			return wallSplit{}, err
		}
		for i := range v {
			cols[i] = append(cols[i], v[i].Float64)
		}
	}
	med := func(x []float64) float64 { p50, _ := quantiles(x); return p50 }
	return wallSplit{med(cols[0]), med(cols[1]), med(cols[2]), med(cols[3]), med(cols[4]), med(cols[5])}, rows.Err()
}

// sampleCPU starts sampling the processor time of the drain's processes
// every 100 ms and returns a func that stops and returns what each part
// used since. Sampling, not two readings, so that Chrome's processes that
// end during the drain (a browser recycled every 500 renders; killed in
// their PID namespace, nobody waits for them) still count, up to their
// last sample.
func sampleCPU(h *harness) func() cpuSplit {
	type part int
	const (
		tailor part = iota
		chrome
		redis
		bench
	)
	base, last := map[int]float64{}, map[int]float64{}
	partOf := map[int]part{}
	sample := func(first bool) {
		tree := proc.Tree(h.web.pid())
		pids := map[int]part{tree[0]: tailor, h.redis.cmd.Process.Pid: redis, os.Getpid(): bench}
		for _, pid := range tree[1:] { // its Chrome and Chrome's helpers
			pids[pid] = chrome
		}
		for pid, p := range pids {
			t := proc.CPU([]int{pid})
			if t == 0 && last[pid] > 0 {
				continue // gone since it was listed
			}
			if first {
				base[pid] = t
			}
			last[pid], partOf[pid] = t, p
		}
	}
	sample(true)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				sample(false)
				return
			case <-time.After(100 * time.Millisecond):
				sample(false)
			}
		}
	}()
	return func() cpuSplit {
		close(stop)
		<-done
		var by [4]float64
		for pid, t := range last {
			by[partOf[pid]] += t - base[pid]
		}
		return cpuSplit{tailor: by[tailor], chrome: by[chrome], redis: by[redis], bench: by[bench]}
	}
}

func (c cpuSplit) total() float64 { return c.tailor + c.chrome + c.redis + c.bench }

func (c cpuSplit) perJob(n int) string {
	f := func(s float64) float64 { return 1000 * s / float64(n) }
	return fmt.Sprintf("tailor %.1f ms, Chrome %.1f ms, redis %.1f ms, bench and fake LLM %.1f ms",
		f(c.tailor), f(c.chrome), f(c.redis), f(c.bench))
}
