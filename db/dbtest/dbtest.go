// Package dbtest opens real SQLite databases for other packages' tests and
// fills them with the rows those tests start from.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tailor-app/tailor/db"
)

// MustOpen returns a migrated database in a temporary folder, closed at the
// end of the test.
func MustOpen(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(filepath.Join(tb.TempDir(), "tailor.db"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := d.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// MustUser creates a user with the password "correct horse battery".
func MustUser(tb testing.TB, d *db.DB, email, role string) db.User {
	tb.Helper()
	u, err := d.Users.Create(context.Background(), email, role, "correct horse battery")
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// MustJob creates a queued job of owner for the candidate Jane Doe.
func MustJob(tb testing.TB, d *db.DB, ownerID string) db.Job {
	tb.Helper()
	j, err := d.Jobs.Create(context.Background(), db.Job{OwnerID: ownerID, CandidateVersion: 1, CandidateName: "Jane Doe",
		JobDescription: "Go engineer", JobTitle: "Backend Engineer", Company: "Acme", Theme: "classic", Paper: "a4",
		Queue: "interactive", InputsHash: "h"}, []byte(`{"basics":{"name":"Jane Doe"}}`))
	if err != nil {
		tb.Fatal(err)
	}
	return j
}
