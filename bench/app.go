package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/deploy/stack"
	"github.com/tailor-app/tailor/proc"
	"github.com/tailor-app/tailor/resume"
)

// harness owns everything a run starts: a redis-server, the fake LLM, the
// tailor binary's web and worker processes. Close stops them all.
type harness struct {
	dir     string // temp folder: database, Chrome profiles (TMPDIR), logs
	binary  string
	redis   *redisServer
	llm     *fakeLLM
	web     *process
	workers []*process
	baseURL string
	token   string
	cand    string
	client  *http.Client
	env     []string
}

type harnessOptions struct {
	concurrency int           // WORKER_CONCURRENCY
	llmLatency  time.Duration // the fake LLM's answer time
	extraEnv    []string
}

func newHarness(ctx context.Context, o harnessOptions) (*harness, error) {
	dir, err := os.MkdirTemp("", "tailor-bench-")
	if err != nil {
		return nil, err
	}
	h := &harness{dir: dir}
	h.binary = filepath.Join(dir, "tailor")
	build := exec.CommandContext(ctx, "go", "build", "-o", h.binary, "./cmd/tailor")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		h.Close()
		return nil, fmt.Errorf("build tailor: %w", err)
	}
	if h.redis, err = startRedis(dir); err != nil {
		h.Close()
		return nil, err
	}
	h.llm = newFakeLLM(o.llmLatency)
	h.env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"TMPDIR=" + dir,
		"DATABASE_PATH=" + filepath.Join(dir, "data", "tailor.db"),
		"REDIS_URL=" + h.redis.url(),
		"OPENAI_BASE_URL=" + h.llm.URL,
		"OPENAI_API_KEY=bench",
		"OPENAI_MODEL=bench-instant",
		"LLM_RATE_PER_MINUTE=1000000",
		"API_RATE_PER_MINUTE=1000000000", // one token drives the whole load: no per-token limit
		"WORKER_CONCURRENCY=" + strconv.Itoa(max(o.concurrency, 1)),
		"LOG_LEVEL=warn",
	}, o.extraEnv...)
	if _, err := h.cli("a-long-password\n", "user", "add", "--email", "bench@example.com", "--role", "admin"); err != nil {
		h.Close()
		return nil, err
	}
	if h.token, err = h.cli("", "token", "create", "--email", "bench@example.com"); err != nil {
		h.Close()
		return nil, err
	}
	h.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 4096, MaxIdleConnsPerHost: 4096, IdleConnTimeout: time.Minute,
	}}
	return h, nil
}

// cli runs a tailor subcommand and returns its trimmed stdout.
func (h *harness) cli(stdin string, args ...string) (string, error) {
	cmd := exec.Command(h.binary, args...)
	cmd.Env = h.env
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("tailor %v: %v: %s", args, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// process is a running tailor process.
type process struct {
	cmd  *exec.Cmd
	name string
	logs *bytes.Buffer
	mu   sync.Mutex
	done chan struct{}
	err  error
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.Write(b)
}

func (p *process) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends sig and waits up to timeout for the exit.
func (p *process) stop(sig syscall.Signal, timeout time.Duration) error {
	if !p.alive() {
		return p.err
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %s of %s", p.name, timeout, sig)
	}
}

func (h *harness) start(name string, env []string, args ...string) (*process, error) {
	p := &process{name: name, logs: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(h.binary, args...)
	p.cmd.Env = append(append([]string{}, h.env...), env...)
	p.cmd.Stderr = p
	stdout, _ := p.cmd.StdoutPipe()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	return p, waitFor(p, lines, name)
}

var listenRE = regexp.MustCompile(`listening on (http://\S+)`)

func waitFor(p *process, lines chan string, name string) error {
	deadline := time.After(60 * time.Second)
	for {
		select {
		case line := <-lines:
			if name == "worker" && strings.Contains(line, "worker started") {
				return nil
			}
			if m := listenRE.FindStringSubmatch(line); m != nil {
				p.name = m[1]
				return nil
			}
		case <-p.done:
			return fmt.Errorf("%s exited at start: %v\n%s", name, p.err, p.Logs())
		case <-deadline:
			return fmt.Errorf("%s did not start in 60 s:\n%s", name, p.Logs())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startWeb runs `tailor web` on a free port with its metrics on another.
func (h *harness) startWeb() error {
	addr, metrics := freeAddr(), freeAddr()
	p, err := h.start("web", []string{"ADDR=" + addr, "METRICS_ADDR=" + metrics}, "web")
	if err != nil {
		return err
	}
	h.web, h.baseURL = p, p.name
	p.name = "web"
	p.cmd.Env = append(p.cmd.Env, "METRICS_ADDR="+metrics) // remembered for profiles
	return h.createCandidate()
}

// createCandidate adds the sample candidate once.
func (h *harness) createCandidate() error {
	if h.cand != "" {
		return nil
	}
	body, _ := json.Marshal(resume.Sample())
	res, err := h.api("POST", "/api/candidates", body)
	if err != nil {
		return err
	}
	var out struct{ ID string }
	json.Unmarshal(res, &out)
	h.cand = out.ID
	return nil
}

// metricsAddr returns the web process's METRICS_ADDR.
func (h *harness) metricsAddr() string {
	for _, e := range h.web.cmd.Env {
		if v, ok := strings.CutPrefix(e, "METRICS_ADDR="); ok {
			return v
		}
	}
	return ""
}

// startServe runs `tailor serve` (web, worker and events in one process)
// in place of startWeb and startWorker.
func (h *harness) startServe() error {
	addr, metrics := freeAddr(), freeAddr()
	p, err := h.start("serve", []string{"ADDR=" + addr, "METRICS_ADDR=" + metrics}, "serve")
	if err != nil {
		return err
	}
	h.web, h.baseURL = p, p.name
	p.name = "serve"
	p.cmd.Env = append(p.cmd.Env, "METRICS_ADDR="+metrics)
	return h.createCandidate()
}

// startWorker runs one more `tailor worker`.
func (h *harness) startWorker() (*process, error) {
	p, err := h.start("worker", []string{"METRICS_ADDR=off"}, "worker")
	if err != nil {
		return nil, err
	}
	h.workers = append(h.workers, p)
	return p, nil
}

func (h *harness) Close() {
	for _, w := range h.workers {
		w.stop(syscall.SIGTERM, 30*time.Second)
	}
	if h.web != nil {
		h.web.stop(syscall.SIGTERM, 30*time.Second)
	}
	if h.llm != nil {
		h.llm.Close()
	}
	if h.redis != nil {
		h.redis.stop()
	}
	os.RemoveAll(h.dir)
}

// api sends an authenticated API request and returns the body of a 2xx.
func (h *harness) api(method, path string, body []byte) ([]byte, error) {
	return h.apiClient().Do(method, path, body)
}

// submit starts a job and returns its id.
func (h *harness) submit(jobDescription string) (string, error) {
	return h.apiClient().Submit(h.cand, jobDescription)
}

// submitTo submits a job for a company: the same description for another
// company is a job of its own (not the duplicate of one seconds ago) that
// still comes from the cache.
func (h *harness) submitTo(jobDescription, company string) (string, error) {
	return h.apiClient().SubmitJob(map[string]string{"candidate_id": h.cand, "job_description": jobDescription, "company": company})
}

func (h *harness) apiClient() stack.APIClient {
	return stack.APIClient{BaseURL: h.baseURL, Token: h.token, HTTP: h.client}
}

type jobStatus struct {
	Status   string `json:"status"`
	Cached   bool   `json:"cached"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
}

func (h *harness) status(id string) (jobStatus, error) {
	var s jobStatus
	b, err := h.api("GET", "/api/resume-async/job-status/"+id, nil)
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

// waitFinal polls a job until it ends, every 5 ms: the latency figures
// need that resolution.
func (h *harness) waitFinal(id string, timeout time.Duration) (jobStatus, error) {
	return h.waitFinalEvery(id, timeout, 5*time.Millisecond)
}

// waitFinalEvery polls a job every interval until it ends.
func (h *harness) waitFinalEvery(id string, timeout, interval time.Duration) (jobStatus, error) {
	deadline := time.Now().Add(timeout)
	for {
		s, err := h.status(id)
		if err == nil && (s.Status == "succeeded" || s.Status == "failed" || s.Status == "canceled") {
			return s, nil
		}
		if time.Now().After(deadline) {
			return s, fmt.Errorf("job %s still %s after %s", id, s.Status, timeout)
		}
		time.Sleep(interval)
	}
}

var cardRE = regexp.MustCompile(`hx-get="(/jobs/[^"]+/card[^"]*)"`)

// cardURL signs in through the login form and reads the polling URL of a
// job's card from its page, as a browser would.
func (h *harness) cardURL(id string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.PostForm(h.baseURL+"/login", url.Values{"email": {"bench@example.com"}, "password": {"a-long-password"}})
	if err != nil {
		return "", err
	}
	res.Body.Close()
	res, err = c.Get(h.baseURL + "/jobs/" + id)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	m := cardRE.FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("no polling card on /jobs/%s (status %d)", id, res.StatusCode)
	}
	return strings.ReplaceAll(string(m[1]), "&amp;", "&"), nil
}

// rdb returns a client for the harness's Redis.
func (h *harness) rdb() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: h.redis.addr})
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// redisServer is a redis-server without persistence on a free port.
type redisServer struct {
	addr string
	dir  string
	cmd  *exec.Cmd
}

func startRedis(dir string) (*redisServer, error) {
	r := &redisServer{addr: freeAddr(), dir: dir}
	return r, r.start()
}

func (r *redisServer) url() string { return "redis://" + r.addr + "/0" }

func (r *redisServer) start() error {
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", r.dir, "--maxmemory-policy", "volatile-lru")
	if err := r.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server (run make deps): %w", err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.addr})
	defer c.Close()
	for i := 0; i < 500; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s did not answer", r.addr)
}

func (r *redisServer) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// chromeRSS estimates the memory of the Chrome processes started under dir
// (proc.Memory: Chrome's shared code counted once).
func chromeRSS(dir string) int64 { return proc.Memory(pidsMentioning(dir, "chrom")) }

// pidsMentioning lists the processes whose command line has both dir and what.
func pidsMentioning(dir, what string) []int {
	return proc.Find(func(cmdline []byte) bool {
		return bytes.Contains(cmdline, []byte(dir)) && bytes.Contains(cmdline, []byte(what))
	})
}
