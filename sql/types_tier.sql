--
-- permissions.tier: input, output, comparison, aggregates, indexes and
-- binary I/O
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
SET search_path = permissions, public;

-- every accepted spelling, in any case and with surrounding whitespace
SELECT to_json(v) AS input, v::tier AS tier
FROM (VALUES ('none'), ('tier4'), ('tier3'), ('tier2'), ('tier1'),
             ('read_only'), ('read_write'), ('read_write_delete'), ('full_control'),
             ('NONE'), ('Tier1'), ('tIeR2'), ('FULL_CONTROL'), ('Read_Write'),
             ('  tier2  '), (E'\t tier3 \n'), (E'\rREAD_ONLY\f'), (E'\013none\013'), ('tier1 ')) AS t(v);

-- output is canonical, and the text cast round-trips
SELECT 'full_control'::tier::text AS text, 'read_write'::text::tier AS from_text;
SELECT '{tier1, READ_ONLY, none}'::tier[] AS tier_array;
SELECT NULL::tier AS null_tier;

-- bad input
SELECT ''::tier;
SELECT '   '::tier;
SELECT 'x'::tier;
SELECT 'tier'::tier;
SELECT 'tier0'::tier;
SELECT 'tier5'::tier;
SELECT 'tier 1'::tier;
SELECT 'tier1x'::tier;
SELECT 'tier1,'::tier;
SELECT '"tier1"'::tier;
SELECT '4'::tier;
SELECT 'read-only'::tier;
SELECT 'readonly'::tier;
SELECT 'full control'::tier;
SELECT 'tıer1'::tier;
SELECT 'TİER1'::tier;
SELECT 'ｔｉｅｒ１'::tier;
SELECT 'x'::text::tier;

-- very long input: whitespace padding is accepted, anything else rejected
SELECT (repeat(' ', 100000) || 'tier2' || repeat(E'\n', 100000))::tier AS padded;
DO $$
BEGIN
	PERFORM repeat('tier1', 100000)::permissions.tier;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'rejected with SQLSTATE %, message of % characters', SQLSTATE, length(SQLERRM);
END
$$;

-- comparison operators and the btree support function, on every pair
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le,
       a > b AS gt, a >= b AS ge, tier_cmp(a, b) AS cmp
FROM unnest('{none,tier4,tier3,tier2,tier1}'::tier[]) AS a,
     unnest('{none,tier4,tier3,tier2,tier1}'::tier[]) AS b
ORDER BY a, b;
SELECT NULL::tier = 'tier1' AS null_eq, NULL::tier < 'tier1' AS null_lt;

-- operators can also be named explicitly when the schema is not on the path
SET search_path = public;
SELECT 'tier1'::permissions.tier OPERATOR(permissions.>) 'tier2' AS gt,
       'read_only'::permissions.tier OPERATOR(permissions.=) 'tier4' AS eq;
SET search_path = permissions, public;

-- max and min aggregates
SELECT max(t), min(t) FROM unnest('{tier3,none,tier1,NULL,tier4}'::tier[]) AS t;
SELECT permissions.max(t), permissions.min(t) FROM unnest('{}'::tier[]) AS t;
SELECT tier_larger('tier4', 'tier2'), tier_smaller('tier4', 'tier2');

-- hash functions: the extended hash with seed 0 agrees with the plain one
SELECT t, tier_hash_extended(t, 0) & 4294967295 = tier_hash(t)::bigint & 4294967295 AS agrees,
       tier_hash_extended(t, 0) <> tier_hash_extended(t, 1) AS seeded
FROM unnest('{none,tier4,tier3,tier2,tier1}'::tier[]) AS t;

-- sorting, DISTINCT and grouping on a table
CREATE TEMP TABLE tier_tab (id int, t tier);
INSERT INTO tier_tab
	SELECT g, (ARRAY['tier2', 'none', 'tier1', 'tier4', 'tier3'])[1 + g % 5]::tier
	FROM generate_series(1, 1000) AS g;
SELECT t, count(*) FROM tier_tab GROUP BY t ORDER BY t;
SELECT DISTINCT t FROM tier_tab ORDER BY t DESC;
SELECT id, t FROM tier_tab ORDER BY t DESC, id LIMIT 3;

-- hash aggregation, hash join and merge join use the operator classes
ANALYZE tier_tab;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT t, count(*) FROM tier_tab GROUP BY t;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM tier_tab a JOIN tier_tab b ON a.t = b.t;
SELECT count(*) FROM tier_tab a JOIN tier_tab b ON a.t = b.t;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM tier_tab a JOIN tier_tab b ON a.t = b.t;
SELECT count(*) FROM tier_tab a JOIN tier_tab b ON a.t = b.t;
RESET enable_hashjoin;
RESET enable_nestloop;

-- btree index scans
CREATE INDEX tier_tab_t ON tier_tab (t);
ANALYZE tier_tab;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM tier_tab WHERE t = 'tier2';
EXPLAIN (COSTS OFF) SELECT id FROM tier_tab WHERE t >= 'read_write_delete';
SELECT count(*) FROM tier_tab WHERE t = 'tier2';
SELECT count(*) FROM tier_tab WHERE t >= 'read_write_delete';
SELECT count(*) FROM tier_tab WHERE t < 'tier3';
SELECT count(*) FROM tier_tab WHERE t <> 'none';
SELECT min(t), max(t) FROM tier_tab;

-- the comparisons are leakproof, so a security barrier does not stop index use
CREATE TEMP VIEW tier_even WITH (security_barrier) AS
	SELECT * FROM tier_tab WHERE id % 2 = 0;
EXPLAIN (COSTS OFF) SELECT id FROM tier_even WHERE t = 'tier1';
SELECT count(*) FROM tier_even WHERE t = 'tier1';

-- hash index scans
DROP INDEX tier_tab_t;
CREATE INDEX tier_tab_h ON tier_tab USING hash (t);
EXPLAIN (COSTS OFF) SELECT id FROM tier_tab WHERE t = 'tier3';
SELECT count(*) FROM tier_tab WHERE t = 'tier3';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- binary output
SELECT t, tier_send(t) FROM unnest('{none,tier4,tier3,tier2,tier1}'::tier[]) AS t;

-- binary round trip through COPY, and binary input that must be rejected
SELECT current_setting('data_directory') || '/permissions_types_tier.bin' AS binfile \gset
COPY (SELECT id, t FROM tier_tab) TO :'binfile' WITH (FORMAT binary);
CREATE TEMP TABLE tier_copy (id int, t tier);
COPY tier_copy FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE a.t = b.t) AS same
FROM tier_tab a JOIN tier_copy b USING (id);
COPY (SELECT 1, 5) TO :'binfile' WITH (FORMAT binary);
COPY tier_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 1, -1) TO :'binfile' WITH (FORMAT binary);
COPY tier_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 1, 4::int8) TO :'binfile' WITH (FORMAT binary);
COPY tier_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 1, 4::int2) TO :'binfile' WITH (FORMAT binary);
COPY tier_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, 0) TO :'binfile' WITH (FORMAT binary);
COPY tier_copy FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS rows_after_errors FROM tier_copy;
SELECT t FROM tier_copy WHERE id = 0;

-- catalog properties: which functions are leakproof
SELECT p.proname, p.proleakproof, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p
WHERE p.pronamespace = 'permissions'::regnamespace AND p.proname LIKE 'tier\_%'
ORDER BY p.proname;

DROP VIEW tier_even;
DROP TABLE tier_tab, tier_copy;
RESET search_path;
