package resume

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file says where things are in a resume in a recruiter's words, with
// the profile's own labels: "the start date of Data Engineer at Northbeam",
// "Skills › Backend". Field paths such as work[1].startDate stay in the
// report for programs; people read these.

// sectionWords are the resume's sections as the printed resume heads them.
var sectionWords = map[string]string{
	"work": "Experience", "education": "Education", "certificates": "Certificates",
	"skills": "Skills", "projects": "Projects", "volunteer": "Volunteering", "awards": "Awards",
	"publications": "Publications", "languages": "Languages", "interests": "Interests",
	"references": "References",
}

// fieldWords are the last step of a field path, as "the start date of ...".
var fieldWords = map[string]string{
	"name": "the name", "email": "the email address", "phone": "the phone number", "url": "the web address",
	"image": "the photo", "location": "the location", "profiles": "the online profiles", "label": "the headline",
	"summary": "the summary", "description": "the description", "position": "the job title",
	"startDate": "the start date", "endDate": "the end date", "score": "the grade", "date": "the date",
	"level": "the level", "roles": "the roles", "entity": "the organisation", "type": "the type",
	"highlights": "a highlight", "keywords": "a keyword", "courses": "a course",
}

// pathStepRe reads one step of a field path: "work[1]", "highlights", "keywords[3]".
var pathStepRe = regexp.MustCompile(`^([A-Za-z]+)(?:\[(\d+)\])?$`)

// ItemWords says what a field path of r names, in words: "work[1].startDate"
// is "the start date of Data Engineer at Northbeam", "skills[0].keywords[2]"
// "a keyword of Skills › Backend", "basics.summary" "the summary". A path
// it cannot read is returned as is.
func ItemWords(path string, r Resume) string {
	steps := strings.Split(path, ".")
	type step struct {
		name string
		i    int // -1 without an index
	}
	var parsed []step
	for _, s := range steps {
		m := pathStepRe.FindStringSubmatch(s)
		if m == nil {
			return path
		}
		i := -1
		if m[2] != "" {
			i, _ = strconv.Atoi(m[2])
		}
		parsed = append(parsed, step{m[1], i})
	}
	if parsed[0].name == "basics" {
		if len(parsed) == 1 {
			return "the contact details"
		}
		if w, ok := fieldWords[parsed[1].name]; ok {
			if parsed[1].name == "name" {
				return "the candidate's name"
			}
			return w
		}
		return path
	}
	section, ok := sectionWords[parsed[0].name]
	if !ok {
		return path
	}
	if parsed[0].i < 0 {
		return section
	}
	owner := entryWords(parsed[0].name, parsed[0].i, r)
	if len(parsed) == 1 {
		return owner
	}
	w, ok := fieldWords[parsed[1].name]
	if !ok {
		return path
	}
	return w + " of " + owner
}

// entryWords names entry i of a section of r: "Data Engineer at Northbeam",
// "Skills › Backend", "the project Atlas"; "entry 3 of Awards" when it has
// no name.
func entryWords(section string, i int, r Resume) string {
	label := ""
	switch section {
	case "work":
		if i < len(r.Work) {
			label = jobLabel(r.Work[i])
		}
	case "education":
		if i < len(r.Education) {
			label = educationLabel(r.Education[i])
		}
	case "certificates":
		if i < len(r.Certificates) {
			label = "the certificate " + r.Certificates[i].Name
		}
	case "skills":
		if i < len(r.Skills) && r.Skills[i].Name != "" {
			return "Skills › " + r.Skills[i].Name
		}
	case "projects":
		if i < len(r.Projects) && r.Projects[i].Name != "" {
			label = "the project " + r.Projects[i].Name
		}
	case "volunteer":
		if i < len(r.Volunteer) {
			label = joinNonEmpty(" at ", r.Volunteer[i].Position, r.Volunteer[i].Organization)
		}
	case "awards":
		if i < len(r.Awards) {
			label = r.Awards[i].Title
		}
	case "publications":
		if i < len(r.Publications) {
			label = r.Publications[i].Name
		}
	case "languages":
		if i < len(r.Languages) {
			label = r.Languages[i].Language
		}
	case "interests":
		if i < len(r.Interests) {
			label = r.Interests[i].Name
		}
	case "references":
		if i < len(r.References) {
			label = "the reference of " + r.References[i].Name
		}
	}
	if strings.TrimSpace(label) == "" || label == "the project " || label == "the certificate " {
		return fmt.Sprintf("entry %d of %s", i+1, sectionWords[section])
	}
	return label
}

// DateWords writes a JSON Resume date as people read it: "2020-03" is
// "March 2020", "2020-03-15" "15 March 2020"; anything else is kept.
func DateWords(s string) string {
	for _, layout := range []struct{ in, out string }{
		{"2006-01-02", "2 January 2006"}, {"2006-01", "January 2006"},
	} {
		if t, err := time.Parse(layout.in, s); err == nil {
			return t.Format(layout.out)
		}
	}
	return s
}

// nameList says up to four names, then how many more: "Go, Kubernetes and 3 more".
func nameList(names []string) string {
	const shown = 4
	if len(names) > shown+1 {
		return strings.Join(names[:shown], ", ") + fmt.Sprintf(" and %d more", len(names)-shown)
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// moved finds the items of after that moved ahead of where before had them:
// past the items both start with, the shortest front of after whose rest
// keeps before's order. front reports that they now lead the list.
func moved(before, after []string) (names []string, front bool) {
	p := 0
	for p < len(before) && p < len(after) && before[p] == after[p] {
		p++
	}
	b, a := before[p:], after[p:]
	for k := range a {
		if inOrder(a[k:], b) {
			return a[:k], p == 0
		}
	}
	return a, p == 0
}

// inOrder reports whether items appear in list in the same relative order.
func inOrder(items, list []string) bool {
	j := 0
	for _, it := range items {
		for j < len(list) && list[j] != it {
			j++
		}
		if j == len(list) {
			return false
		}
		j++
	}
	return true
}

// moveText says a change of order: "Moved Kubernetes and Go to the front of
// Skills › Backend", or "Reordered ..." when no few items stand out.
func moveText(before, after []string, where, front string) string {
	names, atFront := moved(before, after)
	if len(names) == 0 || len(names) > len(after)/2+1 {
		return "Reordered " + where
	}
	if atFront {
		return fmt.Sprintf("Moved %s to the %s of %s", nameList(names), front, where)
	}
	return fmt.Sprintf("Moved %s up in %s", nameList(names), where)
}
