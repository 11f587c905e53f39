package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
)

// The identity is created by the migrations, once, and is random.
func TestDatabaseID(t *testing.T) {
	ctx := context.Background()
	a, b := dbtest.MustOpen(t), dbtest.MustOpen(t)
	idA, err := a.Settings.DatabaseID(ctx)
	if err != nil || len(idA) != 32 {
		t.Fatalf("id %q %v, want 32 hex characters", idA, err)
	}
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := a.Settings.DatabaseID(ctx); again != idA {
		t.Errorf("id changed from %s to %s on a second Migrate", idA, again)
	}
	if idB, _ := b.Settings.DatabaseID(ctx); idB == idA {
		t.Errorf("two databases share the id %s", idA)
	}
	if f, err := a.Settings.WriterFence(ctx); err != nil || f != (db.Fence{}) {
		t.Errorf("fence of a new database: %+v %v", f, err)
	}
	if err := a.Settings.RecordWriterFence(ctx, db.Fence{Token: 7, Holder: "host=a"}); err != nil {
		t.Fatal(err)
	}
	if f, _ := a.Settings.WriterFence(ctx); f.Token != 7 || f.Holder != "host=a" {
		t.Errorf("fence %+v", f)
	}
}

// After StopWrites every write fails and reads still work.
func TestStopWrites(t *testing.T) {
	ctx := context.Background()
	d := dbtest.MustOpen(t)
	u := dbtest.MustUser(t, d, "ann@example.com", db.RoleRecruiter)
	j := dbtest.MustJob(t, d, u.ID)
	if err := d.StopWrites(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := d.Users.Create(ctx, "bob@example.com", db.RoleRecruiter, "correct horse battery")
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("create user after StopWrites: %v, want a readonly error", err)
	}
	if _, err := d.Jobs.Cancel(ctx, db.AllOwners, j.ID); err == nil {
		t.Errorf("cancel after StopWrites succeeded")
	}
	if got, err := d.Jobs.Get(ctx, db.AllOwners, j.ID); err != nil || got.Status != "queued" {
		t.Errorf("read after StopWrites: %v %v", got.Status, err)
	}
}

// The last drill is kept with the last success carried forward, and
// Problem says what an alert should.
func TestLastDrill(t *testing.T) {
	ctx := context.Background()
	d := dbtest.MustOpen(t)
	if _, err := d.Settings.LastDrill(ctx); err != db.ErrNotFound {
		t.Fatalf("before any drill: %v, want ErrNotFound", err)
	}
	day := 24 * time.Hour
	at := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	if _, err := d.Settings.RecordDrill(ctx, db.Drill{At: at, OK: true}); err != nil {
		t.Fatal(err)
	}
	failed, err := d.Settings.RecordDrill(ctx, db.Drill{At: at.Add(day), Message: "restore failed: no backups"})
	if err != nil || !failed.LastSuccess.Equal(at) {
		t.Fatalf("failed drill %+v %v: last success should stay %s", failed, err, at)
	}
	last, _ := d.Settings.LastDrill(ctx)
	tests := []struct {
		d    db.Drill
		now  time.Time
		want string
	}{
		{last, at.Add(day), "the last restore drill failed: restore failed: no backups"},
		{db.Drill{OK: true, At: at, LastSuccess: at}, at.Add(day), ""},
		{db.Drill{OK: true, At: at, LastSuccess: at}, at.Add(3 * day), "no restore drill has passed since 2026-11-30T03:00:00Z"},
	}
	for _, tt := range tests {
		if got := tt.d.Problem(tt.now, day); got != tt.want {
			t.Errorf("Problem = %q, want %q", got, tt.want)
		}
	}
}
