package handlers

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
)

// render executes a component into a buffer first, so a failing template
// becomes a clean 500 and never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
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
