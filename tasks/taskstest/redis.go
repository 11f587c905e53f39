// Package taskstest starts the real services that tests of the pipeline
// need: a redis-server on a free loopback port.
package taskstest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a redis-server process owned by one test.
type Redis struct {
	Addr string
	URL  string
	cmd  *exec.Cmd
	dir  string
	port int
}

// StartRedis starts redis-server on a free port and stops it when the test
// ends. It fails the test if redis-server is missing: `make deps` installs it.
// With -short it skips the test: the fast tier runs without redis-server.
func StartRedis(tb testing.TB) *Redis {
	tb.Helper()
	if testing.Short() {
		tb.Skip("needs redis-server: skipped with -short")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("redis-server not found on PATH (run `make deps`): %v", err)
	}
	r := &Redis{dir: tb.TempDir()}
	r.port = freePort(tb)
	r.Addr = "127.0.0.1:" + strconv.Itoa(r.port)
	r.URL = "redis://" + r.Addr + "/0"
	r.start(tb, bin)
	tb.Cleanup(func() { r.Stop() })
	return r
}

func (r *Redis) start(tb testing.TB, bin string) {
	tb.Helper()
	r.cmd = exec.Command(bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--protected-mode", "no",
		"--maxmemory-policy", "volatile-lru")
	if err := r.cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := rdb.Ping(context.Background()).Err(); err == nil {
			return
		} else if time.Now().After(deadline) {
			tb.Fatalf("redis-server on %s did not answer: %v", r.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server.
func (r *Redis) Stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
		r.cmd = nil
	}
}

// Client returns a go-redis client closed at the end of the test.
func (r *Redis) Client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	tb.Cleanup(func() { c.Close() })
	return c
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FreeAddr returns a loopback address nobody listens on right now.
func FreeAddr(tb testing.TB) string {
	return fmt.Sprintf("127.0.0.1:%d", freePort(tb))
}

// RequireTool fails the test when a command the test needs is missing. With
// -short it skips the test: the fast tier needs no external tool.
func RequireTool(tb testing.TB, name string) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("needs " + name + ": skipped with -short")
	}
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Fatalf("%s not found on PATH (run `make deps`)", name)
	}
	return p
}
