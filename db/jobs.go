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
// it again and to explain its outcome. Its columns are listed once, in
// columns.
type Job struct {
	ID               string
	OwnerID          string
	CandidateID      string // "" once the candidate is deleted
	CandidateVersion int
	CandidateName    string
	JobTitle         string
	Company          string
	JobDescription   string
	Theme            string
	Paper            string
	Fit              bool // shrink to one page within the theme's bounds
	Queue            string
	InputsHash       string
	BatchID          string    // "" for a job on its own
	Held             bool      // a batch job the feeder has not released to the queue yet
	ReleasedAt       time.Time // when the feeder released a batch job; zero otherwise

	Status          string
	Attempts        int
	jobstate.Change // stage, progress, error and what the worker reported

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

// column is one column of a job as Tailor reads and writes it.
type column struct {
	name  string         // in the jobs table
	field func(*Job) any // the field it scans into, and the value it inserts
	// merge is how an event's value enters the row ("?" replaces it);
	// "" for the columns events do not write.
	merge string
	// read is the SELECT expression of a column that is not stored.
	read string
}

// jobTable lists every column of a job beside the field it fills: the one
// definition that jobColumns, scanJob, Create's INSERT and Apply's UPDATE are
// built from, so they cannot disagree. A new field is one line here (and a
// migration).
var jobTable = []column{
	{name: "id", field: func(j *Job) any { return &j.ID }},
	{name: "owner_id", field: func(j *Job) any { return &j.OwnerID }},
	{name: "candidate_id", field: func(j *Job) any { return nullString{&j.CandidateID} }},
	{name: "candidate_version", field: func(j *Job) any { return &j.CandidateVersion }},
	{name: "candidate_name", field: func(j *Job) any { return &j.CandidateName }},
	{name: "job_title", field: func(j *Job) any { return &j.JobTitle }},
	{name: "company", field: func(j *Job) any { return &j.Company }},
	{name: "job_description", field: func(j *Job) any { return &j.JobDescription }},
	{name: "theme", field: func(j *Job) any { return &j.Theme }},
	{name: "paper", field: func(j *Job) any { return &j.Paper }},
	{name: "fit", field: func(j *Job) any { return &j.Fit }},
	{name: "queue", field: func(j *Job) any { return &j.Queue }},
	{name: "inputs_hash", field: func(j *Job) any { return &j.InputsHash }},
	{name: "batch_id", field: func(j *Job) any { return nullString{&j.BatchID} }},
	{name: "held", field: func(j *Job) any { return &j.Held }},
	{name: "released_at", field: func(j *Job) any { return unixMS{&j.ReleasedAt} }},
	{name: "status", field: func(j *Job) any { return &j.Status }},
	{name: "attempts", field: func(j *Job) any { return &j.Attempts }},
	{name: "stage", field: func(j *Job) any { return &j.Stage }, merge: "?"},
	{name: "progress", field: func(j *Job) any { return &j.Progress }, merge: "?"},
	{name: "error", field: func(j *Job) any { return &j.Error }, merge: "?"},
	{name: "cached", field: func(j *Job) any { return &j.Cached }, merge: "?"},
	// An event that names no model or prompt keeps the ones submitted.
	{name: "model", field: func(j *Job) any { return &j.Model }, merge: "COALESCE(NULLIF(?, ''), model)"},
	{name: "prompt_version", field: func(j *Job) any { return &j.PromptVersion }, merge: "COALESCE(NULLIF(?, ''), prompt_version)"},
	{name: "match_before", field: func(j *Job) any { return nullInt{&j.MatchBefore} }, merge: "COALESCE(?, match_before)"},
	{name: "match_after", field: func(j *Job) any { return nullInt{&j.MatchAfter} }, merge: "COALESCE(?, match_after)"},
	{name: "verification", field: func(j *Job) any { return &j.Verification }, merge: "?"},
	{name: "changes", field: func(j *Job) any { return &j.Changes }, merge: "?"},
	{name: "wait_ms", field: func(j *Job) any { return &j.WaitMS }, merge: "?"},
	{name: "tailor_ms", field: func(j *Job) any { return &j.TailorMS }, merge: "?"},
	{name: "verify_ms", field: func(j *Job) any { return &j.VerifyMS }, merge: "?"},
	{name: "render_ms", field: func(j *Job) any { return &j.RenderMS }, merge: "?"},
	// LLM use adds up over attempts: each one was paid for.
	{name: "llm_calls", field: func(j *Job) any { return &j.LLMCalls }, merge: "llm_calls + ?"},
	{name: "tokens_in", field: func(j *Job) any { return &j.TokensIn }, merge: "tokens_in + ?"},
	{name: "tokens_out", field: func(j *Job) any { return &j.TokensOut }, merge: "tokens_out + ?"},
	{name: "rate_wait_ms", field: func(j *Job) any { return &j.RateWaitMS }, merge: "rate_wait_ms + ?"},
	{name: "version", field: func(j *Job) any { return &j.Version }},
	{name: "has_pdf", field: func(j *Job) any { return &j.HasPDF },
		read: "EXISTS (SELECT 1 FROM results r WHERE r.job_id = j.id AND r.pdf IS NOT NULL)"},
	{name: "created_at", field: func(j *Job) any { return unixMS{&j.CreatedAt} }},
	{name: "started_at", field: func(j *Job) any { return unixMS{&j.StartedAt} }},
	{name: "finished_at", field: func(j *Job) any { return unixMS{&j.FinishedAt} }},
	{name: "updated_at", field: func(j *Job) any { return unixMS{&j.UpdatedAt} }},
}

// jobColumns is the SELECT list of a job, from "jobs j", in jobTable's order.
var jobColumns = func() string {
	var cols []string
	for _, c := range jobTable {
		if c.read != "" {
			cols = append(cols, c.read)
		} else {
			cols = append(cols, "j."+c.name)
		}
	}
	return strings.Join(cols, ", ")
}()

type scanner interface{ Scan(dest ...any) error }

func scanJob(row scanner) (Job, error) {
	var j Job
	dest := make([]any, len(jobTable))
	for i, c := range jobTable {
		dest[i] = c.field(&j)
	}
	if err := row.Scan(dest...); err != nil {
		return Job{}, err
	}
	return j, nil
}

// insertJobQuery stores every column of a job, and the profile it was
// submitted with (which Job does not carry: reads never need it).
var insertJobQuery = func() string {
	names, marks := []string{"profile"}, []string{"?"}
	for _, c := range jobTable {
		if c.read == "" {
			names, marks = append(names, c.name), append(marks, "?")
		}
	}
	return "INSERT INTO jobs (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(marks, ", ") + ")"
}()

// Create stores a new queued job for j's inputs (and the model it is for),
// submitted with profile. The caller enqueues the task only after Create
// returns, so a crash in between leaves a row the reconciler finds.
func (s *Jobs) Create(ctx context.Context, j Job, profile []byte) (Job, error) {
	args := newJobArgs(&j, s.db.Now().UTC(), profile)
	st, err := s.db.writeStmt(ctx, insertJobQuery)
	if err != nil {
		return Job{}, fmt.Errorf("create job: %w", err)
	}
	if _, err := st.ExecContext(ctx, args...); err != nil {
		return Job{}, fmt.Errorf("create job: %w", err)
	}
	return j, nil
}

// newJobArgs resets j to a new queued job created at now and returns the
// arguments of insertJobQuery that store it with profile.
func newJobArgs(j *Job, now time.Time, profile []byte) []any {
	if j.ID == "" {
		j.ID = NewID()
	}
	j.Status, j.Attempts, j.Version, j.HasPDF = jobstate.StatusQueued, 0, 1, false
	j.Change = jobstate.Change{Stage: "queued", Model: j.Model, PromptVersion: j.PromptVersion}
	j.CreatedAt, j.UpdatedAt, j.StartedAt, j.FinishedAt = now, now, time.Time{}, time.Time{}
	args := []any{string(profile)}
	for _, c := range jobTable {
		if c.read == "" {
			args = append(args, c.field(j))
		}
	}
	return args
}

// ErrOwnerGone is Restore's answer when the job's owner is not in the
// database either.
var ErrOwnerGone = errors.New("the job's owner is not in the database")

// Restore stores a queued job that the database lost (it was restored
// from a replica without its last writes) from what its task still holds:
// j as Create stored it, with its own id and created_at. A job that exists
// is left alone; a candidate that is gone leaves candidate_id empty, as a
// deleted candidate does. It reports whether it stored the row.
func (s *Jobs) Restore(ctx context.Context, j Job, profile []byte) (bool, error) {
	if j.ID == "" || j.CreatedAt.IsZero() {
		return false, errors.New("restore job: no id or creation time")
	}
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("restore job: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE id = ?", j.OwnerID).Scan(&n); err != nil {
		return false, fmt.Errorf("restore job: %w", err)
	}
	if n == 0 {
		return false, fmt.Errorf("restore job %s: owner %s: %w", j.ID, j.OwnerID, ErrOwnerGone)
	}
	if j.CandidateID != "" {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM candidates WHERE id = ?", j.CandidateID).Scan(&n); err != nil {
			return false, fmt.Errorf("restore job: %w", err)
		}
		if n == 0 {
			j.CandidateID = ""
		}
	}
	if j.BatchID != "" {
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM batches WHERE id = ?", j.BatchID).Scan(&n); err != nil {
			return false, fmt.Errorf("restore job: %w", err)
		}
		if n == 0 {
			j.BatchID = "" // lost with it: the job stands alone
		}
	}
	j.Held = false // its task exists: it was released
	j.Status, j.Attempts, j.Version, j.HasPDF = jobstate.StatusQueued, 0, 1, false
	j.Change = jobstate.Change{Stage: "queued", Model: j.Model, PromptVersion: j.PromptVersion}
	j.CreatedAt = j.CreatedAt.UTC()
	j.UpdatedAt, j.StartedAt, j.FinishedAt = j.CreatedAt, time.Time{}, time.Time{}
	args := []any{string(profile)}
	for _, c := range jobTable {
		if c.read == "" {
			args = append(args, c.field(&j))
		}
	}
	res, err := tx.ExecContext(ctx, insertJobQuery+" ON CONFLICT (id) DO NOTHING", args...)
	if err != nil {
		return false, fmt.Errorf("restore job: %w", err)
	}
	stored, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("restore job: %w", err)
	}
	return stored > 0, nil
}

var getJobQuery = "SELECT " + jobColumns + " FROM jobs j WHERE j.id = ? AND " + ownerMatch

// Get returns the owner's job; another owner's id is ErrNotFound.
// AllOwners reads any job (admins, the events consumer). Status polls call
// it thousands of times a second, so its statement is prepared once.
func (s *Jobs) Get(ctx context.Context, owner Owner, id string) (Job, error) {
	st, err := s.db.readStmt(ctx, getJobQuery)
	if err != nil {
		return Job{}, fmt.Errorf("get job: %w", err)
	}
	j, err := scanJob(st.QueryRowContext(ctx, owner.args(id)...))
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
	Query    string   // words typed in a search box ("" = all): candidate, title, company
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
	if f.Query != "" {
		match := searchMatch(f.Query)
		if match == "" {
			return []Job{}, nil // nothing to search for: nothing matches
		}
		if _, err := s.IndexSearch(ctx); err != nil {
			return nil, err
		}
		where, args = append(where, searchWhere), append(args, match)
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
	jobs, err := s.query(ctx, "SELECT "+jobColumns+` FROM jobs j
		WHERE j.status IN ('queued', 'running') AND j.held = 0 AND j.updated_at < ?
		ORDER BY j.created_at LIMIT ?`, updatedBefore.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("unfinished jobs: %w", err)
	}
	return jobs, nil
}

// Cancel moves a queued or running job to canceled. A job that already
// ended gives ErrConflict; another owner's job gives ErrNotFound.
func (s *Jobs) Cancel(ctx context.Context, owner Owner, id string) (Job, error) {
	now := s.db.Now().UnixMilli()
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return Job{}, fmt.Errorf("cancel job: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `
		UPDATE jobs SET status = 'canceled', stage = 'canceled', held = 0, finished_at = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND `+ownerMatch+` AND status IN ('queued', 'running')`,
		owner.args(now, now, id)...)
	if err != nil {
		return Job{}, fmt.Errorf("cancel job: %w", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		if err := recordEnd(ctx, tx, id, jobstate.StatusCanceled, now); err != nil {
			return Job{}, fmt.Errorf("cancel job: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Job{}, fmt.Errorf("cancel job: %w", err)
	}
	j, err := s.Get(ctx, owner, id)
	if err != nil {
		return Job{}, err
	}
	if n == 0 && j.Status != jobstate.StatusCanceled {
		return j, fmt.Errorf("job already %s: %w", j.Status, ErrConflict)
	}
	return j, nil
}

// Apply records a worker's event in one transaction, with the attempt's
// result if it has one. Events arrive at least once and possibly out of
// order, so Apply is idempotent: a final job never changes, and an event
// from an older attempt is ignored. It reports whether the row changed.
func (s *Jobs) Apply(ctx context.Context, id string, ev jobstate.Event, result *Result) (bool, error) {
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

	// Each kind moves the job to a status and writes part of the change:
	// progress reports where the job is, a retry why the attempt failed
	// (shown while the next one runs) and what it spent on the LLM, a final
	// event all of it.
	var set string
	var args []any
	final := false
	switch ev.Kind {
	case jobstate.EventStarted, jobstate.EventProgress:
		set, args = changeSet(&ev.Change, "stage", "progress")
		set = "status = 'running', " + set + ", started_at = COALESCE(started_at, ?)"
		args = append(args, ms)
	case jobstate.EventRetry:
		// Only this attempt's retry leaves the job queued at its number: a
		// second delivery of it must not count its LLM use twice.
		if status == jobstate.StatusQueued && attempts == ev.Attempt {
			return false, nil
		}
		ev.Progress = 0
		set, args = changeSet(&ev.Change, "stage", "progress", "error", "llm_calls", "tokens_in", "tokens_out", "rate_wait_ms")
		set = "status = 'queued', " + set
	case jobstate.EventSucceeded, jobstate.EventFailed:
		status, ev.Progress = jobstate.StatusSucceeded, jobstate.ProgressDone
		if ev.Kind == jobstate.EventFailed {
			status, ev.Progress = jobstate.StatusFailed, 0
		}
		final = true
		set, args = changeSet(&ev.Change)
		set = "status = ?, " + set + ", started_at = COALESCE(started_at, ?), finished_at = ?"
		args = append(append([]any{status}, args...), ms, ms)
	default:
		return false, fmt.Errorf("apply event: unknown kind %q", ev.Kind)
	}
	_, err = tx.ExecContext(ctx, "UPDATE jobs SET "+set+", attempts = ?, updated_at = ?, version = version + 1 WHERE id = ?",
		append(args, ev.Attempt, ms, id)...)
	if err == nil && final {
		err = recordEnd(ctx, tx, id, status, ms)
	}
	if err == nil && final && result != nil {
		var pdf any
		if result.PDF != nil {
			pdf = result.PDF
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO results (job_id, pdf, html, profile, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (job_id) DO NOTHING`, id, pdf, result.HTML, string(result.Profile), ms)
	}
	if err != nil {
		return false, fmt.Errorf("apply %s event: %w", ev.Kind, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("apply event: %w", err)
	}
	return true, nil
}

// changeSet is the SET list and arguments that write a change's columns,
// or only the named ones, each merged as jobTable says.
func changeSet(c *jobstate.Change, only ...string) (string, []any) {
	j := Job{Change: *c}
	var sets []string
	var args []any
	for _, col := range jobTable {
		if col.merge == "" || len(only) > 0 && !slices.Contains(only, col.name) {
			continue
		}
		sets = append(sets, col.name+" = "+col.merge)
		args = append(args, col.field(&j))
	}
	return strings.Join(sets, ", "), args
}

// Result returns what the owner's job produced; ErrNotFound when it has none.
func (s *Jobs) Result(ctx context.Context, owner Owner, id string) (Result, error) {
	var r Result
	var profile string
	err := s.db.read.QueryRowContext(ctx, `
		SELECT r.pdf, r.html, r.profile FROM results r JOIN jobs j ON j.id = r.job_id
		WHERE r.job_id = ? AND `+ownerMatch, owner.args(id)...).Scan(&r.PDF, &r.HTML, &profile)
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
