-- Search and logging performance (issue 3).

-- latest_metrics gains the run's experiment, so that a search ordered by a
-- metric walks one experiment's values of that metric in order and stops
-- after a page (index latest_metrics_order), instead of evaluating every run
-- of the experiment and sorting. Runs never change experiment, so the copy
-- cannot go stale.
ALTER TABLE latest_metrics ADD COLUMN experiment_id BIGINT;
UPDATE latest_metrics lm SET experiment_id = r.experiment_id FROM runs r WHERE r.id = lm.run_id;
ALTER TABLE latest_metrics ALTER COLUMN experiment_id SET NOT NULL;
DROP INDEX latest_metrics_key_value;
-- Serves ordering (experiment, key, is_nan = 0, by value) and metric filters
-- (experiment, key, value range); run_id makes it covering for the walk.
CREATE INDEX latest_metrics_order ON latest_metrics (experiment_id, key, is_nan, value, run_id);

-- Param filters are checked per candidate run through the primary key
-- (run_id, key). An index by (key, value) put each of a batch's params on a
-- different page, so logging 100 params dirtied about 100 index pages per
-- run, for no search that needs it.
DROP INDEX run_params_key_value;

-- get-latest-versions: the highest version of a model in each stage is one
-- index seek per stage.
CREATE INDEX model_versions_model_stage ON model_versions (model_id, stage, version);
