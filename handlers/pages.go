package handlers

import (
	"bytes"
	"context"
	"net/http"

	"github.com/a-h/templ"
)

// render executes a component into a buffer first, so a failing template
// becomes a clean 500 and never half a page. It renders without the
// request's cancellation: a client that hung up mid-body gets its 400, not
// a 500 from templ seeing the canceled context.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(context.WithoutCancel(r.Context()), &buf); err != nil {
		s.logger(r).Error("render page", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status) // securityHeaders adds the page policy
	buf.WriteTo(w)
}

// isHTMX reports whether htmx sent the request: it swaps in a fragment
// where a browser without JavaScript gets the whole page (varyHX says so
// to caches).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// htmxTargets reports whether htmx asks for the region with this id only.
func htmxTargets(r *http.Request, id string) bool {
	return isHTMX(r) && r.Header.Get("HX-Target") == id
}
