package views

import (
	"regexp"
	"strconv"
	"strings"
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

// fieldWords says where a violation is in words a recruiter reads:
// "work[0].highlights[2]" is "Job 1 · highlight 3", "basics.summary" is
// "Summary".
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
	out := strings.Join(parts, " · ")
	return strings.ToUpper(out[:1]) + out[1:]
}
