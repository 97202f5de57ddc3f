-- Tamper-evident audit log (docs/audit.md): events gain an outcome, image
-- digests and changed fields, and their place in the hash chain and Merkle
-- tree: leaf (0-based position, gap-free), hash (the chain/leaf hash) and
-- tree (hashes of the subtrees the leaf completes). Rows written before this
-- migration are sealed by the server when it opens the database.
ALTER TABLE events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'success';
ALTER TABLE events ADD COLUMN before_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN after_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN changed TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN leaf INTEGER;
ALTER TABLE events ADD COLUMN hash BLOB;
ALTER TABLE events ADD COLUMN tree BLOB;
CREATE UNIQUE INDEX events_leaf ON events (leaf);

-- Signed checkpoints (signed notes); copies are also published outside.
CREATE TABLE audit_checkpoints (
  size         INTEGER PRIMARY KEY,
  root         BLOB NOT NULL,
  time         INTEGER NOT NULL,
  note         TEXT NOT NULL,
  published_at INTEGER
);

-- Normal operations never delete or rewrite audit rows. These triggers stop
-- mistakes, not an administrator (who can drop them): the chain and the
-- signed checkpoints are what detect tampering.
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events WHEN OLD.hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_checkpoints_append_only_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_append_only_update BEFORE UPDATE OF size, root, time, note ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
