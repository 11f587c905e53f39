package views

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tailor-app/tailor/resume"
)

// pathPartRe reads one step of a violation's field path: "work[1]",
// "highlights[2]", "summary".
var pathPartRe = regexp.MustCompile(`^([A-Za-z]+)(?:\[(\d+)\])?$`)

// fieldNames are the words for a field path's steps.
var fieldNames = map[string]string{
	"basics": "", "summary": "summary", "label": "headline", "name": "name", "email": "email",
	"phone": "phone", "url": "web address", "location": "location", "profiles": "profiles", "image": "photo",
	"work": "job", "education": "education", "certificates": "certificate", "skills": "skill group",
	"projects": "project", "highlights": "highlight", "keywords": "keyword", "position": "job title",
	"startDate": "start date", "endDate": "end date", "description": "description", "score": "grade",
	"courses": "course", "level": "level", "roles": "roles", "entity": "organisation", "type": "type",
	"date": "date", "volunteer": "volunteering", "awards": "award", "publications": "publication",
	"languages": "language", "interests": "interest", "references": "reference",
}

// fieldWords says where a violation is in words when its report predates
// Violation.Item: "work[0].highlights[2]" is "Job 1 · highlight 3",
// "basics.summary" is "Summary".
func fieldWords(path string) string {
	var parts []string
	for _, step := range strings.Split(path, ".") {
		m := pathPartRe.FindStringSubmatch(step)
		if m == nil {
			return path
		}
		name, ok := fieldNames[m[1]]
		if !ok {
			name = m[1]
		}
		if name == "" {
			continue
		}
		if m[2] != "" {
			n, _ := strconv.Atoi(m[2])
			name += " " + strconv.Itoa(n+1)
		}
		parts = append(parts, name)
	}
	if len(parts) == 0 {
		return path
	}
	return upperFirst(strings.Join(parts, " · "))
}

// itemWords names what a violation is about: "The start date of Data
// Engineer at Northbeam".
func itemWords(v resume.Violation) string {
	if v.Item != "" {
		return upperFirst(v.Item)
	}
	return fieldWords(v.Field)
}

// actionWords says what the fact check did, as a heading.
func actionWords(action string) string {
	if action == resume.ActionRestored {
		return "Put back"
	}
	return "Taken out"
}

// changeText says one change of the tailoring in words: its Text, or for a
// report that predates it, what happened where ("Rewritten: Job 1 ·
// highlight 3").
func changeText(c resume.Change) string {
	if c.Text != "" {
		return c.Text
	}
	kind := map[string]string{
		resume.ChangeReordered: "Reordered", resume.ChangeRewritten: "Rewritten",
		resume.ChangeRemoved: "Left out", resume.ChangeAdded: "Added",
	}[c.Kind]
	if kind == "" {
		kind = "Changed"
	}
	return kind + ": " + fieldWords(c.Field)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
