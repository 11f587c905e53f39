package resume

import "strings"

// sentences splits text after ".", "!", "?" or ";" followed by white
// space: the units the match score weighs (a clause of a posting is a
// requirement of its own) and the fact check compares.
func sentences(text string) []string { return splitAfter(text, ".!?;") }

// summarySentences splits a summary into whole sentences, for reordering:
// not at ";", which joins clauses that belong together.
func summarySentences(text string) []string { return splitAfter(text, ".!?") }

// splitAfter splits text after any of marks followed by white space (or
// at the end), but not after "e.g." or "i.e.". Each part keeps its words
// and punctuation as written, trimmed.
func splitAfter(text, marks string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		if !strings.ContainsRune(marks, rune(text[i])) || i+1 < len(text) && !isSpace(text[i+1]) {
			continue
		}
		if i >= 3 && (strings.EqualFold(text[i-3:i+1], "e.g.") || strings.EqualFold(text[i-3:i+1], "i.e.")) {
			continue
		}
		if s := strings.TrimSpace(text[start : i+1]); s != "" {
			out = append(out, s)
		}
		start = i + 1
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }
