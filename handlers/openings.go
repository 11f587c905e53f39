package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume/themes"
	"github.com/tailor-app/tailor/views"
)

// GET /openings
func (s *Server) openingList(w http.ResponseWriter, r *http.Request) {
	items, err := s.DB.Openings.List(r.Context(), ownerScope(currentUser(r)), 500, 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Openings(s.page(r, "Openings", "openings"), items))
}

// GET /openings/new
func (s *Server) openingNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.OpeningEdit(s.page(r, "New opening", "openings"), views.OpeningForm{}))
}

// GET /openings/{id}/edit
func (s *Server) openingEdit(w http.ResponseWriter, r *http.Request) {
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.OpeningEdit(s.page(r, "Edit "+o.Title, "openings"), views.OpeningForm{Opening: o}))
}

// POST /openings/new and POST /openings/{id}/edit
func (s *Server) openingSave(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	id := chi.URLParam(r, "id")
	if id != "" {
		if _, err := s.DB.Openings.Get(r.Context(), ownerScope(user), id); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		s.pageError(w, r, err)
		return
	}
	o := db.Opening{
		ID: id, OwnerID: user.ID,
		Title: strings.TrimSpace(r.PostFormValue("title")), Company: strings.TrimSpace(r.PostFormValue("company")),
		Location: strings.TrimSpace(r.PostFormValue("location")), Description: strings.TrimSpace(r.PostFormValue("description")),
	}
	errs := map[string]string{}
	if o.Title == "" {
		errs["title"] = "Give the opening a title."
	}
	for field, v := range map[string]string{"title": o.Title, "company": o.Company, "location": o.Location} {
		if utf8.RuneCountInString(v) > maxShortFieldChars {
			errs[field] = fmt.Sprintf("Use at most %d characters.", maxShortFieldChars)
		}
	}
	switch {
	case o.Description == "":
		errs["description"] = "Paste the job description."
	case len(o.Description) > maxJobDescriptionBytes:
		errs["description"] = fmt.Sprintf("The description is %d KB; the limit is 100 KB.", len(o.Description)/1024)
	}
	if len(errs) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, views.OpeningEdit(s.page(r, "Opening", "openings"), views.OpeningForm{Opening: o, Errors: errs}))
		return
	}
	var err error
	if id == "" {
		_, err = s.DB.Openings.Create(r.Context(), o)
	} else {
		_, err = s.DB.Openings.Update(r.Context(), ownerScope(user), o)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Saved the opening "+o.Title+".")
	http.Redirect(w, r, "/openings", http.StatusSeeOther)
}

// GET /openings/{id}/delete
func (s *Server) openingDeletePage(w http.ResponseWriter, r *http.Request) {
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Confirm(s.page(r, "Delete "+o.Title, "openings"), views.ConfirmPage{
		Question: "Delete the opening " + o.Title + "?",
		Detail:   "Resumes already generated for it are kept.",
		Action:   "/openings/" + o.ID + "/delete", Cancel: "/openings", Button: "Delete opening",
	}))
}

// POST /openings/{id}/delete
func (s *Server) openingDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.Openings.Delete(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id")); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Deleted the opening.")
	http.Redirect(w, r, "/openings", http.StatusSeeOther)
}

// GET /openings/{id}: the opening, and Generate for one candidate.
func (s *Server) openingShow(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	op := views.OpeningPage{Opening: o, Theme: themes.Default}
	if p, err := s.DB.Prefs.Get(r.Context(), user.ID); err == nil && themes.Valid(p.Theme) {
		op.Theme = p.Theme
	}
	s.renderOpening(w, r, http.StatusOK, op)
}

// renderOpening renders the opening page op with the user's candidates.
func (s *Server) renderOpening(w http.ResponseWriter, r *http.Request, status int, op views.OpeningPage) {
	cands, err := s.DB.Candidates.List(r.Context(), db.CandidateFilter{Owner: ownerScope(currentUser(r)), Limit: 500})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	op.Candidates = cands
	s.render(w, r, status, views.OpeningShow(s.page(r, op.Opening.Title, "openings"), op))
}

// POST /openings/{id}/generate: a resume for the chosen candidate, through
// s.submit like the candidate page; then that candidate's page, where its
// card is. A blank paper is the candidate's usual one (generateDefaults).
func (s *Server) openingGenerate(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		s.pageError(w, r, err)
		return
	}
	op := views.OpeningPage{Opening: o, CandidateID: r.PostFormValue("candidate_id"), Theme: r.PostFormValue("theme"), Paper: r.PostFormValue("paper")}
	fail := func(errs map[string]string) {
		op.Errors = errs
		s.renderOpening(w, r, http.StatusUnprocessableEntity, op)
	}
	if op.CandidateID == "" {
		fail(map[string]string{"candidate_id": "Choose a candidate."})
		return
	}
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), op.CandidateID)
	if errors.Is(err, db.ErrNotFound) {
		fail(map[string]string{"candidate_id": "This candidate no longer exists; choose another."})
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	req := generateRequest{CandidateID: c.ID, JobTitle: o.Title, Company: o.Company, JobDescription: o.Description, Theme: op.Theme, Paper: op.Paper}
	if req.Paper == "" {
		req.Paper = s.generateDefaults(r, user, c).Paper
	}
	if err := req.validate(); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			s.pageError(w, r, err)
			return
		}
		fail(formMessages(e))
		return
	}
	job, created, err := s.submit(r, user, req)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.DB.Prefs.Set(r.Context(), user.ID, db.Pref{Theme: req.Theme, Paper: req.Paper}); err != nil {
		s.logger(r).Warn("remember theme and paper", "err", err)
	}
	if created {
		s.flash(r, "Generating the resume of "+c.Name+" for "+o.Title+": it appears below and downloads from its card when ready.")
	} else {
		s.flash(r, "This resume is being generated already: its card is below.")
	}
	http.Redirect(w, r, "/candidates/"+c.ID+"#job-"+job.ID, http.StatusSeeOther)
}
