package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tailor-app/tailor/db"
)

// Purger enforces JOB_RETENTION: it deletes finished jobs older than Keep,
// with their results (share links name a job, so they die with it), and
// expired web sessions. It runs in the web process, the only SQLite
// writer, in small batches that let other writes through.
type Purger struct {
	Jobs     *db.Jobs
	Sessions *db.Sessions  // nil: sessions are left alone
	Keep     time.Duration // JOB_RETENTION; required (its default lives in cmd/tailor)
	Interval time.Duration // between passes (default 1 h)
	Batch    int           // rows per transaction (default 200)
	Logger   *slog.Logger
	Now      func() time.Time
}

// Purged counts what one pass deleted.
type Purged struct {
	Jobs, Sessions int
}

// Run purges at start and then every Interval until ctx is done.
func (r *Purger) Run(ctx context.Context) error {
	interval := r.Interval
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Warn("purge old rows", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Once runs one pass and logs what it deleted.
func (r *Purger) Once(ctx context.Context) (Purged, error) {
	var out Purged
	keep := r.Keep
	if keep <= 0 {
		return out, errors.New("purge: Keep is not set")
	}
	batch := r.Batch
	if batch <= 0 {
		batch = 200 // a job's result holds a PDF: keep each transaction short
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	cutoff := now.Add(-keep)
	n, err := r.Jobs.DeleteOlderThan(ctx, cutoff, batch)
	out.Jobs = n
	if err != nil {
		return out, fmt.Errorf("delete old jobs: %w", err)
	}
	if r.Sessions != nil {
		s, err := r.Sessions.DeleteExpired(ctx)
		out.Sessions = int(s)
		if err != nil {
			return out, err
		}
	}
	level := slog.LevelDebug
	if out.Jobs > 0 || out.Sessions > 0 {
		level = slog.LevelInfo
	}
	r.Logger.Log(ctx, level, "retention: deleted old rows", "jobs", out.Jobs, "sessions", out.Sessions,
		"cutoff", cutoff.UTC().Format(time.RFC3339))
	return out, nil
}
