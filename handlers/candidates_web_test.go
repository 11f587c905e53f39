package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// sampleWith returns the sample profile changed by f.
func sampleWith(f func(*resume.Resume)) resume.Resume {
	r := resume.Sample()
	if f != nil {
		f(&r)
	}
	return r
}

func TestCandidatesListSearchAndPages(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")

	// Empty: offers the sample.
	r := c.get("/candidates")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, `data-testid="candidates-empty"`, `action="/candidates/sample"`)

	for i := range perPage + 3 {
		e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Name = fmt.Sprintf("Person %02d", i) }))
	}
	e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Name = "Zoë Quill" }))
	r = c.get("/candidates")
	if n := strings.Count(r.body, `data-testid="candidate-row"`); n != perPage {
		t.Errorf("page 1 has %d rows, want %d", n, perPage)
	}
	wantBody(t, r, `href="/candidates?page=2"`)
	r = c.get("/candidates?page=2")
	if n := strings.Count(r.body, `data-testid="candidate-row"`); n != 4 {
		t.Errorf("page 2 has %d rows, want 4", n)
	}
	// Search, as htmx asks for it: only the list region comes back. (Not
	// "quill": every sample profile worked at Quillsoft, and employers match.)
	r = c.do("GET", "/candidates?q=zoe", nil, map[string]string{"HX-Request": "true", "HX-Target": "candidate-list"})
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, "<html") || strings.Count(r.body, `data-testid="candidate-row"`) != 1 {
		t.Errorf("search fragment:\n%s", snippet(r.body))
	}
	wantBody(t, c.get("/candidates?q=nobody"), "No candidate matches")
}

func TestCandidateFormKeepsInputAndShowsErrorsByField(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	wantStatus(t, c.get("/candidates/new"), http.StatusOK)

	form := url.Values{
		"basics.name": {"Jane Doe"}, "basics.email": {"not-an-email"},
		"work[0].position": {"Engineer"}, "work[0].name": {"Acme"}, "work[0].startDate": {"Spring 2020"},
		"work[0].highlights": {"Shipped things\nFixed things"},
		"skills[0].name":     {"Go"}, "skills[0].keywords": {"gRPC, Redis"},
		"op": {"save"},
	}
	r := c.post("/candidates/new", form)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r,
		`value="Jane Doe"`, `value="Spring 2020"`, "Shipped things\nFixed things", `value="gRPC, Redis"`,
		`id="basics.email" name="basics.email" value="not-an-email" autocomplete="email" aria-invalid="true"`,
		`id="basics.email-error"`, "Must be an email address",
		`id="work[0].startDate-error"`,
	)
	if list, _ := e.db.Candidates.List(context.Background(), db.CandidateFilter{Owner: db.AllOwners}); len(list) != 0 {
		t.Fatal("an invalid form was saved")
	}

	// Add a row without JavaScript: the whole page, with a second job.
	form.Set("op", "add:work")
	r = c.post("/candidates/new", form)
	wantStatus(t, r, http.StatusOK)
	if n := strings.Count(r.body, `data-testid="work-entry"`); n != 2 {
		t.Errorf("%d work entries after add, want 2", n)
	}
	// With htmx: only the form region, and the new row takes the focus.
	r = c.post("/candidates/new", form, "HX-Request", "true", "HX-Target", "candidate-form")
	if strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="work[1].position" name="work[1].position" value="" autofocus`) {
		t.Errorf("htmx add row:\n%s", snippet(r.body))
	}
	form.Set("op", "remove:work:0")
	r = c.post("/candidates/new", form)
	if n := strings.Count(r.body, `data-testid="work-entry"`); n != 0 {
		t.Errorf("%d work entries after remove, want 0", n)
	}

	// Fixed, it saves at version 1, and each edit bumps the version.
	form.Set("op", "save")
	form.Set("basics.email", "jane@example.com")
	form.Set("work[0].startDate", "2020-03")
	r = c.post("/candidates/new", form)
	wantStatus(t, r, http.StatusSeeOther)
	list, _ := e.db.Candidates.List(context.Background(), db.CandidateFilter{Owner: db.AllOwners})
	if len(list) != 1 || list[0].Version != 1 {
		t.Fatalf("saved %+v", list)
	}
	var saved resume.Resume
	got, _ := e.db.Candidates.Get(context.Background(), db.AllOwners, list[0].ID)
	json.Unmarshal(got.Profile, &saved)
	if len(saved.Work) != 1 || len(saved.Work[0].Highlights) != 2 || saved.Skills[0].Keywords[1] != "Redis" {
		t.Errorf("saved profile %+v", saved)
	}
	edit := c.get("/candidates/" + got.ID + "/edit")
	wantBody(t, edit, `value="jane@example.com"`, "version 2")
	form.Set("basics.label", "Staff Engineer")
	wantStatus(t, c.post("/candidates/"+got.ID+"/edit", form), http.StatusSeeOther)
	got, _ = e.db.Candidates.Get(context.Background(), db.AllOwners, got.ID)
	if got.Version != 2 {
		t.Errorf("version %d after an edit, want 2", got.Version)
	}
}

func TestCandidateEditKeepsWhatTheFormDoesNotShow(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")

	// Re-post the edit form as the browser would.
	page := c.get("/candidates/" + cand.ID + "/edit").body
	form := formValues(t, page)
	form.Set("op", "save")
	wantStatus(t, c.post("/candidates/"+cand.ID+"/edit", form), http.StatusSeeOther)
	got, _ := e.db.Candidates.Get(context.Background(), db.AllOwners, cand.ID)
	var before, after any
	json.Unmarshal(cand.Profile, &before)
	json.Unmarshal(got.Profile, &after)
	b1, _ := json.Marshal(before)
	b2, _ := json.Marshal(after)
	if !bytes.Equal(b1, b2) {
		t.Errorf("an unchanged edit changed the profile:\nbefore %s\nafter  %s", b1, b2)
	}
}

func TestImportJSONResume(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	wantStatus(t, c.get("/candidates/import"), http.StatusOK)

	// Malformed: the message next to the text, the text kept.
	r := c.post("/candidates/import", url.Values{"json": {`{"basics": {"name": "X",}}`}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `data-testid="import-error"`, "invalid JSON", `aria-invalid="true"`, `{&#34;basics&#34;`)

	// Well-formed but breaking rules: the form, each message by its field.
	bad := sampleWith(func(r *resume.Resume) { r.Work[1].StartDate = "last year"; r.Basics.URL = "javascript:alert(1)" })
	doc, _ := json.Marshal(bad)
	r = c.post("/candidates/import", url.Values{"json": {string(doc)}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `id="work[1].startDate-error"`, `value="last year"`, `id="basics.url-error"`, "http or https URL")

	// Upload a file.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "maya.json")
	good, _ := json.Marshal(resume.Sample())
	fw.Write(good)
	mw.Close()
	r = c.do("POST", "/candidates/import", &body, map[string]string{"Content-Type": mw.FormDataContentType()})
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.header.Get("Location")
	wantBody(t, c.get(loc), "Imported Maya Okafor", `data-testid="generate-form"`)

	// Export gives the JSON Resume back.
	r = c.get(loc + "/export")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.header.Get("Content-Disposition"), `attachment; filename="Maya Okafor.json"`) {
		t.Errorf("Content-Disposition %q", r.header.Get("Content-Disposition"))
	}
	exported, err := resume.Parse([]byte(r.body))
	if err != nil || exported.Basics.Name != "Maya Okafor" {
		t.Errorf("export: %v %q", err, exported.Basics.Name)
	}
}

func TestDeleteCandidateAsksFirst(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	c := e.client()
	c.signIn("ann@example.com")
	r := c.get("/candidates/" + cand.ID + "/delete")
	wantBody(t, r, "Delete Maya Okafor?", `action="/candidates/`+cand.ID+`/delete"`)
	wantStatus(t, c.post("/candidates/"+cand.ID+"/delete", nil), http.StatusSeeOther)
	wantStatus(t, c.get("/candidates/"+cand.ID), http.StatusNotFound)
}

func TestSampleLoadsCandidateAndOpening(t *testing.T) {
	e := newWebEnv(t)
	e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	r := c.post("/candidates/sample", nil)
	wantStatus(t, r, http.StatusSeeOther)
	page := c.get(r.header.Get("Location"))
	wantBody(t, page, "Maya Okafor", `data-testid="opening-select"`, "Senior Backend Engineer, Payments Platform")
	wantBody(t, c.get("/openings"), `data-testid="opening-row"`)
}

// TestMarkupIsShownAsText puts script and HTML in profile fields and checks
// every page shows them escaped.
func TestMarkupIsShownAsText(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	p := sampleWith(func(r *resume.Resume) {
		r.Basics.Name = "Maya " + evil
		r.Basics.Label = evil
		r.Basics.Summary = evil
		r.Work[0].Name = "Northwind " + evil
		r.Work[0].Highlights[0] = evil
		r.Skills[0].Name = evil
		r.Education[0].Institution = evil
	})
	cand := e.candidate(ann, p)
	c := e.client()
	c.signIn("ann@example.com")
	r := c.post("/candidates/"+cand.ID+"/generate", url.Values{"job_description": {evil}, "job_title": {evil}, "company": {evil}})
	wantStatus(t, r, http.StatusSeeOther)
	j, _ := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 1)
	e.succeed(j[0], p)
	e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: evil, Company: evil, Description: evil})

	for _, path := range []string{
		"/candidates", "/candidates/" + cand.ID, "/candidates/" + cand.ID + "/edit", "/candidates/" + cand.ID + "/delete",
		"/jobs", "/jobs/" + j[0].ID, "/openings",
	} {
		t.Run(path, func(t *testing.T) {
			r := c.get(path)
			wantStatus(t, r, http.StatusOK)
			if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
				t.Errorf("raw markup on %s:\n%s", path, snippet(r.body))
			}
			wantBody(t, r, "&lt;script&gt;alert(1)&lt;/script&gt;")
		})
	}
	// The poll fragment too.
	card := e.srv.cardFor(j[0], db.OwnedBy(ann.ID))
	_ = card
	r = c.get(e.srv.pollURL(j[0].ID, db.OwnedBy(ann.ID)))
	if strings.Contains(r.body, "<script>alert") {
		t.Error("raw markup in the job card fragment")
	}
}

// formValues reads the inputs and textareas of a rendered form, as a
// browser would submit them (enough for our own templates).
func formValues(t *testing.T, html string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range inputRe.FindAllStringSubmatch(html, -1) {
		if m[1] == "op" {
			continue
		}
		v.Add(m[1], unescape(m[2]))
	}
	for _, m := range textareaRe.FindAllStringSubmatch(html, -1) {
		v.Add(m[1], unescape(m[2]))
	}
	return v
}
