package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/views"
)

// GET /candidates/import
func (s *Server) candidateImportPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, views.CandidateImport(s.page(r, "Import a JSON Resume", "candidates"), views.ImportForm{}))
}

// POST /candidates/import: a JSON Resume by upload or paste. A malformed
// document comes back with the message next to the text; a well-formed one
// that breaks a rule opens in the form with each message next to its field.
func (s *Server) candidateImport(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r, maxProfileBytes+64<<10); err != nil {
		if e := classify(err); e != nil {
			page := s.page(r, "Import a JSON Resume", "candidates")
			s.render(w, r, e.Status, views.CandidateImport(page, views.ImportForm{Error: e.Message}))
			return
		}
		s.pageError(w, r, err)
		return
	}
	raw := []byte(r.PostFormValue("json"))
	if file, _, err := r.FormFile("file"); err == nil {
		b, err := io.ReadAll(io.LimitReader(file, maxProfileBytes+1))
		file.Close()
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(strings.TrimSpace(string(b))) > 0 {
			raw = b
		}
	}
	f := views.ImportForm{JSON: string(raw)}
	page := s.page(r, "Import a JSON Resume", "candidates")
	switch {
	case len(strings.TrimSpace(string(raw))) == 0:
		f.Error = "Choose a JSON file or paste a JSON Resume document."
	case len(raw) > maxProfileBytes:
		f.Error = fmt.Sprintf("The document is larger than %d KB.", maxProfileBytes/1024)
		f.JSON = ""
	}
	if f.Error != "" {
		s.render(w, r, http.StatusUnprocessableEntity, views.CandidateImport(page, f))
		return
	}
	p, err := resume.Parse(raw)
	var se *resume.SyntaxError
	var ve resume.ValidationErrors
	switch {
	case errors.As(err, &se):
		f.Error = "This is not a valid JSON Resume document: " + se.Message
		s.render(w, r, http.StatusUnprocessableEntity, views.CandidateImport(page, f))
		return
	case errors.As(err, &ve):
		form := formFor(p)
		fieldErrorsInto(&form, err)
		page.Title = "Check the imported candidate"
		page.Flash = fieldsFlash()
		s.render(w, r, http.StatusUnprocessableEntity, views.CandidateEdit(page, form))
		return
	case err != nil:
		s.pageError(w, r, err)
		return
	}
	body, err := json.Marshal(p)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := s.DB.Candidates.Create(r.Context(), currentUser(r).ID, p.Basics.Name, body)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Imported "+c.Name+". Choose an opening or paste a job description, then click Generate.")
	http.Redirect(w, r, "/candidates/"+c.ID, http.StatusSeeOther)
}

func fieldsFlash() views.Flash {
	return views.Flash{Text: "The document was read, but some fields need fixing before it can be saved. Correct them below.", Error: true}
}

// GET /candidates/{id}/export: the JSON Resume document as a file.
func (s *Server) candidateExport(w http.ResponseWriter, r *http.Request) {
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var pretty strings.Builder
	var v any
	if err := json.Unmarshal(c.Profile, &v); err == nil {
		enc := json.NewEncoder(&pretty)
		enc.SetIndent("", "  ")
		enc.Encode(v)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", db.SafeFilename(c.Name, "candidate")+".json", "candidate.json"))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, pretty.String())
}
