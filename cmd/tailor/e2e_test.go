package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/proc"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// binary is the real tailor binary, built once for the package's tests;
// empty with -short, where the tests that need it skip.
var binary string

func TestMain(m *testing.M) {
	flag.Parse() // testing.Short reads the flags
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "tailor-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tailor")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build tailor:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// app is a running `tailor serve` process.
type app struct {
	t       *testing.T
	cmd     *exec.Cmd
	baseURL string
	env     []string
	tmp     string
	logs    *bytes.Buffer
	exited  chan error

	outMu sync.Mutex
	out   []string // every line the server printed on stdout
}

// stdout returns what the server printed on stdout so far.
func (a *app) stdout() string {
	a.outMu.Lock()
	defer a.outMu.Unlock()
	return strings.Join(a.out, "\n")
}

func (a *app) tailor(stdin string, args ...string) string {
	a.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = a.env
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		a.t.Fatalf("tailor %v: %v\n%s", args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// startApp runs the binary with env on a free port and waits until it
// prints its address.
func startApp(t *testing.T, extraEnv ...string) *app {
	t.Helper()
	if binary == "" {
		t.Skip("needs the tailor binary: skipped with -short")
	}
	tmp := t.TempDir()
	a := &app{t: t, tmp: tmp, logs: &bytes.Buffer{}, exited: make(chan error, 1)}
	a.env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + tmp,
		"TMPDIR=" + tmp, // Chrome's profile lands here: the orphan check looks for it
		"DATABASE_PATH=" + filepath.Join(tmp, "data", "tailor.db"),
		"ADDR=127.0.0.1:0",
		"METRICS_ADDR=127.0.0.1:0",
	}, extraEnv...)
	return a
}

func (a *app) start() { a.startMode("serve") }

// startMode runs `tailor <mode>` (serve or web) and waits for its address.
func (a *app) startMode(mode string) {
	t := a.t
	t.Helper()
	a.cmd = exec.Command(binary, mode)
	a.cmd.Env = a.env
	stdout, _ := a.cmd.StdoutPipe()
	a.cmd.Stderr = a.logs
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.exited <- a.cmd.Wait() }()
	t.Cleanup(func() {
		if a.cmd.ProcessState == nil {
			// SIGTERM lets tailor close Chrome and remove its profile before
			// the test's temp folder is deleted.
			a.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-a.exited:
			case <-time.After(40 * time.Second):
				a.cmd.Process.Kill()
				<-a.exited
			}
		}
		for deadline := time.Now().Add(5 * time.Second); len(processesMentioning(a.tmp)) > 0 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if t.Failed() {
			t.Logf("tailor logs:\n%s", a.logs.String())
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			a.outMu.Lock()
			a.out = append(a.out, sc.Text())
			a.outMu.Unlock()
			lines <- sc.Text()
		}
		close(lines)
	}()
	re := regexp.MustCompile(`listening on (http://\S+)`)
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("tailor exited before listening:\n%s", a.logs.String())
			}
			if m := re.FindStringSubmatch(line); m != nil {
				a.baseURL = m[1]
				go func() {
					for range lines {
					}
				}()
				return
			}
		case <-timeout:
			t.Fatalf("tailor did not start in 30 s:\n%s", a.logs.String())
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (a *app) stop() {
	a.t.Helper()
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-a.exited:
		if err != nil {
			a.t.Errorf("tailor exited with %v after SIGTERM", err)
		}
	case <-time.After(40 * time.Second):
		a.t.Fatal("tailor did not exit within 40 s of SIGTERM")
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.status, r.body)
	}
	return m
}

func (a *app) do(method, path, token string, body []byte) response {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.baseURL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func (a *app) waitStatus(token, id string, want ...string) map[string]any {
	a.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		m := a.do("GET", "/api/resume-async/job-status/"+id, token, nil).json(a.t)
		for _, w := range want {
			if m["status"] == w {
				return m
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("job %s is %v, want %v: %v", id, m["status"], want, m)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEnd drives the real binary through the JSON API, from a new user
// to a PDF read back as text, then the failure paths, then a clean SIGTERM.
func TestEndToEnd(t *testing.T) {
	pdftotext := taskstest.RequireTool(t, "pdftotext")
	redisSrv := taskstest.StartRedis(t)
	slow := "SLOW-PATH"
	fake := llmtest.NewServer(t, func(req llmtest.ChatRequest) llmtest.Reply {
		reply := llmtest.Echo("Quasarwise")(req)
		if strings.Contains(req.JobDescription, slow) {
			reply.Delay = 4 * time.Second
		}
		return reply
	})
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "OPENAI_BASE_URL="+fake.URL, "OPENAI_API_KEY=test", "OPENAI_MODEL=fake")

	// Users and tokens through the CLI, as the README shows.
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "recruiter")
	a.tailor("another-password\n", "user", "add", "--email", "bob@example.com", "--role", "recruiter")
	ann := a.tailor("", "token", "create", "--email", "ann@example.com")
	bob := a.tailor("", "token", "create", "--email", "bob@example.com", "--name", "bob-laptop")
	if !strings.HasPrefix(ann, "tlr_") || strings.Contains(ann, "\n") {
		t.Fatalf("token create printed %q, want only a token", ann)
	}
	a.start()

	// Candidate in.
	sample := resume.Sample()
	res := a.do("POST", "/api/candidates", ann, mustJSON(sample))
	if res.status != http.StatusCreated {
		t.Fatalf("create candidate: %d %s", res.status, res.body)
	}
	candidateID := res.json(t)["id"].(string)

	// Generate: 202 at once, with Location.
	res = a.do("POST", "/api/resume-async/generate-async", ann, mustJSON(map[string]any{
		"candidate_id": candidateID, "job_description": resume.SampleJobDescription, "company": "Globex",
	}))
	if res.status != http.StatusAccepted || res.header.Get("Location") == "" {
		t.Fatalf("generate: %d %s (Location %q)", res.status, res.body, res.header.Get("Location"))
	}
	gen := res.json(t)
	jobID := gen["job_id"].(string)
	for _, k := range []string{"status", "status_url", "download_url", "cached"} {
		if _, ok := gen[k]; !ok {
			t.Errorf("generate response lacks %q: %v", k, gen)
		}
	}

	final := a.waitStatus(ann, jobID, "succeeded", "failed")
	if final["status"] != "succeeded" || final["progress"] != float64(100) {
		t.Fatalf("job ended %v", final)
	}
	res = a.do("GET", "/api/resume-async/download/"+jobID, ann, nil)
	if res.status != 200 || res.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("download: %d %s", res.status, res.header.Get("Content-Type"))
	}
	cmd := exec.Command(pdftotext, "-", "-")
	cmd.Stdin = bytes.NewReader(res.body)
	text, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{sample.Basics.Name, "Quasarwise"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}

	// my-jobs lists it; export returns the JSON Resume.
	if jobs := a.do("GET", "/api/resume-async/my-jobs", ann, nil).json(t)["jobs"].([]any); len(jobs) != 1 {
		t.Errorf("my-jobs has %d jobs, want 1", len(jobs))
	}
	var exported resume.Resume
	if err := json.Unmarshal(a.do("GET", "/api/candidates/"+candidateID, ann, nil).body, &exported); err != nil || exported.Basics.Name != sample.Basics.Name {
		t.Errorf("export: %v %q", err, exported.Basics.Name)
	}

	// A slow job: download before success is 409, then cancel it.
	res = a.do("POST", "/api/resume-async/generate-async", ann, mustJSON(map[string]any{
		"candidate_id": candidateID, "job_description": "Go developer " + slow,
	}))
	slowID := res.json(t)["job_id"].(string)
	if res := a.do("GET", "/api/resume-async/download/"+slowID, ann, nil); res.status != http.StatusConflict {
		t.Errorf("download before success: %d, want 409", res.status)
	}
	if res := a.do("POST", "/api/resume-async/cancel/"+slowID, bob, nil); res.status != http.StatusNotFound {
		t.Errorf("cancel by another user: %d, want 404", res.status)
	}
	res = a.do("POST", "/api/resume-async/cancel/"+slowID, ann, nil)
	if res.status != 200 || res.json(t)["status"] != "canceled" {
		t.Errorf("cancel: %d %s", res.status, res.body)
	}

	// Failure paths: each a JSON error with the right status.
	bigJD := strings.Repeat("x", 100*1024+1)
	noName := sample
	noName.Basics.Name = ""
	tests := []struct {
		name, method, path, token string
		body                      []byte
		want                      int
		wantInError               string
	}{
		{"no token", "GET", "/api/resume-async/my-jobs", "", nil, 401, "token"},
		{"wrong token", "GET", "/api/resume-async/my-jobs", "tlr_wrong", nil, 401, "token"},
		{"malformed JSON", "POST", "/api/candidates", ann, []byte(`{"basics":`), 400, "JSON"},
		{"unknown field", "POST", "/api/candidates", ann, []byte(`{"basics":{"name":"X"},"hobbies":1}`), 400, "hobbies"},
		{"missing basics.name", "POST", "/api/candidates", ann, mustJSON(noName), 422, "basics.name"},
		{"job description over 100 KB", "POST", "/api/resume-async/generate-async", ann,
			mustJSON(map[string]any{"candidate_id": candidateID, "job_description": bigJD}), 413, "100 KB"},
		{"generate without description", "POST", "/api/resume-async/generate-async", ann,
			mustJSON(map[string]any{"candidate_id": candidateID}), 422, "job_description"},
		{"bad theme", "POST", "/api/resume-async/generate-async", ann,
			mustJSON(map[string]any{"candidate_id": candidateID, "job_description": "Go", "theme": "neon"}), 422, "theme"},
		{"another user's candidate", "GET", "/api/candidates/" + candidateID, bob, nil, 404, "not found"},
		{"generate for another user's candidate", "POST", "/api/resume-async/generate-async", bob,
			mustJSON(map[string]any{"candidate_id": candidateID, "job_description": "Go"}), 404, "not found"},
		{"another user's job", "GET", "/api/resume-async/job-status/" + jobID, bob, nil, 404, "not found"},
		{"another user's download", "GET", "/api/resume-async/download/" + jobID, bob, nil, 404, "not found"},
		{"unknown job", "GET", "/api/resume-async/job-status/nope", ann, nil, 404, "not found"},
		{"body over 1 MB", "POST", "/api/candidates", ann, bytes.Repeat([]byte(" "), 1<<20+10), 413, "larger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.do(tt.method, tt.path, tt.token, tt.body)
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			if msg, _ := res.json(t)["error"].(string); !strings.Contains(msg, tt.wantInError) {
				t.Errorf("error %q does not mention %q", msg, tt.wantInError)
			}
		})
	}

	// Health.
	if res := a.do("GET", "/healthz", "", nil); res.status != 200 {
		t.Errorf("healthz: %d", res.status)
	}
	res = a.do("GET", "/readyz", "", nil)
	if res.status != 200 {
		t.Errorf("readyz: %d %s", res.status, res.body)
	}

	// SIGTERM: a clean exit and no Chrome left behind.
	a.stop()
	if pids := processesMentioning(a.tmp); len(pids) > 0 {
		t.Errorf("processes left after shutdown: %v", pids)
	}
}

// TestEmbeddedDefaults starts the binary with nothing configured but the
// database path and port: embedded Redis, offline tailor, Chrome on PATH.
func TestEmbeddedDefaults(t *testing.T) {
	a := startApp(t)
	a.tailor("a-long-password\n", "user", "add", "--email", "admin@example.com", "--role", "admin")
	token := a.tailor("", "token", "create", "--email", "admin@example.com")
	a.start()
	if !strings.Contains(a.logs.String(), "NOT FOR PRODUCTION") {
		t.Errorf("the embedded Redis is not logged as not for production")
	}
	res := a.do("POST", "/api/candidates", token, mustJSON(resume.Sample()))
	id := res.json(t)["id"].(string)
	res = a.do("POST", "/api/resume-async/generate-async", token, mustJSON(map[string]any{
		"candidate_id": id, "job_description": resume.SampleJobDescription, "theme": "classic", "paper": "letter",
	}))
	jobID := res.json(t)["job_id"].(string)
	if final := a.waitStatus(token, jobID, "succeeded", "failed"); final["status"] != "succeeded" {
		t.Fatalf("job ended %v", final)
	}
	if res := a.do("GET", "/api/resume-async/download/"+jobID, token, nil); res.status != 200 || !bytes.HasPrefix(res.body, []byte("%PDF-")) {
		t.Fatalf("download: %d", res.status)
	}
	a.stop()
}

// processesMentioning lists live processes whose command line contains s.
func processesMentioning(s string) []string {
	var out []string
	for _, pid := range proc.Find(func(cmdline []byte) bool { return bytes.Contains(cmdline, []byte(s)) }) {
		stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if strings.Contains(string(stat), ") Z ") {
			out = append(out, fmt.Sprintf("%d (zombie)", pid))
			continue
		}
		out = append(out, fmt.Sprintf("%d: %s", pid, bytes.ReplaceAll(proc.Cmdline(pid), []byte{0}, []byte(" "))))
	}
	return out
}
