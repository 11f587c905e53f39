package deploy

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tailor-app/tailor/deploy/stack"
)

// runEntrypoint runs deploy/entrypoint.sh with a stand-in tailor that
// prints its arguments and LITESTREAM, and returns the output and the exit.
func runEntrypoint(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	bin := t.TempDir()
	fake := "#!/bin/sh\necho \"RAN tailor $* LITESTREAM=${LITESTREAM:-}\"\n"
	if err := os.WriteFile(filepath.Join(bin, "tailor"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", append([]string{"entrypoint.sh"}, args...)...)
	cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "DATABASE_PATH=" + filepath.Join(t.TempDir(), "tailor.db"),
		"TAILOR_USER=no-such-user-here"}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestEntrypointRefuses: the boots that could start a second writer or an
// unreplicated one stop with a reason; the others run tailor as asked.
func TestEntrypointRefuses(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		args    []string
		refused string // in the message; "" = runs
		ran     string // in tailor's output when it runs
	}{
		{"a Fly release command", []string{"RELEASE_COMMAND=1", "LITESTREAM_REPLICA_URL=file:///x"}, []string{"web"}, "release_command", ""},
		{"the release command's process group", []string{"FLY_PROCESS_GROUP=fly_app_release_command", "LITESTREAM_REPLICA_URL=file:///x"}, []string{"web"}, "release_command", ""},
		{"a worker is a release command too", []string{"RELEASE_COMMAND=1"}, []string{"worker"}, "release_command", ""},
		{"the web group without a replica", nil, []string{"web"}, "no replica configured", ""},
		{"serve without a replica", nil, nil, "no replica configured", ""},
		{"LITESTREAM neither on nor off", []string{"LITESTREAM=maybe", "LITESTREAM_REPLICA_URL=file:///x"}, []string{"web"}, "must be on or off", ""},
		{"an admin command through the entrypoint", []string{"LITESTREAM_REPLICA_URL=file:///x"}, []string{"user", "add"}, "fly ssh console", ""},
		{"LITESTREAM=off runs unreplicated, knowingly", []string{"LITESTREAM=off"}, []string{"web"}, "", "tailor web LITESTREAM=off"},
		{"a worker needs no replica", nil, []string{"worker"}, "", "tailor worker LITESTREAM="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runEntrypoint(t, tt.env, tt.args...)
			if tt.refused != "" {
				if err == nil || !strings.Contains(out, tt.refused) || strings.Contains(out, "RAN tailor") {
					t.Fatalf("want a refusal saying %q, got err %v:\n%s", tt.refused, err, out)
				}
				return
			}
			if err != nil || !strings.Contains(out, tt.ran) {
				t.Fatalf("want %q, got err %v:\n%s", tt.ran, err, out)
			}
		})
	}
}

// tailorBin is the tailor binary TestMain builds for the stack tests, so
// the build's time counts against no test; "" when they cannot run.
var tailorBin string

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if testing.Short() {
			return m.Run()
		}
		if _, err := stack.FindLitestream(); err != nil {
			return m.Run() // the stack tests skip and say why
		}
		dir, err := os.MkdirTemp("", "tailor-deploy-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		repo, _ := filepath.Abs("..")
		tailorBin = filepath.Join(dir, "tailor")
		if err := stack.Build(context.Background(), repo, tailorBin); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// newStack prepares the real stack, or skips when Litestream cannot exist
// here (make deps installs it; `go test -short` skips these).
func newStack(t *testing.T) *stack.Stack {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the whole stack (Litestream, redis-server, tailor, Chrome) is not started")
	}
	if _, err := stack.FindLitestream(); err != nil {
		t.Skip(err.Error())
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	s, err := stack.Prepare(repo, t.TempDir(), tailorBin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestEntrypointBoots: an empty volume starts empty, then is restored from
// the replica; a volume behind its replica stops the boot until an operator
// says which copy wins.
func TestEntrypointBoots(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	stop := func() {
		t.Helper()
		if _, err := s.Stop(syscall.SIGTERM, 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}

	must(s.Start(ctx)) // empty volume, empty replica
	must(s.Setup())
	stop()
	old := filepath.Join(t.TempDir(), "old-volume")
	must(os.Rename(filepath.Join(s.Dir, "data"), old))
	must(exec.Command("cp", "-a", old, filepath.Join(s.Dir, "data")).Run())

	must(s.Start(ctx)) // the volume as it was
	job, err := s.Submit("Staff engineer: Go, SQLite.")
	must(err)
	stop()

	// An older copy of the volume comes back: it is behind the replica.
	must(os.RemoveAll(filepath.Join(s.Dir, "data")))
	must(os.Rename(old, filepath.Join(s.Dir, "data")))
	if err := s.Start(ctx); err == nil || !strings.Contains(err.Error(), "behind its replica") {
		t.Fatalf("a volume behind its replica started (err %v)", err)
	}
	if integrity, missing, err := stack.Check(s.DatabasePath(), []string{job}); err != nil || integrity != "ok" || len(missing) != 1 {
		t.Fatalf("the refused boot changed the volume: integrity %q, missing %v, err %v", integrity, missing, err)
	}

	must(s.Start(ctx, "LITESTREAM_PREFER=replica"))
	stop()
	if integrity, missing, err := stack.Check(s.DatabasePath(), []string{job}); err != nil || integrity != "ok" || len(missing) > 0 {
		t.Fatalf("LITESTREAM_PREFER=replica: integrity %q, missing %v, err %v", integrity, missing, err)
	}
	aside, _ := filepath.Glob(s.DatabasePath() + ".local-*/tailor.db")
	if len(aside) != 1 {
		t.Fatalf("the local copy was not kept aside: %v", aside)
	}

	// The volume is lost: the next boot restores it, with the job.
	must(os.RemoveAll(filepath.Join(s.Dir, "data")))
	must(s.Start(ctx))
	stop()
	if !strings.Contains(s.Logs(), "restored") {
		t.Errorf("no restore in the boot's log:\n%s", s.Logs())
	}
	if integrity, missing, err := stack.Check(s.DatabasePath(), []string{job}); err != nil || integrity != "ok" || len(missing) > 0 {
		t.Fatalf("after a volume loss: integrity %q, missing %v, err %v", integrity, missing, err)
	}
}

// TestSIGTERMUnderLoadLeavesACompleteReplica sends SIGTERM to the stack
// (Litestream, which forwards it to Tailor, as tini does on Fly) while
// clients submit jobs: Tailor finishes within Litestream's shutdown-timeout,
// and the replica restores sound with every acknowledged job (issue 16, item 3).
func TestSIGTERMUnderLoadLeavesACompleteReplica(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Setup(); err != nil {
		t.Fatal(err)
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	acks := make(chan []stack.Ack, 1)
	go func() { acks <- s.Load(loadCtx, 4) }()
	time.Sleep(2 * time.Second)
	took, err := s.Stop(syscall.SIGTERM, 100*time.Second) // the load goes on meanwhile
	stopLoad()
	if err != nil {
		t.Fatal(err)
	}
	acked := <-acks
	if len(acked) < 10 {
		t.Fatalf("only %d jobs acknowledged under load: the load did not run", len(acked))
	}
	if strings.Contains(s.Logs(), "shutdown timed out") {
		t.Fatalf("Litestream's shutdown-timeout cut Tailor's shutdown:\n%s", s.Logs())
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	restoreTook, err := s.Restore(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	integrity, missing, err := stack.Check(restored, stack.IDs(acked))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d jobs acknowledged; stopped in %s; restored in %s; integrity %s; missing %d", len(acked), took.Round(time.Millisecond), restoreTook.Round(time.Millisecond), integrity, len(missing))
	if integrity != "ok" {
		t.Errorf("the restored replica fails its integrity check: %s", integrity)
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d acknowledged jobs are missing from the replica after a clean stop, e.g. %v", len(missing), len(acked), missing[:min(3, len(missing))])
	}
}

// TestEntrypointDropsRoot: started as root (as on Fly, to own the volume),
// the entrypoint gives the database folder to the app's user and runs
// everything after as that user with no capabilities. Here the user is
// nobody; the image's is tailor.
func TestEntrypointDropsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("not root: the entrypoint's privilege drop only happens when it starts as root")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("setpriv (util-linux) is not installed here; the image has it")
	}
	// Folders nobody can enter: t.TempDir's parents are private to root.
	dir, err := os.MkdirTemp("", "tailor-drop-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	bin, data := filepath.Join(dir, "bin"), filepath.Join(dir, "data")
	for _, d := range []string{dir, bin, data} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chmod(d, 0o755)
	}
	// The stand-in tailor reports who it runs as, its capabilities, and
	// whether it can write the database folder.
	fake := `#!/bin/sh
echo "uid=$(id -u) $(grep CapEff /proc/self/status | tr -d '\t')"
touch "$(dirname "$DATABASE_PATH")/written" && echo "wrote the volume"
`
	if err := os.WriteFile(filepath.Join(bin, "tailor"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"web"}, {"worker"}} {
		cmd := exec.Command("sh", append([]string{"entrypoint.sh"}, args...)...)
		cmd.Env = []string{"PATH=" + bin + ":/usr/sbin:/usr/bin:/sbin:/bin", "DATABASE_PATH=" + filepath.Join(data, "tailor.db"),
			"TAILOR_USER=nobody", "LITESTREAM=off"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		if !strings.Contains(string(out), "uid=65534 CapEff:0000000000000000") {
			t.Errorf("%v: tailor did not run as nobody without capabilities:\n%s", args, out)
		}
		if args[0] == "web" && !strings.Contains(string(out), "wrote the volume") {
			t.Errorf("web: the database folder was not given to the user:\n%s", out)
		}
	}
}

// TestEntrypointBootOrder: with a stand-in Litestream that records its
// calls, the writer's boot restores an empty volume with a full integrity
// check, ships an existing database with replicate -once before Tailor
// starts, and then runs Tailor under replicate -exec with LITESTREAM=on.
func TestEntrypointBootOrder(t *testing.T) {
	const fakeLitestream = `#!/bin/sh
echo "$*" >> "$CALLS"
case $1 in
status) printf 'database status local txid wal size\n%s ok %s 0B\n' "$DATABASE_PATH" "$LOCAL_TXID" ;;
ltx) printf 'level min_txid max_txid size created\n0 0000000000000001 %s 1 -\n' "$REPLICA_TXID" ;;
esac
`
	tests := []struct {
		name      string
		dbExists  bool
		local     string
		replica   string
		want      []string // the calls, in order, with the config flag left out
		wantError string
	}{
		{"empty volume", false, "", "0000000000000005", []string{
			"restore -if-replica-exists -integrity-check full DB",
			"replicate -exec tailor web",
		}, ""},
		{"the volume is level with the replica", true, "0000000000000005", "0000000000000005", []string{
			"status DB", "ltx -level all DB", "replicate -once", "replicate -exec tailor web",
		}, ""},
		{"the volume is ahead (a crash left frames unshipped)", true, "0000000000000007", "0000000000000005", []string{
			"status DB", "ltx -level all DB", "replicate -once", "replicate -exec tailor web",
		}, ""},
		{"the volume is behind", true, "0000000000000003", "0000000000000005", []string{
			"status DB", "ltx -level all DB",
		}, "behind its replica"},
		{"the volume was never replicated and the replica has data", true, "-", "0000000000000005", []string{
			"status DB", "ltx -level all DB",
		}, "behind its replica"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "data", "tailor.db")
			calls := filepath.Join(dir, "calls")
			os.MkdirAll(filepath.Dir(db), 0o755)
			if tt.dbExists {
				os.WriteFile(db, []byte("sqlite"), 0o644)
			}
			os.WriteFile(filepath.Join(dir, "litestream"), []byte(fakeLitestream), 0o755)
			os.WriteFile(filepath.Join(dir, "tailor"), []byte("#!/bin/sh\necho RAN\n"), 0o755)
			cmd := exec.Command("sh", "entrypoint.sh", "web")
			cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin", "DATABASE_PATH=" + db, "CALLS=" + calls,
				"LITESTREAM_REPLICA_URL=file://" + filepath.Join(dir, "replica"), "LITESTREAM_CONFIG=/etc/ls.yml",
				"LOCAL_TXID=" + tt.local, "REPLICA_TXID=" + tt.replica, "TAILOR_USER=no-such-user-here"}
			out, err := cmd.CombinedOutput()
			if tt.wantError != "" {
				if err == nil || !strings.Contains(string(out), tt.wantError) {
					t.Fatalf("want a refusal %q, got %v:\n%s", tt.wantError, err, out)
				}
			} else if err != nil {
				t.Fatalf("%v:\n%s", err, out)
			}
			b, _ := os.ReadFile(calls)
			got := strings.Split(strings.TrimSpace(strings.NewReplacer("-config /etc/ls.yml ", "", db, "DB").Replace(string(b))), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("litestream calls\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
