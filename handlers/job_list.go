package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/views"
)

// statusFilters maps the My jobs filter to statuses.
var statusFilters = map[string][]string{
	"active":    {jobstate.StatusQueued, jobstate.StatusRunning},
	"succeeded": {jobstate.StatusSucceeded},
	"failed":    {jobstate.StatusFailed},
	"canceled":  {jobstate.StatusCanceled},
}

// maxSearchRunes bounds My jobs' search box.
const maxSearchRunes = 200

// GET /jobs?status=&q=&page=: every job the user started, newest first,
// as dense rows; the filters count the jobs the search finds.
func (s *Server) jobList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page := pageNumber(r)
	status := r.URL.Query().Get("status")
	statuses, ok := statusFilters[status]
	if !ok {
		status = ""
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxSearchRunes {
		s.pageError(w, r, errorf(http.StatusBadRequest, fmt.Sprintf("The search is too long: at most %d characters.", maxSearchRunes)))
		return
	}
	owner := db.OwnedBy(currentUser(r).ID)
	jobs, err := s.DB.Jobs.List(ctx, db.JobFilter{
		Owner: owner, Statuses: statuses, Query: q, Limit: perPage + 1, Offset: (page - 1) * perPage,
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	counts, err := s.DB.Jobs.CountOwned(ctx, owner, q)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := views.JobsPage{Status: status, Query: q, Page: page, Counts: map[string]int{}}
	for filter, sts := range statusFilters {
		for _, st := range sts {
			l.Counts[filter] += counts[st]
			l.Counts[""] += counts[st]
		}
	}
	if len(jobs) > perPage {
		jobs, l.HasNext = jobs[:perPage], true
	}
	if l.Rows, err = s.rows(ctx, jobs, func(j db.Job) views.Card { return s.card(r, j) }); err != nil {
		s.pageError(w, r, err)
		return
	}
	if htmxTargets(r, "job-list") {
		s.render(w, r, http.StatusOK, views.JobList(l))
		return
	}
	s.render(w, r, http.StatusOK, views.Jobs(s.livePage(s.page(r, "My jobs", "jobs")), l))
}

// rows are jobs as My jobs shows them, each with its card's state (from
// card), the saved opening it came from and its age.
func (s *Server) rows(ctx context.Context, jobs []db.Job, card func(db.Job) views.Card) ([]views.Row, error) {
	openings, err := s.DB.Jobs.Openings(ctx, jobs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]views.Row, 0, len(jobs))
	for _, j := range jobs {
		c := card(j)
		if c.PollURL != "" {
			c.PollURL = rowPollURL(c.PollURL, openings[j.ID])
		}
		out = append(out, views.Row{Card: c, OpeningID: openings[j.ID], Ago: ago(j.CreatedAt, now)})
	}
	return out, nil
}

// rowPollURL is a card's poll link answered as a row (form=row). It carries
// the row's opening, so that a poll (every 2 s while the job runs) need not
// look it up again; the link's signature covers only the job and the viewer,
// and the opening page checks its own owner.
func rowPollURL(cardPoll, openingID string) string {
	u, err := url.Parse(cardPoll)
	if err != nil {
		return cardPoll // built by pollURL: does not happen
	}
	q := u.Query()
	q.Set("form", "row")
	if openingID != "" {
		q.Set("opening", openingID)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// rowForm reports whether a job fragment is asked for as a My jobs row
// (form=row: a row's poll, Cancel or Retry) rather than as a card.
func rowForm(r *http.Request) bool {
	return r.URL.Query().Get("form") == "row" || r.PostFormValue("form") == "row"
}

// renderJob answers an htmx Cancel or Retry with the job as the form that
// asked shows it: a row of My jobs or a card.
func (s *Server) renderJob(w http.ResponseWriter, r *http.Request, j db.Job, mark func(*views.Card)) {
	if !rowForm(r) {
		c := s.card(r, j)
		mark(&c)
		s.render(w, r, http.StatusOK, views.JobCard(c))
		return
	}
	rows, err := s.rows(r.Context(), []db.Job{j}, func(j db.Job) views.Card { return s.card(r, j) })
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.JobRow(rows[0]))
}

// ago says how long ago t was, as a list of recent things does:
// "just now", "3 min ago", "5 h ago", "yesterday", "4 days ago", then the date.
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	case d < 48*time.Hour:
		return "yesterday"
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
	if t.Year() == now.Year() {
		return t.UTC().Format("2 Jan")
	}
	return t.UTC().Format("2 Jan 2006")
}

// jobRowPoll answers a row's poll (the card's poll with form=row) with c's
// job as a row, its opening taken from the link (rowPollURL). Without an
// ETag: the row's age moves, its job's version not.
func (s *Server) jobRowPoll(w http.ResponseWriter, r *http.Request, status int, c views.Card) {
	opening := r.URL.Query().Get("opening")
	if !db.ValidID(opening) {
		opening = ""
	}
	w.Header().Set("Cache-Control", cacheNone)
	s.render(w, r, status, views.JobRow(views.Row{Card: c, OpeningID: opening, Ago: ago(c.Job.CreatedAt, s.now())}))
}
