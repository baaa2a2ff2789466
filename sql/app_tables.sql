--
-- The application's own tables: permissions.protect_table() puts a table
-- owned by a non-superuser migration role under the tier matrix of one kind
-- of performer data, for every command, with index conditions from planner
-- support and created_by stamped by the database; the error cases say what
-- to do; unprotect_table() undoes it.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

\i sql/try.inc

-- account A: a manager, a tier2 supervisor, a tier3 therapist, a tier4
-- reader, a parent (one direct grant); account B: its own manager
SELECT permissions.create_account('regress app A') AS a \gset
SELECT permissions.create_account('regress app B') AS b \gset
CREATE ROLE regress_app_owner;
CREATE ROLE regress_app_mgr;
CREATE ROLE regress_app_sup;
CREATE ROLE regress_app_ther;
CREATE ROLE regress_app_reader;
CREATE ROLE regress_app_parent;
CREATE ROLE regress_app_other;
SELECT permissions.create_user(:a, 'app_mgr', 'manager', db_role => 'regress_app_mgr') AS mgr,
       permissions.create_user(:a, 'app_sup', access => 'tier2', db_role => 'regress_app_sup') AS sup,
       permissions.create_user(:a, 'app_ther', access => 'tier3', db_role => 'regress_app_ther') AS ther,
       permissions.create_user(:a, 'app_reader', user_type => 'read_only', access => 'tier4',
                               db_role => 'regress_app_reader') AS reader,
       permissions.create_user(:a, 'app_parent', user_type => 'single_performer',
                               db_role => 'regress_app_parent') AS parent,
       permissions.create_user(:b, 'app_other', 'manager', db_role => 'regress_app_other') AS other \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'App P1'), (:a, 'App P2'), (:b, 'App Q1');
SELECT id AS p1 FROM permissions.performers WHERE first_name = 'App P1' \gset
SELECT id AS p2 FROM permissions.performers WHERE first_name = 'App P2' \gset
SELECT id AS q1 FROM permissions.performers WHERE first_name = 'App Q1' \gset
SELECT permissions.grant_access('tier4', user_id => :parent, performer_id => :p1) IS NOT NULL AS granted;

-- the migration role owns its schema and tables; the composite foreign key
-- to performers needs REFERENCES on (id, account_id), which a DBA grants
CREATE SCHEMA regress_app AUTHORIZATION regress_app_owner;
GRANT USAGE ON SCHEMA permissions TO regress_app_owner;
SET ROLE regress_app_owner;
CREATE TABLE regress_app.session_notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    created_by   bigint,
    body         text NOT NULL,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE);
RESET ROLE;
GRANT REFERENCES (id, account_id) ON permissions.performers TO regress_app_owner;
SET ROLE regress_app_owner;
CREATE TABLE regress_app.session_notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    created_by   bigint,
    body         text NOT NULL,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE);
CREATE INDEX ON regress_app.session_notes (performer_id);
CREATE INDEX ON regress_app.session_notes (account_id);
GRANT USAGE ON SCHEMA regress_app TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON regress_app.session_notes TO PUBLIC;
SELECT permissions.protect_table('regress_app.session_notes', 'Journal');
SELECT permissions.protect_table('regress_app.session_notes', 'note');   -- again: replaces the policies
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'regress_app.session_notes'::regclass;
SELECT policyname, cmd, qual, with_check FROM pg_policies
 WHERE schemaname = 'regress_app' ORDER BY policyname;
SELECT tgname, tgfoid::regproc FROM pg_trigger WHERE tgrelid = 'regress_app.session_notes'::regclass AND NOT tgisinternal;
-- the owner is nobody: forced row-level security shows it nothing
SELECT count(*) FROM regress_app.session_notes;
RESET ROLE;

INSERT INTO regress_app.session_notes (account_id, performer_id, created_by, body)
VALUES (:a, :p1, :ther, 'p1 by ther'), (:a, :p1, :sup, 'p1 by sup'),
       (:a, :p2, NULL, 'p2 by dba'), (:b, :q1, :other, 'q1 by other');

-- every tier through SELECT, INSERT, UPDATE and DELETE (changes are undone)
CREATE FUNCTION pg_temp.report(p2 bigint, a bigint) RETURNS TABLE (what text, result text)
LANGUAGE sql AS $$
    SELECT 'sees', coalesce((SELECT string_agg(body, ', ' ORDER BY body) FROM regress_app.session_notes), '-')
    UNION ALL SELECT 'inserts for P2', pg_temp.attempt(format(
        'INSERT INTO regress_app.session_notes (account_id, performer_id, body) VALUES (%s, %s, ''new'')', a, p2))
    UNION ALL SELECT 'updates', pg_temp.attempt('UPDATE regress_app.session_notes SET body = body || ''!''')
    UNION ALL SELECT 'deletes', pg_temp.attempt('DELETE FROM regress_app.session_notes')
$$;
SET ROLE regress_app_mgr;
SELECT * FROM pg_temp.report(:p2, :a);
SET ROLE regress_app_sup;
SELECT * FROM pg_temp.report(:p2, :a);
SET ROLE regress_app_ther;
SELECT * FROM pg_temp.report(:p2, :a);
SET ROLE regress_app_reader;
SELECT * FROM pg_temp.report(:p2, :a);
SET ROLE regress_app_parent;
SELECT * FROM pg_temp.report(:p2, :a);
SET ROLE regress_app_other;
SELECT * FROM pg_temp.report(:p2, :a);

-- created_by is stamped on insert and never changes
SET ROLE regress_app_ther;
INSERT INTO regress_app.session_notes (account_id, performer_id, created_by, body)
VALUES (:a, :p2, :mgr, 'forged') RETURNING created_by = :ther AS stamped;
UPDATE regress_app.session_notes SET created_by = :mgr WHERE body = 'forged' RETURNING created_by = :ther AS kept;
RESET ROLE;

-- planner support: the policy becomes the two exact index conditions of its
-- reach, OR-ed in one bitmap, for the parent (one performer) and for the
-- reader (an account) alike
SET enable_seqscan = off;
SET ROLE regress_app_parent;
EXPLAIN (COSTS OFF) SELECT body FROM regress_app.session_notes;
SET ROLE regress_app_reader;
EXPLAIN (COSTS OFF) SELECT body FROM regress_app.session_notes;
RESET ROLE;
RESET enable_seqscan;

-- kind journal: tier2 and tier3 edit their own rows only
SET ROLE regress_app_owner;
SELECT permissions.protect_table('regress_app.session_notes', 'journal');
SET ROLE regress_app_ther;
SELECT pg_temp.attempt('UPDATE regress_app.session_notes SET body = body || ''!''') AS ther_updates_own;
RESET ROLE;

-- deleting a performer takes its rows along (the foreign key's cascade)
DELETE FROM permissions.performers WHERE id = :p2;
SELECT body FROM regress_app.session_notes ORDER BY body;

-- refusals
\set VERBOSITY default
\set SHOW_CONTEXT never
SET ROLE regress_app_ther;
SELECT permissions.protect_table('regress_app.session_notes');
SET ROLE regress_app_owner;
CREATE TABLE regress_app.no_performer (account_id bigint, body text);
SELECT permissions.protect_table('regress_app.no_performer');
CREATE TABLE regress_app.int_performer (account_id bigint, performer_id integer);
SELECT permissions.protect_table('regress_app.int_performer');
CREATE TABLE regress_app.text_creator (account_id bigint, performer_id bigint, created_by text);
SELECT permissions.protect_table('regress_app.text_creator');
SELECT permissions.protect_table('regress_app.session_notes', 'notes');
SELECT permissions.protect_table('regress_app.session_notes', NULL);
CREATE VIEW regress_app.notes_view AS SELECT * FROM regress_app.session_notes;
SELECT permissions.protect_table('regress_app.notes_view');
CREATE TABLE regress_app.nullable_notes (account_id bigint, performer_id bigint);
SELECT permissions.protect_table('regress_app.nullable_notes');
CREATE TABLE regress_app.loose_notes (account_id bigint NOT NULL, performer_id bigint NOT NULL);
SELECT permissions.protect_table('regress_app.loose_notes');
ALTER TABLE regress_app.loose_notes ADD FOREIGN KEY (performer_id, account_id)
    REFERENCES permissions.performers (id, account_id) NOT VALID;
SELECT permissions.protect_table('regress_app.loose_notes');
CREATE TABLE regress_app.open_notes (account_id bigint NOT NULL, performer_id bigint NOT NULL,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id));
CREATE POLICY everyone ON regress_app.open_notes USING (true);
SELECT permissions.protect_table('regress_app.open_notes');
RESET ROLE;
SELECT permissions.protect_table('permissions.notes');
\set VERBOSITY terse
\set SHOW_CONTEXT errors

-- unprotect: policies and trigger go; row-level security stays while the
-- application keeps a policy of its own
SET ROLE regress_app_owner;
DROP POLICY everyone ON regress_app.open_notes;
CREATE POLICY narrow ON regress_app.open_notes AS RESTRICTIVE USING (account_id > 0);
SELECT permissions.protect_table('regress_app.open_notes', 'measurement');
SELECT polname, pg_get_expr(polqual, polrelid) FROM pg_policy
 WHERE polrelid = 'regress_app.open_notes'::regclass ORDER BY polname;
SELECT permissions.unprotect_table('regress_app.open_notes');
SELECT relrowsecurity, relforcerowsecurity,
       (SELECT string_agg(polname, ', ') FROM pg_policy WHERE polrelid = c.oid) AS policies
  FROM pg_class c WHERE oid = 'regress_app.open_notes'::regclass;
SELECT permissions.unprotect_table('regress_app.session_notes');
SELECT permissions.unprotect_table('regress_app.session_notes');
SELECT relrowsecurity, relforcerowsecurity,
       (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid) AS policies,
       (SELECT count(*) FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal) AS triggers
  FROM pg_class c WHERE oid = 'regress_app.session_notes'::regclass;
SELECT count(*) FROM regress_app.session_notes;
RESET ROLE;

-- moving a performer to another account takes its rows along (ON UPDATE CASCADE)
SELECT permissions.transfer_performer(:p1, :b);
SELECT account_id = :b AS followed, count(*) FROM regress_app.session_notes WHERE performer_id = :p1 GROUP BY 1;

DROP SCHEMA regress_app CASCADE;
REVOKE REFERENCES (id, account_id) ON permissions.performers FROM regress_app_owner;
REVOKE USAGE ON SCHEMA permissions FROM regress_app_owner;
SELECT permissions.delete_account(:a, force => true);
SELECT permissions.delete_account(:b, force => true);
DROP ROLE regress_app_owner, regress_app_mgr, regress_app_sup, regress_app_ther, regress_app_reader,
          regress_app_parent, regress_app_other;
