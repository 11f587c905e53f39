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

// insertJobOnceQuery is insertJobQuery that stores nothing when the owner
// has a job of the same inputs created since a time (and not failed or
// canceled). One statement, so SQLite runs check and insert atomically:
// two requests at once cannot both insert.
var insertJobOnceQuery = func() string {
	var names, marks []string
	names, marks = append(names, "profile"), append(marks, "?")
	for _, c := range jobTable {
		if c.read == "" {
			names, marks = append(names, c.name), append(marks, "?")
		}
	}
	return "INSERT INTO jobs (" + strings.Join(names, ", ") + ") SELECT " + strings.Join(marks, ", ") +
		" WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE " + sameInputs + ")"
}()

// sameInputs matches a job of an owner for the same inputs, created since
// a time, that may still produce a resume; sameInputsArgs gives its
// arguments. Batch jobs never match: a batch has its own rules.
const sameInputs = `j.owner_id = ? AND j.created_at >= ? AND j.inputs_hash = ? AND j.candidate_id IS ?
	AND j.job_title = ? AND j.company = ? AND j.queue = ? AND j.batch_id IS NULL
	AND j.status NOT IN ('` + jobstate.StatusFailed + `', '` + jobstate.StatusCanceled + `')`

func sameInputsArgs(j *Job, since time.Time) []any {
	return []any{j.OwnerID, since.UnixMilli(), j.InputsHash, nullString{&j.CandidateID}, j.JobTitle, j.Company, j.Queue}
}

// CreateOnce is Create, unless the owner submitted the same inputs (the
// candidate, its profile, the description, model, theme and paper, which
// InputsHash covers, and title, company and queue) less than window ago:
// then it returns that job and created is false. A double click, a second
// tab or a client's retry gets the job it already has.
func (s *Jobs) CreateOnce(ctx context.Context, j Job, profile []byte, window time.Duration) (job Job, created bool, err error) {
	now := s.db.Now().UTC()
	args := newJobArgs(&j, now, profile)
	args = append(args, sameInputsArgs(&j, now.Add(-window))...)
	st, err := s.db.writeStmt(ctx, insertJobOnceQuery)
	if err != nil {
		return Job{}, false, fmt.Errorf("create job: %w", err)
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return Job{}, false, fmt.Errorf("create job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return j, true, nil
	}
	row := s.db.write.QueryRowContext(ctx, "SELECT "+jobColumns+" FROM jobs j WHERE "+sameInputs+" ORDER BY j.created_at DESC LIMIT 1",
		sameInputsArgs(&j, now.Add(-window))...)
	existing, err := scanJob(row)
	if errors.Is(err, sql.ErrNoRows) {
		// It ended or went between the two statements: this one is new after all.
		job, err := s.Create(ctx, j, profile)
		return job, err == nil, err
	}
	if err != nil {
		return Job{}, false, fmt.Errorf("create job: %w", err)
	}
	return existing, false, nil
}
