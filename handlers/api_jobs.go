package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume/themes"
	"github.com/tailor-app/tailor/tasks"
)

// Input limits for a generate request.
const (
	maxJobDescriptionBytes = 100 * 1024
	maxGenerateBodyBytes   = 512 * 1024
	maxShortFieldChars     = 300
)

type generateRequest struct {
	CandidateID    string `json:"candidate_id"`
	JobDescription string `json:"job_description"`
	JobTitle       string `json:"job_title"`
	Company        string `json:"company"`
	Theme          string `json:"theme"`
	Paper          string `json:"paper"`
	Fit            bool   `json:"fit"`      // fit the resume on one page
	Priority       string `json:"priority"` // "interactive" (default) or "batch"
}

// validate checks the request and fills defaults.
func (g *generateRequest) validate() error {
	g.CandidateID = strings.TrimSpace(g.CandidateID)
	g.JobTitle = strings.TrimSpace(g.JobTitle)
	g.Company = strings.TrimSpace(g.Company)
	g.Theme = strings.ToLower(strings.TrimSpace(g.Theme))
	g.Paper = strings.ToLower(strings.TrimSpace(g.Paper))
	if len(g.JobDescription) > maxJobDescriptionBytes {
		return errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("job_description is %d KB; the limit is 100 KB", len(g.JobDescription)/1024))
	}
	fields := map[string]string{}
	if g.CandidateID == "" {
		fields["candidate_id"] = "is required"
	}
	if strings.TrimSpace(g.JobDescription) == "" {
		fields["job_description"] = "is required"
	}
	if utf8.RuneCountInString(g.JobTitle) > maxShortFieldChars {
		fields["job_title"] = fmt.Sprintf("must be at most %d characters", maxShortFieldChars)
	}
	if utf8.RuneCountInString(g.Company) > maxShortFieldChars {
		fields["company"] = fmt.Sprintf("must be at most %d characters", maxShortFieldChars)
	}
	if g.Theme == "" {
		g.Theme = themes.Default
	} else if !themes.Valid(g.Theme) {
		fields["theme"] = "must be one of " + strings.Join(themes.Names(), ", ")
	}
	if g.Paper == "" {
		g.Paper = themes.DefaultPaper
	} else if !themes.ValidPaper(g.Paper) {
		fields["paper"] = "must be one of " + strings.Join(themes.Papers(), ", ")
	}
	switch g.Priority {
	case "", tasks.QueueInteractive:
		g.Priority = tasks.QueueInteractive
	case tasks.QueueBatch:
	default:
		fields["priority"] = "must be interactive or batch"
	}
	if len(fields) > 0 {
		return fieldErrors(fields)
	}
	return nil
}

func fieldErrors(fields map[string]string) *Error {
	parts := make([]string, 0, len(fields))
	for _, k := range sortedKeys(fields) {
		parts = append(parts, k+" "+fields[k])
	}
	return &Error{Status: http.StatusUnprocessableEntity, Message: strings.Join(parts, "; "), Fields: fields}
}

// POST /api/resume-async/generate-async: the row is committed first, then
// the task enqueued with TaskID = job id; the answer is 202 at once.
func (s *Server) apiGenerate(w http.ResponseWriter, r *http.Request) {
	var req generateRequest
	if err := decodeJSON(w, r, maxGenerateBodyBytes, &req); err != nil {
		s.jsonError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.jsonError(w, r, err)
		return
	}
	user := currentUser(r)
	job, created, err := s.submit(r, user, req)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeAccepted(w, job, created)
}

// writeAccepted is the 202 answer to a job, with its Location; a job that
// existed already (the same inputs, seconds ago) is marked "duplicate".
func writeAccepted(w http.ResponseWriter, job db.Job, created bool) {
	w.Header().Set("Location", statusURL(job.ID))
	body := map[string]any{
		"job_id":       job.ID,
		"status":       job.Status,
		"status_url":   statusURL(job.ID),
		"download_url": downloadURL(job.ID),
		"cached":       job.Cached,
	}
	if !created {
		body["duplicate"] = true
	}
	writeJSON(w, http.StatusAccepted, body)
}

// duplicateWindow is how long the same inputs from the same user give the
// job they already started rather than a new one (issue 15: double clicks).
const duplicateWindow = 10 * time.Second

// submit creates the job row and enqueues its task. If the enqueue fails
// the row stays queued and the reconciler enqueues it later: the job is
// accepted either way. created is false when the user submitted the same
// inputs moments ago: job is that one.
func (s *Server) submit(r *http.Request, user db.User, req generateRequest) (job db.Job, created bool, err error) {
	ctx := r.Context()
	c, err := s.DB.Candidates.Get(ctx, ownerScope(user), req.CandidateID)
	if err != nil {
		if err == db.ErrNotFound {
			return db.Job{}, false, errorf(http.StatusNotFound, "candidate not found")
		}
		return db.Job{}, false, err
	}
	return s.submitJob(r, db.Job{
		OwnerID: user.ID, CandidateID: c.ID, CandidateVersion: c.Version, CandidateName: c.Name,
		JobTitle: req.JobTitle, Company: req.Company, JobDescription: req.JobDescription,
		Theme: req.Theme, Paper: req.Paper, Fit: req.Fit, Queue: req.Priority,
	}, c.Profile)
}

// submitJob commits a new job row for j's inputs and profile, then
// enqueues its task; the same inputs from the same owner within
// duplicateWindow give the existing job instead (created false), whether
// they came from a page, an embedded form or the API.
func (s *Server) submitJob(r *http.Request, j db.Job, profile []byte) (job db.Job, created bool, err error) {
	ctx := r.Context()
	j.InputsHash = tasks.InputsHash(profile, j.JobDescription, s.Model, j.Theme, j.Paper, j.Fit)
	j.Model = s.Model
	job, created, err = s.DB.Jobs.CreateOnce(ctx, j, profile, duplicateWindow)
	if err != nil || !created {
		return job, false, err
	}
	p := jobs.PayloadFor(job, profile)
	p.EnqueuedAt = s.now()
	if err := s.Enqueuer.Enqueue(ctx, p, job.Queue); err != nil {
		s.Logger.Warn("enqueue failed; the reconciler will retry", "job_id", job.ID, "err", err)
	}
	return job, true, nil
}

func statusURL(id string) string   { return "/api/resume-async/job-status/" + id }
func downloadURL(id string) string { return "/api/resume-async/download/" + id }

type jobJSON struct {
	JobID    string `json:"job_id"`
	Status   string `json:"status"`
	Stage    string `json:"stage"`
	Progress int    `json:"progress"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error"`
	// ErrorText is Error in a recruiter's words, with what to do.
	ErrorText   string     `json:"error_text,omitempty"`
	Cached      bool       `json:"cached"`
	CreatedAt   time.Time  `json:"created_at"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	DownloadURL string     `json:"download_url"`

	BatchID       string `json:"batch_id,omitempty"`
	CandidateID   string `json:"candidate_id"`
	CandidateName string `json:"candidate_name"`
	JobTitle      string `json:"job_title"`
	Company       string `json:"company"`
	Theme         string `json:"theme"`
	Paper         string `json:"paper"`
	Fit           bool   `json:"fit"`
	MatchBefore   *int   `json:"match_before"`
	MatchAfter    *int   `json:"match_after"`
}

func toJobJSON(j db.Job) jobJSON {
	errorText := ""
	if j.Status == jobstate.StatusFailed {
		errorText = jobstate.Reason(j.Error, j.Attempts)
	}
	return jobJSON{
		ErrorText: errorText,
		JobID:     j.ID, Status: j.Status, Stage: j.Stage, Progress: j.Progress, Attempts: j.Attempts,
		Error: j.Error, Cached: j.Cached, CreatedAt: j.CreatedAt,
		StartedAt: timePtr(j.StartedAt), FinishedAt: timePtr(j.FinishedAt), DownloadURL: downloadURL(j.ID),
		BatchID: j.BatchID, CandidateID: j.CandidateID, CandidateName: j.CandidateName, JobTitle: j.JobTitle, Company: j.Company,
		Theme: j.Theme, Paper: j.Paper, Fit: j.Fit, MatchBefore: j.MatchBefore, MatchAfter: j.MatchAfter,
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// GET /api/resume-async/job-status/{id}: reads SQLite only. The ETag is
// the job's version, so a client that polls with If-None-Match gets 304
// until something changes.
func (s *Server) apiJobStatus(w http.ResponseWriter, r *http.Request) {
	j, err := s.DB.Jobs.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	serveJSON(w, r, toJobJSON(j), jobETag(j))
}

// GET /api/resume-async/download/{id}: the PDF, 409 while not ready.
func (s *Server) apiJobDownload(w http.ResponseWriter, r *http.Request) {
	scope := ownerScope(currentUser(r))
	j, err := s.DB.Jobs.Get(r.Context(), scope, chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	switch {
	case j.Status == jobstate.StatusFailed:
		writeJSONError(w, http.StatusConflict, "job failed, there is no PDF: "+j.Error)
		return
	case j.Status != jobstate.StatusSucceeded || !j.HasPDF:
		writeJSONError(w, http.StatusConflict, "job is "+j.Status+"; the PDF is ready when status is succeeded")
		return
	}
	// A job's PDF is written once and never changes.
	if notModified(w, r, pdfETag(j), cacheImmutablePrivate) {
		return
	}
	res, err := s.DB.Jobs.Result(r.Context(), scope, j.ID)
	if err != nil {
		uncache(w)
		s.jsonError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(res.PDF)))
	w.Header().Set("Content-Disposition", contentDisposition("attachment", j.PDFFilename(), "resume.pdf"))
	w.Write(res.PDF)
}

// statusParam reads ?status=a,b (or repeated): known statuses only, each
// once. Anything else is a 400 that names the statuses there are.
func statusParam(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		for _, st := range strings.Split(v, ",") {
			st = strings.TrimSpace(st)
			switch {
			case st == "" || slices.Contains(out, st):
			case slices.Contains(jobstate.Statuses(), st):
				out = append(out, st)
			default:
				if len(st) > 40 {
					st = st[:40] + "..."
				}
				return nil, errorf(http.StatusBadRequest, fmt.Sprintf("unknown status %q: use one or more of %s, separated by commas",
					st, strings.Join(jobstate.Statuses(), ", ")))
			}
		}
	}
	return out, nil
}

// GET /api/resume-async/my-jobs: newest first.
func (s *Server) apiMyJobs(w http.ResponseWriter, r *http.Request) {
	limit, offset := pageParams(r)
	f := db.JobFilter{Owner: db.OwnedBy(currentUser(r).ID), Limit: limit, Offset: offset}
	statuses, err := statusParam(r.URL.Query()["status"])
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	f.Statuses = statuses
	if f.Query = strings.TrimSpace(r.URL.Query().Get("q")); utf8.RuneCountInString(f.Query) > maxSearchRunes {
		s.jsonError(w, r, errorf(http.StatusBadRequest, fmt.Sprintf("q is too long: at most %d characters", maxSearchRunes)))
		return
	}
	jobs, err := s.DB.Jobs.List(r.Context(), f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]jobJSON, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, toJobJSON(j))
	}
	serveJSON(w, r, map[string]any{"jobs": out}, "")
}

// POST /api/resume-async/cancel/{id}
func (s *Server) apiJobCancel(w http.ResponseWriter, r *http.Request) {
	j, err := s.cancel(r, chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJobJSON(j))
}

// cancel marks the job canceled in SQLite (the truth), then stops its task.
func (s *Server) cancel(r *http.Request, id string) (db.Job, error) {
	j, err := s.DB.Jobs.Cancel(r.Context(), ownerScope(currentUser(r)), id)
	if err != nil {
		return j, err
	}
	s.announce(r.Context(), j)
	if err := s.Canceler.Cancel(r.Context(), j.ID, j.Queue); err != nil {
		s.Logger.Warn("cancel task", "job_id", j.ID, "err", err)
	}
	return j, nil
}
