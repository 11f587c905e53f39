package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
)

var versionRowRe = regexp.MustCompile(`data-testid="version-row" data-job-id="([^"]+)"`)

// versionJob makes a job of the candidate, a minute after the last one,
// and finishes it with tailored, or leaves it running when tailored is nil.
func (e *webEnv) versionJob(owner db.User, cand db.Candidate, title string, tailored *resume.Resume) db.Job {
	e.t.Helper()
	ctx := context.Background()
	j, err := e.db.Jobs.Create(ctx, db.Job{OwnerID: owner.ID, CandidateID: cand.ID, CandidateVersion: 1, CandidateName: cand.Name,
		JobTitle: title, Company: "Globex", JobDescription: "Go engineer", Theme: "classic", Paper: "a4",
		Queue: "interactive", InputsHash: "h"}, cand.Profile)
	if err != nil {
		e.t.Fatal(err)
	}
	if tailored == nil {
		if _, err := e.db.Jobs.Apply(ctx, j.ID, jobstate.Event{Kind: jobstate.EventStarted, Attempt: 1,
			Change: jobstate.Change{Stage: "tailoring", Progress: 10}}, nil); err != nil {
			e.t.Fatal(err)
		}
		return j
	}
	e.succeed(j, *tailored)
	return j
}

// tickingClock makes every job a minute newer than the one before, so the
// newest-first order is the order of creation.
func tickingClock(d *db.DB) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { at = at.Add(time.Minute); return at }
}

func TestCandidatePagePagesItsVersions(t *testing.T) {
	e := newWebEnv(t)
	tickingClock(e.db)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, sampleWith(nil))
	tailored := resume.Sample()
	var made []string
	for i := range 12 {
		made = append(made, e.versionJob(ann, cand, "Version "+strconv.Itoa(i+1), &tailored).ID)
	}
	running := e.versionJob(ann, cand, "Still running", nil)
	c := e.client()
	c.signIn("ann@example.com")
	page := "/candidates/" + cand.ID

	rows := func(r resp) []string {
		var ids []string
		for _, m := range versionRowRe.FindAllStringSubmatch(r.body, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	r := c.get(page)
	wantStatus(t, r, http.StatusOK)
	got := rows(r)
	if len(got) != 10 || got[0] != made[11] || got[9] != made[2] {
		t.Fatalf("page 1 lists %d versions %v, want the 10 newest from %s", len(got), got, made[11])
	}
	// The running job is a card, not a version; the versions are not cards.
	wantBody(t, r, `id="job-`+running.ID+`"`, `href="/candidates/`+cand.ID+`?page=2#versions"`, "Older →",
		`action="/candidates/`+cand.ID+`/compare"`)
	if strings.Contains(r.body, `id="job-`+made[11]+`"`) {
		t.Error("a succeeded job is shown as a card as well as a version")
	}
	if strings.Contains(r.body, "← Newer") || strings.Contains(r.body, "No resume yet") {
		t.Error("page 1 offers newer versions, or says there is none")
	}
	// The newest two are chosen for comparing, newest under To.
	wantBody(t, r, `name="a" value="`+made[10]+`" aria-label="Compare from Version 11 at Globex, `,
		`name="b" value="`+made[11]+`"`)
	if !regexp.MustCompile(`name="a" value="` + made[10] + `"[^>]*checked`).MatchString(r.body) {
		t.Error("the second newest is not chosen under From")
	}

	r = c.get(page + "?page=2")
	wantStatus(t, r, http.StatusOK)
	if got := rows(r); len(got) != 2 || got[0] != made[1] || got[1] != made[0] {
		t.Fatalf("page 2 lists %v, want the two oldest", got)
	}
	wantBody(t, r, `href="/candidates/`+cand.ID+`#versions"`, "← Newer")
	if strings.Contains(r.body, "Older →") {
		t.Error("the last page offers older versions")
	}

	// htmx asks for the versions region alone.
	r = c.do("GET", page+"?page=2", nil, map[string]string{"HX-Request": "true", "HX-Target": "versions"})
	wantStatus(t, r, http.StatusOK)
	if got := rows(r); len(got) != 2 || strings.Contains(r.body, "<html") || !strings.HasPrefix(r.body, `<section id="versions"`) {
		t.Errorf("the htmx answer is not the region with 2 versions:\n%s", snippet(r.body))
	}

	// One version alone: nothing to compare it with yet.
	single := e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Name = "John Roe" }))
	e.versionJob(ann, single, "Only one", &tailored)
	r = c.get("/candidates/" + single.ID)
	wantBody(t, r, "Generate another version to compare the two.")
	if got := rows(r); len(got) != 1 || strings.Contains(r.body, `data-testid="compare-submit"`) || strings.Contains(r.body, "Older →") {
		t.Errorf("a single version: %d rows, or a compare button or pager", len(got))
	}

	// Past the last page: a way back, no error.
	r = c.get(page + "?page=9")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, "No older versions.")

	// Another user sees none of it.
	e.user("bob@example.com", db.RoleRecruiter)
	bob := e.client()
	bob.signIn("bob@example.com")
	wantStatus(t, bob.get(page+"?page=2"), http.StatusNotFound)
	wantStatus(t, bob.do("GET", page, nil, map[string]string{"HX-Request": "true", "HX-Target": "versions"}), http.StatusNotFound)
}

func TestCompareTwoVersions(t *testing.T) {
	e := newWebEnv(t)
	tickingClock(e.db)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, sampleWith(nil))
	first := resume.Sample()
	second := resume.Sample()
	second.Basics.Summary = "Backend engineer with 10 years of experience building payment systems in Go."
	second.Skills[0], second.Skills[1] = second.Skills[1], second.Skills[0]
	second.Work[0].Highlights = second.Work[0].Highlights[1:]
	a := e.versionJob(ann, cand, "Payments Engineer", &first)
	b := e.versionJob(ann, cand, "Go Lead", &second)
	c := e.client()
	c.signIn("ann@example.com")

	r := c.get("/candidates/" + cand.ID + "/compare?" + url.Values{"a": {a.ID}, "b": {b.ID}}.Encode())
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, "Compare two versions", "Payments Engineer at Globex", "Go Lead at Globex",
		"<h2>Summary</h2>", "<h2>Skills</h2>", "<h2>Experience</h2>", "moved up from place 2 to 1",
		`<del><span class="skip">Removed: </span>`+strings.ReplaceAll(first.Work[0].Highlights[0], "'", "&#39;")+`</del>`,
		`<del><span class="skip">removed: </span>reliable distributed systems.</del>`,
		`<ins><span class="skip">added: </span>payment systems in Go.</ins>`,
		`href="/candidates/`+cand.ID+`/compare?a=`+b.ID+`&amp;b=`+a.ID+`"`)
	if strings.Contains(r.body, "work[0]") || strings.Contains(r.body, "basics.summary") {
		t.Error("the comparison speaks in JSON paths")
	}
}

func TestCompareVersionsRefusesBadChoices(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	bobUser := e.user("bob@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, sampleWith(nil))
	otherCand := e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Name = "John Roe" }))
	bobCand := e.candidate(bobUser, sampleWith(nil))
	tailored := resume.Sample()
	a := e.versionJob(ann, cand, "A", &tailored)
	b := e.versionJob(ann, cand, "B", &tailored)
	running := e.versionJob(ann, cand, "Still running", nil)
	ofOther := e.versionJob(ann, otherCand, "Other", &tailored)
	ofBob := e.versionJob(bobUser, bobCand, "Bob's", &tailored)
	c := e.client()
	c.signIn("ann@example.com")
	compare := func(candID, a, b string) string {
		return "/candidates/" + candID + "/compare?" + url.Values{"a": {a}, "b": {b}}.Encode()
	}
	tests := []struct {
		name, path string
		status     int
		message    string
	}{
		{"both", compare(cand.ID, a.ID, b.ID), http.StatusOK, "Compare two versions"},
		{"none chosen", "/candidates/" + cand.ID + "/compare", http.StatusBadRequest, "Choose two versions to compare"},
		{"one chosen", compare(cand.ID, a.ID, ""), http.StatusBadRequest, "Choose two versions to compare"},
		{"the same twice", compare(cand.ID, a.ID, a.ID), http.StatusBadRequest, "Choose two different versions"},
		{"still running", compare(cand.ID, a.ID, running.ID), http.StatusConflict, "“Still running” at Globex has no tailored resume to compare: it is still being made."},
		{"unknown job", compare(cand.ID, a.ID, "nope"), http.StatusNotFound, "Page not found"},
		{"another candidate's job", compare(cand.ID, a.ID, ofOther.ID), http.StatusNotFound, "Page not found"},
		{"another user's job", compare(cand.ID, ofBob.ID, b.ID), http.StatusNotFound, "Page not found"},
		{"another user's candidate", compare(bobCand.ID, ofBob.ID, ofBob.ID+"x"), http.StatusNotFound, "Page not found"},
		{"unknown candidate", compare("nope", a.ID, b.ID), http.StatusNotFound, "Page not found"},
		{"malformed query", "/candidates/" + cand.ID + "/compare?a=%zz", http.StatusBadRequest, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.get(tt.path)
			wantStatus(t, r, tt.status)
			wantBody(t, r, tt.message)
			if strings.Contains(r.body, "goroutine") || strings.Contains(r.body, ".go:") {
				t.Errorf("the answer shows a stack trace:\n%s", snippet(r.body))
			}
		})
	}
}
