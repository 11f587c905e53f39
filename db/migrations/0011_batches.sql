-- A batch is one opening (or pasted description) for many candidates, or one
-- candidate for many openings. Its counts and its end are derived from its
-- jobs (GROUP BY), never stored, so they cannot drift.
CREATE TABLE batches (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    opening_id      TEXT REFERENCES openings(id) ON DELETE SET NULL,
    candidate_id    TEXT REFERENCES candidates(id) ON DELETE SET NULL,
    job_description TEXT NOT NULL DEFAULT '',
    job_title       TEXT NOT NULL DEFAULT '',
    company         TEXT NOT NULL DEFAULT '',
    theme           TEXT NOT NULL,
    paper           TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX batches_owner ON batches(owner_id, created_at DESC);

-- A batch job points to its batch. held = 1 while the feeder keeps it back
-- (jobs.Feeder): the reconciler leaves held jobs alone, so a batch's
-- thousand jobs reach the queue a few at a time and batches interleave.
ALTER TABLE jobs ADD COLUMN batch_id TEXT REFERENCES batches(id) ON DELETE SET NULL;
ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
-- When the feeder released it: a batch job's deadline counts from there,
-- not from the batch's creation (a thousand jobs at 10 a minute take 100 min).
ALTER TABLE jobs ADD COLUMN released_at INTEGER;
CREATE INDEX jobs_batch ON jobs(batch_id, created_at) WHERE batch_id IS NOT NULL;
CREATE INDEX jobs_held ON jobs(batch_id) WHERE held = 1;
