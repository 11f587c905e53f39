package handlers

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/static"
	"github.com/tailor-app/tailor/views"
)

// embedCard is a job as the embedded card shows it.
func (s *Server) embedCard(r *http.Request, j db.Job) views.EmbedCard {
	c := views.EmbedCard{Job: j, Stage: stageWords(j)}
	if !jobstate.IsFinal(j.Status) {
		c.PollURL = s.absURL(r, "/embed/jobs/"+j.ID+"/card")
		c.CancelURL = s.absURL(r, "/embed/jobs/"+j.ID+"/cancel")
		if s.Live != nil {
			c.EventsURL = s.eventsURL(r, j.OwnerID)
		}
	}
	if j.Status == jobstate.StatusSucceeded && j.HasPDF {
		// The host page cannot send the token with a plain link: the PDF
		// opens through a signed, expiring share link instead.
		c.ShareURL, _ = s.shareURL(r, j.ID)
	}
	return c
}

// GET /embed/jobs/{id}/card: the job's card, polling itself every 2 s like
// the app's; 286 once the job has ended stops the polling. Revalidated with
// the job's version: an unchanged job costs one SQLite read and a 304.
func (s *Server) embedJobCard(w http.ResponseWriter, r *http.Request) {
	j, err := s.DB.Jobs.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	status := http.StatusOK
	if jobstate.IsFinal(j.Status) {
		status = statusStopPolling
	}
	// A card polling itself (htmx names it as the target) gets the update
	// form; a page loading the card gets it with its live region.
	addVary(w.Header(), "HX-Target")
	c := s.embedCard(r, j)
	c.Update = r.Header.Get("HX-Target") == "tailor-job-"+j.ID
	s.renderFragment(w, r, status, views.EmbedCardView(c), s.cardETag(j))
}

// POST /embed/jobs/{id}/cancel: the final card.
func (s *Server) embedJobCancel(w http.ResponseWriter, r *http.Request) {
	j, err := s.cancel(r, chi.URLParam(r, "id"))
	if errors.Is(err, db.ErrConflict) {
		j, err = s.DB.Jobs.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	}
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	c := s.embedCard(r, j)
	c.Update = true
	s.renderFragment(w, r, http.StatusOK, views.EmbedCardView(c), "")
}

// GET /embed/candidates/{id}/jobs: the candidate's latest jobs as cards.
func (s *Server) embedJobList(w http.ResponseWriter, r *http.Request) {
	scope := ownerScope(currentUser(r))
	c, err := s.DB.Candidates.Get(r.Context(), scope, chi.URLParam(r, "id"))
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	jobs, err := s.DB.Jobs.ByCandidate(r.Context(), scope, c.ID, cardsOnCandidatePage)
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	l := views.EmbedJobs{CandidateName: c.Name}
	h := sha256.New()
	h.Write([]byte(c.Name + "\x00" + s.api.boot))
	for _, j := range jobs {
		l.Cards = append(l.Cards, s.embedCard(r, j))
		h.Write([]byte(j.ID + "." + strconv.Itoa(j.Version) + "\x00"))
	}
	etag := `W/"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12]) + `"`
	s.renderFragment(w, r, http.StatusOK, views.EmbedJobsView(l), etag)
}

// GET /embed/candidates/{id}/generate: the generate form.
func (s *Server) embedGenerateForm(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	g, err := s.embedGenerateData(r, c, s.generateDefaults(r, user, c))
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", cacheNone) // the openings change often, and a form is cheap
	s.renderFragment(w, r, http.StatusOK, views.EmbedGenerateView(g), "")
}

func (s *Server) embedGenerateData(r *http.Request, c db.Candidate, f views.GenerateForm) (views.EmbedGenerate, error) {
	f, err := s.generateForm(r, c, f)
	if err != nil {
		return views.EmbedGenerate{}, err
	}
	return views.EmbedGenerate{Form: f, CandidateName: c.Name, PostURL: s.absURL(r, "/embed/candidates/"+c.ID+"/generate")}, nil
}

// POST /embed/candidates/{id}/generate: through s.submit like the page and
// the API; the answer is the new card. A form with errors comes back in
// place of itself (HX-Retarget), with status 200 so that htmx swaps it
// without any configuration on the host page.
func (s *Server) embedGenerate(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	if err := parseForm(w, r, maxGenerateBodyBytes); err != nil {
		s.embedFail(w, r, err)
		return
	}
	f, job, _, err := s.submitGenerateForm(r, user, c)
	if err != nil {
		s.embedFail(w, r, err)
		return
	}
	if f.Errors != nil {
		g, err := s.embedGenerateData(r, c, f)
		if err != nil {
			s.embedFail(w, r, err)
			return
		}
		w.Header().Set("HX-Retarget", "#"+"tailor-form-"+c.ID)
		w.Header().Set("HX-Reswap", "outerHTML")
		s.renderFragment(w, r, http.StatusOK, views.EmbedGenerateForm(g), "")
		return
	}
	s.renderFragment(w, r, http.StatusOK, views.EmbedCardView(s.embedCard(r, job)), "")
}

// GET /embed/example: a host page to try the fragments with (README,
// "Embedding"). It is a Tailor page under the page policy: its script
// (/embed/example.js) asks this origin only, whatever the address says.
func (s *Server) embedExample(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	w.Write(static.EmbedExample())
}
