package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// POST /candidates/{id}/duplicate: a new candidate with the same profile,
// named "Copy of …" (in the profile too, so the edit form shows it), then
// the copy's edit page. The copy starts at version 1, with no resumes.
func (s *Server) candidateDuplicate(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// A map, not resume.Resume: fields Tailor does not know are copied too.
	var doc map[string]any
	if err := json.Unmarshal(c.Profile, &doc); err != nil {
		s.pageError(w, r, fmt.Errorf("stored profile of %s: %w", c.ID, err))
		return
	}
	name := copyName(c.Name)
	basics, _ := doc["basics"].(map[string]any)
	if basics == nil {
		basics = map[string]any{}
	}
	basics["name"] = name
	doc["basics"] = basics
	profile, err := json.Marshal(doc)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cp, err := s.DB.Candidates.Create(r.Context(), user.ID, name, profile)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Made a copy of "+c.Name+": change what differs and save.")
	http.Redirect(w, r, "/candidates/"+cp.ID+"/edit", http.StatusSeeOther)
}
