-- Lineage node indexes that a planner cannot mistake (bench/RESULTS.md,
-- Lineage). OpenLineage ingestion looks nodes up by (workspace, type, key).
-- PostgreSQL, on a table that autovacuum had not analysed yet (any young or
-- fast-growing one), estimated one row for every index starting with
-- (workspace, type) and picked the smaller lineage_nodes_type, reading every
-- node of a type per lookup: 2.4 ms of database CPU per event. Node lists now
-- page in (type, key) order, the unique index's, so lineage_nodes_type is not
-- needed (and every new node writes one index less); the name index leads
-- with the name, so it no longer matches a (workspace, type) prefix.
DROP INDEX lineage_nodes_type;
DROP INDEX lineage_nodes_name;
CREATE INDEX lineage_nodes_name ON lineage_nodes (workspace, name, type);

-- Audit events appended many per statement: a transaction that writes a
-- batch (OpenLineage events that arrived together, each with its own audit
-- event) made one round trip per event. As steward_audit_insert, but with
-- one array per column; the seqs come back in the order of the arrays,
-- since rows are inserted, and draw their seqs, in that order.
-- steward_audit_insert stays for replicas of the previous release during a
-- rolling upgrade.
CREATE FUNCTION steward_audit_insert_many(
  p_lock BIGINT,
  p_workspace TEXT[], p_time BIGINT[], p_actor_id TEXT[], p_actor_kind TEXT[], p_auth_method TEXT[], p_request_id TEXT[],
  p_remote_ip TEXT[], p_user_agent TEXT[], p_action TEXT[], p_object_type TEXT[], p_object_id TEXT[], p_outcome TEXT[],
  p_before_digest TEXT[], p_after_digest TEXT[], p_changed TEXT[], p_before TEXT[], p_after TEXT[])
RETURNS SETOF BIGINT LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(p_lock);
  RETURN QUERY
  INSERT INTO events AS e (workspace, time, actor_id, actor_kind, auth_method, request_id, remote_ip, user_agent,
      action, object_type, object_id, outcome, before_digest, after_digest, changed, before, after)
    SELECT * FROM unnest(p_workspace, p_time, p_actor_id, p_actor_kind, p_auth_method, p_request_id, p_remote_ip,
      p_user_agent, p_action, p_object_type, p_object_id, p_outcome, p_before_digest, p_after_digest, p_changed,
      p_before, p_after)
    RETURNING e.seq;
END $$;

-- The graph is append-only: nodes are never deleted, and edges and facets
-- are written only with node ids read or inserted in the same transaction.
-- PostgreSQL checked each edge's two nodes, each facet's node and each
-- node's workspace with a row lock (FOR KEY SHARE) on the referenced row,
-- and concurrent batches share those rows (their jobs, the workspace), so
-- the locks became multixacts: 15 % of the database's CPU under
-- OpenLineage ingestion. SQLite keeps these constraints (checking them is
-- an in-process index probe there), so the contract tests, which run on
-- both, still catch a store that would break them.
ALTER TABLE lineage_edges DROP CONSTRAINT lineage_edges_src_fkey, DROP CONSTRAINT lineage_edges_dst_fkey;
ALTER TABLE lineage_facets DROP CONSTRAINT lineage_facets_node_id_fkey;
ALTER TABLE lineage_nodes DROP CONSTRAINT lineage_nodes_workspace_fkey;

-- An OpenLineage event's body (a few KB) stays in the row uncompressed:
-- above about 2 KB PostgreSQL compressed it on every insert (pglz, 3 % of
-- the database's CPU), for events that are written once and rarely read.
ALTER TABLE openlineage_events SET (toast_tuple_target = 8160);
