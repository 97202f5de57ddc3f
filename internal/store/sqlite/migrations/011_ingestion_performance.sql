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
