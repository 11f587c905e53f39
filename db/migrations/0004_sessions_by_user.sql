-- Sessions are stored under a SHA-256 of their token, so the table (or a
-- replica of it) holds no cookie that works, and they carry their user, so a
-- password change, a reset or a disable ends every session of that user
-- (issue 10). Stored tokens cannot be re-keyed: everyone signs in again once.
DROP TABLE sessions;
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,                            -- hex SHA-256 of the cookie's token
    user_id    TEXT REFERENCES users(id) ON DELETE CASCADE, -- set at sign-in; NULL for a visitor
    data       BLOB NOT NULL,                               -- scs's encoded values
    expiry     REAL NOT NULL,                               -- a Julian day
    ended      INTEGER NOT NULL DEFAULT 0                   -- ended early: kept until expiry so a late commit cannot revive it
);
CREATE INDEX sessions_expiry_idx ON sessions(expiry);
CREATE INDEX sessions_user_idx ON sessions(user_id);
