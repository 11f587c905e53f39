// Package proc reads Linux's /proc: which processes have a command line,
// and how much memory a group of them holds. The PDF pool uses it to find
// and stop its Chrome and to watch Chrome's memory; the bench and the tests
// watch the same processes from outside.
package proc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Find returns the pids of the processes, other than this one, whose
// command line match accepts (see Cmdline).
func Find(match func(cmdline []byte) bool) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cmdline := Cmdline(pid); cmdline != nil && match(cmdline) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Cmdline returns a process's command line, nil if it is gone: arguments
// end with a NUL byte, or are separated by spaces in a process that
// rewrote its argv (Chrome's children do).
func Cmdline(pid int) []byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return nil
	}
	return b
}

// HasArg reports whether cmdline holds arg as a whole argument: followed
// by a NUL, a space or nothing.
func HasArg(cmdline []byte, arg string) bool {
	want := []byte(arg)
	for {
		i := bytes.Index(cmdline, want)
		if i < 0 {
			return false
		}
		rest := cmdline[i+len(want):]
		if len(rest) == 0 || rest[0] == 0 || rest[0] == ' ' {
			return true
		}
		cmdline = rest
	}
}

// Tree returns pid and its descendants, found through
// /proc/PID/task/*/children (no scan of every process).
func Tree(pid int) []int {
	var out []int
	seen := map[int]bool{}
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(p) + "/task")
		for _, t := range tasks {
			children, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/task/" + t.Name() + "/children")
			for _, c := range strings.Fields(string(children)) {
				if n, err := strconv.Atoi(c); err == nil {
					queue = append(queue, n)
				}
			}
		}
	}
	return out
}

// Memory estimates the resident memory of pids, in bytes: every process's
// private pages plus the largest shared set once (Chrome's processes share
// most of their code, so a plain sum of RSS counts it many times). It reads
// statm, which needs no lock on the processes' memory.
func Memory(pids []int) int64 {
	var private, shared int64
	for _, pid := range pids {
		resident, sh, ok := statm(pid)
		if ok {
			private += resident - sh
			shared = max(shared, sh)
		}
	}
	return private + shared
}

// RSS returns a process's resident memory in bytes (VmRSS), 0 if it is gone.
func RSS(pid int) int64 {
	resident, _, _ := statm(pid)
	return resident
}

// statm reads a process's resident and shared memory, in bytes.
func statm(pid int) (resident, shared int64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0, 0, false
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0, 0, false
	}
	page := int64(os.Getpagesize())
	resident, _ = strconv.ParseInt(f[1], 10, 64)
	shared, _ = strconv.ParseInt(f[2], 10, 64)
	return resident * page, shared * page, true
}

// CPU returns the processor time pids have used (user + system, their
// threads included; children not waited for excluded), in seconds; the
// bench divides a drain's wall time between Tailor, Chrome and Redis with it.
func CPU(pids []int) float64 {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// The command name, field 2, may hold spaces: count fields after its ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += utime + stime
	}
	return float64(ticks) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Tailor runs on.
const clockTicks = 100
