package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestEmbedFromAnotherOrigin loads another site's host page (plain tags,
// testdata/embed-host.html) from a second loopback origin (listed in
// EMBED_ORIGINS) in headless Chrome: the
// embedded job card polls until 100, the embedded form starts another job
// whose card does the same. The same page from a third, unlisted origin is
// refused by the browser (no CORS headers).
func TestEmbedFromAnotherOrigin(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	// The first job's LLM call waits until the test has seen its card
	// running (a fixed delay lost the race when the machine was busy).
	gate := make(chan struct{})
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(gate) }) }
	t.Cleanup(release)
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		select {
		case <-gate:
		case <-req.Context.Done():
		}
		return llmtest.Echo("Quasarwise")(req)
	})

	// The host pages, served as another site would.
	var page atomic.Pointer[[]byte]
	host := func() *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(*page.Load())
		}))
	}
	listed, unlisted := host(), host() // 127.0.0.1, two ports: two origins
	t.Cleanup(listed.Close)
	t.Cleanup(unlisted.Close)

	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake",
		"EMBED_ORIGINS="+listed.URL)
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com", "--name", "intranet")
	a.start()

	res := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample()))
	candidateID := res.json(t)["id"].(string)
	res = a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": candidateID, "job_description": resume.SampleJobDescription, "company": "Globex",
	}))
	jobID := res.json(t)["job_id"].(string)

	tmpl, err := os.ReadFile(filepath.Join("testdata", "embed-host.html"))
	if err != nil {
		t.Fatal(err)
	}
	hostPage := []byte(strings.NewReplacer("TAILOR_URL", a.baseURL, "TOKEN", token, "CANDIDATE_ID", candidateID,
		"JOB_ID", jobID).Replace(string(tmpl)))
	page.Store(&hostPage)
	b := newBrowser(t, listed.URL)
	b.do(chromedp.Navigate(listed.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=tailor-card][data-job-id="`+jobID+`"]`)))
	// First seen while it runs: the card polls (every 2 s) until 100, and
	// the final answer (286) stops it.
	if st := eval[string](b, `document.querySelector('[data-job-id="`+jobID+`"]').dataset.status`); st == "succeeded" {
		t.Errorf("the job was done before the card could poll (status %s)", st)
	}
	release()
	b.do(poll(`(() => { const c = document.querySelector('[data-job-id="`+jobID+`"]');
		return c.dataset.status === 'succeeded' && c.querySelector('progress').value === 100 })()`, chromedp.WithPollingTimeout(60*time.Second)))
	if got := b.text(`[data-job-id="` + jobID + `"] [data-testid=tailor-stage]`); !strings.HasPrefix(got, "100%") {
		t.Errorf("final embedded card says %q", got)
	}
	share := eval[string](b, `document.querySelector('[data-job-id="`+jobID+`"] [data-testid=tailor-download]').href`)
	if !strings.HasPrefix(share, a.baseURL+"/share/"+jobID) {
		t.Errorf("the card's PDF link is %q", share)
	}
	// The optional stylesheet applies to the fragments, not to the host page.
	if bw := eval[string](b, `getComputedStyle(document.querySelector('.tailor-card')).borderTopStyle`); bw != "solid" {
		t.Errorf("embed.css not applied: border %q", bw)
	}
	if ff := eval[string](b, `getComputedStyle(document.body).fontFamily`); !strings.Contains(ff, "Georgia") {
		t.Errorf("the host page's own style changed: %q", ff)
	}

	// The embedded form (a cross-origin POST, preflighted) starts a job;
	// its card lands under the form and polls until 100.
	b.do(
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=tailor-generate-form]`)),
		chromedp.SetValue(chromedp.CSS(`[data-testid=tailor-job-description]`), "Staff Go engineer: Redis, Postgres, Kubernetes"),
		chromedp.Click(chromedp.CSS(`[data-testid=tailor-generate-submit]`)),
		poll(`document.querySelectorAll('[data-testid=tailor-generate] [data-testid=tailor-card]').length === 1`),
	)
	b.shot("14-embed-host-running")
	b.do(poll(`(() => { const c = document.querySelector('[data-testid=tailor-generate] [data-testid=tailor-card]');
		return c.dataset.status === 'succeeded' && c.querySelector('progress').value === 100 })()`, chromedp.WithPollingTimeout(60*time.Second)))
	b.shot("15-embed-host-done")
	if n := eval[int](b, `document.querySelectorAll('[data-testid=tailor-jobs] [data-testid=tailor-card]').length`); n != 1 {
		t.Errorf("the embedded job list shows %d cards, want the first job", n)
	}

	// The same page from an unlisted origin: the browser refuses every
	// request (the preflight gets no CORS headers), nothing is shown.
	b.do(chromedp.Navigate(unlisted.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#tailor-job`)), chromedp.Sleep(3*time.Second))
	if n := eval[int](b, `document.querySelectorAll('.tailor-card, .tailor-form').length`); n != 0 {
		t.Errorf("an unlisted origin shows %d Tailor fragments", n)
	}
	refused, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`fetch(`+jsString(a.baseURL+"/embed/jobs/"+jobID+"/card")+
		`, {headers: {Authorization: `+jsString("Bearer "+token)+`}}).then(r => "read " + r.status, e => "refused: " + e.message)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(refused, "refused") {
		t.Errorf("from an unlisted origin, fetch answered %q", refused)
	}
	b.shot("16-embed-unlisted-origin")

	// The ten-line README example, from a file, works the same way.
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	snippet := readmeEmbedSnippet(t, string(readme))
	snippet = strings.NewReplacer("https://tailor.example.com", a.baseURL, "tlr_YOUR_TOKEN", token, "JOB_ID", jobID).Replace(snippet)
	doc := []byte("<!DOCTYPE html><html><head><title>ten lines</title></head><body>\n" + snippet + "\n</body></html>")
	page.Store(&doc)
	b.do(chromedp.Navigate(listed.URL+"/ten-lines"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=tailor-card][data-status=succeeded]`)))
}

// readmeEmbedSnippet is the HTML block of the README's Embedding section.
func readmeEmbedSnippet(t *testing.T, readme string) string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "## Embedding")
	if !ok {
		t.Fatal("README has no Embedding section")
	}
	_, rest, ok = strings.Cut(rest, "```html\n")
	if !ok {
		t.Fatal("the Embedding section has no html block")
	}
	block, _, _ := strings.Cut(rest, "```")
	if n := strings.Count(strings.TrimSpace(block), "\n") + 1; n > 10 {
		t.Errorf("the README embed example is %d lines, want at most 10", n)
	}
	return block
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestEmbedExampleIgnoresAForeignOrigin opens Tailor's example host page,
// signed in, with another origin in its address:
// /embed/example#tailor=<that origin>&token=...&candidate=...&job=... Before
// issue 10 the page loaded that origin's "htmx" as a script on Tailor's
// origin, where it could create an API token with the user's cookie and
// send it away. Now no request reaches that origin, nothing of it runs, and
// the page shows Tailor's fragments from its own origin, under the page
// policy with no CSP violation (newBrowser checks).
func TestEmbedExampleIgnoresAForeignOrigin(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	// The attacker's origin: it counts every request and answers each with
	// something that would show if it ran or were swapped in.
	var hits atomic.Int64
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		h.Set("Access-Control-Allow-Headers", "*")
		switch {
		case strings.HasSuffix(r.URL.Path, ".js"):
			h.Set("Content-Type", "text/javascript")
			w.Write([]byte(`window.__foreign = "script ran"; document.documentElement.dataset.foreign = "1";
				fetch("/settings/tokens", {method: "POST", body: new URLSearchParams({name: "stolen"})});`))
		case strings.HasSuffix(r.URL.Path, ".css"):
			h.Set("Content-Type", "text/css")
			w.Write([]byte(`body{background:rgb(255,0,0)!important}`))
		default:
			h.Set("Content-Type", "text/html")
			w.Write([]byte(`<div data-testid="foreign">foreign fragment</div>`))
		}
	}))
	t.Cleanup(foreign.Close)

	a := startApp(t, "REDIS_URL="+redisSrv.URL) // the offline tailor
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com", "--name", "example page")
	a.start()
	candidateID := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample())).json(t)["id"].(string)
	jobID := a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": candidateID, "job_description": resume.SampleJobDescription,
	})).json(t)["job_id"].(string)
	a.waitStatus(token, jobID, "succeeded", "failed")

	b := newBrowser(t, a.baseURL)
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
	)
	for _, attack := range []url.Values{
		{"tailor": {foreign.URL}, "token": {token}, "candidate": {candidateID}, "job": {jobID}},
		{"tailor": {"//" + strings.TrimPrefix(foreign.URL, "http://")}, "token": {"x"}},
	} {
		b.do(
			chromedp.Navigate(a.baseURL+"/embed/example#"+attack.Encode()),
			chromedp.WaitVisible(chromedp.CSS(`form#connect`)),
			chromedp.Sleep(time.Second), // time for the page's requests
		)
		if n := hits.Load(); n != 0 {
			t.Fatalf("%s: the foreign origin got %d requests", attack.Get("tailor"), n)
		}
		if ran := eval[bool](b, `window.__foreign !== undefined || document.documentElement.dataset.foreign !== undefined ||
			document.querySelector('[data-testid=foreign]') !== null`); ran {
			t.Fatalf("%s: the foreign origin's script or fragment is on the page", attack.Get("tailor"))
		}
		if n := eval[int](b, `document.querySelectorAll('input[name=tailor]').length`); n != 0 {
			t.Error("the example page still asks for Tailor's URL")
		}
		if attack.Get("job") != "" {
			// Tailor's own fragments arrive, from this origin.
			b.do(
				chromedp.WaitVisible(chromedp.CSS(`#tailor-job [data-testid=tailor-card][data-job-id="`+jobID+`"]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=tailor-generate-form]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=tailor-jobs]`)),
			)
			b.shot("17-embed-example-own-origin")
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the foreign origin got %d requests", n)
	}
	// No token was made behind the user's back.
	b.do(chromedp.Navigate(a.baseURL+"/settings/tokens"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)))
	if n := eval[int](b, `document.querySelectorAll('[data-testid=token-row]').length`); n != 1 {
		t.Errorf("%d API tokens after the visit, want the one created by the test", n)
	}
}
