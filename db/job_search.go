package db

import (
	"context"
	"fmt"
)

// Job search (migration 0014): the words of a job's candidate name, opening
// title and company sit in the FTS4 table job_search, folded for case and
// accents by its unicode61 tokenizer. A new job's words are written by the
// next search, with every other new job's, in one transaction (migration
// 0019): an FTS4 write in each insert cost a new job a third of its insert.

// searchWhere is the predicate on "jobs j" of a search for match.
const searchWhere = `j.id IN (SELECT d.job_id FROM job_search_docs d
	WHERE d.docid IN (SELECT docid FROM job_search WHERE job_search MATCH ?))`

// IndexSearch writes the words of every job whose search document is
// pending, in one transaction, and returns how many it wrote. A search runs
// it first, so that it sees every job; the web process also runs it every
// few seconds (jobs.SearchIndexer), so that the first search after a burst
// has little to write. With nothing pending it is one read.
func (s *Jobs) IndexSearch(ctx context.Context) (int, error) {
	var pending bool
	if err := s.db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM job_search_docs WHERE pending = 1)`).Scan(&pending); err != nil {
		return 0, fmt.Errorf("index job search: %w", err)
	}
	if !pending {
		return 0, nil
	}
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("index job search: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, indexPendingQuery); err != nil {
		return 0, fmt.Errorf("index job search: %w", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE job_search_docs SET pending = 0 WHERE pending = 1`)
	if err != nil {
		return 0, fmt.Errorf("index job search: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("index job search: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// indexPendingQuery writes the pending documents' words, as the insert
// trigger of migration 0014 did: joined is the three without apostrophes
// and hyphens, so that "obrien" finds "O'Brien".
const indexPendingQuery = `
	INSERT INTO job_search (docid, candidate_name, job_title, company, joined)
	SELECT d.docid, j.candidate_name, j.job_title, j.company,
		replace(replace(replace(j.candidate_name || ' ' || j.job_title || ' ' || j.company, '''', ''), '’', ''), '-', '')
	FROM job_search_docs d JOIN jobs j ON j.id = d.job_id WHERE d.pending = 1`

// SearchPending counts the jobs whose search words IndexSearch has yet to
// write.
func (s *Jobs) SearchPending(ctx context.Context) (int, error) {
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_search_docs WHERE pending = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending job search: %w", err)
	}
	return n, nil
}
