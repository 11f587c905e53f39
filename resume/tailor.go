package resume

import (
	"cmp"
	"slices"
	"strings"
)

// TailorOffline tailors r to a job without a language model. It never
// invents: it returns a copy of r in which work and project highlights,
// skills and skill keywords are ordered by relevance to the job (ties keep
// their order), and the summary leads with its most relevant sentences. A
// profile without a summary gets one composed of its own label and skill
// names. Work and education keep their order, since chronology is a fact,
// and nothing is dropped. The result depends only on the inputs.
func TailorOffline(r Resume, jobDescription, jobTitle string) Resume {
	out := r.Clone()
	rel := newRelevance(jobDescription, jobTitle, r.Skills)
	for i := range out.Work {
		sortByRelevance(out.Work[i].Highlights, rel.score)
	}
	for i := range out.Projects {
		sortByRelevance(out.Projects[i].Highlights, rel.score)
	}
	for i := range out.Skills {
		sortByRelevance(out.Skills[i].Keywords, rel.score)
	}
	sortByRelevance(out.Skills, func(s Skill) int {
		return rel.score(s.Name + "\n" + strings.Join(s.Keywords, "\n"))
	})
	if out.Basics.Summary != "" {
		parts := summarySentences(out.Basics.Summary)
		sorted := slices.Clone(parts)
		sortByRelevance(sorted, rel.score)
		// Rejoining loses line breaks: only worth it for a new order.
		if !slices.Equal(sorted, parts) {
			out.Basics.Summary = strings.Join(sorted, " ")
		}
	} else {
		out.Basics.Summary = composeSummary(out, rel)
	}
	return out
}

// relevance weighs text by the job terms it contains.
type relevance struct {
	weights map[string]int // term key -> weight
}

func newRelevance(jobDescription, jobTitle string, skills []Skill) relevance {
	w := make(map[string]int)
	for _, t := range jobTerms(jobDescription) {
		w[t.key] = t.imp.weight()
	}
	// The title names the job: its words weigh like body text at least.
	for k := range keySet(jobTitle) {
		w[k] = max(w[k], mustHaveLite.weight())
	}
	// A job term that is also one of the candidate's skills is what a
	// recruiter wants to see first, ahead of words such as "design".
	var text strings.Builder
	for _, s := range skills {
		text.WriteString(s.Name + "\n" + strings.Join(s.Keywords, "\n") + "\n")
	}
	for k := range keySet(text.String()) {
		w[k] *= 2
	}
	return relevance{weights: w}
}

// score sums the weights of the distinct job terms in text.
func (rel relevance) score(text string) int {
	total := 0
	for k := range keySet(text) {
		total += rel.weights[k]
	}
	return total
}

// sortByRelevance orders items by descending score, stably. Scores are
// computed once per item, not once per comparison.
func sortByRelevance[T any](items []T, score func(T) int) {
	type scored struct {
		item  T
		score int
	}
	s := make([]scored, len(items))
	for i, it := range items {
		s[i] = scored{it, score(it)}
	}
	slices.SortStableFunc(s, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	for i := range s {
		items[i] = s[i].item
	}
}

// composeSummary writes a summary from the profile's own words only: its
// label and up to five of its skills, the most relevant to the job first,
// spelled as the profile spells them.
func composeSummary(r Resume, rel relevance) string {
	const maxTerms = 5
	type candidate struct {
		term  string
		score int
	}
	var cands []candidate
	for _, s := range r.Skills {
		for _, term := range slices.Concat([]string{s.Name}, s.Keywords) {
			cands = append(cands, candidate{term, rel.score(term)})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return cmp.Compare(b.score, a.score) })
	relevant := slices.ContainsFunc(cands, func(c candidate) bool { return c.score > 0 })

	limit := maxTerms
	if !relevant {
		limit = 3 // nothing matches the job: a short, neutral list
	}
	var terms []string
	seen := make(map[string]bool)
	for _, c := range cands {
		if len(terms) == limit || (relevant && c.score == 0) {
			break
		}
		key := strings.ToLower(strings.TrimSpace(c.term))
		if key != "" && !seen[key] {
			seen[key] = true
			terms = append(terms, strings.TrimSpace(c.term))
		}
	}

	var parts []string
	if label := strings.TrimRight(r.Basics.Label, ". "); label != "" {
		parts = append(parts, label+".")
	}
	if len(terms) > 0 {
		parts = append(parts, "Experience with "+joinAnd(terms)+".")
	}
	return strings.Join(parts, " ")
}

// joinAnd joins terms as English prose: "A", "A and B", "A, B and C".
func joinAnd(terms []string) string {
	if len(terms) <= 1 {
		return strings.Join(terms, "")
	}
	return strings.Join(terms[:len(terms)-1], ", ") + " and " + terms[len(terms)-1]
}
