package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/tasks"
)

// RecreateOrphans stores the row of every job whose task Redis keeps but
// SQLite does not: SQLite was restored from its replica without its last
// writes (issue 16). The consumer recreates a job when its next event
// arrives; this finds the ones whose events will not come again (they were
// applied to the lost copy, or the job waits in the queue). The reconciler's
// pass then does the rest: a finished task is run again (the cache makes it
// cheap), a failed one fails the job. It runs once, at start.
//
// A restore loses only the newest writes, so only tasks created after the
// database's newest job, less a minute of leeway, are looked at: an older
// job missing from SQLite was deleted on purpose (JOB_RETENTION, an admin).
func (r *Reconciler) RecreateOrphans(ctx context.Context, found *tasks.Tasks) (int, error) {
	newest, err := r.Jobs.NewestCreatedAt(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := newest.Add(-time.Minute)
	n := 0
	err = found.Each(ctx, func(p tasks.GeneratePayload) error {
		if p.Row.CreatedAt.Before(cutoff) {
			return nil
		}
		has, err := r.Jobs.HasJob(ctx, p.JobID)
		if err != nil || has {
			return err
		}
		stored, err := r.Jobs.Restore(ctx, RowFor(p), p.Profile)
		if errors.Is(err, db.ErrOwnerGone) {
			r.Logger.Error("reconciler: job unknown to SQLite, and so is its owner: not recreated", "job_id", p.JobID, "owner_id", p.Row.OwnerID)
			return nil
		}
		if err != nil {
			return err
		}
		if stored {
			n++
			r.Logger.Warn("reconciler: job missing from SQLite (restored without its last writes) recreated from its task",
				"job_id", p.JobID, "owner_id", p.Row.OwnerID, "created_at", p.Row.CreatedAt)
			r.Metrics.JobRecreated()
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("recreate jobs missing from SQLite: %w", err)
	}
	return n, nil
}
