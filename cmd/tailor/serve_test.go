package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// TestShutdownLeavesNoGoroutine runs tailor in this process, prints a PDF
// through it, stops it (cancels its context, as SIGTERM does) while a slow
// task is in flight, and checks that every goroutine it started has ended
// once run returns: nothing it started can still be using Redis, SQLite or
// Chrome after they close (issue 12, item 1). Then a new start shows that
// the task finished and its last events reached SQLite during shutdown.
func TestShutdownLeavesNoGoroutine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chrome and redis-server")
	}
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(req.JobDescription, "SLOW") {
			return llmtest.Reply{Delay: 1500 * time.Millisecond}
		}
		return llmtest.Reply{}
	})
	tests := []struct {
		name  string
		modes []string // started in this order, stopped in reverse
		redis bool     // a redis-server; else the embedded Redis
	}{
		{"serve with the embedded Redis", []string{"serve"}, false},
		{"web and worker on redis-server", []string{"web", "worker"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Goroutines of earlier tests and of the fake LLM are not tailor's.
			opts := append(ignoredGoroutines(), goleak.IgnoreCurrent())
			env := map[string]string{
				"DATABASE_PATH":   filepath.Join(t.TempDir(), "tailor.db"),
				"ADDR":            "127.0.0.1:0",
				"METRICS_ADDR":    "127.0.0.1:0",
				"OPENAI_BASE_URL": fake.URL,
				"OPENAI_API_KEY":  "test",
				// The slow job's call must not wait for the first one's.
				"LLM_RATE_PER_MINUTE": "600",
			}
			if tt.redis {
				env["REDIS_URL"] = taskstest.StartRedis(t).URL
			}
			getenv := func(k string) string { return env[k] }
			runCLI(t, getenv, "a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
			token := runCLI(t, getenv, "", "token", "create", "--email", "ann@example.com")

			var procs []*inProcess
			for _, mode := range tt.modes {
				procs = append(procs, startInProcess(t, getenv, mode))
			}
			client := &http.Client{Transport: &http.Transport{}, Timeout: 10 * time.Second}
			api := apiClient{t: t, client: client, baseURL: procs[0].baseURL, token: token}
			api.waitStatus(api.generate(resume.SampleJobDescription), "succeeded")
			slow := api.generate(resume.SampleJobDescription + " SLOW")
			api.waitStatus(slow, "running")
			for i := len(procs) - 1; i >= 0; i-- {
				procs[i].stop(t)
			}
			// Idle keep-alive connections: the test's own, and the LLM
			// client's in http.DefaultTransport, a pool of the process.
			client.CloseIdleConnections()
			http.DefaultTransport.(*http.Transport).CloseIdleConnections()
			if err := goleak.Find(opts...); err != nil {
				for _, p := range procs {
					t.Logf("tailor %s logs:\n%s", p.mode, p.logs.String())
				}
				t.Fatal(err)
			}

			web := startInProcess(t, getenv, "web")
			defer web.stop(t)
			api.baseURL = web.baseURL
			if job := api.status(slow); job.Status != "succeeded" {
				t.Errorf("the job in flight at shutdown is %q, want succeeded (its PDF printed and its events applied before the database closed)", job.Status)
			}
		})
	}
}

// ignoredGoroutines are the goroutines that libraries start and give no
// way to stop. There is one: scs.New starts a sweeper for its default
// in-memory session store, which handlers replace at once with the SQLite
// store, one for each of its two session managers. It sweeps an empty map
// once a minute and touches neither SQLite nor Redis; StopCleanup cannot be
// called safely right after scs.New (the goroutine makes the channel that
// StopCleanup sends on).
func ignoredGoroutines() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"),
	}
}

// inProcess is one `tailor <mode>` running in this test process.
type inProcess struct {
	mode    string
	baseURL string // "" for a worker
	out     syncBuffer
	logs    syncBuffer
	cancel  context.CancelFunc
	exited  chan error
}

func startInProcess(t *testing.T, getenv func(string) string, mode string) *inProcess {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{mode: mode, cancel: cancel, exited: make(chan error, 1)}
	go func() { p.exited <- run(ctx, []string{mode}, getenv, strings.NewReader(""), &p.out, &p.logs) }()
	t.Cleanup(cancel)
	ready := regexp.MustCompile(`listening on (http://\S+)`)
	if mode == "worker" {
		ready = regexp.MustCompile(`worker started`)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := ready.FindStringSubmatch(p.out.String()); m != nil {
			if len(m) > 1 {
				p.baseURL = m[1]
			}
			return p
		}
		select {
		case err := <-p.exited:
			t.Fatalf("tailor %s returned before it was ready: %v\n%s", mode, err, p.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("tailor %s not ready in 30 s:\n%s", mode, p.logs.String())
		}
	}
}

// stop cancels run's context, as SIGTERM does, and waits for run to return.
func (p *inProcess) stop(t *testing.T) {
	t.Helper()
	p.cancel()
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("tailor %s: %v\n%s", p.mode, err, p.logs.String())
		}
	case <-time.After(shutdownBudget()):
		t.Fatalf("tailor %s did not return within its shutdown budget (%s) of its context's end:\n%s", p.mode, shutdownBudget(), p.logs.String())
	}
}

// runCLI runs a tailor command in this process and returns what it printed.
func runCLI(t *testing.T, getenv func(string) string, stdin string, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut); err != nil {
		t.Fatalf("tailor %v: %v\n%s", args, err, errOut.String())
	}
	return strings.TrimSpace(out.String())
}

type apiClient struct {
	t       *testing.T
	client  *http.Client
	baseURL string
	token   string
}

func (c apiClient) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.baseURL+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

type jobStatus struct{ Status, Error string }

// generate starts a job for a new candidate and returns its id.
func (c apiClient) generate(description string) string {
	c.t.Helper()
	var created struct {
		ID    string `json:"id"`
		JobID string `json:"job_id"`
	}
	status, body := c.do("POST", "/api/candidates", resume.Sample())
	if err := json.Unmarshal(body, &created); status != http.StatusCreated || err != nil {
		c.t.Fatalf("create candidate: %d %s", status, body)
	}
	status, body = c.do("POST", "/api/resume-async/generate-async", map[string]any{
		"candidate_id": created.ID, "job_description": description,
	})
	if err := json.Unmarshal(body, &created); status != http.StatusAccepted || err != nil {
		c.t.Fatalf("generate: %d %s", status, body)
	}
	return created.JobID
}

func (c apiClient) status(id string) jobStatus {
	c.t.Helper()
	var job jobStatus
	if status, body := c.do("GET", "/api/resume-async/job-status/"+id, nil); status != http.StatusOK || json.Unmarshal(body, &job) != nil {
		c.t.Fatalf("job status: %d %s", status, body)
	}
	return job
}

func (c apiClient) waitStatus(id, want string) {
	c.t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		job := c.status(id)
		if job.Status == want {
			return
		}
		if job.Status == "failed" || time.Now().After(deadline) {
			c.t.Fatalf("job %s is %s (%s), want %s", id, job.Status, job.Error, want)
		}
	}
}

// syncBuffer is a bytes.Buffer that run may write while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
