package resume

import "slices"

// Clone returns a deep copy of r: no slice or pointer is shared, so the copy
// can be reordered or edited without touching r.
func (r Resume) Clone() Resume {
	c := r
	if r.Basics.Location != nil {
		loc := *r.Basics.Location
		c.Basics.Location = &loc
	}
	c.Basics.Profiles = slices.Clone(r.Basics.Profiles)
	c.Work = cloneEach(r.Work, func(w *Work) {
		w.Highlights = slices.Clone(w.Highlights)
		w.HighlightSources = slices.Clone(w.HighlightSources)
	})
	c.Volunteer = cloneEach(r.Volunteer, func(v *Volunteer) { v.Highlights = slices.Clone(v.Highlights) })
	c.Education = cloneEach(r.Education, func(e *Education) { e.Courses = slices.Clone(e.Courses) })
	c.Awards = slices.Clone(r.Awards)
	c.Certificates = slices.Clone(r.Certificates)
	c.Publications = slices.Clone(r.Publications)
	c.Skills = cloneEach(r.Skills, func(s *Skill) { s.Keywords = slices.Clone(s.Keywords) })
	c.Languages = slices.Clone(r.Languages)
	c.Interests = cloneEach(r.Interests, func(i *Interest) { i.Keywords = slices.Clone(i.Keywords) })
	c.References = slices.Clone(r.References)
	c.Projects = cloneEach(r.Projects, func(p *Project) {
		p.Highlights = slices.Clone(p.Highlights)
		p.HighlightSources = slices.Clone(p.HighlightSources)
		p.Keywords = slices.Clone(p.Keywords)
		p.Roles = slices.Clone(p.Roles)
	})
	if r.Meta != nil {
		meta := *r.Meta
		c.Meta = &meta
	}
	return c
}

// cloneEach copies s and lets deep copy each element's own slices.
func cloneEach[T any](s []T, deep func(*T)) []T {
	c := slices.Clone(s)
	for i := range c {
		deep(&c[i])
	}
	return c
}
