-- A new job no longer writes its words to job_search in its own insert (an
-- FTS4 segment per transaction, ~145 µs of the writer for each job): the
-- insert only marks its document pending, and a search first indexes every
-- pending document in one transaction (Jobs.indexSearch). The update and
-- delete triggers stay: on a pending document they change nothing, and the
-- indexing reads the job as it is then.
ALTER TABLE job_search_docs ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
CREATE INDEX job_search_pending ON job_search_docs(docid) WHERE pending = 1;

DROP TRIGGER job_search_insert;
CREATE TRIGGER job_search_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_search_docs (job_id, pending) VALUES (new.id, 1);
END;
