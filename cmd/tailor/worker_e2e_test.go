package main

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// worker is a `tailor worker` process.
type worker struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
	done chan error
}

func (a *app) startWorker() *worker {
	a.t.Helper()
	w := &worker{cmd: exec.Command(binary, "worker"), logs: &bytes.Buffer{}, done: make(chan error, 1)}
	w.cmd.Env = a.env
	w.cmd.Stderr = w.logs
	stdout, _ := w.cmd.StdoutPipe()
	if err := w.cmd.Start(); err != nil {
		a.t.Fatal(err)
	}
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "worker started") {
				close(started)
			}
		}
	}()
	go func() { w.done <- w.cmd.Wait() }()
	a.t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			// SIGTERM lets the worker close Chrome and remove its profile
			// before the test's temp folder is deleted.
			w.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-w.done:
			case <-time.After(30 * time.Second):
				w.cmd.Process.Kill()
				<-w.done
			}
		}
		for deadline := time.Now().Add(5 * time.Second); len(chromeProcesses(a.tmp)) > 0 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if a.t.Failed() {
			a.t.Logf("worker logs:\n%s", w.logs.String())
		}
	})
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		a.t.Fatal("worker did not start in 30 s")
	}
	return w
}

// TestWorkerKilledMidJob kills a worker process with SIGKILL while its job
// waits on the LLM: a new worker runs the job again and it succeeds once.
func TestWorkerKilledMidJob(t *testing.T) {
	t.Parallel()
	redisSrv := taskstest.StartRedis(t)
	var calls atomic.Int32
	a, token, first, jobID := jobInFlight(t, redisSrv, func() time.Duration {
		if calls.Add(1) == 1 {
			return 10 * time.Second // the worker dies during this call
		}
		return 0
	})
	first.cmd.Process.Kill() // SIGKILL: no shutdown, no hand-back
	<-first.done
	killed := time.Now()
	// Its Chrome dies with it (Pdeathsig), so nothing is orphaned.
	for len(chromeProcesses(a.tmp)) > 0 {
		if time.Since(killed) > 5*time.Second {
			t.Fatalf("Chrome outlived its SIGKILLed worker: %v", chromeProcesses(a.tmp))
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.startWorker()

	deadline := time.Now().Add(4 * time.Minute)
	var final map[string]any
	for {
		final = a.do("GET", "/api/resume-async/job-status/"+jobID, token, nil).json(t)
		if final["status"] == "succeeded" || final["status"] == "failed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %v %s after the worker died", final["status"], time.Since(killed))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("recovered %s after SIGKILL (asynq lease 30 s + recoverer)", time.Since(killed).Round(time.Second))
	if final["status"] != "succeeded" {
		t.Fatalf("job ended %v", final)
	}
	d, err := db.Open(filepath.Join(a.tmp, "data", "tailor.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n, err := d.Jobs.CountResults(context.Background(), jobID); err != nil || n != 1 {
		t.Errorf("results = %d (%v), want exactly 1", n, err)
	}
}

// chromeProcesses lists live, non-zombie Chrome processes whose command
// line mentions dir.
func chromeProcesses(dir string) []string {
	var out []string
	for _, p := range processesMentioning(dir) {
		if strings.Contains(p, "chrom") && !strings.Contains(p, "(zombie)") {
			out = append(out, p)
		}
	}
	return out
}

// TestWorkerSIGTERMFinishesInFlightJob stops a worker with SIGTERM while its
// job waits on the LLM: the worker finishes the job, then exits cleanly.
func TestWorkerSIGTERMFinishesInFlightJob(t *testing.T) {
	t.Parallel()
	redisSrv := taskstest.StartRedis(t)
	a, token, w, jobID := jobInFlight(t, redisSrv, func() time.Duration { return 3 * time.Second })
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("worker exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not exit within 30 s of SIGTERM")
	}
	final := a.waitStatus(token, jobID, "succeeded", "failed")
	if final["status"] != "succeeded" || final["attempts"] != float64(1) {
		t.Errorf("job ended %v; want succeeded in its first attempt", final)
	}
	if procs := chromeProcesses(a.tmp); len(procs) > 0 {
		t.Errorf("Chrome left after the worker exited: %v", procs)
	}
}

// jobInFlight runs `tailor web` and one `tailor worker` with a fake LLM
// whose answer takes delay(), submits a job and returns once the worker is
// waiting on the LLM for it.
func jobInFlight(t *testing.T, redisSrv *taskstest.Redis, delay func() time.Duration) (*app, string, *worker, string) {
	t.Helper()
	called := make(chan struct{}, 4)
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		reply := llmtest.Echo("")(req)
		reply.Delay = delay()
		called <- struct{}{}
		return reply
	})
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test")
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	token := a.tailor("", "token", "create", "--email", "ann@example.com")
	a.startMode("web")
	w := a.startWorker()

	id := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample())).json(t)["id"].(string)
	jobID := a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": id, "job_description": resume.SampleJobDescription,
	})).json(t)["job_id"].(string)
	select {
	case <-called:
	case <-time.After(30 * time.Second):
		t.Fatal("the LLM was never called")
	}
	return a, token, w, jobID
}
