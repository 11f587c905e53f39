package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestLiveCardInTheBrowser watches a job card go from queued to done in
// real Chrome twice: with the card's poll blocked (the event stream alone
// moves it) and with /events blocked (the poll alone moves it).
func TestLiveCardInTheBrowser(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	// Slow enough that queued and running can be seen.
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		reply := llmtest.Echo("Quasarwise")(req)
		reply.Delay = 2 * time.Second
		return reply
	})
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake")
	a.start()
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	b := newBrowser(t, a.baseURL)
	var blockedPolls, blockedStreams, cardRequests atomic.Int32
	err := chromedp.Listen(b.ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			if strings.Contains(e.Request.URL, "/card?") {
				cardRequests.Add(1)
			}
		case *network.EventLoadingFailed:
			if e.BlockedReason == "" {
				return
			}
			if e.Type == network.ResourceTypeEventSource {
				blockedStreams.Add(1)
			} else {
				blockedPolls.Add(1)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=load-sample]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=load-sample]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=generate-form]`)),
	)
	candidatePage := b.location()
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	block := func(patterns ...string) {
		var ps []*network.BlockPattern
		for _, p := range patterns {
			ps = append(ps, &network.BlockPattern{URLPattern: p, Block: true})
		}
		if _, err := chromedp.Call(b.ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: ps}); err != nil {
			t.Fatal(err)
		}
	}
	// generate starts a job from the candidate page and records every
	// status its card shows until it has ended.
	generate := func(title string) []string {
		t.Helper()
		b.do(
			chromedp.Navigate(a.baseURL+candidatePage),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=generate-form]`)),
			chromedp.SetValue(chromedp.ID("job_title"), title),
			chromedp.SetValue(chromedp.ID("job_description"), resume.SampleJobDescription+" "+title),
			chromedp.Click(chromedp.CSS(`[data-testid=generate]`)),
		)
		// The new card, among the candidate's earlier ones.
		card := `[...document.querySelectorAll('[data-testid=job-card]')].find(c => c.textContent.includes(` + jsString(title) + `))`
		b.do(poll(card + ` !== undefined`))
		var seen []string
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			st := eval[string](b, `(function(){var c=`+card+`;
				return c.dataset.status+' '+c.querySelector('[data-testid=job-progress]').value})()`)
			if len(seen) == 0 || seen[len(seen)-1] != st {
				seen = append(seen, st)
			}
			if strings.HasPrefix(st, "succeeded") || strings.HasPrefix(st, "failed") {
				return seen
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("card did not end in 60 s; it showed %v", seen)
		return nil
	}
	// The card answered by Generate is queued; the worker may start it
	// before the first look, so the first state seen is queued or running.
	check := func(t *testing.T, seen []string) {
		t.Helper()
		if !strings.HasPrefix(seen[0], "queued") && !strings.HasPrefix(seen[0], "running") || seen[len(seen)-1] != "succeeded 100" {
			t.Errorf("card showed %v, want queued or running first and succeeded 100 last", seen)
		}
		if !strings.Contains(strings.Join(seen, ","), "running") {
			t.Errorf("card showed %v, never running", seen)
		}
	}

	t.Run("events only", func(t *testing.T) {
		block("*://*:*/jobs/*/card*")
		seen := generate("Live Engineer")
		check(t, seen)
		if !eval[bool](b, `document.documentElement.classList.contains('live-connected')`) {
			t.Error("the page says the stream is not connected")
		}
		if blockedStreams.Load() != 0 {
			t.Errorf("%d streams blocked", blockedStreams.Load())
		}
		t.Logf("card states %v; card polls blocked: %d", seen, blockedPolls.Load())
	})
	b.shot("live-events-only")

	t.Run("polling only", func(t *testing.T) {
		block("*://*:*/events*")
		polls := cardRequests.Load()
		seen := generate("Polled Engineer")
		check(t, seen)
		if blockedStreams.Load() == 0 {
			t.Error("the event stream was not blocked")
		}
		if cardRequests.Load() == polls {
			t.Error("no card poll was made")
		}
		if eval[bool](b, `document.documentElement.classList.contains('live-connected')`) {
			t.Error("the page says the stream is connected")
		}
	})
}

// TestLiveUpdatesAcrossWebProcesses runs two `tailor web` processes on one
// SQLite file and one Redis, and a `tailor worker`: a stream connected to
// web process B receives the job submitted through A.
func TestLiveUpdatesAcrossWebProcesses(t *testing.T) {
	redisSrv := taskstest.StartRedis(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL)
	a.startMode("web")
	b := startApp(t, "REDIS_URL="+redisSrv.URL)
	b.env = append(b.env, a.envValue("DATABASE_PATH"))
	b.startMode("web")
	a.startWorker()
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")

	// Signed in on B, with B's stream open.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.PostForm(b.baseURL+"/login", url.Values{"email": {"ann@example.com"}, "password": {"a-long-password"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in on B: %v %v", err, res)
	}
	res.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.baseURL+"/events", nil)
	stream, err := hc.Do(req)
	if err != nil || stream.StatusCode != http.StatusOK {
		t.Fatalf("stream on B: %v %v", err, stream)
	}
	defer stream.Body.Close()

	// Submitted through A.
	cand := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample())).json(t)
	job := a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": cand["id"], "job_description": resume.SampleJobDescription,
	})).json(t)
	id, _ := job["job_id"].(string)
	if id == "" {
		t.Fatalf("no job: %v", job)
	}
	sc := bufio.NewScanner(stream.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var states []string
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") || !strings.Contains(line, `id="job-`+id+`"`) {
			continue
		}
		for _, st := range []string{"running", "succeeded", "failed"} {
			if strings.Contains(line, `data-status="`+st+`"`) {
				states = append(states, st)
			}
		}
		if strings.Contains(line, `data-status="succeeded"`) || strings.Contains(line, `data-status="failed"`) {
			break
		}
	}
	if len(states) == 0 || states[len(states)-1] != "succeeded" {
		t.Fatalf("B's stream showed %v for the job submitted through A (scan: %v)", states, sc.Err())
	}
	t.Logf("B's stream: %v", states)

	// SIGTERM to B: its streams end (a retry hint, then the end) before
	// the HTTP server's 10 s drain, and B exits cleanly.
	start := time.Now()
	b.cmd.Process.Signal(syscall.SIGTERM)
	sawRetry := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "retry: ") {
			sawRetry = true
		}
	}
	if took := time.Since(start); took > 5*time.Second || !sawRetry {
		t.Errorf("B's stream ended %s after SIGTERM, with a retry hint: %v; want within 5 s, with one", took, sawRetry)
	}
	select {
	case err := <-b.exited:
		if err != nil {
			t.Errorf("B exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("B did not exit within 30 s of SIGTERM")
	}
}

// envValue is the NAME=value entry of the app's environment.
func (a *app) envValue(name string) string {
	for i := len(a.env) - 1; i >= 0; i-- {
		if strings.HasPrefix(a.env[i], name+"=") {
			return a.env[i]
		}
	}
	return ""
}
