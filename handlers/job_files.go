package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
)

// GET /jobs/{id}/download: the PDF as an attachment. It never changes once
// written, so the browser keeps it (privately) for good.
func (s *Server) jobDownload(w http.ResponseWriter, r *http.Request) {
	s.servePDF(w, r, ownerScope(currentUser(r)), chi.URLParam(r, "id"), "attachment", cacheImmutablePrivate)
}

// GET /share/{id}?e=&s=: the read-only PDF for anyone with the signed,
// expiring link; no session.
func (s *Server) sharedPDF(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	exp := r.URL.Query().Get("e")
	ok, expired := s.verify(r.URL.Query().Get("s"), exp, "share", id)
	if !ok {
		s.renderError(w, r, http.StatusNotFound)
		return
	}
	if expired {
		s.pageError(w, r, errorf(http.StatusGone, "This link has expired. Ask the recruiter who sent it for a new one."))
		return
	}
	w.Header().Set("X-Robots-Tag", "noindex")
	// Anyone with the link may read it, so a CDN may keep it: until the
	// link expires, not a second longer.
	until, _ := strconv.ParseInt(exp, 10, 64)
	s.servePDF(w, r, db.AllOwners, id, "inline", publicUntil(s.now(), time.Unix(until, 0)))
}

func (s *Server) servePDF(w http.ResponseWriter, r *http.Request, scope db.Owner, id, disposition, cacheControl string) {
	j, err := s.DB.Jobs.Get(r.Context(), scope, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	switch {
	case j.Status == jobstate.StatusFailed:
		s.pageError(w, r, errorf(http.StatusConflict, "This job failed, so there is no PDF. "+jobstate.Reason(j.Error, j.Attempts)))
		return
	case j.Status != jobstate.StatusSucceeded || !j.HasPDF:
		s.pageError(w, r, errorf(http.StatusConflict, "The PDF is not ready yet: the job is "+j.Status+"."))
		return
	}
	if notModified(w, r, pdfETag(j), cacheControl) {
		return
	}
	res, err := s.DB.Jobs.Result(r.Context(), scope, j.ID)
	if err != nil {
		uncache(w)
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", strconv.Itoa(len(res.PDF)))
	w.Header().Set("Content-Disposition", contentDisposition(disposition, j.PDFFilename(), "resume.pdf"))
	w.Write(res.PDF)
}

// GET /jobs/{id}/preview: the tailored resume's HTML, locked down: our own
// templ output, but sandboxed with no scripts and no network.
func (s *Server) jobPreview(w http.ResponseWriter, r *http.Request) {
	scope := ownerScope(currentUser(r))
	j, err := s.DB.Jobs.Get(r.Context(), scope, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	res, err := s.DB.Jobs.Result(r.Context(), scope, j.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	w.Write([]byte(res.HTML))
}

// contentDisposition names a file sent as disposition ("attachment" or
// "inline"): filename* carries the name as written, UTF-8 (RFC 6266, 8187),
// which every current browser uses; filename is a plain ASCII spelling of
// it ("Sofia Alvarez" for "Sofía Álvarez") for the clients that do not, or
// fallback when nothing of the name is ASCII.
func contentDisposition(disposition, name, fallback string) string {
	var enc strings.Builder
	for _, b := range []byte(name) {
		// RFC 8187 attr-char; everything else is percent-encoded.
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return disposition + `; filename="` + db.ASCIIFilename(name, fallback) + `"; filename*=UTF-8''` + enc.String()
}
