package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/tailor-app/tailor/db"
)

type ctxKey int

const (
	userKey ctxKey = iota
	sessionKey
)

func withUser(ctx context.Context, u db.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// currentUser returns the authenticated user; routes behind auth always have one.
func currentUser(r *http.Request) db.User {
	u, _ := r.Context().Value(userKey).(db.User)
	return u
}

// ownerScope is the owner filter for a user's queries: admins see all.
func ownerScope(u db.User) string {
	if u.IsAdmin() {
		return ""
	}
	return u.ID
}

// apiAuth requires `Authorization: Bearer <token>`.
func (s *Server) apiAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tailor"`)
			writeJSONError(w, http.StatusUnauthorized, "missing API token: send Authorization: Bearer <token>")
			return
		}
		u, err := s.DB.Tokens.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			if err != db.ErrNotFound {
				s.logger(r).Error("token check", "err", err)
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="tailor", error="invalid_token"`)
			writeJSONError(w, http.StatusUnauthorized, "invalid or revoked API token")
			return
		}
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
	})
}

// recoverer turns a panic into a clean 500: never a stack trace to the client.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger(r).Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if strings.HasPrefix(r.URL.Path, "/api/") {
					writeJSONError(w, http.StatusInternalServerError, "Internal error.")
					return
				}
				s.renderError(w, r, http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// requestLog logs one line per request, at debug level for polls and
// health, and counts it in the HTTP metrics.
func (s *Server) requestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		elapsed := time.Since(start)
		s.Metrics.observe(r, ww.Status(), elapsed)
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || strings.Contains(r.URL.Path, "/job-status/") ||
			strings.HasSuffix(r.URL.Path, "/card") || strings.HasPrefix(r.URL.Path, "/static/") {
			level = slog.LevelDebug
		}
		s.Logger.Log(r.Context(), level, "http", "request_id", requestIDFrom(r.Context()), "method", r.Method, "path", r.URL.Path,
			"status", ww.Status(), "bytes", ww.BytesWritten(), "ms", elapsed.Milliseconds())
	})
}
