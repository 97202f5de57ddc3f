-- Reserved for work on another branch (008: model cards and governance);
-- this placeholder keeps the numbering gap-free until it lands, and is
-- dropped when that branch's migrations are merged.
SELECT 1;
