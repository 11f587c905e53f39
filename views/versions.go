package views

import (
	"strconv"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/resume"
)

// VersionList is a page of a candidate's tailored resumes (its succeeded
// jobs), newest first.
type VersionList struct {
	CandidateID string
	Items       []db.Job
	Page        int
	HasNext     bool
}

// URL is the candidate page showing page n of the list.
func (v VersionList) URL(n int) string {
	u := "/candidates/" + v.CandidateID
	if n > 1 {
		u += "?page=" + strconv.Itoa(n)
	}
	return u
}

// VersionsCompare is the comparison of two tailored resumes of a candidate:
// what changed from A to B.
type VersionsCompare struct {
	Candidate db.Candidate
	A, B      db.Job
	Groups    []DiffGroup
}

// DiffGroup is the sections shown under one heading: one section of its
// own (Summary, Skills), or every role of Experience.
type DiffGroup struct {
	Title    string
	Sections []resume.SectionDiff
}

// GroupSections puts consecutive sections of one group under one heading.
func GroupSections(sections []resume.SectionDiff) []DiffGroup {
	var out []DiffGroup
	for _, s := range sections {
		if s.Group != "" && len(out) > 0 && out[len(out)-1].Title == s.Group {
			out[len(out)-1].Sections = append(out[len(out)-1].Sections, s)
			continue
		}
		title := s.Group
		if title == "" {
			title = s.Title
		}
		out = append(out, DiffGroup{Title: title, Sections: []resume.SectionDiff{s}})
	}
	return out
}

// versionLabel names a version for a screen reader: "Backend Engineer at
// Acme, 1 Dec 2026 09:12 UTC".
func versionLabel(j db.Job) string { return jobHeading(j) + ", " + fmtTime(j.CreatedAt) }

// movedText says where a moved entry went: "moved up from place 4 to 1".
func movedText(it resume.ItemDiff) string {
	dir := "down"
	if it.To < it.From {
		dir = "up"
	}
	return "moved " + dir + " from place " + strconv.Itoa(it.From) + " to " + strconv.Itoa(it.To)
}
