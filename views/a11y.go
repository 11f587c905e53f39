package views

// Accessibility helpers (issue 15): error summaries, live region text.

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// Problem is one entry of a form's ErrorSummary: what is wrong, and the id
// of the field it is about ("" for the form as a whole).
type Problem struct {
	Field   string
	Message string
}

// FieldProblems lists a form's field errors in the order of fields (ids as
// they appear on the page), each message led by the field's label.
func FieldProblems(errs map[string]string, fields []string, labels map[string]string) []Problem {
	var out []Problem
	for _, f := range fields {
		if msg := errs[f]; msg != "" {
			out = append(out, Problem{Field: f, Message: labelled(labels[f], msg)})
		}
	}
	return out
}

func labelled(label, msg string) string {
	if label == "" {
		return msg
	}
	return label + ": " + msg
}

// Problems is the candidate form's error summary: the messages not tied to
// a field, then each field's, in the order the form shows them.
func (f CandidateForm) Problems() []Problem {
	var out []Problem
	for _, g := range f.General {
		out = append(out, Problem{Message: g})
	}
	fields := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		fields = append(fields, k)
	}
	sort.Slice(fields, func(i, j int) bool { return candidateFieldOrder(fields[i]) < candidateFieldOrder(fields[j]) })
	for _, k := range fields {
		out = append(out, Problem{Field: k, Message: labelled(candidateFieldLabel(k), f.Errors[k])})
	}
	return out
}

// candidateFields are the candidate form's inputs in page order, with
// their labels; an entry's fields follow its section.
var (
	candidateBasics = []string{"basics.name", "basics.label", "basics.email", "basics.phone", "basics.url",
		"basics.location.city", "basics.location.region", "basics.location.countryCode", "basics.summary"}
	candidateSections = []string{"work", "education", "skills"}
	candidateEntry    = map[string][]string{
		"work":      {"position", "name", "location", "startDate", "endDate", "summary", "highlights"},
		"education": {"institution", "studyType", "area", "startDate", "endDate", "score"},
		"skills":    {"name", "level", "keywords"},
	}
	candidateLabels = map[string]string{
		"basics.name": "Full name", "basics.label": "Headline", "basics.email": "Email", "basics.phone": "Phone",
		"basics.url": "Website", "basics.location.city": "City", "basics.location.region": "Region",
		"basics.location.countryCode": "Country code", "basics.summary": "Summary",
		"work.position": "position", "work.name": "company", "work.location": "location", "work.startDate": "start",
		"work.endDate": "end", "work.summary": "summary", "work.highlights": "highlights",
		"education.institution": "institution", "education.studyType": "degree", "education.area": "field",
		"education.startDate": "start", "education.endDate": "end", "education.score": "grade",
		"skills.name": "name", "skills.level": "level", "skills.keywords": "keywords",
	}
	candidateNouns = map[string]string{"work": "Job", "education": "School", "skills": "Skill"}
	entryKey       = regexp.MustCompile(`^(work|education|skills)\[(\d+)\]\.(\w+)$`)
)

// candidateFieldOrder sorts a field id by where the form shows it.
func candidateFieldOrder(id string) string {
	for i, b := range candidateBasics {
		if b == id {
			return fmt.Sprintf("0.%02d", i)
		}
	}
	m := entryKey.FindStringSubmatch(id)
	if m == nil {
		return "9." + id
	}
	s, n, pos := 0, m[2], 0
	for i, sec := range candidateSections {
		if sec == m[1] {
			s = i + 1
		}
	}
	for i, name := range candidateEntry[m[1]] {
		if name == m[3] {
			pos = i
		}
	}
	k, _ := strconv.Atoi(n)
	return fmt.Sprintf("%d.%04d.%02d", s, k, pos)
}

// candidateFieldLabel names a field in words: "Full name", "Job 2, start".
func candidateFieldLabel(id string) string {
	if l, ok := candidateLabels[id]; ok {
		return l
	}
	m := entryKey.FindStringSubmatch(id)
	if m == nil {
		return ""
	}
	k, _ := strconv.Atoi(m[2])
	return fmt.Sprintf("%s %d, %s", candidateNouns[m[1]], k+1, candidateLabels[m[1]+"."+m[3]])
}

// inputType is the candidate form's input type for a field: phones show
// a number pad, emails and websites their keyboards.
func inputType(name string) string {
	switch name {
	case "basics.email":
		return "email"
	case "basics.phone":
		return "tel"
	case "basics.url":
		return "url"
	}
	return "text"
}

// Problems is the setup or sign-up form's error summary.
func (f AuthForm) Problems() []Problem {
	var out []Problem
	if f.Error != "" {
		out = append(out, Problem{Message: f.Error})
	}
	return append(out, FieldProblems(f.Errors, []string{"code", "email", "password"},
		map[string]string{"code": "Setup code", "email": "Email", "password": "Password"})...)
}

// Problems is the generate form's error summary.
func (g GenerateForm) Problems() []Problem {
	return FieldProblems(g.Errors, []string{"opening_id", "job_description", "job_title", "company", "theme", "paper"},
		map[string]string{"opening_id": "Opening", "job_description": "Job description", "job_title": "Job title",
			"company": "Company", "theme": "Theme", "paper": "Paper"})
}

// cardLiveText is what a job card's live region says: whose resume, and
// how it stands (a failure with its reason, in the words the card shows).
func cardLiveText(c Card) string {
	s := c.Job.CandidateName + ", " + jobHeading(c.Job) + ": " + statusText(c.Job.Status)
	switch {
	case c.Failed() && c.Job.Error != "":
		return s + ". " + c.Reason()
	case c.Stage != "" && !c.Final():
		return s + ", " + c.Stage
	}
	return s
}

// embedLiveText is what an embedded card's live region says.
func embedLiveText(c EmbedCard) string {
	return cardLiveText(Card{Job: c.Job, Stage: c.Stage})
}
