-- Registry core: workspaces, projects, models, versions, manifests, blobs, events.
CREATE TABLE workspaces (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
INSERT INTO workspaces (name, description, created_at) VALUES ('default', 'Default workspace', 0);

CREATE TABLE projects (
  id          TEXT PRIMARY KEY,
  workspace   TEXT NOT NULL REFERENCES workspaces(name),
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  revision    INTEGER NOT NULL,
  UNIQUE (workspace, name)
);

CREATE TABLE models (
  id           TEXT PRIMARY KEY,
  workspace    TEXT NOT NULL REFERENCES workspaces(name),
  project_id   TEXT REFERENCES projects(id) ON DELETE SET NULL,
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  owner        TEXT NOT NULL DEFAULT '',
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  revision     INTEGER NOT NULL,
  next_version INTEGER NOT NULL DEFAULT 0,
  UNIQUE (workspace, name)
);
CREATE INDEX models_project ON models (project_id);

CREATE TABLE model_tags (
  model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  key      TEXT NOT NULL,
  value    TEXT NOT NULL,
  PRIMARY KEY (model_id, key)
);

CREATE TABLE model_versions (
  id              TEXT PRIMARY KEY,
  workspace       TEXT NOT NULL REFERENCES workspaces(name),
  model_id        TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version         INTEGER NOT NULL,
  description     TEXT NOT NULL DEFAULT '',
  source          TEXT NOT NULL DEFAULT '',
  run_id          TEXT NOT NULL DEFAULT '',
  manifest_digest TEXT NOT NULL,
  file_count      INTEGER NOT NULL,
  total_size      INTEGER NOT NULL,
  stage           TEXT NOT NULL,
  status          TEXT NOT NULL,
  status_message  TEXT NOT NULL DEFAULT '',
  created_by      TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  revision        INTEGER NOT NULL,
  UNIQUE (model_id, version)
);
CREATE INDEX model_versions_stage ON model_versions (workspace, stage);
CREATE INDEX model_versions_run ON model_versions (workspace, run_id);

CREATE TABLE version_tags (
  version_id TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (version_id, key)
);

CREATE TABLE model_aliases (
  model_id   TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  alias      TEXT NOT NULL,
  version_id TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  PRIMARY KEY (model_id, alias)
);
CREATE INDEX model_aliases_version ON model_aliases (version_id);

CREATE TABLE version_files (
  version_id TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  path       TEXT NOT NULL,
  digest     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  media_type TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (version_id, path)
);

-- A workspace may read a blob only if it was uploaded into that workspace.
CREATE TABLE blobs (
  workspace  TEXT NOT NULL REFERENCES workspaces(name),
  digest     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (workspace, digest)
);

-- Domain events: one per committed change, written in the change's transaction.
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace   TEXT NOT NULL,
  time        INTEGER NOT NULL,
  actor_id    TEXT NOT NULL,
  actor_kind  TEXT NOT NULL,
  auth_method TEXT NOT NULL DEFAULT '',
  request_id  TEXT NOT NULL DEFAULT '',
  remote_ip   TEXT NOT NULL DEFAULT '',
  user_agent  TEXT NOT NULL DEFAULT '',
  action      TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  before      TEXT,
  after       TEXT
);
CREATE INDEX events_object ON events (workspace, object_type, object_id, seq);
