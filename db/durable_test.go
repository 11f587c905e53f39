package db_test

import (
	"context"
	"strings"
	"testing"

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
