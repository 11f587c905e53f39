package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AlertRule is an alert rule as admins set it on /admin (migration 0009).
// What Threshold, Window and MinJobs mean depends on Kind (package alert).
type AlertRule struct {
	Kind      string
	Enabled   bool
	Threshold float64
	Window    time.Duration // success rate: the window counted; others: unused
	MinJobs   int           // success rate: fewer ended jobs than this never fire
	UpdatedBy string        // the admin's email; "" while the default stands
	UpdatedAt time.Time
}

// AlertEvent is one firing of a rule: open until ResolvedAt is set.
type AlertEvent struct {
	ID         string
	Rule       string
	FiredAt    time.Time
	ResolvedAt time.Time // zero while firing
	Value      float64   // the last value measured while firing
	Threshold  float64   // the rule's threshold when it fired
	Message    string

	FiredSentAt    time.Time // zero until the firing's notification was handed over
	ResolvedSentAt time.Time
}

// Firing reports whether the alert is still open.
func (e AlertEvent) Firing() bool { return e.ResolvedAt.IsZero() }

// Alerts stores alert rules and their firings.
type Alerts struct{ db *DB }

// Rules returns every rule, in kind order.
func (s *Alerts) Rules(ctx context.Context) ([]AlertRule, error) {
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT kind, enabled, threshold, window_seconds, min_jobs, updated_by, updated_at
		FROM alert_rules ORDER BY kind`)
	if err != nil {
		return nil, fmt.Errorf("alert rules: %w", err)
	}
	defer rows.Close()
	var out []AlertRule
	for rows.Next() {
		var r AlertRule
		var window, updated int64
		if err := rows.Scan(&r.Kind, &r.Enabled, &r.Threshold, &window, &r.MinJobs, &r.UpdatedBy, &updated); err != nil {
			return nil, fmt.Errorf("alert rules: %w", err)
		}
		r.Window = time.Duration(window) * time.Second
		if updated > 0 {
			r.UpdatedAt = time.UnixMilli(updated).UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRule stores a rule's settings, stamped with who set them and when.
// An unknown kind is ErrNotFound.
func (s *Alerts) SetRule(ctx context.Context, r AlertRule) error {
	res, err := s.db.write.ExecContext(ctx, `
		UPDATE alert_rules SET enabled = ?, threshold = ?, window_seconds = ?, min_jobs = ?, updated_by = ?, updated_at = ?
		WHERE kind = ?`, r.Enabled, r.Threshold, int64(r.Window/time.Second), r.MinJobs, r.UpdatedBy,
		s.db.Now().UnixMilli(), r.Kind)
	if err != nil {
		return fmt.Errorf("set alert rule: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const alertEventColumns = `id, rule, fired_at, resolved_at, value, threshold, message, fired_sent_at, resolved_sent_at`

func scanAlertEvent(sc interface{ Scan(...any) error }) (AlertEvent, error) {
	var e AlertEvent
	var fired int64
	var resolved, firedSent, resolvedSent sql.NullInt64
	if err := sc.Scan(&e.ID, &e.Rule, &fired, &resolved, &e.Value, &e.Threshold, &e.Message, &firedSent, &resolvedSent); err != nil {
		return e, err
	}
	e.FiredAt = time.UnixMilli(fired).UTC()
	e.ResolvedAt, e.FiredSentAt, e.ResolvedSentAt = timeFromMS(resolved), timeFromMS(firedSent), timeFromMS(resolvedSent)
	return e, nil
}

func (s *Alerts) query(ctx context.Context, q func() (*sql.Rows, error)) ([]AlertEvent, error) {
	rows, err := q()
	if err != nil {
		return nil, fmt.Errorf("alert events: %w", err)
	}
	defer rows.Close()
	var out []AlertEvent
	for rows.Next() {
		e, err := scanAlertEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("alert events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Fire opens a firing of ev.Rule at ev.FiredAt, unless one is open: then
// that one's value and message are brought up to date. fired reports
// whether this call opened it, so of two evaluators racing exactly one does
// (one open row per rule, in a write transaction).
func (s *Alerts) Fire(ctx context.Context, ev AlertEvent) (_ AlertEvent, fired bool, err error) {
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return ev, false, fmt.Errorf("fire alert: %w", err)
	}
	defer tx.Rollback()
	open, err := scanAlertEvent(tx.QueryRowContext(ctx,
		"SELECT "+alertEventColumns+" FROM alert_events WHERE rule = ? AND resolved_at IS NULL", ev.Rule))
	switch {
	case err == nil:
		open.Value, open.Message = ev.Value, ev.Message
		if _, err := tx.ExecContext(ctx, "UPDATE alert_events SET value = ?, message = ? WHERE id = ?",
			ev.Value, ev.Message, open.ID); err != nil {
			return ev, false, fmt.Errorf("fire alert: %w", err)
		}
		return open, false, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return ev, false, fmt.Errorf("fire alert: %w", err)
	}
	ev.ID = NewID()
	ev.FiredAt = ev.FiredAt.UTC().Truncate(time.Millisecond)
	ev.ResolvedAt, ev.FiredSentAt, ev.ResolvedSentAt = time.Time{}, time.Time{}, time.Time{}
	if _, err := tx.ExecContext(ctx, `INSERT INTO alert_events (id, rule, fired_at, value, threshold, message)
		VALUES (?, ?, ?, ?, ?, ?)`, ev.ID, ev.Rule, ev.FiredAt.UnixMilli(), ev.Value, ev.Threshold, ev.Message); err != nil {
		return ev, false, fmt.Errorf("fire alert: %w", err)
	}
	return ev, true, tx.Commit()
}

// Resolve closes the open firing of rule at at; resolved is false when
// none was open (not firing, or another evaluator resolved it first).
func (s *Alerts) Resolve(ctx context.Context, rule string, at time.Time) (resolved bool, err error) {
	res, err := s.db.write.ExecContext(ctx,
		"UPDATE alert_events SET resolved_at = ? WHERE rule = ? AND resolved_at IS NULL", at.UnixMilli(), rule)
	if err != nil {
		return false, fmt.Errorf("resolve alert: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Open returns the firing alerts, oldest first.
func (s *Alerts) Open(ctx context.Context) ([]AlertEvent, error) {
	return s.query(ctx, func() (*sql.Rows, error) {
		return s.db.read.QueryContext(ctx, "SELECT "+alertEventColumns+
			" FROM alert_events WHERE resolved_at IS NULL ORDER BY fired_at, rule")
	})
}

// Recent returns the newest limit firings, open or resolved, newest first.
func (s *Alerts) Recent(ctx context.Context, limit int) ([]AlertEvent, error) {
	return s.query(ctx, func() (*sql.Rows, error) {
		return s.db.read.QueryContext(ctx, "SELECT "+alertEventColumns+
			" FROM alert_events ORDER BY fired_at DESC, id LIMIT ?", limit)
	})
}

// ClaimUnsent leases, until now+lease, up to limit firings whose fired or
// resolved notification has not been handed over and that no other
// evaluator holds, oldest first. The holder sends what is due, records it
// with MarkSent, and lets go with Release; a holder that dies loses the
// lease when it runs out, and another evaluator sends again (the
// notifications are idempotent by key).
func (s *Alerts) ClaimUnsent(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]AlertEvent, error) {
	// Nearly always nothing is due: look on the read pool before taking the write lock.
	var due int
	if err := s.db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM alert_events
		WHERE fired_sent_at IS NULL OR (resolved_at IS NOT NULL AND resolved_sent_at IS NULL))`).Scan(&due); err != nil {
		return nil, fmt.Errorf("claim alert notifications: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	tx, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim alert notifications: %w", err)
	}
	defer tx.Rollback()
	events, err := s.query(ctx, func() (*sql.Rows, error) {
		return tx.QueryContext(ctx, "SELECT "+alertEventColumns+` FROM alert_events
			WHERE (fired_sent_at IS NULL OR (resolved_at IS NOT NULL AND resolved_sent_at IS NULL))
			AND (claim_until IS NULL OR claim_until <= ?)
			ORDER BY fired_at LIMIT ?`, now.UnixMilli(), limit)
	})
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		if _, err := tx.ExecContext(ctx, "UPDATE alert_events SET claim_until = ? WHERE id = ?",
			now.Add(lease).UnixMilli(), e.ID); err != nil {
			return nil, fmt.Errorf("claim alert notifications: %w", err)
		}
	}
	return events, tx.Commit()
}

// MarkSent records that the firing's notification (resolved false: that it
// fired; true: that it resolved) was handed over.
func (s *Alerts) MarkSent(ctx context.Context, id string, resolved bool, at time.Time) error {
	col := "fired_sent_at"
	if resolved {
		col = "resolved_sent_at"
	}
	if _, err := s.db.write.ExecContext(ctx, "UPDATE alert_events SET "+col+" = ? WHERE id = ?", at.UnixMilli(), id); err != nil {
		return fmt.Errorf("mark alert notification sent: %w", err)
	}
	return nil
}

// Release ends the lease ClaimUnsent took on the firing.
func (s *Alerts) Release(ctx context.Context, id string) error {
	if _, err := s.db.write.ExecContext(ctx, "UPDATE alert_events SET claim_until = NULL WHERE id = ?", id); err != nil {
		return fmt.Errorf("release alert notification: %w", err)
	}
	return nil
}

// EndedSince counts the jobs that succeeded and that failed since since
// (canceled jobs say nothing about health).
func (s *Jobs) EndedSince(ctx context.Context, since time.Time) (succeeded, failed int, err error) {
	err = s.db.read.QueryRowContext(ctx, `
		SELECT COALESCE(SUM(status = 'succeeded'), 0), COALESCE(SUM(status = 'failed'), 0)
		FROM jobs WHERE finished_at >= ? AND status IN ('succeeded', 'failed')`, since.UnixMilli()).Scan(&succeeded, &failed)
	if err != nil {
		return 0, 0, fmt.Errorf("count ended jobs: %w", err)
	}
	return succeeded, failed, nil
}
