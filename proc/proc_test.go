package proc

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

func TestHasArg(t *testing.T) {
	tests := []struct {
		cmdline, arg string
		want         bool
	}{
		{"chrome\x00--user-data-dir=/tmp/a\x00--headless\x00", "--user-data-dir=/tmp/a", true},
		{"chrome\x00--user-data-dir=/tmp/ab\x00", "--user-data-dir=/tmp/a", false},
		{"chrome --type=renderer --user-data-dir=/tmp/a --lang=en", "--user-data-dir=/tmp/a", true}, // a rewritten argv
		{"chrome\x00--user-data-dir=/tmp/ab\x00--user-data-dir=/tmp/a", "--user-data-dir=/tmp/a", true},
		{"", "--user-data-dir=/tmp/a", false},
	}
	for _, tt := range tests {
		if got := HasArg([]byte(tt.cmdline), tt.arg); got != tt.want {
			t.Errorf("HasArg(%q, %q) = %v, want %v", tt.cmdline, tt.arg, got, tt.want)
		}
	}
}

func TestFindTreeAndMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		t.Skip("no /proc")
	}
	// A shell with a child, both marked by an argument no other process has.
	marker := "proc-test-" + t.Name()
	cmd := exec.Command("sh", "-c", "sleep 30 & wait", marker)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// The shell's child has the shell's command line until it runs sleep.
	var tree []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if tree = Tree(cmd.Process.Pid); len(tree) == 2 && HasArg(Cmdline(tree[1]), "30") {
			break
		}
	}
	if len(tree) != 2 || tree[0] != cmd.Process.Pid {
		t.Fatalf("Tree = %v, want the shell and its sleep", tree)
	}
	// A forked child keeps the marker until it execs: wait that out too.
	var found []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if found = Find(func(c []byte) bool { return HasArg(c, marker) }); slices.Equal(found, []int{cmd.Process.Pid}) {
			break
		}
	}
	if !slices.Equal(found, []int{cmd.Process.Pid}) {
		t.Errorf("Find = %v, want [%d]", found, cmd.Process.Pid)
	}
	if Find(func(c []byte) bool { return HasArg(c, os.Args[0]) }) != nil {
		t.Error("Find returned this process")
	}
	if rss := RSS(tree[1]); rss <= 0 {
		t.Errorf("RSS of sleep = %d", rss)
	}
	if m, sum := Memory(tree), RSS(tree[0])+RSS(tree[1]); m <= 0 || m > sum {
		t.Errorf("Memory = %d, want more than 0 and at most the sum of RSS %d", m, sum)
	}
	if RSS(1<<30) != 0 || Memory([]int{1 << 30}) != 0 {
		t.Error("a missing process has memory")
	}
}

func TestCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	// A busy child (no sleep) for a moment, then its processor time.
	cmd := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var got float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && got < 0.05; time.Sleep(20 * time.Millisecond) {
		got = CPU([]int{cmd.Process.Pid})
	}
	if got < 0.05 {
		t.Errorf("CPU of a busy shell = %.2f s, want >= 0.05", got)
	}
	if gone := CPU([]int{1 << 30}); gone != 0 {
		t.Errorf("CPU of a missing pid = %v, want 0", gone)
	}
}
