package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
)

// maxBatchBodyBytes bounds a batch request: a pasted description and a
// thousand ids.
const maxBatchBodyBytes = 256 * 1024

func batchURL(id string) string    { return "/api/batches/" + id }
func batchZipURL(id string) string { return "/api/batches/" + id + "/zip" }

type batchCountsJSON struct {
	Total     int `json:"total"`
	Queued    int `json:"queued"`
	Running   int `json:"running"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Canceled  int `json:"canceled"`
}

type batchJSON struct {
	ID             string          `json:"id"`
	Status         string          `json:"status"` // running or done
	StatusURL      string          `json:"status_url"`
	ZipURL         string          `json:"zip_url"`
	Counts         batchCountsJSON `json:"counts"`
	OpeningID      string          `json:"opening_id,omitempty"`
	CandidateID    string          `json:"candidate_id,omitempty"`
	JobTitle       string          `json:"job_title"`
	Company        string          `json:"company"`
	Theme          string          `json:"theme"`
	Paper          string          `json:"paper"`
	CreatedAt      time.Time       `json:"created_at"`
	FinishedAt     *time.Time      `json:"finished_at"`
	Jobs           []jobJSON       `json:"jobs,omitempty"`
	JobsNextOffset *int            `json:"jobs_next_offset,omitempty"`
}

func toBatchJSON(b db.Batch) batchJSON {
	c := b.Counts
	status := "running"
	if c.Done() {
		status = "done"
	}
	return batchJSON{
		ID: b.ID, Status: status, StatusURL: batchURL(b.ID), ZipURL: batchZipURL(b.ID),
		Counts: batchCountsJSON{Total: c.Total(), Queued: c.Queued, Running: c.Running,
			Succeeded: c.Succeeded, Failed: c.Failed, Canceled: c.Canceled},
		OpeningID: b.OpeningID, CandidateID: b.CandidateID, JobTitle: b.JobTitle, Company: b.Company,
		Theme: b.Theme, Paper: b.Paper, CreatedAt: b.CreatedAt, FinishedAt: timePtr(b.FinishedAt),
	}
}

// createBatch starts a batch for the signed-in user (API, web): the rows
// in one transaction, then a nudge to the feeder, which enqueues them a
// few at a time. It answers at once whatever the size.
func (s *Server) createBatch(r *http.Request, req jobs.BatchRequest) (db.Batch, error) {
	b, err := jobs.CreateBatch(r.Context(), s.DB, currentUser(r).ID, s.Model, req)
	var be *jobs.BatchError
	if errors.As(err, &be) {
		if be.NotFound != "" {
			return db.Batch{}, errorf(http.StatusNotFound, be.Error())
		}
		return db.Batch{}, &Error{Status: http.StatusUnprocessableEntity, Message: be.Error(), Fields: be.Fields}
	}
	if err != nil {
		return db.Batch{}, err
	}
	s.Feeder.Kick()
	return b, nil
}

// POST /api/batches -> 202 with the batch and where to follow it.
func (s *Server) apiBatchCreate(w http.ResponseWriter, r *http.Request) {
	var req jobs.BatchRequest
	if err := decodeJSON(w, r, maxBatchBodyBytes, &req); err != nil {
		s.jsonError(w, r, err)
		return
	}
	b, err := s.createBatch(r, req)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.Header().Set("Location", batchURL(b.ID))
	writeJSON(w, http.StatusAccepted, toBatchJSON(b))
}

// GET /api/batches/{id}: counts, a page of jobs (limit, offset), the ZIP.
func (s *Server) apiBatchGet(w http.ResponseWriter, r *http.Request) {
	owner := ownerScope(currentUser(r))
	b, err := s.DB.Batches.Get(r.Context(), owner, chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	limit, offset := pageParams(r)
	js, err := s.DB.Batches.Jobs(r.Context(), owner, b.ID, limit, offset)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := toBatchJSON(b)
	out.Jobs = make([]jobJSON, 0, len(js))
	for _, j := range js {
		out.Jobs = append(out.Jobs, toJobJSON(j))
	}
	if next := offset + len(js); len(js) == limit && next < b.Counts.Total() {
		out.JobsNextOffset = &next
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /api/batches: the user's batches, newest first, with counts.
func (s *Server) apiBatchList(w http.ResponseWriter, r *http.Request) {
	limit, offset := pageParams(r)
	bs, err := s.DB.Batches.List(r.Context(), ownerScope(currentUser(r)), limit, offset)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]batchJSON, 0, len(bs))
	for _, b := range bs {
		out = append(out, toBatchJSON(b))
	}
	writeJSON(w, http.StatusOK, map[string]any{"batches": out})
}

// cancelBatch cancels the batch's jobs that have not ended (SQLite first,
// then the tasks of the released ones) and returns the batch.
func (s *Server) cancelBatch(r *http.Request, id string) (db.Batch, error) {
	owner := ownerScope(currentUser(r))
	released, err := s.DB.Batches.Cancel(r.Context(), owner, id)
	if err != nil {
		return db.Batch{}, err
	}
	for _, j := range released {
		s.announce(r.Context(), j)
		if err := s.Canceler.Cancel(r.Context(), j.ID, j.Queue); err != nil {
			s.Logger.Warn("cancel task", "job_id", j.ID, "err", err)
		}
	}
	return s.DB.Batches.Get(r.Context(), owner, id)
}

// retryBatch adds a new job for each failed one and returns the batch.
func (s *Server) retryBatch(r *http.Request, id string) (db.Batch, int, error) {
	owner := ownerScope(currentUser(r))
	added, err := jobs.RetryFailed(r.Context(), s.DB, owner, id, s.Model)
	if err != nil {
		return db.Batch{}, 0, err
	}
	s.Feeder.Kick()
	b, err := s.DB.Batches.Get(r.Context(), owner, id)
	return b, len(added), err
}

// POST /api/batches/{id}/cancel: cancel the rest.
func (s *Server) apiBatchCancel(w http.ResponseWriter, r *http.Request) {
	b, err := s.cancelBatch(r, chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toBatchJSON(b))
}

// POST /api/batches/{id}/retry-failed: a new job for each failed one.
func (s *Server) apiBatchRetry(w http.ResponseWriter, r *http.Request) {
	b, n, err := s.retryBatch(r, chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := map[string]any{"batch": toBatchJSON(b), "retried": n}
	writeJSON(w, http.StatusAccepted, out)
}

// GET /api/batches/{id}/zip: every PDF so far, and summary.csv.
func (s *Server) apiBatchZip(w http.ResponseWriter, r *http.Request) {
	owner := ownerScope(currentUser(r))
	b, err := s.DB.Batches.Get(r.Context(), owner, chi.URLParam(r, "id"))
	if err == nil && b.Counts.Succeeded == 0 {
		err = errorf(http.StatusConflict, "no resume of this batch is ready yet")
	}
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	s.writeBatchZip(w, r, owner, b)
}
