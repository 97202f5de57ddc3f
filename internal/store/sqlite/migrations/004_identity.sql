-- Identity and access control: accounts, local groups, tokens, role bindings.
CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  display_name  TEXT NOT NULL DEFAULT '',
  email         TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL DEFAULT '',
  oidc_issuer   TEXT NOT NULL DEFAULT '',
  oidc_subject  TEXT NOT NULL DEFAULT '',
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_oidc ON accounts (oidc_issuer, oidc_subject) WHERE oidc_subject <> '';

CREATE TABLE group_members (
  group_name   TEXT NOT NULL,
  principal_id TEXT NOT NULL REFERENCES accounts (id),
  PRIMARY KEY (group_name, principal_id)
);
CREATE INDEX group_members_principal ON group_members (principal_id);

-- Only the SHA-256 of a token's secret is stored.
CREATE TABLE tokens (
  id           TEXT PRIMARY KEY,
  principal_id TEXT NOT NULL REFERENCES accounts (id),
  name         TEXT NOT NULL DEFAULT '',
  kind         TEXT NOT NULL,
  hash         TEXT NOT NULL,
  scope        INTEGER NOT NULL,
  groups_json  TEXT NOT NULL DEFAULT '[]',
  auth_method  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER NOT NULL DEFAULT 0,
  revoked_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_principal ON tokens (principal_id, created_at);

CREATE TABLE role_bindings (
  id         TEXT PRIMARY KEY,
  subject    TEXT NOT NULL,
  role       TEXT NOT NULL,
  scope_kind TEXT NOT NULL,
  workspace  TEXT NOT NULL DEFAULT '',
  scope_name TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX role_bindings_unique ON role_bindings (subject, role, scope_kind, workspace, scope_name);
CREATE INDEX role_bindings_scope ON role_bindings (scope_kind, workspace, scope_name);
