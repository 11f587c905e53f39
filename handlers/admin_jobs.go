package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/views"
)

const adminPageSize = 50

// GET /admin/jobs: every job, filtered; ?slow=1 lists the slowest first.
func (s *Server) adminJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := views.AdminJobFilter{
		Status: q.Get("status"), User: q.Get("user"), Candidate: strings.TrimSpace(q.Get("candidate")),
		From: q.Get("from"), To: q.Get("to"), Q: strings.TrimSpace(q.Get("q")), Slow: q.Get("slow") == "1",
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	filter := db.AdminFilter{
		Status: f.Status, OwnerID: f.User, Candidate: f.Candidate, Text: f.Q, Slowest: f.Slow,
		Limit: adminPageSize + 1, Offset: (page - 1) * adminPageSize,
	}
	if t, err := time.Parse("2006-01-02", f.From); err == nil {
		filter.From = t
	}
	if t, err := time.Parse("2006-01-02", f.To); err == nil {
		filter.To = t.Add(24 * time.Hour) // the whole "to" day
	}
	jobs, err := s.DB.Jobs.AdminList(r.Context(), filter)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	users, err := s.DB.Users.List(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	a := views.AdminJobs{Jobs: jobs, Users: users, Filter: f, Page: page}
	if len(jobs) > adminPageSize {
		a.Jobs, a.HasMore = jobs[:adminPageSize], true
	}
	title := "Jobs"
	if f.Slow {
		title = "Slowest jobs"
	}
	s.render(w, r, http.StatusOK, views.AdminJobsView(s.page(r, title, "admin"), a))
}

// GET /admin/jobs/{id}: attempts, errors, stage times, inputs, the task.
func (s *Server) adminJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.DB.Jobs.Get(r.Context(), db.AllOwners, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	a := views.AdminJob{Job: j, Owner: j.OwnerID, Task: s.taskState(j), MaxAttempts: tasks.MaxRetry + 1}
	a.Report, a.HasReport = factCheck(j)
	if u, err := s.DB.Users.Get(r.Context(), j.OwnerID); err == nil {
		a.Owner = u.Email
	}
	s.render(w, r, http.StatusOK, views.AdminJobView(s.page(r, "Job "+j.ID, "admin"), a))
}

// taskState describes the job's asynq task in words.
func (s *Server) taskState(j db.Job) string {
	if s.Admin.Inspector == nil {
		return "unknown (Redis not configured)"
	}
	info, err := s.Admin.Inspector.GetTaskInfo(j.Queue, j.ID)
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		if jobstate.IsFinal(j.Status) {
			return "none (the job ended; finished tasks are kept 24 hours)"
		}
		return "none: the reconciler will enqueue it again within 30 s"
	case err != nil:
		return "unknown: Redis is unreachable (" + err.Error() + ")"
	}
	text := info.State.String() + " in queue " + info.Queue + ", retried " + strconv.Itoa(info.Retried) + " of " + strconv.Itoa(info.MaxRetry)
	if info.LastErr != "" {
		text += "; last error: " + info.LastErr
	}
	return text
}

// POST /admin/jobs/{id}/cancel
func (s *Server) adminJobCancel(w http.ResponseWriter, r *http.Request) {
	j, err := s.cancel(r, chi.URLParam(r, "id"))
	if err != nil && !errors.Is(err, db.ErrConflict) {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Job "+j.ID+" is "+j.Status+".")
	http.Redirect(w, r, "/admin/jobs/"+j.ID, http.StatusSeeOther)
}

// POST /admin/jobs/{id}/retry: a new job with the same inputs, owned by the
// same recruiter.
func (s *Server) adminJobRetry(w http.ResponseWriter, r *http.Request) {
	j, err := s.retryAs(r, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Started job "+j.ID+" with the same inputs.")
	http.Redirect(w, r, "/admin/jobs/"+j.ID, http.StatusSeeOther)
}

// retryAs submits a job's inputs again on behalf of its owner.
func (s *Server) retryAs(r *http.Request, id string) (db.Job, error) {
	old, err := s.DB.Jobs.Get(r.Context(), db.AllOwners, id)
	if err != nil {
		return db.Job{}, err
	}
	return s.resubmit(r, old, db.User{ID: old.OwnerID, Role: db.RoleRecruiter})
}

// resubmit starts a new job with old's inputs (description, title, company,
// theme, paper, queue) for its candidate's current profile, as user.
func (s *Server) resubmit(r *http.Request, old db.Job, user db.User) (db.Job, error) {
	if old.CandidateID == "" {
		return db.Job{}, errorf(http.StatusConflict, "The candidate of this job was deleted, so it cannot be retried.")
	}
	if old.BatchID != "" { // the new job stays in the batch: its counts and ZIP include it
		added, err := jobs.RetryInBatch(r.Context(), s.DB, db.AllOwners, old.BatchID, []string{old.ID}, s.Model)
		if err != nil {
			return db.Job{}, err
		}
		if len(added) == 0 {
			return db.Job{}, errorf(http.StatusConflict, "The candidate of this job was deleted, so it cannot be retried.")
		}
		s.Feeder.Kick()
		return added[0], nil
	}
	req := generateRequest{
		CandidateID: old.CandidateID, JobDescription: old.JobDescription, JobTitle: old.JobTitle,
		Company: old.Company, Theme: old.Theme, Paper: old.Paper, Priority: old.Queue,
	}
	if err := req.validate(); err != nil {
		return db.Job{}, err
	}
	job, _, err := s.submit(r, user, req)
	return job, err
}

// GET /admin/jobs/{id}/delete: confirm.
func (s *Server) adminJobDeletePage(w http.ResponseWriter, r *http.Request) {
	j, err := s.DB.Jobs.Get(r.Context(), db.AllOwners, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Confirm(s.page(r, "Delete job", "admin"), views.ConfirmPage{
		Question: "Delete this job?",
		Detail:   "The job " + j.ID + " (" + j.CandidateName + ") and its PDF are deleted for good. The recruiter's download and share links stop working.",
		Action:   "/admin/jobs/" + j.ID + "/delete", Button: "Delete job", Cancel: "/admin/jobs/" + j.ID,
	}))
}

// POST /admin/jobs/{id}/delete
func (s *Server) adminJobDelete(w http.ResponseWriter, r *http.Request) {
	j, err := s.DB.Jobs.Get(r.Context(), db.AllOwners, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if !jobstate.IsFinal(j.Status) {
		if _, err := s.cancel(r, j.ID); err != nil && !errors.Is(err, db.ErrConflict) {
			s.pageError(w, r, err)
			return
		}
	}
	if err := s.DB.Jobs.Delete(r.Context(), j.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if s.Admin.Inspector != nil {
		// Best effort: a finished task kept for its retention would bring
		// the row back at the next start (jobs.Reconciler.RecreateOrphans).
		s.Admin.Inspector.DeleteTask(j.Queue, j.ID)
	}
	s.flash(r, "Deleted job "+j.ID+".")
	http.Redirect(w, r, "/admin/jobs", http.StatusSeeOther)
}
