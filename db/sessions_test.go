package db

import (
	"context"
	"strings"
	"testing"
	"time"
)

// mustSession commits a session for the user ("" for a visitor).
func mustSession(tb testing.TB, d *DB, token, userID string) {
	tb.Helper()
	ctx := context.Background()
	if userID != "" {
		ctx = WithSessionUser(ctx, userID)
	}
	if err := d.Sessions.CommitCtx(ctx, token, []byte("session data"), time.Now().Add(time.Hour)); err != nil {
		tb.Fatal(err)
	}
}

func sessionFound(tb testing.TB, d *DB, token string) bool {
	tb.Helper()
	_, found, err := d.Sessions.FindCtx(context.Background(), token)
	if err != nil {
		tb.Fatal(err)
	}
	return found
}

func TestSessionsStoreOnlyAHashOfTheToken(t *testing.T) {
	d := MustOpen(t)
	token := "Zx8rT3qLwP0-the-cookie-value"
	mustSession(t, d, token, "")
	var key string
	var data []byte
	if err := d.read.QueryRow("SELECT token_hash, data FROM sessions").Scan(&key, &data); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(key, token) || strings.Contains(string(data), token) {
		t.Errorf("the raw token is stored: %q", key)
	}
	if key != hashToken(token) {
		t.Errorf("key %q, want the SHA-256 of the token", key)
	}
	if !sessionFound(t, d, token) || sessionFound(t, d, key) {
		t.Error("the session must be found by its token, and only by it")
	}
}

func TestSessionsDeleteForUser(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	mustSession(t, d, "ann-laptop", ann.ID)
	mustSession(t, d, "ann-phone", ann.ID)
	mustSession(t, d, "bob", bob.ID)
	mustSession(t, d, "visitor", "")
	// A later commit without the user (a flash message) keeps the row's user.
	if err := d.Sessions.CommitCtx(ctx, "ann-phone", []byte("flash"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	if err := d.Sessions.DeleteForUser(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]bool{"ann-laptop": false, "ann-phone": false, "bob": true, "visitor": true} {
		if got := sessionFound(t, d, token); got != want {
			t.Errorf("%s found = %v, want %v", token, got, want)
		}
	}
}

// A request that loaded the session before it was ended commits it at the
// end: that commit must not bring it back (nor a logged-out one).
func TestEndedSessionStaysEndedAfterALateCommit(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	mustSession(t, d, "ann", ann.ID)
	mustSession(t, d, "logged-out", ann.ID)
	if err := d.Sessions.DeleteForUser(ctx, ann.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.Sessions.DeleteCtx(ctx, "logged-out"); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"ann", "logged-out"} {
		if err := d.Sessions.CommitCtx(ctx, token, []byte("late"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if sessionFound(t, d, token) {
			t.Errorf("%s: a late commit revived an ended session", token)
		}
	}
	// Ended rows are removed at their expiry, like the others.
	d.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if n, _ := d.Sessions.DeleteExpired(ctx); n != 2 {
		t.Errorf("DeleteExpired removed %d rows, want 2", n)
	}
}

func TestSetPasswordEndsSessionsAndMayRevokeTokens(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	bob := MustUser(t, d, "bob@example.com", RoleRecruiter)
	annTok, _, _ := d.Tokens.Create(ctx, ann.ID, "a")
	d.Tokens.Create(ctx, ann.ID, "b")
	bobTok, _, _ := d.Tokens.Create(ctx, bob.ID, "b")
	mustSession(t, d, "ann", ann.ID)
	mustSession(t, d, "bob", bob.ID)

	revoked, err := d.Users.SetPassword(ctx, ann.ID, "a-new-password", false)
	if err != nil || revoked != 0 {
		t.Fatalf("SetPassword = %d, %v", revoked, err)
	}
	if sessionFound(t, d, "ann") || !sessionFound(t, d, "bob") {
		t.Error("SetPassword must end the user's sessions and only theirs")
	}
	if _, err := d.Tokens.Authenticate(ctx, annTok); err != nil {
		t.Errorf("token revoked without being asked: %v", err)
	}

	mustSession(t, d, "ann again", ann.ID)
	revoked, err = d.Users.SetPassword(ctx, ann.ID, "another-password", true)
	if err != nil || revoked != 2 {
		t.Fatalf("SetPassword revoking tokens = %d, %v; want 2", revoked, err)
	}
	if sessionFound(t, d, "ann again") {
		t.Error("session survived the second reset")
	}
	if _, err := d.Tokens.Authenticate(ctx, annTok); err != ErrNotFound {
		t.Errorf("revoked token authenticates: %v", err)
	}
	if _, err := d.Tokens.Authenticate(ctx, bobTok); err != nil {
		t.Errorf("another user's token was revoked: %v", err)
	}
	if _, err := d.Users.SetPassword(ctx, "nobody", "a-new-password", true); err != ErrNotFound {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
}

func TestSetDisabledEndsSessions(t *testing.T) {
	ctx := context.Background()
	d := MustOpen(t)
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	tok, _, _ := d.Tokens.Create(ctx, ann.ID, "a")
	mustSession(t, d, "ann", ann.ID)
	if err := d.Users.SetDisabled(ctx, ann.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Tokens.Authenticate(ctx, tok); err != ErrNotFound {
		t.Errorf("a disabled user's token authenticates: %v", err)
	}
	if err := d.Users.SetDisabled(ctx, ann.ID, false); err != nil {
		t.Fatal(err)
	}
	if sessionFound(t, d, "ann") {
		t.Error("the session came back after disable and enable")
	}
}

// Migration 4 runs on a database that has users and live sessions in the old
// schema (raw tokens): they are dropped, and sessions work afterwards.
func TestSessionsMigrationOnExistingDatabase(t *testing.T) {
	ctx := context.Background()
	d, err := Open(t.TempDir() + "/tailor.db")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.migrate(ctx, 3); err != nil {
		t.Fatal(err)
	}
	ann := MustUser(t, d, "ann@example.com", RoleRecruiter)
	if _, err := d.write.Exec("INSERT INTO sessions (token, data, expiry) VALUES ('raw-token', x'00', ?)",
		julianDay(time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	applied, err := d.migrate(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0] != 4 {
		t.Errorf("applied %v, want [4]", applied)
	}
	var n int
	d.read.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&n)
	if n != 0 || sessionFound(t, d, "raw-token") {
		t.Errorf("%d old sessions kept; they hold raw tokens and no user", n)
	}
	mustSession(t, d, "new", ann.ID)
	if err := d.Sessions.DeleteForUser(ctx, ann.ID); err != nil || sessionFound(t, d, "new") {
		t.Errorf("DeleteForUser after the migration: %v", err)
	}
}
