package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

// MaxBatchJobs is the most jobs one batch may hold.
const MaxBatchJobs = 1000

// Batch is one set of jobs started together: one opening (or pasted
// description) for many candidates, or one candidate for many openings,
// with one theme and paper.
type Batch struct {
	ID             string
	OwnerID        string
	OpeningID      string // "" when the description was pasted, or for many openings
	CandidateID    string // "" unless one candidate for many openings
	JobDescription string
	JobTitle       string
	Company        string
	Theme          string
	Paper          string
	CreatedAt      time.Time

	// Derived from the jobs, never stored.
	Counts     BatchCounts
	FinishedAt time.Time // the last job's end once none is queued or running; zero before
}

// BatchCounts is how many of a batch's jobs are in each status.
type BatchCounts struct {
	Queued, Running, Succeeded, Failed, Canceled int
}

// Total is the number of jobs.
func (c BatchCounts) Total() int { return c.Queued + c.Running + c.Succeeded + c.Failed + c.Canceled }

// Ended is the number of jobs that reached a final status.
func (c BatchCounts) Ended() int { return c.Succeeded + c.Failed + c.Canceled }

// Done reports whether every job ended.
func (c BatchCounts) Done() bool { return c.Queued+c.Running == 0 }

func (c *BatchCounts) add(status string, n int) {
	switch status {
	case jobstate.StatusQueued:
		c.Queued += n
	case jobstate.StatusRunning:
		c.Running += n
	case jobstate.StatusSucceeded:
		c.Succeeded += n
	case jobstate.StatusFailed:
		c.Failed += n
	case jobstate.StatusCanceled:
		c.Canceled += n
	}
}

// Batches stores batches; their jobs are rows of jobs with batch_id set.
type Batches struct{ db *DB }

// BatchJob is one job to create in a batch, with the profile it is for.
type BatchJob struct {
	Job     Job
	Profile []byte
}

// Create stores the batch and all its jobs in one transaction: either every
// job exists or none does. The jobs are held: the feeder releases them to
// the queue a few at a time.
func (s *Batches) Create(ctx context.Context, b Batch, jobs []BatchJob) (Batch, []Job, error) {
	if len(jobs) == 0 || len(jobs) > MaxBatchJobs {
		return Batch{}, nil, fmt.Errorf("create batch: %d jobs (1 to %d)", len(jobs), MaxBatchJobs)
	}
	now := s.db.Now().UTC()
	b.ID, b.CreatedAt = NewID(), now
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return Batch{}, nil, fmt.Errorf("create batch: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `
		INSERT INTO batches (id, owner_id, opening_id, candidate_id, job_description, job_title, company, theme, paper, created_at)
		VALUES (?, ?, NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?, ?, ?)`,
		b.ID, b.OwnerID, b.OpeningID, b.CandidateID, b.JobDescription, b.JobTitle, b.Company, b.Theme, b.Paper, now.UnixMilli())
	if err != nil {
		return Batch{}, nil, fmt.Errorf("create batch: %w", err)
	}
	st, err := tx.PrepareContext(ctx, insertJobQuery)
	if err != nil {
		return Batch{}, nil, fmt.Errorf("create batch: %w", err)
	}
	defer st.Close()
	out := make([]Job, 0, len(jobs))
	for i, bj := range jobs {
		j := bj.Job
		j.OwnerID, j.BatchID, j.Held = b.OwnerID, b.ID, true
		args := newJobArgs(&j, now.Add(time.Duration(i)*time.Millisecond), bj.Profile)
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return Batch{}, nil, fmt.Errorf("create batch job %d: %w", i, err)
		}
		out = append(out, j)
	}
	if err := tx.Commit(); err != nil {
		return Batch{}, nil, fmt.Errorf("create batch: %w", err)
	}
	b.Counts = BatchCounts{Queued: len(out)}
	return b, out, nil
}

const batchColumns = `b.id, b.owner_id, COALESCE(b.opening_id, ''), COALESCE(b.candidate_id, ''), b.job_description,
	b.job_title, b.company, b.theme, b.paper, b.created_at`

func scanBatch(row scanner) (Batch, error) {
	var b Batch
	var created int64
	err := row.Scan(&b.ID, &b.OwnerID, &b.OpeningID, &b.CandidateID, &b.JobDescription,
		&b.JobTitle, &b.Company, &b.Theme, &b.Paper, &created)
	b.CreatedAt = time.UnixMilli(created).UTC()
	return b, err
}

// Get returns the owner's batch with its counts; another owner's id is
// ErrNotFound.
func (s *Batches) Get(ctx context.Context, owner Owner, id string) (Batch, error) {
	b, err := scanBatch(s.db.read.QueryRowContext(ctx,
		"SELECT "+batchColumns+" FROM batches b WHERE b.id = ? AND "+strings.ReplaceAll(ownerMatch, "owner_id", "b.owner_id"),
		owner.args(id)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, ErrNotFound
	}
	if err != nil {
		return Batch{}, fmt.Errorf("get batch: %w", err)
	}
	if err := s.count(ctx, []*Batch{&b}); err != nil {
		return Batch{}, err
	}
	return b, nil
}

// List returns the owner's batches, newest first, with their counts.
func (s *Batches) List(ctx context.Context, owner Owner, limit, offset int) ([]Batch, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.db.read.QueryContext(ctx, "SELECT "+batchColumns+" FROM batches b WHERE "+
		strings.ReplaceAll(ownerMatch, "owner_id", "b.owner_id")+" ORDER BY b.created_at DESC, b.id DESC LIMIT ? OFFSET ?",
		append(owner.args(), limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	defer rows.Close()
	out := []Batch{}
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, fmt.Errorf("list batches: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list batches: %w", err)
	}
	ptrs := make([]*Batch, len(out))
	for i := range out {
		ptrs[i] = &out[i]
	}
	return out, s.count(ctx, ptrs)
}

// count fills the batches' counts and end from their jobs: one GROUP BY.
func (s *Batches) count(ctx context.Context, bs []*Batch) error {
	if len(bs) == 0 {
		return nil
	}
	byID := map[string]*Batch{}
	marks := make([]string, len(bs))
	args := make([]any, len(bs))
	for i, b := range bs {
		byID[b.ID], marks[i], args[i] = b, "?", b.ID
		b.Counts, b.FinishedAt = BatchCounts{}, time.Time{}
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT batch_id, status, COUNT(*), COALESCE(MAX(finished_at), 0) FROM jobs
		WHERE batch_id IN (`+strings.Join(marks, ", ")+`) GROUP BY batch_id, status`, args...)
	if err != nil {
		return fmt.Errorf("count batch jobs: %w", err)
	}
	defer rows.Close()
	last := map[string]int64{}
	for rows.Next() {
		var id, status string
		var n int
		var end int64
		if err := rows.Scan(&id, &status, &n, &end); err != nil {
			return fmt.Errorf("count batch jobs: %w", err)
		}
		byID[id].Counts.add(status, n)
		last[id] = max(last[id], end)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count batch jobs: %w", err)
	}
	for _, b := range bs {
		if b.Counts.Done() && last[b.ID] > 0 {
			b.FinishedAt = time.UnixMilli(last[b.ID]).UTC()
		}
	}
	return nil
}

// Jobs returns a page of the batch's jobs in creation order; the batch
// must be the owner's (ErrNotFound otherwise).
func (s *Batches) Jobs(ctx context.Context, owner Owner, id string, limit, offset int) ([]Job, error) {
	if limit <= 0 || limit > MaxBatchJobs {
		limit = 50
	}
	jobs, err := s.db.Jobs.query(ctx, "SELECT "+jobColumns+" FROM jobs j WHERE j.batch_id = ? AND "+
		strings.ReplaceAll(ownerMatch, "owner_id", "j.owner_id")+" ORDER BY j.created_at, j.id LIMIT ? OFFSET ?",
		append(owner.args(id), limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("batch jobs: %w", err)
	}
	return jobs, nil
}

// JobIDs returns the ids of the batch's jobs in the given statuses (all
// when none), in creation order.
func (s *Batches) JobIDs(ctx context.Context, owner Owner, id string, statuses ...string) ([]string, error) {
	q := "SELECT j.id FROM jobs j WHERE j.batch_id = ? AND " + strings.ReplaceAll(ownerMatch, "owner_id", "j.owner_id")
	args := owner.args(id)
	if len(statuses) > 0 {
		q += " AND j.status IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ") + ")"
		for _, st := range statuses {
			args = append(args, st)
		}
	}
	rows, err := s.db.read.QueryContext(ctx, q+" ORDER BY j.created_at, j.id", args...)
	if err != nil {
		return nil, fmt.Errorf("batch job ids: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var jid string
		if err := rows.Scan(&jid); err != nil {
			return nil, fmt.Errorf("batch job ids: %w", err)
		}
		ids = append(ids, jid)
	}
	return ids, rows.Err()
}

// Cancel cancels the batch's jobs that have not ended, in one transaction,
// and returns the ones that had been released to the queue (their tasks
// must be stopped); held jobs never reached it.
func (s *Batches) Cancel(ctx context.Context, owner Owner, id string) ([]Job, error) {
	if _, err := s.Get(ctx, owner, id); err != nil {
		return nil, err
	}
	released, err := s.db.Jobs.query(ctx, "SELECT "+jobColumns+
		" FROM jobs j WHERE j.batch_id = ? AND j.held = 0 AND j.status IN ('queued', 'running')", id)
	if err != nil {
		return nil, fmt.Errorf("cancel batch: %w", err)
	}
	now := s.db.Now().UnixMilli()
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cancel batch: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `
		INSERT INTO job_ends (job_id, owner_id, status, ended_at)
		SELECT id, owner_id, 'canceled', ? FROM jobs WHERE batch_id = ? AND status IN ('queued', 'running')
		ON CONFLICT (job_id) DO NOTHING`, now, id)
	if err != nil {
		return nil, fmt.Errorf("cancel batch: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE jobs SET status = 'canceled', stage = 'canceled', held = 0, finished_at = ?, updated_at = ?, version = version + 1
		WHERE batch_id = ? AND status IN ('queued', 'running')`, now, now, id)
	if err != nil {
		return nil, fmt.Errorf("cancel batch: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("cancel batch: %w", err)
	}
	for i := range released {
		released[i].Status = jobstate.StatusCanceled
	}
	return released, nil
}

// Retry adds to the batch, held, a new job for each failed one (with the
// given profile per job id: the candidate's current one), in one
// transaction, and returns them.
func (s *Batches) Retry(ctx context.Context, owner Owner, id string, jobs []BatchJob) ([]Job, error) {
	b, err := s.Get(ctx, owner, id)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("retry batch: %w", err)
	}
	defer tx.Rollback()
	out := make([]Job, 0, len(jobs))
	for i, bj := range jobs {
		j := bj.Job
		j.ID, j.OwnerID, j.BatchID, j.Held = "", b.OwnerID, b.ID, true
		args := newJobArgs(&j, now.Add(time.Duration(i)*time.Millisecond), bj.Profile)
		if _, err := tx.ExecContext(ctx, insertJobQuery, args...); err != nil {
			return nil, fmt.Errorf("retry batch: %w", err)
		}
		out = append(out, j)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("retry batch: %w", err)
	}
	return out, nil
}

// Release takes held jobs off hold so that each batch has at most perBatch
// jobs released and not ended, batches in turn (oldest first), and returns
// them for the caller to enqueue. Released jobs the queue loses are the
// reconciler's, like any queued job.
func (s *Batches) Release(ctx context.Context, perBatch int) ([]Job, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT h.batch_id, (SELECT COUNT(*) FROM jobs r WHERE r.batch_id = h.batch_id AND r.held = 0
			AND r.status IN ('queued', 'running'))
		FROM (SELECT DISTINCT batch_id FROM jobs WHERE held = 1 AND status = 'queued') h`)
	if err != nil {
		return nil, fmt.Errorf("release batch jobs: %w", err)
	}
	type want struct {
		id string
		n  int
	}
	var wants []want
	for rows.Next() {
		var w want
		var inflight int
		if err := rows.Scan(&w.id, &inflight); err != nil {
			rows.Close()
			return nil, fmt.Errorf("release batch jobs: %w", err)
		}
		if inflight < perBatch {
			w.n = perBatch - inflight
			wants = append(wants, w)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(wants) == 0 {
		return nil, err
	}
	now := s.db.Now().UnixMilli()
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("release batch jobs: %w", err)
	}
	defer tx.Rollback()
	var ids []any
	for _, w := range wants {
		rows, err := tx.QueryContext(ctx, `
			UPDATE jobs SET held = 0, released_at = ?1, updated_at = ?1 WHERE id IN (
				SELECT id FROM jobs WHERE batch_id = ?2 AND held = 1 AND status = 'queued'
				ORDER BY created_at, id LIMIT ?3) RETURNING id`, now, w.id, w.n)
		if err != nil {
			return nil, fmt.Errorf("release batch jobs: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("release batch jobs: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("release batch jobs: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	jobs, err := s.db.Jobs.query(ctx, "SELECT "+jobColumns+" FROM jobs j WHERE j.id IN ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+") ORDER BY j.created_at, j.id", ids...)
	if err != nil {
		return nil, fmt.Errorf("release batch jobs: %w", err)
	}
	// Batches in turn: the first of each, then the second of each...
	return interleave(jobs), nil
}

// interleave orders jobs round-robin across their batches.
func interleave(jobs []Job) []Job {
	var order []string
	by := map[string][]Job{}
	for _, j := range jobs {
		if _, ok := by[j.BatchID]; !ok {
			order = append(order, j.BatchID)
		}
		by[j.BatchID] = append(by[j.BatchID], j)
	}
	out := make([]Job, 0, len(jobs))
	for i := 0; len(out) < len(jobs); i++ {
		for _, id := range order {
			if i < len(by[id]) {
				out = append(out, by[id][i])
			}
		}
	}
	return out
}

// PDF returns the printed PDF of the owner's job, or nil when it has none.
// The ZIP reads one at a time through it.
func (s *Batches) PDF(ctx context.Context, owner Owner, jobID string) ([]byte, error) {
	var pdf []byte
	err := s.db.read.QueryRowContext(ctx, `
		SELECT r.pdf FROM results r JOIN jobs j ON j.id = r.job_id WHERE r.job_id = ? AND `+
		strings.ReplaceAll(ownerMatch, "owner_id", "j.owner_id"), owner.args(jobID)...).Scan(&pdf)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("batch pdf: %w", err)
	}
	return pdf, nil
}
