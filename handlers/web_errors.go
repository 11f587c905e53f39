package handlers

import (
	"errors"
	"net/http"

	"github.com/tailor-app/tailor/views"
)

// errorPages are the error pages in a recruiter's words: what happened and
// what to do. The status code stays on the page for telling an admin.
var errorPages = map[int]views.ErrorPage{
	http.StatusBadRequest: {Status: 400, Title: "Tailor could not read this",
		Message: "What was sent could not be read. Go back, reload the page and try again."},
	// The only 403 of the web app is an admin page opened by a recruiter
	// (requireAdmin); a cross-site request has its own page (crossSitePage).
	http.StatusForbidden: {Status: 403, Title: "For admins only",
		Message: "This page is for admins. Ask an admin of your agency for access."},
	http.StatusNotFound: {Status: 404, Title: "Page not found",
		Message: "There is nothing here, or it belongs to someone else. Check the address, or start again from your candidates."},
	http.StatusMethodNotAllowed: {Status: 405, Title: "Use the button in Tailor",
		Message: "This address works from a button in Tailor, not by opening it. Go back and use the button."},
	http.StatusConflict: {Status: 409, Title: "Not possible right now",
		Message: "This cannot be done in the current state. Reload the page to see the latest."},
	http.StatusGone: {Status: 410, Title: "Link expired",
		Message: "This link has expired. Ask the person who sent it for a new one."},
	http.StatusRequestEntityTooLarge: {Status: 413, Title: "Too large",
		Message: "What you sent is larger than Tailor accepts. Make it shorter (a smaller file, a shorter description) and try again."},
	http.StatusTooManyRequests: {Status: 429, Title: "Too many tries",
		Message: "Tailor received many requests from you in a short time. Wait a minute, then try again."},
	http.StatusInternalServerError: {Status: 500, Title: "Something went wrong",
		Message: "Tailor could not finish this request. Nothing was lost; please try again in a moment. If it keeps happening, tell your admin."},
	http.StatusServiceUnavailable: {Status: 503, Title: "Tailor is busy",
		Message: "Tailor is busy right now. Nothing was lost; wait a few seconds and try again."},
}

// crossSitePage answers a form sent from another site, or from a page of
// Tailor at another address: the browser's origin check refused it.
var crossSitePage = views.ErrorPage{Status: 403, Title: "Not sent from Tailor",
	Message: "For your safety, Tailor only accepts forms sent from its own pages, and this one came from elsewhere. " +
		"Nothing was changed. Open Tailor directly, reload the page and try again."}

// renderError renders a styled error page for a status.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int) {
	e, ok := errorPages[status]
	if !ok {
		e = views.ErrorPage{Status: status, Title: "Something went wrong", Message: "Please go back and try again."}
	}
	s.render(w, r, status, views.ErrorView(s.page(r, e.Title, ""), e))
}

// pageError is the one place a page handler's error becomes a response:
// a known error gets its status on a styled page, anything else is logged
// once and shown as "Something went wrong". A handler's own *Error carries
// a message written for people and is shown as is; the messages classify
// makes for other errors are the API's, so a page says its status's words.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	if e == nil {
		s.logger(r).Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		s.renderError(w, r, http.StatusInternalServerError)
		return
	}
	e.header(w)
	if _, own := errors.AsType[*Error](err); !own || e.Status == http.StatusNotFound || e.Status == http.StatusForbidden {
		s.renderError(w, r, e.Status)
		return
	}
	page := views.ErrorPage{Status: e.Status, Title: "Something went wrong", Message: e.Message}
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
	s.render(w, r, http.StatusForbidden, views.ErrorView(s.page(r, crossSitePage.Title, ""), crossSitePage))
}

// methodNotAllowed is the web app's 405: an address of a button's form
// (a POST route) opened as a page.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusMethodNotAllowed)
}
