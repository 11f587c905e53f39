-- A batch's counts (GROUP BY status) and the feeder's "how many of this
-- batch are on the queue" read only this index, not the jobs' rows (each
-- holds a PDF): during a drain both run for every job that ends.
CREATE INDEX jobs_batch_status ON jobs(batch_id, status, held, finished_at) WHERE batch_id IS NOT NULL;
-- The feeder's "which batches still hold jobs" and "the next held ones
-- in creation order" read this one.
DROP INDEX jobs_held;
CREATE INDEX jobs_held ON jobs(batch_id, status, created_at, id) WHERE held = 1;
