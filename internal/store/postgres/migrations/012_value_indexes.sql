-- Value indexes that every value fits, and a params value index (issue 3).
--
-- A btree entry holds at most 2,704 bytes, and MLflow lets a tag value be
-- 8,000 characters and a param value 6,000: setting a long tag failed on
-- run_tags_key_value (SQLSTATE 54000, a 500). The value indexes now hold
-- only values of at most 1,000 bytes. A search for a value that short
-- says so (octet_length(value) <= 1000, search_sql.go shortValue), which
-- lets PostgreSQL use these partial indexes; a longer value is found
-- through the primary key, as before.
DROP INDEX run_tags_key_value;
CREATE INDEX run_tags_key_value ON run_tags (key, value, run_id) WHERE octet_length(value) <= 1000;
DROP INDEX model_tags_key_value;
CREATE INDEX model_tags_key_value ON model_tags (key, value, model_id) WHERE octet_length(value) <= 1000;
DROP INDEX version_tags_key_value;
CREATE INDEX version_tags_key_value ON version_tags (key, value, version_id) WHERE octet_length(value) <= 1000;

-- A param filter (params.p1 = 'x') was checked per candidate run through
-- the primary key: a btree descent and a heap read per run walked, 7 us
-- each over 100,000 runs. Through this index it is an index-only probe
-- into one (key, value) range, whose upper pages stay in cache: 3 us.
-- (006 dropped a full (key, value) index because logging 100 params
-- dirtied 100 of its pages; bench/RESULTS.md has the cost of this one.)
CREATE INDEX run_params_key_value ON run_params (key, value, run_id) WHERE octet_length(value) <= 1000;

-- Without them PostgreSQL multiplies the selectivities of key = 'p1',
-- value = 'x' and octet_length(value) <= 1000 as if unrelated (a value
-- belongs to its key, and almost every value is short): over 100,000 runs
-- it expected 1,371 rows with p1 = 'x' instead of 20,000 and chose to join
-- and sort every match (118 ms) instead of walking the order (5 ms).
CREATE STATISTICS run_params_key_value (mcv) ON key, value FROM run_params;
CREATE STATISTICS run_params_value_length ON (octet_length(value)) FROM run_params;
CREATE STATISTICS run_tags_key_value (mcv) ON key, value FROM run_tags;
CREATE STATISTICS run_tags_value_length ON (octet_length(value)) FROM run_tags;
ANALYZE run_params;
ANALYZE run_tags;
