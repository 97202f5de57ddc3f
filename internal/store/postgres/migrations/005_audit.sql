-- Tamper-evident audit log (docs/audit.md): events gain an outcome, image
-- digests and changed fields, and their place in the hash chain and Merkle
-- tree: leaf (0-based position, gap-free), hash (the chain/leaf hash) and
-- tree (hashes of the subtrees the leaf completes). Rows written before this
-- migration are sealed by the server when it opens the database.
ALTER TABLE events
  ADD COLUMN outcome TEXT NOT NULL DEFAULT 'success',
  ADD COLUMN before_digest TEXT NOT NULL DEFAULT '',
  ADD COLUMN after_digest TEXT NOT NULL DEFAULT '',
  ADD COLUMN changed TEXT NOT NULL DEFAULT '',
  ADD COLUMN leaf BIGINT,
  ADD COLUMN hash BYTEA,
  ADD COLUMN tree BYTEA;
CREATE UNIQUE INDEX events_leaf ON events (leaf);

-- Signed checkpoints (signed notes); copies are also published outside.
CREATE TABLE audit_checkpoints (
  size         BIGINT PRIMARY KEY,
  root         BYTEA NOT NULL,
  time         BIGINT NOT NULL,
  note         TEXT NOT NULL,
  published_at BIGINT
);

-- Normal operations never delete or rewrite audit rows. These triggers stop
-- mistakes, not an administrator (who can drop them): the chain and the
-- signed checkpoints are what detect tampering.
CREATE FUNCTION steward_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.hash IS NULL THEN
    RETURN NEW; -- sealing a row written before the audit chain existed
  END IF;
  RAISE EXCEPTION 'audit events are append-only';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION steward_events_append_only();

CREATE FUNCTION steward_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (OLD.size, OLD.root, OLD.time, OLD.note) IS NOT DISTINCT FROM (NEW.size, NEW.root, NEW.time, NEW.note) THEN
    RETURN NEW; -- marking a checkpoint published
  END IF;
  RAISE EXCEPTION 'audit checkpoints are append-only';
END $$;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION steward_checkpoints_append_only();
