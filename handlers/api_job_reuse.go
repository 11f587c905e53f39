package handlers

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume/themes"
	"github.com/tailor-app/tailor/tasks"
)

type regenerateRequest struct {
	Theme    string `json:"theme"`
	Paper    string `json:"paper"`
	Priority string `json:"priority"`
}

// POST /api/resume-async/regenerate/{id} {"theme"?, "paper"?, "priority"?}:
// a new job with the inputs of job id (the profile as it was then, the
// description, title, company) in another theme or paper. The tailoring
// cache is keyed by profile and description, so only the printing runs
// again. 202, like generate-async.
func (s *Server) apiRegenerate(w http.ResponseWriter, r *http.Request) {
	var req regenerateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, 4096, &req); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	user := currentUser(r)
	old, err := s.DB.Jobs.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if err := req.validate(old); err != nil {
		s.jsonError(w, r, err)
		return
	}
	profile, err := s.DB.Jobs.Profile(r.Context(), old.ID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	job, created, err := s.submitJob(r, db.Job{
		OwnerID: user.ID, CandidateID: old.CandidateID, CandidateVersion: old.CandidateVersion, CandidateName: old.CandidateName,
		JobTitle: old.JobTitle, Company: old.Company, JobDescription: old.JobDescription,
		Theme: req.Theme, Paper: req.Paper, Queue: req.Priority,
	}, profile)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeAccepted(w, job, created)
}

// validate fills what is missing from the old job and checks the rest.
func (g *regenerateRequest) validate(old db.Job) error {
	g.Theme = strings.ToLower(strings.TrimSpace(g.Theme))
	g.Paper = strings.ToLower(strings.TrimSpace(g.Paper))
	if g.Theme == "" {
		g.Theme = old.Theme
	}
	if g.Paper == "" {
		g.Paper = old.Paper
	}
	if g.Priority == "" {
		g.Priority = old.Queue
	}
	fields := map[string]string{}
	if !themes.Valid(g.Theme) {
		fields["theme"] = "must be one of " + strings.Join(themes.Names(), ", ")
	}
	if !themes.ValidPaper(g.Paper) {
		fields["paper"] = "must be one of " + strings.Join(themes.Papers(), ", ")
	}
	if !slices.Contains(tasks.QueueNames(), g.Priority) {
		fields["priority"] = "must be interactive or batch"
	}
	if len(fields) > 0 {
		return fieldErrors(fields)
	}
	return nil
}

// POST /api/resume-async/share/{id}: a signed link to the job's PDF that
// anyone may open, without a token, until it expires (7 days); 409 until
// the job has succeeded.
func (s *Server) apiShare(w http.ResponseWriter, r *http.Request) {
	j, err := s.DB.Jobs.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if j.Status != jobstate.StatusSucceeded || !j.HasPDF {
		writeJSONError(w, http.StatusConflict, "job is "+j.Status+"; only a succeeded job's PDF can be shared")
		return
	}
	link, expires := s.shareURL(r, j.ID)
	writeJSON(w, http.StatusOK, map[string]any{"job_id": j.ID, "url": link, "expires_at": expires.UTC().Truncate(time.Second)})
}
