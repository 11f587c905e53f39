package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestMyJobsInTheBrowser drives My jobs and a job's page in real Chrome
// (issue 15, items 7 and 8): dense rows with counts on the filters, a
// search that finds "Álvarez" by "alvarez", a running row that follows its
// job to the end; then, with JavaScript off, Generate lands on the job's
// page, which reloads itself until the job ends and then offers a Download
// that works.
func TestMyJobsInTheBrowser(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	// A job whose description names a gate waits until the test opens it.
	gates := map[string]chan struct{}{"HOLD-ROW": make(chan struct{}), "HOLD-PAGE": make(chan struct{})}
	var opened sync.Map
	open := func(name string) {
		if _, done := opened.LoadOrStore(name, true); !done {
			close(gates[name])
		}
	}
	t.Cleanup(func() { open("HOLD-ROW"); open("HOLD-PAGE") })
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		for name, gate := range gates {
			if strings.Contains(req.JobDescription, name) {
				select {
				case <-gate:
				case <-req.Context.Done():
				}
			}
		}
		return llmtest.Echo("Quasarwise")(req)
	})
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.start()

	// Three jobs through the API: two done, one held at the gate.
	candidate := func(name string) string {
		p := resume.Sample()
		p.Basics.Name = name
		return a.do("POST", "/api/candidates", token, mustJSON(p)).json(t)["id"].(string)
	}
	generate := func(candidateID, title, company, jd string) string {
		res := a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
			"candidate_id": candidateID, "job_title": title, "company": company, "job_description": jd,
		}))
		id, _ := res.json(t)["job_id"].(string)
		if id == "" {
			t.Fatalf("generate: %d %s", res.status, res.body)
		}
		return id
	}
	jose, maya := candidate("José Álvarez"), candidate("Maya Okafor")
	a.waitStatus(token, generate(jose, "Backend Engineer", "Globex", resume.SampleJobDescription), "succeeded")
	a.waitStatus(token, generate(maya, "Platform Engineer", "Initech", resume.SampleJobDescription), "succeeded")
	gated := generate(maya, "Data Engineer", "Hooli", resume.SampleJobDescription+" HOLD-ROW")
	a.waitStatus(token, gated, "running")

	b := newBrowser(t, a.baseURL)
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
		chromedp.Navigate(a.baseURL+"/jobs"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=job-row]`)),
	)
	if n := eval[int](b, `document.querySelectorAll('[data-testid=job-row]').length`); n != 3 {
		t.Errorf("My jobs shows %d rows, want 3", n)
	}
	for filter, want := range map[string]string{"All": "All 3", "Running": "Running 1", "Ready": "Ready 2", "Failed": "Failed 0"} {
		if got := strings.Join(strings.Fields(b.text(`[data-testid=filter-`+filter+`]`)), " "); got != want {
			t.Errorf("filter says %q, want %q", got, want)
		}
	}
	// Dense: a finished row has no progress bar and is one line high.
	if n := eval[int](b, `document.querySelectorAll('[data-testid=job-row][data-status=succeeded] progress').length`); n != 0 {
		t.Errorf("finished rows show %d progress bars", n)
	}
	if h := eval[float64](b, `document.querySelector('[data-testid=job-row][data-status=succeeded]').getBoundingClientRect().height`); h > 60 {
		t.Errorf("a finished row is %.0f px high, want a dense row", h)
	}
	if got := b.text(`[data-testid=job-row][data-status=succeeded] [data-testid=job-when]`); got != "just now" {
		t.Errorf("a new job's time says %q", got)
	}
	b.shot("myjobs-01-rows")
	b.do(chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=job-row]`)))
	b.shot("myjobs-02-rows-phone")
	b.do(chromedp.EmulateViewport(1280, 900))

	// The running row follows its job to the end, without a reload.
	open("HOLD-ROW")
	b.do(poll(`(r => r && r.dataset.status === 'succeeded' && r.querySelector('[data-testid=job-download]') !== null)(
		document.getElementById('row-`+gated+`'))`, chromedp.WithPollingTimeout(60*time.Second)))

	// A job started elsewhere (here the API) appears without a reload, once
	// its first live update reaches the page.
	b.do(poll(`document.documentElement.classList.contains('live-connected')`))
	elsewhere := generate(maya, "Site Reliability Engineer", "Umbrella", resume.SampleJobDescription+" elsewhere")
	b.do(poll(`document.getElementById('row-`+elsewhere+`') !== null`, chromedp.WithPollingTimeout(20*time.Second)))
	if n := eval[int](b, `document.querySelectorAll('[data-testid=job-row]').length`); n != 4 {
		t.Errorf("after a job started elsewhere My jobs shows %d rows, want 4", n)
	}

	// Search as you type: "alvarez" finds José Álvarez; the counts follow.
	b.do(
		chromedp.SendKeys(chromedp.ID("q"), "alvarez"),
		poll(`document.querySelectorAll('[data-testid=job-row]').length === 1`),
	)
	if got := b.text(`[data-testid=job-row] [data-testid=job-candidate]`); got != "José Álvarez" {
		t.Errorf("search for alvarez shows %q", got)
	}
	if got := strings.Join(strings.Fields(b.text(`[data-testid=filter-All]`)), " "); got != "All 1" {
		t.Errorf("after the search the All filter says %q", got)
	}
	if loc := b.location(); loc != "/jobs?q=alvarez" {
		t.Errorf("after the search the address is %s", loc)
	}
	b.shot("myjobs-03-search")

	// JavaScript off: Generate, the job's page reloads itself until the
	// job ends, then Download works.
	nojs := newBrowser(t, a.baseURL)
	if _, err := chromedp.Call(nojs.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(nojs.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	var loads atomic.Int32
	if err := chromedp.Listen(nojs.ctx, func(ev any) {
		if _, ok := ev.(*page.EventLoadEventFired); ok {
			loads.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	nojs.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
		chromedp.Navigate(a.baseURL+"/candidates/"+jose),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=generate-form]`)),
	)
	if eval[bool](nojs, `typeof htmx !== 'undefined'`) {
		t.Fatal("scripts run in the browser that has JavaScript off")
	}
	nojs.do(
		chromedp.SetValue(chromedp.ID("job_title"), "No Script Engineer"),
		chromedp.SetValue(chromedp.ID("job_description"), resume.SampleJobDescription+" HOLD-PAGE"),
		chromedp.Click(chromedp.CSS(`[data-testid=generate]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=job-refresh]`)),
	)
	if loc := nojs.location(); !strings.HasPrefix(loc, "/jobs/") {
		t.Fatalf("after Generate without JavaScript the page is %s, want the job's page", loc)
	}
	nojs.shot("myjobs-04-nojs-job-running")
	// While the job runs the page reloads itself (twice seen here).
	before := loads.Load()
	waitPage(nojs, `document.querySelector('head meta[http-equiv=refresh]') !== null`)
	waitFor(t, func() string {
		if loads.Load() >= before+2 {
			return "reloaded"
		}
		return ""
	})
	if n := eval[int](nojs, `document.querySelectorAll('[data-testid=job-page-download]').length`); n != 0 {
		t.Errorf("the running job's page offers %d downloads", n)
	}
	// When the job ends, the next reload shows Download, and no more reloads.
	open("HOLD-PAGE")
	waitPage(nojs, `document.querySelector('[data-testid=job-page-download]') !== null`)
	if eval[bool](nojs, `document.querySelector('[data-testid=job-refresh], head meta[http-equiv=refresh]') !== null`) {
		t.Error("the finished job's page still reloads itself")
	}
	nojs.shot("myjobs-05-nojs-done")
	nojs.do(chromedp.Click(chromedp.CSS(`[data-testid=job-page-download]`)))
	pdfPath := waitFor(t, func() string {
		matches, _ := filepath.Glob(filepath.Join(downloads, "*.pdf"))
		if len(matches) == 0 {
			return ""
		}
		return matches[0]
	})
	if pdf, err := os.ReadFile(pdfPath); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the downloaded file is not a PDF: %v", err)
	}
	t.Logf("page loads in the browser without JavaScript: %d", loads.Load())
}

// waitPage waits until a JavaScript expression is true on a page that may
// be reloading itself meanwhile (an evaluation cut short by a reload is
// tried again).
func waitPage(b *browser, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shot("failure")
			b.t.Fatalf("timed out waiting for %s", expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
