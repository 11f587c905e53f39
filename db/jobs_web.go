package db

import (
	"context"
	"fmt"
	"strings"
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

// CountOwned counts owner's jobs per status, among those matching the words
// of query ("" = all), in one GROUP BY: the counts on My jobs' filters.
func (s *Jobs) CountOwned(ctx context.Context, owner Owner, query string) (StatusCounts, error) {
	counts := StatusCounts{}
	q, args := "SELECT j.status, COUNT(*) FROM jobs j WHERE "+ownerMatch, owner.args()
	if query != "" {
		match := searchMatch(query)
		if match == "" {
			return counts, nil
		}
		if _, err := s.IndexSearch(ctx); err != nil {
			return nil, err
		}
		q, args = q+" AND "+searchWhere, append(args, match)
	}
	rows, err := s.db.read.QueryContext(ctx, q+" GROUP BY j.status", args...)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		counts[status] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	return counts, nil
}

// Openings maps each of jobs to the saved opening it was made from: one of
// the job owner's openings with the job's title, company and description,
// as the generate form copies them. A job whose opening was edited or
// deleted since, or that was pasted, has none.
func (s *Jobs) Openings(ctx context.Context, jobs []Job) (map[string]string, error) {
	out := map[string]string{}
	if len(jobs) == 0 {
		return out, nil
	}
	ids := make([]any, len(jobs))
	marks := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i], marks[i] = j.ID, "?"
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT j.id, MIN(o.id) FROM jobs j
		JOIN openings o ON o.owner_id = j.owner_id AND o.title = j.job_title AND o.company = j.company
			AND o.description = j.job_description
		WHERE j.id IN (`+strings.Join(marks, ", ")+`) GROUP BY j.id`, ids...)
	if err != nil {
		return nil, fmt.Errorf("openings of jobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var job, opening string
		if err := rows.Scan(&job, &opening); err != nil {
			return nil, fmt.Errorf("openings of jobs: %w", err)
		}
		out[job] = opening
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("openings of jobs: %w", err)
	}
	return out, nil
}
