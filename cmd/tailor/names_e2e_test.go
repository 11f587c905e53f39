package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestAccentedNamesEndToEnd (issue 15): a recruiter finds "Sofía Álvarez"
// by typing "alvarez" on the candidates page, and her PDF downloads as
// "Sofía Álvarez - Northbeam.pdf" in a real Chrome, not "Sofa lvarez".
func TestAccentedNamesEndToEnd(t *testing.T) {
	redisSrv := taskstest.StartRedis(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL) // the offline tailor
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	ann := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.start()

	sofia := resume.Sample()
	sofia.Basics.Name = "Sofía Álvarez"
	id := a.do("POST", "/api/candidates", ann, mustJSON(sofia)).json(t)["id"].(string)
	a.do("POST", "/api/candidates", ann, mustJSON(resume.Resume{Basics: resume.Basics{Name: "Liam O'Brien"}})).json(t)
	jobID := a.do("POST", "/api/resume-async/generate-async", ann, mustJSON(map[string]any{
		"candidate_id": id, "job_description": resume.SampleJobDescription, "company": "Northbeam",
	})).json(t)["job_id"].(string)

	b := newBrowser(t, a.baseURL)
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
		chromedp.Navigate(a.baseURL+"/candidates"),
		poll(`document.querySelectorAll('[data-testid=candidate-row]').length === 2`),
	)

	// Typed into the search box: htmx swaps the list in place.
	b.do(
		chromedp.SendKeys(chromedp.ID("q"), "alvarez"),
		poll(`document.querySelectorAll('[data-testid=candidate-row]').length === 1`),
	)
	if got := b.text(`[data-testid=candidate-row] a`); got != "Sofía Álvarez" {
		t.Errorf("searching alvarez finds %q, want Sofía Álvarez", got)
	}
	if loc := b.location(); !strings.Contains(loc, "q=alvarez") {
		t.Errorf("after the search the address is %s, want it to keep q=alvarez", loc)
	}
	b.shot("30-candidate-search-alvarez")

	// The plain form (no JavaScript needed) and a skill search.
	for _, q := range []string{"ÁLVAREZ", "kubernetes"} {
		b.do(
			chromedp.Navigate(a.baseURL+"/candidates?q="+url.QueryEscape(q)),
			chromedp.WaitVisible(chromedp.ID("candidate-list")),
		)
		if n := eval[int](b, `document.querySelectorAll('[data-testid=candidate-row]').length`); n != 1 {
			t.Errorf("/candidates?q=%s lists %d candidates, want 1", q, n)
		}
	}

	// The PDF lands under her name, accents and all.
	a.waitStatus(ann, jobID, "succeeded")
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	eval[any](b, `window.location.assign('/jobs/`+jobID+`/download'), null`)
	saved := waitFor(t, func() string {
		matches, _ := filepath.Glob(filepath.Join(downloads, "*.pdf"))
		if len(matches) == 0 {
			return ""
		}
		return filepath.Base(matches[0])
	})
	if want := "Sofía Álvarez - Northbeam.pdf"; saved != want {
		t.Errorf("the PDF was saved as %q, want %q", saved, want)
	}
}
