package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/tasks"
	"github.com/tailor-app/tailor/views"
)

// statusStopPolling (286) tells htmx to stop polling; the body is still
// swapped in, so the final card replaces the running one.
const statusStopPolling = 286

// card is a job as its card shows it, with a poll URL while it runs.
func (s *Server) card(r *http.Request, j db.Job) views.Card {
	c := s.cardFor(j, ownerScope(currentUser(r)))
	c.Live = c.PollURL != "" && j.OwnerID == currentUser(r).ID
	return c
}

// cardFor is a job's card for a viewer with scope. A running job's card
// polls; it is Live (its poll held back while the page's event stream is
// connected) when the viewer owns it, since streams carry their owner's
// jobs only.
func (s *Server) cardFor(j db.Job, scope db.Owner) views.Card {
	return s.cardPolling(j, scope, func() string { return s.pollURL(j.ID, scope) })
}

// cardPolling is cardFor with the poll link of a running job from poll: a
// poll answers with the link it came by (still valid: no new MAC to make).
func (s *Server) cardPolling(j db.Job, scope db.Owner, poll func() string) views.Card {
	c := views.Card{Job: j, Stage: stageWords(j), Elapsed: elapsed(j, s.now())}
	if !jobstate.IsFinal(j.Status) {
		c.PollURL = poll()
		c.Live = !scope.All() && scope.String() == j.OwnerID
		c.ElapsedMS = max(s.now().Sub(j.CreatedAt).Milliseconds(), 1)
	}
	c.Retryable = (j.Status == jobstate.StatusFailed || j.Status == jobstate.StatusCanceled) && j.CandidateID != ""
	return c
}

// GET /jobs/{id}/card?o=&e=&s=: the card's poll. It goes through no session
// (the link is signed) and costs one SQLite read. A running job answers 200
// and keeps polling; an ended one answers 286 with the final card.
func (s *Server) jobCardPoll(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	q := r.URL.Query()
	ok, expired := s.verify(q.Get("s"), q.Get("e"), "card", id, q.Get("o"))
	if !ok {
		http.Error(w, "invalid or tampered link", http.StatusForbidden)
		return
	}
	scope := db.ParseOwner(q.Get("o"))
	j, err := s.DB.Jobs.Get(r.Context(), scope, id)
	if err != nil {
		if e := classify(err); e != nil {
			w.WriteHeader(statusStopPolling) // the job is gone: stop asking
			return
		}
		s.Logger.Error("poll job card", "job_id", id, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError) // htmx keeps polling
		return
	}
	c := s.cardPolling(j, scope, func() string { return r.URL.Path + "?" + r.URL.RawQuery })
	c.Update = true
	status := http.StatusOK
	switch {
	case jobstate.IsFinal(j.Status):
		status = statusStopPolling
		c.AutoDownload = j.Status == jobstate.StatusSucceeded
	case expired:
		status = statusStopPolling
		c.PollURL = ""
		c.Stage += " (reload the page to follow)"
	}
	if q.Get("form") == "row" {
		s.jobRowPoll(w, r, status, c)
		return
	}
	if expired && !jobstate.IsFinal(j.Status) {
		w.Header().Set("Cache-Control", cacheNone)
	} else if notModified(w, r, s.cardETag(j), cacheRevalidate) {
		// The browser revalidates each poll; until the job's version moves
		// it gets 304 and swaps in the card it has (elapsed time included).
		return
	}
	s.render(w, r, status, views.JobCard(c))
}

// cardETag validates a job's card fragment: the job's version, and the
// process's start (a release may change the markup).
func (s *Server) cardETag(j db.Job) string {
	return `W/"` + j.ID + "." + strconv.Itoa(j.Version) + "." + s.api.boot + `"`
}

// stageWords says where a job is, in a recruiter's words.
func stageWords(j db.Job) string {
	switch j.Status {
	case jobstate.StatusQueued:
		if j.Stage == "" || j.Stage == jobstate.StatusQueued {
			return tasks.StageQueued
		}
		return j.Stage
	case jobstate.StatusRunning:
		return j.Stage
	case jobstate.StatusSucceeded:
		if j.Cached {
			return "done (from cache)"
		}
		return "done"
	case jobstate.StatusFailed:
		return "failed"
	case jobstate.StatusCanceled:
		return "canceled"
	}
	return j.Stage
}

// elapsed is the time since submission, up to the end for a final job.
func elapsed(j db.Job, now time.Time) string {
	end := now
	if jobstate.IsFinal(j.Status) && !j.FinishedAt.IsZero() {
		end = j.FinishedAt
	}
	return shortDuration(end.Sub(j.CreatedAt))
}

func shortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %02d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
}
