package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// Issue 10, finding 10: a handler reached with nobody signed in (a route
// added outside the auth groups by mistake) must see nobody's objects. The
// owner scope of the zero user matches nothing; before, it was "", which
// the stores read as "every owner".
func TestOwnerScopeFailsClosed(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	cand := e.candidate(ann, resume.Sample())
	j := e.job(c, cand)
	o, err := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go Lead", Description: "Go"})
	if err != nil {
		t.Fatal(err)
	}

	if got := ownerScope(db.User{}); got.All() || got.String() != "" {
		t.Errorf("ownerScope(zero user) = %q, want a scope that matches nothing", got)
	}
	if got := ownerScope(db.User{Role: db.RoleAdmin}); got.All() {
		t.Error("a user with no id but the admin role gets every owner's objects")
	}

	// The handlers a careless route could expose, mounted with no auth.
	r := chi.NewRouter()
	r.Get("/jobs", e.srv.jobList)
	r.Get("/api/my-jobs", e.srv.apiMyJobs)
	r.Get("/api/jobs/{id}", e.srv.apiJobStatus)
	r.Get("/api/candidates", e.srv.apiCandidateList)
	r.Get("/api/candidates/{id}", e.srv.apiCandidateGet)
	r.Get("/api/openings", e.srv.apiOpeningList)
	r.Get("/api/openings/{id}", e.srv.apiOpeningGet)
	r.Get("/jobs/{id}/download", e.srv.jobDownload)
	for _, path := range []string{"/jobs", "/api/my-jobs", "/api/jobs/" + j.ID, "/api/candidates", "/api/candidates/" + cand.ID,
		"/api/openings", "/api/openings/" + o.ID, "/jobs/" + j.ID + "/download"} {
		t.Run(path, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
			body := w.Body.String()
			for _, id := range []string{j.ID, cand.ID, o.ID} {
				if strings.Contains(body, id) {
					t.Errorf("%s with nobody signed in shows %s (status %d):\n%s", path, id, w.Code, snippet(body))
				}
			}
			if w.Code == http.StatusOK && strings.Contains(body, "Jane") {
				t.Errorf("%s with nobody signed in shows a candidate:\n%s", path, snippet(body))
			}
		})
	}

	// The stores: the zero Owner lists nothing, AllOwners everything.
	ctx := context.Background()
	if jobs, _ := e.db.Jobs.List(ctx, db.JobFilter{}); len(jobs) != 0 {
		t.Errorf("Jobs.List with the zero Owner: %d jobs", len(jobs))
	}
	if jobs, _ := e.db.Jobs.List(ctx, db.JobFilter{Owner: db.AllOwners}); len(jobs) != 1 {
		t.Errorf("Jobs.List with AllOwners: %d jobs, want 1", len(jobs))
	}
	if _, err := e.db.Jobs.Get(ctx, db.Owner{}, j.ID); err != db.ErrNotFound {
		t.Errorf("Jobs.Get with the zero Owner: %v", err)
	}
	if list, _ := e.db.Candidates.List(ctx, db.CandidateFilter{}); len(list) != 0 {
		t.Errorf("Candidates.List with the zero Owner: %d", len(list))
	}
	if list, _ := e.db.Openings.List(ctx, db.Owner{}, 10, 0); len(list) != 0 {
		t.Errorf("Openings.List with the zero Owner: %d", len(list))
	}
}

// Issue 10, finding 9: malformed multipart bodies and a status filter with
// thousands of values are the client's mistakes: 4xx with a message, never
// a 500.
func TestBadInputIsNot500(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	tok := e.token(ann)

	manyParts := func() (string, string) {
		var b strings.Builder
		mw := multipart.NewWriter(&b)
		for i := range 5000 {
			mw.WriteField(fmt.Sprintf("f%d", i), "x")
		}
		mw.Close()
		return b.String(), mw.FormDataContentType()
	}
	parts, partsType := manyParts()
	tests := []struct {
		name, contentType, body string
	}{
		{"no boundary", "multipart/form-data", "--x\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{}\r\n--x--\r\n"},
		{"truncated", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{\"basics\":"},
		{"5,000 parts", partsType, parts},
		{"bad urlencoded escape", "application/x-www-form-urlencoded", "json=%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do("POST", "/candidates/import", strings.NewReader(tt.body), map[string]string{"Content-Type": tt.contentType})
			if r.status < 400 || r.status >= 500 {
				t.Fatalf("status %d, want 4xx:\n%s", r.status, snippet(r.body))
			}
			wantBody(t, r, "form")
			if strings.Contains(r.body, "goroutine") || strings.Contains(r.body, "Internal error") {
				t.Errorf("body:\n%s", snippet(r.body))
			}
		})
	}
	if list, _ := e.db.Candidates.List(context.Background(), db.CandidateFilter{Owner: db.AllOwners}); len(list) != 0 {
		t.Errorf("a bad upload stored %d candidates", len(list))
	}

	t.Run("40,000 status values", func(t *testing.T) {
		q := strings.TrimSuffix(strings.Repeat("queued,", 40000), ",")
		r := e.api("GET", "/api/resume-async/my-jobs?status="+q, tok, nil)
		wantStatus(t, r, http.StatusOK) // one known status, asked for many times
		for _, n := range []int{5000, 40000} {
			vals := url.Values{}
			for i := range n {
				vals.Add("status", fmt.Sprintf("s%d", i))
			}
			// 5,000: each value is read and the first unknown one named;
			// 40,000: past Go's 10,000 parameters, which Query() would drop
			// in silence (no filter at all).
			want := map[int]string{5000: `unknown status "s0"`, 40000: "malformed query string"}[n]
			r = e.api("GET", "/api/resume-async/my-jobs?"+vals.Encode(), tok, nil)
			wantStatus(t, r, http.StatusBadRequest)
			var got map[string]string
			if err := json.Unmarshal([]byte(r.body), &got); err != nil || !strings.Contains(got["error"], want) {
				t.Errorf("%d values: error %q (%v), want %q", n, r.body, err, want)
			}
			page := c.get("/jobs?" + vals.Encode())
			if page.status != map[int]int{5000: 200, 40000: 400}[n] {
				t.Errorf("My jobs page with %d values: %d", n, page.status)
			}
		}
		r = c.get("/jobs?status=" + q)
		wantStatus(t, r, http.StatusOK)
	})
}

// Issue 10, finding 8: absolute links come from BASE_URL, never from a
// Host header the client chose. Without BASE_URL only a loopback host is
// taken as is; any other gets relative links.
func TestLinksIgnoreForeignHost(t *testing.T) {
	for _, tt := range []struct {
		name, baseURL, host, wantPrefix string
	}{
		{"no BASE_URL, foreign host", "", "evil.example", "/share/"},
		{"no BASE_URL, foreign host with port", "", "evil.example:8080", "/share/"},
		{"no BASE_URL, loopback", "", "127.0.0.1:8080", "http://127.0.0.1:8080/share/"},
		{"no BASE_URL, localhost", "", "localhost:8080", "http://localhost:8080/share/"},
		{"BASE_URL wins", "https://tailor.example.com", "evil.example", "https://tailor.example.com/share/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newWebEnv(t, func(s *Server) { s.BaseURL = tt.baseURL })
			ann := e.user("ann@example.com", db.RoleRecruiter)
			c := e.client()
			c.signIn("ann@example.com")
			tok := e.token(ann)
			j := e.job(c, e.candidate(ann, resume.Sample()))
			e.succeed(j, resume.Sample())

			send := func(method, path string, hdr map[string]string) string {
				t.Helper()
				req, _ := http.NewRequest(method, e.ts.URL+path, nil)
				req.Host = tt.host
				if ck := c.cookie("tailor_session"); ck != nil {
					req.AddCookie(ck) // the jar files cookies under req.Host
				}
				for k, v := range hdr {
					req.Header.Set(k, v)
				}
				res, err := c.http.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusOK && res.StatusCode != statusStopPolling {
					t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, snippet(string(b)))
				}
				return string(b)
			}
			page := send("GET", "/jobs/"+j.ID, nil)
			m := inputValue(page, "share-url")
			if !strings.HasPrefix(m, tt.wantPrefix) {
				t.Errorf("job page share link %q, want prefix %q", m, tt.wantPrefix)
			}
			api := send("POST", "/api/resume-async/share/"+j.ID, map[string]string{"Authorization": "Bearer " + tok})
			var share struct{ URL string }
			json.Unmarshal([]byte(api), &share)
			if !strings.HasPrefix(share.URL, tt.wantPrefix) {
				t.Errorf("API share link %q, want prefix %q", share.URL, tt.wantPrefix)
			}
			card := send("GET", "/embed/jobs/"+j.ID+"/card", map[string]string{"Authorization": "Bearer " + tok})
			for _, body := range []string{page, api, card} {
				if strings.Contains(body, "evil.example") {
					t.Errorf("a link points at the request's Host:\n%s", snippet(body))
				}
			}
		})
	}
}

// inputValue returns the value of the input with the given id.
func inputValue(page, id string) string {
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	v := strings.Index(rest, `value="`)
	if v < 0 {
		return ""
	}
	rest = rest[v+len(`value="`):]
	return unescape(rest[:strings.Index(rest, `"`)])
}
