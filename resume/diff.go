package resume

import (
	"fmt"
	"strings"
)

// Edit says what became of a piece of a resume from one version (a) to
// another (b).
type Edit string

const (
	Kept      Edit = "kept"
	Added     Edit = "added"
	Removed   Edit = "removed"
	Rewritten Edit = "rewritten" // the same entry, or a close one, in other words
)

// Piece is a run of words of a word-level diff: Kept, Added or Removed.
type Piece struct {
	Edit Edit
	Text string
}

// ItemDiff is one entry of a list (a skill, a highlight) compared.
type ItemDiff struct {
	Edit  Edit
	Text  string  // as in b; as in a when Removed
	Words []Piece // Rewritten: the words that changed
	From  int     // 1-based place in a; 0 when Added
	To    int     // 1-based place in b; 0 when Removed
	Moved bool    // in both, but its place among the others changed
}

// Reordered reports whether a reworded entry has the same words as before,
// in another order (a skill's keywords sorted anew).
func (it ItemDiff) Reordered() bool {
	if it.Edit != Rewritten {
		return false
	}
	count := map[string]int{}
	for _, p := range it.Words {
		for _, w := range strings.Fields(p.Text) {
			w = strings.Trim(w, ".,;:")
			switch p.Edit {
			case Added:
				count[w]++
			case Removed:
				count[w]--
			}
		}
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// SectionDiff compares one section of two resumes: a text (Words), a list
// (Items), or both (a role's summary and its highlights).
type SectionDiff struct {
	Group string // "Experience", "Projects", or "" for a section of its own
	Title string // "Summary", "Skills", "Senior Engineer at Acme"
	Only  string // "a" or "b" when the whole entry is in one version only
	Words []Piece
	Items []ItemDiff
}

// Changed reports whether anything differs in the section.
func (d SectionDiff) Changed() bool {
	if d.Only != "" {
		return true
	}
	for _, p := range d.Words {
		if p.Edit != Kept {
			return true
		}
	}
	for _, it := range d.Items {
		if it.Edit != Kept || it.Moved {
			return true
		}
	}
	return false
}

// Counts says in words how the section's list changed: "2 added, 1 moved".
func (d SectionDiff) Counts() string {
	var added, removed, rewritten, reordered, moved int
	for _, it := range d.Items {
		switch {
		case it.Edit == Added:
			added++
		case it.Edit == Removed:
			removed++
		case it.Reordered():
			reordered++
		case it.Edit == Rewritten:
			rewritten++
		case it.Moved:
			moved++
		}
	}
	var parts []string
	for _, c := range []struct {
		n    int
		word string
	}{{added, "added"}, {removed, "removed"}, {rewritten, "reworded"}, {reordered, "reordered"}, {moved, "moved"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.word))
		}
	}
	return strings.Join(parts, ", ")
}

// Compare lists, section by section, how resume b differs from resume a:
// headline and summary word by word; skills, and each role's and project's
// highlights, entry by entry (added, removed, reworded, moved); education
// entry by entry. A role or project is the same one in both when its title,
// organisation and start date are.
func Compare(a, b Resume) []SectionDiff {
	var out []SectionDiff
	if a.Basics.Label != "" || b.Basics.Label != "" {
		out = append(out, SectionDiff{Title: "Headline", Words: TextDiff(a.Basics.Label, b.Basics.Label)})
	}
	if a.Basics.Summary != "" || b.Basics.Summary != "" {
		out = append(out, SectionDiff{Title: "Summary", Words: TextDiff(a.Basics.Summary, b.Basics.Summary)})
	}
	if len(a.Skills) > 0 || len(b.Skills) > 0 {
		out = append(out, SectionDiff{Title: "Skills", Items: listDiff(skillEntries(a.Skills), skillEntries(b.Skills))})
	}
	out = append(out, entriesDiff("Experience", workEntries(a.Work), workEntries(b.Work))...)
	out = append(out, entriesDiff("Projects", projectEntries(a.Projects), projectEntries(b.Projects))...)
	if len(a.Education) > 0 || len(b.Education) > 0 {
		out = append(out, SectionDiff{Title: "Education", Items: listDiff(educationEntries(a.Education), educationEntries(b.Education))})
	}
	return out
}

// entry is a list item: key says which one it is, text what it says.
type entry struct{ key, text string }

func textEntries(texts []string) []entry {
	out := make([]entry, len(texts))
	for i, t := range texts {
		out[i] = entry{key: t, text: t}
	}
	return out
}

func skillEntries(skills []Skill) []entry {
	out := make([]entry, len(skills))
	for i, s := range skills {
		text := s.Name
		if len(s.Keywords) > 0 {
			text += ": " + strings.Join(s.Keywords, ", ")
		}
		out[i] = entry{key: strings.ToLower(strings.TrimSpace(s.Name)), text: text}
	}
	return out
}

func educationEntries(es []Education) []entry {
	out := make([]entry, len(es))
	for i, e := range es {
		text := joinNonEmpty(" in ", e.StudyType, e.Area)
		text = joinNonEmpty(", ", text, e.Institution)
		out[i] = entry{key: text, text: text}
	}
	return out
}

// roleEntry is a role or a project: who it was with, its summary and its
// highlights.
type roleEntry struct {
	key, title, summary string
	highlights          []string
}

func workEntries(ws []Work) []roleEntry {
	out := make([]roleEntry, len(ws))
	for i, w := range ws {
		out[i] = roleEntry{key: strings.ToLower(w.Position + "|" + w.Name + "|" + w.StartDate),
			title: joinNonEmpty(" at ", w.Position, w.Name), summary: w.Summary, highlights: w.Highlights}
	}
	return out
}

func projectEntries(ps []Project) []roleEntry {
	out := make([]roleEntry, len(ps))
	for i, p := range ps {
		out[i] = roleEntry{key: strings.ToLower(p.Name + "|" + p.StartDate),
			title: p.Name, summary: p.Description, highlights: p.Highlights}
	}
	return out
}

// entriesDiff compares roles (or projects) one by one, in b's order; one
// only in a comes where it stood in a.
func entriesDiff(group string, a, b []roleEntry) []SectionDiff {
	var out []SectionDiff
	inB := make(map[string]bool, len(b))
	for _, e := range b {
		inB[e.key] = true
	}
	used := make(map[int]bool, len(a))
	next := 0 // the next entry of a not yet shown
	flushRemoved := func(upTo int) {
		for ; next < upTo; next++ {
			if !inB[a[next].key] {
				out = append(out, SectionDiff{Group: group, Title: a[next].title, Only: "a",
					Words: TextDiff(a[next].summary, ""), Items: listDiff(textEntries(a[next].highlights), nil)})
			}
		}
	}
	for _, e := range b {
		i := -1
		for k := range a {
			if !used[k] && a[k].key == e.key {
				i = k
				break
			}
		}
		if i < 0 {
			out = append(out, SectionDiff{Group: group, Title: e.title, Only: "b",
				Words: TextDiff("", e.summary), Items: listDiff(nil, textEntries(e.highlights))})
			continue
		}
		used[i] = true
		flushRemoved(i)
		out = append(out, SectionDiff{Group: group, Title: e.title,
			Words: TextDiff(a[i].summary, e.summary), Items: listDiff(textEntries(a[i].highlights), textEntries(e.highlights))})
	}
	flushRemoved(len(a))
	return out
}

// listDiff compares two lists entry by entry. Entries with the same key in
// both are kept (reworded when their text differs); those outside the
// longest common subsequence of keys have moved. An entry only in a and one
// only in b that share most of their words are one entry reworded. The
// result is in b's order, each entry only in a shown where it stood.
func listDiff(a, b []entry) []ItemDiff {
	match := make([]int, len(b)) // index in a of b[j], or -1
	for j := range match {
		match[j] = -1
	}
	matchedA := make([]bool, len(a))
	// Same key: the longest common subsequence first (kept in order), then
	// any other occurrence (moved). Past the bound, entries are matched by
	// key alone and none is said to move.
	big := len(a)*len(b) > maxDiffCells
	inOrder := make([]bool, len(b))
	if !big {
		for _, p := range lcs(len(a), len(b), func(i, j int) bool { return a[i].key == b[j].key }) {
			match[p[1]], matchedA[p[0]], inOrder[p[1]] = p[0], true, true
		}
	}
	free := make(map[string][]int) // unmatched entries of a by key
	for i := range a {
		if !matchedA[i] {
			free[a[i].key] = append(free[a[i].key], i)
		}
	}
	for j := range b {
		if is := free[b[j].key]; match[j] < 0 && len(is) > 0 {
			match[j], matchedA[is[0]], inOrder[j] = is[0], true, big
			free[b[j].key] = is[1:]
		}
	}
	// Reworded: the best remaining pairs sharing at least half their words.
	var ua, ub []int
	for i := range a {
		if !matchedA[i] {
			ua = append(ua, i)
		}
	}
	for j := range b {
		if match[j] < 0 {
			ub = append(ub, j)
		}
	}
	if len(ua)*len(ub) <= maxPairs {
		sim := make([]float64, len(ua)*len(ub))
		for x, i := range ua {
			for y, j := range ub {
				sim[x*len(ub)+y] = similarity(a[i].text, b[j].text)
			}
		}
		for {
			bx, by, best := -1, -1, 0.5
			for y, j := range ub {
				for x, i := range ua {
					if match[j] < 0 && !matchedA[i] && sim[x*len(ub)+y] >= best {
						bx, by, best = x, y, sim[x*len(ub)+y]
					}
				}
			}
			if bx < 0 {
				break
			}
			i, j := ua[bx], ub[by]
			match[j], matchedA[i], inOrder[j] = i, true, true
		}
	}

	var out []ItemDiff
	next := 0 // the next entry of a that may be shown as removed
	flushRemoved := func(upTo int) {
		for ; next < upTo; next++ {
			if !matchedA[next] {
				out = append(out, ItemDiff{Edit: Removed, Text: a[next].text, From: next + 1})
			}
		}
	}
	for j, e := range b {
		i := match[j]
		if i < 0 {
			out = append(out, ItemDiff{Edit: Added, Text: e.text, To: j + 1})
			continue
		}
		if inOrder[j] {
			flushRemoved(i)
		}
		// Outside the common order, but at the same place: not worth a word.
		it := ItemDiff{Edit: Kept, Text: e.text, From: i + 1, To: j + 1, Moved: !inOrder[j] && i != j}
		if a[i].text != e.text {
			it.Edit, it.Words = Rewritten, WordDiff(a[i].text, e.text)
		}
		out = append(out, it)
	}
	flushRemoved(len(a))
	return out
}

// TextDiff compares two texts sentence by sentence, then word by word
// within a sentence reworded: a sentence that moved is shown removed where
// it was and added where it is, whole, rather than as scattered words.
func TextDiff(a, b string) []Piece {
	sa, sb := summarySentences(a), summarySentences(b)
	if len(sa)*len(sb) > maxDiffCells {
		return WordDiff(a, b) // bounded too: the whole text removed and added
	}
	var out []Piece
	add := func(ps ...Piece) {
		for _, p := range ps {
			if n := len(out); n > 0 && out[n-1].Edit == p.Edit {
				out[n-1].Text += " " + p.Text
				continue
			}
			out = append(out, p)
		}
	}
	// gap shows the sentences between two kept ones: those removed first,
	// then those added, each paired with a close removed one shown word
	// by word.
	gap := func(removed, added []string) {
		pair := make([]int, len(added)) // index in removed, or -1
		used := make([]bool, len(removed))
		for j, s := range added {
			pair[j] = -1
			if len(removed)*len(added) > maxPairs {
				continue
			}
			best := 0.5
			for i, r := range removed {
				if sim := similarity(r, s); !used[i] && sim >= best {
					pair[j], best = i, sim
				}
			}
			if pair[j] >= 0 {
				used[pair[j]] = true
			}
		}
		for i, r := range removed {
			if !used[i] {
				add(Piece{Edit: Removed, Text: r})
			}
		}
		for j, s := range added {
			if pair[j] >= 0 {
				add(WordDiff(removed[pair[j]], s)...)
			} else {
				add(Piece{Edit: Added, Text: s})
			}
		}
	}
	i, j := 0, 0
	for _, p := range lcs(len(sa), len(sb), func(x, y int) bool { return sa[x] == sb[y] }) {
		gap(sa[i:p[0]], sb[j:p[1]])
		add(Piece{Edit: Kept, Text: sa[p[0]]})
		i, j = p[0]+1, p[1]+1
	}
	gap(sa[i:], sb[j:])
	return out
}

// maxDiffCells bounds the work of one diff (the cells of its longest
// common subsequence): beyond it, a text is shown removed and added whole,
// and a list's entries are matched by key alone.
const maxDiffCells = 1 << 18

// maxPairs bounds the entries compared for rewording: removed ones times
// added ones.
const maxPairs = 1 << 12

// WordDiff compares two texts word by word: runs of kept, removed and added
// words, in reading order (removed before added where both replace the
// same place).
func WordDiff(a, b string) []Piece {
	wa, wb := strings.Fields(a), strings.Fields(b)
	var out []Piece
	add := func(c Edit, words []string) {
		if len(words) == 0 {
			return
		}
		text := strings.Join(words, " ")
		if n := len(out); n > 0 && out[n-1].Edit == c {
			out[n-1].Text += " " + text
			return
		}
		out = append(out, Piece{Edit: c, Text: text})
	}
	if len(wa)*len(wb) > maxDiffCells {
		add(Removed, wa)
		add(Added, wb)
		return out
	}
	i, j := 0, 0
	for _, p := range lcs(len(wa), len(wb), func(x, y int) bool { return wa[x] == wb[y] }) {
		add(Removed, wa[i:p[0]])
		add(Added, wb[j:p[1]])
		add(Kept, wa[p[0]:p[0]+1])
		i, j = p[0]+1, p[1]+1
	}
	add(Removed, wa[i:])
	add(Added, wb[j:])
	return out
}

// lcs returns the index pairs of a longest common subsequence of two
// sequences of lengths n and m, in order.
func lcs(n, m int, eq func(i, j int) bool) [][2]int {
	if n == 0 || m == 0 {
		return nil
	}
	// l[i][j]: the LCS length of the suffixes from i and j.
	l := make([][]int, n+1)
	for i := range l {
		l[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if eq(i, j) {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var out [][2]int
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case eq(i, j):
			out = append(out, [2]int{i, j})
			i, j = i+1, j+1
		// On a tie an entry of b is left out: in a swap, the entry that
		// went up is the one shown as moved.
		case l[i][j+1] >= l[i+1][j]:
			j++
		default:
			i++
		}
	}
	return out
}

// similarity is the share of distinct words two texts have in common
// (Jaccard index, ignoring case and punctuation).
func similarity(a, b string) float64 {
	wa, wb := diffWords(a), diffWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return 0
	}
	common := 0
	for w := range wa {
		if wb[w] {
			common++
		}
	}
	return float64(common) / float64(len(wa)+len(wb)-common)
}

func diffWords(s string) map[string]bool {
	out := make(map[string]bool)
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if w = strings.Trim(w, ".,;:!?()\"'"); w != "" {
			out[w] = true
		}
	}
	return out
}
