-- The database's identity: a random id created once, with the file. It
-- travels with the data (a restore from the replica keeps it), so two
-- volumes holding copies of one database share it, and the writer lease in
-- Redis (package lease) is taken per identity: only one of them may write.
INSERT OR IGNORE INTO settings (key, value, updated_at)
VALUES ('database_id', lower(hex(randomblob(16))), CAST(unixepoch('subsec') * 1000 AS INTEGER));
