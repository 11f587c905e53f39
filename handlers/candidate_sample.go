package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// POST /candidates/sample: a sample candidate and opening, so a first try
// takes one click.
func (s *Server) candidateSample(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	sample := resume.Sample()
	body, err := json.Marshal(sample)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	c, err := s.DB.Candidates.Create(r.Context(), user.ID, sample.Basics.Name, body)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.DB.Openings.Create(r.Context(), db.Opening{
		OwnerID: user.ID, Title: "Senior Backend Engineer, Payments Platform", Company: "Fernhill",
		Location: "Remote (UK)", Description: resume.SampleJobDescription,
	}); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Loaded a sample candidate and a sample opening. The opening is chosen: click Generate.")
	http.Redirect(w, r, "/candidates/"+c.ID, http.StatusSeeOther)
}
