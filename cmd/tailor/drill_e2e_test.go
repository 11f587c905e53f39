package main

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/tasks/taskstest"
)

// requireLitestream returns the litestream binary: on PATH, or where `go
// install github.com/benbjohnson/litestream/cmd/litestream@v0.5.18` (make
// deps) puts it.
func requireLitestream(t *testing.T) string {
	t.Helper()
	if binary == "" {
		t.Skip("needs the tailor binary: skipped with -short")
	}
	if bin, err := exec.LookPath("litestream"); err == nil {
		return bin
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	bin := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "litestream")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("litestream not found on PATH nor in $(go env GOPATH)/bin: run make deps")
	}
	return bin
}

// TestRestoreDrill replicates a real database with litestream to a file
// replica, then runs `tailor drill`: it passes while the replica keeps up,
// fails when the replica is behind or corrupted, and the web process
// exports the last outcome as tailor_restore_drill_* metrics.
func TestRestoreDrill(t *testing.T) {
	litestream := requireLitestream(t)
	a := startApp(t)
	replica := filepath.Join(a.tmp, "replica")
	config := filepath.Join(a.tmp, "litestream.yml")
	os.WriteFile(config, []byte("dbs:\n  - path: "+dbPathOf(a)+"\n    replica:\n      url: file://"+replica+"\n      sync-interval: 200ms\n"), 0o644)
	a.env = append(a.env, "LITESTREAM_CONFIG="+config, "PATH="+filepath.Dir(litestream)+":"+os.Getenv("PATH"))
	a.tailor("a-long-password\n", "user", "add", "--email", "ann@example.com", "--role", "admin")

	repl := exec.Command(litestream, "replicate", "-config", config)
	var replLogs bytes.Buffer
	repl.Stdout, repl.Stderr = &replLogs, &replLogs
	if err := repl.Start(); err != nil {
		t.Fatal(err)
	}
	stopReplication := func() {
		if repl.ProcessState == nil {
			repl.Process.Kill()
			repl.Wait()
		}
	}
	t.Cleanup(stopReplication)

	drill := func(env ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(binary, "drill")
		cmd.Env = append(append([]string{}, a.env...), env...)
		out, err := cmd.CombinedOutput()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}

	// Success: the replica catches up within its sync interval.
	var code int
	var out string
	for deadline := time.Now().Add(20 * time.Second); ; {
		if code, out = drill(); code == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if code != 0 || !strings.Contains(out, "Restore drill passed") || !strings.Contains(out, "integrity ok") {
		t.Fatalf("drill on a live replica: exit %d\n%s\nlitestream:\n%s", code, out, replLogs.String())
	}
	t.Logf("passing drill:\n%s", out)

	// Behind: replication stops, the live database goes on.
	stopReplication()
	time.Sleep(1500 * time.Millisecond)
	a.tailor("another-password\n", "user", "add", "--email", "bob@example.com", "--role", "recruiter")
	code, out = drill("DRILL_MAX_LAG=500ms")
	if code == 0 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "behind this database") {
		t.Fatalf("drill on a replica that stopped: exit %d\n%s", code, out)
	}
	t.Logf("failing drill (behind):\n%s", out)

	// The web process exports the last outcome.
	metricsAddr := taskstest.FreeAddr(t)
	a.env = append(a.env, "METRICS_ADDR="+metricsAddr)
	a.startMode("web")
	var res *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) { // the metrics stage starts beside the HTTP one
		if res, err = http.Get("http://" + metricsAddr + "/metrics"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	metrics := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if name, v, ok := strings.Cut(line, " "); ok && strings.HasPrefix(name, "tailor_restore_drill_") {
			metrics[name], _ = strconv.ParseFloat(v, 64)
		}
	}
	if metrics["tailor_restore_drill_result"] != 0 || metrics["tailor_restore_drill_lag_seconds"] < 1 ||
		metrics["tailor_restore_drill_last_success_timestamp_seconds"] < float64(time.Now().Add(-time.Minute).Unix()) ||
		metrics["tailor_restore_drill_last_run_timestamp_seconds"] < metrics["tailor_restore_drill_last_success_timestamp_seconds"] {
		t.Errorf("drill metrics after a failure that followed a success: %v", metrics)
	}
	a.stop()

	// Corrupted: every replica file overwritten in its middle.
	corrupted := 0
	filepath.WalkDir(replica, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		for i := len(b) / 4; i < len(b)*3/4; i++ {
			b[i] ^= 0xff
		}
		corrupted++
		return os.WriteFile(path, b, 0o644)
	})
	if corrupted == 0 {
		t.Fatalf("no replica file to corrupt in %s", replica)
	}
	code, out = drill()
	if code == 0 || !strings.Contains(out, "FAILED") {
		t.Fatalf("drill on a corrupted replica: exit %d\n%s", code, out)
	}
	t.Logf("failing drill (corrupted):\n%s", out)
}
