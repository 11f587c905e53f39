package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/views"
)

// GET /admin/users/{id}/tokens
func (s *Server) adminTokens(w http.ResponseWriter, r *http.Request) {
	u, err := s.DB.Users.Get(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tokens, err := s.DB.Tokens.List(r.Context(), u.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, views.AdminTokensView(s.page(r, "API tokens", "admin"), views.AdminTokens{User: u, Tokens: tokens}))
}

// POST /admin/users/{id}/tokens/{token}/revoke: the token stops working at once.
func (s *Server) adminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	userID := chi.URLParam(r, "id")
	if err := s.DB.Tokens.Revoke(r.Context(), userID, chi.URLParam(r, "token")); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Token revoked: it no longer works.")
	http.Redirect(w, r, "/admin/users/"+userID+"/tokens", http.StatusSeeOther)
}
