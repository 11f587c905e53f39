package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/proc"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/resume/themes"
)

func runBench(ctx context.Context, o options) error {
	rep := newReport(o.quick)
	fmt.Fprintf(os.Stderr, "bench: building and starting Tailor (web and workers as separate processes)...\n")

	if o.wants("enqueue") || o.wants("status") {
		if err := benchWeb(ctx, o, rep); err != nil {
			return err
		}
	}
	if o.wants("pdf") {
		if err := benchPDF(ctx, o, rep); err != nil {
			return err
		}
	}
	if o.wants("jobs") || o.wants("recruiters") || o.wants("soak") {
		if err := benchPipeline(ctx, o, rep); err != nil {
			return err
		}
	}
	if o.wants("batch") {
		if err := benchBatch(ctx, o, rep); err != nil {
			return err
		}
	}
	if o.wants("sse") {
		if err := benchSSE(ctx, o, rep); err != nil {
			return err
		}
	}
	if o.wants("claims") {
		if err := benchClaims(rep); err != nil {
			return err
		}
	}
	fmt.Println()
	rep.print(os.Stdout)
	path, err := rep.save(o.out)
	if err != nil {
		return err
	}
	fmt.Printf("\nresults: %s (compare two runs with: make bench-compare A=... B=...)\n", path)
	return nil
}

// benchWeb measures the web tier alone (no worker runs, so queued jobs stay
// queued): enqueue and status polls, closed loop.
func benchWeb(ctx context.Context, o options, rep *report) error {
	h, err := newHarness(ctx, harnessOptions{concurrency: 2, llmLatency: o.llmLatency})
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.startWeb(); err != nil {
		return err
	}
	jd := []byte(resume.SampleJobDescription)
	enqueue := func(i int64) *http.Request {
		body, _ := json.Marshal(map[string]string{
			"candidate_id": h.cand, "job_description": string(jd) + fmt.Sprintf("\nposting %d", i),
		})
		req, _ := http.NewRequest("POST", h.baseURL+"/api/resume-async/generate-async", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	if o.wants("enqueue") {
		for _, conns := range []int{50, 200, 500} {
			var prof *profiler
			if o.profile && conns == 200 {
				prof = startProfile(h, o)
			}
			s := closedLoop(ctx, h.client, conns, o.warmup, o.duration, enqueue)
			if prof != nil {
				prof.finish(rep)
			}
			rep.add(fmt.Sprintf("enqueue, %d connections", conns), "requests/s", s.rate(), "req/s", ">= 3000", latencyDetail(s))
		}
	}
	if !o.wants("status") {
		return nil
	}
	// Jobs to poll: whatever is queued, plus a few more.
	var ids []string
	for range 50 {
		id, err := h.submit(resume.SampleJobDescription + fmt.Sprintf("\npoll %d", rand.Int()))
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	var cards []string
	for _, id := range ids[:10] {
		u, err := h.cardURL(id)
		if err != nil {
			return fmt.Errorf("status fragment URL: %w", err)
		}
		cards = append(cards, u)
	}
	statusJSON := func(i int64) *http.Request {
		req, _ := http.NewRequest("GET", h.baseURL+"/api/resume-async/job-status/"+ids[i%int64(len(ids))], nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		return req
	}
	fragment := func(i int64) *http.Request {
		req, _ := http.NewRequest("GET", h.baseURL+cards[i%int64(len(cards))], nil)
		req.Header.Set("HX-Request", "true")
		return req
	}
	for _, conns := range []int{100, 1000} {
		s := closedLoop(ctx, h.client, conns, o.warmup, o.duration, statusJSON)
		rep.add(fmt.Sprintf("status JSON, %d connections", conns), "requests/s", s.rate(), "req/s", ">= 15000", latencyDetail(s))
		s = closedLoop(ctx, h.client, conns, o.warmup, o.duration, fragment)
		rep.add(fmt.Sprintf("status fragment, %d connections", conns), "requests/s", s.rate(), "req/s", ">= 15000", latencyDetail(s))
	}
	return nil
}

func latencyDetail(s *sample) string {
	return fmt.Sprintf("p50 %.2f p90 %.2f p99 %.2f max %.1f ms; %d errors, %d 5xx of %d",
		s.pct(0.50), s.pct(0.90), s.pct(0.99), s.maxMS(), s.errors, s.status5x, s.requests)
}

// benchPDF measures the Chrome pool in this process: the cold first render,
// warm renders per theme, and throughput at 1, 2 and 4 renders at once.
func benchPDF(ctx context.Context, o options, rep *report) error {
	r := resume.TailorOffline(resume.Sample(), resume.SampleJobDescription, "")
	htmlFor := func(theme string) string {
		html, err := themes.Render(ctx, theme, "a4", r)
		if err != nil {
			panic(err)
		}
		return html
	}
	dir, _ := os.MkdirTemp("", "tailor-bench-pdf-")
	defer os.RemoveAll(dir)
	defer os.Setenv("TMPDIR", os.Getenv("TMPDIR"))
	os.Setenv("TMPDIR", dir) // Chrome's profile lands here

	pool := pdf.New(pdf.Options{Tabs: 4})
	start := time.Now()
	if _, err := pool.Render(ctx, htmlFor("classic"), "a4"); err != nil {
		return fmt.Errorf("PDF renderer: %w", err)
	}
	rep.add("PDF, cold (first after start)", "latency", ms(time.Since(start)), "ms", "", "starts Chrome and 4 tabs")
	n := 60
	if o.quick {
		n = 20
	}
	for _, theme := range themes.Names() {
		html := htmlFor(theme)
		var d []time.Duration
		for range n {
			t0 := time.Now()
			if _, err := pool.Render(ctx, html, "a4"); err != nil {
				return err
			}
			d = append(d, time.Since(t0))
		}
		slices.Sort(d)
		p50, p95 := ms(d[len(d)/2]), ms(d[len(d)*95/100])
		rep.add("PDF warm, theme "+theme, "p50", p50, "ms", "< 60", fmt.Sprintf("p95 %.1f ms over %d renders, reused tabs", p95, n))
	}
	html := htmlFor("classic")
	for _, conc := range []int{1, 2, 4} {
		var done atomic.Int64
		cctx, cancel := context.WithTimeout(ctx, o.duration)
		var wg sync.WaitGroup
		t0 := time.Now()
		for range conc {
			wg.Go(func() {
				for cctx.Err() == nil {
					if _, err := pool.Render(cctx, html, "a4"); err == nil {
						done.Add(1)
					}
				}
			})
		}
		wg.Wait()
		cancel()
		rate := float64(done.Load()) / time.Since(t0).Seconds()
		target := ""
		if conc == 2 {
			target = ">= 20"
		}
		rep.add(fmt.Sprintf("PDF throughput, %d at once", conc), "PDFs/s", rate, "PDF/s", target, "2-page resume, warm tabs")
	}
	return pool.Close()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// benchPipeline runs web and worker processes with the instant fake LLM:
// submit -> succeeded, the cache hit, the recruiter model and the soak.
func benchPipeline(ctx context.Context, o options, rep *report) error {
	h, err := newHarness(ctx, harnessOptions{concurrency: 2, llmLatency: o.llmLatency})
	if err != nil {
		return err
	}
	defer h.Close()
	// One `tailor serve` process, the default deployment: its RSS is the
	// web + worker figure.
	if err := h.startServe(); err != nil {
		return err
	}
	// Warm Chrome and the code paths.
	for i := range 5 {
		id, err := h.submit(fmt.Sprintf("warm up %d: %s", i, resume.SampleJobDescription))
		if err != nil {
			return err
		}
		if _, err := h.waitFinal(id, time.Minute); err != nil {
			return err
		}
	}
	if o.wants("jobs") {
		if err := benchJobTimes(h, o, rep); err != nil {
			return err
		}
	}
	if o.wants("recruiters") {
		if err := benchRecruiters(ctx, h, o, rep); err != nil {
			return err
		}
	}
	if o.wants("soak") {
		if err := benchSoak(h, o, rep); err != nil {
			return err
		}
	}
	return nil
}

func benchJobTimes(h *harness, o options, rep *report) error {
	n := 40
	if o.quick {
		n = 15
	}
	// company is the job's company, for the cache hits: the same inputs
	// within 10 s would be the same job (a double click), not a new one.
	measure := func(jd func(i int) string, company func(i int) string, wantCached bool) ([]time.Duration, error) {
		var d []time.Duration
		for i := range n {
			start := time.Now()
			id, err := h.submitTo(jd(i), company(i))
			if err != nil {
				return nil, err
			}
			s, err := h.waitFinal(id, time.Minute)
			if err != nil {
				return nil, err
			}
			if s.Status != "succeeded" || s.Cached != wantCached {
				return nil, fmt.Errorf("job %s: %s cached=%v (%s)", id, s.Status, s.Cached, s.Error)
			}
			d = append(d, time.Since(start))
		}
		slices.Sort(d)
		return d, nil
	}
	globex := func(int) string { return "Globex" }
	d, err := measure(func(i int) string { return fmt.Sprintf("%s\nunique %d %d", resume.SampleJobDescription, i, rand.Int()) }, globex, false)
	if err != nil {
		return err
	}
	rep.add("submit -> succeeded, instant LLM", "p50", ms(d[len(d)/2]), "ms", "< 300",
		fmt.Sprintf("p95 %.1f ms over %d jobs (API submit, poll every 5 ms)", ms(d[len(d)*95/100]), n))
	same := resume.SampleJobDescription + "\ncached"
	if id, err := h.submit(same); err == nil {
		h.waitFinal(id, time.Minute)
	}
	d, err = measure(func(int) string { return same }, func(i int) string { return fmt.Sprintf("Globex %d", i) }, true)
	if err != nil {
		return err
	}
	rep.add("submit -> succeeded, cache hit", "p50", ms(d[len(d)/2]), "ms", "< 50",
		fmt.Sprintf("p95 %.1f ms over %d jobs", ms(d[len(d)*95/100]), n))
	return nil
}

// benchRecruiters is the open-loop model: each recruiter submits a job once
// a minute and polls its latest job's status every 2 s.
func benchRecruiters(ctx context.Context, h *harness, o options, rep *report) error {
	n := o.recruiters
	// Every recruiter starts with a finished job to poll (50 shared ones),
	// so polls run at their full rate from the first second.
	var seed []string
	for i := range 50 {
		id, err := h.submit(fmt.Sprintf("%s\nseed %d %d", resume.SampleJobDescription, i, rand.Int()))
		if err != nil {
			return err
		}
		seed = append(seed, id)
	}
	for _, id := range seed {
		if _, err := h.waitFinal(id, time.Minute); err != nil {
			return err
		}
	}
	latest := make([]atomic.Value, n)
	for i := range latest {
		latest[i].Store(seed[i%len(seed)])
	}
	polls, submits := &recorder{}, &recorder{}
	var wg sync.WaitGroup
	wg.Go(func() {
		openLoop(ctx, h.client, n, 2*time.Second, o.openLoop, func(u int, _ int64) *http.Request {
			id, _ := latest[u].Load().(string)
			if id == "" {
				return nil // a recruiter polls once it has submitted
			}
			req, _ := http.NewRequest("GET", h.baseURL+"/api/resume-async/job-status/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+h.token)
			return req
		}, &pollRecorder{recorder: polls, latest: latest})
	})
	wg.Go(func() {
		openLoop(ctx, h.client, n, time.Minute, o.openLoop, func(u int, tick int64) *http.Request {
			body, _ := json.Marshal(map[string]string{"candidate_id": h.cand,
				"job_description": fmt.Sprintf("%s\nrecruiter %d posting %d", resume.SampleJobDescription, u, tick)})
			req, _ := http.NewRequest("POST", h.baseURL+"/api/resume-async/generate-async", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+h.token)
			req.Header.Set("Content-Type", "application/json")
			req = req.WithContext(context.WithValue(req.Context(), recruiterKey{}, u))
			return req
		}, &submitRecorder{recorder: submits, latest: latest, client: h.client})
	})
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	all := &recorder{}
	for _, r := range []*recorder{polls, submits} {
		all.lat = append(all.lat, r.lat...)
		all.requests.Add(r.requests.Load())
		all.errors.Add(r.errors.Load())
		all.status5x.Add(r.status5x.Load())
	}
	s := all.sample(elapsed)
	name := fmt.Sprintf("recruiters, %d (poll 2 s, submit 1/min)", n)
	rep.add(name, "p99", s.pct(0.99), "ms", "< 10", fmt.Sprintf("%.0f req/s achieved; p50 %.2f ms, max %.1f ms", s.rate(), s.pct(0.5), s.maxMS()))
	rep.add(name, "errors", float64(s.errors), "", "== 0", fmt.Sprintf("%d requests", s.requests))
	web, workers := h.rss()
	rep.add("memory after the recruiter model", "web + worker RSS", mb(web+workers), "MB", "< 60",
		fmt.Sprintf("one tailor serve process; Chrome %.1f MB (excluded)", mb(chromeRSS(h.dir))))
	return nil
}

type recruiterKey struct{}

// pollRecorder and submitRecorder are recorders; submitRecorder also
// remembers each recruiter's latest job id for its polls.
type pollRecorder struct {
	*recorder
	latest []atomic.Value
}

type submitRecorder struct {
	*recorder
	latest []atomic.Value
	client *http.Client
}

func (s *submitRecorder) do(client *http.Client, req func() *http.Request) {
	r := req()
	start := time.Now()
	res, err := client.Do(r)
	s.requests.Add(1)
	if err != nil {
		s.errors.Add(1)
		return
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 500 {
		s.status5x.Add(1)
	}
	if res.StatusCode != http.StatusAccepted {
		s.errors.Add(1)
		return
	}
	s.add(time.Since(start))
	var out struct {
		JobID string `json:"job_id"`
	}
	if json.Unmarshal(body, &out) == nil {
		s.latest[r.Context().Value(recruiterKey{}).(int)].Store(out.JobID)
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// rss returns the resident memory of the web process and of all workers.
func (h *harness) rss() (web, workers int64) {
	web = proc.RSS(h.web.pid())
	for _, w := range h.workers {
		if w.alive() {
			workers += proc.RSS(w.pid())
		}
	}
	return web, workers
}

// benchSoak runs many jobs and compares memory before and after.
func benchSoak(h *harness, o options, rep *report) error {
	run := func(n int, tag string) error {
		ids := make([]string, 0, n)
		for i := range n {
			id, err := h.submit(fmt.Sprintf("%s\n%s %d %d", resume.SampleJobDescription, tag, i, rand.Int()))
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			s, err := h.waitFinal(id, 5*time.Minute)
			if err != nil {
				return err
			}
			if s.Status != "succeeded" {
				return fmt.Errorf("soak job %s: %s (%s)", id, s.Status, s.Error)
			}
		}
		return nil
	}
	if err := run(100, "baseline"); err != nil {
		return err
	}
	web0, work0 := h.rss()
	start := time.Now()
	if err := run(o.soak, "soak"); err != nil {
		return err
	}
	elapsed := time.Since(start)
	web1, work1 := h.rss()
	growth := (float64(web1+work1) - float64(web0+work0)) / float64(web0+work0) * 100
	rep.add(fmt.Sprintf("soak, %d jobs", o.soak), "RSS growth", growth, "%", "< 10",
		fmt.Sprintf("web+worker %.1f -> %.1f MB; %.1f jobs/s; Chrome %.1f MB", mb(web0+work0), mb(web1+work1),
			float64(o.soak)/elapsed.Seconds(), mb(chromeRSS(h.dir))))
	rep.add(fmt.Sprintf("soak, %d jobs", o.soak), "web + worker RSS", mb(web1+work1), "MB", "< 60", "at the end of the soak")
	return nil
}

// profiler fetches a CPU profile of the web process while a scenario runs,
// then a heap profile.
type profiler struct {
	h    *harness
	dir  string
	done chan error
}

func startProfile(h *harness, o options) *profiler {
	p := &profiler{h: h, dir: o.out, done: make(chan error, 1)}
	os.MkdirAll(o.out, 0o755)
	secs := int(o.duration.Seconds())
	go func() {
		time.Sleep(o.warmup)
		p.done <- fetch("http://"+h.metricsAddr()+fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs), filepath.Join(p.dir, "cpu.pprof"))
	}()
	return p
}

func (p *profiler) finish(rep *report) {
	err := <-p.done
	if err == nil {
		err = fetch("http://"+p.h.metricsAddr()+"/debug/pprof/heap", filepath.Join(p.dir, "heap.pprof"))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "profile: %v\n", err)
		return
	}
	fmt.Fprintf(os.Stderr, "profiles: %s, %s (go tool pprof -top %s)\n",
		filepath.Join(p.dir, "cpu.pprof"), filepath.Join(p.dir, "heap.pprof"), filepath.Join(p.dir, "cpu.pprof"))
}

func fetch(url, path string) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, res.Body)
	return err
}
