package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/resume"
)

// A recruiter starts a batch from an opening's page, follows it on the
// batch page (its progress fragment polls until the batch ends) and
// downloads the ZIP; the jobs show on My jobs and point to the batch.
func TestWebBatch(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	e.user("bob@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	e.candidates(ann, "Ana Lima", "Bo Chen", "Cy Diaz")
	o, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: "Go Lead", Company: "Globex", Description: resume.SampleJobDescription})

	r := c.get("/openings")
	wantBody(t, r, "/openings/"+o.ID+"/batch")
	r = c.get("/openings/" + o.ID + "/batch")
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, "Ana Lima", "Bo Chen", "Cy Diaz", "All 3 candidates")
	r = c.get("/openings/" + o.ID + "/batch?q=Chen") // not "Bo": the sample knows Spring Boot
	wantBody(t, r, "Bo Chen", "All 1 candidates matching")
	if strings.Contains(r.body, "Ana Lima") {
		t.Error("the search did not filter")
	}

	// Nothing chosen: a readable 422, nothing stored.
	r = c.post("/openings/"+o.ID+"/batch", url.Values{"theme": {"classic"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantBody(t, r, "Choose at least one candidate")

	// All matching "" = every candidate.
	r = c.post("/openings/"+o.ID+"/batch", url.Values{"all": {"1"}, "q": {""}, "theme": {"modern"}, "paper": {"letter"}})
	wantStatus(t, r, http.StatusSeeOther)
	loc := r.header.Get("Location")
	id := strings.TrimPrefix(loc, "/batches/")
	b, err := e.db.Batches.Get(context.Background(), db.AllOwners, id)
	if err != nil || b.Counts.Total() != 3 || b.Theme != "modern" || b.Paper != "letter" || b.OpeningID != o.ID {
		t.Fatalf("batch %+v, %v", b, err)
	}
	r = c.get(loc)
	wantStatus(t, r, http.StatusOK)
	wantBody(t, r, "Go Lead at Globex", "0/3", "Cancel the rest", `data-testid="job-card"`)
	poll := regexp.MustCompile(`hx-get="(/batches/[^"]+/progress[^"]*)"`).FindStringSubmatch(r.body)
	if poll == nil {
		t.Fatal("the progress fragment does not poll")
	}
	pollURL := unescape(poll[1])
	anon := e.client()
	r = anon.get(pollURL)
	wantStatus(t, r, http.StatusOK)

	js, _ := e.db.Batches.Jobs(context.Background(), db.AllOwners, id, 10, 0)
	for _, j := range js {
		e.succeed(j, resume.Sample())
	}
	r = anon.get(pollURL)
	wantStatus(t, r, statusStopPolling)
	wantBody(t, r, "3/3", "Download all as ZIP")
	if strings.Contains(r.body, "hx-get") {
		t.Error("an ended batch's fragment still polls")
	}
	if r := anon.get(strings.Replace(pollURL, "&s=", "&s=x", 1)); r.status != http.StatusForbidden {
		t.Errorf("a tampered poll link: %d", r.status)
	}

	r = c.get("/batches/" + id + "/zip")
	wantStatus(t, r, http.StatusOK)
	zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
	if err != nil || len(zr.File) != 4 {
		t.Fatalf("zip: %v, %d files", err, len(zr.File))
	}

	r = c.get("/jobs/" + js[0].ID)
	wantBody(t, r, `href="/batches/`+id+`"`)
	r = c.get("/batches")
	wantBody(t, r, "/batches/"+id)
	r = c.get("/jobs")
	wantBody(t, r, "/batches", js[0].ID)

	// Another recruiter sees none of it.
	bob := e.client()
	bob.signIn("bob@example.com")
	for _, p := range []string{"/batches/" + id, "/batches/" + id + "/zip", "/openings/" + o.ID + "/batch"} {
		if r := bob.get(p); r.status != http.StatusNotFound {
			t.Errorf("GET %s by another user: %d", p, r.status)
		}
	}
	if r := bob.post("/batches/"+id+"/cancel", nil); r.status != http.StatusNotFound {
		t.Errorf("cancel by another user: %d", r.status)
	}
}

// One candidate for many openings, from the candidate's page.
func TestWebBatchForOpenings(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	c := e.client()
	c.signIn("ann@example.com")
	cand := e.candidate(ann, resume.Sample())
	var ids []string
	for _, title := range []string{"Go Lead", "SRE", "Data Engineer"} {
		o, _ := e.db.Openings.Create(context.Background(), db.Opening{OwnerID: ann.ID, Title: title, Company: "Initech", Description: "Go"})
		ids = append(ids, o.ID)
	}
	wantBody(t, c.get("/candidates/"+cand.ID), "/candidates/"+cand.ID+"/batch")
	r := c.get("/candidates/" + cand.ID + "/batch?q=sre")
	wantBody(t, r, "SRE")
	if strings.Contains(r.body, "Data Engineer") {
		t.Error("the search did not filter")
	}
	r = c.post("/candidates/"+cand.ID+"/batch", url.Values{"id": {ids[0], ids[2]}})
	wantStatus(t, r, http.StatusSeeOther)
	b, _ := e.db.Batches.Get(context.Background(), db.AllOwners, strings.TrimPrefix(r.header.Get("Location"), "/batches/"))
	if b.Counts.Total() != 2 || b.CandidateID != cand.ID {
		t.Fatalf("batch %+v", b)
	}
	// The feeder releases them to the batch queue.
	f := &jobs.Feeder{Batches: e.db.Batches, Jobs: e.db.Jobs, Enqueue: e.queue.Enqueue}
	if n, _ := f.Once(context.Background()); n != 2 || e.queue.count() != 2 {
		t.Fatalf("fed %d, enqueued %d", n, e.queue.count())
	}
}
