--
-- Escape attempts through leaky functions: a function that is not
-- LEAKPROOF, placed in WHERE (or a join, an operator, a view, a CTE), never
-- sees a row the policies hide, however cheap it claims to be and whatever
-- plan is chosen.  Hidden rows carry counts >= 1000, so a leak would print one.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
-- details name ids, which differ from run to run
\set VERBOSITY terse

CREATE ROLE regress_escl_user;
GRANT permissions_client TO regress_escl_user;
SELECT permissions.create_account('regress escl E') AS e \gset
SELECT permissions.create_account('regress escl X') AS x \gset
SELECT permissions.create_user(:e, 'regress_escl_user', db_role => 'regress_escl_user') AS me \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:e, 'V') RETURNING id AS v \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:e, 'H') RETURNING id AS h \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:x, 'XH') RETURNING id AS xh \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:e, 'counts') RETURNING id AS pe \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:x, 'counts') RETURNING id AS px \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:e, :v, :pe) RETURNING id AS cv \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:e, :h, :pe) RETURNING id AS ch \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:x, :xh, :px) RETURNING id AS cx \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
SELECT :e, :v, :cv, date '2024-06-01' + i, i FROM generate_series(1, 3) AS i
UNION ALL
SELECT :e, :h, :ch, date '2024-06-01' + i, 1000 + i FROM generate_series(1, 200) AS i
UNION ALL
SELECT :x, :xh, :cx, date '2024-06-01' + i, 2000 + i FROM generate_series(1, 200) AS i;
ANALYZE permissions.measurements;
-- tier3 on V: it reads and edits V's data, and nothing else
SELECT permissions.grant_access('tier3', user_id => :me, performer_id => :v) IS NOT NULL AS granted;

-- the leaky function: prints its argument, claims to cost nothing, and is
-- not LEAKPROOF (only superusers can declare that)
CREATE FUNCTION pg_temp.leak(integer) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001
AS $$ BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END $$;
CREATE FUNCTION pg_temp.int4_leak_op(integer, integer) RETURNS boolean
LANGUAGE plpgsql COST 0.0000001
AS $$ BEGIN RAISE NOTICE 'operator saw %', $1; RETURN true; END $$;
CREATE OPERATOR pg_temp.<<< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = pg_temp.int4_leak_op);

SET ROLE regress_escl_user;
-- (a plain view the user owns; not being security_barrier, it lets the
-- outer WHERE be pushed down into it)
CREATE TEMP VIEW plain_counts AS SELECT performer_id, count FROM permissions.measurements;
-- in WHERE, on a sequential scan and on index scans
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT count FROM permissions.measurements WHERE pg_temp.leak(count) ORDER BY count;
RESET enable_indexscan;
RESET enable_bitmapscan;
SET enable_seqscan = off;
SELECT count FROM permissions.measurements WHERE performer_id = :h AND pg_temp.leak(count);
SELECT count FROM permissions.measurements WHERE performer_id IN (:v, :h, :xh) AND pg_temp.leak(count) ORDER BY count;
SELECT count FROM permissions.measurements WHERE chart_id = :cx AND measured_on > '2024-06-01' AND pg_temp.leak(count);
RESET enable_seqscan;
-- in a join condition, through an operator, a CTE, a subquery and a plain view
SELECT m.count FROM permissions.measurements m JOIN (VALUES (1)) AS t(one) ON pg_temp.leak(m.count + t.one - 1)
 ORDER BY m.count;
SELECT count FROM permissions.measurements WHERE count OPERATOR(pg_temp.<<<) 0 ORDER BY count;
WITH everything AS MATERIALIZED (SELECT count FROM permissions.measurements)
SELECT count FROM everything WHERE pg_temp.leak(count) ORDER BY count;
SELECT count FROM (SELECT count FROM permissions.measurements OFFSET 0) AS s WHERE pg_temp.leak(count) ORDER BY count;
SELECT count FROM plain_counts WHERE pg_temp.leak(count) ORDER BY count;
-- in UPDATE and DELETE: only the rows the command may touch reach it
UPDATE permissions.measurements SET count = count WHERE pg_temp.leak(count);
DELETE FROM permissions.measurements WHERE pg_temp.leak(count);
-- errors are leaks too: a division by zero on count 1001, or a failing
-- cast, would reveal a hidden row; neither is ever evaluated on one
SELECT count(*) AS rows FROM permissions.measurements WHERE 1 / (count - 1001) <> 7;
SELECT count(*) AS rows FROM permissions.measurements WHERE ('1' || repeat('0', count / 1000 * 30))::integer > 0;
-- parallel workers decide for the same user
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT string_agg(count::text, ' ' ORDER BY count) AS counts FROM permissions.measurements;
SELECT count(*) AS rows, max(count) AS max FROM permissions.measurements;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP VIEW plain_counts;
RESET ROLE;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id = :e;
DROP ROLE regress_escl_user;
