package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/tasks"
)

func TestPurgerDeletesOldJobsAndExpiredSessions(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(filepath.Join(t.TempDir(), "tailor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	owner, err := d.Users.Create(ctx, "ann@example.com", db.RoleRecruiter, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	finished := func(age time.Duration) string {
		t.Helper()
		at := now.Add(-age)
		d.Now = func() time.Time { return at }
		j, err := d.Jobs.Create(ctx, db.Job{OwnerID: owner.ID, CandidateVersion: 1, JobDescription: "Go",
			Theme: "classic", Paper: "a4", Queue: tasks.QueueInteractive}, []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventSucceeded, Attempt: 1, At: at},
			&db.Result{PDF: []byte("%PDF"), HTML: "<p>", Profile: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		return j.ID
	}
	old := []string{finished(8 * 24 * time.Hour), finished(7*24*time.Hour + time.Minute)}
	young := []string{finished(7*24*time.Hour - time.Minute), finished(time.Hour)}
	d.Now = func() time.Time { return now }
	d.Sessions.CommitCtx(ctx, "expired", []byte("x"), now.Add(-time.Minute))
	d.Sessions.CommitCtx(ctx, "live", []byte("x"), now.Add(time.Hour))

	var logs bytes.Buffer
	p := &Purger{Jobs: d.Jobs, Sessions: d.Sessions, Keep: 7 * 24 * time.Hour, Batch: 1,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }}
	got, err := p.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Purged{Jobs: 2, Sessions: 1}); got != want {
		t.Errorf("Once = %+v, want %+v", got, want)
	}
	for _, id := range old {
		if _, err := d.Jobs.Get(ctx, db.AllOwners, id); err != db.ErrNotFound {
			t.Errorf("old job %s: err = %v, want deleted", id, err)
		}
		if n, _ := d.Jobs.CountResults(ctx, id); n != 0 {
			t.Errorf("old job %s keeps %d results", id, n)
		}
	}
	for _, id := range young {
		if n, err := d.Jobs.CountResults(ctx, id); err != nil || n != 1 {
			t.Errorf("young job %s: %d results, %v; want kept", id, n, err)
		}
	}
	if _, found, _ := d.Sessions.FindCtx(ctx, "live"); !found {
		t.Error("the live session was deleted")
	}
	if !strings.Contains(logs.String(), "jobs=2 sessions=1") {
		t.Errorf("log does not say what was deleted:\n%s", logs.String())
	}
	if again, _ := p.Once(ctx); again != (Purged{}) {
		t.Errorf("second pass = %+v, want nothing", again)
	}
}
