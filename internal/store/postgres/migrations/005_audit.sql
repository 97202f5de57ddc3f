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

-- One round trip per append (internal/store/sqlstore/events.go): the server
-- computes the event's leaf, hash and tree hashes from the tip it last saw;
-- this function takes the audit lock, and inserts the row only if that tip
-- is still the chain's tip. Otherwise it inserts nothing and returns the
-- actual tip (seq NULL), and the server recomputes while it holds the lock.
-- In READ COMMITTED each statement of a volatile function sees a fresh
-- snapshot, so the tip is read after the lock is granted.
CREATE FUNCTION steward_audit_append(
  p_lock BIGINT, p_leaf BIGINT, p_prev BYTEA,
  p_workspace TEXT, p_time BIGINT, p_actor_id TEXT, p_actor_kind TEXT, p_auth_method TEXT, p_request_id TEXT,
  p_remote_ip TEXT, p_user_agent TEXT, p_action TEXT, p_object_type TEXT, p_object_id TEXT, p_outcome TEXT,
  p_before_digest TEXT, p_after_digest TEXT, p_changed TEXT, p_before TEXT, p_after TEXT, p_hash BYTEA, p_tree BYTEA,
  OUT new_seq BIGINT, OUT tip_leaf BIGINT, OUT tip_hash BYTEA)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(p_lock);
  SELECT e.leaf, e.hash INTO tip_leaf, tip_hash FROM events e WHERE e.leaf IS NOT NULL ORDER BY e.leaf DESC LIMIT 1;
  IF tip_leaf IS NULL THEN
    tip_leaf := -1;
  END IF;
  IF tip_leaf + 1 <> p_leaf OR (p_leaf > 0 AND tip_hash IS DISTINCT FROM p_prev) THEN
    RETURN;
  END IF;
  INSERT INTO events AS e (workspace, time, actor_id, actor_kind, auth_method, request_id, remote_ip, user_agent,
      action, object_type, object_id, outcome, before_digest, after_digest, changed, before, after, leaf, hash, tree)
    VALUES (p_workspace, p_time, p_actor_id, p_actor_kind, p_auth_method, p_request_id, p_remote_ip, p_user_agent,
      p_action, p_object_type, p_object_id, p_outcome, p_before_digest, p_after_digest, p_changed, p_before, p_after,
      p_leaf, p_hash, p_tree)
    RETURNING e.seq INTO new_seq;
END $$;
