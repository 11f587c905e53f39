package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/views"
)

// maxFormBytes bounds a candidate or opening form.
const maxFormBytes = 2 << 20

// GET /candidates/new
func (s *Server) candidateNew(w http.ResponseWriter, r *http.Request) {
	f := views.CandidateForm{Profile: resume.Resume{Work: []resume.Work{{}}, Education: []resume.Education{{}}, Skills: []resume.Skill{{}}}}
	s.render(w, r, http.StatusOK, views.CandidateEdit(s.page(r, "New candidate", "candidates"), f))
}

// GET /candidates/{id}/edit
func (s *Server) candidateEdit(w http.ResponseWriter, r *http.Request) {
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var p resume.Resume
	if err := json.Unmarshal(c.Profile, &p); err != nil {
		s.pageError(w, r, fmt.Errorf("stored profile of %s: %w", c.ID, err))
		return
	}
	f := formFor(p)
	f.ID, f.Version = c.ID, c.Version
	s.render(w, r, http.StatusOK, views.CandidateEdit(s.page(r, "Edit "+c.Name, "candidates"), f))
}

// POST /candidates/new and POST /candidates/{id}/edit: add or remove a row
// (re-render, nothing saved) or save.
func (s *Server) candidateSave(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	user := currentUser(r)
	var existing db.Candidate
	if id != "" {
		var err error
		if existing, err = s.DB.Candidates.Get(r.Context(), ownerScope(user), id); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := candidateFormFrom(r.PostForm)
	f.ID, f.Version = existing.ID, existing.Version
	if err != nil {
		f.General = append(f.General, err.Error())
		s.renderCandidateForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if op := r.PostFormValue("op"); op != "" && op != "save" {
		applyRowOp(&f, op)
		s.renderCandidateForm(w, r, http.StatusOK, f)
		return
	}
	dropEmptyRows(&f.Profile)
	profile, body, err := validProfile(f.Profile)
	if err != nil {
		f.Profile = profile
		if !fieldErrorsInto(&f, err) {
			s.pageError(w, r, err)
			return
		}
		s.renderCandidateForm(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	var c db.Candidate
	if id == "" {
		c, err = s.DB.Candidates.Create(r.Context(), user.ID, profile.Basics.Name, body)
	} else {
		c, err = s.DB.Candidates.Update(r.Context(), existing.OwnerID, id, profile.Basics.Name, body)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, fmt.Sprintf("Saved %s (version %d).", c.Name, c.Version))
	http.Redirect(w, r, "/candidates/"+c.ID, http.StatusSeeOther)
}

func (s *Server) renderCandidateForm(w http.ResponseWriter, r *http.Request, status int, f views.CandidateForm) {
	if htmxTargets(r, "candidate-form") {
		s.render(w, r, status, views.CandidateFormRegion(f))
		return
	}
	title := "New candidate"
	if f.ID != "" {
		title = "Edit " + f.Profile.Basics.Name
	}
	s.render(w, r, status, views.CandidateEdit(s.page(r, title, "candidates"), f))
}

// validProfile normalizes and validates a profile through resume.Parse, the
// same path as the API, and returns it with its stored JSON.
func validProfile(p resume.Resume) (resume.Resume, []byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return p, nil, err
	}
	parsed, err := resume.Parse(raw)
	if err != nil {
		var ve resume.ValidationErrors
		if errors.As(err, &ve) {
			return parsed, nil, err
		}
		return p, nil, err
	}
	body, err := json.Marshal(parsed)
	return parsed, body, err
}

// fieldErrorsInto puts a validation error's messages next to the form's
// inputs; messages about parts the form does not show go to the top. It
// reports whether err was a validation or syntax error.
func fieldErrorsInto(f *views.CandidateForm, err error) bool {
	var ve resume.ValidationErrors
	var se *resume.SyntaxError
	switch {
	case errors.As(err, &ve):
	case errors.As(err, &se):
		f.General = append(f.General, se.Message)
		return true
	default:
		return false
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	fields := ve.Fields()
	for _, path := range sortedKeys(fields) {
		msg := fields[path]
		field := listItem.ReplaceAllString(path, "$1")
		if formFields.MatchString(field) {
			if _, taken := f.Errors[field]; !taken {
				f.Errors[field] = humanize(path, field, msg)
			}
			continue
		}
		f.General = append(f.General, path+" "+msg)
	}
	return true
}

// listItem matches an item of a one-per-line or comma-separated input.
var listItem = regexp.MustCompile(`^(.*\.(?:highlights|keywords))\[(\d+)\]$`)

// formFields matches the inputs the candidate form shows.
var formFields = regexp.MustCompile(`^(basics\.(name|label|email|phone|url|summary|location\.(city|region|countryCode))` +
	`|work\[\d+\]\.(position|name|location|startDate|endDate|summary|highlights)` +
	`|education\[\d+\]\.(institution|studyType|area|startDate|endDate|score)` +
	`|skills\[\d+\]\.(name|level|keywords))$`)

func humanize(path, field, msg string) string {
	if strings.HasSuffix(field, "Date") && strings.HasPrefix(msg, "must be a date") {
		msg = "must be a date such as 2020-03, March 2020 or 2020"
		if strings.HasSuffix(field, "endDate") {
			msg += " (empty for a current role)"
		}
	}
	if path != field { // one item of a list
		m := listItem.FindStringSubmatch(path)
		n, _ := strconv.Atoi(m[2])
		return fmt.Sprintf("Item %d %s", n+1, msg)
	}
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// formFor builds the form of a stored profile.
func formFor(p resume.Resume) views.CandidateForm {
	return views.CandidateForm{Profile: p, Rest: restJSON(p)}
}

// restJSON keeps what the form does not show, so an edit loses nothing.
func restJSON(p resume.Resume) string {
	rest := p
	rest.Basics = resume.Basics{Image: p.Basics.Image, Profiles: p.Basics.Profiles}
	if l := p.Basics.Location; l != nil && (l.Address != "" || l.PostalCode != "") {
		rest.Basics.Location = &resume.Location{Address: l.Address, PostalCode: l.PostalCode}
	}
	rest.Work, rest.Education, rest.Skills = nil, nil, nil
	b, _ := json.Marshal(rest)
	return string(b)
}

var entryField = regexp.MustCompile(`^(work|education|skills)\[(\d+)\]\.(\w+)$`)

// maxFormRows bounds the entries a form may post.
const maxFormRows = 100

// candidateFormFrom reads the posted form into a profile.
func candidateFormFrom(form url.Values) (views.CandidateForm, error) {
	var p resume.Resume
	f := views.CandidateForm{Rest: form.Get("rest")}
	if f.Rest != "" {
		if err := json.Unmarshal([]byte(f.Rest), &p); err != nil {
			return f, errors.New("the form was damaged (hidden data is not valid); reload the page and try again")
		}
	}
	b := &p.Basics
	b.Name, b.Label, b.Email = form.Get("basics.name"), form.Get("basics.label"), form.Get("basics.email")
	b.Phone, b.URL, b.Summary = form.Get("basics.phone"), form.Get("basics.url"), form.Get("basics.summary")
	city, region, country := form.Get("basics.location.city"), form.Get("basics.location.region"), form.Get("basics.location.countryCode")
	if city != "" || region != "" || country != "" || b.Location != nil {
		if b.Location == nil {
			b.Location = &resume.Location{}
		}
		b.Location.City, b.Location.Region, b.Location.CountryCode = city, region, country
	}

	counts := map[string]int{}
	for key := range form {
		if m := entryField.FindStringSubmatch(key); m != nil {
			n, _ := strconv.Atoi(m[2])
			if n >= maxFormRows {
				return f, fmt.Errorf("too many %s entries (at most %d)", m[1], maxFormRows)
			}
			counts[m[1]] = max(counts[m[1]], n+1)
		}
	}
	get := func(section string, i int, field string) string {
		return form.Get(fmt.Sprintf("%s[%d].%s", section, i, field))
	}
	p.Work = make([]resume.Work, counts["work"])
	for i := range p.Work {
		p.Work[i] = resume.Work{
			Position: get("work", i, "position"), Name: get("work", i, "name"), Location: get("work", i, "location"),
			StartDate: formDate(get("work", i, "startDate")), EndDate: formDate(get("work", i, "endDate")), Summary: get("work", i, "summary"),
			URL: get("work", i, "url"), Description: get("work", i, "description"),
			Highlights: lines(get("work", i, "highlights")),
		}
	}
	p.Education = make([]resume.Education, counts["education"])
	for i := range p.Education {
		p.Education[i] = resume.Education{
			Institution: get("education", i, "institution"), StudyType: get("education", i, "studyType"), Area: get("education", i, "area"),
			StartDate: formDate(get("education", i, "startDate")), EndDate: formDate(get("education", i, "endDate")), Score: get("education", i, "score"),
			URL: get("education", i, "url"), Courses: lines(get("education", i, "courses")),
		}
	}
	p.Skills = make([]resume.Skill, counts["skills"])
	for i := range p.Skills {
		p.Skills[i] = resume.Skill{Name: get("skills", i, "name"), Level: get("skills", i, "level"), Keywords: commaList(get("skills", i, "keywords"))}
	}
	f.Profile = p
	return f, nil
}

// formDates are the ways a recruiter writes a date, each with the JSON
// Resume form it becomes (issue 15: "2020-03" and "March 2020" both work).
var formDates = []struct{ layout, iso string }{
	{"2006", "2006"}, {"2006-01", "2006-01"}, {"2006-01-02", "2006-01-02"},
	{"2006-1", "2006-01"}, {"2006/01", "2006-01"}, {"01/2006", "2006-01"}, {"1/2006", "2006-01"},
	{"January 2006", "2006-01"}, {"Jan 2006", "2006-01"}, {"January, 2006", "2006-01"}, {"Jan. 2006", "2006-01"},
	{"2 January 2006", "2006-01-02"}, {"January 2, 2006", "2006-01-02"}, {"2 Jan 2006", "2006-01-02"}, {"Jan 2, 2006", "2006-01-02"},
}

// formDate turns a typed date into YYYY, YYYY-MM or YYYY-MM-DD; what it
// cannot read stays as typed, so validation puts a message by the field.
func formDate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if strings.HasPrefix(strings.ToLower(s), "sept ") {
		s = "Sep " + s[5:] // Go knows Sep, people write Sept
	}
	for _, d := range formDates {
		// time.Parse matches month names case-insensitively.
		if t, err := time.Parse(d.layout, s); err == nil {
			return t.Format(d.iso)
		}
	}
	return s
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func commaList(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// applyRowOp adds or removes an entry: "add:work", "remove:skills:2".
func applyRowOp(f *views.CandidateForm, op string) {
	parts := strings.Split(op, ":")
	p := &f.Profile
	switch {
	case len(parts) == 2 && parts[0] == "add":
		switch parts[1] {
		case "work":
			p.Work = append(p.Work, resume.Work{})
			f.Focus = fmt.Sprintf("work[%d]", len(p.Work)-1)
		case "education":
			p.Education = append(p.Education, resume.Education{})
			f.Focus = fmt.Sprintf("education[%d]", len(p.Education)-1)
		case "skills":
			p.Skills = append(p.Skills, resume.Skill{})
			f.Focus = fmt.Sprintf("skills[%d]", len(p.Skills)-1)
		}
	case len(parts) == 3 && parts[0] == "remove":
		i, err := strconv.Atoi(parts[2])
		if err != nil || i < 0 {
			return
		}
		switch parts[1] {
		case "work":
			p.Work = removeAt(p.Work, i)
		case "education":
			p.Education = removeAt(p.Education, i)
		case "skills":
			p.Skills = removeAt(p.Skills, i)
		}
	}
}

func removeAt[T any](s []T, i int) []T {
	if i >= len(s) {
		return s
	}
	return append(s[:i:i], s[i+1:]...)
}

// dropEmptyRows removes entries the recruiter left blank.
func dropEmptyRows(p *resume.Resume) {
	p.Work = keep(p.Work, func(w resume.Work) bool {
		return w.Position+w.Name+w.Location+w.StartDate+w.EndDate+w.Summary+w.URL+w.Description != "" || len(w.Highlights) > 0
	})
	p.Education = keep(p.Education, func(e resume.Education) bool {
		return e.Institution+e.StudyType+e.Area+e.StartDate+e.EndDate+e.Score+e.URL != "" || len(e.Courses) > 0
	})
	p.Skills = keep(p.Skills, func(s resume.Skill) bool { return s.Name+s.Level != "" || len(s.Keywords) > 0 })
	if l := p.Basics.Location; l != nil && *l == (resume.Location{}) {
		p.Basics.Location = nil
	}
}

func keep[T any](s []T, ok func(T) bool) []T {
	var out []T
	for _, v := range s {
		if ok(v) {
			out = append(out, v)
		}
	}
	return out
}

// parseForm reads a url-encoded or multipart form of at most limit bytes.
// A body that is not a well-formed form (no multipart boundary, truncated,
// thousands of parts, bad escapes, broken chunked framing) is the client's
// mistake: 400, never 500.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(limit)
		if err == nil {
			// The parser stops at the closing boundary; a body cut short after it is still cut short.
			_, err = io.Copy(io.Discard, r.Body)
		}
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil || errors.As(err, &mbe):
		return err
	case errors.Is(err, multipart.ErrMessageTooLarge):
		return errorf(http.StatusBadRequest, "The form has too many fields or is too large to read.")
	default:
		return errorf(http.StatusBadRequest, "The form could not be read (the upload was malformed or cut short). Please try again.")
	}
}
