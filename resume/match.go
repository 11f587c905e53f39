package resume

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// Match is how well a profile covers a job description's keywords.
type Match struct {
	Score      int      `json:"score"`        // 0-100, weighted coverage
	MustHave   []string `json:"must_have"`    // required terms and terms of the body text
	NiceToHave []string `json:"nice_to_have"` // preferred terms
	Matched    []string `json:"matched"`      // job terms the profile has
	Missing    []string `json:"missing"`      // job terms the profile lacks
}

// importance ranks a job term by where the posting mentions it.
type importance int

const (
	skipped      importance = iota // benefits, "about us": not about the candidate
	niceToHave                     // "Preferred", "nice to have", "a plus"
	mustHaveLite                   // body text that states no requirement
	mustHave                       // "Requirements", "required", "must"
)

// weight makes a must-have count twice a nice-to-have. Body text counts as
// a nice-to-have so that, in a posting with a requirements section, its
// many incidental words do not outweigh the requirements.
func (i importance) weight() int {
	switch i {
	case mustHave:
		return 2
	case mustHaveLite, niceToHave:
		return 1
	}
	return 0
}

// jobTerm is one keyword of a job description.
type jobTerm struct {
	word string // first spelling in the posting
	key  string
	imp  importance
}

// MatchScore measures how much of jobDescription's vocabulary the profile
// covers: the share of job keywords found in the profile, must-haves
// weighing twice as much as nice-to-haves. It depends on words only, not on
// their order, so tailoring (which only reorders) leaves it unchanged. The
// lists are sorted: MustHave and NiceToHave alphabetically, Matched and
// Missing by importance, then alphabetically.
func MatchScore(r Resume, jobDescription string) Match {
	terms := jobTerms(jobDescription)
	have := keySet(profileText(r))
	m := Match{MustHave: []string{}, NiceToHave: []string{}, Matched: []string{}, Missing: []string{}}
	var total, got int
	for _, t := range terms {
		if t.imp == niceToHave {
			m.NiceToHave = append(m.NiceToHave, t.word)
		} else {
			m.MustHave = append(m.MustHave, t.word)
		}
		total += t.imp.weight()
		if have[t.key] {
			got += t.imp.weight()
			m.Matched = append(m.Matched, t.word)
		} else {
			m.Missing = append(m.Missing, t.word)
		}
	}
	if total > 0 {
		m.Score = (got*100 + total/2) / total
	}
	slices.Sort(m.MustHave)
	slices.Sort(m.NiceToHave)
	imp := make(map[string]importance, len(terms))
	for _, t := range terms {
		imp[t.word] = t.imp
	}
	byImportance := func(a, b string) int {
		return cmp.Or(cmp.Compare(imp[b], imp[a]), cmp.Compare(a, b))
	}
	slices.SortFunc(m.Matched, byImportance)
	slices.SortFunc(m.Missing, byImportance)
	return m
}

// profileText is the text that shows what the candidate can do; employer
// names, places and contact details are left out on purpose.
func profileText(r Resume) string {
	var b strings.Builder
	add := func(ss ...string) {
		for _, s := range ss {
			b.WriteString(s)
			b.WriteString("\n")
		}
	}
	add(r.Basics.Label, r.Basics.Summary)
	for _, w := range r.Work {
		add(w.Position, w.Summary, w.Description)
		add(w.Highlights...)
	}
	for _, e := range r.Education {
		add(e.Area, e.StudyType)
		add(e.Courses...)
	}
	for _, s := range r.Skills {
		add(s.Name)
		add(s.Keywords...)
	}
	for _, c := range r.Certificates {
		add(c.Name, c.Issuer)
	}
	for _, p := range r.Projects {
		add(p.Name, p.Description)
		add(p.Highlights...)
		add(p.Keywords...)
	}
	for _, l := range r.Languages {
		add(l.Language)
	}
	return b.String()
}

// jobTerms returns the distinct keywords of a job description in order of
// first appearance, each with the highest importance it is mentioned at.
func jobTerms(jd string) []jobTerm {
	var terms []jobTerm
	index := make(map[string]int)
	for _, seg := range jobSegments(jd) {
		if seg.imp == skipped {
			continue
		}
		for _, w := range Keywords(seg.text) {
			k := termKey(w)
			if i, ok := index[k]; ok {
				terms[i].imp = max(terms[i].imp, seg.imp)
				continue
			}
			index[k] = len(terms)
			terms = append(terms, jobTerm{word: w, key: k, imp: seg.imp})
		}
	}
	return terms
}

type segment struct {
	text string
	imp  importance
}

// jobSegments splits a posting into sentences, each with its importance:
// a sentence's own marker ("... is a plus") wins, else the section it sits
// in ("Requirements:" followed by bullets), else body text.
func jobSegments(jd string) []segment {
	var segs []segment
	section := mustHaveLite
	for _, line := range strings.Split(jd, "\n") {
		line, bulleted := stripBullet(strings.TrimSpace(line))
		if line == "" {
			continue
		}
		if !bulleted {
			head, rest, hasColon := strings.Cut(line, ":")
			if !hasColon {
				head, rest = line, ""
			}
			if imp, ok := headingImportance(head); ok {
				if strings.TrimSpace(rest) == "" {
					section = imp // a heading: applies to the lines below
				} else {
					segs = append(segs, segment{rest, imp}) // "Preferred: Kafka, gRPC"
				}
				continue
			}
		}
		for _, s := range sentences(line) {
			imp := section
			if own, ok := markerImportance(markerWords(s)); ok {
				imp = own
			}
			segs = append(segs, segment{s, imp})
		}
	}
	return segs
}

// stripBullet removes a list marker ("-", "*", "•", "1.", "2)").
func stripBullet(line string) (string, bool) {
	for _, b := range []string{"-", "*", "•", "·", "–", "—", "+"} {
		if strings.HasPrefix(line, b) {
			return strings.TrimSpace(strings.TrimPrefix(line, b)), true
		}
	}
	i := strings.IndexFunc(line, func(r rune) bool { return r < '0' || r > '9' })
	if i > 0 && i < 3 && (line[i] == '.' || line[i] == ')') && i+1 < len(line) && line[i+1] == ' ' {
		return strings.TrimSpace(line[i+1:]), true
	}
	return line, false
}

// markerWords returns the lowercase letter-only words of s, which is how
// markers are looked for ("nice-to-have" becomes nice, to, have).
func markerWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

var (
	mustMarkers = wordSet("required require requires requirement requirements must mandatory essential qualifications qualification")
	niceMarkers = wordSet("preferred prefer preferably bonus desirable desired ideally optional")
)

// markerImportance finds a requirement marker among words. Nice-to-have
// markers win, so "nice to have but not required" is a nice-to-have.
func markerImportance(words []string) (importance, bool) {
	must := false
	for i, w := range words {
		switch {
		case niceMarkers[w]:
			return niceToHave, true
		case w == "nice" && i+2 < len(words) && words[i+1] == "to" && words[i+2] == "have":
			return niceToHave, true
		// "plus" marks a nice-to-have as "a plus", "big plus" or a leading
		// "Plus:", not in "Go plus SQL".
		case w == "plus" && (i == 0 || i == len(words)-1 || words[i-1] == "a" || words[i-1] == "big" || words[i-1] == "huge"):
			return niceToHave, true
		case mustMarkers[w]:
			must = true
		}
	}
	return mustHave, must
}

// headingImportance classifies a section heading. A heading is a few words
// made only of markers, heading words and stop words, so that "Go is
// required" stays a sentence and "Kubernetes" stays a bullet.
func headingImportance(head string) (importance, bool) {
	words := markerWords(head)
	if len(words) == 0 || len(words) > 6 {
		return 0, false
	}
	for _, w := range words {
		if !stopWords[w] && !mustMarkers[w] && !niceMarkers[w] && !headingWords[w] {
			return 0, false
		}
	}
	if imp, ok := markerImportance(words); ok {
		return imp, true
	}
	text := " " + strings.Join(words, " ") + " "
	for _, h := range headings {
		if strings.Contains(text, " "+h.phrase+" ") {
			return h.imp, true
		}
	}
	return 0, false
}

// headings are common section titles without a requirement marker, as
// markerWords spells them ("what you'll do" is "what you ll do").
var headings = []struct {
	phrase string
	imp    importance
}{
	// The candidate the employer wants.
	{"looking for", mustHave}, {"about you", mustHave}, {"who you are", mustHave},
	{"you have", mustHave}, {"you bring", mustHave}, {"you ll need", mustHave},
	{"what you need", mustHave}, {"skills", mustHave},
	{"even better", niceToHave}, {"extra credit", niceToHave}, {"stand out", niceToHave},
	// The job, without requirements.
	{"responsibilities", mustHaveLite}, {"what you ll do", mustHaveLite},
	{"what you will do", mustHaveLite}, {"the role", mustHaveLite}, {"overview", mustHaveLite},
	{"description", mustHaveLite}, {"duties", mustHaveLite}, {"day to day", mustHaveLite},
	{"your impact", mustHaveLite}, {"the job", mustHaveLite},
	// The employer and the offer, not the candidate.
	{"benefits", skipped}, {"perks", skipped}, {"compensation", skipped}, {"salary", skipped},
	{"pay", skipped}, {"we offer", skipped}, {"about us", skipped}, {"who we are", skipped},
	{"our company", skipped}, {"equal opportunity", skipped}, {"how to apply", skipped},
	{"diversity", skipped},
}

// headingWords are the words of headings, which a heading may consist of
// besides markers and stop words.
var headingWords = func() map[string]bool {
	set := wordSet("re ll")
	for _, h := range headings {
		for _, w := range strings.Fields(h.phrase) {
			set[w] = true
		}
	}
	return set
}()
