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

// indexSearch writes the words of every job whose search document is
// pending, in one transaction, so that the search that follows sees every
// job. With nothing pending it is one read.
func (s *Jobs) indexSearch(ctx context.Context) error {
	var pending bool
	if err := s.db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM job_search_docs WHERE pending = 1)`).Scan(&pending); err != nil {
		return fmt.Errorf("index job search: %w", err)
	}
	if !pending {
		return nil
	}
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index job search: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, indexPendingQuery); err != nil {
		return fmt.Errorf("index job search: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE job_search_docs SET pending = 0 WHERE pending = 1`); err != nil {
		return fmt.Errorf("index job search: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index job search: %w", err)
	}
	return nil
}

// indexPendingQuery writes the pending documents' words, as the insert
// trigger of migration 0014 did: joined is the three without apostrophes
// and hyphens, so that "obrien" finds "O'Brien".
const indexPendingQuery = `
	INSERT INTO job_search (docid, candidate_name, job_title, company, joined)
	SELECT d.docid, j.candidate_name, j.job_title, j.company,
		replace(replace(replace(j.candidate_name || ' ' || j.job_title || ' ' || j.company, '''', ''), '’', ''), '-', '')
	FROM job_search_docs d JOIN jobs j ON j.id = d.job_id WHERE d.pending = 1`
