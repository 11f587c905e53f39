package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// perPage is the page size of the web lists.
const perPage = 20

// GET /candidates
func (s *Server) candidateList(w http.ResponseWriter, r *http.Request) {
	page := pageNumber(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	items, err := s.DB.Candidates.List(r.Context(), db.CandidateFilter{
		Owner: ownerScope(currentUser(r)), Query: q, Limit: perPage + 1, Offset: (page - 1) * perPage,
	})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := views.CandidateList{Items: items, Query: q, Page: page}
	if len(items) > perPage {
		l.Items, l.HasNext = items[:perPage], true
	}
	if htmxTargets(r, "candidate-list") {
		s.render(w, r, http.StatusOK, views.CandidateListRegion(l))
		return
	}
	s.render(w, r, http.StatusOK, views.Candidates(s.page(r, "Candidates", "candidates"), l))
}

// pageNumber reads ?page=, 1 by default.
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 10_000)
}
