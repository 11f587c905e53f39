// Package deploy holds the production image's entrypoint and the tests of
// everything that deploys Tailor: the Dockerfile's rules, the entrypoint's
// boot decisions, and the whole stack stopped under load.
package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line    int    // where it starts, 1-based
	cmd     string // FROM, RUN, COPY... upper case
	args    string
	comment string // the comment lines just above it
}

type dockerfile struct {
	text  string
	instr []instruction
}

func parseDockerfile(text string) dockerfile {
	d := dockerfile{text: text}
	var cur *instruction
	var comment []string
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			if cur == nil {
				comment = append(comment, strings.TrimSpace(strings.TrimPrefix(line, "#")))
			}
			continue
		}
		if line == "" {
			if cur == nil {
				comment = comment[:0]
			}
			continue
		}
		if cur == nil {
			cmd, args, _ := strings.Cut(line, " ")
			cur = &instruction{line: i + 1, cmd: strings.ToUpper(cmd), comment: strings.Join(comment, " ")}
			comment = comment[:0]
			line = args
		}
		cont := strings.HasSuffix(line, `\`)
		cur.args += " " + strings.TrimSpace(strings.TrimSuffix(line, `\`))
		if !cont {
			cur.args = strings.TrimSpace(cur.args)
			d.instr = append(d.instr, *cur)
			cur = nil
		}
	}
	return d
}

// finalStage is the instructions from the last FROM on.
func (d dockerfile) finalStage() []instruction {
	last := 0
	for i, in := range d.instr {
		if in.cmd == "FROM" {
			last = i
		}
	}
	return d.instr[last:]
}

// aptPackages lists what the apt-get install commands name.
func (d dockerfile) aptPackages() []string {
	var pkgs []string
	for _, in := range d.instr {
		if in.cmd != "RUN" {
			continue
		}
		for _, part := range regexp.MustCompile(`&&|;`).Split(in.args, -1) {
			f := strings.Fields(part)
			for i := 0; i+1 < len(f); i++ {
				if strings.HasSuffix(f[i], "apt-get") && f[i+1] == "install" {
					for _, w := range f[i+2:] {
						if !strings.HasPrefix(w, "-") {
							pkgs = append(pkgs, w)
						}
					}
				}
			}
		}
	}
	return pkgs
}

// A rule returns what is wrong with a Dockerfile, or "".
type rule struct {
	name  string
	check func(d dockerfile, entrypoint string) []string
}

var pinnedTag = regexp.MustCompile(`^[^:@\s]+(:[^\s]*\d+\.\d+[^\s]*|@sha256:[0-9a-f]{64})$`)

var rules = []rule{
	{"base images pinned to a version, never latest", func(d dockerfile, _ string) (bad []string) {
		for _, in := range d.instr {
			if in.cmd != "FROM" {
				continue
			}
			image := strings.Fields(in.args)[0]
			if strings.Contains(image, ":latest") || !pinnedTag.MatchString(image) {
				bad = append(bad, "line "+itoa(in.line)+": FROM "+image+" is not pinned (want name:1.2.3-variant or @sha256:...)")
			}
		}
		return bad
	}},
	{"go install pinned to a version", func(d dockerfile, _ string) (bad []string) {
		for _, m := range regexp.MustCompile(`go install\s+(?:-\S+\s+)*(\S+)`).FindAllStringSubmatch(strings.Join(runArgs(d), "\n"), -1) {
			if _, v, ok := strings.Cut(m[1], "@"); !ok || v == "latest" {
				bad = append(bad, "go install "+m[1]+" is not pinned to a version")
			}
		}
		return bad
	}},
	{"apt-get: update and install in one RUN, -y --no-install-recommends, lists removed", func(d dockerfile, _ string) (bad []string) {
		for _, in := range d.instr {
			if in.cmd != "RUN" || !strings.Contains(in.args, "apt-get") {
				continue
			}
			where := "line " + itoa(in.line) + ": "
			if strings.Contains(in.args, "apt-get install") {
				for _, want := range []string{"apt-get update", "--no-install-recommends", "-y", "rm -rf /var/lib/apt/lists/*"} {
					if !strings.Contains(in.args, want) {
						bad = append(bad, where+"apt-get install without "+want)
					}
				}
			} else if strings.Contains(in.args, "apt-get update") {
				bad = append(bad, where+"apt-get update alone: its lists go stale in the cache; update and install in one RUN")
			}
		}
		return bad
	}},
	{"ADD only for local files", func(d dockerfile, _ string) (bad []string) {
		for _, in := range d.instr {
			if in.cmd == "ADD" {
				bad = append(bad, "line "+itoa(in.line)+": use COPY (ADD fetches URLs and unpacks archives)")
			}
		}
		return bad
	}},
	{"ENTRYPOINT and CMD in exec form, under an init", func(d dockerfile, _ string) (bad []string) {
		for _, in := range d.finalStage() {
			if (in.cmd == "ENTRYPOINT" || in.cmd == "CMD") && !strings.HasPrefix(in.args, "[") {
				bad = append(bad, "line "+itoa(in.line)+": "+in.cmd+" in shell form: SIGTERM would reach /bin/sh, not the app")
			}
			if in.cmd == "ENTRYPOINT" && !strings.Contains(in.args, "tini") {
				bad = append(bad, "line "+itoa(in.line)+": no init (tini) as PID 1 to forward signals and reap Chrome's children")
			}
		}
		return bad
	}},
	{"the app never runs as root", func(d dockerfile, entrypoint string) (bad []string) {
		user, userLine, entry := "root", instruction{}, false
		for _, in := range d.finalStage() {
			switch in.cmd {
			case "USER":
				user, userLine = strings.Fields(in.args)[0], in
			case "ENTRYPOINT":
				entry = true
				if user != "root" && user != "0" && !strings.HasPrefix(user, "0:") && !strings.HasPrefix(user, "root:") {
					return nil // USER non-root before ENTRYPOINT
				}
			}
		}
		if !entry {
			return []string{"no ENTRYPOINT"}
		}
		// Root at start is allowed only to fix a volume's owner, said in a
		// comment on the USER line, and dropped by the entrypoint (setpriv,
		// no capabilities) before anything else runs.
		if !strings.Contains(userLine.comment, "root at start") {
			bad = append(bad, "USER "+user+" before ENTRYPOINT: set a non-root USER, or say why (\"root at start, on purpose: ...\")")
		}
		drop := regexp.MustCompile(`exec setpriv --reuid=\S+ --regid=.+? --init-groups\s*\\?\s*--inh-caps=-all --bounding-set=-all`)
		loc := drop.FindStringIndex(entrypoint)
		if loc == nil {
			return append(bad, "the entrypoint does not drop root with setpriv (--reuid, --inh-caps=-all, --bounding-set=-all)")
		}
		if first := regexp.MustCompile(`(?m)^\s*(exec )?(tailor|litestream) `).FindStringIndex(entrypoint); first != nil && first[0] < loc[0] {
			bad = append(bad, "the entrypoint runs tailor or litestream before it drops root")
		}
		return bad
	}},
	{"files the app writes are COPY'd with --chown", func(d dockerfile, _ string) (bad []string) {
		for _, in := range d.finalStage() {
			if in.cmd != "COPY" {
				continue
			}
			f := strings.Fields(in.args)
			dest := f[len(f)-1]
			if (strings.HasPrefix(dest, "/data") || strings.HasPrefix(dest, "/home/")) && !strings.Contains(in.args, "--chown=") {
				bad = append(bad, "line "+itoa(in.line)+": COPY into "+dest+" without --chown")
			}
		}
		return bad
	}},
	{"HEALTHCHECK, or why not", func(d dockerfile, _ string) []string {
		for _, in := range d.finalStage() {
			if in.cmd == "HEALTHCHECK" {
				return nil
			}
		}
		if regexp.MustCompile(`(?m)^#\s*No HEALTHCHECK: \S+`).MatchString(d.text) {
			return nil
		}
		return []string{"no HEALTHCHECK and no \"# No HEALTHCHECK: <why>\" comment"}
	}},
}

func runArgs(d dockerfile) []string {
	var a []string
	for _, in := range d.instr {
		if in.cmd == "RUN" {
			a = append(a, in.args)
		}
	}
	return a
}

func itoa(n int) string { return strconv.Itoa(n) }

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDockerfileRules lints the repository's Dockerfile (hadolint-style
// rules, no Docker daemon needed).
func TestDockerfileRules(t *testing.T) {
	d := parseDockerfile(readRepoFile(t, "Dockerfile"))
	entrypoint := readRepoFile(t, "deploy/entrypoint.sh")
	if len(d.instr) < 10 {
		t.Fatalf("parsed %d instructions: the parser is broken", len(d.instr))
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, problem := range r.check(d, entrypoint) {
				t.Error(problem)
			}
		})
	}
	t.Run("the image carries the entrypoint, Litestream's config and the fonts", func(t *testing.T) {
		for _, want := range []string{"deploy/entrypoint.sh", "litestream.yml", "/usr/local/bin/tailor-entrypoint"} {
			if !strings.Contains(d.text, want) {
				t.Errorf("the Dockerfile does not mention %s", want)
			}
		}
		pkgs := d.aptPackages()
		for _, want := range []string{"chromium-headless-shell", "tini", "fonts-noto-cjk", "fonts-noto-color-emoji"} {
			if !slices.Contains(pkgs, want) {
				t.Errorf("apt packages %v lack %s", pkgs, want)
			}
		}
	})
}

// TestDockerfileRulesCatchMistakes: each rule fails on a Dockerfile that
// breaks it, so a rule that passes everything cannot hide.
func TestDockerfileRulesCatchMistakes(t *testing.T) {
	bad := parseDockerfile(`FROM golang:latest AS build
RUN go install example.com/tool@latest
FROM debian
RUN apt-get update
RUN apt-get install chromium
ADD https://example.com/x.tgz /opt/
COPY config.json /data/config.json
USER root
ENTRYPOINT /usr/local/bin/app serve
`)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			if problems := r.check(bad, "#!/bin/sh\nexec tailor serve\n"); len(problems) == 0 {
				t.Errorf("rule %q passed a Dockerfile that breaks it", r.name)
			}
		})
	}
	if got, want := bad.aptPackages(), []string{"chromium"}; !slices.Equal(got, want) {
		t.Errorf("aptPackages = %v, want %v", got, want)
	}
}

// TestDockerfileAptPackagesResolve: every package the image installs exists
// in this machine's Debian (the image's release, bookworm).
func TestDockerfileAptPackagesResolve(t *testing.T) {
	if _, err := exec.LookPath("apt-cache"); err != nil {
		t.Skip("apt-cache is not available here (not Debian): cannot resolve the image's apt packages")
	}
	if out, _ := os.ReadFile("/etc/os-release"); !bytes.Contains(out, []byte("bookworm")) {
		t.Logf("this machine is not Debian bookworm, the image's release: names are checked against %s", strings.SplitN(string(out), "\n", 2)[0])
	}
	if lists, _ := filepath.Glob("/var/lib/apt/lists/*Packages*"); len(lists) == 0 {
		t.Skip("apt has no package lists yet (run apt-get update): cannot resolve the image's apt packages")
	}
	pkgs := parseDockerfile(readRepoFile(t, "Dockerfile")).aptPackages()
	if len(pkgs) == 0 {
		t.Fatal("found no apt packages in the Dockerfile")
	}
	// One apt-cache for all: it prints a stanza per package it knows.
	out, err := exec.Command("apt-cache", append([]string{"show", "--no-all-versions"}, pkgs...)...).CombinedOutput()
	for _, p := range pkgs {
		if !bytes.Contains(out, []byte("Package: "+p+"\n")) {
			t.Errorf("apt package %q does not resolve (apt-cache: %v)", p, err)
		}
	}
}

// TestFlyLayout: fly.toml keeps one writer (the web group alone has the
// volume and the HTTP service; no release command, no second-Machine deploy
// strategy), the workers their own VM, and metrics off the public network.
func TestFlyLayout(t *testing.T) {
	fly := readRepoFile(t, "fly.toml")
	autoscaler := readRepoFile(t, "deploy/autoscaler/fly.toml")
	section := func(doc, header string) string {
		i := strings.Index(doc, header+"\n")
		if i < 0 {
			t.Fatalf("no %s section", header)
		}
		rest := doc[i+len(header)+1:]
		if j := regexp.MustCompile(`(?m)^\[`).FindStringIndex(rest); j != nil {
			rest = rest[:j[0]]
		}
		return rest
	}
	must := func(what, doc, pattern string) {
		t.Helper()
		if !regexp.MustCompile(pattern).MatchString(doc) {
			t.Errorf("%s: want %s", what, pattern)
		}
	}
	if regexp.MustCompile(`(?m)^\s*release_command`).MatchString(fly) {
		t.Error("fly.toml has a release_command: a second writer without the volume")
	}
	if regexp.MustCompile(`strategy\s*=\s*"(bluegreen|canary)"`).MatchString(fly) {
		t.Error("a bluegreen or canary deploy starts a second web Machine: a second writer")
	}
	must("processes", section(fly, "[processes]"), `(?m)^\s*web = "web"\s*$`)
	must("processes", section(fly, "[processes]"), `(?m)^\s*worker = "worker"\s*$`)
	must("the volume", section(fly, "[[mounts]]"), `processes = \["web"\]`)
	must("the HTTP service", section(fly, "[http_service]"), `processes = \["web"\]`)
	must("the HTTP service", section(fly, "[http_service]"), `auto_stop_machines = "off"`)
	must("the routing check", section(fly, "[[http_service.checks]]"), `path = "/healthz"`)
	must("the readiness check", section(fly, "[checks.readyz]"), `path = "/readyz"`)
	must("the env", section(fly, "[env]"), `LITESTREAM = "on"`)
	must("the env", section(fly, "[env]"), `METRICS_ADDR = "fly-local-6pn:9091"`)
	must("the worker VM", fly, `\[\[vm\]\]\s+processes = \["worker"\]\s+size = "[^"]+"\s+memory = "2gb"`)
	if regexp.MustCompile(`internal_port = 9091`).MatchString(fly) {
		t.Error("port 9091 (metrics, pprof) is exposed by a service")
	}
	must("the autoscaler", autoscaler, `FAS_APP_NAME = "tailor"`)
	must("the autoscaler", autoscaler, `FAS_PROCESS_GROUP = "worker"`)
	must("the autoscaler", autoscaler, `FAS_PROMETHEUS_QUERY = ".*tailor_queue_size\{.*state=~\\"pending\|active\\"`)
	metrics := readRepoFile(t, "tasks/metrics.go")
	must("the metric the autoscaler reads", metrics, `"tailor_queue_size",\s+"[^"]*",\s+\[\]string\{"queue", "state"\}`)
	must("the autoscaler's bounds", autoscaler, `FAS_STARTED_MACHINE_COUNT = "min\(max\(ceil\(queued / \d+\), 1\), \d+\)"`)
}
