package handlers

import (
	"errors"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"
	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/notify"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/views"
)

// GET /admin/queues: pause and resume queues, handle dead tasks.
func (s *Server) adminQueues(w http.ResponseWriter, r *http.Request) {
	q := views.AdminQueues{}
	if err := s.readQueues(&q); err != nil {
		q.RedisErr = err.Error()
	}
	s.render(w, r, http.StatusOK, views.AdminQueuesView(s.page(r, "Queues", "admin"), q))
}

func (s *Server) readQueues(q *views.AdminQueues) error {
	if s.Admin.Inspector == nil {
		return errors.New("not configured")
	}
	rows, err := s.queueRows()
	if err != nil {
		return err
	}
	q.Queues = rows
	for _, row := range rows {
		if row.Archived == 0 {
			continue
		}
		dead, err := s.Admin.Inspector.ListArchivedTasks(row.Name, asynq.PageSize(100))
		if err != nil {
			return err
		}
		for _, t := range dead {
			q.Archived = append(q.Archived, views.ArchivedTask{
				Queue: t.Queue, ID: t.ID, LastErr: t.LastErr, Retried: t.Retried, LastFailed: t.LastFailedAt,
			})
		}
	}
	return nil
}

// adminQueues are the queues the admin pages show and act on: the
// generate queues, then the notify queue of mails and webhook deliveries
// (web processes run it), so a delivery that gave up can be seen and retried.
func adminQueues() []string { return append(tasks.QueueNames(), notify.Queue) }

// knownQueue guards the queue URL parameter.
func knownQueue(name string) bool {
	return slices.Contains(adminQueues(), name)
}

// POST /admin/queues/{queue}/pause and /resume
func (s *Server) adminQueuePause(pause bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := chi.URLParam(r, "queue")
		if !knownQueue(name) || s.Admin.Inspector == nil {
			s.pageError(w, r, errorf(http.StatusNotFound, "No such queue."))
			return
		}
		var err error
		if pause {
			err = s.Admin.Inspector.PauseQueue(name)
		} else {
			err = s.Admin.Inspector.UnpauseQueue(name)
		}
		if err != nil {
			s.flashError(r, "Redis refused: "+err.Error())
		} else if pause {
			s.flash(r, "Paused "+name+": its jobs wait until you resume it.")
		} else {
			s.flash(r, "Resumed "+name+".")
		}
		http.Redirect(w, r, "/admin/queues", http.StatusSeeOther)
	}
}

// POST /admin/queues/{queue}/dead/{id}/retry: a new job with the same
// inputs (the dead task's job is failed, and a failed job stays failed),
// then the dead task is deleted.
func (s *Server) adminDeadRetry(w http.ResponseWriter, r *http.Request) {
	name, id := chi.URLParam(r, "queue"), chi.URLParam(r, "id")
	if !knownQueue(name) {
		s.pageError(w, r, errorf(http.StatusNotFound, "No such queue."))
		return
	}
	if name == notify.Queue {
		// A mail or a webhook delivery: the same task runs again (it is
		// idempotent: its sent-marker or delivery log says if it went out).
		if s.Admin.Inspector == nil {
			s.pageError(w, r, errorf(http.StatusNotFound, "No such queue."))
			return
		}
		if err := s.Admin.Inspector.RunTask(name, id); err != nil {
			s.flashError(r, "Could not run "+id+" again: "+err.Error())
		} else {
			s.flash(r, "Queued "+id+" to run again.")
		}
		http.Redirect(w, r, "/admin/queues", http.StatusSeeOther)
		return
	}
	j, err := s.retryAs(r, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if s.Admin.Inspector != nil {
		s.Admin.Inspector.DeleteTask(name, id)
	}
	s.flash(r, "Started job "+j.ID+" with the inputs of "+id+".")
	http.Redirect(w, r, "/admin/queues", http.StatusSeeOther)
}

// POST /admin/queues/{queue}/dead/{id}/delete
func (s *Server) adminDeadDelete(w http.ResponseWriter, r *http.Request) {
	name, id := chi.URLParam(r, "queue"), chi.URLParam(r, "id")
	if !knownQueue(name) || s.Admin.Inspector == nil {
		s.pageError(w, r, errorf(http.StatusNotFound, "No such queue."))
		return
	}
	if err := s.Admin.Inspector.DeleteTask(name, id); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
		s.flashError(r, "Redis refused: "+err.Error())
	} else {
		s.flash(r, "Deleted the dead task "+id+". Its job stays failed.")
	}
	http.Redirect(w, r, "/admin/queues", http.StatusSeeOther)
}
