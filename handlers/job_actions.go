package handlers

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
)

// POST /jobs/{id}/cancel: reuses s.cancel (SQLite first, then the task).
// With htmx the final card replaces the running one.
func (s *Server) jobCancel(w http.ResponseWriter, r *http.Request) {
	j, err := s.cancel(r, chi.URLParam(r, "id"))
	if errors.Is(err, db.ErrConflict) {
		// It ended meanwhile: show how it ended rather than an error.
		err = nil
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if isHTMX(r) {
		s.renderJob(w, r, j)
		return
	}
	if j.Status == jobstate.StatusCanceled {
		s.flash(r, "Canceled.")
	}
	http.Redirect(w, r, backTo(r, "/jobs"), http.StatusSeeOther)
}

// POST /jobs/{id}/retry: a new job with the failed job's inputs (opening
// text, title, company, theme, paper, queue) for the candidate's current
// profile, through s.submit. A fix to the profile is what usually makes a
// retry succeed, so the current version is the one to use.
func (s *Server) jobRetry(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	old, err := s.DB.Jobs.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	j, err := s.resubmit(r, old, user)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if isHTMX(r) {
		s.renderJob(w, r, j)
		return
	}
	s.flash(r, "Retrying: a new job is on its way.")
	http.Redirect(w, r, backTo(r, "/jobs"), http.StatusSeeOther)
}

// backTo is the page the form was posted from, if it is ours.
func backTo(r *http.Request, fallback string) string {
	if p := ownPath(r, r.Referer()); p != "" {
		return p
	}
	return fallback
}
