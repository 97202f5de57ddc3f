-- Experiment tracking: experiments, runs, params, tags, metric history.
CREATE TABLE experiments (
  id                INTEGER PRIMARY KEY,
  workspace         TEXT NOT NULL REFERENCES workspaces(name),
  name              TEXT NOT NULL,
  artifact_location TEXT NOT NULL DEFAULT '',
  lifecycle_stage   TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  revision          INTEGER NOT NULL,
  UNIQUE (workspace, name)
);
INSERT INTO experiments (id, workspace, name, artifact_location, lifecycle_stage, created_at, updated_at, revision)
VALUES (0, 'default', 'Default', 'mlflow-artifacts:/0', 'active', 0, 0, 1);

CREATE TABLE experiment_tags (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  key           TEXT NOT NULL,
  value         TEXT NOT NULL,
  PRIMARY KEY (experiment_id, key)
);

CREATE TABLE runs (
  id              TEXT PRIMARY KEY,
  workspace       TEXT NOT NULL REFERENCES workspaces(name),
  experiment_id   INTEGER NOT NULL REFERENCES experiments(id),
  name            TEXT NOT NULL DEFAULT '',
  user_id         TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL,
  start_time      INTEGER NOT NULL,
  end_time        INTEGER,
  lifecycle_stage TEXT NOT NULL,
  artifact_uri    TEXT NOT NULL DEFAULT '',
  deleted_at      INTEGER,
  revision        INTEGER NOT NULL
);
CREATE INDEX runs_experiment ON runs (workspace, experiment_id, start_time DESC, id);

CREATE TABLE run_params (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);

CREATE TABLE run_tags (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);

-- NaN is kept as a flag: SQLite stores a NaN REAL as NULL.
CREATE TABLE metrics (
  run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key       TEXT NOT NULL,
  value     REAL NOT NULL,
  is_nan    INTEGER NOT NULL DEFAULT 0,
  timestamp INTEGER NOT NULL,
  step      INTEGER NOT NULL
);
CREATE INDEX metrics_run_key ON metrics (run_id, key, step, timestamp);

CREATE TABLE latest_metrics (
  run_id    TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key       TEXT NOT NULL,
  value     REAL NOT NULL,
  is_nan    INTEGER NOT NULL DEFAULT 0,
  timestamp INTEGER NOT NULL,
  step      INTEGER NOT NULL,
  PRIMARY KEY (run_id, key)
);
