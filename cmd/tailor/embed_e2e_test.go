package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestEmbedFromAnotherOrigin loads the example host page from a second
// loopback origin (listed in EMBED_ORIGINS) in headless Chrome: the
// embedded job card polls until 100, the embedded form starts another job
// whose card does the same. The same page from a third, unlisted origin is
// refused by the browser (no CORS headers).
func TestEmbedFromAnotherOrigin(t *testing.T) {
	redisSrv := taskstest.StartRedis(t)
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		reply := llmtest.Echo("Quasarwise")(req)
		reply.Delay = 2500 * time.Millisecond // long enough to watch the card poll
		return reply
	})

	// The host pages: the example page, served as another site would.
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
	example := a.do("GET", "/embed/example", "", nil)
	if example.status != http.StatusOK {
		t.Fatalf("/embed/example: %d", example.status)
	}
	page.Store(&example.body)

	res := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample()))
	candidateID := res.json(t)["id"].(string)
	res = a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": candidateID, "job_description": resume.SampleJobDescription, "company": "Globex",
	}))
	jobID := res.json(t)["job_id"].(string)

	hash := "#" + url.Values{"tailor": {a.baseURL}, "token": {token}, "candidate": {candidateID}, "job": {jobID}}.Encode()
	b := newBrowser(t, listed.URL)
	b.do(chromedp.Navigate(listed.URL+"/"+hash),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=tailor-card][data-job-id="`+jobID+`"]`)))
	// First seen while it runs: the card polls (every 2 s) until 100, and
	// the final answer (286) stops it.
	if st := eval[string](b, `document.querySelector('[data-job-id="`+jobID+`"]').dataset.status`); st == "succeeded" {
		t.Errorf("the job was done before the card could poll (status %s)", st)
	}
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
	b.do(chromedp.Navigate(unlisted.URL+"/"+hash), chromedp.WaitVisible(chromedp.CSS(`#tailor-job`)), chromedp.Sleep(3*time.Second))
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
