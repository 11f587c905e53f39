package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/views"
)

// GET /candidates/{id}/delete: asks first (works without JavaScript).
func (s *Server) candidateDeletePage(w http.ResponseWriter, r *http.Request) {
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.Confirm(s.page(r, "Delete "+c.Name, "candidates"), views.ConfirmPage{
		Question: "Delete " + c.Name + "?",
		Detail:   "The profile is removed for good. Resumes already generated stay in My jobs.",
		Action:   "/candidates/" + c.ID + "/delete", Cancel: "/candidates/" + c.ID, Button: "Delete candidate",
	}))
}

// POST /candidates/{id}/delete
func (s *Server) candidateDelete(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.DB.Candidates.Delete(r.Context(), c.OwnerID, c.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Deleted "+c.Name+".")
	http.Redirect(w, r, "/candidates", http.StatusSeeOther)
}
