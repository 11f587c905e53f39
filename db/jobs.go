package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

// Job is one request for a tailored resume, with everything needed to run
// it again and to explain its outcome.
type Job struct {
	ID               string
	OwnerID          string
	CandidateID      string
	CandidateVersion int
	CandidateName    string
	JobTitle         string
	Company          string
	JobDescription   string
	Profile          []byte // the JSON Resume used, copied at submission; only set by Create
	Theme            string
	Paper            string
	Queue            string

	Status        string
	Stage         string
	Progress      int
	Attempts      int
	Error         string
	Cached        bool
	InputsHash    string
	Model         string
	PromptVersion string
	MatchBefore   *int
	MatchAfter    *int
	Verification  string // JSON report of the truthfulness check
	Changes       string // JSON list of what tailoring changed

	WaitMS, TailorMS, VerifyMS, RenderMS int64

	LLMCalls, TokensIn, TokensOut int
	RateWaitMS                    int64 // time spent waiting for the global LLM rate limit

	Version    int // bumped on every change; an ETag for status responses
	HasPDF     bool
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	UpdatedAt  time.Time
}

// Result is what a job produced.
type Result struct {
	PDF     []byte // nil when printing failed
	HTML    string
	Profile []byte // tailored JSON Resume
}

// Jobs stores jobs and their results.
type Jobs struct{ db *DB }

const jobColumns = `j.id, j.owner_id, COALESCE(j.candidate_id, ''), j.candidate_version, j.candidate_name,
	j.job_title, j.company, j.job_description, j.theme, j.paper, j.queue,
	j.status, j.stage, j.progress, j.attempts, j.error, j.cached, j.inputs_hash, j.model, j.prompt_version,
	j.match_before, j.match_after, j.verification, j.changes,
	j.wait_ms, j.tailor_ms, j.verify_ms, j.render_ms, j.llm_calls, j.tokens_in, j.tokens_out, j.rate_wait_ms, j.version,
	EXISTS (SELECT 1 FROM results r WHERE r.job_id = j.id AND r.pdf IS NOT NULL),
	j.created_at, j.started_at, j.finished_at, j.updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanJob(row scanner) (Job, error) {
	var j Job
	var before, after, started, finished sql.NullInt64
	var created, updated int64
	err := row.Scan(&j.ID, &j.OwnerID, &j.CandidateID, &j.CandidateVersion, &j.CandidateName,
		&j.JobTitle, &j.Company, &j.JobDescription, &j.Theme, &j.Paper, &j.Queue,
		&j.Status, &j.Stage, &j.Progress, &j.Attempts, &j.Error, &j.Cached, &j.InputsHash, &j.Model, &j.PromptVersion,
		&before, &after, &j.Verification, &j.Changes,
		&j.WaitMS, &j.TailorMS, &j.VerifyMS, &j.RenderMS, &j.LLMCalls, &j.TokensIn, &j.TokensOut, &j.RateWaitMS, &j.Version, &j.HasPDF,
		&created, &started, &finished, &updated)
	if err != nil {
		return Job{}, err
	}
	if before.Valid {
		v := int(before.Int64)
		j.MatchBefore = &v
	}
	if after.Valid {
		v := int(after.Int64)
		j.MatchAfter = &v
	}
	j.CreatedAt = time.UnixMilli(created).UTC()
	j.UpdatedAt = time.UnixMilli(updated).UTC()
	j.StartedAt = timeFromMS(started)
	j.FinishedAt = timeFromMS(finished)
	return j, nil
}

// Create stores a new queued job. The caller enqueues the task only after
// Create returns, so a crash in between leaves a row the reconciler finds.
func (s *Jobs) Create(ctx context.Context, j Job) (Job, error) {
	now := s.db.Now().UTC()
	if j.ID == "" {
		j.ID = NewID()
	}
	j.Status, j.Stage, j.Progress, j.Version = jobstate.StatusQueued, "queued", 0, 1
	j.CreatedAt, j.UpdatedAt = now, now
	var candidateID any
	if j.CandidateID != "" {
		candidateID = j.CandidateID
	}
	st, err := s.db.writeStmt(ctx, insertJobQuery)
	if err != nil {
		return Job{}, fmt.Errorf("create job: %w", err)
	}
	_, err = st.ExecContext(ctx,
		j.ID, j.OwnerID, candidateID, j.CandidateVersion, j.CandidateName, j.JobTitle, j.Company,
		j.JobDescription, string(j.Profile), j.Theme, j.Paper, j.Queue, j.Status, j.Stage, j.InputsHash, j.Model, j.PromptVersion,
		now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return Job{}, fmt.Errorf("create job: %w", err)
	}
	return j, nil
}

const insertJobQuery = `
		INSERT INTO jobs (id, owner_id, candidate_id, candidate_version, candidate_name, job_title, company,
			job_description, profile, theme, paper, queue, status, stage, progress, inputs_hash, model, prompt_version,
			created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`

const getJobQuery = "SELECT " + jobColumns + " FROM jobs j WHERE j.id = ? AND " + ownerMatch

// Get returns the owner's job; another owner's id is ErrNotFound.
// AllOwners reads any job (admins, the events consumer). Status polls call
// it thousands of times a second, so its statement is prepared once.
func (s *Jobs) Get(ctx context.Context, owner Owner, id string) (Job, error) {
	st, err := s.db.readStmt(ctx, getJobQuery)
	if err != nil {
		return Job{}, fmt.Errorf("get job: %w", err)
	}
	j, err := scanJob(st.QueryRowContext(ctx, append([]any{id}, owner.args()...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, ErrNotFound
	}
	if err != nil {
		return Job{}, fmt.Errorf("get job: %w", err)
	}
	return j, nil
}

// JobFilter narrows List.
type JobFilter struct {
	Owner    Owner    // whose jobs; the zero Owner lists none
	Statuses []string // empty = all
	Limit    int
	Offset   int
}

// List returns jobs newest first.
func (s *Jobs) List(ctx context.Context, f JobFilter) ([]Job, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	where := []string{ownerMatch}
	args := f.Owner.args()
	if len(f.Statuses) > 0 {
		// Only known statuses, each once: a filter binds at most five variables.
		var in []string
		for _, st := range jobstate.Statuses() {
			if slices.Contains(f.Statuses, st) {
				in = append(in, "?")
				args = append(args, st)
			}
		}
		if len(in) == 0 {
			return []Job{}, nil
		}
		where = append(where, "j.status IN ("+strings.Join(in, ", ")+")")
	}
	args = append(args, f.Limit, f.Offset)
	jobs, err := s.query(ctx, "SELECT "+jobColumns+" FROM jobs j WHERE "+
		strings.Join(where, " AND ")+" ORDER BY j.created_at DESC, j.id DESC LIMIT ? OFFSET ?", args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return jobs, nil
}

// query runs a SELECT of jobColumns on the read pool.
func (s *Jobs) query(ctx context.Context, q string, args ...any) ([]Job, error) {
	rows, err := s.db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Unfinished returns jobs that are queued or running and were last updated
// before the given time: the reconciler's work list.
func (s *Jobs) Unfinished(ctx context.Context, updatedBefore time.Time, limit int) ([]Job, error) {
	rows, err := s.db.read.QueryContext(ctx, "SELECT "+jobColumns+` FROM jobs j
		WHERE j.status IN ('queued', 'running') AND j.updated_at < ?
		ORDER BY j.created_at LIMIT ?`, updatedBefore.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("unfinished jobs: %w", err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Cancel moves a queued or running job to canceled. A job that already
// ended gives ErrConflict; another owner's job gives ErrNotFound.
func (s *Jobs) Cancel(ctx context.Context, owner Owner, id string) (Job, error) {
	now := s.db.Now().UnixMilli()
	res, err := s.db.write.ExecContext(ctx, `
		UPDATE jobs SET status = 'canceled', stage = 'canceled', finished_at = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND `+ownerMatch+` AND status IN ('queued', 'running')`,
		append([]any{now, now, id}, owner.args()...)...)
	if err != nil {
		return Job{}, fmt.Errorf("cancel job: %w", err)
	}
	j, err := s.Get(ctx, owner, id)
	if err != nil {
		return Job{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 && j.Status != jobstate.StatusCanceled {
		return j, fmt.Errorf("job already %s: %w", j.Status, ErrConflict)
	}
	return j, nil
}

// JobEvent is a change reported by a worker, applied by Apply.
type JobEvent struct {
	Kind     string
	Attempt  int
	Stage    string
	Progress int
	Error    string
	At       time.Time

	Cached        bool
	Model         string
	PromptVersion string
	MatchBefore   *int
	MatchAfter    *int
	Verification  string
	Changes       string
	WaitMS        int64
	TailorMS      int64
	VerifyMS      int64
	RenderMS      int64
	LLMCalls      int
	TokensIn      int
	TokensOut     int
	RateWaitMS    int64

	Result *Result
}

// Apply records a worker's event in one transaction. Events arrive at least
// once and possibly out of order, so Apply is idempotent: a final job never
// changes, and an event from an older attempt is ignored. It reports whether
// the row changed.
func (s *Jobs) Apply(ctx context.Context, id string, ev JobEvent) (bool, error) {
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("apply event: %w", err)
	}
	defer tx.Rollback()

	var status string
	var attempts int
	err = tx.QueryRowContext(ctx, "SELECT status, attempts FROM jobs WHERE id = ?", id).Scan(&status, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("apply event: %w", err)
	}
	if jobstate.IsFinal(status) || ev.Attempt < attempts {
		return false, nil
	}
	at := ev.At
	if at.IsZero() {
		at = s.db.Now()
	}
	ms := at.UnixMilli()

	switch ev.Kind {
	case jobstate.EventStarted, jobstate.EventProgress:
		_, err = tx.ExecContext(ctx, `
			UPDATE jobs SET status = 'running', stage = ?, progress = ?, attempts = ?,
				started_at = COALESCE(started_at, ?), updated_at = ?, version = version + 1
			WHERE id = ?`, ev.Stage, ev.Progress, ev.Attempt, ms, ms, id)
	case jobstate.EventRetry:
		_, err = tx.ExecContext(ctx, `
			UPDATE jobs SET status = 'queued', stage = ?, progress = 0, attempts = ?, error = ?,
				updated_at = ?, version = version + 1
			WHERE id = ?`, ev.Stage, ev.Attempt, ev.Error, ms, id)
	case jobstate.EventSucceeded, jobstate.EventFailed:
		status, progress := jobstate.StatusSucceeded, 100
		if ev.Kind == jobstate.EventFailed {
			status, progress = jobstate.StatusFailed, 0
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE jobs SET status = ?, stage = ?, progress = ?, attempts = ?, error = ?, cached = ?,
				model = CASE WHEN ? = '' THEN model ELSE ? END,
				prompt_version = CASE WHEN ? = '' THEN prompt_version ELSE ? END,
				match_before = COALESCE(?, match_before), match_after = COALESCE(?, match_after),
				verification = ?, changes = ?, wait_ms = ?, tailor_ms = ?, verify_ms = ?, render_ms = ?,
				llm_calls = llm_calls + ?, tokens_in = tokens_in + ?, tokens_out = tokens_out + ?, rate_wait_ms = rate_wait_ms + ?,
				started_at = COALESCE(started_at, ?), finished_at = ?, updated_at = ?, version = version + 1
			WHERE id = ?`,
			status, ev.Stage, progress, ev.Attempt, ev.Error, ev.Cached,
			ev.Model, ev.Model, ev.PromptVersion, ev.PromptVersion,
			ev.MatchBefore, ev.MatchAfter, ev.Verification, ev.Changes,
			ev.WaitMS, ev.TailorMS, ev.VerifyMS, ev.RenderMS, ev.LLMCalls, ev.TokensIn, ev.TokensOut, ev.RateWaitMS, ms, ms, ms, id)
		if err == nil && ev.Result != nil {
			var pdf any
			if ev.Result.PDF != nil {
				pdf = ev.Result.PDF
			}
			_, err = tx.ExecContext(ctx, `
				INSERT INTO results (job_id, pdf, html, profile, created_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (job_id) DO NOTHING`, id, pdf, ev.Result.HTML, string(ev.Result.Profile), ms)
		}
	default:
		return false, fmt.Errorf("apply event: unknown kind %q", ev.Kind)
	}
	if err != nil {
		return false, fmt.Errorf("apply %s event: %w", ev.Kind, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("apply event: %w", err)
	}
	return true, nil
}

// Result returns what the owner's job produced; ErrNotFound when it has none.
func (s *Jobs) Result(ctx context.Context, owner Owner, id string) (Result, error) {
	var r Result
	var profile string
	err := s.db.read.QueryRowContext(ctx, `
		SELECT r.pdf, r.html, r.profile FROM results r JOIN jobs j ON j.id = r.job_id
		WHERE r.job_id = ? AND `+ownerMatch, append([]any{id}, owner.args()...)...).Scan(&r.PDF, &r.HTML, &profile)
	if errors.Is(err, sql.ErrNoRows) {
		return Result{}, ErrNotFound
	}
	if err != nil {
		return Result{}, fmt.Errorf("get result: %w", err)
	}
	r.Profile = []byte(profile)
	return r, nil
}

// Profile returns the JSON Resume a job was submitted with.
func (s *Jobs) Profile(ctx context.Context, id string) ([]byte, error) {
	var profile string
	err := s.db.read.QueryRowContext(ctx, "SELECT profile FROM jobs WHERE id = ?", id).Scan(&profile)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("job profile: %w", err)
	}
	return []byte(profile), nil
}

// CountResults returns how many results a job has (tests check exactly-once).
func (s *Jobs) CountResults(ctx context.Context, id string) (int, error) {
	var n int
	err := s.db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM results WHERE job_id = ?", id).Scan(&n)
	return n, err
}
