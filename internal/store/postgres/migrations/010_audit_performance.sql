-- Audit events are appended unsealed and sealed after commit (docs/audit.md,
-- section 5). Writers no longer serialize on the chain: each takes the
-- append lock in SHARED mode for the INSERT and its commit; a sealer takes it
-- EXCLUSIVE for an instant (the barrier) to learn a seq below which every
-- event is committed for good, then gives those events leaves in seq order.

-- The partial index finds the events waiting for their leaf.
CREATE INDEX events_unsealed ON events (seq) WHERE leaf IS NULL;

-- One round trip per unsealed append: the shared lock is taken before the
-- INSERT draws its seq, so a barrier that holds the lock exclusively knows
-- that every seq drawn before it belongs to a transaction that has ended.
CREATE FUNCTION steward_audit_insert(
  p_lock BIGINT,
  p_workspace TEXT, p_time BIGINT, p_actor_id TEXT, p_actor_kind TEXT, p_auth_method TEXT, p_request_id TEXT,
  p_remote_ip TEXT, p_user_agent TEXT, p_action TEXT, p_object_type TEXT, p_object_id TEXT, p_outcome TEXT,
  p_before_digest TEXT, p_after_digest TEXT, p_changed TEXT, p_before TEXT, p_after TEXT)
RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  new_seq BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(p_lock);
  INSERT INTO events AS e (workspace, time, actor_id, actor_kind, auth_method, request_id, remote_ip, user_agent,
      action, object_type, object_id, outcome, before_digest, after_digest, changed, before, after)
    VALUES (p_workspace, p_time, p_actor_id, p_actor_kind, p_auth_method, p_request_id, p_remote_ip, p_user_agent,
      p_action, p_object_type, p_object_id, p_outcome, p_before_digest, p_after_digest, p_changed, p_before, p_after)
    RETURNING e.seq INTO new_seq;
  RETURN new_seq;
END $$;

-- The barrier: granted once no writer holds the append lock (and holding
-- back new ones until this statement's transaction ends, a moment later).
-- In READ COMMITTED the SELECT after the lock sees every commit before it;
-- any seq drawn later is larger than the one it returns.
CREATE FUNCTION steward_audit_barrier(p_lock BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
  bound BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock(p_lock);
  SELECT COALESCE(MAX(e.seq), 0) INTO bound FROM events e;
  RETURN bound;
END $$;

-- Appending sealed events under a lock held through commit is gone; a
-- replica still running the old code fails loudly instead of appending out
-- of seq order.
DROP FUNCTION steward_audit_append(BIGINT, BIGINT, BYTEA, TEXT, BIGINT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT,
  TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, BYTEA, BYTEA);
