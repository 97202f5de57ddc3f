-- Lineage and provenance: registered dataset versions, run environments, one
-- typed graph of nodes and append-only edges, OpenLineage events received.

-- A dataset version: where the data is (uri), what it was (digest of the
-- content, or of the manifest of its files), its schema and size.
CREATE TABLE dataset_versions (
  id          TEXT PRIMARY KEY,
  workspace   TEXT NOT NULL REFERENCES workspaces(name),
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  uri         TEXT NOT NULL,
  digest      TEXT NOT NULL,
  digest_kind TEXT NOT NULL,
  schema      TEXT NOT NULL DEFAULT '[]',
  row_count   INTEGER,
  size        INTEGER NOT NULL,
  owner       TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  tags        TEXT NOT NULL DEFAULT '{}',
  file_count  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (workspace, name, version)
);
-- MLflow run inputs find the registered version of the data they name by digest.
CREATE INDEX dataset_versions_digest ON dataset_versions (workspace, digest);

-- The manifest of a directory or prefix dataset: what `datasets verify` compares.
CREATE TABLE dataset_files (
  version_id TEXT NOT NULL REFERENCES dataset_versions(id),
  path       TEXT NOT NULL,
  digest     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  PRIMARY KEY (version_id, path)
) WITHOUT ROWID;

-- What a run ran with. env holds git, image, hardware, duration and energy as
-- JSON; dependencies are rows so "which runs used numpy 1.26" is one lookup.
CREATE TABLE run_environments (
  run_id      TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  workspace   TEXT NOT NULL,
  env         TEXT NOT NULL,
  captured_at INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE run_dependencies (
  run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  ecosystem TEXT NOT NULL,
  name      TEXT NOT NULL,
  version   TEXT NOT NULL,
  PRIMARY KEY (run_id, ecosystem, name, version)
) WITHOUT ROWID;
CREATE INDEX run_dependencies_name ON run_dependencies (ecosystem, name, version);

-- The graph. A node is identified by (workspace, type, key); its integer id
-- keeps edges small and traversals to integer index lookups. name groups the
-- versions of one thing (a dataset's name, a model's name).
CREATE TABLE lineage_nodes (
  id         INTEGER PRIMARY KEY,
  workspace  TEXT NOT NULL REFERENCES workspaces(name),
  type       TEXT NOT NULL,
  key        TEXT NOT NULL,
  name       TEXT NOT NULL DEFAULT '',
  object_id  TEXT NOT NULL DEFAULT '',
  attrs      TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  UNIQUE (workspace, type, key)
);
CREATE INDEX lineage_nodes_name ON lineage_nodes (workspace, type, name);
-- Node lists page through (type, id).
CREATE INDEX lineage_nodes_type ON lineage_nodes (workspace, type, id);

-- Edges point downstream (src came first, dst was made from or with it) and
-- are never updated or deleted. The primary key walks downstream, the second
-- index upstream; WITHOUT ROWID keeps each edge in the key order it is read in.
CREATE TABLE lineage_edges (
  src        INTEGER NOT NULL REFERENCES lineage_nodes(id),
  dst        INTEGER NOT NULL REFERENCES lineage_nodes(id),
  type       TEXT NOT NULL,
  label      TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (src, dst, type)
) WITHOUT ROWID;
CREATE INDEX lineage_edges_dst ON lineage_edges (dst, src, type);

-- OpenLineage facets, one row per node and facet name, kept as the JSON the
-- producer sent; a later event's facet replaces an earlier one.
CREATE TABLE lineage_facets (
  node_id    INTEGER NOT NULL REFERENCES lineage_nodes(id),
  name       TEXT NOT NULL,
  value      TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  PRIMARY KEY (node_id, name)
) WITHOUT ROWID;

-- Every OpenLineage event received, by the SHA-256 of its canonical JSON: the
-- same event sent twice is found here and changes nothing.
CREATE TABLE openlineage_events (
  workspace   TEXT NOT NULL,
  digest      TEXT NOT NULL,
  kind        TEXT NOT NULL,
  event_type  TEXT NOT NULL DEFAULT '',
  event_time  INTEGER NOT NULL,
  job         TEXT NOT NULL DEFAULT '',
  run_id      TEXT NOT NULL DEFAULT '',
  body        TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (workspace, digest)
);
