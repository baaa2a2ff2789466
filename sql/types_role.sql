--
-- permissions.role: input, output, comparison, indexes and binary I/O
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
SET search_path = permissions, public;

-- accepted spellings: any case, surrounding whitespace ignored
SELECT to_json(v) AS input, v::role AS role
FROM (VALUES ('user'), ('manager'), ('USER'), ('Manager'), ('mAnAgEr'),
             ('  user'), (E'manager\n'), (E'\t\r\f\013user \t')) AS t(v);
SELECT 'manager'::role::text AS text, 'USER'::text::role AS from_text;
SELECT '{manager, user}'::role[] AS role_array;

-- bad input
SELECT ''::role;
SELECT 'users'::role;
SELECT 'admin'::role;
SELECT 'manager1'::role;
SELECT 'man ager'::role;
SELECT '0'::role;
SELECT '"user"'::role;
SELECT 'ｕｓｅｒ'::role;
SELECT 'managers'::text::role;
DO $$
BEGIN
	PERFORM (repeat('user', 100000))::permissions.role;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'rejected with SQLSTATE %', SQLSTATE;
END
$$;

-- comparison operators and the btree support function, on every pair
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le,
       a > b AS gt, a >= b AS ge, role_cmp(a, b) AS cmp
FROM unnest('{user,manager}'::role[]) AS a, unnest('{user,manager}'::role[]) AS b
ORDER BY a, b;
SELECT r, role_hash_extended(r, 0) & 4294967295 = role_hash(r)::bigint & 4294967295 AS agrees
FROM unnest('{user,manager}'::role[]) AS r;

-- sorting, DISTINCT, hash and merge joins, btree and hash indexes
CREATE TEMP TABLE role_tab (id int, r role);
INSERT INTO role_tab
	SELECT g, CASE WHEN g % 10 = 0 THEN 'manager' ELSE 'user' END::role
	FROM generate_series(1, 1000) AS g;
ANALYZE role_tab;
SELECT r, count(*) FROM role_tab GROUP BY r ORDER BY r;
SELECT DISTINCT r FROM role_tab ORDER BY r DESC;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM role_tab a JOIN role_tab b ON a.r = b.r;
SELECT count(*) FROM role_tab a JOIN role_tab b ON a.r = b.r;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM role_tab a JOIN role_tab b ON a.r = b.r;
SELECT count(*) FROM role_tab a JOIN role_tab b ON a.r = b.r;
RESET enable_hashjoin;
RESET enable_nestloop;
CREATE INDEX role_tab_r ON role_tab (r);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM role_tab WHERE r = 'manager';
SELECT count(*) FROM role_tab WHERE r = 'manager';
SELECT count(*) FROM role_tab WHERE r > 'user';
SELECT count(*) FROM role_tab WHERE r <= 'user';
DROP INDEX role_tab_r;
CREATE INDEX role_tab_h ON role_tab USING hash (r);
EXPLAIN (COSTS OFF) SELECT id FROM role_tab WHERE r = 'manager';
SELECT count(*) FROM role_tab WHERE r = 'manager';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- binary output, COPY round trip, and binary input that must be rejected
SELECT r, role_send(r) FROM unnest('{user,manager}'::role[]) AS r;
SELECT current_setting('data_directory') || '/permissions_types_role.bin' AS binfile \gset
COPY (SELECT id, r FROM role_tab) TO :'binfile' WITH (FORMAT binary);
CREATE TEMP TABLE role_copy (id int, r role);
COPY role_copy FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE a.r = b.r) AS same
FROM role_tab a JOIN role_copy b USING (id);
COPY (SELECT 0, 2) TO :'binfile' WITH (FORMAT binary);
COPY role_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, -2147483648) TO :'binfile' WITH (FORMAT binary);
COPY role_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, 1) TO :'binfile' WITH (FORMAT binary);
COPY role_copy FROM :'binfile' WITH (FORMAT binary);
SELECT r FROM role_copy WHERE id = 0;

-- catalog properties
SELECT p.proname, p.proleakproof, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p
WHERE p.pronamespace = 'permissions'::regnamespace AND p.proname LIKE 'role\_%'
ORDER BY p.proname;

DROP TABLE role_tab, role_copy;
RESET search_path;
