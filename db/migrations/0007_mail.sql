-- E-mail notifications (issue 13). Every choice is off until the user
-- turns it on at /settings/notifications; admins also choose the daily
-- digest of failures and the alert e-mails.
CREATE TABLE mail_prefs (
    user_id      TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    job_ready    INTEGER NOT NULL DEFAULT 0,
    job_failed   INTEGER NOT NULL DEFAULT 0,
    attach_pdf   INTEGER NOT NULL DEFAULT 0,
    daily_digest INTEGER NOT NULL DEFAULT 0, -- admins only
    alert_mail   INTEGER NOT NULL DEFAULT 0, -- admins only
    updated_at   INTEGER NOT NULL
);

-- One row per mail that must go out at most once: "job:<job>:ready",
-- "job:<job>:failed", "digest:<day>:<user>", "alert:<key>:<user>". The row
-- is inserted (OR IGNORE) before the task is queued under the same id; the
-- task sends only while sent_at is NULL and sets it once the SMTP server
-- accepted the mail.
CREATE TABLE mail_sends (
    key        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('ready', 'failed', 'digest', 'alert')),
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    job_id     TEXT REFERENCES jobs(id) ON DELETE CASCADE,
    subject    TEXT NOT NULL DEFAULT '', -- alerts: what the caller gave
    body       TEXT NOT NULL DEFAULT '',
    queued_at  INTEGER NOT NULL,
    sent_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_sends_unsent ON mail_sends(queued_at) WHERE sent_at IS NULL;
