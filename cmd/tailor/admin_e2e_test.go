package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestAdminConsoleEndToEnd runs real jobs (one failing on the LLM), then an
// admin finds the failure from /admin in the browser; screenshots of the
// console land in test-artifacts/screenshots.
func TestAdminConsoleEndToEnd(t *testing.T) {
	t.Parallel() // a browser test: mostly waiting on pages and jobs
	redisSrv := taskstest.StartRedis(t)
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(req.JobDescription, "FORBIDDEN-MODEL") {
			return llmtest.Reply{Status: 401}
		}
		return llmtest.Echo("")(req)
	})
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake")
	a.tailor("a-long-password\n", "user", "add", "--email", "root@example.com", "--role", "admin")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	ann := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.start()

	profile := resume.Sample()
	profile.Basics.Name = "Priya Raman"
	id := a.do("POST", "/api/candidates", ann, mustJSON(profile)).json(t)["id"].(string)
	var failedID string
	for i, jd := range []string{resume.SampleJobDescription, "Go engineer, FORBIDDEN-MODEL", resume.SampleJobDescription, "Platform engineer"} {
		jobID := a.do("POST", "/api/resume-async/generate-async", ann, mustJSON(map[string]any{
			"candidate_id": id, "job_description": jd, "theme": []string{"classic", "modern", "compact", "modern"}[i], // the same inputs twice would be one job
		})).json(t)["job_id"].(string)
		if final := a.waitStatus(ann, jobID, "succeeded", "failed"); final["status"] == "failed" {
			failedID = jobID
		}
	}
	if failedID == "" {
		t.Fatal("the job meant to fail succeeded")
	}

	b := newBrowser(t, a.baseURL)
	b.do(
		chromedp.Navigate(a.baseURL+"/login"),
		chromedp.SetValue(chromedp.ID("email"), "root@example.com"),
		chromedp.SetValue(chromedp.ID("password"), "a-long-password"),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=signed-in-as]`)),
		chromedp.Navigate(a.baseURL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=worker-row]`)),
	)
	if got := b.text(`[data-testid=admin-jobs] [data-testid=window-row]`); !strings.Contains(got, "75.0%") {
		t.Errorf("last hour row = %q, want a 75.0%% success rate (3 of 4)", got)
	}
	b.shot("20-admin-dashboard")

	// Find why Priya's job failed, as an admin would.
	start := time.Now()
	b.do(
		chromedp.Navigate(a.baseURL+"/admin/jobs"),
		chromedp.SetValue(chromedp.ID("candidate"), "Priya"),
		chromedp.SetValue(chromedp.ID("status"), "failed"),
		chromedp.Submit(chromedp.ID("candidate")),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=admin-job-row] a`)),
		chromedp.Click(chromedp.CSS(`[data-testid=admin-job-row] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=admin-job-error]`)),
	)
	if got := b.text(`[data-testid=admin-job-error]`); !strings.Contains(got, "OPENAI_API_KEY") {
		t.Errorf("the failed job's error = %q, want the actionable LLM message", got)
	}
	if !strings.Contains(b.location(), failedID) {
		t.Errorf("opened %s, want the failed job %s", b.location(), failedID)
	}
	t.Logf("found the failure in %s", time.Since(start).Round(time.Millisecond))
	b.shot("21-admin-job")
	b.do(chromedp.Navigate(a.baseURL+"/admin/queues"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=queue-row]`)))
	b.shot("22-admin-queues")
}
