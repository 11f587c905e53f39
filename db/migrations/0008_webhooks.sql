-- Webhooks (issue 13, section 3): endpoints a token owner registers, and
-- the log of delivery attempts to each (the last 50 are kept: the store
-- prunes older ones when it inserts).
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL, -- whsec_<base64>: Tailor signs with it, so it is kept as is
    events          TEXT NOT NULL, -- space-separated event types
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks(owner_id, created_at);

CREATE TABLE webhook_deliveries (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL, -- the webhook-id header: the same for every attempt of one event
    event_type  TEXT NOT NULL,
    job_id      TEXT NOT NULL DEFAULT '',
    attempt     INTEGER NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0, -- 0: no answer
    error       TEXT NOT NULL DEFAULT '',
    latency_ms  INTEGER NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, seq);
