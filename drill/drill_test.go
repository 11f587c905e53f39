package drill

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/db/dbtest"
)

// copyRestorer "restores" a copy of the live file (VACUUM INTO), then lets
// the test change the copy as a replica could differ.
type copyRestorer struct {
	live   *db.DB
	change func(copy *db.DB)
}

func (r copyRestorer) Restore(ctx context.Context, out string) error {
	conn, err := sql.Open("sqlite3", "file:"+r.live.Path())
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return err
	}
	if r.change != nil {
		c, err := db.Open(out)
		if err != nil {
			return err
		}
		r.change(c)
		c.Close()
	}
	return nil
}

func TestDrillComparesTheRestoredCopy(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(copy *db.DB) // how the replica differs
		later  func(live *db.DB) // written to the live database after the replica's copy
		ok     bool
		want   string
	}{
		{"same data", nil, nil, true, "integrity ok; rows restored/live: users 1/1"},
		{"another writer's fence", func(c *db.DB) {
			c.Settings.RecordWriterFence(ctx, db.Fence{Token: 9, Holder: "host=clone"})
		}, nil, false, "another writer has written the replica"},
		{"a job this database lacks", func(c *db.DB) {
			u, _ := c.Users.Create(ctx, "eve@example.com", db.RoleRecruiter, "correct horse battery")
			c.Now = func() time.Time { return time.Now().Add(time.Hour) }
			dbtest.MustJob(t, c, u.ID)
		}, nil, false, "that this database does not"},
		{"another database", func(c *db.DB) {
			c.Settings.Set(ctx, "database_id", "0123")
		}, nil, false, "another database"},
		{"behind", nil, func(live *db.DB) {
			live.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
			dbtest.MustUser(t, live, "late@example.com", db.RoleRecruiter)
		}, false, "behind this database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := dbtest.MustOpen(t)
			owner := dbtest.MustUser(t, live, "ann@example.com", db.RoleAdmin)
			dbtest.MustJob(t, live, owner.ID)
			replica := filepath.Join(t.TempDir(), "replica.db")
			if err := (copyRestorer{live: live, change: tt.change}).Restore(ctx, replica); err != nil {
				t.Fatal(err)
			}
			if tt.later != nil {
				tt.later(live)
			}
			d := &Drill{DB: live, Restorer: earlier{replica}, TempDir: t.TempDir()}
			got, err := d.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.OK != tt.ok || !strings.Contains(got.Message, tt.want) {
				t.Errorf("drill ok=%v %q, want ok=%v and %q", got.OK, got.Message, tt.ok, tt.want)
			}
			last, err := live.Settings.LastDrill(ctx)
			if err != nil || last.OK != got.OK || last.Message != got.Message {
				t.Errorf("recorded %+v %v", last, err)
			}
		})
	}
}

// earlier restores the replica's copy, taken before the test wrote more
// to the live database.
type earlier struct{ copy string }

func (e earlier) Restore(ctx context.Context, out string) error {
	conn, err := sql.Open("sqlite3", "file:"+e.copy)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", out)
	return err
}
