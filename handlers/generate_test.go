package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// jobCount is how many jobs the candidate has.
func (e *webEnv) jobCount(cand db.Candidate) int {
	e.t.Helper()
	jobs, err := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 500)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(jobs)
}

// Issue 15, item 3: a double click, a second tab or a client's retry with
// the same inputs gets the job it already has, however close together.
func TestGenerateSameInputsAtOnceMakeOneJob(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	tok := e.token(ann)

	body := map[string]string{"candidate_id": cand.ID, "job_description": resume.SampleJobDescription, "theme": "modern"}
	const n = 8
	ids := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.api("POST", "/api/resume-async/generate-async", tok, body)
			codes[i] = r.status
			var got struct {
				JobID string `json:"job_id"`
			}
			json.Unmarshal([]byte(r.body), &got)
			ids[i] = got.JobID
		}()
	}
	wg.Wait()
	for i := range n {
		if codes[i] != http.StatusAccepted || ids[i] == "" || ids[i] != ids[0] {
			t.Fatalf("answers %v, job ids %v: want 202 and one job id", codes, ids)
		}
	}
	if got := e.jobCount(cand); got != 1 {
		t.Fatalf("%d jobs after %d identical requests, want 1", got, n)
	}
	if got := e.queue.count(); got != 1 {
		t.Fatalf("enqueued %d tasks, want 1", got)
	}
	r := e.api("POST", "/api/resume-async/generate-async", tok, body)
	wantStatus(t, r, http.StatusAccepted)
	wantBody(t, r, `"job_id":"`+ids[0]+`"`, `"duplicate":true`)

	// The page's form, twice at once without JavaScript: one more job (the
	// API's has another title), and both answers lead to its card.
	c := e.client()
	c.signIn("ann@example.com")
	form := url.Values{"source": {"paste"}, "job_description": {resume.SampleJobDescription}, "job_title": {"Go dev"}, "theme": {"modern"}}
	locs := make([]string, 2)
	for i := range locs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.post("/candidates/"+cand.ID+"/generate", form)
			locs[i] = r.header.Get("Location")
		}()
	}
	wg.Wait()
	if got := e.jobCount(cand); got != 2 {
		t.Fatalf("%d jobs after two identical form posts, want 2 (one of the API's, one of the form's)", got)
	}
	if locs[0] == "" || locs[0] != locs[1] {
		t.Errorf("the two posts lead to %q and %q, want the same card", locs[0], locs[1])
	}

	// With htmx, the repeat adds no second card.
	r = c.post("/candidates/"+cand.ID+"/generate", form, "HX-Request", "true")
	wantStatus(t, r, http.StatusOK)
	if r.header.Get("HX-Reswap") != "none" {
		t.Errorf("a repeated htmx post swaps %q, want none", r.header.Get("HX-Reswap"))
	}

	// Other inputs are another job.
	form.Set("paper", "letter")
	wantStatus(t, c.post("/candidates/"+cand.ID+"/generate", form), http.StatusSeeOther)
	if got := e.jobCount(cand); got != 3 {
		t.Fatalf("%d jobs after another paper, want 3", got)
	}
}

var (
	selectedOptionRe = regexp.MustCompile(`<option value="([^"]*)" selected>`)
	checkedRadioRe   = regexp.MustCompile(`<input type="radio" id="([^"]+)"[^>]* checked`)
	submitLabelRe    = regexp.MustCompile(`data-testid="generate"[^>]*>([^<]*)</button>`)
)

// Issue 15, item 1: nothing is preselected; the choice is explicit and the
// button says what it will use.
func TestGenerateFormChoosesExplicitly(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	o, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Senior Data Engineer", Company: "Northbeam", Description: "Spark and Go"})
	e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Senior Product Designer", Company: "Acme", Description: "Figma"})
	c := e.client()
	c.signIn("ann@example.com")

	page := c.get("/candidates/" + cand.ID)
	wantStatus(t, page, http.StatusOK)
	for _, m := range selectedOptionRe.FindAllStringSubmatch(page.body, -1) {
		if m[1] != "classic" && m[1] != "a4" { // the theme and paper have defaults
			t.Errorf("option %q is preselected", m[1])
		}
	}
	if m := checkedRadioRe.FindStringSubmatch(page.body); m != nil {
		t.Errorf("radio %s is preselected", m[1])
	}
	if m := submitLabelRe.FindStringSubmatch(page.body); m == nil || m[1] != "Generate" {
		t.Errorf("button label %v, want Generate", m)
	}

	// Choosing an opening in the list chooses "a saved opening" and names it.
	choice := c.do("GET", "/candidates/"+cand.ID+"/generate/choice?opening_id="+o.ID, nil,
		map[string]string{"HX-Request": "true", "HX-Trigger-Name": "opening_id"})
	wantStatus(t, choice, http.StatusOK)
	wantBody(t, choice, `id="generate-choice"`, `hx-swap-oob="true"`)
	if m := submitLabelRe.FindStringSubmatch(unescape(choice.body)); m == nil || m[1] != "Tailor for Senior Data Engineer at Northbeam" {
		t.Errorf("button label %v", m)
	}
	if m := checkedRadioRe.FindStringSubmatch(choice.body); m == nil || m[1] != "source-opening" {
		t.Errorf("checked radio %v, want source-opening", m)
	}
	choice = c.get("/candidates/" + cand.ID + "/generate/choice?source=paste&opening_id=" + o.ID)
	if m := submitLabelRe.FindStringSubmatch(choice.body); m == nil || m[1] != "Tailor for the pasted description" {
		t.Errorf("button label %v", m)
	}

	cases := []struct {
		name      string
		form      url.Values
		field     string // its error's id
		message   string
		wantLabel string
	}{
		{"neither", url.Values{}, "source", "Choose an opening or paste a job description.", "Generate"},
		{"both, no choice", url.Values{"opening_id": {o.ID}, "job_description": {"Figma and Sketch"}}, "source",
			"Choose one: the saved opening or the pasted description.", "Generate"},
		{"opening chosen, none picked", url.Values{"source": {"opening"}, "job_description": {"Figma"}}, "opening_id",
			"Choose which opening.", "Generate"},
		{"paste chosen, nothing pasted", url.Values{"source": {"paste"}, "opening_id": {o.ID}}, "job_description",
			"Paste the job description, or choose a saved opening.", "Tailor for the pasted description"},
		{"an unknown choice", url.Values{"source": {"both"}, "opening_id": {o.ID}}, "source",
			"Choose an opening or paste a job description.", "Generate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, htmx := range []bool{false, true} {
				var r resp
				if htmx {
					r = c.post("/candidates/"+cand.ID+"/generate", tc.form, "HX-Request", "true")
				} else {
					r = c.post("/candidates/"+cand.ID+"/generate", tc.form)
				}
				wantStatus(t, r, http.StatusUnprocessableEntity)
				wantBody(t, r, `id="`+tc.field+`-error"`, tc.message)
				if m := submitLabelRe.FindStringSubmatch(unescape(r.body)); m == nil || m[1] != tc.wantLabel {
					t.Errorf("button label %v, want %q", m, tc.wantLabel)
				}
			}
		})
	}
	if got := e.jobCount(cand); got != 0 {
		t.Fatalf("%d jobs from forms with errors", got)
	}

	// The choice wins over the other field: the opening, though text was pasted.
	r := c.post("/candidates/"+cand.ID+"/generate", url.Values{"source": {"opening"}, "opening_id": {o.ID}, "job_description": {"Figma"}})
	wantStatus(t, r, http.StatusSeeOther)
	jobs, _ := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 5)
	if len(jobs) != 1 || jobs[0].JobTitle != "Senior Data Engineer" || jobs[0].JobDescription != "Spark and Go" {
		t.Fatalf("jobs %+v", jobs)
	}
}

// Issue 15, item 12: the last theme and paper are the form's defaults; with
// no paper chosen yet, Letter for a candidate in the US.
func TestGenerateRemembersThemeAndPaper(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	bobUser := e.user("bob@example.com", db.RoleRecruiter)
	us := e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Location = &resume.Location{City: "Austin", Region: "Texas"} }))
	uk := e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Location = &resume.Location{City: "Leeds", CountryCode: "GB"} }))
	c := e.client()
	c.signIn("ann@example.com")

	chosen := func(path string) (theme, paper string) {
		t.Helper()
		r := c.get(path)
		wantStatus(t, r, http.StatusOK)
		for _, m := range selectedOptionRe.FindAllStringSubmatch(r.body, -1) {
			switch m[1] {
			case "a4", "letter":
				paper = m[1]
			case "classic", "modern", "compact":
				theme = m[1]
			}
		}
		return theme, paper
	}
	if theme, paper := chosen("/candidates/" + us.ID); theme != "classic" || paper != "letter" {
		t.Errorf("US candidate: %s on %s, want classic on letter", theme, paper)
	}
	if theme, paper := chosen("/candidates/" + uk.ID); theme != "classic" || paper != "a4" {
		t.Errorf("UK candidate: %s on %s, want classic on a4", theme, paper)
	}

	wantStatus(t, c.post("/candidates/"+uk.ID+"/generate", url.Values{"source": {"paste"}, "job_description": {"Go"}, "theme": {"compact"}, "paper": {"a4"}}),
		http.StatusSeeOther)
	if theme, paper := chosen("/candidates/" + us.ID); theme != "compact" || paper != "a4" {
		t.Errorf("after a choice, US candidate: %s on %s, want compact on a4 (what was chosen)", theme, paper)
	}

	// Another user's defaults are their own.
	bob := e.client()
	bob.signIn("bob@example.com")
	bobs := e.candidate(bobUser, sampleWith(nil))
	r := bob.get("/candidates/" + bobs.ID)
	if strings.Contains(r.body, `<option value="compact" selected>`) {
		t.Error("bob's form has ann's theme")
	}
}

// Issue 15, item 12: duplicate a candidate or an opening.
func TestDuplicateCandidateAndOpening(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("bob@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, resume.Sample())
	o, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go Engineer", Company: "Globex", Location: "Remote", Description: "Go and Redis"})
	c := e.client()
	c.signIn("ann@example.com")

	wantBody(t, c.get("/candidates/"+cand.ID), `action="/candidates/`+cand.ID+`/duplicate"`)
	r := c.post("/candidates/"+cand.ID+"/duplicate", nil)
	wantStatus(t, r, http.StatusSeeOther)
	m := regexp.MustCompile(`^/candidates/([^/]+)/edit$`).FindStringSubmatch(r.header.Get("Location"))
	if m == nil || m[1] == cand.ID {
		t.Fatalf("redirect to %q, want the copy's edit page", r.header.Get("Location"))
	}
	cp, err := e.db.Candidates.Get(context.Background(), db.OwnedBy(ann.ID), m[1])
	if err != nil {
		t.Fatal(err)
	}
	var profile resume.Resume
	json.Unmarshal(cp.Profile, &profile)
	if cp.Name != "Copy of Maya Okafor" || profile.Basics.Name != cp.Name || len(profile.Work) != len(resume.Sample().Work) || cp.Version != 1 {
		t.Errorf("copy %q (profile name %q, %d jobs of work, version %d)", cp.Name, profile.Basics.Name, len(profile.Work), cp.Version)
	}
	wantBody(t, c.get(r.header.Get("Location")), "Copy of Maya Okafor")

	wantBody(t, c.get("/openings/"+o.ID), `action="/openings/`+o.ID+`/duplicate"`)
	r = c.post("/openings/"+o.ID+"/duplicate", nil)
	wantStatus(t, r, http.StatusSeeOther)
	m = regexp.MustCompile(`^/openings/([^/]+)/edit$`).FindStringSubmatch(r.header.Get("Location"))
	if m == nil || m[1] == o.ID {
		t.Fatalf("redirect to %q, want the copy's edit page", r.header.Get("Location"))
	}
	ocp, err := e.db.Openings.Get(context.Background(), db.OwnedBy(ann.ID), m[1])
	if err != nil {
		t.Fatal(err)
	}
	if ocp.Title != "Copy of Go Engineer" || ocp.Company != o.Company || ocp.Location != o.Location || ocp.Description != o.Description {
		t.Errorf("copy %+v", ocp)
	}

	// Another user's: 404, and nothing copied.
	bob := e.client()
	bob.signIn("bob@example.com")
	wantStatus(t, bob.post("/candidates/"+cand.ID+"/duplicate", nil), http.StatusNotFound)
	wantStatus(t, bob.post("/openings/"+o.ID+"/duplicate", nil), http.StatusNotFound)
	list, _ := e.db.Openings.List(context.Background(), db.AllOwners, 10, 0)
	if len(list) != 2 {
		t.Errorf("%d openings, want 2", len(list))
	}
}

// Issue 15, item 12: generate straight from an opening's page.
func TestGenerateFromOpeningPage(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	cand := e.candidate(ann, sampleWith(func(r *resume.Resume) { r.Basics.Location = &resume.Location{CountryCode: "US"} }))
	o, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go Engineer", Company: "Globex", Description: "Go and Redis"})
	c := e.client()
	c.signIn("ann@example.com")

	page := c.get("/openings/" + o.ID)
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, `action="/openings/`+o.ID+`/generate"`, `<option value="`+cand.ID+`">Maya Okafor</option>`, "Go and Redis")

	r := c.post("/openings/"+o.ID+"/generate", url.Values{"theme": {"modern"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `id="candidate_id-error"`, "Choose a candidate.")
	r = c.post("/openings/"+o.ID+"/generate", url.Values{"candidate_id": {cand.ID}, "theme": {"neon"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, `id="theme-error"`)
	if got := e.jobCount(cand); got != 0 {
		t.Fatalf("%d jobs from forms with errors", got)
	}

	r = c.post("/openings/"+o.ID+"/generate", url.Values{"candidate_id": {cand.ID}, "theme": {"modern"}})
	wantStatus(t, r, http.StatusSeeOther)
	jobs, _ := e.db.Jobs.ByCandidate(context.Background(), db.AllOwners, cand.ID, 5)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs", len(jobs))
	}
	j := jobs[0]
	if r.header.Get("Location") != "/candidates/"+cand.ID+"#job-"+j.ID {
		t.Errorf("redirect to %q", r.header.Get("Location"))
	}
	if j.JobTitle != "Go Engineer" || j.Company != "Globex" || j.JobDescription != "Go and Redis" || j.Theme != "modern" || j.Paper != "letter" {
		t.Errorf("job %s at %s, %q, %s on %s; want Go Engineer at Globex on letter (a US candidate)", j.JobTitle, j.Company, j.JobDescription, j.Theme, j.Paper)
	}
}
