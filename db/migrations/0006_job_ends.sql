-- The outbox of ended jobs: a row is written in the same transaction that
-- makes a job final (an applied succeeded/failed event, a cancel), so a
-- crash can never end a job without telling whoever asked to be told.
-- The notifier (package notify) reads the rows not yet dispatched, queues
-- each channel's deliveries (e-mail, webhooks), then sets dispatched_at.
CREATE TABLE job_ends (
    job_id        TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    owner_id      TEXT NOT NULL,
    status        TEXT NOT NULL,
    ended_at      INTEGER NOT NULL,
    dispatched_at INTEGER
);
CREATE INDEX job_ends_pending ON job_ends(ended_at) WHERE dispatched_at IS NULL;
