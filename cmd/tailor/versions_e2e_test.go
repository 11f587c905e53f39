package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestVersionsEndToEnd makes 12 tailored versions of a candidate with the
// offline tailor, then in Chrome pages through them on the candidate page
// (10, then Older shows 2) and compares the newest two.
func TestVersionsEndToEnd(t *testing.T) {
	redisSrv := taskstest.StartRedis(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL)
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	ann := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.start()

	res := a.do("POST", "/api/candidates", ann, mustJSON(resume.Sample()))
	if res.status != http.StatusCreated {
		t.Fatalf("create candidate: %d %s", res.status, res.body)
	}
	candidateID := res.json(t)["id"].(string)
	// Two kinds of opening, alternating: the offline tailor leads the
	// summary with a different sentence for each, so the newest two differ.
	openings := []string{
		"Payments engineer. Must have: Go, PostgreSQL, event-driven architectures for payments.",
		"Engineering mentor. Must have: mentoring engineers, calmer on-call, Python.",
	}
	for i := range 12 {
		res := a.do("POST", "/api/resume-async/generate-async", ann, mustJSON(map[string]any{
			"candidate_id": candidateID, "job_description": openings[i%2],
			"job_title": "Version " + strconv.Itoa(i+1), "company": "Globex",
		}))
		if res.status != http.StatusAccepted {
			t.Fatalf("generate %d: %d %s", i+1, res.status, res.body)
		}
		if st := a.waitStatus(ann, res.json(t)["job_id"].(string), "succeeded", "failed"); st["status"] != "succeeded" {
			t.Fatalf("version %d ended %v", i+1, st)
		}
	}

	b := newBrowser(t, a.baseURL)
	rows := `document.querySelectorAll('[data-testid=version-row]').length`
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=candidate-row]`)),
		chromedp.Navigate(a.baseURL+"/candidates/"+candidateID),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=versions]`)),
	)
	if n := eval[int](b, rows); n != 10 {
		t.Fatalf("the candidate page lists %d versions, want 10", n)
	}
	if first := b.text(`[data-testid=version-row] td:nth-child(3)`); !strings.Contains(first, "Version 12") {
		t.Errorf("the first version listed is %q, want the newest (Version 12)", first)
	}
	b.shot("versions-page-1")

	// Older: htmx swaps the list in place and the address follows.
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=versions-older]`)),
		poll(rows+` === 2`),
		poll(`location.search === '?page=2'`),
	)
	if text := b.text(`[data-testid=versions]`); !strings.Contains(text, "Version 2") || !strings.Contains(text, "Version 1") {
		t.Errorf("page 2 shows %q, want Versions 2 and 1", text)
	}
	b.shot("versions-page-2")
	b.do(chromedp.Click(chromedp.CSS(`[data-testid=versions-newer]`)), poll(rows+` === 10`))

	// Compare: the newest two are chosen already.
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=compare-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=diff-group]`)),
	)
	if loc := b.location(); !strings.HasPrefix(loc, "/candidates/"+candidateID+"/compare?") || !strings.Contains(loc, "a=") || !strings.Contains(loc, "b=") {
		t.Fatalf("compare went to %s", loc)
	}
	ins := eval[int](b, `document.querySelectorAll('[data-testid=diff-group] ins').length`)
	del := eval[int](b, `document.querySelectorAll('[data-testid=diff-group] del').length`)
	if ins == 0 || del == 0 {
		t.Errorf("the comparison marks %d insertions and %d deletions, want some of each", ins, del)
	}
	if text := b.text(`main`); !strings.Contains(text, "Version 11 at Globex") || !strings.Contains(text, "Version 12 at Globex") || !strings.Contains(text, "Summary") {
		t.Errorf("the comparison does not name both versions and the summary:\n%s", text)
	}
	b.shot("versions-compare")
	b.do(chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=diff-group]`)))
	b.shot("versions-compare-phone")
}
