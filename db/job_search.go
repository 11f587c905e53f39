package db

// Job search (migration 0014): the words of a job's candidate name, opening
// title and company sit in the FTS4 table job_search, folded for case and
// accents by its unicode61 tokenizer.

// searchWhere is the predicate on "jobs j" of a search for match.
const searchWhere = `j.id IN (SELECT d.job_id FROM job_search_docs d
	WHERE d.docid IN (SELECT docid FROM job_search WHERE job_search MATCH ?))`
