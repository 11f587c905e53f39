package main

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestAlertsEndToEnd: in real Chrome (any CSP violation fails), an admin
// sets the success-rate rule on /admin; a job fails on the LLM and the red
// banner appears on the open page without a reload; the LLM recovers, jobs
// succeed and the banner goes, replaced by a "resolved by itself" note.
func TestAlertsEndToEnd(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	var healthy atomic.Bool
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if healthy.Load() {
			return llmtest.Echo("")(req)
		}
		return llmtest.Reply{Status: 401}
	})
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake",
		"ALERT_INTERVAL=500ms")
	a.tailor("a-long-password\n", "user", "add", "--email", "root@example.com", "--role", "admin")
	ann := a.tailor("", "token", "create", "--email", "root@example.com")
	a.start()

	b := newBrowser(t, a.baseURL)
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.SetValue(chromedp.ID("email"), "root@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
		chromedp.Navigate(a.baseURL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=alert-rule-success_rate]`)),
		// Fire on one failure, resolve above 50%.
		chromedp.SetValue(chromedp.ID("alert-success_rate-threshold"), "50"),
		chromedp.SetValue(chromedp.ID("alert-success_rate-min-jobs"), "1"),
		chromedp.Submit(chromedp.ID("alert-success_rate-threshold")),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if got := b.text(`.flash`); !strings.Contains(got, "success rate below 50%") {
		t.Errorf("flash = %q", got)
	}

	id := a.do("POST", "/api/candidates", ann, mustJSON(resume.Sample())).json(t)["id"].(string)
	generate := func(want string) {
		t.Helper()
		jobID := a.do("POST", "/api/resume-async/generate-async", ann, mustJSON(map[string]any{
			"candidate_id": id, "job_description": resume.SampleJobDescription + " " + want,
		})).json(t)["job_id"].(string)
		if final := a.waitStatus(ann, jobID, "succeeded", "failed"); final["status"] != want {
			t.Fatalf("job %s: %v, want %s", jobID, final["status"], want)
		}
	}
	generate("failed")
	b.do(chromedp.WaitVisible(chromedp.CSS(`[data-testid=alert-banner]`))) // the live region, every 5 s
	if got := b.text(`[data-testid=alert-banner]`); !strings.Contains(got, "Success rate low") || !strings.Contains(got, "0%") {
		t.Errorf("banner = %q", got)
	}
	b.shot("23-admin-alert-firing")

	healthy.Store(true)
	generate("succeeded")
	generate("succeeded")
	b.do(
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid=alert-banner]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=alert-resolved]`)),
	)
	if got := b.text(`[data-testid=alert-resolved]`); !strings.Contains(got, "resolved by itself") {
		t.Errorf("resolved note = %q", got)
	}
	b.shot("24-admin-alert-resolved")
}
