package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ByCandidate returns a candidate's jobs, newest first, visible to ownerID
// ("" = every owner).
func (s *Jobs) ByCandidate(ctx context.Context, ownerID, candidateID string, limit int) ([]Job, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.db.read.QueryContext(ctx, "SELECT "+jobColumns+` FROM jobs j
		WHERE j.candidate_id = ? AND (? = '' OR j.owner_id = ?)
		ORDER BY j.created_at DESC, j.id DESC LIMIT ?`, candidateID, ownerID, ownerID, limit)
	if err != nil {
		return nil, fmt.Errorf("jobs of candidate: %w", err)
	}
	defer rows.Close()
	out := []Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("jobs of candidate: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// readStmt returns a statement prepared once on the read pool: parsing the
// SQL is a third of a job card poll's cost.
func (d *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := d.readStmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := d.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.readStmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

const pollQuery = "SELECT " + jobColumns + " FROM jobs j WHERE j.id = ? AND (? = '' OR j.owner_id = ?)"

// Poll is Get for the job card's poll, the hottest read: same result, a
// prepared statement.
func (s *Jobs) Poll(ctx context.Context, ownerID, id string) (Job, error) {
	st, err := s.db.readStmt(ctx, pollQuery)
	if err != nil {
		return Job{}, fmt.Errorf("poll job: %w", err)
	}
	j, err := scanJob(st.QueryRowContext(ctx, id, ownerID, ownerID))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, ErrNotFound
	}
	if err != nil {
		return Job{}, fmt.Errorf("poll job: %w", err)
	}
	return j, nil
}
