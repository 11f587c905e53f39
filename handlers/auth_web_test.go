package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
)

func TestSetupCreatesTheFirstAdminOnce(t *testing.T) {
	e := newWebEnv(t, func(s *Server) { s.SetupCode = "ABCD-EFGH-JKLM" })
	c := e.client()

	r := c.get("/")
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/setup" {
		t.Fatalf("/ sends a fresh install to %q, want /setup", loc)
	}
	wantBody(t, c.get("/setup"), "Setup code", "setup code is printed")

	// A wrong code keeps what was typed and creates nobody.
	r = c.post("/setup", url.Values{"code": {"WRONG"}, "email": {"ann@example.com"}, "password": {"a-long-password"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, "This is not the setup code", `value="ann@example.com"`)
	if n, _ := e.db.Users.Count(context.Background()); n != 0 {
		t.Fatalf("%d users after a wrong code", n)
	}

	// The right code (any case, dashes optional) creates an admin and signs in.
	r = c.post("/setup", url.Values{"code": {"abcdefghjklm"}, "email": {"ann@example.com"}, "password": {"a-long-password"}})
	wantStatus(t, r, http.StatusSeeOther)
	u, err := e.db.Users.ByEmail(context.Background(), "ann@example.com")
	if err != nil || !u.IsAdmin() {
		t.Fatalf("first user: %+v, %v", u, err)
	}
	wantStatus(t, c.get("/admin/users"), http.StatusOK)

	// Closed for good: even with the code.
	other := e.client()
	wantStatus(t, other.get("/setup"), http.StatusNotFound)
	r = other.post("/setup", url.Values{"code": {"ABCD-EFGH-JKLM"}, "email": {"eve@example.com"}, "password": {"a-long-password"}})
	wantStatus(t, r, http.StatusNotFound)
	if n, _ := e.db.Users.Count(context.Background()); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

func TestLoginMessagesAndSession(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()

	// Wrong password and unknown email: the same neutral message and status.
	wrong := c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"nope-nope-nope"}})
	unknown := c.post("/login", url.Values{"email": {"zed@example.com"}, "password": {"nope-nope-nope"}})
	if wrong.status != unknown.status || wrong.status != http.StatusUnauthorized {
		t.Errorf("statuses %d and %d, want 401 for both", wrong.status, unknown.status)
	}
	for _, r := range []resp{wrong, unknown} {
		wantBody(t, r, badLogin)
	}
	wantBody(t, wrong, `value="ann@example.com"`) // what was typed is kept

	// An anonymous visit gets a session cookie only once one is needed; log
	// in renews the token.
	c.get("/login")
	before := c.cookie("tailor_session")
	r := c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}, "next": {"/jobs?status=failed"}})
	wantStatus(t, r, http.StatusSeeOther)
	if loc := r.header.Get("Location"); loc != "/jobs?status=failed" {
		t.Errorf("after login to %q, want back to /jobs?status=failed", loc)
	}
	after := c.cookie("tailor_session")
	if after == nil || before != nil && before.Value == after.Value {
		t.Fatalf("session token not renewed at login (before %v, after %v)", before, after)
	}
	setCookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("session cookie %q lacks %s", setCookie, want)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("cookie is Secure over plain http without an https BASE_URL: %q", setCookie)
	}
	wantStatus(t, c.get("/candidates"), http.StatusOK)

	// An open redirect is refused.
	c2 := e.client()
	r = c2.post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}, "next": {"//evil.example/x"}})
	if loc := r.header.Get("Location"); loc != "/candidates" {
		t.Errorf("next=//evil.example sends to %q", loc)
	}

	// Logout ends the session server-side.
	token := c.cookie("tailor_session").Value
	wantStatus(t, c.post("/logout", nil), http.StatusSeeOther)
	if _, found, _ := e.db.Sessions.FindCtx(context.Background(), token); found {
		t.Error("session still stored after logout")
	}
	wantStatus(t, c.get("/candidates"), http.StatusSeeOther)
}

func TestSecureCookieWithHTTPSBaseURL(t *testing.T) {
	e := newWebEnv(t, func(s *Server) { s.BaseURL = "https://tailor.example.com" })
	e.user("ann@example.com", db.RoleRecruiter)
	r := e.client().post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}})
	if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "Secure") {
		t.Errorf("cookie %q is not Secure with an https BASE_URL", sc)
	}
}

// Behind a proxy that ends TLS (Fly's edge, with force_https), r.TLS is nil
// and BASE_URL may be unset; the proxy says https in X-Forwarded-Proto. The
// cookie was then not Secure though every page was served over https, and a
// browser would send it over a plain http:// request that an attacker on the
// network provokes. A trusted proxy's word makes it Secure; an untrusted
// client's does not count (TRUSTED_PROXY, issue 10 finding 5).
func TestSecureCookieBehindTLSProxy(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	for _, tt := range []struct {
		name       string
		proxy      TrustedProxy
		proto      string
		wantSecure bool
	}{
		{"Fly's proxy says https", TrustedProxy{Fly: true}, "https", true},
		{"a listed proxy says https", TrustedProxy{Peers: loopback}, "https", true},
		{"a listed proxy says http", TrustedProxy{Peers: loopback}, "http", false},
		{"no trusted proxy: the header is the client's", TrustedProxy{}, "https", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newWebEnv(t, func(s *Server) { s.TrustedProxy = tt.proxy })
			e.user("ann@example.com", db.RoleRecruiter)
			r := e.client().post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}},
				"X-Forwarded-Proto", tt.proto)
			wantStatus(t, r, http.StatusSeeOther)
			if sc := r.header.Get("Set-Cookie"); strings.Contains(sc, "Secure") != tt.wantSecure {
				t.Errorf("cookie %q: Secure %v, want %v", sc, !tt.wantSecure, tt.wantSecure)
			}
		})
	}
}

func TestLoginThrottle(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	for i := range loginMaxPerEmail {
		r := c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {"wrong-password"}})
		wantStatus(t, r, http.StatusUnauthorized)
		_ = i
	}
	// Even the right password waits now, with a clear message.
	r := c.post("/login", url.Values{"email": {"Ann@Example.com"}, "password": {testPassword}})
	wantStatus(t, r, http.StatusTooManyRequests)
	wantBody(t, r, "Too many sign-in attempts", "minutes")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// Another email from the same IP is not blocked yet...
	e.user("bob@example.com", db.RoleRecruiter)
	c.signIn("bob@example.com")

	// ...until the IP itself reaches its limit.
	lim := e.srv.web.limiter
	for i := range loginMaxPerIP {
		lim.reserve(fmt.Sprintf("someone%d@example.com", i), "127.0.0.1")
	}
	r = e.client().post("/login", url.Values{"email": {"bob@example.com"}, "password": {testPassword}})
	wantStatus(t, r, http.StatusTooManyRequests)
}

func TestExpiredSessionReturnsToThePage(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, sampleWith(nil))
	c := e.client()
	c.signIn("ann@example.com")

	// The session ends (expired, or removed from the store).
	if err := e.db.Sessions.DeleteCtx(context.Background(), c.cookie("tailor_session").Value); err != nil {
		t.Fatal(err)
	}
	page := "/candidates/" + cand.ID
	r := c.get(page)
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.header.Get("Location")
	if loc != "/login?next="+url.QueryEscape(page) {
		t.Fatalf("expired session sends to %q", loc)
	}
	wantBody(t, c.get(loc), `name="next" value="`+page+`"`)
	r = c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}, "next": {page}})
	if got := r.header.Get("Location"); got != page {
		t.Errorf("after login: %q, want %q", got, page)
	}

	// An htmx request learns where to go with HX-Redirect.
	e.db.Sessions.DeleteCtx(context.Background(), c.cookie("tailor_session").Value)
	r = c.do("POST", page+"/generate", strings.NewReader("job_description=x"), map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true", "HX-Current-URL": e.ts.URL + page,
	})
	if got := r.header.Get("HX-Redirect"); got != "/login?next="+url.QueryEscape(page) {
		t.Errorf("htmx HX-Redirect = %q", got)
	}
}

func TestCrossSitePostIsRefused(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, sampleWith(nil))
	c := e.client()
	c.signIn("ann@example.com")

	for _, tt := range []struct{ name, path string }{
		{"load sample", "/candidates/sample"},
		{"delete candidate", "/candidates/" + cand.ID + "/delete"},
		{"generate", "/candidates/" + cand.ID + "/generate"},
		{"logout", "/logout"},
		{"login", "/login"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, hdr := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
				r := c.post(tt.path, url.Values{"job_description": {"Go"}, "email": {"ann@example.com"}, "password": {testPassword}}, hdr...)
				wantStatus(t, r, http.StatusForbidden)
				wantBody(t, r, `data-testid="error-page"`)
			}
		})
	}
	list, _ := e.db.Candidates.List(context.Background(), db.CandidateFilter{Owner: db.AllOwners})
	if len(list) != 1 {
		t.Errorf("%d candidates after cross-site posts, want the 1 we had", len(list))
	}
	if e.queue.count() != 0 {
		t.Errorf("a cross-site generate enqueued %d jobs", e.queue.count())
	}
	// Same-origin posts from the browser pass.
	r := c.post("/candidates/sample", nil, "Sec-Fetch-Site", "same-origin", "Origin", e.ts.URL)
	wantStatus(t, r, http.StatusSeeOther)
}

func TestSignupOnlyWhenAllowed(t *testing.T) {
	closed := newWebEnv(t)
	wantStatus(t, closed.client().get("/signup"), http.StatusNotFound)
	wantStatus(t, closed.client().post("/signup", url.Values{"email": {"x@example.com"}, "password": {"a-long-password"}}), http.StatusNotFound)

	open := newWebEnv(t, func(s *Server) { s.AllowSignup = true })
	c := open.client()
	wantBody(t, c.get("/login"), `href="/signup"`)
	r := c.post("/signup", url.Values{"email": {"x@example.com"}, "password": {"short"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, "at least 8 characters", `value="x@example.com"`)
	wantStatus(t, c.post("/signup", url.Values{"email": {"x@example.com"}, "password": {"a-long-password"}}), http.StatusSeeOther)
	u, err := open.db.Users.ByEmail(context.Background(), "x@example.com")
	if err != nil || u.Role != db.RoleRecruiter {
		t.Errorf("signed-up user %+v, %v; want a recruiter", u, err)
	}
	wantStatus(t, c.get("/candidates"), http.StatusOK)
}
