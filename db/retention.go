package db

import (
	"context"
	"fmt"
	"os"
	"time"
)

// retentionPause lets other writers take the single writer connection
// between two batches of a long delete.
const retentionPause = 5 * time.Millisecond

// DeleteOlderThan deletes finished jobs created before cutoff, with their
// results (ON DELETE CASCADE), batch rows per transaction, so a large purge
// never holds the writer for long. A queued or running job is left alone:
// the reconciler fails it first. It returns how many jobs it deleted.
func (s *Jobs) DeleteOlderThan(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	n, err := deleteInBatches(ctx, s.db, `
		DELETE FROM jobs WHERE id IN (
			SELECT id FROM jobs
			WHERE created_at < ? AND status IN ('succeeded', 'failed', 'canceled')
			LIMIT ?)`, cutoff.UnixMilli(), batch)
	if err != nil {
		return n, err
	}
	// A batch goes with its last job.
	_, err = s.db.write.ExecContext(ctx, `
		DELETE FROM batches WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.batch_id = batches.id)`,
		cutoff.UnixMilli())
	if err != nil {
		return n, fmt.Errorf("delete old batches: %w", err)
	}
	return n, nil
}

// deleteInBatches runs query, a DELETE whose last argument is the batch
// size, until it deletes fewer rows than that.
func deleteInBatches(ctx context.Context, d *DB, query string, arg any, batch int) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		res, err := d.write.ExecContext(ctx, query, arg, batch)
		if err != nil {
			return total, fmt.Errorf("delete old rows: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("delete old rows: %w", err)
		}
		total += int(n)
		if int(n) < batch {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(retentionPause):
		}
	}
}

// Size is the database's size on disk in bytes: its pages and its WAL.
func (d *DB) Size(ctx context.Context) (int64, error) {
	var pages, pageSize int64
	if err := d.read.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	if err := d.read.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	size := pages * pageSize
	if fi, err := os.Stat(d.path + "-wal"); err == nil {
		size += fi.Size()
	}
	return size, nil
}
