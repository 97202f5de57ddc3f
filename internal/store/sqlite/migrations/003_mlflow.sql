-- MLflow compatibility: run artifacts, datasets and run inputs, search indexes.

-- A run's artifacts are a manifest like a version's: path -> content-addressed blob.
CREATE TABLE run_files (
  run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  path       TEXT NOT NULL,
  digest     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  media_type TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, path)
);

-- Datasets logged as run inputs (MLflow's log-inputs); one row per
-- (experiment, name, digest), as MLflow deduplicates them.
CREATE TABLE datasets (
  id            TEXT PRIMARY KEY,
  workspace     TEXT NOT NULL REFERENCES workspaces(name),
  experiment_id INTEGER NOT NULL REFERENCES experiments(id),
  name          TEXT NOT NULL,
  digest        TEXT NOT NULL,
  source_type   TEXT NOT NULL DEFAULT '',
  source        TEXT NOT NULL DEFAULT '',
  schema        TEXT NOT NULL DEFAULT '',
  profile       TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  UNIQUE (experiment_id, name, digest)
);

CREATE TABLE run_inputs (
  run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  dataset_id TEXT NOT NULL REFERENCES datasets(id),
  position   INTEGER NOT NULL,
  PRIMARY KEY (run_id, dataset_id)
);
CREATE INDEX run_inputs_dataset ON run_inputs (dataset_id);

CREATE TABLE run_input_tags (
  run_id     TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (run_id, dataset_id, key),
  FOREIGN KEY (run_id, dataset_id) REFERENCES run_inputs(run_id, dataset_id) ON DELETE CASCADE
);

-- Search: filters on metrics, params and tags look up by key then value.
CREATE INDEX latest_metrics_key_value ON latest_metrics (key, value, run_id);
CREATE INDEX run_params_key_value ON run_params (key, value, run_id);
CREATE INDEX run_tags_key_value ON run_tags (key, value, run_id);
CREATE INDEX model_tags_key_value ON model_tags (key, value);
CREATE INDEX version_tags_key_value ON version_tags (key, value);

-- MLflow's model-version run_link.
ALTER TABLE model_versions ADD COLUMN run_link TEXT NOT NULL DEFAULT '';
