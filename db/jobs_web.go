package db

import (
	"context"
	"fmt"
)

// ByCandidate returns a candidate's jobs, newest first, visible to owner.
func (s *Jobs) ByCandidate(ctx context.Context, owner Owner, candidateID string, limit int) ([]Job, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.db.read.QueryContext(ctx, "SELECT "+jobColumns+` FROM jobs j
		WHERE j.candidate_id = ? AND `+ownerMatch+`
		ORDER BY j.created_at DESC, j.id DESC LIMIT ?`, append(append([]any{candidateID}, owner.args()...), limit)...)
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
