package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/views"
)

// Session lifetime: a recruiter signs in about once a week.
const sessionLifetime = 7 * 24 * time.Hour

// Session keys.
const (
	sessUserID = "user_id"
	sessFlash  = "flash"
	sessError  = "flash_error"
)

// webState is what Routes builds for the web app.
type webState struct {
	plain, secure *scs.SessionManager // same store; Secure cookies over https
	limiter       *loginLimiter
}

func (s *Server) initWeb() {
	mk := func(secure bool) *scs.SessionManager {
		sm := scs.New()
		sm.Store = s.DB.Sessions
		sm.Lifetime = sessionLifetime
		sm.Cookie.Name = "tailor_session"
		sm.Cookie.HttpOnly = true
		sm.Cookie.SameSite = http.SameSiteLaxMode
		sm.Cookie.Secure = secure
		sm.Cookie.Path = "/"
		sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(r.Context().Err(), context.Canceled) {
				// A client that hung up is no internal error: the handler's own answer stands.
				s.logger(r).Info("session not saved: the client went away", "path", r.URL.Path)
				return
			}
			s.logger(r).Error("session", "path", r.URL.Path, "err", err)
			s.renderError(w, r, http.StatusInternalServerError)
		}
		return sm
	}
	s.web.plain, s.web.secure = mk(false), mk(true)
	s.web.limiter = newLoginLimiter(s.now)
}

// sessions picks the session manager for a request: Secure cookies when the
// app is served over https (BASE_URL, TLS on this connection, or a trusted
// proxy that ended TLS: Fly's edge with BASE_URL unset).
func (s *Server) sessions(r *http.Request) *scs.SessionManager {
	if r.TLS != nil || strings.HasPrefix(s.BaseURL, "https://") || s.forwardedHTTPS(r) {
		return s.web.secure
	}
	return s.web.plain
}

// loadSession loads and saves the session around the request. Only page
// routes go through it: polls, static files and the API never do.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), sessionKey, true))
		s.sessions(r).LoadAndSave(next).ServeHTTP(w, r)
	})
}

// sessionUser puts the signed-in user, if any, in the request context. A
// disabled or deleted user is signed out.
func (s *Server) sessionUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm := s.sessions(r)
		id := sm.GetString(r.Context(), sessUserID)
		if id == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.DB.Users.Get(r.Context(), id)
		if errors.Is(err, db.ErrNotFound) || err == nil && u.Disabled {
			sm.Destroy(r.Context())
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(withUser(r.Context(), u)))
	})
}

func signedIn(r *http.Request) bool { return currentUser(r).ID != "" }

// requireUser sends visitors to the login page and, after it, back here.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if signedIn(r) {
			next.ServeHTTP(w, r)
			return
		}
		back := r.URL.RequestURI()
		if r.Method != http.MethodGet {
			back = ownPath(r, r.Referer())
		}
		if isHTMX(r) {
			if cur := ownPath(r, r.Header.Get("HX-Current-URL")); cur != "" {
				back = cur
			}
			w.Header().Set("HX-Redirect", loginURL(back))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		http.Redirect(w, r, loginURL(back), http.StatusSeeOther)
	})
}

// requireAdmin answers 403 to anyone but an admin.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !currentUser(r).IsAdmin() {
			s.renderError(w, r, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func loginURL(next string) string {
	if next == "" || next == "/" {
		return "/login"
	}
	return "/login?next=" + url.QueryEscape(next)
}

// localPath returns a relative URL's path and query, or "" for anything
// that could lead elsewhere (an open redirect).
func localPath(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return ""
	}
	return pathAndQuery(u)
}

// ownPath is localPath for an absolute URL of this site (a Referer, htmx's
// HX-Current-URL).
func ownPath(r *http.Request, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host != r.Host {
		return ""
	}
	return pathAndQuery(u)
}

func pathAndQuery(u *url.URL) string {
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
		return ""
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// flash stores a message for the next page.
func (s *Server) flash(r *http.Request, msg string) {
	if !hasSession(r) {
		return
	}
	s.sessions(r).Put(r.Context(), sessFlash, msg)
}

func (s *Server) flashError(r *http.Request, msg string) {
	if !hasSession(r) {
		return
	}
	s.sessions(r).Put(r.Context(), sessError, msg)
}

// page builds the layout data: the user and any flash message (read once).
// livePage is a page with job cards: it opens the live-update stream
// when this process serves one.
func (s *Server) livePage(p views.Page) views.Page {
	p.Live = s.Live != nil && p.User != nil
	return p
}

func (s *Server) page(r *http.Request, title, nav string) views.Page {
	p := views.Page{Title: title, Nav: nav}
	if u := currentUser(r); u.ID != "" {
		p.User = &u
	}
	if hasSession(r) {
		sm := s.sessions(r)
		if msg := sm.PopString(r.Context(), sessError); msg != "" {
			p.Flash = views.Flash{Text: msg, Error: true}
		} else if msg := sm.PopString(r.Context(), sessFlash); msg != "" {
			p.Flash = views.Flash{Text: msg}
		}
	}
	return p
}

// hasSession reports whether the request went through loadSession (error
// pages also render on routes without a session).
func hasSession(r *http.Request) bool {
	ok, _ := r.Context().Value(sessionKey).(bool)
	return ok
}
