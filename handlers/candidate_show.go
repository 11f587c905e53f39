package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/views"
)

// cardsOnCandidatePage bounds the jobs a candidate's page looks through
// for cards (those in progress, and recent ones that did not succeed); My
// jobs has them all.
const cardsOnCandidatePage = 20

// versionsPerPage is the page size of a candidate's tailored versions.
const versionsPerPage = 10

// GET /candidates/{id}: the profile, the Generate form, the cards of jobs
// in progress and the tailored versions (?page=, or the versions region
// alone for htmx).
func (s *Server) candidateShow(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if htmxTargets(r, "versions") {
		v, err := s.versionList(r, c.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, views.VersionsRegion(v))
		return
	}
	// Nothing is chosen to tailor for: the recruiter picks (issue 15).
	cp, err := s.candidateView(r, c, s.generateDefaults(r, user, c))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.CandidateShow(s.livePage(s.page(r, c.Name, "candidates")), cp))
}

// candidateView loads what the candidate page shows around the form g.
// generateForm is g for candidate c with the user's saved openings to
// choose from: what the page, the embedded form and a change of the choice
// show.
func (s *Server) generateForm(r *http.Request, c db.Candidate, g views.GenerateForm) (views.GenerateForm, error) {
	openings, err := s.DB.Openings.List(r.Context(), ownerScope(currentUser(r)), 200, 0)
	if err != nil {
		return g, err
	}
	g.CandidateID, g.Openings = c.ID, openings
	return g, nil
}

func (s *Server) candidateView(r *http.Request, c db.Candidate, g views.GenerateForm) (views.CandidatePage, error) {
	ctx := r.Context()
	scope := ownerScope(currentUser(r))
	var p resume.Resume
	if err := json.Unmarshal(c.Profile, &p); err != nil {
		return views.CandidatePage{}, fmt.Errorf("stored profile of %s: %w", c.ID, err)
	}
	g, err := s.generateForm(r, c, g)
	if err != nil {
		return views.CandidatePage{}, err
	}
	jobs, err := s.DB.Jobs.ByCandidate(ctx, scope, c.ID, cardsOnCandidatePage)
	if err != nil {
		return views.CandidatePage{}, err
	}
	versions, err := s.versionList(r, c.ID)
	if err != nil {
		return views.CandidatePage{}, err
	}
	cp := views.CandidatePage{Candidate: c, Profile: p, Generate: g, Versions: versions}
	for _, j := range jobs {
		// A succeeded job is a version, listed below the cards.
		if j.Status != jobstate.StatusSucceeded {
			cp.Cards = append(cp.Cards, s.card(r, j))
		}
	}
	return cp, nil
}

// versionList loads the page of a candidate's tailored versions that ?page=
// asks for.
func (s *Server) versionList(r *http.Request, candidateID string) (views.VersionList, error) {
	page := pageNumber(r)
	jobs, err := s.DB.Jobs.Versions(r.Context(), ownerScope(currentUser(r)), candidateID,
		versionsPerPage+1, (page-1)*versionsPerPage)
	if err != nil {
		return views.VersionList{}, err
	}
	v := views.VersionList{CandidateID: candidateID, Items: jobs, Page: page}
	if len(jobs) > versionsPerPage {
		v.Items, v.HasNext = jobs[:versionsPerPage], true
	}
	return v, nil
}
