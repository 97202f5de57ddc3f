-- Events waiting for their leaf (docs/audit.md, section 5). SQLite seals in
-- the writer before commit, so this index is normally empty; it serves the
-- verifier's count of pending events and a database written by an
-- interrupted seal.
CREATE INDEX events_unsealed ON events (seq) WHERE leaf IS NULL;
