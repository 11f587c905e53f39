package handlers

import (
	"net/http"

	"github.com/tailor-app/tailor/views"
)

var errorPages = map[int]views.ErrorPage{
	http.StatusNotFound: {Status: 404, Title: "Page not found",
		Message: "There is nothing here, or it belongs to someone else. Check the address, or start again from your candidates."},
	http.StatusForbidden: {Status: 403, Title: "Not allowed",
		Message: "You cannot do this. If you came from another site, open Tailor directly and try again."},
	http.StatusInternalServerError: {Status: 500, Title: "Something went wrong",
		Message: "Tailor could not finish this request. Nothing was lost; please try again in a moment."},
	http.StatusConflict: {Status: 409, Title: "Not possible right now",
		Message: "This cannot be done in the current state. Reload the page to see the latest."},
}

// renderError renders a styled error page for a status.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int) {
	e, ok := errorPages[status]
	if !ok {
		e = views.ErrorPage{Status: status, Title: http.StatusText(status), Message: "Please go back and try again."}
	}
	s.render(w, r, status, views.ErrorView(s.page(r, e.Title, ""), e))
}

// pageError is the one place a page handler's error becomes a response:
// a known error gets its status and message on a styled page, anything else
// is logged once and shown as "Something went wrong".
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	if e == nil {
		s.logger(r).Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		s.renderError(w, r, http.StatusInternalServerError)
		return
	}
	e.header(w)
	if e.Status == http.StatusNotFound || e.Status == http.StatusForbidden {
		s.renderError(w, r, e.Status)
		return
	}
	page := views.ErrorPage{Status: e.Status, Title: http.StatusText(e.Status), Message: e.Message}
	if p, ok := errorPages[e.Status]; ok {
		page.Title = p.Title
	}
	s.render(w, r, e.Status, views.ErrorView(s.page(r, page.Title, ""), page))
}

// notFound is the web app's 404 for unknown routes.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusNotFound)
}

// crossOriginDenied answers a cross-site state-changing request: 403,
// nothing changed.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.logger(r).Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	if len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/" {
		writeJSONError(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	s.renderError(w, r, http.StatusForbidden)
}
