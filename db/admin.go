package db

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tailor-app/tailor/jobstate"
)

// The admin console's queries. They read many rows, so they run on the read
// pool and cap what they scan.

// StatusCounts counts jobs created since a time, by status.
type StatusCounts map[string]int

// Total is the number of jobs counted.
func (c StatusCounts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// SuccessRate is succeeded / (succeeded + failed) in percent, -1 if none ended.
func (c StatusCounts) SuccessRate() float64 {
	ended := c[jobstate.StatusSucceeded] + c[jobstate.StatusFailed]
	if ended == 0 {
		return -1
	}
	return float64(c[jobstate.StatusSucceeded]) * 100 / float64(ended)
}

// CountByStatus counts jobs created since since.
func (s *Jobs) CountByStatus(ctx context.Context, since time.Time) (StatusCounts, error) {
	rows, err := s.db.read.QueryContext(ctx,
		"SELECT status, COUNT(*) FROM jobs WHERE created_at >= ? GROUP BY status", since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	out := StatusCounts{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// Percentiles of one duration, in milliseconds.
type Percentiles struct {
	N        int
	P50, P95 int64
}

func percentiles(v []int64) Percentiles {
	if len(v) == 0 {
		return Percentiles{}
	}
	slices.Sort(v)
	at := func(p float64) int64 { return v[min(len(v)-1, int(float64(len(v))*p))] }
	return Percentiles{N: len(v), P50: at(0.50), P95: at(0.95)}
}

// StageTimes are percentiles of succeeded jobs' time in total and per stage.
type StageTimes struct {
	Total, Waiting, LLM, RateWait, FactCheck, Render Percentiles
}

// Timings computes stage percentiles over jobs that succeeded since since
// (at most the newest 50,000).
func (s *Jobs) Timings(ctx context.Context, since time.Time) (StageTimes, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT finished_at - created_at, wait_ms, tailor_ms, rate_wait_ms, verify_ms, render_ms
		FROM jobs WHERE status = 'succeeded' AND created_at >= ? AND finished_at IS NOT NULL
		ORDER BY created_at DESC LIMIT 50000`, since.UnixMilli())
	if err != nil {
		return StageTimes{}, fmt.Errorf("job timings: %w", err)
	}
	defer rows.Close()
	var total, wait, llm, rate, verify, render []int64
	for rows.Next() {
		var t, w, l, r, v, p int64
		if err := rows.Scan(&t, &w, &l, &r, &v, &p); err != nil {
			return StageTimes{}, err
		}
		total, wait, llm, rate, verify, render = append(total, t), append(wait, w), append(llm, l), append(rate, r), append(verify, v), append(render, p)
	}
	return StageTimes{
		Total: percentiles(total), Waiting: percentiles(wait), LLM: percentiles(llm),
		RateWait: percentiles(rate), FactCheck: percentiles(verify), Render: percentiles(render),
	}, rows.Err()
}

// HourStat is one hour of the charts.
type HourStat struct {
	Hour  time.Time
	Jobs  int
	P95MS int64 // of the jobs that succeeded in that hour
}

// Hourly returns one entry per hour from since to now, empty hours included.
func (s *Jobs) Hourly(ctx context.Context, since, now time.Time) ([]HourStat, error) {
	start := since.Truncate(time.Hour)
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT created_at, status, COALESCE(finished_at - created_at, 0) FROM jobs
		WHERE created_at >= ? ORDER BY created_at LIMIT 200000`, start.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("hourly jobs: %w", err)
	}
	defer rows.Close()
	n := int(now.Sub(start)/time.Hour) + 1
	counts := make([]int, n)
	durations := make([][]int64, n)
	for rows.Next() {
		var created, took int64
		var status string
		if err := rows.Scan(&created, &status, &took); err != nil {
			return nil, err
		}
		i := int(time.UnixMilli(created).Sub(start) / time.Hour)
		if i < 0 || i >= n {
			continue
		}
		counts[i]++
		if status == jobstate.StatusSucceeded {
			durations[i] = append(durations[i], took)
		}
	}
	out := make([]HourStat, n)
	for i := range out {
		out[i] = HourStat{Hour: start.Add(time.Duration(i) * time.Hour).UTC(), Jobs: counts[i], P95MS: percentiles(durations[i]).P95}
	}
	return out, rows.Err()
}

// Usage is LLM use over a group of jobs (a day or a recruiter).
type Usage struct {
	Key        string // the day (2006-01-02) or the recruiter's email
	Jobs       int
	LLMCalls   int
	TokensIn   int64
	TokensOut  int64
	RateWaitMS int64
}

// UsageByDay sums LLM use per day (UTC) since since, newest day first.
func (s *Jobs) UsageByDay(ctx context.Context, since time.Time) ([]Usage, error) {
	return s.usage(ctx, `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS k,
		COUNT(*), SUM(llm_calls), SUM(tokens_in), SUM(tokens_out), SUM(rate_wait_ms)
		FROM jobs WHERE created_at >= ? GROUP BY k ORDER BY k DESC`, since)
}

// UsageByUser sums LLM use per recruiter since since, biggest first.
func (s *Jobs) UsageByUser(ctx context.Context, since time.Time) ([]Usage, error) {
	return s.usage(ctx, `SELECT u.email AS k,
		COUNT(*), SUM(j.llm_calls), SUM(j.tokens_in), SUM(j.tokens_out), SUM(j.rate_wait_ms)
		FROM jobs j JOIN users u ON u.id = j.owner_id WHERE j.created_at >= ?
		GROUP BY u.email ORDER BY SUM(j.tokens_in) + SUM(j.tokens_out) DESC, u.email`, since)
}

func (s *Jobs) usage(ctx context.Context, query string, since time.Time) ([]Usage, error) {
	rows, err := s.db.read.QueryContext(ctx, query, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("LLM usage: %w", err)
	}
	defer rows.Close()
	var out []Usage
	for rows.Next() {
		var u Usage
		if err := rows.Scan(&u.Key, &u.Jobs, &u.LLMCalls, &u.TokensIn, &u.TokensOut, &u.RateWaitMS); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AdminFilter narrows AdminList. Empty fields do not filter.
type AdminFilter struct {
	Status    string
	OwnerID   string
	Candidate string // part of the candidate's name
	From, To  time.Time
	Text      string // job id, candidate name or error text
	Slowest   bool   // order by duration, longest first (ended jobs)
	Limit     int
	Offset    int
}

// AdminList returns every user's jobs, filtered.
func (s *Jobs) AdminList(ctx context.Context, f AdminFilter) ([]Job, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Status != "" {
		add("j.status = ?", f.Status)
	}
	if f.OwnerID != "" {
		add("j.owner_id = ?", f.OwnerID)
	}
	if f.Candidate != "" {
		add("j.candidate_name LIKE '%' || ? || '%'", f.Candidate)
	}
	if !f.From.IsZero() {
		add("j.created_at >= ?", f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		add("j.created_at < ?", f.To.UnixMilli())
	}
	if f.Text != "" {
		add("(j.id = ? OR j.candidate_name LIKE '%' || ? || '%' OR j.error LIKE '%' || ? || '%')", f.Text, f.Text, f.Text)
	}
	order := "j.created_at DESC, j.id DESC"
	if f.Slowest {
		add("j.finished_at IS NOT NULL")
		order = "(j.finished_at - j.created_at) DESC, j.id"
	}
	q := "SELECT " + jobColumns + " FROM jobs j"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + order + " LIMIT ? OFFSET ?"
	jobs, err := s.query(ctx, q, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("admin jobs: %w", err)
	}
	return jobs, nil
}

// Delete removes a job and its result (admins).
func (s *Jobs) Delete(ctx context.Context, id string) error {
	res, err := s.db.write.ExecContext(ctx, "DELETE FROM jobs WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete job: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
