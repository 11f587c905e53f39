package db

import (
	"strings"
	"unicode"
)

// Job search (migration 0014): the words of a job's candidate name, opening
// title and company sit in the FTS4 table job_search, folded for case and
// accents by its unicode61 tokenizer.

// maxSearchTerms bounds the words of one search: each is a prefix scan.
const maxSearchTerms = 8

// searchMatch is the MATCH expression for what a recruiter typed: every
// word, as a prefix ("alv" finds "Álvarez"), all of them required. Words are
// runs of letters and digits (the tokenizer's own notion), each quoted, so
// nothing typed is read as FTS syntax: quotes, "*", "-", "AND", "NEAR" or
// parentheses are words or separators, never operators. "" when the text
// has no word at all.
func searchMatch(q string) string {
	terms := strings.FieldsFunc(q, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	for i, t := range terms {
		// Lower case too: an unquoted OR is an operator, and a quoted one
		// need not depend on quoting alone.
		terms[i] = `"` + strings.ToLower(t) + `*"`
	}
	return strings.Join(terms, " ")
}

// searchWhere is the predicate on "jobs j" of a search for match.
const searchWhere = `j.id IN (SELECT d.job_id FROM job_search_docs d
	WHERE d.docid IN (SELECT docid FROM job_search WHERE job_search MATCH ?))`
