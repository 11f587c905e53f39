package handlers

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// TestGenerateFit: "fit" (fit to one page) goes from the API and the
// generate form into the job row, the task payload and the inputs hash (the
// print cache address), and comes back in the job's JSON; a reprint keeps it
// unless told otherwise.
func TestGenerateFit(t *testing.T) {
	e := newWebEnv(t)
	ann := e.user("ann@example.com", db.RoleRecruiter)
	tok := e.token(ann)
	cand := e.candidate(ann, resume.Sample())
	generate := func(fit bool) string {
		t.Helper()
		r := e.api("POST", "/api/resume-async/generate-async", tok, map[string]any{"candidate_id": cand.ID,
			"job_description": resume.SampleJobDescription, "fit": fit})
		wantStatus(t, r, http.StatusAccepted)
		return jsonOf(t, r)["job_id"].(string)
	}
	row := func(id string) db.Job {
		t.Helper()
		j, err := e.db.Jobs.Get(context.Background(), db.AllOwners, id)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}

	plain, fitted := row(generate(false)), row(generate(true))
	if plain.Fit || !fitted.Fit {
		t.Fatalf("rows: fit %v and %v, want false and true", plain.Fit, fitted.Fit)
	}
	if plain.InputsHash == fitted.InputsHash {
		t.Error("a fitted job has the inputs hash (print cache address) of an unfitted one")
	}
	if p := e.queue.enqueued[1]; p.JobID != fitted.ID || !p.Fit {
		t.Errorf("payload %+v, want fit", p)
	}
	r := e.api("GET", "/api/resume-async/job-status/"+fitted.ID, tok, nil)
	wantStatus(t, r, http.StatusOK)
	if got := jsonOf(t, r)["fit"]; got != true {
		t.Errorf("job JSON fit = %v, want true", got)
	}

	r = e.api("POST", "/api/resume-async/regenerate/"+fitted.ID, tok, nil)
	wantStatus(t, r, http.StatusAccepted)
	if j := row(jsonOf(t, r)["job_id"].(string)); !j.Fit {
		t.Error("a reprint of a fitted job is not fitted")
	}
	r = e.api("POST", "/api/resume-async/regenerate/"+fitted.ID, tok, map[string]any{"fit": false})
	wantStatus(t, r, http.StatusAccepted)
	if j := row(jsonOf(t, r)["job_id"].(string)); j.Fit {
		t.Error(`a reprint with "fit": false is fitted`)
	}

	c := e.client()
	c.signIn("ann@example.com")
	wantBody(t, c.get("/candidates/"+cand.ID), `name="fit"`, "Fit to one page")
	before := e.queue.count()
	// Another description: the same inputs within 10 s would be the fitted job above again.
	r = c.post("/candidates/"+cand.ID+"/generate", url.Values{"job_description": {resume.SampleJobDescription + "\nform"}, "fit": {"1"}})
	wantStatus(t, r, http.StatusSeeOther)
	if e.queue.count() != before+1 || !e.queue.enqueued[before].Fit {
		t.Error("the form's fit checkbox did not reach the task")
	}
}
