-- My jobs search: the words of a job's candidate name, opening title and
-- company, case- and accent-insensitive ("alvarez" finds "Álvarez"), with
-- prefixes. FTS4, as the SQLite of mattn/go-sqlite3 has FTS3/4, not FTS5.
-- joined is the three without apostrophes and hyphens, so that "obrien"
-- finds "O'Brien" and "jeanluc" "Jean-Luc" (the tokenizer splits on them).
CREATE VIRTUAL TABLE job_search USING fts4(
    candidate_name, job_title, company, joined,
    tokenize=unicode61 "remove_diacritics=2"
);

-- A job's document in job_search. jobs has no INTEGER PRIMARY KEY, and
-- VACUUM (or VACUUM INTO, a backup) may renumber its rowids: the docid is
-- kept here instead, where it is a stable INTEGER PRIMARY KEY.
CREATE TABLE job_search_docs (
    docid  INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL UNIQUE
);

-- Kept in sync by the database itself, whatever writes the jobs (Create,
-- Restore, batches, retention, a user's deletion cascading to the jobs).
CREATE TRIGGER job_search_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_search_docs (job_id) VALUES (new.id);
    INSERT INTO job_search (docid, candidate_name, job_title, company, joined)
    VALUES ((SELECT docid FROM job_search_docs WHERE job_id = new.id), new.candidate_name, new.job_title, new.company,
        replace(replace(replace(new.candidate_name || ' ' || new.job_title || ' ' || new.company, '''', ''), '’', ''), '-', ''));
END;

CREATE TRIGGER job_search_update AFTER UPDATE OF candidate_name, job_title, company ON jobs BEGIN
    UPDATE job_search SET candidate_name = new.candidate_name, job_title = new.job_title, company = new.company,
        joined = replace(replace(replace(new.candidate_name || ' ' || new.job_title || ' ' || new.company, '''', ''), '’', ''), '-', '')
    WHERE docid = (SELECT docid FROM job_search_docs WHERE job_id = new.id);
END;

CREATE TRIGGER job_search_delete AFTER DELETE ON jobs BEGIN
    DELETE FROM job_search WHERE docid = (SELECT docid FROM job_search_docs WHERE job_id = old.id);
    DELETE FROM job_search_docs WHERE job_id = old.id;
END;

-- The jobs stored before this migration.
INSERT INTO job_search_docs (job_id) SELECT id FROM jobs ORDER BY created_at, id;
INSERT INTO job_search (docid, candidate_name, job_title, company, joined)
SELECT d.docid, j.candidate_name, j.job_title, j.company, replace(replace(replace(j.candidate_name || ' ' || j.job_title || ' ' || j.company, '''', ''), '’', ''), '-', '')
FROM job_search_docs d JOIN jobs j ON j.id = d.job_id;
