package db

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

func MustOpen(tb testing.TB) *DB {
	tb.Helper()
	d, err := Open(filepath.Join(tb.TempDir(), "sub", "tailor.db"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

func MustUser(tb testing.TB, d *DB, email, role string) User {
	tb.Helper()
	u, err := d.Users.Create(context.Background(), email, role, "correct horse battery")
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func TestMigrateIsIdempotentAndSetsPragmas(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	applied, err := d.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 0 {
		t.Errorf("second Migrate applied %v, want nothing", applied)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "synchronous": "1", "busy_timeout": "5000"} {
		var got string
		if err := d.write.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if _, err := d.read.ExecContext(ctx, "DELETE FROM users"); err == nil {
		t.Error("read pool accepted a write")
	}
}

func TestUsersAuthenticate(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	MustUser(t, d, "Ann@Example.com", RoleAdmin)

	tests := []struct {
		name, email, password string
		wantErr               error
	}{
		{"right password, other case email", "ann@example.com", "correct horse battery", nil},
		{"wrong password", "ann@example.com", "wrong password!", ErrBadCredentials},
		{"unknown email", "bob@example.com", "correct horse battery", ErrBadCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := d.Users.Authenticate(ctx, tt.email, tt.password)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && !u.IsAdmin() {
				t.Errorf("role = %s, want admin", u.Role)
			}
		})
	}
	if _, err := d.Users.Create(ctx, "ann@example.com", RoleRecruiter, "another password"); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate email: err = %v, want ErrConflict", err)
	}
	if _, err := d.Users.Create(ctx, "c@example.com", "boss", "another password"); err == nil {
		t.Error("unknown role accepted")
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	secret, tok, err := d.Tokens.Create(ctx, u.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	d.read.QueryRow("SELECT token_hash FROM api_tokens WHERE id = ?", tok.ID).Scan(&stored)
	if stored == secret || stored == "" {
		t.Fatalf("token stored as %q, want a hash", stored)
	}
	got, err := d.Tokens.Authenticate(ctx, secret)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %v, %v; want user %s", got.ID, err, u.ID)
	}
	if _, err := d.Tokens.Authenticate(ctx, secret+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong token: err = %v, want ErrNotFound", err)
	}
	if err := d.Tokens.Revoke(ctx, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Tokens.Authenticate(ctx, secret); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked token: err = %v, want ErrNotFound", err)
	}
}

// A token minted through another dies with it, down the chain; a token can
// only be minted through a live token of the same user.
func TestTokenRevokeReachesMintedTokens(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	live := func(secret string) bool {
		_, err := d.Tokens.Authenticate(ctx, secret)
		return err == nil
	}
	rootSecret, root, _ := d.Tokens.Create(ctx, ann.ID, "embed")
	childSecret, child, err := d.Tokens.CreateChild(ctx, ann.ID, root.ID, "")
	if err != nil || child.ParentID != root.ID {
		t.Fatalf("CreateChild = %+v, %v", child, err)
	}
	grandSecret, _, _ := d.Tokens.CreateChild(ctx, ann.ID, child.ID, "")
	otherSecret, other, _ := d.Tokens.Create(ctx, ann.ID, "cli")
	if _, _, err := d.Tokens.CreateChild(ctx, bob.ID, root.ID, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("minted for bob through ann's token: err = %v, want ErrNotFound", err)
	}
	if err := d.Tokens.Revoke(ctx, ann.ID, root.ID); err != nil {
		t.Fatal(err)
	}
	if live(rootSecret) || live(childSecret) || live(grandSecret) {
		t.Error("a token minted through the revoked one still works")
	}
	if !live(otherSecret) {
		t.Error("a token made elsewhere died with it")
	}
	if _, _, err := d.Tokens.CreateChild(ctx, ann.ID, root.ID, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("minted through a revoked token: err = %v, want ErrNotFound", err)
	}
	if err := d.Tokens.Revoke(ctx, ann.ID, child.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking a token already revoked with its parent: %v, want ErrNotFound", err)
	}
	if err := d.Tokens.Revoke(ctx, bob.ID, other.ID); !errors.Is(err, ErrNotFound) || !live(otherSecret) {
		t.Errorf("bob revoked ann's token: %v", err)
	}
}

func TestCandidatesOwnership(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	c, err := d.Candidates.Create(ctx, ann.ID, "Jane Doe", []byte(`{"basics":{"name":"Jane Doe"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Candidates.Get(ctx, OwnedBy(bob.ID), c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("other owner's Get: err = %v, want ErrNotFound", err)
	}
	if _, err := d.Candidates.Get(ctx, AllOwners, c.ID); err != nil {
		t.Errorf("admin scope Get: %v", err)
	}
	up, err := d.Candidates.Update(ctx, ann.ID, c.ID, "Jane Q. Doe", []byte(`{"basics":{"name":"Jane Q. Doe"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := up.Version, 2; got != want {
		t.Errorf("version after update = %d, want %d", got, want)
	}
	list, err := d.Candidates.List(ctx, CandidateFilter{Owner: OwnedBy(ann.ID), Query: "Q."})
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %d, %v; want 1", len(list), err)
	}
	if err := d.Candidates.Delete(ctx, bob.ID, c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("other owner's Delete: err = %v, want ErrNotFound", err)
	}
}

func newJob(t *testing.T, d *DB, owner string) Job {
	t.Helper()
	j, err := d.Jobs.Create(context.Background(), Job{
		OwnerID: owner, CandidateVersion: 1, CandidateName: "Jane Doe", JobDescription: "Go engineer",
		Theme: "classic", Paper: "a4", Queue: "interactive", InputsHash: "h",
	}, []byte(`{"basics":{"name":"Jane Doe"}}`))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJobsApplyIsIdempotent(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	j := newJob(t, d, u.ID)
	at := time.Now()
	result := &Result{PDF: []byte("%PDF-1.7"), HTML: "<p>x</p>", Profile: []byte(`{}`)}

	type change = jobstate.Change
	steps := []struct {
		name        string
		ev          jobstate.Event
		result      *Result
		wantApplied bool
		wantStatus  string
	}{
		{"started", jobstate.Event{Kind: jobstate.EventStarted, Attempt: 1, At: at, Change: change{Stage: "tailoring", Progress: 10}}, nil, true, jobstate.StatusRunning},
		{"retry", jobstate.Event{Kind: jobstate.EventRetry, Attempt: 1, At: at, Change: change{Stage: "waiting to retry", Error: "LLM 502"}}, nil, true, jobstate.StatusQueued},
		{"second attempt", jobstate.Event{Kind: jobstate.EventStarted, Attempt: 2, At: at, Change: change{Stage: "tailoring", Progress: 10}}, nil, true, jobstate.StatusRunning},
		{"late event of attempt 1", jobstate.Event{Kind: jobstate.EventProgress, Attempt: 1, At: at, Change: change{Stage: "printing PDF", Progress: 75}}, nil, false, jobstate.StatusRunning},
		{"succeeded", jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 2, At: at, Change: change{Stage: "done"}}, result, true, jobstate.StatusSucceeded},
		{"succeeded again (redelivery)", jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 2, At: at, Change: change{Stage: "done"}}, result, false, jobstate.StatusSucceeded},
		{"failed after success", jobstate.Event{Kind: jobstate.EventFailed, Attempt: 3, At: at, Change: change{Error: "boom"}}, nil, false, jobstate.StatusSucceeded},
	}
	for _, s := range steps {
		applied, err := d.Jobs.Apply(ctx, j.ID, s.ev, s.result)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, _ := d.Jobs.Get(ctx, OwnedBy(u.ID), j.ID)
		if applied != s.wantApplied || got.Status != s.wantStatus {
			t.Errorf("%s: applied=%v status=%s, want applied=%v status=%s", s.name, applied, got.Status, s.wantApplied, s.wantStatus)
		}
	}
	got, _ := d.Jobs.Get(ctx, OwnedBy(u.ID), j.ID)
	if got.Progress != 100 || got.Attempts != 2 || !got.HasPDF {
		t.Errorf("final job: progress=%d attempts=%d hasPDF=%v", got.Progress, got.Attempts, got.HasPDF)
	}
	if n, _ := d.Jobs.CountResults(ctx, j.ID); n != 1 {
		t.Errorf("results = %d, want 1", n)
	}
	if _, err := d.Jobs.Apply(ctx, "nope", jobstate.Event{Kind: jobstate.EventStarted, Attempt: 1}, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job: err = %v, want ErrNotFound", err)
	}
}

func TestJobsCancelStaysCanceled(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	j := newJob(t, d, ann.ID)
	if _, err := d.Jobs.Cancel(ctx, OwnedBy(bob.ID), j.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("cancel by another user: err = %v, want ErrNotFound", err)
	}
	got, err := d.Jobs.Cancel(ctx, OwnedBy(ann.ID), j.ID)
	if err != nil || got.Status != jobstate.StatusCanceled {
		t.Fatalf("Cancel = %s, %v", got.Status, err)
	}
	// A late success from a worker must not resurrect the job.
	applied, err := d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1}, &Result{HTML: "x", Profile: []byte("{}")})
	if err != nil || applied {
		t.Fatalf("late event: applied=%v err=%v", applied, err)
	}
	if n, _ := d.Jobs.CountResults(ctx, j.ID); n != 0 {
		t.Errorf("results after cancel = %d, want 0", n)
	}
	if _, err := d.Jobs.Cancel(ctx, OwnedBy(ann.ID), j.ID); err != nil {
		t.Errorf("second cancel: %v, want no error", err)
	}
}

// Two handles on one file, as two processes (tailor serve and tailor user
// add, or a deploy's old and new Machine) have: each has its own writer
// connection, so their writes really contend. BEGIN IMMEDIATE and the busy
// timeout must make them wait, never fail with SQLITE_BUSY. (One handle
// alone cannot show it: its single writer connection serialises its writes.)
func TestJobsConcurrentWritesDoNotBusy(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	other, err := Open(d.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	u := MustUser(t, d, "ann@example.com", RoleRecruiter)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 8; i++ {
		d := []*DB{d, other}[i%2]
		wg.Go(func() {
			for k := 0; k < 20; k++ {
				j, err := d.Jobs.Create(ctx, Job{OwnerID: u.ID, CandidateName: "x", JobDescription: "y",
					Theme: "classic", Paper: "a4", Queue: "interactive", InputsHash: "h"}, []byte("{}"))
				if err == nil {
					_, err = d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventStarted, Attempt: 1, Change: jobstate.Change{Stage: "tailoring"}}, nil)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, err := d.Jobs.List(ctx, JobFilter{Owner: OwnedBy(u.ID), Statuses: []string{jobstate.StatusRunning}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(list), 160; got != want {
		t.Errorf("running jobs = %d, want %d", got, want)
	}
}

// Under Litestream the writer never checkpoints on its own (issue 16): the
// WAL keeps every frame until Litestream has read it and checkpoints itself.
func TestExternalCheckpointsKeepTheWAL(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opts Options
		want int
	}{
		{"default", Options{}, 1000},
		{"external checkpoints", Options{ExternalCheckpoints: true}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tailor.db")
			d, err := OpenWith(path, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var got int
			if err := d.write.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("wal_autocheckpoint = %d, want %d", got, tc.want)
			}
			// 1,500 one-page commits: past the default threshold of 1,000 pages.
			if _, err := d.write.ExecContext(ctx, "CREATE TABLE t (b BLOB)"); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 1500; i++ {
				if _, err := d.write.ExecContext(ctx, "INSERT INTO t VALUES (zeroblob(3000))"); err != nil {
					t.Fatal(err)
				}
			}
			frames := walFrames(t, path)
			if tc.opts.ExternalCheckpoints && frames < 1500 {
				t.Fatalf("WAL holds %d frames after 1,500 commits: something checkpointed", frames)
			}
			if !tc.opts.ExternalCheckpoints && frames >= 1500 {
				t.Fatalf("WAL holds %d frames: the automatic checkpoint never ran", frames)
			}
		})
	}
}

// walFrames counts the frames in the WAL file from its size (32-byte
// header, then 24-byte frame headers before each page).
func walFrames(t *testing.T, path string) int {
	t.Helper()
	st, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return int((st.Size() - 32) / (24 + 4096))
}
