package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// A job acknowledged to the recruiter whose row SQLite then loses (a
// restore from the replica without its last second of writes) is
// recreated from its task when the worker reports on it: its id answers
// again and its PDF downloads (issue 16, item 2).
func TestLostJobRowRecreated(t *testing.T) {
	t.Parallel()
	redisSrv := taskstest.StartRedis(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL)
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.startMode("web") // no worker yet: the job waits in the queue

	sample := resume.Sample()
	candidateID := a.do("POST", "/api/candidates", token, mustJSON(sample)).json(t)["id"].(string)
	res := a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": candidateID, "job_description": resume.SampleJobDescription, "company": "Globex",
	}))
	if res.status != http.StatusAccepted {
		t.Fatalf("generate: %d %s", res.status, res.body)
	}
	jobID := res.json(t)["job_id"].(string)
	before := a.do("GET", "/api/resume-async/job-status/"+jobID, token, nil).json(t)

	// The restore without the last second: the row is gone, the task is not.
	d, err := db.Open(dbPathOf(a))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Jobs.Delete(context.Background(), jobID); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if res := a.do("GET", "/api/resume-async/job-status/"+jobID, token, nil); res.status != http.StatusNotFound {
		t.Fatalf("status after the row was lost: %d, want 404", res.status)
	}

	a.startWorker()
	final := a.waitStatus(token, jobID, "succeeded", "failed")
	if final["status"] != "succeeded" {
		t.Fatalf("recreated job ended %v", final)
	}
	for _, k := range []string{"created_at", "candidate_id", "candidate_name", "company", "theme", "paper"} {
		if final[k] != before[k] {
			t.Errorf("%s: %v after recreation, %v before", k, final[k], before[k])
		}
	}
	res = a.do("GET", "/api/resume-async/download/"+jobID, token, nil)
	if res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("%PDF-")) {
		t.Fatalf("download of the recreated job: %d %.40q", res.status, res.body)
	}
	if jobs := a.do("GET", "/api/resume-async/my-jobs", token, nil).json(t)["jobs"].([]any); len(jobs) != 1 {
		t.Errorf("my-jobs lists %d jobs, want the recreated one", len(jobs))
	}
	if !strings.Contains(a.logs.String(), "recreated from its task") {
		t.Errorf("the recreation is not logged:\n%s", a.logs.String())
	}
}
