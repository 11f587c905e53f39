-- What a recruiter chose last on the Generate form (theme, paper): the next
-- form starts there. One row per user, written on every form submit.
CREATE TABLE user_prefs (
    user_id    TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    theme      TEXT NOT NULL DEFAULT '',
    paper      TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);
