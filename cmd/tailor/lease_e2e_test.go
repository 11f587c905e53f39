package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// runToExit runs `tailor <mode>` with env and waits for it to exit on its
// own; it returns the exit code and what it logged.
func runToExit(t *testing.T, env []string, within time.Duration, mode string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, mode)
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stderr, cmd.Stdout = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), logs.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, logs.String()
	case <-time.After(within):
		cmd.Process.Kill()
		<-done
		t.Fatalf("tailor %s still runs after %s:\n%s", mode, within, logs.String())
		return 0, ""
	}
}

// waitExit waits for a started app to exit on its own and returns its
// exit code.
func (a *app) waitExit(within time.Duration) int {
	a.t.Helper()
	select {
	case err := <-a.exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		if err != nil {
			a.t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		a.t.Fatalf("tailor still runs after %s", within)
		return 0
	}
}

// A second web process with the same database refuses to become its
// writer, says why and exits non-zero (issue 16, item 4); once the first
// stops, the next start takes the lease with a higher fence.
func TestSecondWriterRefusesToStart(t *testing.T) {
	t.Parallel()
	redisSrv := taskstest.StartRedis(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "WRITER_LEASE=on", "WRITER_LEASE_TTL=2s")
	a.startMode("web")

	// The same file, as a clone of the Machine or a second volume restored
	// from the replica would have it (same identity).
	second := append(append([]string{}, a.env...), "ADDR=127.0.0.1:0", "METRICS_ADDR=off")
	start := time.Now()
	code, logs := runToExit(t, second, 30*time.Second, "web")
	if code == 0 {
		t.Fatalf("second writer exited 0:\n%s", logs)
	}
	for _, want := range []string{"refusing to start", "is the writer of this database", "host="} {
		if !strings.Contains(logs, want) {
			t.Errorf("second writer's message lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "listening on") {
		t.Errorf("second writer served before refusing:\n%s", logs)
	}
	t.Logf("second writer refused after %s (waited for a TTL of 2 s)", time.Since(start).Round(100*time.Millisecond))
	// Migrations are writes too: a release_command's `tailor migrate` refuses as well.
	if code, logs := runToExit(t, second, 30*time.Second, "migrate"); code == 0 || !strings.Contains(logs, "is the writer of this database") {
		t.Errorf("tailor migrate beside the writer: exit %d\n%s", code, logs)
	}

	a.stop() // releases the lease: the next writer need not wait
	d, err := db.Open(dbPathOf(a))
	if err != nil {
		t.Fatal(err)
	}
	first, err := d.Settings.WriterFence(context.Background())
	d.Close()
	if err != nil || first.Token < 1 {
		t.Fatalf("fence after the first writer: %+v %v", first, err)
	}
	b := startApp(t, "REDIS_URL="+redisSrv.URL, "WRITER_LEASE=on", "WRITER_LEASE_TTL=2s", "DATABASE_PATH="+dbPathOf(a))
	begin := time.Now()
	b.startMode("web")
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("the next writer waited %s for a released lease", took)
	}
	b.stop()
	// With no writer running, tailor migrate takes the lease and gives it back.
	if code, logs := runToExit(t, b.env, 30*time.Second, "migrate"); code != 0 || !strings.Contains(logs, "migration(s) applied") {
		t.Errorf("tailor migrate with no writer: exit %d\n%s", code, logs)
	}
	d, _ = db.Open(dbPathOf(a))
	defer d.Close()
	if next, _ := d.Settings.WriterFence(context.Background()); next.Token != first.Token+2 {
		t.Errorf("fence %d after %d and two more writers (web, migrate), want %d", next.Token, first.Token, first.Token+2)
	}
}

// A writer whose lease is gone (Redis flushed it, or another holder took
// it) stops writing and exits non-zero, so the platform restarts it.
func TestLostLeaseStopsTheWriter(t *testing.T) {
	t.Parallel()
	redisSrv := taskstest.StartRedis(t)
	a := startApp(t, "REDIS_URL="+redisSrv.URL, "WRITER_LEASE=on", "WRITER_LEASE_TTL=1s")
	a.startMode("web")
	rdb := redisSrv.Client(t)
	keys, err := rdb.Keys(context.Background(), "tailor:writer:*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("lease keys %v %v, want the lease and its fence", keys, err)
	}
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if code := a.waitExit(10 * time.Second); code == 0 {
		t.Errorf("writer exited 0 after losing its lease")
	}
	if logs := a.logs.String(); !strings.Contains(logs, "writer lease lost") || !strings.Contains(logs, "stopped writing") {
		t.Errorf("logs do not say the lease was lost:\n%s", logs)
	}
}

func dbPathOf(a *app) string {
	for i := len(a.env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(a.env[i], "DATABASE_PATH="); ok {
			return v
		}
	}
	return ""
}
