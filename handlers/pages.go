package handlers

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"

	"github.com/tailor-app/tailor/views"
)

// render executes a component into a buffer first, so a failing template
// becomes a clean 500 and never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.Logger.Error("render page", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// GET /
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.Home())
}
