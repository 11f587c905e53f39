package handlers

import (
	"net/http"

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

// GET /jobs: every job the user started, newest first.
func (s *Server) jobList(w http.ResponseWriter, r *http.Request) {
	page := pageNumber(r)
	status := r.URL.Query().Get("status")
	statuses, ok := statusFilters[status]
	if !ok {
		status = ""
	}
	jobs, err := s.DB.Jobs.List(r.Context(), db.JobFilter{
		Owner: db.OwnedBy(currentUser(r).ID), Statuses: statuses, Limit: perPage + 1, Offset: (page - 1) * perPage,
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := views.JobsPage{Status: status, Page: page}
	if len(jobs) > perPage {
		jobs, l.HasNext = jobs[:perPage], true
	}
	for _, j := range jobs {
		l.Cards = append(l.Cards, s.card(r, j))
	}
	s.render(w, r, http.StatusOK, views.Jobs(s.livePage(s.page(r, "My jobs", "jobs")), l))
}
