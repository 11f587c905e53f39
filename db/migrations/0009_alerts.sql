-- Alerts (issue 13, section 4). alert_rules holds what admins set on
-- /admin, one row per kind, created here with the defaults. alert_events is
-- one row per firing: open while resolved_at is NULL, and at most one open
-- row per rule (the unique index), so two evaluators racing can only make
-- one firing. fired_sent_at and resolved_sent_at record the notifications
-- handed over; claim_until is the lease of the evaluator sending them.
CREATE TABLE alert_rules (
    kind           TEXT PRIMARY KEY,
    enabled        INTEGER NOT NULL,
    threshold      REAL NOT NULL,
    window_seconds INTEGER NOT NULL DEFAULT 0,
    min_jobs       INTEGER NOT NULL DEFAULT 0,
    updated_by     TEXT NOT NULL DEFAULT '',
    updated_at     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO alert_rules (kind, enabled, threshold, window_seconds, min_jobs) VALUES
    ('success_rate', 1, 95, 900, 10),
    ('queue_latency', 1, 60, 0, 0),
    ('no_worker', 1, 60, 0, 0),
    ('restore_drill', 1, 48, 0, 0);

CREATE TABLE alert_events (
    id               TEXT PRIMARY KEY,
    rule             TEXT NOT NULL,
    fired_at         INTEGER NOT NULL,
    resolved_at      INTEGER,
    value            REAL NOT NULL,
    threshold        REAL NOT NULL,
    message          TEXT NOT NULL,
    fired_sent_at    INTEGER,
    resolved_sent_at INTEGER,
    claim_until      INTEGER
);
CREATE UNIQUE INDEX alert_events_open ON alert_events(rule) WHERE resolved_at IS NULL;
CREATE INDEX alert_events_fired ON alert_events(fired_at);
CREATE INDEX alert_events_unsent ON alert_events(fired_at)
    WHERE fired_sent_at IS NULL OR (resolved_at IS NOT NULL AND resolved_sent_at IS NULL);

-- The success-rate rule counts jobs that ended in its window.
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
