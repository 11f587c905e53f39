package handlers

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/rs/cors"

	"github.com/tailor-app/tailor/views"
)

// The embeddable fragments (/embed/...) are loaded by another site's page
// with htmx. Cookies do not cross sites, so they authenticate with an API
// token in a header (hx-headers); CORS admits the origins in EMBED_ORIGINS
// and no other. Because no cookie ever authenticates them, a cross-site
// POST carries no ambient authority: Routes exempts them from
// CrossOriginProtection.

// embedAllowHeaders are the request headers a host page's htmx sends.
var embedAllowHeaders = []string{"Authorization", "Content-Type", "HX-Request", "HX-Current-URL", "HX-Target", "HX-Trigger",
	"HX-Trigger-Name", "HX-Boosted", "HX-Prompt", "HX-History-Restore-Request"}

// embedExposeHeaders are the response headers htmx must read across origins.
var embedExposeHeaders = []string{"HX-Retarget", "HX-Reswap", "HX-Trigger", "Retry-After"}

// embedCORS adds CORS headers for the origins in EMBED_ORIGINS (rs/cors).
// Any other origin gets no CORS header at all: the browser refuses to send
// the request (preflight) or to show the response. A preflight is answered
// here, never passed on: 204, or 403 when rs/cors refused it (an unlisted
// origin, or a method or header the fragments do not take).
func (s *Server) embedCORS(next http.Handler) http.Handler {
	c := cors.New(cors.Options{
		AllowOriginFunc:    func(origin string) bool { return s.api.origins[origin] },
		AllowedMethods:     []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:     embedAllowHeaders,
		ExposedHeaders:     embedExposeHeaders,
		MaxAge:             600,  // one preflight per URL per 10 minutes, not one per poll
		OptionsPassthrough: true, // so that a refused preflight can be a 403
	})
	return c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		addVary(h) // rs/cors adds a Vary line of its own: one line, as on every other response
		if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Cache-Control", cacheNone)
		if h.Get("Access-Control-Allow-Origin") == "" {
			s.logger(r).Warn("embed: preflight refused (EMBED_ORIGINS, method or headers)", "origin", r.Header.Get("Origin"),
				"method", r.Header.Get("Access-Control-Request-Method"), "headers", r.Header.Get("Access-Control-Request-Headers"),
				"path", r.URL.Path)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}

// embedRefuse answers tokenAuth's refusals on /embed/ as small fragments
// (a host page shows them in place of the card).
func (s *Server) embedRefuse(w http.ResponseWriter, r *http.Request, why refusal, wait time.Duration) {
	switch why {
	case noToken:
		s.embedError(w, r, http.StatusUnauthorized, "Tailor needs an API token: send Authorization: Bearer <token> (hx-headers).")
	case badToken:
		s.embedError(w, r, http.StatusUnauthorized, "This Tailor API token is invalid or revoked.")
	default:
		s.embedError(w, r, http.StatusTooManyRequests, "Too many requests to Tailor; retrying in "+retryAfter(wait)+" s.")
	}
}

// embedError answers a status with a one-line fragment. htmx does not swap
// error responses unless the host page asks it to.
func (s *Server) embedError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Cache-Control", cacheNone)
	s.renderFragment(w, r, status, views.EmbedError(msg), "")
}

// embedFail maps an error to a fragment: another user's object is 404,
// like a missing one.
func (s *Server) embedFail(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	if e == nil {
		s.logger(r).Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		s.embedError(w, r, http.StatusInternalServerError, "Internal error.")
		return
	}
	msg := e.Message
	if e.Status == http.StatusNotFound {
		msg = "Not found."
	}
	s.embedError(w, r, e.Status, msg)
}

// renderFragment renders into a buffer (a failing template is a clean 500)
// and answers 304 when the client has this etag. An empty etag sends the
// fragment with whatever Cache-Control the handler chose (default no-store).
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, status int, c templ.Component, etag string) {
	var buf bytes.Buffer
	if err := c.Render(context.WithoutCancel(r.Context()), &buf); err != nil { // as render
		s.logger(r).Error("render fragment", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if etag != "" {
		if notModified(w, r, etag, cacheRevalidate) {
			return
		}
	} else if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", cacheNone)
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// embedOriginSet normalises EMBED_ORIGINS: exact origins, no trailing slash.
func embedOriginSet(origins []string) map[string]bool {
	m := make(map[string]bool, len(origins))
	for _, o := range origins {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			m[o] = true
		}
	}
	return m
}
