-- Reserved for the audit chain (issue 5), which is being built on another
-- branch; this placeholder keeps the numbering gap-free until it lands, and
-- is replaced by that migration then.
SELECT 1;
