package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/tailor-app/tailor/db"
)

type ctxKey int

const (
	userKey ctxKey = iota
	sessionKey
	tokenIDKey
)

func withUser(ctx context.Context, u db.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// currentUser returns the authenticated user; routes behind auth always
// have one, others get the zero User.
func currentUser(r *http.Request) db.User {
	u, _ := r.Context().Value(userKey).(db.User)
	return u
}

// ownerScope is the owner filter for a user's queries: admins see all. The
// zero User (a route outside the auth groups) gets a scope that matches
// nothing, so the mistake fails closed.
func ownerScope(u db.User) db.Owner {
	if u.ID != "" && u.IsAdmin() {
		return db.AllOwners
	}
	return db.OwnedBy(u.ID)
}

// refusal is why tokenAuth turns a request away.
type refusal int

const (
	noToken refusal = iota
	badToken
	overLimit
)

// tokenAuth is the one bearer-token gate of the JSON API and the embedded
// fragments: `Authorization: Bearer <token>`, a live token, then the
// per-token rate limit. refuse answers in the caller's form (JSON or a
// fragment); tokenAuth has already set WWW-Authenticate or Retry-After.
func (s *Server) tokenAuth(refuse func(w http.ResponseWriter, r *http.Request, why refusal, wait time.Duration)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token := bearer(r)
			if token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tailor"`)
				refuse(w, r, noToken, 0)
				return
			}
			u, tokenID, err := s.DB.Tokens.AuthenticateID(r.Context(), token)
			if err != nil {
				if err != db.ErrNotFound {
					s.logger(r).Error("token check", "err", err)
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="tailor", error="invalid_token"`)
				refuse(w, r, badToken, 0)
				return
			}
			if wait, ok := s.api.limiter.allow(token); !ok {
				w.Header().Set("Retry-After", retryAfter(wait))
				refuse(w, r, overLimit, wait)
				return
			}
			ctx := context.WithValue(withUser(r.Context(), u), tokenIDKey, tokenID)
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// currentTokenID is the id of the API token that authenticated the
// request, "" for a session.
func currentTokenID(r *http.Request) string {
	id, _ := r.Context().Value(tokenIDKey).(string)
	return id
}

// apiRefuse answers tokenAuth's refusals as JSON errors.
func (s *Server) apiRefuse(w http.ResponseWriter, r *http.Request, why refusal, wait time.Duration) {
	switch why {
	case noToken:
		writeJSONError(w, http.StatusUnauthorized, "missing API token: send Authorization: Bearer <token>")
	case badToken:
		writeJSONError(w, http.StatusUnauthorized, "invalid or revoked API token")
	default:
		writeJSONError(w, http.StatusTooManyRequests, "rate limit: "+strconv.Itoa(s.api.limiter.perMinute)+
			" requests per minute per token; retry in "+retryAfter(wait)+" s")
	}
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
