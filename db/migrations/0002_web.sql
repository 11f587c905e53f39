-- Web sessions, in the schema of scs's sqlite3store (token, data, expiry as
-- a Julian day), so the standard store could read them too.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions(expiry);

-- Openings are saved job descriptions a recruiter reuses.
CREATE TABLE openings (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    company     TEXT NOT NULL DEFAULT '',
    location    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX openings_owner ON openings(owner_id, updated_at DESC);

-- Server-wide settings, e.g. the key that signs poll and share links.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The candidate page lists the jobs of one candidate.
CREATE INDEX jobs_candidate ON jobs(candidate_id, created_at DESC);
