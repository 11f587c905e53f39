package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// POST /openings/{id}/duplicate: "Copy of …", then the copy's edit page.
func (s *Server) openingDuplicate(w http.ResponseWriter, r *http.Request) {
	user := currentUser(r)
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(user), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	o.OwnerID, o.Title = user.ID, copyName(o.Title)
	o, err = s.DB.Openings.Create(r.Context(), o)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Made a copy of the opening: change what differs and save.")
	http.Redirect(w, r, "/openings/"+o.ID+"/edit", http.StatusSeeOther)
}

// copyName is the name of a copy, within the limit of a short field.
func copyName(name string) string {
	n := []rune("Copy of " + name)
	if len(n) > maxShortFieldChars {
		n = n[:maxShortFieldChars]
	}
	return string(n)
}
