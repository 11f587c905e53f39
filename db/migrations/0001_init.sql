-- Users sign in to the web app and own every object.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('recruiter', 'admin')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- API tokens are stored as SHA-256 hashes; the token itself is shown once.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- A candidate's profile is a JSON Resume document; every save bumps version.
CREATE TABLE candidates (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    profile    TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX candidates_owner ON candidates(owner_id, updated_at DESC);

-- A job is one tailored resume. Inputs are copied onto the row so a job
-- stays explainable after its candidate changes or is deleted.
CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    owner_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    candidate_id      TEXT REFERENCES candidates(id) ON DELETE SET NULL,
    candidate_version INTEGER NOT NULL,
    candidate_name    TEXT NOT NULL,
    job_title         TEXT NOT NULL DEFAULT '',
    company           TEXT NOT NULL DEFAULT '',
    job_description   TEXT NOT NULL,
    profile           TEXT NOT NULL,
    theme             TEXT NOT NULL,
    paper             TEXT NOT NULL,
    queue             TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'canceled')),
    stage             TEXT NOT NULL DEFAULT 'queued',
    progress          INTEGER NOT NULL DEFAULT 0,
    attempts          INTEGER NOT NULL DEFAULT 0,
    error             TEXT NOT NULL DEFAULT '',
    cached            INTEGER NOT NULL DEFAULT 0,
    inputs_hash       TEXT NOT NULL,
    model             TEXT NOT NULL DEFAULT '',
    prompt_version    TEXT NOT NULL DEFAULT '',
    match_before      INTEGER,
    match_after       INTEGER,
    verification      TEXT NOT NULL DEFAULT '',
    changes           TEXT NOT NULL DEFAULT '',
    wait_ms           INTEGER NOT NULL DEFAULT 0,
    tailor_ms         INTEGER NOT NULL DEFAULT 0,
    verify_ms         INTEGER NOT NULL DEFAULT 0,
    render_ms         INTEGER NOT NULL DEFAULT 0,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    started_at        INTEGER,
    finished_at       INTEGER,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX jobs_owner ON jobs(owner_id, created_at DESC);
CREATE INDEX jobs_active ON jobs(status) WHERE status IN ('queued', 'running');

-- One result per job: the printed PDF (NULL when printing failed), the HTML
-- it was printed from and the tailored profile.
CREATE TABLE results (
    job_id     TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    pdf        BLOB,
    html       TEXT NOT NULL,
    profile    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
