--
-- permissions.user_type: input, output, comparison, indexes and binary I/O
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
SET search_path = permissions, public;

-- accepted spellings: any case, surrounding whitespace ignored
SELECT to_json(v) AS input, v::user_type AS user_type
FROM (VALUES ('full_access'), ('single_performer'), ('read_only'),
             ('FULL_ACCESS'), ('Single_Performer'), ('rEAD_oNLY'),
             ('  full_access  '), (E'\tsingle_performer\n'), (E'\013read_only\r\f')) AS t(v);
SELECT 'read_only'::user_type::text AS text, 'Full_Access'::text::user_type AS from_text;
SELECT '{read_only, full_access}'::user_type[] AS user_type_array;

-- bad input
SELECT ''::user_type;
SELECT 'full'::user_type;
SELECT 'full access'::user_type;
SELECT 'full-access'::user_type;
SELECT 'fullaccess'::user_type;
SELECT 'single_performers'::user_type;
SELECT 'readonly'::user_type;
SELECT 'read_only_'::user_type;
SELECT 'tier4'::user_type;
SELECT '0'::user_type;
SELECT 'réad_only'::user_type;
SELECT 'manager'::text::user_type;
DO $$
BEGIN
	PERFORM (repeat(' ', 50000) || 'read_onl' || repeat(' ', 50000))::permissions.user_type;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'rejected with SQLSTATE %', SQLSTATE;
END
$$;

-- comparison operators and the btree support function, on every pair
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le,
       a > b AS gt, a >= b AS ge, user_type_cmp(a, b) AS cmp
FROM unnest('{full_access,single_performer,read_only}'::user_type[]) AS a,
     unnest('{full_access,single_performer,read_only}'::user_type[]) AS b
ORDER BY a, b;
SELECT u, user_type_hash_extended(u, 0) & 4294967295 = user_type_hash(u)::bigint & 4294967295 AS agrees
FROM unnest('{full_access,single_performer,read_only}'::user_type[]) AS u;

-- sorting, DISTINCT, hash and merge joins, btree and hash indexes
CREATE TEMP TABLE user_type_tab (id int, u user_type);
INSERT INTO user_type_tab
	SELECT g, (ARRAY['read_only', 'full_access', 'single_performer'])[1 + g % 3]::user_type
	FROM generate_series(1, 900) AS g;
ANALYZE user_type_tab;
SELECT u, count(*) FROM user_type_tab GROUP BY u ORDER BY u;
SELECT DISTINCT u FROM user_type_tab ORDER BY u DESC;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM user_type_tab a JOIN user_type_tab b ON a.u = b.u;
SELECT count(*) FROM user_type_tab a JOIN user_type_tab b ON a.u = b.u;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM user_type_tab a JOIN user_type_tab b ON a.u = b.u;
SELECT count(*) FROM user_type_tab a JOIN user_type_tab b ON a.u = b.u;
RESET enable_hashjoin;
RESET enable_nestloop;
CREATE INDEX user_type_tab_u ON user_type_tab (u);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM user_type_tab WHERE u = 'single_performer';
SELECT count(*) FROM user_type_tab WHERE u = 'single_performer';
SELECT count(*) FROM user_type_tab WHERE u > 'full_access';
SELECT count(*) FROM user_type_tab WHERE u < 'read_only';
SELECT count(*) FROM user_type_tab WHERE u >= 'read_only';
SELECT count(*) FROM user_type_tab WHERE u <> 'read_only';
DROP INDEX user_type_tab_u;
CREATE INDEX user_type_tab_h ON user_type_tab USING hash (u);
EXPLAIN (COSTS OFF) SELECT id FROM user_type_tab WHERE u = 'read_only';
SELECT count(*) FROM user_type_tab WHERE u = 'read_only';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- binary output, COPY round trip, and binary input that must be rejected
SELECT u, user_type_send(u) FROM unnest('{full_access,single_performer,read_only}'::user_type[]) AS u;
SELECT current_setting('data_directory') || '/permissions_types_user_type.bin' AS binfile \gset
COPY (SELECT id, u FROM user_type_tab) TO :'binfile' WITH (FORMAT binary);
CREATE TEMP TABLE user_type_copy (id int, u user_type);
COPY user_type_copy FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE a.u = b.u) AS same
FROM user_type_tab a JOIN user_type_copy b USING (id);
COPY (SELECT 0, 3) TO :'binfile' WITH (FORMAT binary);
COPY user_type_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, 2147483647) TO :'binfile' WITH (FORMAT binary);
COPY user_type_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, 2) TO :'binfile' WITH (FORMAT binary);
COPY user_type_copy FROM :'binfile' WITH (FORMAT binary);
SELECT u FROM user_type_copy WHERE id = 0;

-- catalog properties
SELECT p.proname, p.proleakproof, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p
WHERE p.pronamespace = 'permissions'::regnamespace AND p.proname LIKE 'user\_type\_%'
ORDER BY p.proname;

DROP TABLE user_type_tab, user_type_copy;
RESET search_path;
