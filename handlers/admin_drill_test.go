package handlers

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
)

// The dashboard shows the last restore drill: none yet, then a failure
// with its reason and when one last passed.
func TestDashboardShowsTheLastRestoreDrill(t *testing.T) {
	e := newWebEnv(t)
	e.user("root@example.com", db.RoleAdmin)
	c := e.client()
	c.signIn("root@example.com")
	wantBody(t, c.get("/admin"), `data-testid="drill-never"`)

	ctx := context.Background()
	passed := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	if _, err := e.db.Settings.RecordDrill(ctx, db.Drill{At: passed, OK: true, Message: "integrity ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Settings.RecordDrill(ctx, db.Drill{At: passed.Add(24 * time.Hour), Lag: 90 * time.Second,
		Message: "the replica is 1m30s behind this database"}); err != nil {
		t.Fatal(err)
	}
	page := c.get("/admin")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "Restore drill", "Failed", "the replica is 1m30s behind this database", "Last passed")
}
