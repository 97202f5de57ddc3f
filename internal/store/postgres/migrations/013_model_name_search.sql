-- Substring search of model names (q, name_like) from an index (issue 2).
--
-- LOWER(name) LIKE '%term%' has no B-tree to use, so a term that matches
-- one model of 100,000 read every name (65 ms). A trigram index (pg_trgm)
-- serves it. pg_trgm ships with PostgreSQL but creating an extension
-- needs a privilege Steward's role may not have: then this migration
-- notes it and leaves the search as it was (correct, slower). A database
-- administrator can add it later (README, "PostgreSQL").
--
-- The extension goes where it already is, else in public, and the
-- operator class is named with that schema, so that the index works
-- whatever the role's search_path.
DO $$
DECLARE
  ext_schema text;
BEGIN
  SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
  IF ext_schema IS NULL THEN
    CREATE EXTENSION pg_trgm SCHEMA public;
    ext_schema := 'public';
  END IF;
  EXECUTE format('CREATE INDEX models_name_trgm ON models USING gin (lower(name) %I.gin_trgm_ops)', ext_schema);
  -- Statistics of lower(name), without which the planner guessed how many
  -- names hold a term and read the index for common ones (10 % of the
  -- models: 74 ms against 1 ms walking the names in order). Autovacuum
  -- would not gather them until many models change.
  ANALYZE models;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'substring search of model names stays unindexed: %', SQLERRM;
END $$;
