package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestShutdownBudgetFits: Litestream waits longer than Tailor's whole
// shutdown plus its own last sync before it kills Tailor, and Fly waits
// longer than Litestream before it kills the Machine (issue 16, item 3).
// The README's sum is the same figure.
func TestShutdownBudgetFits(t *testing.T) {
	root := repoRoot(t)
	budget := shutdownBudget()
	ls := readFile(t, filepath.Join(root, "litestream.yml"))
	lsTimeout := yamlDuration(t, ls, "shutdown-timeout")
	syncTimeout := yamlDuration(t, ls, "shutdown-sync-timeout")
	kill := flyKillTimeout(t, readFile(t, filepath.Join(root, "fly.toml")))
	t.Logf("tailor %s + last sync %s < litestream shutdown-timeout %s < fly kill_timeout %s", budget, syncTimeout, lsTimeout, kill)
	if budget+syncTimeout >= lsTimeout {
		t.Errorf("litestream.yml shutdown-timeout %s: Litestream would kill Tailor (budget %s) or cut its last sync (%s)", lsTimeout, budget, syncTimeout)
	}
	if lsTimeout >= kill {
		t.Errorf("fly.toml kill_timeout %s is not above Litestream's shutdown-timeout %s", kill, lsTimeout)
	}
	readme := readFile(t, filepath.Join(root, "README.md"))
	if want := fmt.Sprintf("= %d s", int(budget.Seconds())); !strings.Contains(readme, want) {
		t.Errorf("README's shutdown budget does not add up to %s (%q): update its table", budget, want)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// yamlDuration reads a top-level "key: 90s" line.
func yamlDuration(t *testing.T, doc, key string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `:\s*(\S+)`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("litestream.yml sets no %s: Litestream's default applies (30 s, shorter than Tailor's shutdown)", key)
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return d
}

// flyKillTimeout reads kill_timeout: seconds, or a duration string.
func flyKillTimeout(t *testing.T, doc string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`(?m)^kill_timeout\s*=\s*"?([0-9a-z]+)"?`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("fly.toml sets no kill_timeout: Fly's default (5 s) kills Tailor mid-shutdown")
	}
	if n, err := strconv.Atoi(m[1]); err == nil {
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatalf("kill_timeout: %v", err)
	}
	return d
}
