package handlers

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/views"
)

// jobPageRefresh (seconds) is how often a running job's page reloads itself
// when JavaScript is off: the card's poll interval.
const jobPageRefresh = 2

// GET /jobs/{id}: original vs tailored, scores, the fact check, preview,
// download and a share link.
func (s *Server) jobShow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	scope := ownerScope(currentUser(r))
	j, err := s.DB.Jobs.Get(ctx, scope, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.JobDetail{Card: s.card(r, j)}
	original, err := s.DB.Jobs.Profile(ctx, j.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := json.Unmarshal(original, &d.Original); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Report, d.HasReport = factCheck(j)
	res, err := s.DB.Jobs.Result(ctx, scope, j.ID)
	switch {
	case err == nil:
		var tailored resume.Resume
		if json.Unmarshal(res.Profile, &tailored) == nil {
			d.Tailored = &tailored
		}
	case !errors.Is(err, db.ErrNotFound):
		s.pageError(w, r, err)
		return
	}
	if j.Status == jobstate.StatusSucceeded {
		d.ShareURL, d.ShareExpires = s.shareURL(r, j.ID)
	}
	p := s.livePage(s.page(r, j.CandidateName, "jobs"))
	if !jobstate.IsFinal(j.Status) {
		p.RefreshEvery = jobPageRefresh // without JavaScript the card cannot move
	}
	s.render(w, r, http.StatusOK, views.JobDetailView(p, d))
}

// factCheck reads the job's fact check report, if it has one.
func factCheck(j db.Job) (resume.Report, bool) {
	var r resume.Report
	if j.Verification == "" || json.Unmarshal([]byte(j.Verification), &r) != nil {
		return resume.Report{}, false
	}
	return r, true
}
