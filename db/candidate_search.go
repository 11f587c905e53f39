package db

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxSearchWords caps the words of a search: a pasted paragraph is no
// search, and each word is one more index lookup.
const maxSearchWords = 16

// searchMatch turns what a user typed into an FTS4 MATCH expression over
// candidate_search (migration 0013): every word must match, each as a quoted
// phrase of its letters and digits, so punctuation and FTS operators (AND,
// OR, NEAR, *, ", -, column:) are plain text, never syntax. The last word
// is a prefix ("alv" finds "Álvarez") unless it ends in punctuation ("C++"
// is the word "c", whole). Case and accents are the tokenizer's business.
// It returns "" when nothing searchable was typed.
func searchMatch(q string) string {
	isToken := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) }
	words := strings.Fields(norm.NFC.String(q))
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	var phrases []string
	for _, w := range words {
		if tokens := strings.FieldsFunc(w, func(r rune) bool { return !isToken(r) }); len(tokens) > 0 {
			phrases = append(phrases, strings.Join(tokens, " "))
		}
	}
	if len(phrases) == 0 {
		return ""
	}
	if last, _ := utf8.DecodeLastRuneInString(words[len(words)-1]); isToken(last) || last == '*' {
		phrases[len(phrases)-1] += "*"
	}
	return `"` + strings.Join(phrases, `" "`) + `"`
}
