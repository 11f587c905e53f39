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
// the search tables (candidate_search, migration 0013; job_search, 0014):
// every word must match, each as a quoted phrase of its letters and digits,
// so punctuation and FTS operators (AND, OR, NEAR, *, ", -, column:) are
// plain text, never syntax. A word is a prefix ("alv" finds "Álvarez")
// unless it ends in punctuation ("C++" is the word "c", whole). Case and
// accents are the tokenizer's business. It returns "" when nothing
// searchable was typed.
func searchMatch(q string) string {
	isToken := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r) }
	words := strings.Fields(norm.NFC.String(q))
	if len(words) > maxSearchWords {
		words = words[:maxSearchWords]
	}
	var phrases []string
	for _, w := range words {
		tokens := strings.FieldsFunc(w, func(r rune) bool { return !isToken(r) })
		if len(tokens) == 0 {
			continue
		}
		phrase := strings.ToLower(strings.Join(tokens, " "))
		if last, _ := utf8.DecodeLastRuneInString(w); isToken(last) || last == '*' {
			phrase += "*"
		}
		phrases = append(phrases, `"`+phrase+`"`)
	}
	return strings.Join(phrases, " ")
}
