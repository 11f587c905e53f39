-- CreateOnce's "a job of the same inputs from this owner in the last 10 s"
-- is one lookup in this index, not a walk over the owner's recent jobs
-- (jobs_owner): under an enqueue burst, 10 s of one owner's jobs is tens of
-- thousands of rows, and every insert waited on that walk.
CREATE INDEX jobs_inputs ON jobs(owner_id, inputs_hash, created_at);
