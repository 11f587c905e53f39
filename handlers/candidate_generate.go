package handlers

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/resume/themes"
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
	g, job, created, err := s.submitGenerateForm(r, user, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if g.Errors != nil {
		s.generateFormError(w, r, c, g)
		return
	}
	switch {
	case isHTMX(r) && !created:
		// Its card is on the page already (a second tab's is not: it
		// comes with a reload).
		w.Header().Set("HX-Reswap", "none")
		s.render(w, r, http.StatusOK, views.JobCard(s.card(r, job)))
		return
	case isHTMX(r):
		s.render(w, r, http.StatusOK, views.JobCard(s.card(r, job)))
		return
	case created:
		s.flash(r, "Generating the resume: this page shows it when it is ready.")
	default:
		s.flash(r, "This resume is being generated already: this page shows it when it is ready.")
	}
	// Without JavaScript: the job's page, which reloads itself until the
	// job ends, then offers the PDF.
	http.Redirect(w, r, "/jobs/"+job.ID, http.StatusSeeOther)
}

// GET /candidates/{id}/generate/choice?source=&opening_id=: the form's
// choice again, after a change, with the button naming it (out of band).
// Choosing an opening in the list chooses "a saved opening"; a description
// typed with nothing chosen yet chooses "the pasted description".
func (s *Server) candidateGenerateChoice(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.URL.Query()
	g := views.GenerateForm{Source: q.Get("source"), OpeningID: q.Get("opening_id")}
	switch r.Header.Get("HX-Trigger-Name") {
	case "opening_id":
		if g.OpeningID != "" {
			g.Source = views.SourceOpening
		}
	case "job_description":
		if g.Source == "" {
			g.Source = views.SourcePaste // typing a description chooses it, unless a choice was made
		}
	}
	if g.Source != views.SourceOpening && g.Source != views.SourcePaste {
		g.Source = ""
	}
	// Only the form: a change of the choice needs the openings, not the
	// candidate's page (its cards and versions).
	g, err = s.generateForm(r, c, g)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.GenerateChoiceUpdate(g))
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
// embedded one) and submits the job through s.submit. What to tailor for is
// the form's choice (source): the chosen opening or the pasted description.
// A form without the choice (the embedded one, older pages) may have one of
// the two, never both. A form the recruiter must fix comes back with
// g.Errors set and no job; err is for everything else. The theme and paper
// of a submitted job become the user's defaults.
func (s *Server) submitGenerateForm(r *http.Request, user db.User, c db.Candidate) (g views.GenerateForm, job db.Job, created bool, err error) {
	g = views.GenerateForm{
		Source:    r.PostFormValue("source"),
		OpeningID: r.PostFormValue("opening_id"), JobTitle: r.PostFormValue("job_title"), Company: r.PostFormValue("company"),
		JobDescription: r.PostFormValue("job_description"), Theme: r.PostFormValue("theme"), Paper: r.PostFormValue("paper"),
		Fit: r.PostFormValue("fit") != "",
	}
	pasted := strings.TrimSpace(g.JobDescription) != ""
	req := generateRequest{CandidateID: c.ID, JobTitle: g.JobTitle, Company: g.Company, JobDescription: g.JobDescription, Theme: g.Theme, Paper: g.Paper, Fit: g.Fit}
	errs := map[string]string{}
	switch {
	case g.Source == "" && g.OpeningID != "" && pasted:
		errs["source"] = "Choose one: the saved opening or the pasted description."
	case g.Source == "" && g.OpeningID != "":
		g.Source = views.SourceOpening
	case g.Source == "" && pasted:
		g.Source = views.SourcePaste
	}
	switch {
	case len(errs) > 0:
	case g.Source == views.SourceOpening && g.OpeningID == "":
		errs["opening_id"] = "Choose which opening."
	case g.Source == views.SourceOpening:
		o, err := s.DB.Openings.Get(r.Context(), ownerScope(user), g.OpeningID)
		if errors.Is(err, db.ErrNotFound) {
			errs["opening_id"] = "This opening no longer exists; choose another."
			break
		}
		if err != nil {
			return g, db.Job{}, false, err
		}
		req.JobTitle, req.Company, req.JobDescription = o.Title, o.Company, o.Description
	case g.Source == views.SourcePaste && !pasted:
		errs["job_description"] = "Paste the job description, or choose a saved opening."
	case g.Source != views.SourcePaste:
		errs["source"] = "Choose an opening or paste a job description."
	}
	if err := req.validate(); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return g, db.Job{}, false, err
		}
		msgs := formMessages(e)
		if len(errs) > 0 {
			delete(msgs, "job_description") // the choice's own message says what is missing
		}
		maps.Copy(msgs, errs)
		errs = msgs
	}
	if len(errs) > 0 {
		g.Errors = errs
		return g, db.Job{}, false, nil
	}
	job, created, err = s.submit(r, user, req)
	if err != nil {
		return g, job, created, err
	}
	if err := s.DB.Prefs.Set(r.Context(), user.ID, db.Pref{Theme: req.Theme, Paper: req.Paper}); err != nil {
		s.logger(r).Warn("remember theme and paper", "err", err) // the job is started; only the default is lost
	}
	return g, job, created, nil
}

// generateDefaults is a fresh Generate form for candidate c: nothing
// chosen to tailor for, and the theme and paper the user chose last. With
// no paper chosen yet, a candidate in the US gets Letter, others A4.
func (s *Server) generateDefaults(r *http.Request, user db.User, c db.Candidate) views.GenerateForm {
	g := views.GenerateForm{Theme: themes.Default, Paper: themes.DefaultPaper}
	p, err := s.DB.Prefs.Get(r.Context(), user.ID)
	if err != nil {
		s.logger(r).Warn("read theme and paper", "err", err) // the form works with the defaults
	}
	if themes.Valid(p.Theme) {
		g.Theme = p.Theme
	}
	if themes.ValidPaper(p.Paper) {
		g.Paper = p.Paper
		return g
	}
	var profile resume.Resume
	if json.Unmarshal(c.Profile, &profile) == nil && resume.InUnitedStates(profile.Basics.Location) {
		g.Paper = "letter"
	}
	return g
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
