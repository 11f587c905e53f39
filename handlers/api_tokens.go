package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
)

// maxTokenName bounds a token's name.
const maxTokenName = 100

type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func toTokenJSON(t db.Token) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: timePtr(t.LastUsedAt), RevokedAt: timePtr(t.RevokedAt)}
}

// tokenName checks a token's name; "" becomes "default" in the store.
func tokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxTokenName {
		return "", fieldErrors(map[string]string{"name": fmt.Sprintf("must be at most %d characters", maxTokenName)})
	}
	return name, nil
}

// GET /api/tokens: the caller's own tokens (never their secrets), newest
// first; admins too see only their own.
func (s *Server) apiTokenList(w http.ResponseWriter, r *http.Request) {
	list, err := s.DB.Tokens.List(r.Context(), currentUser(r).ID)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]tokenJSON, 0, len(list))
	for _, t := range list {
		out = append(out, toTokenJSON(t))
	}
	serveJSON(w, r, map[string]any{"tokens": out}, "")
}

// POST /api/tokens {"name"}: 201 with the secret, shown this once. The new
// token is minted through the calling one and dies with it.
func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(w, r, 4096, &req); err != nil {
		s.jsonError(w, r, err)
		return
	}
	name, err := tokenName(req.Name)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	// Minted through the calling token: revoking that one revokes this one
	// too, so a leaked token (an embedding's) cannot outlive its revoke.
	secret, t, err := s.DB.Tokens.CreateChild(r.Context(), currentUser(r).ID, currentTokenID(r), name)
	if errors.Is(err, db.ErrNotFound) { // revoked meanwhile
		writeJSONError(w, http.StatusUnauthorized, "invalid or revoked API token")
		return
	}
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": t.ID, "name": t.Name, "token": secret, "created_at": t.CreatedAt})
}

// DELETE /api/tokens/{id}: revoked at once, with every token minted
// through it, the next request with it is
// 401 (every request checks the token in SQLite). Another user's token, or
// one already revoked, is 404.
func (s *Server) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.Tokens.Revoke(r.Context(), currentUser(r).ID, chi.URLParam(r, "id")); err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
