package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// POST /candidates/{id}/generate: from an opening or a pasted description.
// It goes through s.submit like the API (row committed, then enqueued).
// With htmx the answer is the new job card, added to the list at once.
func (s *Server) candidateGenerate(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := parseForm(w, r, maxGenerateBodyBytes); err != nil {
		s.pageError(w, r, err)
		return
	}
	g, job, err := s.submitGenerateForm(r, user, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if g.Errors != nil {
		s.generateFormError(w, r, c, g)
		return
	}
	if isHTMX(r) {
		s.render(w, r, http.StatusOK, views.JobCard(s.card(r, job)))
		return
	}
	s.flash(r, "Generating the resume: it appears below and downloads from its card when ready.")
	http.Redirect(w, r, "/candidates/"+c.ID+"#job-"+job.ID, http.StatusSeeOther)
}

// generateFormError shows the form again with its messages: with htmx the
// form alone replaces itself, else the whole page comes back.
func (s *Server) generateFormError(w http.ResponseWriter, r *http.Request, c db.Candidate, g views.GenerateForm) {
	cp, err := s.candidateView(r, c, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if isHTMX(r) {
		w.Header().Set("HX-Retarget", "#generate-form")
		w.Header().Set("HX-Reswap", "outerHTML")
		s.render(w, r, http.StatusUnprocessableEntity, views.GenerateFormView(cp.Generate))
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, views.CandidateShow(s.page(r, c.Name, "candidates"), cp))
}

// submitGenerateForm reads the generate form (the candidate page's and the
// embedded one), takes the chosen opening unless a description was pasted,
// and submits the job through s.submit. A form the recruiter must fix comes
// back with g.Errors set and no job; err is for everything else.
func (s *Server) submitGenerateForm(r *http.Request, user db.User, c db.Candidate) (g views.GenerateForm, job db.Job, err error) {
	g = views.GenerateForm{
		OpeningID: r.PostFormValue("opening_id"), JobTitle: r.PostFormValue("job_title"), Company: r.PostFormValue("company"),
		JobDescription: r.PostFormValue("job_description"), Theme: r.PostFormValue("theme"), Paper: r.PostFormValue("paper"),
		Fit: r.PostFormValue("fit") != "",
	}
	req := generateRequest{CandidateID: c.ID, JobTitle: g.JobTitle, Company: g.Company, JobDescription: g.JobDescription, Theme: g.Theme, Paper: g.Paper, Fit: g.Fit}
	// A pasted description wins over the chosen opening.
	if strings.TrimSpace(g.JobDescription) == "" && g.OpeningID != "" {
		o, err := s.DB.Openings.Get(r.Context(), ownerScope(user), g.OpeningID)
		if errors.Is(err, db.ErrNotFound) {
			g.Errors = map[string]string{"opening_id": "This opening no longer exists; choose another."}
			return g, db.Job{}, nil
		}
		if err != nil {
			return g, db.Job{}, err
		}
		req.JobTitle, req.Company, req.JobDescription = o.Title, o.Company, o.Description
	} else {
		g.OpeningID = ""
	}
	if err := req.validate(); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return g, db.Job{}, err
		}
		g.Errors = formMessages(e)
		return g, db.Job{}, nil
	}
	job, err = s.submit(r, user, req)
	return g, job, err
}

// formMessages turns a request's field errors into sentences for a form.
func formMessages(e *Error) map[string]string {
	fields := e.Fields
	if fields == nil {
		fields = map[string]string{"job_description": e.Message}
	}
	if fields["job_description"] == "is required" {
		fields["job_description"] = "Choose an opening or paste a job description."
	}
	for k, v := range fields {
		if strings.HasPrefix(v, "is ") || strings.HasPrefix(v, "must ") {
			fields[k] = "This " + strings.ReplaceAll(k, "_", " ") + " " + v + "."
		}
	}
	return fields
}
