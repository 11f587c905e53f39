// Package stack runs Tailor the way the production image does, on this
// machine: deploy/entrypoint.sh, Litestream replicating to a file replica,
// `tailor serve`, a real redis-server. The deploy tests and `make drill`
// drive it: load, SIGTERM, kill -9, restore, and checks of the replica.
package stack

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3" // the restored copy is read with SQLite itself

	"github.com/tailor-app/tailor/resume"
)

// LitestreamVersion is the Litestream the image builds and the drill installs.
const LitestreamVersion = "v0.5.18"

// ErrNoLitestream is returned by Prepare when no litestream binary is found.
var ErrNoLitestream = errors.New("litestream is not installed (make drill installs " + LitestreamVersion + "; or: go install github.com/benbjohnson/litestream/cmd/litestream@" + LitestreamVersion + ")")

// FindLitestream returns the litestream binary on PATH or in GOBIN/GOPATH's bin.
func FindLitestream() (string, error) {
	if p, err := exec.LookPath("litestream"); err == nil {
		return p, nil
	}
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(goEnv("GOPATH"), "bin")} {
		if p := filepath.Join(dir, "litestream"); dir != "" && isExecutable(p) {
			return p, nil
		}
	}
	return "", ErrNoLitestream
}

func goEnv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	out, _ := exec.Command("go", "env", name).Output()
	return strings.TrimSpace(string(out))
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Stack is one deployment on this machine: a volume (Dir/data), a file
// replica (Dir/replica), the binaries (Dir/bin) and the processes.
type Stack struct {
	Repo    string // the repository: deploy/entrypoint.sh and litestream.yml
	Dir     string
	Redis   *Redis
	Addr    string   // tailor's HTTP address
	Env     []string // extra environment of every start
	Token   string   // API token of the drill user, after Setup
	Cand    string   // candidate id, after Setup
	Command []string // the boot command; default: sh deploy/entrypoint.sh serve

	client *http.Client
	cmd    *exec.Cmd
	done   chan struct{}
	logs   lockedBuffer
}

// Build builds the tailor binary at out.
func Build(ctx context.Context, repo, out string) error {
	build := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/tailor")
	build.Dir = repo
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build tailor: %v\n%s", err, b)
	}
	return nil
}

// Prepare links tailor (built by Build) and litestream into dir/bin and
// starts a redis-server. Close stops it.
func Prepare(repo, dir, tailor string) (*Stack, error) {
	ls, err := FindLitestream()
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("redis-server is not installed (make deps): %w", err)
	}
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, err
	}
	for name, target := range map[string]string{"tailor": tailor, "litestream": ls} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			return nil, err
		}
	}
	s := &Stack{Repo: repo, Dir: dir, Addr: FreeAddr(), client: &http.Client{Timeout: 10 * time.Second}}
	if s.Redis, err = StartRedis(dir); err != nil {
		return nil, err
	}
	return s, nil
}

// DatabasePath is the database on the volume.
func (s *Stack) DatabasePath() string { return filepath.Join(s.Dir, "data", "tailor.db") }

// ReplicaURL is the file replica.
func (s *Stack) ReplicaURL() string { return "file://" + filepath.Join(s.Dir, "replica") }

// env is the environment of every process of the stack.
func (s *Stack) env() []string {
	return append([]string{
		"PATH=" + filepath.Join(s.Dir, "bin") + ":" + os.Getenv("PATH"),
		"HOME=" + s.Dir,
		"TMPDIR=" + s.Dir,
		"DATABASE_PATH=" + s.DatabasePath(),
		"LITESTREAM_REPLICA_URL=" + s.ReplicaURL(),
		"LITESTREAM_CONFIG=" + filepath.Join(s.Repo, "litestream.yml"),
		"REDIS_URL=" + s.Redis.URL(),
		"ADDR=" + s.Addr,
		"METRICS_ADDR=off",
		"LLM_RATE_PER_MINUTE=1000000",
		"API_RATE_PER_MINUTE=1000000000",
		"LOG_LEVEL=warn",
	}, s.Env...)
}

// Start boots the stack on its volume and waits until /healthz answers.
func (s *Stack) Start(ctx context.Context, extraEnv ...string) error {
	args := s.Command
	if len(args) == 0 {
		args = []string{"sh", filepath.Join(s.Repo, "deploy", "entrypoint.sh"), "serve"}
	}
	s.logs.Reset()
	s.cmd = exec.Command(args[0], args[1:]...)
	s.cmd.Env = append(s.env(), extraEnv...)
	s.cmd.Stdout, s.cmd.Stderr = &s.logs, &s.logs
	// A process group of its own: kill -9 takes Litestream and Tailor at once,
	// as a crashed Machine would.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := s.client.Get("http://" + s.Addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("the stack exited at boot (%v):\n%s", s.cmd.ProcessState, s.logs.String())
		case <-ctx.Done():
			s.Kill()
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("the stack did not answer /healthz in 60 s:\n%s", s.logs.String())
		}
	}
}

// Logs is what the stack printed since its last start.
func (s *Stack) Logs() string { return s.logs.String() }

// Kill is a crash: SIGKILL to Litestream, Tailor and everything they started.
func (s *Stack) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	// Chrome runs in a process group of its own and dies with tailor
	// (Pdeathsig); give it a moment to release the profile folder.
	time.Sleep(50 * time.Millisecond)
}

// Stop sends sig to the boot process (Litestream, after the entrypoint's
// exec), as tini does on Fly, and waits up to timeout for the exit.
func (s *Stack) Stop(sig syscall.Signal, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
		if !s.cmd.ProcessState.Success() {
			return time.Since(start), fmt.Errorf("exit %v after %s:\n%s", s.cmd.ProcessState, sig, s.logs.String())
		}
		return time.Since(start), nil
	case <-time.After(timeout):
		s.Kill()
		return time.Since(start), fmt.Errorf("no exit within %s of %s", timeout, sig)
	}
}

// Exited reports whether the boot process has ended.
func (s *Stack) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Close kills what runs and stops Redis.
func (s *Stack) Close() {
	if s.cmd != nil && !s.Exited() {
		s.Kill()
	}
	if s.Redis != nil {
		s.Redis.Stop()
	}
}

// CLI runs a tailor subcommand with the stack's environment (LITESTREAM=on,
// as fly.toml sets it for `fly ssh console`).
func (s *Stack) CLI(stdin string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(s.Dir, "bin", "tailor"), args...)
	cmd.Env = append(s.env(), "LITESTREAM=on")
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("tailor %v: %v: %s", args, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

// Setup creates the drill's user, its token and one candidate; the stack
// must be running.
func (s *Stack) Setup() error {
	if _, err := s.CLI("a-long-password\n", "user", "add", "--email", "drill@example.com", "--role", "admin"); err != nil {
		return err
	}
	token, err := s.CLI("", "token", "create", "--email", "drill@example.com")
	if err != nil {
		return err
	}
	s.Token = token
	body, _ := json.Marshal(resume.Sample())
	b, err := s.api("POST", "/api/candidates", body)
	if err != nil {
		return err
	}
	var out struct{ ID string }
	if err := json.Unmarshal(b, &out); err != nil {
		return err
	}
	s.Cand = out.ID
	return nil
}

func (s *Stack) api(method, path string, body []byte) ([]byte, error) {
	return APIClient{BaseURL: "http://" + s.Addr, Token: s.Token, HTTP: s.client}.Do(method, path, body)
}

// Submit starts a job; a returned id is an acknowledged job (202).
func (s *Stack) Submit(jobDescription string) (string, error) {
	return APIClient{BaseURL: "http://" + s.Addr, Token: s.Token, HTTP: s.client}.Submit(s.Cand, jobDescription)
}

// Ack is an acknowledged job and when the 202 came.
type Ack struct {
	ID string
	At time.Time
}

// Load submits jobs from n clients until ctx is done and returns the
// acknowledged ones, in order. Failures (the stack being killed) are not
// acknowledged and not counted.
func (s *Stack) Load(ctx context.Context, n int) []Ack {
	var mu sync.Mutex
	var acks []Ack
	var wg sync.WaitGroup
	for c := range n {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				id, err := s.Submit(fmt.Sprintf("Senior Go engineer %d-%d: Go, SQLite, Redis, distributed systems, on-call.", c, i))
				if err != nil {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				mu.Lock()
				acks = append(acks, Ack{id, time.Now()})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return acks
}

// Restore restores the replica's latest state into out with Litestream's
// full integrity check, and returns how long it took.
func (s *Stack) Restore(ctx context.Context, out string, extra ...string) (time.Duration, error) {
	start := time.Now()
	args := append([]string{"restore", "-integrity-check", "full"}, extra...)
	args = append(args, "-o", out, s.ReplicaURL())
	cmd := exec.CommandContext(ctx, filepath.Join(s.Dir, "bin", "litestream"), args...)
	cmd.Env = s.env()
	if b, err := cmd.CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		return time.Since(start), fmt.Errorf("litestream restore: %v: %s", err, lines[len(lines)-1])
	}
	return time.Since(start), nil
}

// Check opens a database copy read-only and returns SQLite's integrity
// check ("ok" when sound) and which of ids have no job row.
func Check(path string, ids []string) (integrity string, missing []string, err error) {
	d, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return "", nil, err
	}
	defer d.Close()
	rows, err := d.Query("PRAGMA integrity_check")
	if err != nil {
		return "", nil, err
	}
	var msgs []string
	for rows.Next() {
		var m string
		rows.Scan(&m)
		msgs = append(msgs, m)
	}
	rows.Close()
	integrity = strings.Join(msgs, "; ")
	have := map[string]bool{}
	rows, err = d.Query("SELECT id FROM jobs")
	if err != nil {
		return integrity, nil, fmt.Errorf("read jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		rows.Scan(&id)
		have[id] = true
	}
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return integrity, missing, rows.Err()
}

// IDs lists the acknowledged ids.
func IDs(acks []Ack) []string {
	ids := make([]string, len(acks))
	for i, a := range acks {
		ids[i] = a.ID
	}
	return ids
}

// Redis is a redis-server without persistence on a free port: it survives
// the stack's crashes, as a managed Redis would.
type Redis struct {
	addr string
	cmd  *exec.Cmd
}

// StartRedis starts one, its files in dir.
func StartRedis(dir string) (*Redis, error) {
	r := &Redis{addr: FreeAddr()}
	_, port, _ := net.SplitHostPort(r.addr)
	r.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", dir, "--maxmemory-policy", "volatile-lru")
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	for range 500 {
		if c, err := net.Dial("tcp", r.addr); err == nil {
			c.Close()
			return r, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.Stop()
	return nil, fmt.Errorf("redis-server on %s did not answer", r.addr)
}

// URL is its redis:// URL.
func (r *Redis) URL() string { return "redis://" + r.addr + "/0" }

// Stop kills it.
func (r *Redis) Stop() {
	if r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}
