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
	jobs, err := s.query(ctx, "SELECT "+jobColumns+` FROM jobs j
		WHERE j.candidate_id = ? AND `+ownerMatch+`
		ORDER BY j.created_at DESC, j.id DESC LIMIT ?`, append(owner.args(candidateID), limit)...)
	if err != nil {
		return nil, fmt.Errorf("jobs of candidate: %w", err)
	}
	return jobs, nil
}
