package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
)

type openingJSON struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Company     string    `json:"company"`
	Location    string    `json:"location"`
	Description string    `json:"description,omitempty"` // not in lists: up to 100 KB each
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toOpeningJSON(o db.Opening, withDescription bool) openingJSON {
	j := openingJSON{ID: o.ID, Title: o.Title, Company: o.Company, Location: o.Location, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	if withDescription {
		j.Description = o.Description
	}
	return j
}

type openingRequest struct {
	Title       string `json:"title"`
	Company     string `json:"company"`
	Location    string `json:"location"`
	Description string `json:"description"`
}

// validate trims the fields and checks them like the opening form does.
func (o *openingRequest) validate() error {
	o.Title, o.Company = strings.TrimSpace(o.Title), strings.TrimSpace(o.Company)
	o.Location, o.Description = strings.TrimSpace(o.Location), strings.TrimSpace(o.Description)
	if len(o.Description) > maxJobDescriptionBytes {
		return errorf(http.StatusRequestEntityTooLarge, fmt.Sprintf("description is %d KB; the limit is 100 KB", len(o.Description)/1024))
	}
	fields := map[string]string{}
	if o.Title == "" {
		fields["title"] = "is required"
	}
	if o.Description == "" {
		fields["description"] = "is required"
	}
	for name, v := range map[string]string{"title": o.Title, "company": o.Company, "location": o.Location} {
		if utf8.RuneCountInString(v) > maxShortFieldChars {
			fields[name] = fmt.Sprintf("must be at most %d characters", maxShortFieldChars)
		}
	}
	if len(fields) > 0 {
		return fieldErrors(fields)
	}
	return nil
}

// readOpening decodes and validates an opening body.
func readOpening(w http.ResponseWriter, r *http.Request) (openingRequest, error) {
	var req openingRequest
	if err := decodeJSON(w, r, maxGenerateBodyBytes, &req); err != nil {
		return req, err
	}
	return req, req.validate()
}

// GET /api/openings: newest first, without descriptions.
func (s *Server) apiOpeningList(w http.ResponseWriter, r *http.Request) {
	limit, offset := pageParams(r)
	list, err := s.DB.Openings.List(r.Context(), ownerScope(currentUser(r)), limit, offset)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	out := make([]openingJSON, 0, len(list))
	for _, o := range list {
		out = append(out, toOpeningJSON(o, false))
	}
	serveJSON(w, r, map[string]any{"openings": out}, "")
}

// POST /api/openings: 201 and the opening.
func (s *Server) apiOpeningCreate(w http.ResponseWriter, r *http.Request) {
	req, err := readOpening(w, r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	o, err := s.DB.Openings.Create(r.Context(), db.Opening{OwnerID: currentUser(r).ID,
		Title: req.Title, Company: req.Company, Location: req.Location, Description: req.Description})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/openings/"+o.ID)
	writeJSON(w, http.StatusCreated, toOpeningJSON(o, true))
}

// GET /api/openings/{id}
func (s *Server) apiOpeningGet(w http.ResponseWriter, r *http.Request) {
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	serveJSON(w, r, toOpeningJSON(o, true), "")
}

// PUT /api/openings/{id}: replaces every field.
func (s *Server) apiOpeningUpdate(w http.ResponseWriter, r *http.Request) {
	scope := ownerScope(currentUser(r))
	id := chi.URLParam(r, "id")
	if _, err := s.DB.Openings.Get(r.Context(), scope, id); err != nil {
		s.jsonError(w, r, err)
		return
	}
	req, err := readOpening(w, r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	o, err := s.DB.Openings.Update(r.Context(), scope, db.Opening{ID: id,
		Title: req.Title, Company: req.Company, Location: req.Location, Description: req.Description})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toOpeningJSON(o, true))
}

// DELETE /api/openings/{id}: 204; jobs keep their copy of the description.
func (s *Server) apiOpeningDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.DB.Openings.Delete(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id")); err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
