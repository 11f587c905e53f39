package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestBatchEndToEnd starts a batch of five candidates for one opening from
// the web UI of the real binary, watches the batch page reach 5/5 and
// downloads the ZIP (five PDFs and summary.csv), with no CSP violation;
// then the CLI runs a second batch to its end and exits 0.
func TestBatchEndToEnd(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	fake := llmtest.NewServer(t, llmtest.Echo(""))
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	ann := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.start()

	var ids []string
	for _, name := range []string{"Ana Lima", "Bo Chen", "Cy Diaz", "Dee Ödegaard", "Eli Moss"} {
		p := resume.Sample()
		p.Basics.Name = name
		ids = append(ids, a.do("POST", "/api/candidates", ann, mustJSON(p)).json(t)["id"].(string))
	}
	opening := a.do("POST", "/api/openings", ann, mustJSON(map[string]any{
		"title": "Go Lead", "company": "Globex", "description": resume.SampleJobDescription})).json(t)["id"].(string)

	b := newBrowser(t, a.baseURL)
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
		chromedp.Navigate(a.baseURL+"/openings"),
		chromedp.Click(chromedp.CSS(`[data-testid=opening-batch]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=batch-form]`)),
	)
	// The search filters on the server, through htmx. The query is a word
	// only one candidate has: the search is by word prefix over name,
	// headline, skills, employers and titles, and "Bo" would also find the
	// sample profile's "Spring Boot" skill in all five.
	b.do(
		chromedp.SendKeys(chromedp.CSS(`[data-testid=batch-search]`), "Chen"),
		poll(`document.querySelectorAll('[data-testid=batch-option]').length === 1`),
	)
	eval[bool](b, `(() => { const q = document.querySelector('[data-testid=batch-search]'); q.value = '';
		q.dispatchEvent(new Event('input', {bubbles: true})); return true })()`)
	b.do(
		poll(`document.querySelectorAll('[data-testid=batch-option]').length === 5`),
	)
	b.shot("30-batch-form")
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=batch-all]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=batch-start]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=batch-progress]`)),
		poll(`document.querySelector('[data-testid=batch-progress]').dataset.ended === '5'`, chromedp.WithPollingTimeout(90*time.Second)),
	)
	b.shot("31-batch-done")
	if got := b.text(`[data-testid=batch-done]`); got != "5/5" {
		t.Errorf("batch progress says %q, want 5/5", got)
	}
	if got := b.text(`[data-testid=batch-succeeded]`); !strings.HasPrefix(got, "5 ") {
		t.Errorf("succeeded count %q", got)
	}
	b.do(chromedp.Click(chromedp.CSS(`[data-testid=batch-zip]`)))
	zipPath := waitFor(t, func() string {
		m, _ := filepath.Glob(filepath.Join(downloads, "*.zip"))
		if len(m) == 0 {
			return ""
		}
		return m[0]
	})
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	pdfs, csv := 0, false
	for _, f := range zr.File {
		switch {
		case strings.HasSuffix(f.Name, ".pdf"):
			pdfs++
			rc, _ := f.Open()
			head := make([]byte, 5)
			rc.Read(head)
			rc.Close()
			if string(head) != "%PDF-" {
				t.Errorf("%s is not a PDF", f.Name)
			}
		case f.Name == "summary.csv":
			csv = true
		}
	}
	if pdfs != 5 || !csv {
		t.Errorf("ZIP has %d PDFs, summary.csv %v; want 5 and true", pdfs, csv)
	}

	// The CLI: the same opening for two candidates, followed to the end.
	list := filepath.Join(t.TempDir(), "candidates.txt")
	os.WriteFile(list, []byte(ids[0]+"\n# a comment\n\n"+ids[1]+"\n"), 0o644)
	out := a.tailor("", "batch", "--email", "ann@example.com", "--opening", opening, "--candidates", list, "--theme", "compact")
	if !strings.Contains(out, "2/2 ended: 0 queued, 0 running, 2 succeeded") {
		t.Errorf("tailor batch printed:\n%s", out)
	}
	// A batch that cannot start: a readable error, exit 1.
	cmd := exec.Command(binary, "batch", "--email", "ann@example.com", "--opening", "nope", "--candidates", list)
	cmd.Env = a.env
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "opening not found") {
		t.Errorf("batch for an unknown opening: %v\n%s", err, msg)
	}
	help := a.tailor("", "--help")
	if !strings.Contains(help, "tailor batch --email") {
		t.Errorf("--help does not list batch:\n%s", help)
	}
}
