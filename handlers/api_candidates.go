package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/resume"
)

// maxProfileBytes bounds a JSON Resume upload.
const maxProfileBytes = 1 << 20

type candidateJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// POST /api/candidates: a JSON Resume document in, 201 {"id": ...} out.
func (s *Server) apiCandidateCreate(w http.ResponseWriter, r *http.Request) {
	profile, body, err := readProfile(w, r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	c, err := s.DB.Candidates.Create(r.Context(), currentUser(r).ID, profile.Basics.Name, body)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/candidates/"+c.ID)
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "name": c.Name, "version": c.Version})
}

// readProfile reads and validates a JSON Resume body, and returns it with
// its normalised JSON to store.
func readProfile(w http.ResponseWriter, r *http.Request) (resume.Resume, []byte, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxProfileBytes))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			return resume.Resume{}, nil, err
		}
		return resume.Resume{}, nil, errorf(http.StatusBadRequest, "invalid JSON body: "+bodyReadError)
	}
	profile, err := resume.Parse(raw)
	if err != nil {
		return resume.Resume{}, nil, err
	}
	body, err := json.Marshal(profile)
	return profile, body, err
}

// GET /api/candidates
func (s *Server) apiCandidateList(w http.ResponseWriter, r *http.Request) {
	limit, offset := pageParams(r)
	list, err := s.DB.Candidates.List(r.Context(), candidateFilter(r, limit, offset))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]candidateJSON, 0, len(list))
	for _, c := range list {
		out = append(out, candidateJSON{ID: c.ID, Name: c.Name, Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt})
	}
	serveJSON(w, r, map[string]any{"candidates": out}, "")
}

// GET /api/candidates/{id}: the JSON Resume export.
func (s *Server) apiCandidateGet(w http.ResponseWriter, r *http.Request) {
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.Header().Set("X-Candidate-Version", strconv.Itoa(c.Version))
	if notModified(w, r, `"`+c.ID+".v"+strconv.Itoa(c.Version)+`"`, cacheRevalidate) {
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(c.Profile)
}

// PUT /api/candidates/{id}: a new version of the profile, a JSON Resume
// document. The candidate keeps its owner, also when an admin updates it.
func (s *Server) apiCandidateUpdate(w http.ResponseWriter, r *http.Request) {
	existing, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	profile, body, err := readProfile(w, r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	c, err := s.DB.Candidates.Update(r.Context(), existing.OwnerID, existing.ID, profile.Basics.Name, body)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.ID, "name": c.Name, "version": c.Version})
}

// DELETE /api/candidates/{id}: 204; the candidate's jobs keep their copies.
func (s *Server) apiCandidateDelete(w http.ResponseWriter, r *http.Request) {
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if err := s.DB.Candidates.Delete(r.Context(), c.OwnerID, c.ID); err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func pageParams(r *http.Request) (limit, offset int) {
	limit, _ = strconv.Atoi(r.URL.Query().Get("limit"))
	offset, _ = strconv.Atoi(r.URL.Query().Get("offset"))
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return limit, max(offset, 0)
}
