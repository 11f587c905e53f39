package resume

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Report is the outcome of Verify.
type Report struct {
	OK         bool        `json:"ok"` // no violations
	Violations []Violation `json:"violations"`
	Changes    []Change    `json:"changes"` // profile -> cleaned resume
}

// Violation is a claim of the tailored resume that the profile does not
// support, and what Verify did about it.
type Violation struct {
	Field  string `json:"field"`  // path in the tailored resume, e.g. "work[1].highlights[2]"
	Value  string `json:"value"`  // the tailored value
	Reason string `json:"reason"` // in words, e.g. `'Terraform' is not in the profile's entry for Acme`
	Action string `json:"action"` // ActionRemoved or ActionRestored
	// Profile is the profile's text that shows what is true: the value or
	// sentence restored in its place, or the one the claim was checked against.
	Profile string `json:"profile,omitempty"`
	// Item says what Field is in words, with the profile's labels: "the
	// start date of Data Engineer at Northbeam" (see ItemWords).
	Item string `json:"item,omitempty"`
}

// What Verify did with a violation.
const (
	ActionRemoved  = "removed"
	ActionRestored = "restored" // put back as the profile has it
)

// Change is one difference between the profile and the cleaned resume.
// Field is a path in the cleaned resume, or in the profile for something
// removed. Lists are shown one item per line in Before and After.
type Change struct {
	Field  string `json:"field"`
	Kind   string `json:"kind"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Text says the change in words, with the profile's labels: "Moved
	// Kubernetes and Go to the front of Skills › Backend".
	Text string `json:"text,omitempty"`
}

// Change kinds.
const (
	ChangeReordered = "reordered"
	ChangeRewritten = "rewritten"
	ChangeRemoved   = "removed"
	ChangeAdded     = "added"
)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// RequireSources makes a rewritten highlight without HighlightSources
	// a violation: an LLM tailor is asked for them.
	RequireSources bool
}

// Verify checks that tailored claims nothing the source profile does not,
// and returns it cleaned: contact details are restored, employers, titles,
// schools, certificates, projects and skills absent from the profile are
// removed, and changed dates are restored. Every sentence of free text
// (summaries, descriptions, highlights) is checked claim by claim (see
// claims.go): one the profile does not support is restored to the closest
// sentence of the same profile entry, or removed. Sections a tailor has no
// reason to touch (volunteer, awards, publications, languages, interests,
// references) are taken from the profile. Callers may still Validate the
// result.
func Verify(source, tailored Resume) (Resume, Report) {
	return VerifyWith(source, tailored, VerifyOptions{})
}

// VerifyWith is Verify with options.
func VerifyWith(source, tailored Resume, opts VerifyOptions) (Resume, Report) {
	src := source.Clone()
	src.Normalize()
	out := tailored.Clone()
	alignSources(&out)
	out.Normalize()

	v := &verifier{termCache: newTermCache(), src: src, opts: opts, violations: []Violation{}, labels: out.Clone()}
	v.whole = v.wholeScope(&src)
	v.titles = append(v.titles, src.Basics.Label)
	for _, w := range src.Work {
		v.titles = append(v.titles, w.Position)
	}
	v.degrees = profileDegrees(&src)
	for _, w := range src.Work {
		v.workSentences = append(v.workSentences, slices.Concat(sentences(w.Summary), sentences(w.Description), w.Highlights))
	}
	v.basics(&out.Basics)
	out.Work = v.work(out.Work)
	out.Education = v.education(out.Education)
	out.Certificates = v.certificates(out.Certificates)
	out.Skills = v.skills(out.Skills)
	out.Projects = v.projects(out.Projects)
	out.Volunteer = restoreSection(v, "volunteer", out.Volunteer, src.Volunteer)
	out.Awards = restoreSection(v, "awards", out.Awards, src.Awards)
	out.Publications = restoreSection(v, "publications", out.Publications, src.Publications)
	out.Languages = restoreSection(v, "languages", out.Languages, src.Languages)
	out.Interests = restoreSection(v, "interests", out.Interests, src.Interests)
	out.References = restoreSection(v, "references", out.References, src.References)
	out.Schema, out.Meta = src.Schema, src.Meta

	for i, vi := range v.violations {
		if vi.Item == "" {
			v.violations[i].Item = ItemWords(vi.Field, v.labels)
		}
	}
	return out, Report{OK: len(v.violations) == 0, Violations: v.violations, Changes: v.changes(out)}
}

// Summary is a one-line account for people: what was removed or restored,
// or that nothing was invented.
func (r Report) Summary() string {
	if len(r.Violations) == 0 {
		if len(r.Changes) == 0 {
			return "verified: identical to the profile"
		}
		return fmt.Sprintf("verified: nothing invented, %s", count(len(r.Changes), "change"))
	}
	var removed, restored int
	var reasons []string
	for _, v := range r.Violations {
		if v.Action == ActionRemoved {
			removed++
		} else {
			restored++
		}
		reasons = append(reasons, v.Reason)
	}
	var head []string
	if removed > 0 {
		head = append(head, count(removed, "item")+" removed")
	}
	if restored > 0 {
		if removed > 0 {
			head = append(head, fmt.Sprintf("%d restored", restored))
		} else {
			head = append(head, count(restored, "item")+" restored")
		}
	}
	const shown = 5
	if len(reasons) > shown {
		reasons = append(reasons[:shown], fmt.Sprintf("and %d more", len(reasons)-shown))
	}
	return strings.Join(head, ", ") + ": " + strings.Join(reasons, "; ")
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// verifier holds the profile and what Verify has found so far.
type verifier struct {
	*termCache
	src        Resume
	opts       VerifyOptions
	whole      *scope               // the whole profile: what the summary may claim
	titles     []string             // the profile's titles: headline and positions
	degrees    map[degreeLevel]bool // the levels of the profile's degrees
	violations []Violation
	// labels is the tailored resume as it came, for naming its entries.
	labels Resume
	// workSentences are each profile job's sentences, to tell where a
	// highlight came from.
	workSentences [][]string

	// For each entry of the cleaned resume, the index of its profile entry
	// (-1 for a skill regrouped under a name that is a profile keyword).
	workFrom, eduFrom, certFrom, skillFrom, projectFrom []int
}

func (v *verifier) violate(field, value, action, format string, args ...any) {
	v.violations = append(v.violations, Violation{
		Field: field, Value: value, Reason: fmt.Sprintf(format, args...), Action: action,
	})
}

// restore puts a fact back as the profile states it, saying so in words:
// "The AI changed the start date of ... to January 2019; Tailor put back
// March 2020."
func (v *verifier) restore(field string, got *string, want string) {
	if *got == want {
		return
	}
	show := func(s string) string { return s }
	if strings.HasSuffix(field, "Date") || strings.HasSuffix(field, ".date") {
		show = DateWords
	}
	item := ItemWords(field, v.labels)
	var reason string
	switch {
	case *got == "":
		reason = fmt.Sprintf("The AI left out %s; Tailor put back %s.", item, show(want))
	case want == "":
		reason = fmt.Sprintf("The AI added %s (%s), which the profile does not have; Tailor took it out.", item, show(*got))
	default:
		reason = fmt.Sprintf("The AI changed %s to %s; Tailor put back %s.", item, show(*got), show(want))
	}
	v.violations = append(v.violations, Violation{Field: field, Value: show(*got), Reason: reason,
		Action: ActionRestored, Profile: show(want), Item: item})
	*got = want
}

// basics restores identity and contact details, which a tailor has no
// reason to change; the summary may be rewritten, claim by claim true.
func (v *verifier) basics(b *Basics) {
	s := v.src.Basics
	v.restore("basics.name", &b.Name, s.Name)
	v.restore("basics.email", &b.Email, s.Email)
	v.restore("basics.phone", &b.Phone, s.Phone)
	v.restore("basics.url", &b.URL, s.URL)
	v.restore("basics.image", &b.Image, s.Image)
	if got, want := locationText(b.Location), locationText(s.Location); got != want {
		v.violations = append(v.violations, Violation{Field: "basics.location", Value: got,
			Reason: "The AI changed the location; Tailor put back the profile's.", Action: ActionRestored, Profile: want})
	}
	b.Location = s.Location
	if !slices.Equal(b.Profiles, s.Profiles) {
		v.violations = append(v.violations, Violation{Field: "basics.profiles", Value: profilesText(b.Profiles),
			Reason: "The AI changed the online profiles; Tailor put back the profile's.", Action: ActionRestored,
			Profile: profilesText(s.Profiles)})
	}
	b.Profiles = s.Profiles
	// The headline is a claim about the person (a title): never tailored.
	v.restore("basics.label", &b.Label, s.Label)
	b.Summary = v.freeText("basics.summary", b.Summary, s.Summary, v.whole, false)
}

// profilesText lists online profiles as "GitHub: mayao, LinkedIn: maya-okafor".
func profilesText(ps []Profile) string {
	var out []string
	for _, p := range ps {
		out = append(out, joinNonEmpty(": ", p.Network, joinNonEmpty(" ", p.Username, p.URL)))
	}
	return strings.Join(out, ", ")
}

func locationText(l *Location) string {
	if l == nil {
		return ""
	}
	parts := slices.DeleteFunc([]string{l.Address, l.PostalCode, l.City, l.Region, l.CountryCode},
		func(s string) bool { return s == "" })
	return strings.Join(parts, ", ")
}

func (v *verifier) work(in []Work) []Work {
	var out []Work
	used := make([]bool, len(v.src.Work))
	for i, w := range in {
		field := fmt.Sprintf("work[%d]", i)
		j, why := matchWork(v.src.Work, used, w)
		if j < 0 {
			v.violate(field, workLabel(w), ActionRemoved, "%s", why)
			continue
		}
		used[j] = true
		s := v.src.Work[j]
		if fold(w.Position) != fold(s.Position) {
			v.violations = append(v.violations, Violation{Field: field + ".position", Value: w.Position,
				Reason: fmt.Sprintf("The AI changed the job title at %s to %s; Tailor put back %s.", s.Name, w.Position, s.Position),
				Action: ActionRestored, Profile: s.Position, Item: "the job title at " + s.Name})
		}
		w.Name, w.Position = s.Name, s.Position // the profile's spelling
		v.restore(field+".startDate", &w.StartDate, s.StartDate)
		v.restore(field+".endDate", &w.EndDate, s.EndDate)
		v.restore(field+".url", &w.URL, s.URL)
		v.restore(field+".location", &w.Location, s.Location)
		sc := v.workScope(s)
		w.Summary = v.freeText(field+".summary", w.Summary, s.Summary, sc, true)
		w.Description = v.freeText(field+".description", w.Description, s.Description, sc, true)
		w.Highlights = v.highlights(field+".highlights", w.Highlights, w.HighlightSources, s.Highlights, sc, j)
		w.HighlightSources = nil
		out = append(out, w)
		v.workFrom = append(v.workFrom, j)
	}
	return out
}

// matchWork finds the profile entry for a tailored work entry: same
// employer and position, preferring equal dates. A job whose title alone
// was reworded is recognised by employer and start date, so that its title
// is restored rather than a real job dropped. why explains a miss.
func matchWork(src []Work, used []bool, w Work) (j int, why string) {
	name, pos := fold(w.Name), fold(w.Position)
	best, duplicate, employerKnown := -1, false, false
	for j, s := range src {
		if fold(s.Name) != name {
			continue
		}
		employerKnown = true
		if fold(s.Position) != pos {
			continue
		}
		if used[j] {
			duplicate = true
			continue
		}
		if s.StartDate == w.StartDate && s.EndDate == w.EndDate {
			return j, ""
		}
		if best < 0 {
			best = j
		}
	}
	if best >= 0 {
		return best, ""
	}
	retitled := -1
	for j, s := range src {
		if !used[j] && fold(s.Name) == name && s.StartDate != "" && s.StartDate == w.StartDate {
			if retitled >= 0 {
				retitled = -1 // ambiguous: two jobs there began that day
				break
			}
			retitled = j
		}
	}
	switch {
	case retitled >= 0:
		return retitled, ""
	case duplicate:
		return -1, fmt.Sprintf("duplicate of work entry %q", workLabel(w))
	case employerKnown:
		return -1, fmt.Sprintf("position %q at %q not in profile", w.Position, w.Name)
	}
	return -1, fmt.Sprintf("employer %q not in profile", w.Name)
}

func workLabel(w Work) string { return joinNonEmpty(", ", w.Position, w.Name) }

func (v *verifier) education(in []Education) []Education {
	var out []Education
	used := make([]bool, len(v.src.Education))
	for i, e := range in {
		field := fmt.Sprintf("education[%d]", i)
		j, dup := matchEntry(v.src.Education, used, e, educationKey)
		if j < 0 {
			reason := fmt.Sprintf("education %q not in profile", educationLabel(e))
			if dup {
				reason = fmt.Sprintf("duplicate of education %q", educationLabel(e))
			}
			v.violate(field, educationLabel(e), ActionRemoved, "%s", reason)
			continue
		}
		used[j] = true
		s := v.src.Education[j]
		e.Institution, e.StudyType, e.Area = s.Institution, s.StudyType, s.Area
		v.restore(field+".startDate", &e.StartDate, s.StartDate)
		v.restore(field+".endDate", &e.EndDate, s.EndDate)
		v.restore(field+".score", &e.Score, s.Score)
		v.restore(field+".url", &e.URL, s.URL)
		e.Courses = v.keepKnown(field+".courses", "course", e.Courses, spellings(s.Courses))
		out = append(out, e)
		v.eduFrom = append(v.eduFrom, j)
	}
	return out
}

func educationKey(e Education) string {
	return fold(e.Institution) + "|" + fold(e.StudyType) + "|" + fold(e.Area)
}

func educationLabel(e Education) string {
	return joinNonEmpty(", ", joinNonEmpty(" in ", e.StudyType, e.Area), e.Institution)
}

func (v *verifier) certificates(in []Certificate) []Certificate {
	var out []Certificate
	used := make([]bool, len(v.src.Certificates))
	for i, c := range in {
		field := fmt.Sprintf("certificates[%d]", i)
		j, dup := matchEntry(v.src.Certificates, used, c, certificateKey)
		if j < 0 {
			reason := fmt.Sprintf("certificate %q not in profile", c.Name)
			if dup {
				reason = fmt.Sprintf("duplicate of certificate %q", c.Name)
			}
			v.violate(field, joinNonEmpty(", ", c.Name, c.Issuer), ActionRemoved, "%s", reason)
			continue
		}
		used[j] = true
		s := v.src.Certificates[j]
		c.Name, c.Issuer = s.Name, s.Issuer
		v.restore(field+".date", &c.Date, s.Date)
		v.restore(field+".url", &c.URL, s.URL)
		out = append(out, c)
		v.certFrom = append(v.certFrom, j)
	}
	return out
}

func certificateKey(c Certificate) string { return fold(c.Name) + "|" + fold(c.Issuer) }

// skills keeps skill names and keywords that the profile's skills name,
// as a skill or as a keyword: a tailor may regroup them, not add to them.
func (v *verifier) skills(in []Skill) []Skill {
	known := make(map[string]string)
	for _, s := range v.src.Skills {
		addSpellings(known, s.Name)
		addSpellings(known, s.Keywords...)
	}
	var out []Skill
	used := make([]bool, len(v.src.Skills))
	for i, s := range in {
		field := fmt.Sprintf("skills[%d]", i)
		name, ok := lookupSpelling(known, s.Name)
		if !ok {
			v.violate(field, s.Name, ActionRemoved, "skill %q not in profile", s.Name)
			continue
		}
		s.Name = name
		s.Keywords = v.keepKnown(field+".keywords", "skill keyword", s.Keywords, known)
		j, _ := matchEntry(v.src.Skills, used, s, func(s Skill) string { return fold(s.Name) })
		level := ""
		if j >= 0 {
			used[j] = true
			level = v.src.Skills[j].Level
		}
		v.restore(field+".level", &s.Level, level)
		out = append(out, s)
		v.skillFrom = append(v.skillFrom, j)
	}
	return out
}

func (v *verifier) projects(in []Project) []Project {
	skillTerms := make(map[string]string)
	for _, s := range v.src.Skills {
		addSpellings(skillTerms, s.Name)
		addSpellings(skillTerms, s.Keywords...)
	}
	var out []Project
	used := make([]bool, len(v.src.Projects))
	for i, p := range in {
		field := fmt.Sprintf("projects[%d]", i)
		j, dup := matchEntry(v.src.Projects, used, p, func(p Project) string { return fold(p.Name) })
		if j < 0 {
			reason := fmt.Sprintf("project %q not in profile", p.Name)
			if dup {
				reason = fmt.Sprintf("duplicate of project %q", p.Name)
			}
			v.violate(field, p.Name, ActionRemoved, "%s", reason)
			continue
		}
		used[j] = true
		s := v.src.Projects[j]
		p.Name = s.Name
		what := func(f string) string { return fmt.Sprintf("%s of the project %s", f, s.Name) }
		v.restore(field+".startDate", &p.StartDate, s.StartDate)
		v.restore(field+".endDate", &p.EndDate, s.EndDate)
		v.restore(field+".url", &p.URL, s.URL)
		v.restore(field+".entity", &p.Entity, s.Entity)
		v.restore(field+".type", &p.Type, s.Type)
		if !slices.Equal(p.Roles, s.Roles) {
			v.violations = append(v.violations, Violation{Field: field + ".roles", Value: strings.Join(p.Roles, ", "),
				Reason: fmt.Sprintf("The AI changed %s; Tailor put back the profile's.", what("the roles")),
				Action: ActionRestored, Profile: strings.Join(s.Roles, ", ")})
		}
		p.Roles = s.Roles
		sc := v.projectScope(s)
		p.Description = v.freeText(field+".description", p.Description, s.Description, sc, true)
		p.Highlights = v.highlights(field+".highlights", p.Highlights, p.HighlightSources, s.Highlights, sc, -1)
		p.HighlightSources = nil
		allowed := spellings(s.Keywords)
		for k, sp := range skillTerms {
			if _, ok := allowed[k]; !ok {
				allowed[k] = sp
			}
		}
		p.Keywords = v.keepKnown(field+".keywords", "project keyword", p.Keywords, allowed)
		out = append(out, p)
		v.projectFrom = append(v.projectFrom, j)
	}
	return out
}

// keepKnown keeps the items found in known (by folded text), spelled as
// known spells them.
func (v *verifier) keepKnown(field, what string, items []string, known map[string]string) []string {
	var kept []string
	for i, it := range items {
		sp, ok := lookupSpelling(known, it)
		if !ok {
			v.violate(fmt.Sprintf("%s[%d]", field, i), it, ActionRemoved, "%s %q not in profile", what, it)
			continue
		}
		kept = append(kept, sp)
	}
	return kept
}

// restoreSection returns the profile's section, reporting tailored entries
// that the profile does not contain.
func restoreSection[T any](v *verifier, section string, got, want []T) []T {
	for i, item := range got {
		if !slices.ContainsFunc(want, func(w T) bool { return reflect.DeepEqual(w, item) }) {
			field := fmt.Sprintf("%s[%d]", section, i)
			v.violate(field, entryWords(section, i, v.labels), ActionRestored,
				"The AI changed or added this in %s, which the profile does not have; Tailor put back the profile's %s.",
				sectionWords[section], sectionWords[section])
		}
	}
	return want
}

// matchEntry returns the first unused entry of src with the same key as e,
// or -1; dup reports that only a used entry matched.
func matchEntry[T any](src []T, used []bool, e T, key func(T) string) (j int, dup bool) {
	k := key(e)
	for j, s := range src {
		if key(s) != k {
			continue
		}
		if !used[j] {
			return j, false
		}
		dup = true
	}
	return -1, dup
}

// fold is the form in which names compare: case and spacing ignored.
func fold(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func spellings(items []string) map[string]string {
	m := make(map[string]string)
	addSpellings(m, items...)
	return m
}

// addSpellings records each item under its folded form, first spelling kept.
// Each is also recorded under its alias key ("~go" for "Go"), so that a
// synonym the keyword extractor knows ("Golang") is found too.
func addSpellings(m map[string]string, items ...string) {
	for _, it := range items {
		if _, ok := m[fold(it)]; !ok && it != "" {
			m[fold(it)] = it
		}
		if k := aliasKey(it); k != "" {
			if _, ok := m[k]; !ok {
				m[k] = it
			}
		}
	}
}

// lookupSpelling finds item in a map of addSpellings: by its folded text
// (answering the profile's spelling) or by a known synonym (answering the
// item as written: "Golang" for the profile's "Go" is the same skill).
func lookupSpelling(m map[string]string, item string) (string, bool) {
	if sp, ok := m[fold(item)]; ok {
		return sp, true
	}
	if k := aliasKey(item); k != "" {
		if _, ok := m[k]; ok {
			return item, true
		}
	}
	// "Toast" for the profile's "Toast POS", "Microsoft Excel" for "Excel":
	// the same skill, shortened or with its maker's name.
	keys := slices.DeleteFunc(claimKeys(item), func(k string) bool { return vendors[k] })
	if len(keys) == 0 {
		return "", false
	}
	for k := range m {
		known, ok := strings.CutPrefix(k, "~")
		if !ok {
			continue
		}
		if have := strings.Fields(known); len(have) > len(keys) && isPrefixOf(keys, have) {
			return item, true
		} else if slices.Equal(keys, have) {
			return item, true
		}
	}
	return "", false
}

// vendors are makers whose name may stand before their product's.
var vendors = wordSet("microsoft google amazon apple adobe oracle ibm atlassian intuit")

func isPrefixOf(short, long []string) bool {
	return len(short) <= len(long) && slices.Equal(short, long[:len(short)])
}

func aliasKey(item string) string {
	keys := claimKeys(item)
	if len(keys) == 0 {
		return ""
	}
	return "~" + strings.Join(keys, " ")
}

func joinNonEmpty(sep string, parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), sep)
}

// changes lists the differences between the profile and the cleaned resume,
// each with its Text in words.
func (v *verifier) changes(out Resume) []Change {
	src := v.src
	c := []Change{}
	c = appendTextChange(c, "basics.label", "the headline", src.Basics.Label, out.Basics.Label)
	c = appendTextChange(c, "basics.summary", "the summary", src.Basics.Summary, out.Basics.Summary)

	c = appendEntryChanges(c, "work", v.workFrom, mapIndex(src.Work, jobLabel), mapIndex(out.Work, jobLabel))
	for k, j := range v.workFrom {
		f, s, o := fmt.Sprintf("work[%d]", k), src.Work[j], out.Work[k]
		job := jobLabel(o)
		c = appendTextChange(c, f+".summary", "the summary of "+job, s.Summary, o.Summary)
		c = appendTextChange(c, f+".description", "the description of "+job, s.Description, o.Description)
		c = appendListChanges(c, f+".highlights", listWords{owner: job, of: "the highlights of " + job, item: "a highlight"},
			s.Highlights, o.Highlights)
	}

	c = appendEntryChanges(c, "education", v.eduFrom,
		mapIndex(src.Education, educationLabel), mapIndex(out.Education, educationLabel))
	for k, j := range v.eduFrom {
		courses := "the courses of " + educationLabel(out.Education[k])
		c = appendListChanges(c, fmt.Sprintf("education[%d].courses", k), listWords{owner: courses, of: courses, names: true},
			src.Education[j].Courses, out.Education[k].Courses)
	}

	certLabel := func(c Certificate) string { return c.Name }
	c = appendEntryChanges(c, "certificates", v.certFrom,
		mapIndex(src.Certificates, certLabel), mapIndex(out.Certificates, certLabel))

	skillLabel := func(s Skill) string { return s.Name }
	c = appendEntryChanges(c, "skills", v.skillFrom,
		mapIndex(src.Skills, skillLabel), mapIndex(out.Skills, skillLabel))
	for k, j := range v.skillFrom {
		if j >= 0 {
			group := "Skills › " + out.Skills[k].Name
			c = appendListChanges(c, fmt.Sprintf("skills[%d].keywords", k), listWords{owner: group, of: group, names: true},
				src.Skills[j].Keywords, out.Skills[k].Keywords)
		}
	}

	projectLabel := func(p Project) string { return p.Name }
	c = appendEntryChanges(c, "projects", v.projectFrom,
		mapIndex(src.Projects, projectLabel), mapIndex(out.Projects, projectLabel))
	for k, j := range v.projectFrom {
		f, s, o := fmt.Sprintf("projects[%d]", k), src.Projects[j], out.Projects[k]
		project := "the project " + o.Name
		c = appendTextChange(c, f+".description", "the description of "+project, s.Description, o.Description)
		c = appendListChanges(c, f+".highlights", listWords{owner: project, of: "the highlights of " + project, item: "a highlight"},
			s.Highlights, o.Highlights)
		keywords := "the keywords of " + project
		c = appendListChanges(c, f+".keywords", listWords{owner: keywords, of: keywords, names: true}, s.Keywords, o.Keywords)
	}
	return c
}

func mapIndex[T any](items []T, label func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = label(it)
	}
	return out
}

// appendTextChange reports a changed text; what names it: "the summary of
// Data Engineer at Northbeam".
func appendTextChange(c []Change, field, what, before, after string) []Change {
	switch {
	case before == after:
		return c
	case before == "":
		return append(c, Change{Field: field, Kind: ChangeAdded, After: after, Text: "Added " + what})
	case after == "":
		return append(c, Change{Field: field, Kind: ChangeRemoved, Before: before, Text: "Left out " + what})
	}
	verb := "Rewrote "
	if len(after) < len(before)*4/5 {
		verb = "Shortened "
	}
	return append(c, Change{Field: field, Kind: ChangeRewritten, Before: before, After: after, Text: verb + what})
}

// appendEntryChanges reports the entries of a section that were removed,
// reordered or added (a regrouped skill), given for each output entry the
// index of its profile entry.
func appendEntryChanges(c []Change, section string, from []int, srcLabels, outLabels []string) []Change {
	name := sectionWords[section]
	kept := make([]bool, len(srcLabels))
	var order []int
	for k, j := range from {
		if j < 0 {
			c = append(c, Change{Field: fmt.Sprintf("%s[%d]", section, k), Kind: ChangeAdded, After: outLabels[k],
				Text: fmt.Sprintf("Added %s to %s", outLabels[k], name)})
			continue
		}
		kept[j] = true
		order = append(order, j)
	}
	for j, label := range srcLabels {
		if !kept[j] {
			c = append(c, Change{Field: fmt.Sprintf("%s[%d]", section, j), Kind: ChangeRemoved, Before: label,
				Text: fmt.Sprintf("Left out %s from %s", label, name)})
		}
	}
	if !slices.IsSorted(order) {
		var before, after []string
		for _, j := range slices.Sorted(slices.Values(order)) {
			before = append(before, srcLabels[j])
		}
		for _, j := range order {
			after = append(after, srcLabels[j])
		}
		c = append(c, Change{Field: section, Kind: ChangeReordered,
			Before: strings.Join(before, "\n"), After: strings.Join(after, "\n"),
			Text: moveText(before, after, name, "top")})
	}
	return c
}

// listWords name a list of the resume for its changes.
type listWords struct {
	owner string // where the items are: "Skills › Backend", "Data Engineer at Northbeam"
	of    string // the list: "Skills › Backend", "the highlights of Data Engineer at Northbeam"
	item  string // one item, for lists of sentences: "a highlight"
	names bool   // the items are short names (keywords, courses): say them
}

// appendListChanges diffs two lists of strings: a change of order among the
// items both share, then each new item paired with the removed item it
// most resembles (rewritten) or alone (added), then removed items.
func appendListChanges(c []Change, field string, w listWords, before, after []string) []Change {
	remaining := make(map[string]int)
	for _, s := range before {
		remaining[s]++
	}
	var added []int // indices into after
	common := make(map[string]int)
	for i, s := range after {
		if remaining[s] > 0 {
			remaining[s]--
			common[s]++
		} else {
			added = append(added, i)
		}
	}
	var removed []string
	inCommon := maps.Clone(common)
	var commonBefore, commonAfter []string
	for _, s := range before {
		if inCommon[s] > 0 {
			inCommon[s]--
			commonBefore = append(commonBefore, s)
		} else {
			removed = append(removed, s)
		}
	}
	for _, s := range after {
		if common[s] > 0 {
			common[s]--
			commonAfter = append(commonAfter, s)
		}
	}
	if !slices.Equal(commonBefore, commonAfter) {
		text := "Reordered " + w.of
		if w.names {
			text = moveText(commonBefore, commonAfter, w.of, "front")
		}
		c = append(c, Change{Field: field, Kind: ChangeReordered,
			Before: strings.Join(commonBefore, "\n"), After: strings.Join(commonAfter, "\n"), Text: text})
	}
	paired := make([]bool, len(removed))
	for _, i := range added {
		f := fmt.Sprintf("%s[%d]", field, i)
		if j := mostSimilar(after[i], removed, paired); j >= 0 {
			paired[j] = true
			text := "Reworded " + w.item + " of " + w.owner
			if w.names {
				text = fmt.Sprintf("Replaced %s with %s in %s", removed[j], after[i], w.owner)
			}
			c = append(c, Change{Field: f, Kind: ChangeRewritten, Before: removed[j], After: after[i], Text: text})
		} else {
			text := "Added " + w.item + " to " + w.owner
			if w.names {
				text = fmt.Sprintf("Added %s to %s", after[i], w.owner)
			}
			c = append(c, Change{Field: f, Kind: ChangeAdded, After: after[i], Text: text})
		}
	}
	for j, s := range removed {
		if !paired[j] {
			text := "Left out " + w.item + " of " + w.owner
			if w.names {
				text = fmt.Sprintf("Left out %s from %s", s, w.owner)
			}
			c = append(c, Change{Field: field, Kind: ChangeRemoved, Before: s, Text: text})
		}
	}
	return c
}

// mostSimilar returns the unpaired candidate sharing at least half of the
// smaller keyword set with s, the best such first, or -1.
func mostSimilar(s string, candidates []string, paired []bool) int {
	a := keySet(s)
	best, bestScore := -1, 0.0
	for j, cand := range candidates {
		if paired[j] {
			continue
		}
		b := keySet(cand)
		shared := 0
		for k := range a {
			if b[k] {
				shared++
			}
		}
		smaller := min(len(a), len(b))
		if smaller == 0 {
			continue
		}
		if score := float64(shared) / float64(smaller); score >= 0.5 && score > bestScore {
			best, bestScore = j, score
		}
	}
	return best
}
