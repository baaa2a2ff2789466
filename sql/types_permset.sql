--
-- permissions.permset: input, output, set operators, casts, helper
-- functions, indexes and binary I/O
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
SET search_path = permissions, public;

-- the permission names, in bit order, and the bit each one occupies
SELECT permission_names();
SELECT n.name, n.bit - 1 AS bit, permset_send(('{' || n.name || '}')::permset) AS send
FROM unnest(permission_names()) WITH ORDINALITY AS n(name, bit);

-- accepted input: any order and case, whitespace around names, duplicates
SELECT to_json(v) AS input, v::permset AS permset
FROM (VALUES ('{}'), (' { } '), (E'\t{\n}\r'), ('{manage_users}'),
             ('{view_audit_logs,manage_users}'), ('{MANAGE_USERS,View_Audit_Logs}'),
             ('{ manage_users , view_audit_logs }'), (E'{\tmanage_users\n,\fmanage_tags\013}'),
             ('{manage_users,manage_users,MANAGE_USERS}'),
             ('  {transfer_performers,create_performers}  ')) AS t(v);
SELECT ('{' || array_to_string(permission_names(), ',') || '}')::permset AS all_permissions;
SELECT ('{' || array_to_string(permission_names(), ',') || '}')::permset::text
     = '{' || array_to_string(permission_names(), ',') || '}' AS output_in_bit_order;
SELECT '{manage_users}'::permset::text AS text, '{MANAGE_TAGS}'::text::permset AS from_text;
SELECT '{"{manage_users}","{}"}'::permset[] AS permset_array;
SELECT NULL::permset AS null_permset;

-- very long input
SELECT ('{' || repeat('manage_users,', 100000) || 'view_reporting}')::permset AS long_list;
SELECT (repeat(' ', 100000) || '{' || repeat(' ', 100000) || '}')::permset AS long_empty;
DO $$
BEGIN
	PERFORM ('{' || repeat('x', 200000) || '}')::permissions.permset;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'rejected with SQLSTATE %, message of % characters', SQLSTATE, length(SQLERRM);
END
$$;

-- bad input: unknown names are reported by name
SELECT '{manage_users,fly}'::permset;
SELECT '{fly}'::permset;
SELECT '{manage_user}'::permset;
SELECT '{manage_usersx}'::permset;
SELECT '{manage-users}'::permset;
SELECT '{manage users}'::permset;
SELECT '{"manage_users"}'::permset;
SELECT '{manage_users;view_audit_logs}'::permset;
SELECT '{manage_users, ｍanage_tags}'::permset;
-- a no-break space (U+00A0) and a zero-width space (U+200B) are not whitespace
SELECT '{manage_users }'::permset;
SELECT '{manage_users​}'::permset;
SELECT '{manage_users, fly, bad}'::permset;
SELECT '{fly'::permset;
-- bad input: syntax errors
SELECT ''::permset;
SELECT '   '::permset;
SELECT 'manage_users'::permset;
SELECT '[manage_users]'::permset;
SELECT '(manage_users)'::permset;
SELECT '{'::permset;
SELECT '{manage_users'::permset;
SELECT '{manage_users,'::permset;
SELECT '{manage_users, '::permset;
SELECT '{,}'::permset;
SELECT '{,manage_users}'::permset;
SELECT '{manage_users,}'::permset;
SELECT '{manage_users,,view_audit_logs}'::permset;
SELECT '{manage_users view_audit_logs}'::permset;
SELECT '{{manage_users}}'::permset;
SELECT '{manage_users{}'::permset;
SELECT '{manage_users}}'::permset;
SELECT '{manage_users} x'::permset;
SELECT '{}{}'::permset;
SELECT '{} ,'::permset;
SELECT 'x'::text::permset;

-- set operators
CREATE TEMP TABLE permset_pairs (a permset, b permset);
INSERT INTO permset_pairs VALUES
	('{}', '{}'),
	('{}', '{manage_users}'),
	('{manage_users}', '{manage_users}'),
	('{manage_users,view_audit_logs}', '{manage_users}'),
	('{manage_users}', '{manage_users,view_audit_logs}'),
	('{manage_users,manage_tags}', '{manage_tags,view_reporting}'),
	('{create_performers}', '{transfer_performers}');
SELECT a, b, a @> b AS contains, a <@ b AS contained, a && b AS overlaps,
       a | b AS union, a & b AS intersect, a - b AS minus
FROM permset_pairs;
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le,
       a > b AS gt, a >= b AS ge, permset_cmp(a, b) AS cmp
FROM permset_pairs;
SELECT '{manage_users}'::permset | '{manage_tags}' | '{view_reporting}' AS chained,
       '{manage_users,manage_tags}'::permset - '{manage_tags}' - '{manage_users}' AS emptied;
SELECT NULL::permset @> '{}' AS null_contains, '{}'::permset | NULL AS null_union;

-- the set operators agree with set algebra on 200 different sets
CREATE TEMP TABLE permset_sample AS
	SELECT g AS id,
	       COALESCE((SELECT array_agg(n.name)
	                 FROM unnest(permission_names()) WITH ORDINALITY AS n(name, bit)
	                 WHERE (g * 7919 % 1048576) & (1 << (n.bit::int - 1)) <> 0),
	                '{}')::permset AS p
	FROM generate_series(1, 200) AS g;
SELECT count(*) AS pairs,
       bool_and(x.p | y.p = y.p | x.p) AS union_commutes,
       bool_and(x.p & y.p = y.p & x.p) AS intersect_commutes,
       bool_and((x.p | y.p) @> x.p AND x.p @> (x.p & y.p)) AS union_contains,
       bool_and((x.p - y.p) & y.p = '{}') AS minus_disjoint,
       bool_and((x.p - y.p) | (x.p & y.p) = x.p) AS minus_partitions,
       bool_and((x.p && y.p) = (x.p & y.p <> '{}')) AS overlap_is_intersect,
       bool_and((x.p @> y.p) = (y.p <@ x.p)) AS contained_commutes,
       bool_and((x.p @> y.p) = (y.p - x.p = '{}')) AS contains_is_minus,
       bool_and(permset_count(x.p | y.p) + permset_count(x.p & y.p)
                = permset_count(x.p) + permset_count(y.p)) AS counts_add_up,
       bool_and((x.p < y.p) = (permset_cmp(x.p, y.p) < 0)) AS lt_is_cmp,
       bool_and(x.p::text::permset = x.p) AS text_round_trip,
       bool_and(x.p::text[]::permset = x.p) AS array_round_trip
FROM permset_sample x, permset_sample y;

-- casts between text[] and permset
SELECT ARRAY['manage_users', 'VIEW_AUDIT_LOGS']::permset AS from_array,
       '{}'::text[]::permset AS from_empty_array,
       ARRAY[' manage_users ', E'manage_tags\t']::permset AS trimmed,
       ARRAY[['manage_users'], ['manage_tags']]::permset AS two_dimensional;
SELECT '{manage_users,view_audit_logs}'::permset::text[] AS to_array,
       '{}'::permset::text[] AS to_empty_array,
       cardinality('{}'::permset::text[]) AS empty_cardinality;
SELECT ARRAY['manage_users', 'fly']::permset;
SELECT ARRAY['manage_users', NULL]::permset;
SELECT ARRAY['']::permset;
SELECT ARRAY['{manage_users}']::permset;
CREATE TEMP TABLE permset_assign (p permset, names text[]);
INSERT INTO permset_assign VALUES (ARRAY['manage_tags', 'manage_users'], '{view_reporting}'::permset);
INSERT INTO permset_assign (p) VALUES (ARRAY['fly']);
SELECT * FROM permset_assign;

-- helper functions
SELECT permset_has('{manage_users}', 'manage_users') AS has,
       permset_has('{manage_users}', 'MANAGE_USERS') AS has_upper,
       permset_has('{manage_users}', 'manage_tags') AS has_not,
       permset_has('{}', 'transfer_performers') AS empty_has;
SELECT permset_has('{manage_users}', 'fly');
SELECT permset_has('{manage_users}', '');
SELECT permset_count('{}') AS none, permset_count('{manage_users,manage_tags}') AS two,
       permset_count(('{' || array_to_string(permission_names(), ',') || '}')::permset) AS all;

-- hash functions: the extended hash with seed 0 agrees with the plain one
SELECT bool_and(permset_hash_extended(p, 0) & 4294967295 = permset_hash(p)::bigint & 4294967295) AS agrees,
       count(DISTINCT permset_hash(p)) AS distinct_hashes
FROM permset_sample;

-- sorting (by bitmap value), DISTINCT, hash and merge joins
CREATE TEMP TABLE permset_tab (id int, p permset);
INSERT INTO permset_tab
	SELECT g, (ARRAY['{}', '{manage_users}', '{create_performers}', '{transfer_performers}',
	                 '{create_performers,create_groups}'])[1 + g % 5]::permset
	FROM generate_series(1, 1000) AS g;
ANALYZE permset_tab;
SELECT p, count(*) FROM permset_tab GROUP BY p ORDER BY p;
SELECT DISTINCT p FROM permset_tab ORDER BY p DESC;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT p, count(*) FROM permset_tab GROUP BY p;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM permset_tab a JOIN permset_tab b ON a.p = b.p;
SELECT count(*) FROM permset_tab a JOIN permset_tab b ON a.p = b.p;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM permset_tab a JOIN permset_tab b ON a.p = b.p;
SELECT count(*) FROM permset_tab a JOIN permset_tab b ON a.p = b.p;
RESET enable_hashjoin;
RESET enable_nestloop;

-- btree and hash index scans; leakproof operators keep the index usable
-- behind a security barrier
CREATE INDEX permset_tab_p ON permset_tab (p);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM permset_tab WHERE p = '{manage_users}';
SELECT count(*) FROM permset_tab WHERE p = '{manage_users}';
SELECT count(*) FROM permset_tab WHERE p > '{create_performers,create_groups}';
SELECT count(*) FROM permset_tab WHERE p <= '{create_performers}';
SELECT count(*) FROM permset_tab WHERE p >= '{manage_users}';
SELECT count(*) FROM permset_tab WHERE p < '{create_groups}';
SELECT count(*) FROM permset_tab WHERE p @> '{create_performers}';
SELECT count(*) FROM permset_tab WHERE p <@ '{create_performers,create_groups,manage_users}';
SELECT count(*) FROM permset_tab WHERE p && '{create_groups,transfer_performers}';
CREATE TEMP VIEW permset_even WITH (security_barrier) AS
	SELECT * FROM permset_tab WHERE id % 2 = 0;
EXPLAIN (COSTS OFF) SELECT id FROM permset_even WHERE p = '{transfer_performers}';
SELECT count(*) FROM permset_even WHERE p = '{transfer_performers}';
DROP INDEX permset_tab_p;
CREATE INDEX permset_tab_h ON permset_tab USING hash (p);
EXPLAIN (COSTS OFF) SELECT id FROM permset_tab WHERE p = '{}';
SELECT count(*) FROM permset_tab WHERE p = '{}';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- binary output, COPY round trip, and binary input that must be rejected
SELECT a AS p, permset_send(a) FROM permset_pairs WHERE b = '{manage_users}';
SELECT current_setting('data_directory') || '/permissions_types_permset.bin' AS binfile \gset
COPY (SELECT id, p FROM permset_sample) TO :'binfile' WITH (FORMAT binary);
CREATE TEMP TABLE permset_copy (id int, p permset);
COPY permset_copy FROM :'binfile' WITH (FORMAT binary);
SELECT count(*) AS copied, count(*) FILTER (WHERE a.p = b.p) AS same
FROM permset_sample a JOIN permset_copy b USING (id);
COPY (SELECT 0, 1048576::int8) TO :'binfile' WITH (FORMAT binary);
COPY permset_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, (-1)::int8) TO :'binfile' WITH (FORMAT binary);
COPY permset_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, (-9223372036854775807 - 1)::int8) TO :'binfile' WITH (FORMAT binary);
COPY permset_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, 16) TO :'binfile' WITH (FORMAT binary);
COPY permset_copy FROM :'binfile' WITH (FORMAT binary);
COPY (SELECT 0, 1048575::int8) TO :'binfile' WITH (FORMAT binary);
COPY permset_copy FROM :'binfile' WITH (FORMAT binary);
SELECT permset_count(p) FROM permset_copy WHERE id = 0;

-- catalog properties: which functions are leakproof
SELECT p.proname, p.proleakproof, p.provolatile, p.proparallel, p.proisstrict
FROM pg_proc p
WHERE p.pronamespace = 'permissions'::regnamespace
  AND (p.proname LIKE 'permset\_%' OR p.proname = 'permission_names')
ORDER BY p.proname;

DROP VIEW permset_even;
DROP TABLE permset_pairs, permset_sample, permset_assign, permset_tab, permset_copy;
RESET search_path;
