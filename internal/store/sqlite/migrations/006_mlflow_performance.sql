-- Search and logging performance (issue 3).

-- latest_metrics gains the run's experiment, so that a search ordered by a
-- metric walks one experiment's values of that metric in order and stops
-- after a page (index latest_metrics_order), instead of evaluating every run
-- of the experiment and sorting. Runs never change experiment, so the copy
-- cannot go stale. The table is rebuilt (SQLite cannot add a NOT NULL column
-- without a default) as WITHOUT ROWID: it is only ever reached by its key
-- (run_id, key) or through the order index, and a rowid table would keep a
-- third b-tree for every upsert to maintain.
CREATE TABLE latest_metrics_006 (
  run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  experiment_id INTEGER NOT NULL,
  key           TEXT NOT NULL,
  value         REAL NOT NULL,
  is_nan        INTEGER NOT NULL DEFAULT 0,
  timestamp     INTEGER NOT NULL,
  step          INTEGER NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
INSERT INTO latest_metrics_006 (run_id, experiment_id, key, value, is_nan, timestamp, step)
  SELECT lm.run_id, r.experiment_id, lm.key, lm.value, lm.is_nan, lm.timestamp, lm.step
  FROM latest_metrics lm JOIN runs r ON r.id = lm.run_id;
DROP TABLE latest_metrics;
ALTER TABLE latest_metrics_006 RENAME TO latest_metrics;
-- Serves ordering (experiment, key, is_nan = 0, by value) and metric filters
-- (experiment, key, value range).
CREATE INDEX latest_metrics_order ON latest_metrics (experiment_id, key, is_nan, value);

-- Params and tags are read by run: a page of search results loads all of
-- its runs' params and tags, and filters probe (run_id, key) for each
-- candidate run. As WITHOUT ROWID tables, a run's rows sit together in the
-- primary key's b-tree; a rowid table would cost one more b-tree seek per
-- row read and one more b-tree to update per row logged.
--
-- The (key, value) index on params is not kept: param filters are checked
-- per candidate run through the primary key, and that index put each of a
-- batch's params on a different page, so logging 100 params dirtied about
-- 100 index pages per run (two thirds of the cost of log-batch with 100
-- params). Tags keep theirs, for selective filters such as
-- tags.mlflow.parentRunId = '...'.
CREATE TABLE run_params_006 (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
INSERT INTO run_params_006 (run_id, key, value) SELECT run_id, key, value FROM run_params;
DROP TABLE run_params;
ALTER TABLE run_params_006 RENAME TO run_params;

CREATE TABLE run_tags_006 (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  key    TEXT NOT NULL,
  value  TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
INSERT INTO run_tags_006 (run_id, key, value) SELECT run_id, key, value FROM run_tags;
DROP TABLE run_tags;
ALTER TABLE run_tags_006 RENAME TO run_tags;
CREATE INDEX run_tags_key_value ON run_tags (key, value, run_id);

-- get-latest-versions: the highest version of a model in each stage is one
-- index seek per stage.
CREATE INDEX model_versions_model_stage ON model_versions (model_id, stage, version);
