package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// The candidates page, its htmx region, the API list and the batch form
// all search by name, skill, employer or title, ignoring case and accents;
// punctuation and search syntax are plain text, never a 500.
func TestCandidateSearchPagesAndAPI(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.candidate(ann, sampleWith(func(r *resume.Resume) {
		r.Basics.Name = "Sofía Álvarez"
		r.Work[0].Name = "Northbeam"
	}))
	e.candidate(ann, resume.Resume{Basics: resume.Basics{Name: "Liam O'Brien"}})
	o, err := e.db.Openings.Create(t.Context(), db.Opening{OwnerID: ann.ID, Title: "Go Lead", Description: resume.SampleJobDescription})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.signIn("ann@example.com")
	token := e.token(ann)

	for _, q := range []string{"alvarez", "ÁLVAREZ", "alva", "kubernetes", "northbeam", "senior backend"} {
		r := c.get("/candidates?q=" + url.QueryEscape(q))
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(r.body, "Sofía Álvarez") || strings.Contains(r.body, "Liam O&#39;Brien") {
			t.Errorf("page search %q:\n%s", q, snippet(r.body))
		}
		r = c.do("GET", "/candidates?q="+url.QueryEscape(q), nil, map[string]string{"HX-Request": "true", "HX-Target": "candidate-list"})
		if strings.Count(r.body, `data-testid="candidate-row"`) != 1 || strings.Contains(r.body, "<html") {
			t.Errorf("region search %q:\n%s", q, snippet(r.body))
		}
		r = e.api("GET", "/api/candidates?q="+url.QueryEscape(q), token, nil)
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(r.body, `"name":"Sofía Álvarez"`) || strings.Contains(r.body, "Brien") {
			t.Errorf("API search %q: %s", q, r.body)
		}
		r = c.get("/openings/" + o.ID + "/batch?q=" + url.QueryEscape(q))
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(r.body, "Sofía Álvarez") || strings.Contains(r.body, "Liam O&#39;Brien") {
			t.Errorf("batch form search %q:\n%s", q, snippet(r.body))
		}
	}
	for _, q := range []string{`O'Brien`, `C++`, `"`, `AND`, `*`, `alvarez OR`, `NEAR(`, `-x`, `col:x`, "\x00", "%"} {
		r := c.get("/candidates?q=" + url.QueryEscape(q))
		wantStatus(t, r, http.StatusOK)
		r = e.api("GET", "/api/candidates?q="+url.QueryEscape(q), token, nil)
		wantStatus(t, r, http.StatusOK)
		r = c.get("/openings/" + o.ID + "/batch?q=" + url.QueryEscape(q))
		wantStatus(t, r, http.StatusOK)
	}
	wantBody(t, c.get("/candidates?q="+url.QueryEscape("o'brien")), "Liam O&#39;Brien")
	// The headline shows beside the name: what a search by title matched.
	wantBody(t, c.get("/candidates?q=kubernetes"), `data-testid="candidate-headline">Senior Backend Engineer<`)
}
