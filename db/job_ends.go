package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// JobEnd is a job that reached a final status, as the outbox of ended jobs
// records it (migration 0006): what the notifier tells e-mail and webhooks.
type JobEnd struct {
	JobID   string
	OwnerID string
	Status  string // succeeded, failed or canceled
	EndedAt time.Time
	BatchID string // "" for a job on its own
}

// JobEnds is the outbox of ended jobs. A row is written in the transaction
// that ends the job (Jobs.Apply, Jobs.Cancel), so no end is ever missed;
// the notifier dispatches each at least once.
type JobEnds struct{ db *DB }

// recordEnd adds the outbox row of a job ending in tx; a second end of the
// same job (which Apply and Cancel never make) keeps the first.
func recordEnd(ctx context.Context, tx *sql.Tx, jobID, status string, atMS int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO job_ends (job_id, owner_id, status, ended_at)
		SELECT id, owner_id, ?, ? FROM jobs WHERE id = ?
		ON CONFLICT (job_id) DO NOTHING`, status, atMS, jobID)
	if err != nil {
		return fmt.Errorf("record job end: %w", err)
	}
	return nil
}

// Pending returns up to limit ends not yet dispatched, oldest first.
func (s *JobEnds) Pending(ctx context.Context, limit int) ([]JobEnd, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT e.job_id, e.owner_id, e.status, e.ended_at, COALESCE(j.batch_id, '')
		FROM job_ends e LEFT JOIN jobs j ON j.id = e.job_id
		WHERE e.dispatched_at IS NULL ORDER BY e.ended_at LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending job ends: %w", err)
	}
	defer rows.Close()
	var ends []JobEnd
	for rows.Next() {
		var e JobEnd
		var ms int64
		if err := rows.Scan(&e.JobID, &e.OwnerID, &e.Status, &ms, &e.BatchID); err != nil {
			return nil, fmt.Errorf("pending job ends: %w", err)
		}
		e.EndedAt = time.UnixMilli(ms)
		ends = append(ends, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pending job ends: %w", err)
	}
	return ends, nil
}

// MarkDispatched records that every channel has queued its deliveries for
// the job's end.
func (s *JobEnds) MarkDispatched(ctx context.Context, jobID string) error {
	_, err := s.db.write.ExecContext(ctx, "UPDATE job_ends SET dispatched_at = ? WHERE job_id = ?",
		s.db.Now().UnixMilli(), jobID)
	if err != nil {
		return fmt.Errorf("mark job end dispatched: %w", err)
	}
	return nil
}
