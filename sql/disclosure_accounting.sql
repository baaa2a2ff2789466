--
-- The accounting of disclosures: with permissions.read_accounting on, every
-- statement that reads performer data through the policies records, per
-- user, performer and table, how many rows it read.  Every path a read can
-- take (psql, COPY, views, functions, cursors, prepared statements, read-only
-- and rolled-back transactions, failing statements), and the attacks on the
-- accounting itself: turning it off, forging records, reading another
-- tenant's, changing them, flooding it.  (Fixture: sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
\set VERBOSITY default
SELECT permissions.create_user(:b, 'auditor', permissions => '{view_audit_logs}', db_role => 'regress_atk_stranger') AS aud_b \gset
INSERT INTO permissions.pinpoints (account_id, name) SELECT id, 'reads' FROM permissions.accounts WHERE id IN (:a, :b, :b1);
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id)
SELECT p.account_id, p.id, pp.id FROM permissions.performers p JOIN permissions.pinpoints pp USING (account_id)
 WHERE p.id IN (:pa1, :pa2, :pb1, :pb2, :pb3);
-- ten measurements a day for a year... of two performers: 5,000 rows each
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
SELECT c.account_id, c.performer_id, c.id, date '2024-01-01' + (i / 10), i
  FROM permissions.charts c, generate_series(1, 5000) i WHERE c.performer_id IN (:pa1, :pa2);
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
SELECT c.account_id, c.performer_id, c.id, date '2024-01-01', 1 FROM permissions.charts c WHERE c.performer_id IN (:pb1, :pb2, :pb3);
INSERT INTO permissions.notes (account_id, performer_id, chart_id, body)
SELECT c.account_id, c.performer_id, c.id, 'note of ' || p.first_name
  FROM permissions.charts c JOIN permissions.performers p ON p.id = c.performer_id;
ANALYZE permissions.measurements, permissions.notes, permissions.performers;
-- the records, readable: who read which performer's what, how many rows, how
CREATE VIEW regress_atk_own.recs AS
SELECT u.username AS reader, p.first_name AS performer, d.kind, d.relation, d.row_count AS rows,
       d.login_role, d.acting_role, d.via
  FROM permissions.disclosures d
  JOIN permissions.users u ON u.id = d.user_id
  JOIN permissions.performers p ON p.id = d.performer_id;
CREATE FUNCTION regress_atk_own.recs() RETURNS SETOF regress_atk_own.recs
LANGUAGE sql AS $$ SELECT * FROM regress_atk_own.recs ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 $$;
CREATE FUNCTION regress_atk_own.forget() RETURNS void
LANGUAGE sql AS $$ SELECT permissions.drop_disclosures('infinity') $$;
-- whether the plan of a query, as the current role, has a node
CREATE FUNCTION regress_atk_own.plan_has(q text, node text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN ' || q LOOP
        IF line LIKE '%' || node || '%' THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
SELECT regress_atk_own.forget();

-- off (the default): nothing is recorded
SHOW permissions.read_accounting;
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM permissions.measurements;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();

-- on: a 10,000-row read records one row per performer, not per data row
SET permissions.read_accounting = on;
SET ROLE regress_atk_mgr_a;
SELECT count(*), sum(count) FROM permissions.measurements;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT count(DISTINCT fingerprint) = 1 AS one_statement, count(DISTINCT at) = 1 AS one_time,
       count(DISTINCT id) AS stored_rows
  FROM permissions.disclosures;
SELECT regress_atk_own.forget();

-- a limited user reads what it may: its tier3 performer's measurements and notes
SET ROLE regress_atk_lim_a;
SELECT m.measured_on, n.body FROM permissions.measurements m JOIN permissions.notes n USING (chart_id)
 WHERE m.count = 1;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- rows counted are rows the policy let through: a LIMIT reads fewer
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM (SELECT * FROM permissions.measurements WHERE performer_id = :pa1 LIMIT 7) s;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- the same statement with other constants has the same fingerprint
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM permissions.notes WHERE performer_id = :pa1;
SELECT count(*) FROM permissions.notes WHERE performer_id = :pa2;
SELECT count(*) FROM permissions.notes;
RESET ROLE;
SELECT count(DISTINCT fingerprint) AS fingerprints, count(*) AS records,
       count(*) FILTER (WHERE fingerprint = (SELECT min(fingerprint) FROM permissions.disclosures)) IN (1, 2) AS grouped
  FROM permissions.disclosures;
SELECT regress_atk_own.forget();

-- COPY (SELECT ...) TO, and COPY of the table itself (row-level security turns it into a query)
SET ROLE regress_atk_mgr_a;
COPY (SELECT body FROM permissions.notes WHERE performer_id = :pa1) TO STDOUT;
COPY permissions.notes (body) TO STDOUT;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- views: one owned by the reader, one with security_invoker
SET ROLE regress_atk_mgr_a;
CREATE VIEW regress_atk_own.mine AS SELECT body, performer_id FROM permissions.notes;
CREATE VIEW regress_atk_own.mine_invoker WITH (security_invoker = true) AS SELECT body, performer_id FROM permissions.notes;
SELECT count(*) FROM regress_atk_own.mine;
SELECT count(*) FROM regress_atk_own.mine_invoker WHERE performer_id = :pa2;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- functions: SQL (inlined and not), plpgsql, and a SECURITY DEFINER function of
-- another mapped role, which reads as its owner (the record names the owner)
SET ROLE regress_atk_mgr_a;
CREATE FUNCTION regress_atk_own.bodies_sql(p bigint) RETURNS SETOF text LANGUAGE sql STABLE
AS $$ SELECT body FROM permissions.notes WHERE performer_id = p $$;
CREATE FUNCTION regress_atk_own.count_sql() RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT count(*) FROM permissions.measurements WHERE performer_id = (SELECT min(id) FROM permissions.performers) $$;
CREATE FUNCTION regress_atk_own.bodies_plpgsql() RETURNS SETOF text LANGUAGE plpgsql
AS $$ BEGIN RETURN QUERY SELECT body FROM permissions.notes ORDER BY body; END $$;
SELECT regress_atk_own.bodies_sql(:pa1);
SELECT regress_atk_own.count_sql();
SELECT * FROM regress_atk_own.bodies_plpgsql();
RESET ROLE;
SET ROLE regress_atk_lim_a;
CREATE FUNCTION regress_atk_own.lim_reads() RETURNS bigint LANGUAGE sql SECURITY DEFINER
AS $$ SELECT count(*) FROM permissions.notes $$;
GRANT EXECUTE ON FUNCTION regress_atk_own.lim_reads() TO regress_atk_mgr_a;
RESET ROLE;
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.lim_reads();
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- a DO block: each of its statements records as it ends
SET ROLE regress_atk_mgr_a;
DO $$
DECLARE n bigint;
BEGIN
    SELECT count(*) INTO n FROM permissions.notes WHERE performer_id = (SELECT min(id) FROM permissions.performers);
    SELECT count(*) INTO n FROM permissions.journals;
END
$$;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- cursors: every FETCH records what it read, so a cursor never closed has
-- recorded everything it returned; MOVE reads too
SET ROLE regress_atk_mgr_a;
BEGIN;
DECLARE c CURSOR FOR SELECT count FROM permissions.measurements WHERE performer_id = :pa1;
FETCH 3 FROM c;
FETCH 2 FROM c;
MOVE 10 IN c;
RESET ROLE;
SELECT reader, performer, rows FROM regress_atk_own.recs();
COMMIT;
SELECT regress_atk_own.forget();
-- a cursor WITH HOLD reads everything when its transaction commits
SET ROLE regress_atk_mgr_a;
BEGIN;
DECLARE h CURSOR WITH HOLD FOR SELECT body FROM permissions.notes WHERE performer_id = :pa1;
COMMIT;
FETCH ALL FROM h;
CLOSE h;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- prepared statements, custom and generic plans (a plan made while the
-- setting was off is not used once it is on)
SET ROLE regress_atk_mgr_a;
PREPARE q(bigint) AS SELECT count(*) FROM permissions.notes WHERE performer_id = $1;
EXECUTE q(:pa1);
SET plan_cache_mode = force_generic_plan;
EXECUTE q(:pa2);
EXECUTE q(:pa2);
RESET plan_cache_mode;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();
SET permissions.read_accounting = off;
SET ROLE regress_atk_mgr_a;
SET plan_cache_mode = force_generic_plan;
PREPARE q2(bigint) AS SELECT count(*) FROM permissions.notes WHERE performer_id = $1;
EXECUTE q2(:pa1);
RESET ROLE;
SET permissions.read_accounting = on;
SET ROLE regress_atk_mgr_a;
EXECUTE q2(:pa1);
RESET plan_cache_mode;
DEALLOCATE q;
DEALLOCATE q2;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- read-only transactions record; so do transactions that roll back, and
-- savepoints rolled back
SET ROLE regress_atk_mgr_a;
BEGIN READ ONLY;
SELECT count(*) FROM permissions.notes WHERE performer_id = :pa1;
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT count(*) FROM permissions.notes WHERE performer_id = :pa2;
ROLLBACK TO SAVEPOINT s;
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY;
SELECT count(*) FROM permissions.measurements WHERE performer_id = :pa1;
COMMIT;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- a statement that fails after rows were read (and may have been sent, or
-- quoted in its error) still records them, before the error comes back
SET ROLE regress_atk_mgr_a;
SELECT count, 1 / (count - 3) AS boom FROM permissions.measurements WHERE performer_id = :pa2 ORDER BY count;
SELECT body::int FROM permissions.notes WHERE performer_id = :pa1;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();
-- a failing write (its error quotes a row) is recorded at the next statement
SET ROLE regress_atk_mgr_a;
UPDATE permissions.notes SET body = body WHERE performer_id = :pa2 AND body::int > 0;
SELECT 1 AS next_statement;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- writes: rows an UPDATE or DELETE reads through the SELECT policy, and
-- RETURNING; an INSERT's own rows are not a disclosure
SET ROLE regress_atk_mgr_a;
BEGIN;
UPDATE permissions.notes SET body = body || '.' WHERE performer_id = :pa1 RETURNING body;
INSERT INTO permissions.notes (account_id, performer_id, chart_id, body)
SELECT account_id, performer_id, id, 'new' FROM permissions.charts WHERE performer_id = :pa2
RETURNING body;
ROLLBACK;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- an application table protected with protect_table() is accounted like the extension's
CREATE TABLE regress_atk_own.intake (id bigserial PRIMARY KEY, account_id bigint NOT NULL,
                                     performer_id bigint NOT NULL, answers text,
                                     FOREIGN KEY (performer_id, account_id)
                                         REFERENCES permissions.performers (id, account_id)
                                         ON DELETE CASCADE ON UPDATE CASCADE);
SELECT permissions.protect_table('regress_atk_own.intake', 'note');
INSERT INTO regress_atk_own.intake (account_id, performer_id, answers) VALUES (:a, :pa1, 'ok'), (:b, :pb1, 'ok');
GRANT SELECT ON regress_atk_own.intake TO regress_atk_mgr_a, regress_atk_mgr_b;
SET ROLE regress_atk_mgr_a;
SELECT answers FROM regress_atk_own.intake;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- API credentials: the record says how the session acted as the user
SET ROLE regress_atk_app;
BEGIN;
SELECT permissions.authenticate(:'cred_b') > 0 AS authenticated;
SELECT count(*) FROM permissions.measurements;
COMMIT;
RESET ROLE;
SELECT reader, performer, rows, login_role, acting_role, via ~ '^API credential [0-9]+$' AS via_credential
  FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- superusers bypass row-level security: not recorded (use pgaudit for them)
SELECT count(*) > 0 AS read_as_superuser FROM permissions.notes;
SELECT count(*) AS records FROM permissions.disclosures;

-- parallel workers cannot report counts: no parallel plan for a reader while accounting is on
-- (the query pins its account, so that the policy stays can_view(), which is parallel safe)
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.plan_has('SELECT sum(count) FROM permissions.measurements WHERE account_id = ' || :a, 'Gather') AS parallel_when_on;
RESET ROLE;
SET permissions.read_accounting = off;
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.plan_has('SELECT sum(count) FROM permissions.measurements WHERE account_id = ' || :a, 'Gather') AS parallel_when_off;
RESET ROLE;
SET permissions.read_accounting = on;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- the policy stays a filter where index conditions alone would be exact: on,
-- can_view_accounted() filters every row; off, the policy is planned as its
-- two reach parts (reached_account(), reached_performer()) and no call of
-- can_view() remains
SET ROLE regress_atk_lim_a;
SELECT regress_atk_own.plan_has('SELECT * FROM permissions.notes', 'can_view_accounted') AS counted_when_on;
RESET ROLE;
SET permissions.read_accounting = off;
SET ROLE regress_atk_lim_a;
SELECT regress_atk_own.plan_has('SELECT * FROM permissions.notes', 'can_view') AS can_view_when_off,
       regress_atk_own.plan_has('SELECT * FROM permissions.notes', 'reached') AS reach_conditions_when_off;
RESET ROLE;
SET permissions.read_accounting = on;
SELECT regress_atk_own.forget();

--
-- Attacks
--
-- turning it off: SET, set_config(), SET LOCAL, a function's SET clause,
-- ALTER ROLE ... SET, the batch size
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try('SET permissions.read_accounting = off');
SELECT regress_atk_own.try('SET LOCAL permissions.read_accounting = off');
SELECT regress_atk_own.try($$SELECT set_config('permissions.read_accounting', 'off', false)$$);
SELECT regress_atk_own.try($$CREATE FUNCTION regress_atk_own.quiet() RETURNS bigint LANGUAGE sql
                             SET permissions.read_accounting = off AS 'SELECT count(*) FROM permissions.notes'$$);
SELECT regress_atk_own.try('ALTER ROLE regress_atk_mgr_a SET permissions.read_accounting = off');
SELECT regress_atk_own.try('RESET permissions.read_accounting');
SELECT regress_atk_own.try('SET permissions.read_accounting_buffer = 16');
SHOW permissions.read_accounting;
RESET ROLE;
-- a superuser's invoker function with a SET clause does not turn it off for its callers
CREATE FUNCTION regress_atk_own.quiet_dba() RETURNS bigint LANGUAGE sql
SET permissions.read_accounting = off AS 'SELECT count(*) FROM permissions.notes';
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try('SELECT regress_atk_own.quiet_dba()');
RESET ROLE;
DROP FUNCTION regress_atk_own.quiet_dba();

-- forging: a direct call of the accounted policy function counts nothing
SET ROLE regress_atk_mgr_a;
SELECT permissions.can_view_accounted('note', :a, :pa1, 'permissions.notes');
SELECT permissions.can_view_accounted('note', account_id, id, 'permissions.notes') FROM permissions.accounts WHERE false;
CREATE VIEW regress_atk_own.forge AS
    SELECT permissions.can_view_accounted('note', :a, :pa2, 'permissions.notes') AS forged;
SELECT forged FROM regress_atk_own.forge;
CREATE FUNCTION regress_atk_own.forge_sql() RETURNS boolean LANGUAGE sql
AS $$ SELECT permissions.can_view_accounted('note', (SELECT min(id) FROM permissions.accounts WHERE false), 1, 'permissions.notes') $$;
SELECT regress_atk_own.forge_sql();
RESET ROLE;
SELECT count(*) AS records FROM permissions.disclosures;

-- another tenant's user cannot make the accounting record its performers
SET ROLE regress_atk_lim_b;
SELECT count(*) FROM permissions.notes WHERE performer_id IN (:pa1, :pa2);
SELECT permissions.can_view_accounted('note', :a, :pa1, 'permissions.notes');
RESET ROLE;
SELECT count(*) AS records_about_a FROM permissions.disclosures WHERE account_id = :a;

-- reading the records: the tenant's view_audit_logs holders, their tenant only
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM permissions.notes;
RESET ROLE;
SET ROLE regress_atk_lim_b;
SELECT count(*) FROM permissions.notes;
RESET ROLE;
SET ROLE regress_atk_mgr_a;
SELECT p.first_name, d.kind, d.row_count FROM permissions.disclosures d
  JOIN permissions.performers p ON p.id = d.performer_id ORDER BY 1, 2;
RESET ROLE;
SET ROLE regress_atk_stranger;   -- B's auditor (view_audit_logs in B, not B1)
SELECT d.account_id = :b AS in_b, d.kind, d.row_count FROM permissions.disclosures d ORDER BY 1, 2, 3;
RESET ROLE;
SET ROLE regress_atk_ro_a;       -- no view_audit_logs
SELECT count(*) FROM permissions.disclosures;
RESET ROLE;
SET ROLE regress_atk_nobody;     -- no identity
SELECT count(*) FROM permissions.disclosures;
RESET ROLE;
-- the table itself is not granted to clients
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try('SELECT count(*) FROM permissions.disclosure_log');
-- changing or deleting records: nobody but a superuser
SELECT regress_atk_own.try('UPDATE permissions.disclosure_log SET row_count = 1');
SELECT regress_atk_own.try('DELETE FROM permissions.disclosure_log');
SELECT regress_atk_own.try('TRUNCATE permissions.disclosure_log');
SELECT regress_atk_own.try('DELETE FROM permissions.disclosures');
SELECT regress_atk_own.try($$SELECT permissions.drop_disclosures('infinity')$$);
SELECT regress_atk_own.try('LOCK TABLE permissions.disclosures IN SHARE MODE');
RESET ROLE;
-- forging a record: even a role a DBA granted every privilege on the table,
-- bypassing row-level security, writes none (the library writes below SQL)
CREATE ROLE regress_atk_wide BYPASSRLS;
GRANT USAGE ON SCHEMA permissions TO regress_atk_wide;
GRANT ALL ON permissions.disclosure_log TO regress_atk_wide;
SET ROLE regress_atk_wide;
SELECT regress_atk_own.try($$INSERT INTO permissions.disclosure_log (at, account_id, performer_ids, row_counts, row_count, kind, relation, user_id, login_role, via, fingerprint)
                            VALUES (now(), 1, '{1}', '{1}', 1, 'note', 'permissions.notes', 1, 'x', 'role', 0)$$);
COPY permissions.disclosure_log (at, account_id, performer_ids, row_counts, row_count, kind, relation, user_id, login_role, via, fingerprint) FROM STDIN;
2026-01-01 00:00:00+00	1	{1}	{1}	1	note	permissions.notes	1	x	role	0
\.
SELECT regress_atk_own.try('DELETE FROM permissions.disclosure_log');
SELECT regress_atk_own.try('TRUNCATE permissions.disclosure_log');
RESET ROLE;
REVOKE ALL ON permissions.disclosure_log FROM regress_atk_wide;
REVOKE USAGE ON SCHEMA permissions FROM regress_atk_wide;
DROP ROLE regress_atk_wide;
SELECT regress_atk_own.try('UPDATE permissions.disclosure_log SET row_count = 1');
SELECT permissions.drop_disclosures(NULL);
SELECT permissions.drop_disclosures('-infinity') AS dropped_nothing;
SELECT permissions.drop_disclosures(now() + interval '1 hour') > 0 AS dropped;
SELECT count(*) AS records FROM permissions.disclosures;

-- flooding: a cross join reaches every (performer, table) pair once, not once
-- per row; past permissions.read_accounting_buffer pairs the records are
-- written in batches, none lost
SET permissions.read_accounting_buffer = 16;
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM permissions.measurements m1, permissions.measurements m2
 WHERE m1.performer_id = :pa1 AND m2.performer_id = :pa2 AND m1.count <= 100 AND m2.count <= 100;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();
-- more pairs than the buffer: several batches, every row counted once (a
-- nested loop reads the inner performers again for each outer one)
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
INSERT INTO permissions.performers (account_id, first_name)
SELECT :a, 'Many ' || i FROM generate_series(1, 40) i;
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM permissions.performers p1, permissions.performers p2 WHERE p1.id <> p2.id;
RESET ROLE;
SELECT count(*) > 42 AS several_batches, count(DISTINCT performer_id) AS performers,
       sum(row_count) AS rows, 42 + 42 * 42 AS rows_read
  FROM permissions.disclosures;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;
RESET permissions.read_accounting_buffer;
DELETE FROM permissions.performers WHERE first_name LIKE 'Many %';
SELECT regress_atk_own.forget();

RESET permissions.read_accounting;
DROP TABLE regress_atk_own.intake;
\i sql/attack_teardown.inc
SELECT permissions.drop_disclosures('infinity') >= 0 AS cleaned;
