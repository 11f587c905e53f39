package handlers

import (
	"mime"
	"net/http"
)

// The Content-Security-Policy of each kind of HTML Tailor answers (issue 10).
const (
	// pageCSP: Tailor's own pages load code, styles and fragments from
	// Tailor only; no inline script, handler or style (templates and static
	// HTML carry none, and htmx is configured not to need them); data:
	// images only for the browser's own icons; no plugins, no <base>, never
	// framed, forms post to Tailor only.
	pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
		"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

	// fragmentCSP: the embeddable fragments (/embed/...) are swapped into
	// another site's page by htmx, where this header has no effect; opened
	// as a document by themselves, they load and run nothing.
	fragmentCSP = "default-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

	// previewCSP: a tailored resume's HTML, shown in a sandboxed iframe of
	// its job's page: no script, no network; its inline stylesheet is the
	// theme's own (the same document Chrome prints).
	previewCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " +
		"form-action 'none'; frame-ancestors 'self'"
)

// securityHeaders gives every HTML response, whichever handler wrote it
// (pages, fragments, error pages, 404s, a recovered panic), the page policy
// unless the handler set its own, and Referrer-Policy, X-Frame-Options and
// nosniff. The decision waits for the status line, when the Content-Type is
// known: a PDF or JSON answer gets no page policy (on a PDF, it breaks
// Chrome's PDF viewer, a page with inline style and an <embed>).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&securityWriter{ResponseWriter: w}, r)
	})
}

// fragmentPolicy sets the fragments' own policy before their handlers run.
func fragmentPolicy(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", fragmentCSP)
		next.ServeHTTP(w, r)
	})
}

type securityWriter struct {
	http.ResponseWriter
	done bool // the status line is decided
}

func (s *securityWriter) WriteHeader(status int) {
	if !s.done && status >= 200 {
		s.done = true
		h := s.Header()
		if isHTML(h.Get("Content-Type")) {
			setDefault(h, "Content-Security-Policy", pageCSP)
			setDefault(h, "Referrer-Policy", "same-origin")
			setDefault(h, "X-Frame-Options", "DENY") // for browsers older than frame-ancestors
			h.Set("X-Content-Type-Options", "nosniff")
		}
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *securityWriter) Write(p []byte) (int, error) {
	if !s.done {
		if s.Header().Get("Content-Type") == "" && s.Header().Get("Content-Encoding") == "" {
			s.Header().Set("Content-Type", http.DetectContentType(p)) // as net/http would
		}
		s.WriteHeader(http.StatusOK)
	}
	return s.ResponseWriter.Write(p)
}

// Flush passes a streaming handler's flush on.
func (s *securityWriter) Flush() {
	if !s.done {
		s.WriteHeader(http.StatusOK)
	}
	http.NewResponseController(s.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (s *securityWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func isHTML(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "text/html"
}

func setDefault(h http.Header, key, value string) {
	if h.Get(key) == "" {
		h.Set(key, value)
	}
}
