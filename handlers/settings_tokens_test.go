package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
)

func TestSettingsTokens(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	bob := e.user("bob@example.com", db.RoleRecruiter)
	_, bobTok, _ := e.db.Tokens.Create(context.Background(), bob.ID, "bob's")
	c := e.signedIn("ann@example.com")

	r := c.get("/settings/tokens")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="tokens-empty"`, `href="/settings/tokens" aria-current="page"`)

	// Create: the secret is on this response only, never stored or cached.
	r = c.post("/settings/tokens", url.Values{"name": {"Intranet <cards>"}})
	wantStatus(t, r, http.StatusOK)
	m := regexp.MustCompile(`id="new-token" readonly value="(tlr_[a-z0-9]+)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no new token shown:\n%s", snippet(r.body))
	}
	secret := m[1]
	wantBody(t, r, "Intranet &lt;cards&gt;")
	if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "no-store") {
		t.Errorf("the page with the secret has Cache-Control %q", cc)
	}
	wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", secret, nil), http.StatusOK)
	if strings.Contains(c.get("/settings/tokens").body, secret) {
		t.Error("the secret is shown again")
	}
	wantStatus(t, c.post("/settings/tokens", url.Values{"name": {strings.Repeat("x", 101)}}), http.StatusUnprocessableEntity)

	// Revoke: at once. Bob's token is not ann's to revoke; a cross-site
	// POST is refused.
	list, _ := e.db.Tokens.List(context.Background(), ann.ID)
	if len(list) != 1 {
		t.Fatalf("%d tokens", len(list))
	}
	wantStatus(t, c.post("/settings/tokens/"+list[0].ID+"/revoke", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	wantStatus(t, c.post("/settings/tokens/"+bobTok.ID+"/revoke", nil), http.StatusNotFound)
	r = c.post("/settings/tokens/"+list[0].ID+"/revoke", nil)
	wantStatus(t, r, http.StatusSeeOther)
	wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", secret, nil), http.StatusUnauthorized)
	wantBody(t, c.get("/settings/tokens"), "Revoked the token", "Revoked ")
	if bt, _ := e.db.Tokens.List(context.Background(), bob.ID); !bt[0].RevokedAt.IsZero() {
		t.Error("bob's token was revoked")
	}

	// Signed out: to the login page.
	r = e.client().get("/settings/tokens")
	wantStatus(t, r, http.StatusSeeOther)
}
