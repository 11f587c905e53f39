package handlers

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
)

// wantSignedOut checks that the client's cookie no longer opens a page.
func wantSignedOut(t *testing.T, c *client) {
	t.Helper()
	r := c.get("/candidates")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Fatalf("old cookie still signed in: %d, Location %q", r.status, r.header.Get("Location"))
	}
}

func wantSignedIn(t *testing.T, c *client) {
	t.Helper()
	wantStatus(t, c.get("/candidates"), http.StatusOK)
}

// Issue 10, finding 3: an admin's reset ends every session of the user.
func TestSessionsDieWithPasswordReset(t *testing.T) {
	e := newWebEnv(t)
	e.user("root@example.com", db.RoleAdmin)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	admin := e.signedIn("root@example.com")
	laptop, phone := e.signedIn("ann@example.com"), e.signedIn("ann@example.com")

	r := admin.post("/admin/users/"+ann.ID+"/reset", url.Values{"password": {"a-brand-new-password"}})
	wantStatus(t, r, http.StatusSeeOther)
	wantBody(t, admin.get("/admin/users"), "New password set for ann@example.com", "signed out")
	wantSignedOut(t, laptop)
	wantSignedOut(t, phone)
	wantSignedIn(t, admin)

	// The new password works, the old one does not.
	r = e.client().post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}})
	wantStatus(t, r, http.StatusUnauthorized)
	r = e.client().post("/login", url.Values{"email": {"ann@example.com"}, "password": {"a-brand-new-password"}})
	wantStatus(t, r, http.StatusSeeOther)
}

// An admin who resets their own password stays signed in (with a new
// token); their other browsers do not.
func TestAdminResettingOwnPasswordStaysSignedIn(t *testing.T) {
	e := newWebEnv(t)
	root := e.user("root@example.com", db.RoleAdmin)
	admin, other := e.signedIn("root@example.com"), e.signedIn("root@example.com")
	before := admin.cookie("tailor_session").Value

	r := admin.post("/admin/users/"+root.ID+"/reset", url.Values{"password": {"a-brand-new-password"}})
	wantStatus(t, r, http.StatusSeeOther)
	wantSignedIn(t, admin)
	if admin.cookie("tailor_session").Value == before {
		t.Error("the session token was not renewed")
	}
	wantSignedOut(t, other)
}

// Disable then enable with no request of the user in between: the old
// cookie must not come back to life.
func TestSessionsDieWithDisableEvenAfterEnable(t *testing.T) {
	e := newWebEnv(t)
	e.user("root@example.com", db.RoleAdmin)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	admin := e.signedIn("root@example.com")
	c := e.signedIn("ann@example.com")

	wantStatus(t, admin.post("/admin/users/"+ann.ID+"/disable", url.Values{"disabled": {"true"}}), http.StatusSeeOther)
	wantStatus(t, admin.post("/admin/users/"+ann.ID+"/disable", url.Values{"disabled": {"false"}}), http.StatusSeeOther)
	wantSignedOut(t, c)
	c.signIn("ann@example.com") // enabled again: she can sign in
	wantSignedIn(t, c)
}

// A disabled user's tokens stop working at once (Tokens.Authenticate joins
// users and requires disabled = 0); enabling the user brings them back,
// since disabling is a suspension, not a revocation.
func TestDisabledUsersTokensStopWorking(t *testing.T) {
	e := newWebEnv(t)
	e.user("root@example.com", db.RoleAdmin)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	admin := e.signedIn("root@example.com")
	tok := e.token(ann)
	wantStatus(t, e.api("GET", "/api/candidates", tok, nil), http.StatusOK)

	wantStatus(t, admin.post("/admin/users/"+ann.ID+"/disable", url.Values{"disabled": {"true"}}), http.StatusSeeOther)
	wantStatus(t, e.api("GET", "/api/candidates", tok, nil), http.StatusUnauthorized)
	wantStatus(t, admin.post("/admin/users/"+ann.ID+"/disable", url.Values{"disabled": {"false"}}), http.StatusSeeOther)
	wantStatus(t, e.api("GET", "/api/candidates", tok, nil), http.StatusOK)
}

// The sessions table keeps a hash of each token, never the cookie's value.
func TestSessionTableHoldsNoRawToken(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.signedIn("ann@example.com")
	token := c.cookie("tailor_session").Value

	raw, err := sql.Open("sqlite3", "file:"+e.db.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query("SELECT * FROM sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if strings.Contains(fmt.Sprintf("%s", v), token) {
				t.Errorf("sessions.%s holds the raw session token", cols[i])
			}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no session stored")
	}
	wantSignedIn(t, c)
}

// A reset can also revoke every API token of the user; without the box,
// the tokens keep working.
func TestPasswordResetCanRevokeAPITokens(t *testing.T) {
	e := newWebEnv(t)
	e.user("root@example.com", db.RoleAdmin)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	admin := e.signedIn("root@example.com")
	tok1, tok2 := e.token(ann), e.token(ann)
	wantBody(t, admin.get("/admin/users/"+ann.ID+"/reset"), `name="revoke_tokens"`, "Also revoke their API tokens")

	wantStatus(t, admin.post("/admin/users/"+ann.ID+"/reset", url.Values{"password": {"a-brand-new-password"}}), http.StatusSeeOther)
	wantStatus(t, e.api("GET", "/api/candidates", tok1, nil), http.StatusOK)

	r := admin.post("/admin/users/"+ann.ID+"/reset", url.Values{"password": {"another-new-password"}, "revoke_tokens": {"true"}})
	wantStatus(t, r, http.StatusSeeOther)
	wantBody(t, admin.get("/admin/users"), "Revoked 2 API tokens")
	for _, tok := range []string{tok1, tok2} {
		wantStatus(t, e.api("GET", "/api/candidates", tok, nil), http.StatusUnauthorized)
	}
}

// The self-service change: other browsers are signed out, this one stays
// signed in under a new token.
func TestChangePasswordEndsOtherSessions(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	here, there := e.signedIn("ann@example.com"), e.signedIn("ann@example.com")
	before := here.cookie("tailor_session").Value

	wantBody(t, here.get("/settings/tokens"), `data-testid="password-form"`, `action="/settings/password"`)

	// A wrong current password changes nothing.
	r := here.post("/settings/password", url.Values{"current_password": {"not-my-password"}, "new_password": {"a-brand-new-password"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, "not your current password")
	// A too short new one neither.
	r = here.post("/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"short"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, "at least 8 characters")
	// A cross-site post is refused.
	r = here.post("/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"a-brand-new-password"}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	wantStatus(t, r, http.StatusForbidden)
	wantSignedIn(t, there)

	r = here.post("/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"a-brand-new-password"}})
	wantStatus(t, r, http.StatusSeeOther)
	wantBody(t, here.get("/settings/tokens"), "Password changed")
	wantSignedIn(t, here)
	if here.cookie("tailor_session").Value == before {
		t.Error("the session token was not renewed")
	}
	wantSignedOut(t, there)

	r = e.client().post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}})
	wantStatus(t, r, http.StatusUnauthorized)
	r = e.client().post("/login", url.Values{"email": {"ann@example.com"}, "password": {"a-brand-new-password"}})
	wantStatus(t, r, http.StatusSeeOther)
}

// Every way to sign in leaves a session that DeleteForUser finds: setup,
// signup, login and the password change itself.
func TestEverySignInPathIndexesTheSession(t *testing.T) {
	ctx := context.Background()
	e := newWebEnv(t, func(s *Server) { s.SetupCode = "ABCD-EFGH-JKLM"; s.AllowSignup = true })

	setup := e.client()
	wantStatus(t, setup.post("/setup", url.Values{"code": {"ABCD-EFGH-JKLM"}, "email": {"root@example.com"}, "password": {testPassword}}), http.StatusSeeOther)
	signup := e.client()
	wantStatus(t, signup.post("/signup", url.Values{"email": {"sue@example.com"}, "password": {testPassword}}), http.StatusSeeOther)
	e.user("ann@example.com", db.RoleRecruiter)
	login := e.signedIn("ann@example.com")
	changed := e.signedIn("ann@example.com")
	wantStatus(t, changed.post("/settings/password", url.Values{"current_password": {testPassword}, "new_password": {testPassword + "!"}}), http.StatusSeeOther)

	for _, c := range []*client{setup, signup, changed} {
		wantSignedIn(t, c)
	}
	wantSignedOut(t, login) // found and ended by the password change
	for _, email := range []string{"root@example.com", "sue@example.com", "ann@example.com"} {
		u, err := e.db.Users.ByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.db.Sessions.DeleteForUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	for name, c := range map[string]*client{"setup": setup, "signup": signup, "password change": changed} {
		t.Run(name, func(t *testing.T) { wantSignedOut(t, c) })
	}
}

// Guessing the current password from a stolen session is throttled like
// failed sign-ins of the account.
func TestChangePasswordThrottlesGuesses(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.signedIn("ann@example.com")
	guess := url.Values{"current_password": {"a-wrong-guess"}, "new_password": {"a-brand-new-password"}}
	for range loginMaxPerEmail {
		wantStatus(t, c.post("/settings/password", guess), http.StatusUnprocessableEntity)
	}
	r := c.post("/settings/password", url.Values{"current_password": {testPassword}, "new_password": {"a-brand-new-password"}})
	wantStatus(t, r, http.StatusTooManyRequests)
	wantBody(t, r, "Too many wrong passwords")
	if _, err := e.db.Users.Authenticate(context.Background(), "ann@example.com", testPassword); err != nil {
		t.Errorf("the password changed while throttled: %v", err)
	}
}
