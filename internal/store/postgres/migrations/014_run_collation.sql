-- Run ids, metric, param and tag keys, and param and tag values compare
-- byte-wise (COLLATE "C") (issue 3).
--
-- Under any other collation PostgreSQL compares two texts through the C
-- library's strcoll, copying both into buffers first; under "C" it is a
-- memcmp. A runs search over 100,000 runs descends these indexes about
-- 1,300 times (a probe per run walked, keyed by a 32-character run id),
-- and the descents' comparisons were most of its time: the search's walk
-- went from 550 to 640-670 statements/s with these columns in "C".
-- (A database created with a "C.UTF-8" locale is not "C" to PostgreSQL
-- before version 17.)
--
-- No result changes: ids and keys are only tested for equality, param and
-- tag values only with =, !=, LIKE and ILIKE, and the search sorts values
-- with an explicit COLLATE "C" already (byte-wise, as SQLite does). ILIKE
-- names the database's collation (search_sql.go), so it still folds the
-- case of every letter, not only of ASCII ones.
--
-- Every column holding a run id changes, so that joins between them keep
-- one collation. Changing a column's collation rebuilds its indexes but
-- not its table.
ALTER TABLE runs ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE run_params
  ALTER COLUMN run_id TYPE TEXT COLLATE "C",
  ALTER COLUMN key TYPE TEXT COLLATE "C",
  ALTER COLUMN value TYPE TEXT COLLATE "C";
ALTER TABLE run_tags
  ALTER COLUMN run_id TYPE TEXT COLLATE "C",
  ALTER COLUMN key TYPE TEXT COLLATE "C",
  ALTER COLUMN value TYPE TEXT COLLATE "C";
ALTER TABLE metrics
  ALTER COLUMN run_id TYPE TEXT COLLATE "C",
  ALTER COLUMN key TYPE TEXT COLLATE "C";
ALTER TABLE latest_metrics
  ALTER COLUMN run_id TYPE TEXT COLLATE "C",
  ALTER COLUMN key TYPE TEXT COLLATE "C";
ALTER TABLE run_files ALTER COLUMN run_id TYPE TEXT COLLATE "C";
ALTER TABLE run_inputs ALTER COLUMN run_id TYPE TEXT COLLATE "C";
ALTER TABLE run_input_tags ALTER COLUMN run_id TYPE TEXT COLLATE "C";
ALTER TABLE run_dependencies ALTER COLUMN run_id TYPE TEXT COLLATE "C";
ALTER TABLE run_environments ALTER COLUMN run_id TYPE TEXT COLLATE "C";
ALTER TABLE model_versions ALTER COLUMN run_id TYPE TEXT COLLATE "C";
ANALYZE runs;
ANALYZE run_params;
ANALYZE run_tags;
ANALYZE latest_metrics;
