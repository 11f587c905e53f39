-- What a job cost: LLM calls and tokens, and the time it waited for the
-- global LLM rate limit (the admin dashboard sums them).
ALTER TABLE jobs ADD COLUMN llm_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN tokens_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN tokens_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN rate_wait_ms INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_created ON jobs(created_at);
