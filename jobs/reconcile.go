package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/tasks"
)

// Reconciler makes SQLite and the queue agree: a job that SQLite says is
// queued or running but asynq does not know (Redis flushed or restarted
// without persistence, an enqueue lost to a crash) is enqueued again, and a
// job stuck past its deadline fails with a clear error.
type Reconciler struct {
	Jobs      *db.Jobs
	Inspector *asynq.Inspector
	Enqueuer  *tasks.Enqueuer
	Logger    *slog.Logger
	Now       func() time.Time
	Metrics   *tasks.Metrics // nil: no metrics
	// Redis, if set, clears a requeued job's stale final marker (see requeue).
	Redis redis.UniversalClient
	// Tasks, if set, finds at start the jobs Redis keeps and SQLite lost
	// (RecreateOrphans).
	Tasks *tasks.Tasks
	// Updates, if set, announces the jobs it fails to the live streams.
	Updates *Updates

	Interval time.Duration // between passes (default DefaultReconcileInterval)
	Grace    time.Duration // leave jobs younger than this alone (default 10 s)
	Deadline time.Duration // a job older than this fails (default 1 h)
}

// DefaultReconcileInterval is the time between passes (RECONCILE_INTERVAL).
const DefaultReconcileInterval = 30 * time.Second

// Run reconciles at start and then every Interval until ctx is done.
func (r *Reconciler) Run(ctx context.Context) error {
	interval := r.Interval
	if interval <= 0 {
		interval = DefaultReconcileInterval
	}
	if r.Tasks != nil {
		if n, err := r.RecreateOrphans(ctx, r.Tasks); err != nil && ctx.Err() == nil {
			r.Logger.Warn("reconcile", "err", err)
		} else if n > 0 {
			r.Logger.Warn("reconciler: jobs missing from SQLite recreated from their tasks", "count", n)
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Warn("reconcile", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Outcome counts what one pass did.
type Outcome struct {
	Checked, Requeued, Failed int
}

// Once runs one pass.
func (r *Reconciler) Once(ctx context.Context) (Outcome, error) {
	var out Outcome
	now := r.now()
	grace, deadline := r.Grace, r.Deadline
	if grace <= 0 {
		grace = 10 * time.Second
	}
	if deadline <= 0 {
		deadline = time.Hour
	}
	jobs, err := r.Jobs.Unfinished(ctx, now.Add(-grace), 500)
	if err != nil {
		return out, err
	}
	for _, j := range jobs {
		out.Checked++
		// A batch job's deadline counts from its release to the queue.
		since := j.CreatedAt
		if j.ReleasedAt.After(since) {
			since = j.ReleasedAt
		}
		if now.Sub(since) > deadline {
			r.Inspector.DeleteTask(j.Queue, j.ID) // best effort; an active task is canceled below
			r.Inspector.CancelProcessing(j.ID)
			if err := r.fail(ctx, j, fmt.Sprintf("timed out: not finished within %s", deadline)); err != nil {
				return out, err
			}
			out.Failed++
			continue
		}
		info, err := r.Inspector.GetTaskInfo(j.Queue, j.ID)
		switch {
		case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
			if err := r.requeue(ctx, j); err != nil {
				return out, err
			}
			out.Requeued++
		case err != nil:
			return out, fmt.Errorf("task info %s: %w", j.ID, err)
		case info.State == asynq.TaskStateArchived:
			// The worker gave up but its final event never arrived.
			msg := info.LastErr
			if msg == "" {
				msg = "failed after retries"
			}
			if err := r.fail(ctx, j, msg); err != nil {
				return out, err
			}
			out.Failed++
		case info.State == asynq.TaskStateCompleted:
			// Done in asynq but not in SQLite: the result event was lost
			// (Redis lost the stream). Run it again; the cache makes it cheap.
			if err := r.Inspector.DeleteTask(j.Queue, j.ID); err != nil && !errors.Is(err, asynq.ErrTaskNotFound) {
				return out, fmt.Errorf("delete completed task %s: %w", j.ID, err)
			}
			if err := r.requeue(ctx, j); err != nil {
				return out, err
			}
			out.Requeued++
		}
	}
	return out, nil
}

func (r *Reconciler) requeue(ctx context.Context, j db.Job) error {
	profile, err := r.Jobs.Profile(ctx, j.ID)
	if err != nil {
		return fmt.Errorf("requeue %s: %w", j.ID, err)
	}
	// SQLite says the job has not ended, so a final marker in Redis is
	// stale (its final event was lost: Redis flushed, or the result gone
	// before the consumer read it); left there, the new task would skip the
	// job as done and the job would never end.
	if r.Redis != nil {
		if err := r.Redis.Del(ctx, tasks.FinalKey(j.ID)).Err(); err != nil {
			return fmt.Errorf("requeue %s: clear final marker: %w", j.ID, err)
		}
	}
	r.Logger.Warn("reconciler: job unknown to the queue, enqueued again", "job_id", j.ID, "status", j.Status)
	return r.Enqueuer.Enqueue(ctx, PayloadFor(j, profile), j.Queue)
}

func (r *Reconciler) fail(ctx context.Context, j db.Job, msg string) error {
	r.Logger.Warn("reconciler: job failed", "job_id", j.ID, "reason", msg)
	now := r.now()
	applied, err := r.Jobs.Apply(ctx, j.ID, jobstate.Event{
		Kind: jobstate.EventFailed, Attempt: j.Attempts, At: now,
		Change: jobstate.Change{Stage: tasks.StageFailed, Error: msg},
	}, nil)
	if applied {
		r.Updates.Publish(ctx, j)
		r.Metrics.JobFinished(jobstate.StatusFailed, map[string]time.Duration{"total": now.Sub(j.CreatedAt)})
	}
	return err
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// PayloadFor rebuilds a job's task payload from its row.
func PayloadFor(j db.Job, profile []byte) tasks.GeneratePayload {
	return tasks.GeneratePayload{
		JobID: j.ID, Profile: profile, JobDescription: j.JobDescription,
		JobTitle: j.JobTitle, Company: j.Company, Theme: j.Theme, Paper: j.Paper, Fit: j.Fit,
		EnqueuedAt: time.Now(), PriorAttempts: j.Attempts,
		Row: &tasks.RowFields{
			OwnerID: j.OwnerID, CandidateID: j.CandidateID, CandidateVersion: j.CandidateVersion,
			CandidateName: j.CandidateName, Queue: j.Queue, InputsHash: j.InputsHash,
			Model: j.Model, PromptVersion: j.PromptVersion, CreatedAt: j.CreatedAt, BatchID: j.BatchID,
		},
	}
}

// RowFor is the job row a task payload describes, as Jobs.Create stored it.
func RowFor(p tasks.GeneratePayload) db.Job {
	r := p.Row
	j := db.Job{
		ID: p.JobID, OwnerID: r.OwnerID, CandidateID: r.CandidateID, CandidateVersion: r.CandidateVersion,
		CandidateName: r.CandidateName, JobTitle: p.JobTitle, Company: p.Company, JobDescription: p.JobDescription,
		Theme: p.Theme, Paper: p.Paper, Fit: p.Fit, Queue: r.Queue, InputsHash: r.InputsHash, CreatedAt: r.CreatedAt,
		BatchID: r.BatchID, // a task exists: the job was released
	}
	j.Model, j.PromptVersion = r.Model, r.PromptVersion
	return j
}
