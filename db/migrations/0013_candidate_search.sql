-- Candidate search (issue 15): a full-text index of each candidate's name,
-- headline, skills, employers and job titles that ignores case and accents
-- ("alvarez" finds "Álvarez"). FTS4, not FTS5: go-sqlite3 builds FTS3/4
-- without a build tag, FTS5 only with one. candidate_id is stored, not
-- indexed: a candidate's rowid is no key (no INTEGER PRIMARY KEY, so VACUUM
-- may renumber it).
CREATE VIRTUAL TABLE candidate_search USING fts4(
    candidate_id, name, label, skills, companies, titles,
    notindexed=candidate_id, tokenize=unicode61 "remove_diacritics=2"
);

-- What is searched, read from the JSON Resume profile in this one place. A
-- profile that is not JSON gives only the name: a write never fails here.
CREATE VIEW candidate_search_source AS
SELECT id, name,
    CASE WHEN json_type(p, '$.basics.label') = 'text' THEN json_extract(p, '$.basics.label') ELSE '' END AS label,
    coalesce((SELECT group_concat(value, ' ') FROM json_tree(p, '$.skills') WHERE type = 'text'
        AND (fullkey LIKE '$.skills[%].name' OR path LIKE '$.skills[%].keywords')), '') AS skills,
    coalesce((SELECT group_concat(value, ' ') FROM json_tree(p, '$.work') WHERE type = 'text'
        AND (fullkey LIKE '$.work[%].name' OR fullkey LIKE '$.work[%].company')), '') AS companies,
    coalesce((SELECT group_concat(value, ' ') FROM json_tree(p, '$.work') WHERE type = 'text'
        AND fullkey LIKE '$.work[%].position'), '') AS titles
FROM (SELECT id, name, CASE WHEN json_valid(profile) THEN profile ELSE '{}' END AS p FROM candidates);

-- Kept in step by triggers, so every write path (and ON DELETE CASCADE from
-- users) updates the index in the writer's own transaction.
CREATE TRIGGER candidate_search_insert AFTER INSERT ON candidates BEGIN
    INSERT INTO candidate_search (candidate_id, name, label, skills, companies, titles)
    SELECT id, name, label, skills, companies, titles FROM candidate_search_source WHERE id = NEW.id;
END;

CREATE TRIGGER candidate_search_update AFTER UPDATE OF name, profile ON candidates BEGIN
    DELETE FROM candidate_search WHERE candidate_id = OLD.id;
    INSERT INTO candidate_search (candidate_id, name, label, skills, companies, titles)
    SELECT id, name, label, skills, companies, titles FROM candidate_search_source WHERE id = NEW.id;
END;

CREATE TRIGGER candidate_search_delete AFTER DELETE ON candidates BEGIN
    DELETE FROM candidate_search WHERE candidate_id = OLD.id;
END;

INSERT INTO candidate_search (candidate_id, name, label, skills, companies, titles)
SELECT id, name, label, skills, companies, titles FROM candidate_search_source;
