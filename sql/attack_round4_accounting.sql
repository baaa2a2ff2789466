--
-- Attack, round 4: the accounting of disclosures, from a hostile client.
--
-- The records must say what was read, no more and no less: a client that
-- writes permissions.can_view() in its own query (on a table of its own, or
-- beside the policy on a table of the extension) must not make the
-- accounting record reads that never happened (before the fix, plans turned
-- every can_view() call of a scan's filter into a counted one: a user
-- recorded 1,000 "note" rows of a performer read from a table of its own,
-- and every row of notes twice).  Every other path must record what it read:
-- data carried out of a PL/pgSQL block whose error was caught, MERGE, ON
-- CONFLICT DO UPDATE ... RETURNING, DELETE ... RETURNING, EXPLAIN ANALYZE,
-- security_barrier views, sublinks, CTEs, a WITH HOLD cursor.  And a client
-- cannot turn the accounting off in its startup packet when a DBA turned it
-- on for its role in this database.
--
\i sql/attack_fixture.inc
\set VERBOSITY default
SELECT current_user AS su \gset
INSERT INTO permissions.pinpoints (account_id, name) SELECT id, 'reads' FROM permissions.accounts WHERE id IN (:a, :b);
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id)
SELECT p.account_id, p.id, pp.id FROM permissions.performers p JOIN permissions.pinpoints pp USING (account_id)
 WHERE p.id IN (:pa1, :pa2, :pb1);
INSERT INTO permissions.notes (account_id, performer_id, chart_id, body)
SELECT c.account_id, c.performer_id, c.id, 'note of ' || p.first_name
  FROM permissions.charts c JOIN permissions.performers p ON p.id = c.performer_id;
INSERT INTO permissions.groups (account_id, name) VALUES (:a, 'regress atk4 group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (account_id, group_id, performer_id) VALUES (:a, :grp, :pa1);
CREATE VIEW regress_atk_own.recs AS
SELECT u.username AS reader, p.first_name AS performer, d.kind, d.relation, d.row_count AS rows
  FROM permissions.disclosures d
  JOIN permissions.users u ON u.id = d.user_id
  JOIN permissions.performers p ON p.id = d.performer_id;
CREATE FUNCTION regress_atk_own.recs() RETURNS SETOF regress_atk_own.recs
LANGUAGE sql AS $$ SELECT * FROM regress_atk_own.recs ORDER BY 1, 2, 3, 4, 5 $$;
CREATE FUNCTION regress_atk_own.forget() RETURNS void
LANGUAGE sql AS $$ SELECT permissions.drop_disclosures('infinity') $$;
SELECT regress_atk_own.forget();
SET permissions.read_accounting = on;

-- forging: can_view() written by the client on a table of its own, true
-- for a performer it may see, on every one of 1,000 rows
SET ROLE regress_atk_lim_a;
CREATE TABLE regress_atk_own.junk AS
SELECT g, :a::bigint AS a, :pa1::bigint AS p FROM generate_series(1, 1000) g;
SELECT count(*) FROM regress_atk_own.junk WHERE permissions.can_view('note', a, p);
SELECT count(*) FROM regress_atk_own.junk WHERE permissions.can_view('access', a, p) OR permissions.can_view('journal', a, p);
CREATE VIEW regress_atk_own.junk_view AS SELECT * FROM regress_atk_own.junk WHERE permissions.can_view('chart', a, p);
SELECT count(*) FROM regress_atk_own.junk_view;
CREATE FUNCTION regress_atk_own.junk_sql() RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT count(*) FROM regress_atk_own.junk WHERE permissions.can_view('condition', a, p) $$;
SELECT regress_atk_own.junk_sql();
RESET ROLE;
-- nothing was read from performer data: no record
SELECT * FROM regress_atk_own.recs();
-- beside the policy on notes: one note read, one row recorded (not two)
SET ROLE regress_atk_lim_a;
SELECT body FROM permissions.notes WHERE permissions.can_view('note', account_id, performer_id);
SELECT body FROM permissions.notes WHERE permissions.can_view('note', :a, :pa1) AND permissions.can_view('note', account_id, performer_id);
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- carrying rows out of a PL/pgSQL block whose error was caught
SET ROLE regress_atk_mgr_a;
CREATE FUNCTION regress_atk_own.caught() RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
    BEGIN
        SELECT string_agg(body, ',' ORDER BY body) INTO r FROM permissions.notes;
        RAISE EXCEPTION 'rolled back';
    EXCEPTION WHEN OTHERS THEN
        RETURN r;
    END;
END
$$;
SELECT regress_atk_own.caught();
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- MERGE reads its target through the SELECT policy
SET ROLE regress_atk_mgr_a;
BEGIN;
MERGE INTO permissions.notes t USING (SELECT :pa1::bigint AS p) s ON t.performer_id = s.p
 WHEN MATCHED AND t.body LIKE 'note%' THEN UPDATE SET body = t.body || '.';
ROLLBACK;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- ON CONFLICT DO UPDATE ... RETURNING: the existing row is read (a client
-- chooses no id of the extension's tables, so on an application table with
-- a key of its own)
CREATE TABLE regress_atk_own.intake (account_id bigint NOT NULL, performer_id bigint NOT NULL,
                                     form text NOT NULL, answers text,
                                     UNIQUE (performer_id, form),
                                     FOREIGN KEY (performer_id, account_id)
                                         REFERENCES permissions.performers (id, account_id)
                                         ON DELETE CASCADE ON UPDATE CASCADE);
SELECT permissions.protect_table('regress_atk_own.intake', 'note');
INSERT INTO regress_atk_own.intake VALUES (:a, :pa1, 'first visit', 'secret answers');
GRANT SELECT, INSERT, UPDATE ON regress_atk_own.intake TO regress_atk_mgr_a;
SELECT regress_atk_own.forget();
SET ROLE regress_atk_mgr_a;
BEGIN;
INSERT INTO regress_atk_own.intake VALUES (:a, :pa1, 'first visit', NULL)
    ON CONFLICT (performer_id, form) DO UPDATE SET form = excluded.form
    RETURNING answers;
ROLLBACK;
-- DELETE ... RETURNING
BEGIN;
DELETE FROM permissions.notes WHERE performer_id = :pa2 RETURNING body;
ROLLBACK;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- EXPLAIN ANALYZE, a security_barrier view, a sublink, a CTE
SET ROLE regress_atk_mgr_a;
CREATE VIEW regress_atk_own.sb WITH (security_barrier) AS SELECT * FROM permissions.notes;
SELECT count(*) FROM (SELECT 1 FROM regress_atk_own.sb WHERE performer_id = :pa1) s;
CREATE FUNCTION regress_atk_own.explained(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF line ~ 'actual rows=1(\.00)? ' THEN   -- PostgreSQL 18 shows rows=1.00
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
SELECT regress_atk_own.explained(format('SELECT * FROM permissions.charts WHERE performer_id = %s', :pa1));
SELECT p.first_name, (SELECT n.body FROM permissions.notes n WHERE n.performer_id = p.id) AS body
  FROM permissions.performers p WHERE p.id = :pa2;
WITH c AS MATERIALIZED (SELECT performer_id FROM permissions.charts)
SELECT count(*) FROM c;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- a WITH HOLD cursor, read after its transaction committed
SET ROLE regress_atk_mgr_a;
BEGIN;
DECLARE h CURSOR WITH HOLD FOR SELECT body FROM permissions.notes WHERE performer_id = :pa2;
COMMIT;
FETCH ALL FROM h;
CLOSE h;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- a partitioned application table: read through the parent (whose policies
-- the planner copies to each partition) and a partition named directly
CREATE TABLE regress_atk_own.visits (account_id bigint NOT NULL, performer_id bigint NOT NULL, body text,
                                     FOREIGN KEY (performer_id, account_id)
                                         REFERENCES permissions.performers (id, account_id)
                                         ON DELETE CASCADE ON UPDATE CASCADE)
    PARTITION BY LIST (account_id);
CREATE FUNCTION regress_atk_own.partition(name text, account bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TABLE regress_atk_own.%I PARTITION OF regress_atk_own.visits FOR VALUES IN (%s)', name, account);
END
$$;
SELECT regress_atk_own.partition('visits_a', :a), regress_atk_own.partition('visits_b', :b);
SELECT permissions.protect_table('regress_atk_own.visits', 'note');
INSERT INTO regress_atk_own.visits VALUES (:a, :pa1, 'visit of Ann'), (:a, :pa2, 'visit of Abe'), (:b, :pb1, 'visit of Bea');
GRANT SELECT ON regress_atk_own.visits, regress_atk_own.visits_a, regress_atk_own.visits_b TO regress_atk_mgr_a;
SELECT regress_atk_own.forget();
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM regress_atk_own.visits;
SELECT count(*) FROM regress_atk_own.visits_a WHERE body LIKE '%Ann';
SELECT count(*) FROM regress_atk_own.visits_b;
RESET ROLE;
SELECT * FROM regress_atk_own.recs();
SELECT regress_atk_own.forget();

-- the startup packet: a DBA turned accounting on for this role in this
-- database; the role asks for it off when it connects
RESET permissions.read_accounting;
ALTER ROLE regress_atk_lim_a LOGIN;
ALTER ROLE regress_atk_lim_a IN DATABASE :"DBNAME" SET permissions.read_accounting = on;
\set conn_lim 'user=regress_atk_lim_a options=''-c permissions.read_accounting=off'''
\c -reuse-previous=on :conn_lim
SELECT current_user;
SELECT body FROM permissions.notes;
SHOW permissions.read_accounting;
SELECT regress_atk_own.try('RESET ALL');
DISCARD ALL;
SELECT body FROM permissions.notes;
\set conn_su 'user=' :su ' options='''''
\c -reuse-previous=on :conn_su
SELECT * FROM regress_atk_own.recs();
ALTER ROLE regress_atk_lim_a IN DATABASE :"DBNAME" RESET permissions.read_accounting;
ALTER ROLE regress_atk_lim_a NOLOGIN;
SELECT regress_atk_own.forget();

DROP VIEW regress_atk_own.recs CASCADE;
DROP TABLE regress_atk_own.intake, regress_atk_own.visits;
\i sql/attack_teardown.inc
