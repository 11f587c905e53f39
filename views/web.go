package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/resume/themes"
)

// Page is what the layout needs from every page.
type Page struct {
	Title string
	User  *db.User // nil when signed out
	Flash Flash
	Nav   string // the current section: candidates, openings, jobs, admin
	Live  bool   // the page has job cards: it opens the live-update stream
	// RefreshEvery (seconds) makes the page reload itself when JavaScript
	// is off (a running job's page); 0: never.
	RefreshEvery int
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Text  string
	Error bool
}

// Card is a job as its progress card shows it.
type Card struct {
	Job          db.Job
	Stage        string // in words: "waiting in queue", "tailoring"...
	Elapsed      string // "12 s", "1 min 4 s"
	PollURL      string // "" when the job has ended: the card stops polling
	AutoDownload bool   // the job just succeeded under the recruiter's eyes
	Retryable    bool
	// Live: the viewer's own running job, which the page's event stream
	// updates; app.js then holds back its poll (README "Live updates").
	Live bool
	// OOB marks the card for an out-of-band swap (a live update).
	OOB bool
	// ElapsedMS (a running job's Elapsed, in ms) lets app.js move the
	// elapsed time every second, on the browser's clock.
	ElapsedMS int64
}

// Final reports whether the card's job has ended.
func (c Card) Final() bool { return jobstate.IsFinal(c.Job.Status) }

// Succeeded reports whether the card's job has its resume.
func (c Card) Succeeded() bool { return c.Job.Status == jobstate.StatusSucceeded }

// Failed reports whether the card's job ended without a resume.
func (c Card) Failed() bool { return c.Job.Status == jobstate.StatusFailed }

// CandidateList is the candidates page and its swappable list region.
type CandidateList struct {
	Items   []db.Candidate
	Query   string
	Page    int
	HasNext bool
}

// CandidateForm is the create/edit form, with what was typed and errors
// keyed by the JSON path the input is named after.
type CandidateForm struct {
	ID      string // "" for a new candidate
	Version int
	Profile resume.Resume
	Rest    string // JSON of the sections the form does not show, kept as is
	Errors  map[string]string
	General []string // errors not tied to a field on the form
	Focus   string   // the entry just added, e.g. "work[2]": its first input gets focus
}

// Err returns the error for a field.
func (f CandidateForm) Err(field string) string { return f.Errors[field] }

// Action is where the form posts.
func (f CandidateForm) Action() string {
	if f.ID == "" {
		return "/candidates/new"
	}
	return "/candidates/" + f.ID + "/edit"
}

// ImportForm is the JSON Resume import page.
type ImportForm struct {
	JSON  string
	Error string
}

// GenerateForm chooses what to tailor for: a saved opening or a pasted
// description (Source), never one silently over the other.
type GenerateForm struct {
	CandidateID    string
	Source         string // SourceOpening, SourcePaste or "" (not chosen yet)
	OpeningID      string
	JobTitle       string
	Company        string
	JobDescription string
	Theme          string
	Paper          string
	Openings       []db.Opening
	Errors         map[string]string
}

// The two things a resume can be tailored for.
const (
	SourceOpening = "opening"
	SourcePaste   = "paste"
)

// SubmitLabel names what the Generate button will use.
func (g GenerateForm) SubmitLabel() string {
	switch g.Source {
	case SourceOpening:
		for _, o := range g.Openings {
			if o.ID == g.OpeningID {
				if o.Company == "" {
					return "Tailor for " + o.Title
				}
				return "Tailor for " + o.Title + " at " + o.Company
			}
		}
	case SourcePaste:
		return "Tailor for the pasted description"
	}
	return "Generate"
}

// CandidatePage is one candidate with its generate form and job cards.
type CandidatePage struct {
	Candidate db.Candidate
	Profile   resume.Resume
	Generate  GenerateForm
	Cards     []Card      // jobs in progress, and recent ones that did not succeed
	Versions  VersionList // the tailored resumes, a page at a time
}

// JobsPage is "My jobs".
type JobsPage struct {
	Rows    []Row
	Counts  map[string]int // jobs per filter ("" for all), among those the search finds
	Status  string         // the filter: "", active, succeeded, failed, canceled
	Query   string         // the search
	Page    int
	HasNext bool
}

// JobDetail is one job's details page.
type JobDetail struct {
	Card         Card
	Original     resume.Resume
	Tailored     *resume.Resume // nil until the job produced a result
	Report       resume.Report
	HasReport    bool
	ShareURL     string
	ShareExpires time.Time
}

// OpeningForm is the create/edit form of an opening.
type OpeningForm struct {
	Opening db.Opening
	Errors  map[string]string
}

// Action is where the form posts.
func (f OpeningForm) Action() string {
	if f.Opening.ID == "" {
		return "/openings/new"
	}
	return "/openings/" + f.Opening.ID + "/edit"
}

// AuthForm is the login, sign-up and first-run forms.
type AuthForm struct {
	Email     string
	Next      string
	Error     string
	Errors    map[string]string
	AllowSign bool // the login page offers sign-up
}

// AdminUsers is the users page.
type AdminUsers struct {
	Users  []db.User
	MeID   string
	Email  string
	Role   string
	Errors map[string]string
}

// ErrorPage is a styled 403/404/500.
type ErrorPage struct {
	Status  int
	Title   string
	Message string
}

// ConfirmPage asks before deleting something.
type ConfirmPage struct {
	Question string
	Detail   string
	Action   string
	Cancel   string
	Button   string
}

func itoa(n int) string { return strconv.Itoa(n) }

func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

func pct(p *int) string {
	if p == nil {
		return "–"
	}
	return strconv.Itoa(*p) + "%"
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

func fmtDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

func jobHeading(j db.Job) string {
	switch {
	case j.JobTitle != "" && j.Company != "":
		return j.JobTitle + " at " + j.Company
	case j.JobTitle != "":
		return j.JobTitle
	case j.Company != "":
		return j.Company
	}
	return firstLine(j.JobDescription, 60)
}

func firstLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func statusText(status string) string {
	switch status {
	case jobstate.StatusQueued:
		return "Queued"
	case jobstate.StatusRunning:
		return "Running"
	case jobstate.StatusSucceeded:
		return "Ready"
	case jobstate.StatusFailed:
		return "Failed"
	case jobstate.StatusCanceled:
		return "Canceled"
	}
	return status
}

func selectedIf(a, b string) bool { return a == b }

func joinComma(s []string) string { return strings.Join(s, ", ") }

func joinLines(s []string) string { return strings.Join(s, "\n") }

func location(r resume.Resume) (city, region, country string) {
	if r.Basics.Location == nil {
		return "", "", ""
	}
	return r.Basics.Location.City, r.Basics.Location.Region, r.Basics.Location.CountryCode
}

// set is a membership test for the side-by-side comparison.
type set map[string]bool

func allHighlights(r resume.Resume) set {
	s := set{}
	for _, w := range r.Work {
		for _, h := range w.Highlights {
			s[h] = true
		}
	}
	return s
}

func skillNames(r resume.Resume) set {
	s := set{}
	for _, sk := range r.Skills {
		s[sk.Name] = true
	}
	return s
}

func workLabels(r resume.Resume) set {
	s := set{}
	for _, w := range r.Work {
		s[w.Position+"|"+w.Name] = true
	}
	return s
}

// Themes and papers for the generate form, read when rendered so new themes
// appear without changes here.
func themeOptions() []string { return themes.Names() }
func paperOptions() []string { return themes.Papers() }

func paperLabel(p string) string {
	switch p {
	case "a4":
		return "A4"
	case "letter":
		return "US Letter"
	}
	return p
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func pageURL(base string, q map[string]string, page int) string {
	var parts []string
	for _, k := range []string{"q", "status"} {
		if v := q[k]; v != "" {
			parts = append(parts, k+"="+url.QueryEscape(v))
		}
	}
	if page > 1 {
		parts = append(parts, "page="+strconv.Itoa(page))
	}
	if len(parts) == 0 {
		return base
	}
	return base + "?" + strings.Join(parts, "&")
}

// OpeningItem is one row of the openings list.
type OpeningItem = db.Opening
