package db

import (
	"context"
	"fmt"

	"github.com/tailor-app/tailor/jobstate"
)

// Versions returns a page of a candidate's tailored resumes: its succeeded
// jobs visible to owner, newest first, at most limit of them from offset.
func (s *Jobs) Versions(ctx context.Context, owner Owner, candidateID string, limit, offset int) ([]Job, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	jobs, err := s.query(ctx, "SELECT "+jobColumns+` FROM jobs j
		WHERE j.candidate_id = ? AND j.status = ? AND `+ownerMatch+`
		ORDER BY j.created_at DESC, j.id DESC LIMIT ? OFFSET ?`,
		append(owner.args(candidateID, jobstate.StatusSucceeded), limit, max(offset, 0))...)
	if err != nil {
		return nil, fmt.Errorf("versions of candidate: %w", err)
	}
	return jobs, nil
}
