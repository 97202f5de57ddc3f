-- Governance: the inventory facts of each model, model cards, independent
-- validation, gate policies per risk tier, approval requests bound to an
-- artifact manifest digest, the history of every stage and alias move, and
-- deployments. Every table is scoped by workspace like the rest.

-- Inventory facts that are not the registry's (owner and kind are on models).
-- validation_status is kept up to date by the validation service in the
-- transaction that changes a review; "expired" is derived at read time from
-- next_review_at.
CREATE TABLE model_profiles (
  model_id          TEXT PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
  workspace         TEXT NOT NULL,
  business_unit     TEXT NOT NULL DEFAULT '',
  intended_use      TEXT NOT NULL DEFAULT '',
  risk_tier         TEXT NOT NULL DEFAULT '',
  validation_status TEXT NOT NULL DEFAULT 'not_validated',
  next_review_at    BIGINT,
  retired_at        BIGINT,
  retired_reason    TEXT NOT NULL DEFAULT '',
  updated_by        TEXT NOT NULL,
  updated_at        BIGINT NOT NULL,
  revision          BIGINT NOT NULL
);
CREATE INDEX model_profiles_review ON model_profiles (workspace, next_review_at);
CREATE INDEX model_profiles_tier ON model_profiles (workspace, risk_tier);

-- Model cards: versioned documents per model. content is the card's JSON
-- (validated by internal/modelcard's schema); an approved card version is
-- never updated again (editing makes a new card version).
CREATE TABLE model_cards (
  id            TEXT PRIMARY KEY,
  workspace     TEXT NOT NULL,
  model_id      TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  card_version  BIGINT NOT NULL,
  model_version BIGINT,
  status        TEXT NOT NULL,
  content       TEXT NOT NULL,
  created_by    TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_by    TEXT NOT NULL,
  updated_at    BIGINT NOT NULL,
  approved_by   TEXT NOT NULL DEFAULT '',
  approved_at   BIGINT,
  revision      BIGINT NOT NULL,
  UNIQUE (model_id, card_version)
);
CREATE INDEX model_cards_status ON model_cards (workspace, status);

-- Everyone who wrote to a card version: an author of the model for the
-- independence rule.
CREATE TABLE model_card_editors (
  card_id   TEXT NOT NULL REFERENCES model_cards(id) ON DELETE CASCADE,
  principal TEXT NOT NULL,
  PRIMARY KEY (card_id, principal)
);

-- Validation reviews of a model version and their findings. A sign-off
-- records the version's manifest digest at that moment: if the artifacts
-- change the sign-off no longer counts.
CREATE TABLE validation_reviews (
  id              TEXT PRIMARY KEY,
  workspace       TEXT NOT NULL,
  model_id        TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version_id      TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  status          TEXT NOT NULL,
  summary         TEXT NOT NULL DEFAULT '',
  created_by      TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  signed_off_by   TEXT NOT NULL DEFAULT '',
  signed_off_at   BIGINT,
  manifest_digest TEXT NOT NULL DEFAULT '',
  revision        BIGINT NOT NULL
);
CREATE INDEX validation_reviews_version ON validation_reviews (version_id, created_at);
CREATE INDEX validation_reviews_model ON validation_reviews (model_id, created_at);

CREATE TABLE validation_findings (
  id            TEXT PRIMARY KEY,
  review_id     TEXT NOT NULL REFERENCES validation_reviews(id) ON DELETE CASCADE,
  workspace     TEXT NOT NULL,
  severity      TEXT NOT NULL,
  title         TEXT NOT NULL,
  description   TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL,
  justification TEXT NOT NULL DEFAULT '',
  created_by    TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_by    TEXT NOT NULL,
  updated_at    BIGINT NOT NULL,
  revision      BIGINT NOT NULL
);
CREATE INDEX validation_findings_review ON validation_findings (review_id, created_at);

-- Gate policies as data, one per workspace and risk tier ('' = models with
-- no tier). policy is JSON (governance.Policy).
CREATE TABLE gate_policies (
  workspace  TEXT NOT NULL,
  risk_tier  TEXT NOT NULL,
  policy     TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  revision   BIGINT NOT NULL,
  PRIMARY KEY (workspace, risk_tier)
);

-- Approval requests for a stage or alias move, bound to the version's
-- manifest digest when requested; decisions are one per approver.
CREATE TABLE approval_requests (
  id              TEXT PRIMARY KEY,
  workspace       TEXT NOT NULL,
  model_id        TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version_id      TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  target_kind     TEXT NOT NULL,
  target          TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  justification   TEXT NOT NULL,
  status          TEXT NOT NULL,
  requested_by    TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  applied_at      BIGINT,
  revision        BIGINT NOT NULL
);
CREATE INDEX approval_requests_version ON approval_requests (version_id, target_kind, target);
CREATE INDEX approval_requests_status ON approval_requests (workspace, status, created_at);

CREATE TABLE approval_decisions (
  request_id      TEXT NOT NULL REFERENCES approval_requests(id) ON DELETE CASCADE,
  approver        TEXT NOT NULL,
  decision        TEXT NOT NULL,
  comment         TEXT NOT NULL DEFAULT '',
  manifest_digest TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  PRIMARY KEY (request_id, approver)
);

-- Every stage and alias move, kept after the model or version is deleted (no
-- foreign keys): kind 'stage' says version moved from from_value to target;
-- kind 'alias' says alias target now points at version (NULL: removed),
-- from_value is the version it pointed at before ('' if none).
CREATE TABLE lifecycle_moves (
  seq         INTEGER PRIMARY KEY,
  workspace   TEXT NOT NULL,
  model_id    TEXT NOT NULL,
  model_name  TEXT NOT NULL,
  kind        TEXT NOT NULL,
  target      TEXT NOT NULL,
  version     BIGINT,
  version_id  TEXT NOT NULL DEFAULT '',
  from_value  TEXT NOT NULL DEFAULT '',
  actor       TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT '',
  approval_id TEXT NOT NULL DEFAULT '',
  at          BIGINT NOT NULL
);
CREATE INDEX lifecycle_moves_model ON lifecycle_moves (model_id, at, seq);

-- Where a version runs. ended_at NULL means live.
CREATE TABLE deployments (
  id          TEXT PRIMARY KEY,
  workspace   TEXT NOT NULL,
  model_id    TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version_id  TEXT NOT NULL REFERENCES model_versions(id) ON DELETE CASCADE,
  version     BIGINT NOT NULL,
  environment TEXT NOT NULL,
  endpoint    TEXT NOT NULL DEFAULT '',
  traffic     DOUBLE PRECISION NOT NULL,
  role        TEXT NOT NULL,
  started_at  BIGINT NOT NULL,
  ended_at    BIGINT,
  end_reason  TEXT NOT NULL DEFAULT '',
  created_by  TEXT NOT NULL,
  revision    BIGINT NOT NULL
);
CREATE INDEX deployments_model ON deployments (model_id, environment, started_at);
CREATE INDEX deployments_live ON deployments (workspace, environment, ended_at);

-- A retired version: archived with a reason, its deployments ended.
CREATE TABLE version_retirements (
  version_id TEXT PRIMARY KEY REFERENCES model_versions(id) ON DELETE CASCADE,
  workspace  TEXT NOT NULL,
  reason     TEXT NOT NULL,
  retired_by TEXT NOT NULL,
  retired_at BIGINT NOT NULL
);
