package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
)

// TestAdminPagesTellARecruiterToAskAnAdmin: a recruiter opening /admin or
// any of its pages (GET or a button's POST) reads that the page is for
// admins and whom to ask, with a way back, never the cross-site message.
func TestAdminPagesTellARecruiterToAskAnAdmin(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	recruiter := e.client()
	recruiter.signIn("ann@example.com")
	for _, rt := range adminRoutes(t, e.srv.Routes()) {
		method, path := rt[0], rt[1]
		if method != http.MethodGet && method != http.MethodPost {
			continue
		}
		t.Run(method+" "+path, func(t *testing.T) {
			r := recruiter.do(method, path, nil, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			wantStatus(t, r, http.StatusForbidden)
			wantBody(t, r, "This page is for admins. Ask an admin of your agency for access.", `href="/candidates"`)
			if strings.Contains(r.body, "another site") || strings.Contains(r.body, "came from elsewhere") {
				t.Error("the admin-only page speaks of cross-site requests")
			}
		})
	}
}

// TestCrossSiteFormSaysWhatHappened: a form sent from another site is
// refused with its own words: nothing changed, open Tailor and try again.
func TestCrossSiteFormSaysWhatHappened(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	r := c.post("/logout", nil, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	wantStatus(t, r, http.StatusForbidden)
	wantBody(t, r, "Not sent from Tailor", "Nothing was changed")
	if strings.Contains(r.body, "for admins") {
		t.Error("the cross-site page speaks of admins")
	}
}

// TestErrorPagesSpeakPlainly: the web app's error pages have a title and a
// message in words for every status they answer, never the HTTP status
// text alone, and a button's address opened as a page says to use the button.
func TestErrorPagesSpeakPlainly(t *testing.T) {
	for status, p := range errorPages {
		if p.Title == http.StatusText(status) || p.Message == "" || p.Status != status {
			t.Errorf("%d: title %q, message %q: want plain words", status, p.Title, p.Message)
		}
	}
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	r := c.get("/logout")
	wantStatus(t, r, http.StatusMethodNotAllowed)
	wantBody(t, r, "Use the button in Tailor")
}

// TestTokensPageShowsHowToUseAToken: Settings explains a token with a curl
// command for this Tailor's address (and the new token, once created),
// instead of pointing at the README.
func TestTokensPageShowsHowToUseAToken(t *testing.T) {
	e := newWebEnv(t, func(s *Server) { s.BaseURL = "https://tailor.example.com" })
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	r := c.get("/settings/tokens")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `curl -H "Authorization: Bearer YOUR_TOKEN" https://tailor.example.com/api/candidates`,
		"https://tailor.example.com/api/resume-async/generate-async", `href="/docs/api"`)
	if strings.Contains(r.body, "README") {
		t.Error("the tokens page sends the recruiter to the README")
	}
	r = c.post("/settings/tokens", url.Values{"name": {"ats"}})
	_, token, _ := strings.Cut(r.body, `id="new-token" readonly value="`)
	token, _, _ = strings.Cut(token, `"`)
	if token == "" {
		t.Fatalf("no new token on the page:\n%s", r.body)
	}
	wantBody(t, r, `Bearer `+token+`" https://tailor.example.com/api/candidates`)
}

// TestJobPagesNameChangesWithoutFieldPaths: for a job whose tailoring
// reordered, rewrote and left things out, and whose fact check put a date
// back, the pages a recruiter reads say each change in words with the
// profile's labels, show the date put back beside the one taken out, and
// contain no field path such as skills[0].keywords.
func TestJobPagesNameChangesWithoutFieldPaths(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	cand := e.candidate(ann, resume.Sample())
	j := e.job(c, cand)

	src := resume.Sample()
	tailored := src.Clone()
	kw := tailored.Skills[0].Keywords
	kw[0], kw[len(kw)-1] = kw[len(kw)-1], kw[0]
	h := tailored.Work[0].Highlights
	h[0], h[1] = h[1], h[0]
	tailored.Work = tailored.Work[:len(tailored.Work)-1]
	tailored.Work[1].StartDate = "2011-01"
	checked, report := resume.Verify(src, tailored)
	if len(report.Changes) < 3 || len(report.Violations) != 1 {
		t.Fatalf("the test's tailoring should make changes and one restore: %+v", report)
	}
	body, _ := json.Marshal(report)
	changes, _ := json.Marshal(report.Changes)
	profile, _ := json.Marshal(checked)
	if _, err := e.db.Jobs.Apply(context.Background(), j.ID, jobstate.Event{
		Kind: jobstate.EventSucceeded, Attempt: 1,
		Change: jobstate.Change{Stage: "done", Progress: 100, Verification: string(body), Changes: string(changes)},
	}, &db.Result{PDF: []byte("%PDF-1.4 fake"), HTML: "<html></html>", Profile: profile}); err != nil {
		t.Fatal(err)
	}

	page := c.get("/jobs/" + j.ID)
	wantStatus(t, page, http.StatusOK)
	text := unescape(page.body)
	v := report.Violations[0]
	for _, want := range []string{
		"Moved " + kw[0], "to the front of Skills › " + src.Skills[0].Name,
		"Reordered the highlights of " + src.Work[0].Position + " at " + src.Work[0].Name,
		"Left out " + src.Work[len(src.Work)-1].Position + " at " + src.Work[len(src.Work)-1].Name + " from Experience",
		"Put back", "The start date of " + src.Work[1].Position + " at " + src.Work[1].Name,
		"January 2011", resume.DateWords(src.Work[1].StartDate), v.Reason,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("job page lacks %q", want)
		}
	}
	path := regexp.MustCompile(`\b(basics|work|education|skills|projects|certificates)(\[\d+\])?\.[a-zA-Z]+|\b[a-z]+\[\d+\]`)
	for name, r := range map[string]resp{"job page": page, "my jobs": c.get("/jobs"), "candidate page": c.get("/candidates/" + cand.ID)} {
		wantStatus(t, r, http.StatusOK)
		if m := path.FindString(unescape(r.body)); m != "" {
			t.Errorf("%s shows the field path %q", name, m)
		}
	}
}

// TestJobStatusAddsTheReasonInWords: the API keeps the stored error as
// written and adds error_text, the recruiter's words, for a failed job.
func TestJobStatusAddsTheReasonInWords(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	j := e.job(c, e.candidate(ann, resume.Sample()))
	e.db.Jobs.Apply(context.Background(), j.ID, jobstate.Event{Kind: jobstate.EventFailed, Attempt: 4,
		Change: jobstate.Change{Stage: "failed", Error: "LLM server error (500): upstream exploded"}}, nil)
	r := e.api("GET", "/api/resume-async/job-status/"+j.ID, e.token(ann), nil)
	wantStatus(t, r, http.StatusOK)
	var got struct {
		Error     string `json:"error"`
		ErrorText string `json:"error_text"`
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if want := "LLM server error (500): upstream exploded"; got.Error != want {
		t.Errorf("error = %q, want %q (as stored)", got.Error, want)
	}
	if want := "The AI service had an error (500). Tailor tried 4 times; try again in a few minutes, or ask your admin to check the AI service."; got.ErrorText != want {
		t.Errorf("error_text = %q, want %q", got.ErrorText, want)
	}
}
