package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestGenerateFormInTheBrowser is issue 15's items 1 and 3 in real Chrome:
// no opening is preselected, choosing one names it on the button, a form
// with neither or both is refused beside the field, and a double click on
// Generate makes one job (with JavaScript, and without).
func TestGenerateFormInTheBrowser(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL) // the offline tailor
	a.start()
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := strings.TrimSpace(a.tailor("", "token", "create", "--email", "ann@example.com"))
	jobCount := func() int {
		t.Helper()
		jobs, _ := a.do("GET", "/api/resume-async/my-jobs", token, nil).json(t)["jobs"].([]any)
		return len(jobs)
	}
	b := newBrowser(t, a.baseURL)

	// The sample loads a candidate and an opening; a second opening, newer,
	// is the one the old form preselected.
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
	b.do(
		chromedp.Navigate(a.baseURL+"/openings/new"),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SetValue(chromedp.ID("title"), "Senior Product Designer"),
		chromedp.SetValue(chromedp.ID("company"), "Acme"),
		chromedp.SetValue(chromedp.ID("description"), "Figma, design systems, user research."),
		chromedp.Submit(chromedp.ID("title")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=opening-row]`)),
	)
	open := func() {
		t.Helper()
		b.do(chromedp.Navigate(a.baseURL+candidatePage), chromedp.WaitVisible(chromedp.CSS(`[data-testid=generate-choice]`)))
	}
	label := func() string { return eval[string](b, `document.getElementById('generate-submit').textContent.trim()`) }

	// Nothing preselected: no opening, no choice, a plain button.
	open()
	if v := eval[string](b, `document.getElementById('opening_id').value`); v != "" {
		t.Errorf("opening %q is preselected", v)
	}
	if n := eval[int](b, `document.querySelectorAll('input[name=source]:checked').length`); n != 0 {
		t.Errorf("%d choices preselected", n)
	}
	if got := label(); got != "Generate" {
		t.Errorf("button says %q before a choice", got)
	}
	b.shot("generate-01-nothing-chosen")

	// Pasting, then clicking Generate at once: the description's change
	// fires on the click's mousedown and asks the server for the choice;
	// that request must not disable Generate, and its answer must rename
	// the button, not replace it, or the click is lost.
	if eval[bool](b, `(function(){var t=document.getElementById('job_description'); t.value='Go and Kafka.';
		window.__generate = document.getElementById('generate-submit');
		t.dispatchEvent(new Event('change',{bubbles:true})); return document.getElementById('generate-submit').disabled})()`) {
		t.Error("the description's change disabled Generate while it asked for the choice")
	}
	b.do(poll(`document.getElementById('generate-submit').textContent.trim() === 'Tailor for the pasted description'`))
	if !eval[bool](b, `window.__generate === document.getElementById('generate-submit') && window.__generate.isConnected`) {
		t.Error("the choice's answer replaced the Generate button (a click landing meanwhile is lost)")
	}
	open()

	// Neither: refused, beside the choice.
	b.do(
		chromedp.Click(chromedp.ID("generate-submit")),
		chromedp.WaitVisible(chromedp.ID("source-error")),
		htmxReady("opening_id"),
	)
	if got := b.text(`#source-error`); got != "Choose an opening or paste a job description." {
		t.Errorf("neither chosen: %q", got)
	}

	// Choosing an opening in the list chooses "a saved opening" and names it.
	choose := `(function(){var s=document.getElementById('opening_id');
		s.value=[...s.options].find(o=>o.text.includes('Payments Platform')).value;
		s.dispatchEvent(new Event('change',{bubbles:true}));})()`
	eval[any](b, choose)
	b.do(poll(`document.getElementById('generate-submit').textContent.trim() === 'Tailor for Senior Backend Engineer, Payments Platform at Fernhill'`))
	if !eval[bool](b, `document.getElementById('source-opening').checked`) {
		t.Error("choosing an opening did not choose 'a saved opening'")
	}
	b.shot("generate-02-opening-chosen")

	// The other choice, with nothing pasted: refused beside the description.
	b.do(
		htmxReady("source-paste"),
		chromedp.Click(chromedp.ID("source-paste")),
		poll(`document.getElementById('generate-submit').textContent.trim() === 'Tailor for the pasted description'`),
		chromedp.Click(chromedp.ID("generate-submit")),
		chromedp.WaitVisible(chromedp.ID("job_description-error")),
	)
	b.shot("generate-03-paste-empty")
	if n := jobCount(); n != 0 {
		t.Fatalf("%d jobs from refused forms", n)
	}

	// A double click on Generate: one job, one card.
	open()
	eval[any](b, choose)
	b.do(
		poll(`document.getElementById('generate-submit').textContent.trim().startsWith('Tailor for Senior Backend')`),
		chromedp.DoubleClick(chromedp.ID("generate-submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=job-card]`)),
		poll(`document.querySelector('[data-testid=job-card]').dataset.status === 'succeeded'`, chromedp.WithPollingTimeout(60*time.Second)),
	)
	if n := eval[int](b, `document.querySelectorAll('[data-testid=job-card]').length`); n != 1 {
		t.Errorf("%d cards after a double click, want 1", n)
	}
	if n := jobCount(); n != 1 {
		t.Errorf("%d jobs after a double click, want 1", n)
	}
	b.shot("generate-04-double-click")

	// Without JavaScript: both filled and no choice is refused; a double
	// click submits twice, and the server keeps one job.
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	open()
	b.do(
		chromedp.SetValue(chromedp.ID("opening_id"), eval[string](b, `[...document.getElementById('opening_id').options].find(o=>o.text.includes('Product Designer')).value`)),
		chromedp.SetValue(chromedp.ID("job_description"), "Spark, Kafka and Go."),
		chromedp.Click(chromedp.ID("generate-submit")),
		chromedp.WaitVisible(chromedp.ID("source-error")),
	)
	if got := b.text(`#source-error`); got != "Choose one: the saved opening or the pasted description." {
		t.Errorf("both without a choice: %q", got)
	}
	b.shot("generate-05-both-nojs")
	b.do(
		chromedp.Click(chromedp.ID("source-paste")),
		chromedp.DoubleClick(chromedp.ID("generate-submit")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=flash]`)),
	)
	waitFor(t, func() string {
		if jobCount() >= 2 {
			return "done"
		}
		return ""
	})
	if n := jobCount(); n != 2 {
		t.Errorf("%d jobs after a double click without JavaScript, want 2 (one before, one now)", n)
	}
}
