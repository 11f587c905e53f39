package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/views"
)

// GET /candidates/{id}/compare?a=JOB&b=JOB: what changed from one of the
// candidate's tailored resumes (a) to another (b), section by section.
func (s *Server) candidateCompare(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	scope := ownerScope(currentUser(r))
	c, err := s.DB.Candidates.Get(ctx, scope, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	aID, bID := strings.TrimSpace(q.Get("a")), strings.TrimSpace(q.Get("b"))
	switch {
	case aID == "" || bID == "":
		s.pageError(w, r, errorf(http.StatusBadRequest,
			"Choose two versions to compare: one under “From” and one under “To” in the candidate's list of versions."))
		return
	case aID == bID:
		s.pageError(w, r, errorf(http.StatusBadRequest,
			"Choose two different versions: “From” and “To” are the same one."))
		return
	}
	a, ra, err := s.tailoredVersion(ctx, scope, c.ID, aID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	b, rb, err := s.tailoredVersion(ctx, scope, c.ID, bID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cmp := views.VersionsCompare{Candidate: c, A: a, B: b, Groups: views.GroupSections(resume.Compare(ra, rb))}
	s.render(w, r, http.StatusOK, views.VersionsCompareView(s.page(r, "Compare versions of "+c.Name, "candidates"), cmp))
}

// tailoredVersion loads one tailored resume of the candidate: a job of another
// user or of another candidate is not found, one that has not succeeded is
// a conflict.
func (s *Server) tailoredVersion(ctx context.Context, scope db.Owner, candidateID, jobID string) (db.Job, resume.Resume, error) {
	j, err := s.DB.Jobs.Get(ctx, scope, jobID)
	if err != nil {
		return db.Job{}, resume.Resume{}, err
	}
	if j.CandidateID != candidateID {
		return db.Job{}, resume.Resume{}, db.ErrNotFound
	}
	if j.Status != jobstate.StatusSucceeded {
		return db.Job{}, resume.Resume{}, errorf(http.StatusConflict, fmt.Sprintf(
			"%s has no tailored resume to compare: %s. Compare finished versions only.", versionName(j), unfinished[j.Status]))
	}
	res, err := s.DB.Jobs.Result(ctx, scope, j.ID)
	if errors.Is(err, db.ErrNotFound) {
		return db.Job{}, resume.Resume{}, errorf(http.StatusConflict,
			fmt.Sprintf("The tailored resume of %s is no longer stored.", versionName(j)))
	}
	if err != nil {
		return db.Job{}, resume.Resume{}, err
	}
	var t resume.Resume
	if err := json.Unmarshal(res.Profile, &t); err != nil {
		return db.Job{}, resume.Resume{}, fmt.Errorf("tailored resume of %s: %w", j.ID, err)
	}
	return j, t, nil
}

// unfinished says why a job that has not succeeded has no resume.
var unfinished = map[string]string{
	jobstate.StatusQueued:   "it is still waiting in the queue",
	jobstate.StatusRunning:  "it is still being made",
	jobstate.StatusFailed:   "it failed",
	jobstate.StatusCanceled: "it was cancelled",
}

// versionName names a job in a sentence: "“Go Lead” at Globex", or by its
// date when it has neither title nor company.
func versionName(j db.Job) string {
	switch {
	case j.JobTitle != "" && j.Company != "":
		return "“" + j.JobTitle + "” at " + j.Company
	case j.JobTitle != "":
		return "“" + j.JobTitle + "”"
	case j.Company != "":
		return "the version for " + j.Company
	}
	return "the version of " + j.CreatedAt.UTC().Format("2 Jan 2006 15:04 UTC")
}
