-- "E-mail me when a batch I started has finished": one mail per batch,
-- "batch:<batch>", with its counts and the ZIP link (its jobs are never
-- mailed one by one).
ALTER TABLE mail_prefs ADD COLUMN batch_done INTEGER NOT NULL DEFAULT 0;

-- mail_sends' CHECK names the kinds, and SQLite changes a CHECK only by
-- building the table again.
CREATE TABLE mail_sends_0017 (
    key        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('ready', 'failed', 'digest', 'alert', 'batch')),
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    job_id     TEXT REFERENCES jobs(id) ON DELETE CASCADE,
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    queued_at  INTEGER NOT NULL,
    sent_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT ''
);
INSERT INTO mail_sends_0017 (key, kind, user_id, job_id, subject, body, queued_at, sent_at, attempts, last_error)
    SELECT key, kind, user_id, job_id, subject, body, queued_at, sent_at, attempts, last_error FROM mail_sends;
DROP TABLE mail_sends;
ALTER TABLE mail_sends_0017 RENAME TO mail_sends;
CREATE INDEX mail_sends_unsent ON mail_sends(queued_at) WHERE sent_at IS NULL;
