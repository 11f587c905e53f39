package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MailPrefs are a user's e-mail choices (migration 0007); the zero value,
// every choice off, is what a user who never saved the form has.
type MailPrefs struct {
	JobReady    bool // a resume I started is ready
	JobFailed   bool // a resume I started failed
	AttachPDF   bool // attach the PDF to the ready mail
	DailyDigest bool // admins: the daily digest of failures
	AlertMail   bool // admins: alert e-mails
	BatchDone   bool // a batch I started has finished (migration 0017)
}

// Mail kinds: what a mail tells, and what an unsubscribe link turns off.
const (
	MailReady  = "ready"
	MailFailed = "failed"
	MailDigest = "digest"
	MailAlert  = "alert"
	MailBatch  = "batch"
)

// MailKinds lists every kind.
var MailKinds = []string{MailReady, MailFailed, MailDigest, MailAlert, MailBatch}

// MailSend is one mail that goes out at most once, keyed by what it is
// about ("job:<job>:ready", "digest:<day>:<user>", "alert:<key>:<user>",
// "batch:<batch>").
type MailSend struct {
	Key       string
	Kind      string
	UserID    string
	JobID     string // "" for digests, alerts and batches
	Subject   string // alerts: the caller's subject and text
	Body      string
	QueuedAt  time.Time
	SentAt    time.Time // zero until the SMTP server accepted it
	Attempts  int
	LastError string
}

// Mail stores e-mail preferences and the sent-markers of mails.
type Mail struct{ db *DB }

// Mail returns the e-mail store.
func (d *DB) Mail() *Mail { return &Mail{db: d} }

// Prefs returns the user's choices; a user who never chose has them all off.
func (s *Mail) Prefs(ctx context.Context, userID string) (MailPrefs, error) {
	var p MailPrefs
	err := s.db.read.QueryRowContext(ctx, `SELECT job_ready, job_failed, attach_pdf, daily_digest, alert_mail, batch_done
		FROM mail_prefs WHERE user_id = ?`, userID).Scan(&p.JobReady, &p.JobFailed, &p.AttachPDF, &p.DailyDigest, &p.AlertMail, &p.BatchDone)
	if errors.Is(err, sql.ErrNoRows) {
		return MailPrefs{}, nil
	}
	if err != nil {
		return MailPrefs{}, fmt.Errorf("mail prefs: %w", err)
	}
	return p, nil
}

// SetPrefs stores the user's choices.
func (s *Mail) SetPrefs(ctx context.Context, userID string, p MailPrefs) error {
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO mail_prefs (user_id, job_ready, job_failed, attach_pdf, daily_digest, alert_mail, batch_done, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET job_ready = excluded.job_ready, job_failed = excluded.job_failed,
			attach_pdf = excluded.attach_pdf, daily_digest = excluded.daily_digest,
			alert_mail = excluded.alert_mail, batch_done = excluded.batch_done, updated_at = excluded.updated_at`,
		userID, p.JobReady, p.JobFailed, p.AttachPDF, p.DailyDigest, p.AlertMail, p.BatchDone, s.db.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("set mail prefs: %w", err)
	}
	return nil
}

// Wants reports whether the prefs ask for mails of kind.
func (p MailPrefs) Wants(kind string) bool {
	switch kind {
	case MailReady:
		return p.JobReady
	case MailFailed:
		return p.JobFailed
	case MailDigest:
		return p.DailyDigest
	case MailAlert:
		return p.AlertMail
	case MailBatch:
		return p.BatchDone
	}
	return false
}

// Unsubscribe turns off the user's mails of kind; an unknown user or kind
// is ErrNotFound.
func (s *Mail) Unsubscribe(ctx context.Context, userID, kind string) error {
	column := map[string]string{MailReady: "job_ready", MailFailed: "job_failed", MailDigest: "daily_digest",
		MailAlert: "alert_mail", MailBatch: "batch_done"}[kind]
	if column == "" {
		return ErrNotFound
	}
	if _, err := s.db.Users.Get(ctx, userID); err != nil {
		return err
	}
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO mail_prefs (user_id, updated_at) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET `+column+` = 0, updated_at = excluded.updated_at`,
		userID, s.db.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	return nil
}

// AdminsWanting returns the enabled admins who chose mails of kind.
func (s *Mail) AdminsWanting(ctx context.Context, kind string) ([]User, error) {
	column := map[string]string{MailDigest: "daily_digest", MailAlert: "alert_mail"}[kind]
	if column == "" {
		return nil, fmt.Errorf("admins wanting %q: not an admin mail", kind)
	}
	rows, err := s.db.read.QueryContext(ctx, `
		SELECT u.id, u.email, u.role, u.disabled, u.created_at FROM users u JOIN mail_prefs p ON p.user_id = u.id
		WHERE u.role = 'admin' AND u.disabled = 0 AND p.`+column+` = 1 ORDER BY u.created_at`)
	if err != nil {
		return nil, fmt.Errorf("admins wanting %s: %w", kind, err)
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		var u User
		var created int64
		if err := rows.Scan(&u.ID, &u.Email, &u.Role, &u.Disabled, &created); err != nil {
			return nil, fmt.Errorf("admins wanting %s: %w", kind, err)
		}
		u.CreatedAt = time.UnixMilli(created).UTC()
		users = append(users, u)
	}
	return users, rows.Err()
}

// Queue records a mail that must go out once (ON CONFLICT DO NOTHING: only
// the key's conflict is ignored; OR IGNORE also dropped a row that broke a
// CHECK, which then read as not found) and
// returns the row as it now stands: a second call with the same key
// returns the first call's row, sent or not.
func (s *Mail) Queue(ctx context.Context, m MailSend) (MailSend, error) {
	var job any
	if m.JobID != "" {
		job = m.JobID
	}
	_, err := s.db.write.ExecContext(ctx, `
		INSERT INTO mail_sends (key, kind, user_id, job_id, subject, body, queued_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`, m.Key, m.Kind, m.UserID, job, m.Subject, m.Body, s.db.Now().UnixMilli())
	if err != nil {
		return MailSend{}, fmt.Errorf("queue mail %s: %w", m.Key, err)
	}
	return s.Get(ctx, m.Key)
}

const mailSendColumns = "key, kind, user_id, COALESCE(job_id, ''), subject, body, queued_at, sent_at, attempts, last_error"

func scanMailSend(row scanner) (MailSend, error) {
	var m MailSend
	var queued int64
	var sent sql.NullInt64
	err := row.Scan(&m.Key, &m.Kind, &m.UserID, &m.JobID, &m.Subject, &m.Body, &queued, &sent, &m.Attempts, &m.LastError)
	if err != nil {
		return MailSend{}, err
	}
	m.QueuedAt = time.UnixMilli(queued).UTC()
	m.SentAt = timeFromMS(sent)
	return m, nil
}

// Get returns the mail recorded under key.
func (s *Mail) Get(ctx context.Context, key string) (MailSend, error) {
	m, err := scanMailSend(s.db.read.QueryRowContext(ctx, "SELECT "+mailSendColumns+" FROM mail_sends WHERE key = ?", key))
	if errors.Is(err, sql.ErrNoRows) {
		return MailSend{}, ErrNotFound
	}
	if err != nil {
		return MailSend{}, fmt.Errorf("get mail %s: %w", key, err)
	}
	return m, nil
}

// MarkSent records that the SMTP server accepted the mail (or that there
// was nothing to send, with why in note).
func (s *Mail) MarkSent(ctx context.Context, key, note string) error {
	_, err := s.db.write.ExecContext(ctx, `UPDATE mail_sends SET sent_at = ?, attempts = attempts + 1, last_error = ?
		WHERE key = ? AND sent_at IS NULL`, s.db.Now().UnixMilli(), note, key)
	if err != nil {
		return fmt.Errorf("mark mail %s sent: %w", key, err)
	}
	return nil
}

// MarkFailed records a failed attempt.
func (s *Mail) MarkFailed(ctx context.Context, key, cause string) error {
	_, err := s.db.write.ExecContext(ctx, `UPDATE mail_sends SET attempts = attempts + 1, last_error = ?
		WHERE key = ? AND sent_at IS NULL`, cause, key)
	if err != nil {
		return fmt.Errorf("mark mail %s failed: %w", key, err)
	}
	return nil
}

// Unsent returns mails queued before before and not sent, with fewer than
// maxAttempts attempts, oldest first (the notifier queues them again when
// Redis lost their task).
func (s *Mail) Unsent(ctx context.Context, before time.Time, maxAttempts, limit int) ([]MailSend, error) {
	rows, err := s.db.read.QueryContext(ctx, "SELECT "+mailSendColumns+` FROM mail_sends
		WHERE sent_at IS NULL AND queued_at < ? AND attempts < ? ORDER BY queued_at LIMIT ?`,
		before.UnixMilli(), maxAttempts, limit)
	if err != nil {
		return nil, fmt.Errorf("unsent mails: %w", err)
	}
	defer rows.Close()
	var out []MailSend
	for rows.Next() {
		m, err := scanMailSend(rows)
		if err != nil {
			return nil, fmt.Errorf("unsent mails: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ErrorCount is how many jobs failed with one error.
type ErrorCount struct {
	Error string
	Count int
}

// Failures are the jobs that failed in a window: counts by error, most
// frequent first, and the latest jobs.
type Failures struct {
	Total   int
	ByError []ErrorCount
	Latest  []Job
}

// FailuresBetween returns the jobs of every owner that failed in [from, to),
// with up to limit of the latest.
func (s *Mail) FailuresBetween(ctx context.Context, from, to time.Time, limit int) (Failures, error) {
	var f Failures
	rows, err := s.db.read.QueryContext(ctx, `SELECT error, COUNT(*) FROM jobs
		WHERE status = 'failed' AND finished_at >= ? AND finished_at < ?
		GROUP BY error ORDER BY COUNT(*) DESC, error`, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return f, fmt.Errorf("failures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c ErrorCount
		if err := rows.Scan(&c.Error, &c.Count); err != nil {
			return f, fmt.Errorf("failures: %w", err)
		}
		f.Total += c.Count
		f.ByError = append(f.ByError, c)
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("failures: %w", err)
	}
	if f.Total == 0 {
		return f, nil
	}
	f.Latest, err = s.db.Jobs.query(ctx, "SELECT "+jobColumns+` FROM jobs j
		WHERE j.status = 'failed' AND j.finished_at >= ? AND j.finished_at < ?
		ORDER BY j.finished_at DESC, j.id LIMIT ?`, from.UnixMilli(), to.UnixMilli(), limit)
	if err != nil {
		return f, fmt.Errorf("failures: %w", err)
	}
	return f, nil
}
