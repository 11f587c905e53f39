package handlers

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// GET /settings/tokens: the user's own API tokens.
func (s *Server) settingsTokens(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, views.TokensPage{})
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, t views.TokensPage) {
	list, err := s.DB.Tokens.List(r.Context(), currentUser(r).ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	t.Tokens, t.BaseURL = list, s.origin(r)
	s.render(w, r, status, views.SettingsTokens(s.page(r, "Settings", "settings"), t))
}

// POST /settings/tokens: creates a token and shows its secret on this
// response only (never through the session, never cached).
func (s *Server) settingsTokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, 4096); err != nil {
		s.pageError(w, r, err)
		return
	}
	typed := r.PostFormValue("name")
	name, err := tokenName(typed)
	if err != nil {
		s.renderTokens(w, r, http.StatusUnprocessableEntity, views.TokensPage{Name: typed, Error: "Use at most 100 characters."})
		return
	}
	secret, t, err := s.DB.Tokens.Create(r.Context(), currentUser(r).ID, name)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderTokens(w, r, http.StatusOK, views.TokensPage{NewToken: secret, NewName: t.Name})
}

// POST /settings/tokens/{id}/revoke: at once; another user's token is 404.
func (s *Server) settingsTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.Tokens.Revoke(r.Context(), currentUser(r).ID, chi.URLParam(r, "id")); err != nil {
		if errors.Is(err, db.ErrNotFound) {
			s.renderError(w, r, http.StatusNotFound)
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Revoked the token: it no longer works.")
	http.Redirect(w, r, "/settings/tokens", http.StatusSeeOther)
}
