package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

const hostOrigin = "http://127.0.0.1:8001"

func newEmbedEnv(t *testing.T) (*webEnv, db.User, string) {
	e := newWebEnv(t, func(s *Server) { s.EmbedOrigins = []string{hostOrigin, "https://intranet.example.com/"} })
	ann := e.user("ann@example.com", db.RoleRecruiter)
	return e, ann, e.token(ann)
}

func TestEmbedCORS(t *testing.T) {
	e, ann, tok := newEmbedEnv(t)
	cand := e.candidate(ann, resume.Sample())
	path := "/embed/candidates/" + cand.ID + "/jobs"
	tests := []struct {
		name       string
		method     string
		hdr        []string
		wantStatus int
		want       map[string]string
	}{
		// Browsers send the request headers lowercase and sorted (Fetch);
		// the allowed method and headers are echoed (rs/cors).
		{"preflight from a listed origin", "OPTIONS", []string{"Origin", hostOrigin, "Access-Control-Request-Method", "GET",
			"Access-Control-Request-Headers", "authorization,hx-current-url,hx-request"}, 204, map[string]string{
			"Access-Control-Allow-Origin": hostOrigin, "Access-Control-Allow-Methods": "GET", "Access-Control-Max-Age": "600",
			"Access-Control-Allow-Headers": "authorization,hx-current-url,hx-request", "Access-Control-Allow-Credentials": "",
			"Cache-Control": "no-store"}},
		{"preflight for a header the fragments do not take", "OPTIONS", []string{"Origin", hostOrigin, "Access-Control-Request-Method", "GET",
			"Access-Control-Request-Headers", "authorization,x-other"}, 403, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"preflight for another method", "OPTIONS", []string{"Origin", hostOrigin, "Access-Control-Request-Method", "DELETE"},
			403, map[string]string{"Access-Control-Allow-Origin": ""}},
		{"preflight, listed with a trailing slash", "OPTIONS", []string{"Origin", "https://intranet.example.com",
			"Access-Control-Request-Method", "POST"}, 204, map[string]string{"Access-Control-Allow-Origin": "https://intranet.example.com"}},
		{"preflight from an unlisted origin", "OPTIONS", []string{"Origin", "http://127.0.0.1:8002", "Access-Control-Request-Method", "GET"},
			403, map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Headers": "", "Cache-Control": "no-store"}},
		{"preflight from a look-alike origin", "OPTIONS", []string{"Origin", "http://127.0.0.1:80011", "Access-Control-Request-Method", "GET"},
			403, map[string]string{"Access-Control-Allow-Origin": ""}},
		// Header names are case-insensitive; rs/cors writes them canonical.
		{"GET from a listed origin", "GET", []string{"Origin", hostOrigin, "Authorization", "Bearer " + tok}, 200, map[string]string{
			"Access-Control-Allow-Origin": hostOrigin, "Access-Control-Expose-Headers": "Hx-Retarget, Hx-Reswap, Hx-Trigger, Retry-After"}},
		{"GET from an unlisted origin", "GET", []string{"Origin", "https://evil.example", "Authorization", "Bearer " + tok}, 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
		{"error from a listed origin is readable", "GET", []string{"Origin", hostOrigin}, 401, map[string]string{
			"Access-Control-Allow-Origin": hostOrigin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			for i := 0; i+1 < len(tt.hdr); i += 2 {
				h[tt.hdr[i]] = tt.hdr[i+1]
			}
			r := e.client().do(tt.method, path, nil, h)
			wantStatus(t, r, tt.wantStatus)
			wantHeaders(t, r, tt.want)
			if !strings.Contains(r.header.Get("Vary"), "Origin") {
				t.Errorf("Vary %q lacks Origin", r.header.Get("Vary"))
			}
		})
	}
}

func TestEmbedAuthAndOwnership(t *testing.T) {
	e, ann, tok := newEmbedEnv(t)
	bob := e.user("bob@example.com", db.RoleRecruiter)
	bobTok := e.token(bob)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, cand)
	revoked, tk, _ := e.db.Tokens.Create(context.Background(), ann.ID, "old")
	e.db.Tokens.Revoke(context.Background(), ann.ID, tk.ID)

	paths := []string{"/embed/jobs/" + j.ID + "/card", "/embed/candidates/" + cand.ID + "/jobs", "/embed/candidates/" + cand.ID + "/generate"}
	tests := []struct {
		name       string
		token      string
		wantStatus int
	}{
		{"no token", "", 401},
		{"wrong token", "tlr_wrong", 401},
		{"revoked token", revoked, 401},
		{"another user's token", bobTok, 404},
		{"the owner's token", tok, 200},
	}
	for _, tt := range tests {
		for _, p := range paths {
			t.Run(tt.name+" "+p, func(t *testing.T) {
				r := e.api("GET", p, tt.token, nil)
				if tt.name == "the owner's token" && strings.HasSuffix(p, "/card") {
					tt.wantStatus = 200 // running: keeps polling
				}
				wantStatus(t, r, tt.wantStatus)
				if tt.wantStatus != 200 {
					if strings.Contains(r.body, cand.Name) || strings.Contains(r.body, "tailor-card") {
						t.Errorf("a refused request reveals the object: %s", r.body)
					}
					wantHeaders(t, r, map[string]string{"Cache-Control": "no-store"})
				}
			})
		}
	}
	// Cookies are not a way in: a signed-in browser without a token is 401.
	wantStatus(t, c.get("/embed/jobs/"+j.ID+"/card"), http.StatusUnauthorized)
	// A token revoked while a card polls: the next poll is 401.
	live, lt, _ := e.db.Tokens.Create(context.Background(), ann.ID, "intranet")
	wantStatus(t, e.api("GET", paths[0], live, nil), http.StatusOK)
	e.db.Tokens.Revoke(context.Background(), ann.ID, lt.ID)
	wantStatus(t, e.api("GET", paths[0], live, nil), http.StatusUnauthorized)
}

var classRe = regexp.MustCompile(`class="([^"]*)"`)

// wantScopedClasses fails on any class that is not tailor-*.
func wantScopedClasses(t *testing.T, html string) {
	t.Helper()
	for _, m := range classRe.FindAllStringSubmatch(html, -1) {
		for _, c := range strings.Fields(m[1]) {
			if !strings.HasPrefix(c, "tailor-") {
				t.Errorf("class %q is not scoped (tailor-*)", c)
			}
		}
	}
	for _, bad := range []string{"<html", "<head", "<body", "<link", "<script", "<style"} {
		if strings.Contains(html, bad) {
			t.Errorf("fragment carries %s", bad)
		}
	}
}

func TestEmbedFragments(t *testing.T) {
	e, ann, tok := newEmbedEnv(t)
	p := resume.Sample()
	p.Basics.Name = `Maya <script>alert(1)</script>`
	cand := e.candidate(ann, p)
	e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go <b>Lead</b>", Company: "Globex", Description: resume.SampleJobDescription})
	origin := []string{"Origin", hostOrigin}

	// The form: absolute URLs, scoped classes, text escaped.
	r := e.api("GET", "/embed/candidates/"+cand.ID+"/generate", tok, nil, origin...)
	wantStatus(t, r, http.StatusOK)
	wantScopedClasses(t, r.body)
	wantBody(t, r, `hx-post="`+e.ts.URL+`/embed/candidates/`+cand.ID+`/generate"`, `hx-target="next .tailor-cards"`,
		"Maya &lt;script&gt;", "Go &lt;b&gt;Lead&lt;/b&gt;")
	if strings.Contains(r.body, "<script>") || strings.Contains(r.body, "<b>") {
		t.Error("user text is not escaped")
	}

	// A form with errors replaces itself (HX-Retarget), with status 200.
	post := func(form url.Values) resp {
		return e.api("POST", "/embed/candidates/"+cand.ID+"/generate", tok, form.Encode(),
			"Content-Type", "application/x-www-form-urlencoded", "HX-Request", "true", "Origin", hostOrigin, "Sec-Fetch-Site", "cross-site")
	}
	r = post(url.Values{"job_title": {"Go dev"}, "theme": {"neon"}})
	wantStatus(t, r, http.StatusOK)
	wantHeaders(t, r, map[string]string{"HX-Retarget": "#tailor-form-" + cand.ID, "HX-Reswap": "outerHTML"})
	wantBody(t, r, "Choose an opening or paste a job description.", `value="Go dev"`, "This theme must be one of")
	if e.queue.count() != 0 {
		t.Fatal("an invalid form was enqueued")
	}

	// A valid one (cross-site, as from the host page): the new card, polling.
	r = post(url.Values{"job_description": {"Senior Go engineer"}, "company": {"Initech"}, "theme": {"modern"}})
	wantStatus(t, r, http.StatusOK)
	wantScopedClasses(t, r.body)
	if e.queue.count() != 1 {
		t.Fatalf("enqueued %d", e.queue.count())
	}
	jobs, _ := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 5)
	j := jobs[0]
	wantBody(t, r, `data-job-id="`+j.ID+`"`, `hx-get="`+e.ts.URL+`/embed/jobs/`+j.ID+`/card"`, `hx-trigger="every 2s"`, `hx-target="this"`,
		"waiting in queue", "Cancel")
	if j.Company != "Initech" || j.Theme != "modern" || j.OwnerID != ann.ID {
		t.Errorf("job %+v", j)
	}

	// The card polls until the job ends; 286 and a share link then.
	r = e.api("GET", "/embed/jobs/"+j.ID+"/card", tok, nil, origin...)
	wantStatus(t, r, http.StatusOK)
	e.succeed(j, resume.Sample())
	r = e.api("GET", "/embed/jobs/"+j.ID+"/card", tok, nil, origin...)
	wantStatus(t, r, statusStopPolling)
	wantScopedClasses(t, r.body)
	if strings.Contains(r.body, "hx-trigger") || strings.Contains(r.body, "Cancel") {
		t.Error("the final card still polls")
	}
	share := regexp.MustCompile(`href="([^"]+/share/[^"]+)"`).FindStringSubmatch(r.body)
	if share == nil {
		t.Fatalf("no share link on the final card:\n%s", r.body)
	}
	pdf := e.client().get(strings.TrimPrefix(strings.ReplaceAll(share[1], "&amp;", "&"), e.ts.URL))
	wantStatus(t, pdf, http.StatusOK)

	// The list, and cancel from a card.
	running := e.job(e.signedIn("ann@example.com"), cand)
	r = e.api("GET", "/embed/candidates/"+cand.ID+"/jobs", tok, nil, origin...)
	wantStatus(t, r, http.StatusOK)
	wantScopedClasses(t, r.body)
	if n := strings.Count(r.body, `data-testid="tailor-card"`); n != 2 {
		t.Errorf("list shows %d cards, want 2", n)
	}
	r = e.api("POST", "/embed/jobs/"+running.ID+"/cancel", tok, "", "Origin", hostOrigin, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-status="canceled"`)
	r = e.api("POST", "/embed/jobs/"+running.ID+"/cancel", tok, "", "Origin", hostOrigin)
	wantStatus(t, r, http.StatusOK) // ended already: the final card again
}

func (e *webEnv) signedIn(email string) *client {
	c := e.client()
	c.signIn(email)
	return c
}

func TestEmbedAssetsAndExample(t *testing.T) {
	e := newWebEnv(t)
	for _, tt := range []struct{ path, ctype, want string }{
		{"/embed/embed.css", "text/css; charset=utf-8", ".tailor-card"},
		{"/embed/htmx.min.js", "text/javascript; charset=utf-8", "htmx"},
		{"/embed/example", "text/html; charset=utf-8", `"selfRequestsOnly":true`},
		{"/embed/example.js", "text/javascript; charset=utf-8", `"/embed/jobs/"`},
		{"/embed/example.css", "text/css; charset=utf-8", "Georgia"},
	} {
		r := e.client().get(tt.path)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, tt.want)
		if r.header.Get("Content-Type") != tt.ctype || !strings.HasPrefix(r.header.Get("Cache-Control"), "public") {
			t.Errorf("%s: %q, %q", tt.path, r.header.Get("Content-Type"), r.header.Get("Cache-Control"))
		}
	}
	css := e.client().get("/embed/embed.css").body
	for _, rule := range regexp.MustCompile(`(?m)^[^/{}\s][^{]*\{`).FindAllString(css, -1) {
		for _, sel := range strings.Split(strings.TrimSuffix(rule, "{"), ",") {
			if !strings.Contains(sel, ".tailor-") {
				t.Errorf("embed.css selector %q is not scoped to a tailor-* class", sel)
			}
		}
	}
}
