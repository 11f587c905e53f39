package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// axeViolation is one failed axe-core rule on a page, with where it fails.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axe runs axe-core (vendored for tests only in testdata/axe.min.js, never
// served) on the current page with the WCAG 2 A and AA rules, and returns
// the serious and critical violations. The script goes in through the
// DevTools protocol (Runtime.evaluate), which the page's CSP does not
// govern, so the walk stays free of CSP violations.
func (b *browser) axe(src string) []axeViolation {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](`window.axe ? 0 : (function(){`+src+"\n})(), 0")); err != nil {
		b.t.Fatalf("inject axe: %v", err)
	}
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}, resultTypes: ["violations"]
	}).then(r => JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
		id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ") + " :: " + n.html.slice(0, 160))
	}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("axe answer %q: %v", raw, err)
	}
	return vs
}

// TestAccessibilityOfEveryPage walks every page of the app in Chrome (as a
// first-run admin with a candidate, openings, jobs that succeeded, failed
// and were canceled, a batch, a token and a webhook) and fails on any
// serious or critical axe-core violation of WCAG 2 A/AA. On the way it
// checks the job card's live region, focus after Cancel and Retry, the
// error summary and typed inputs (issue 15).
func TestAccessibilityOfEveryPage(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	axeSrc, err := os.ReadFile(filepath.Join("testdata", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	redisSrv := taskstest.StartRedis(t)
	const slow, fail = "SLOW-PATH", "FAIL-PATH"
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		switch {
		case strings.Contains(req.JobDescription, fail):
			return llmtest.Reply{Status: 400, Content: "this model does not do Unobtanium"}
		case strings.Contains(req.JobDescription, slow):
			reply := llmtest.Echo("Quasarwise")(req)
			reply.Delay = 30 * time.Second
			return reply
		}
		return llmtest.Echo("Quasarwise")(req)
	})
	// The webhook delivers to a receiver on loopback, which the app allows.
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(receiver.Close)
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake",
		"WEBHOOK_ALLOW_NETS=127.0.0.1/32")
	a.start()
	code := waitFor(t, func() string {
		m := regexp.MustCompile(`setup code: ([A-Z0-9-]+)`).FindStringSubmatch(a.stdout())
		if m == nil {
			return ""
		}
		return m[1]
	})
	b := newBrowser(t, a.baseURL)
	found := map[string][]axeViolation{} // page -> violations
	check := func(name string) {
		t.Helper()
		if vs := b.axe(string(axeSrc)); len(vs) > 0 {
			found[name] = vs
			t.Logf("%s: %d serious or critical violations", name, len(vs))
		}
	}
	// press focuses and clicks a card's button once htmx has bound its form,
	// in one script: a live update may swap the card in at any time, and
	// htmx binds the new card's forms only when it settles (20 ms later), so
	// a click in between would submit the form without htmx (a navigation).
	press := func(sel string) chromedp.Action[chromedp.Void] {
		return poll(`(() => {
			const btn = document.querySelector(` + jsString(sel) + `);
			const data = btn && btn.form && btn.form['htmx-internal-data'];
			if (!data || !data.initHash) return false;
			btn.focus();
			btn.click();
			return true;
		})()`)
	}
	visit := func(path, ready string) {
		t.Helper()
		b.do(chromedp.Navigate(a.baseURL+path), chromedp.WaitVisible(chromedp.CSS(ready)))
		check(path)
	}

	// First run: setup, and the setup form with an error.
	visit("/setup", `[data-testid=setup-submit]`)
	b.do(
		chromedp.SetValue(chromedp.ID("code"), "WRONG-CODE"),
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=setup-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-error-summary]`)),
	)
	check("/setup (error)")
	b.do(
		chromedp.SetValue(chromedp.ID("code"), code),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=setup-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=candidates-empty]`)),
	)
	check("/candidates (empty)")
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=load-sample]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=generate-form]`)),
	)
	candidate := b.location()
	check(candidate)

	// Jobs: one that succeeds, one that fails, one that runs (then Cancel),
	// each from a pasted description (the sample added an opening, so the
	// form asks to choose).
	b.do(
		chromedp.Click(chromedp.ID("source-paste")),
		poll(`document.getElementById('source-paste').checked && document.getElementById('generate-submit').textContent.includes('pasted')`),
	)
	check(candidate + " (pasted description chosen)")
	generate := func(description string) string {
		t.Helper()
		before := eval[int](b, `document.querySelectorAll('[data-testid=job-card]').length`)
		// Set without a change event: a change asks the server for the
		// choice again, which replaces the button while it is clicked.
		quoted, _ := json.Marshal(description)
		eval[bool](b, `document.getElementById('job_description').value = `+string(quoted)+`, true`)
		b.do(
			chromedp.Click(chromedp.ID("generate-submit")),
			poll(`document.querySelectorAll('[data-testid=job-card]').length === `+strconv.Itoa(before+1)),
		)
		return eval[string](b, `document.querySelector('[data-testid=job-card]').dataset.jobId`)
	}
	b.do(chromedp.SetValue(chromedp.ID("job_title"), "Senior Backend Engineer"), chromedp.SetValue(chromedp.ID("company"), "Fernhill"))
	done := generate(resume.SampleJobDescription)
	b.do(poll(`document.getElementById('job-`+done+`').dataset.status === 'succeeded'`, chromedp.WithPollingTimeout(60*time.Second)))
	failed := generate("Unobtanium engineer " + fail)
	b.do(poll(`document.getElementById('job-`+failed+`').dataset.status === 'failed'`, chromedp.WithPollingTimeout(60*time.Second)))
	// The failure reason is in the card's live region, in the words the
	// card shows (a recruiter's, not the stored error).
	reason := b.text("#job-" + failed + " [data-testid=job-error]")
	if live := b.text("#job-" + failed + "-live"); reason == "" || !strings.Contains(live, "Failed") || !strings.Contains(live, reason) {
		t.Errorf("the failed card's live region says %q, without the card's reason %q", live, reason)
	}
	if strings.Contains(reason, "Unobtanium") {
		t.Errorf("the failed card's reason is the stored error: %q", reason)
	}

	// The live region survives updates: marked while queued, the same node
	// says "Running" after the live stream replaced the card.
	running := generate("Go developer " + slow)
	eval[int](b, `document.getElementById('job-`+running+`-live').tailorMark = 1`)
	b.do(poll(`document.getElementById('job-`+running+`').dataset.status === 'running'`, chromedp.WithPollingTimeout(30*time.Second)))
	check(candidate + " (running)")
	if !eval[bool](b, `document.getElementById('job-`+running+`-live').tailorMark === 1`) {
		t.Error("the live region was replaced by the card's update")
	}
	if live := b.text("#job-" + running + "-live"); !strings.Contains(live, "Running") {
		t.Errorf("after the update, the live region says %q", live)
	}
	// Cancel: the final card takes the focus; the live region stays and says so.
	b.do(
		press(`#job-`+running+` [data-testid=job-cancel]`),
		poll(`document.getElementById('job-`+running+`').dataset.status === 'canceled'`),
	)
	b.do(poll(`document.activeElement.id === 'job-` + running + `'`))
	if !eval[bool](b, `document.getElementById('job-`+running+`-live').tailorMark === 1`) {
		t.Error("Cancel replaced the live region")
	}
	if live := b.text("#job-" + running + "-live"); !strings.Contains(live, "Canceled") {
		t.Errorf("after Cancel, the live region says %q", live)
	}
	// Retry: the new card, above the canceled one, takes the focus.
	b.do(
		press(`#job-`+running+` [data-testid=job-retry]`),
		poll(`document.querySelectorAll('[data-testid=job-card]').length === 4`),
		poll(`document.activeElement.matches('[data-testid=job-card]') && document.activeElement.id !== 'job-`+running+`'`),
	)
	retried := eval[string](b, `document.activeElement.dataset.jobId`)
	b.do(
		press(`#job-`+retried+` [data-testid=job-cancel]`),
		poll(`document.getElementById('job-`+retried+`').dataset.status === 'canceled'`),
	)

	// The candidate form: typed inputs, and errors open with a focused
	// summary whose links lead to their fields.
	visit("/candidates/new", `[data-testid=candidate-form]`)
	for id, want := range map[string]string{"basics.email": "email", "basics.phone": "tel", "basics.url": "url"} {
		if got := eval[string](b, `document.getElementById('`+id+`').type`); got != want {
			t.Errorf("%s is type=%s, want %s", id, got, want)
		}
	}
	// The form's ids have dots and brackets: set them by id, not by selector.
	setValue := func(id, v string) {
		t.Helper()
		eval[bool](b, `document.getElementById(`+jsString(id)+`).value = `+jsString(v)+`, true`)
	}
	setValue("basics.name", "Jane Doe")
	setValue("basics.email", "not-an-email")
	setValue("work[0].startDate", "Spring 2020")
	b.do(
		chromedp.Click(chromedp.CSS(`[data-testid=save-candidate]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-error-summary]`)),
		poll(`document.activeElement.matches('[data-error-summary]')`),
	)
	check("/candidates/new (errors)")
	if n := eval[int](b, `document.querySelectorAll('[data-error-summary] a[href="#basics.email"], [data-error-summary] a[href="#work[0].startDate"]').length`); n != 2 {
		t.Errorf("the summary links %d of the 2 fields in error", n)
	}
	b.do(
		chromedp.Click(chromedp.CSS(`[data-error-summary] a[href="#work[0].startDate"]`)),
		poll(`document.activeElement.id === 'work[0].startDate'`),
	)

	// The rest of the data: a token, a batch, a webhook.
	token := a.tailor("", "token", "create", "--email", "ann@example.com", "--name", "a11y")
	candidateID := strings.TrimPrefix(candidate, "/candidates/")
	openings := a.do("GET", "/api/openings", token, nil)
	var ol struct {
		Openings []struct {
			ID string `json:"id"`
		} `json:"openings"`
	}
	json.Unmarshal(openings.body, &ol)
	if len(ol.Openings) == 0 {
		t.Fatalf("no opening: %s", openings.body)
	}
	opening := ol.Openings[0].ID
	res := a.do("POST", "/api/batches", token, mustJSON(map[string]any{"opening_id": opening, "candidate_ids": []string{candidateID}}))
	batch, _ := res.json(t)["id"].(string)
	if batch == "" {
		t.Fatalf("batch: %d %s", res.status, res.body)
	}
	res = a.do("POST", "/api/webhooks", token, mustJSON(map[string]any{"url": receiver.URL + "/hooks/tailor"}))
	webhook, _ := res.json(t)["id"].(string)
	if webhook == "" {
		t.Fatalf("webhook: %d %s", res.status, res.body)
	}

	pages := []struct{ path, ready string }{
		{"/candidates", `[data-testid=candidate-row]`},
		{"/candidates/import", `[data-testid=import-json]`},
		{"/candidates/" + candidateID + "/edit", `[data-testid=candidate-form]`},
		{"/candidates/" + candidateID + "/delete", `[data-testid=confirm]`},
		{"/candidates/" + candidateID + "/batch", `main`},
		{"/openings", `[data-testid=opening-link]`},
		{"/openings/" + opening, `[data-testid=opening-generate-form]`},
		{"/openings/new", `[data-testid=opening-form]`},
		{"/openings/" + opening + "/edit", `[data-testid=opening-form]`},
		{"/openings/" + opening + "/batch", `main`},
		{"/openings/" + opening + "/delete", `[data-testid=confirm]`},
		{"/jobs", `[data-testid=job-row]`},
		{"/jobs?status=failed", `[data-testid=job-row][data-status=failed]`},
		{"/jobs/" + done, `[data-testid=compare]`},
		{"/jobs/" + failed, `[data-testid=job-card]`},
		{"/batches", `main`},
		{"/batches/" + batch, `main`},
		{"/settings/tokens", `[data-testid=token-form]`},
		{"/settings/webhooks", `main`},
		{"/settings/webhooks/" + webhook, `main`},
		{"/settings/notifications", `main`},
		{"/admin", `main`},
		{"/admin/jobs", `main`},
		{"/admin/jobs?slow=1", `main`},
		{"/admin/jobs/" + failed, `main`},
		{"/admin/jobs/" + done + "/delete", `[data-testid=confirm]`},
		{"/admin/queues", `main`},
		{"/docs/api", `main`},
		{"/embed/example", `main`},
		{"/no-such-page", `[data-testid=error-page]`},
		{"/jobs/no-such-job", `[data-testid=error-page]`},
	}
	for _, p := range pages {
		visit(p.path, p.ready)
	}
	// A user's token list and password reset, linked from the users page.
	visit("/admin/users", `[data-testid=user-reset]`)
	tokens := eval[string](b, `(document.querySelector('a[href^="/admin/users/"][href$="/tokens"]') || {}).pathname || ""`)
	reset := eval[string](b, `document.querySelector('[data-testid=user-reset]').pathname`)
	if tokens == "" {
		t.Error("no user's tokens link on /admin/users")
	} else {
		visit(tokens, `main`)
	}
	visit(reset, `[data-testid=reset-form]`)
	// Forms with errors.
	visit("/openings/new", `[data-testid=opening-form]`)
	b.do(chromedp.Click(chromedp.CSS(`[data-testid=opening-form] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`[data-error-summary]`)))
	check("/openings/new (errors)")
	// Signed out: the sign-in page, and with an error.
	b.do(chromedp.Click(chromedp.CSS(`[data-testid=logout]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-submit]`)))
	check("/login")
	b.do(
		chromedp.SetValue(chromedp.ID("email"), "ann@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-wrong-password"),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-error-summary]`)),
	)
	check("/login (error)")

	var report strings.Builder
	n := 0
	for page, vs := range found {
		for _, v := range vs {
			n++
			report.WriteString(page + ": " + v.Impact + " " + v.ID + " (" + v.Help + ")\n")
			for _, target := range v.Targets {
				report.WriteString("    " + target + "\n")
			}
		}
	}
	if n > 0 {
		t.Errorf("%d serious or critical accessibility violations (axe-core, WCAG 2 A/AA):\n%s", n, report.String())
	}
}
