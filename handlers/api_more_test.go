package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks"
)

// token creates an API token for u.
func (e *webEnv) token(u db.User) string {
	e.t.Helper()
	secret, _, err := e.db.Tokens.Create(context.Background(), u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// api sends a request with a bearer token; body is JSON-encoded unless it
// is a string. hdr is name, value pairs.
func (e *webEnv) api(method, path, token string, body any, hdr ...string) resp {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		r = bytes.NewReader(raw)
	}
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	if body != nil {
		h["Content-Type"] = "application/json"
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return e.client().do(method, path, r, h)
}

func jsonOf(t *testing.T, r resp) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("not JSON (%d): %s", r.status, snippet(r.body))
	}
	return m
}

func TestAPICandidateUpdateAndDelete(t *testing.T) {
	e := newWebEnv(t)
	ann, bob := e.user("ann@example.com", db.RoleRecruiter), e.user("bob@example.com", db.RoleRecruiter)
	annTok, bobTok := e.token(ann), e.token(bob)
	cand := e.candidate(ann, resume.Sample())

	p := resume.Sample()
	p.Basics.Name = "Maya Okafor-Smith"
	tests := []struct {
		name       string
		method     string
		token      string
		body       any
		wantStatus int
		wantBody   string
	}{
		{"another user's candidate", "PUT", bobTok, p, 404, `"not found"`},
		{"invalid profile", "PUT", annTok, map[string]any{"basics": map[string]any{"name": ""}}, 422, "basics.name"},
		{"malformed JSON", "PUT", annTok, "{", 400, "invalid JSON"},
		{"update", "PUT", annTok, p, 200, `"version":2`},
		{"another user's delete", "DELETE", bobTok, nil, 404, `"not found"`},
		{"delete", "DELETE", annTok, nil, 204, ""},
		{"gone", "GET", annTok, nil, 404, `"not found"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.api(tt.method, "/api/candidates/"+cand.ID, tt.token, tt.body)
			wantStatus(t, r, tt.wantStatus)
			wantBody(t, r, tt.wantBody)
			if tt.name == "update" {
				c, _ := e.db.Candidates.Get(context.Background(), db.AllOwners, cand.ID)
				if c.Name != p.Basics.Name || c.Version != 2 || c.OwnerID != ann.ID {
					t.Errorf("after PUT: %+v", c)
				}
			}
		})
	}
}

func TestAPIOpenings(t *testing.T) {
	e := newWebEnv(t)
	ann, bob := e.user("ann@example.com", db.RoleRecruiter), e.user("bob@example.com", db.RoleRecruiter)
	annTok, bobTok := e.token(ann), e.token(bob)

	r := e.api("POST", "/api/openings", annTok, map[string]string{"title": "  Go Engineer ", "company": "Globex", "description": resume.SampleJobDescription})
	wantStatus(t, r, http.StatusCreated)
	o := jsonOf(t, r)
	id, _ := o["id"].(string)
	if o["title"] != "Go Engineer" || r.header.Get("Location") != "/api/openings/"+id {
		t.Fatalf("created %v, Location %q", o, r.header.Get("Location"))
	}

	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       any
		wantStatus int
		wantBody   string
	}{
		{"list leaves out descriptions", "GET", "/api/openings", annTok, nil, 200, `"title":"Go Engineer"`},
		{"get", "GET", "/api/openings/" + id, annTok, nil, 200, `"description":"`},
		{"another user's get", "GET", "/api/openings/" + id, bobTok, nil, 404, `"not found"`},
		{"another user's list is empty", "GET", "/api/openings", bobTok, nil, 200, `{"openings":[]}`},
		{"missing fields", "POST", "/api/openings", annTok, map[string]string{"company": "x"}, 422, "description is required; title is required"},
		{"unknown field", "POST", "/api/openings", annTok, map[string]string{"title": "x", "salary": "1"}, 400, "unknown field"},
		{"description too big", "POST", "/api/openings", annTok, map[string]string{"title": "x", "description": strings.Repeat("a", 101*1024)}, 413, "100 KB"},
		{"another user's update", "PUT", "/api/openings/" + id, bobTok, map[string]string{"title": "x", "description": "y"}, 404, `"not found"`},
		{"update", "PUT", "/api/openings/" + id, annTok, map[string]string{"title": "Go Lead", "description": "Go"}, 200, `"title":"Go Lead"`},
		{"another user's delete", "DELETE", "/api/openings/" + id, bobTok, nil, 404, `"not found"`},
		{"delete", "DELETE", "/api/openings/" + id, annTok, nil, 204, ""},
		{"deleted", "GET", "/api/openings/" + id, annTok, nil, 404, `"not found"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.api(tt.method, tt.path, tt.token, tt.body)
			wantStatus(t, r, tt.wantStatus)
			wantBody(t, r, tt.wantBody)
			if tt.name == "list leaves out descriptions" && strings.Contains(r.body, `"description"`) {
				t.Errorf("list has descriptions: %s", r.body)
			}
		})
	}
}

func TestAPIRegenerateReusesTheTailoring(t *testing.T) {
	e := newWebEnv(t)
	ann, bob := e.user("ann@example.com", db.RoleRecruiter), e.user("bob@example.com", db.RoleRecruiter)
	annTok, bobTok := e.token(ann), e.token(bob)
	cand := e.candidate(ann, resume.Sample())
	r := e.api("POST", "/api/resume-async/generate-async", annTok, map[string]string{"candidate_id": cand.ID,
		"job_description": resume.SampleJobDescription, "company": "Globex", "theme": "classic"})
	wantStatus(t, r, http.StatusAccepted)
	oldID := jsonOf(t, r)["job_id"].(string)

	// The candidate changes afterwards: the reprint still uses the profile
	// the first job tailored, so the tailoring cache hits.
	changed := resume.Sample()
	changed.Basics.Label = "Changed since"
	body, _ := json.Marshal(changed)
	e.db.Candidates.Update(context.Background(), ann.ID, cand.ID, changed.Basics.Name, body)

	wantStatus(t, e.api("POST", "/api/resume-async/regenerate/"+oldID, bobTok, map[string]string{"theme": "modern"}), 404)
	wantStatus(t, e.api("POST", "/api/resume-async/regenerate/"+oldID, annTok, map[string]string{"theme": "neon"}), 422)
	r = e.api("POST", "/api/resume-async/regenerate/"+oldID, annTok, map[string]string{"theme": "modern", "paper": "letter"})
	wantStatus(t, r, http.StatusAccepted)
	m := jsonOf(t, r)
	newID := m["job_id"].(string)
	if newID == oldID || m["status"] != "queued" || r.header.Get("Location") != "/api/resume-async/job-status/"+newID {
		t.Fatalf("regenerate answered %v", m)
	}
	if n := e.queue.count(); n != 2 {
		t.Fatalf("enqueued %d, want 2", n)
	}
	first, again := e.queue.enqueued[0], e.queue.enqueued[1]
	if !bytes.Equal(first.Profile, again.Profile) || first.JobDescription != again.JobDescription {
		t.Error("the reprint's inputs differ from the first job's")
	}
	if tasks.TailoringKey(first.Profile, first.JobDescription, "offline", "") != tasks.TailoringKey(again.Profile, again.JobDescription, "offline", "") {
		t.Error("the tailoring cache key differs")
	}
	if again.Theme != "modern" || again.Paper != "letter" || again.Company != "Globex" {
		t.Errorf("reprint payload %+v", again)
	}
	// An empty body reprints as it was.
	wantStatus(t, e.api("POST", "/api/resume-async/regenerate/"+oldID, annTok, nil), http.StatusAccepted)
}

func TestAPIShareLink(t *testing.T) {
	e := newWebEnv(t)
	ann, bob := e.user("ann@example.com", db.RoleRecruiter), e.user("bob@example.com", db.RoleRecruiter)
	annTok, bobTok := e.token(ann), e.token(bob)
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, e.candidate(ann, resume.Sample()))

	wantStatus(t, e.api("POST", "/api/resume-async/share/"+j.ID, annTok, nil), http.StatusConflict)
	e.succeed(j, resume.Sample())
	wantStatus(t, e.api("POST", "/api/resume-async/share/"+j.ID, bobTok, nil), http.StatusNotFound)
	r := e.api("POST", "/api/resume-async/share/"+j.ID, annTok, nil)
	wantStatus(t, r, http.StatusOK)
	m := jsonOf(t, r)
	link, _ := m["url"].(string)
	if !strings.HasPrefix(link, e.ts.URL+"/share/"+j.ID+"?") || m["expires_at"] == nil {
		t.Fatalf("share answered %v", m)
	}
	pdf := e.client().get(strings.TrimPrefix(link, e.ts.URL))
	wantStatus(t, pdf, http.StatusOK)
	if pdf.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("share link serves %q", pdf.header.Get("Content-Type"))
	}
}

func TestAPITokens(t *testing.T) {
	e := newWebEnv(t)
	ann, bob := e.user("ann@example.com", db.RoleRecruiter), e.user("bob@example.com", db.RoleRecruiter)
	annTok, bobTok := e.token(ann), e.token(bob)

	r := e.api("POST", "/api/tokens", annTok, map[string]string{"name": "intranet"})
	wantStatus(t, r, http.StatusCreated)
	created := jsonOf(t, r)
	secret, _ := created["token"].(string)
	id, _ := created["id"].(string)
	if !strings.HasPrefix(secret, "tlr_") || created["name"] != "intranet" {
		t.Fatalf("created %v", created)
	}
	wantStatus(t, e.api("POST", "/api/tokens", annTok, map[string]string{"name": strings.Repeat("x", 101)}), 422)

	r = e.api("GET", "/api/tokens", annTok, nil)
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, secret) || strings.Contains(r.body, "token_hash") || strings.Count(r.body, `"id"`) != 2 {
		t.Errorf("token list: %s", r.body)
	}
	if strings.Contains(e.api("GET", "/api/tokens", bobTok, nil).body, id) {
		t.Error("bob sees ann's token")
	}

	// The new token works, bob cannot revoke it, ann can: at once.
	wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", secret, nil), http.StatusOK)
	wantStatus(t, e.api("DELETE", "/api/tokens/"+id, bobTok, nil), http.StatusNotFound)
	wantStatus(t, e.api("DELETE", "/api/tokens/"+id, annTok, nil), http.StatusNoContent)
	r = e.api("GET", "/api/resume-async/my-jobs", secret, nil)
	wantStatus(t, r, http.StatusUnauthorized)
	wantBody(t, r, "invalid or revoked API token")
	wantStatus(t, e.api("DELETE", "/api/tokens/"+id, annTok, nil), http.StatusNotFound)
	wantBody(t, e.api("GET", "/api/tokens", annTok, nil), `"revoked_at":"`)
}

func TestAPIRateLimitPerToken(t *testing.T) {
	e := newWebEnv(t, func(s *Server) { s.APIRatePerMinute = 3 })
	ann, bob := e.user("ann@example.com", db.RoleRecruiter), e.user("bob@example.com", db.RoleRecruiter)
	annTok, bobTok := e.token(ann), e.token(bob)
	for range 3 {
		wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", annTok, nil), http.StatusOK)
	}
	r := e.api("GET", "/api/resume-async/my-jobs", annTok, nil)
	wantStatus(t, r, http.StatusTooManyRequests)
	wantBody(t, r, `"error":"rate limit: 3 requests per minute per token`)
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 || ra > 20 {
		t.Errorf("Retry-After %q, want about 20 s (one request every 20 s)", r.header.Get("Retry-After"))
	}
	if r.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("429 is %q", r.header.Get("Content-Type"))
	}
	// Another token has its own bucket; a bad token is 401, not 429.
	wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", bobTok, nil), http.StatusOK)
	wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", "tlr_nope", nil), http.StatusUnauthorized)
	// The embedded fragments share the token's bucket.
	r = e.api("GET", "/embed/jobs/x/card", annTok, nil)
	wantStatus(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Error("embed 429 without Retry-After")
	}
}

// A token can mint tokens (POST /api/tokens). An embedding's token is
// visible to whoever reads the host page, and README's remedy is to revoke
// it under Settings; but a token minted with it lived on, so whoever had
// read the page kept the owner's access after the revoke. Revoking a token
// revokes every token minted through it (and through those); tokens made
// elsewhere (Settings, the CLI, another token) are untouched.
func TestRevokingATokenRevokesWhatItMinted(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	mint := func(parent string) (secret, id string) {
		t.Helper()
		r := e.api("POST", "/api/tokens", parent, map[string]string{"name": "default"})
		wantStatus(t, r, http.StatusCreated)
		m := jsonOf(t, r)
		return m["token"].(string), m["id"].(string)
	}
	embedSecret, embed, err := e.db.Tokens.Create(context.Background(), ann.ID, "intranet page")
	if err != nil {
		t.Fatal(err)
	}
	child, _ := mint(embedSecret)
	grandchild, _ := mint(child)
	other := e.token(ann) // made elsewhere, e.g. the CLI
	sibling, _ := mint(other)
	for _, tok := range []string{child, grandchild, other, sibling} {
		wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", tok, nil), http.StatusOK)
	}

	// The owner revokes the embedding's token, as README says, under Settings.
	web := e.signedIn("ann@example.com")
	wantStatus(t, web.post("/settings/tokens/"+embed.ID+"/revoke", url.Values{}), http.StatusSeeOther)
	for name, tok := range map[string]string{"the revoked token": embedSecret, "a token it minted": child, "a token minted by that one": grandchild} {
		if r := e.api("GET", "/api/resume-async/my-jobs", tok, nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s still works after the revoke: %d", name, r.status)
		}
	}
	for _, tok := range []string{other, sibling} {
		wantStatus(t, e.api("GET", "/api/resume-async/my-jobs", tok, nil), http.StatusOK)
	}
}
