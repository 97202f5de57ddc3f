-- Annotations: comments on a model, on one of its versions, or on one of its
-- model cards, with author and time. Exactly one target: a model comment has
-- neither version_id nor card_id; a version or card comment has one of them.
-- Comments go with what they annotate (ON DELETE CASCADE); their create and
-- delete events stay in the audit log. seq orders a thread as it was
-- written, also within one millisecond.
CREATE TABLE comments (
  seq        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  workspace  TEXT NOT NULL,
  model_id   TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  version_id TEXT REFERENCES model_versions(id) ON DELETE CASCADE,
  card_id    TEXT REFERENCES model_cards(id) ON DELETE CASCADE,
  body       TEXT NOT NULL,
  author     TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  CHECK (version_id IS NULL OR card_id IS NULL)
);
CREATE INDEX comments_model ON comments (model_id, seq);
CREATE INDEX comments_version ON comments (version_id, seq);
CREATE INDEX comments_card ON comments (card_id, seq);

-- The inventory lists and filters models by these profile columns.
CREATE INDEX model_profiles_status ON model_profiles (workspace, validation_status);

-- Findings in the order they were recorded, also within one millisecond:
-- seq counts per review (the review row is updated in the same transaction,
-- which serializes concurrent additions).
ALTER TABLE validation_findings ADD COLUMN seq BIGINT;
CREATE UNIQUE INDEX validation_findings_seq ON validation_findings (review_id, seq);
