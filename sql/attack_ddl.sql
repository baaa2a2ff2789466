--
-- Attacks, class "DDL on the extension's relations": much of PostgreSQL's
-- DDL locks a relation it names before it checks privileges (ATTACH
-- PARTITION, a foreign key's referenced table, CREATE TRIGGER, COMMENT ...),
-- so that a client's mere attempt queued a strong lock on an extension
-- table behind any open reader, and every tenant's queries behind it.  Now
-- every utility statement of a role that is neither a superuser nor the
-- relation's owner is checked before any lock: naming a relation of the
-- extension in such a position is refused.  Readable examples here; the
-- whole class (every statement type, every position, every relation of the
-- extension, with another session holding the lock) is
-- test/ddl_guard/lock_test.py, and the waits themselves are shown by the
-- isolation spec attack_ddl_waits.  Each test passes when the attack fails.
--
\i sql/attack_fixture.inc
-- a client with no identity, owning a schema of its own
CREATE SCHEMA regress_ddl AUTHORIZATION regress_atk_nobody;
SET ROLE regress_atk_nobody;
CREATE TABLE regress_ddl.p (id bigint) PARTITION BY LIST (id);
CREATE TABLE regress_ddl.t (id bigint, account_id bigint, performer_id bigint);
RESET ROLE;

-- Refused: the error, in full once
SET ROLE regress_atk_nobody;
\set VERBOSITY default
ALTER TABLE regress_ddl.p ATTACH PARTITION permissions.users FOR VALUES IN (1);
\set VERBOSITY terse
-- partitions, parents, children
ALTER TABLE regress_ddl.p DETACH PARTITION permissions.users;
CREATE TEMP TABLE tp (id bigint) PARTITION BY LIST (id);
ALTER TABLE tp ATTACH PARTITION permissions.performers FOR VALUES IN (1);
CREATE TABLE regress_ddl.c PARTITION OF permissions.users FOR VALUES IN (1);
CREATE TABLE regress_ddl.c () INHERITS (permissions.accounts);
ALTER TABLE regress_ddl.t INHERIT permissions.accounts;
-- foreign keys, in every place one is declared (the hint tells what a DBA grants)
\set VERBOSITY default
ALTER TABLE regress_ddl.t ADD FOREIGN KEY (id) REFERENCES permissions.users;
\set VERBOSITY terse
ALTER TABLE regress_ddl.t ADD COLUMN user_id bigint REFERENCES permissions.users;
CREATE TABLE regress_ddl.c (user_id bigint REFERENCES permissions.users (id));
CREATE TABLE regress_ddl.c (user_id bigint, FOREIGN KEY (user_id) REFERENCES permissions.users);
-- LIKE, OF, a column of an extension table's row type
CREATE TABLE regress_ddl.c (LIKE permissions.users);
CREATE TABLE regress_ddl.c OF permissions.users;
CREATE TABLE regress_ddl.c (u permissions.users);
CREATE DOMAIN regress_ddl.d AS permissions.users;
-- what a relation holds: triggers, rules, policies, statistics, indexes, comments
CREATE TRIGGER t BEFORE INSERT ON permissions.users FOR EACH ROW EXECUTE FUNCTION permissions.users_name_role();
CREATE RULE r AS ON INSERT TO permissions.users DO INSTEAD NOTHING;
CREATE POLICY p ON permissions.users USING (true);
DROP POLICY users_select ON permissions.users;
CREATE STATISTICS regress_ddl.s ON (email IS NULL) FROM permissions.users;
CREATE INDEX ON permissions.users (email);
COMMENT ON COLUMN permissions.users.email IS 'mine now';
COMMENT ON TRIGGER users_05_role_name ON permissions.users IS 'mine now';
ALTER TABLE permissions.users DISABLE TRIGGER ALL;
-- a sequence of one's own owned by an extension table
CREATE SEQUENCE regress_ddl.seq OWNED BY permissions.users.id;
-- locks and maintenance
LOCK TABLE permissions.users IN ACCESS SHARE MODE;
TRUNCATE permissions.audit_log;
ANALYZE permissions.users;
REINDEX TABLE permissions.users;
-- an unqualified name, found through the search path, is the same relation
SET search_path = permissions, regress_ddl;
ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES users;
ALTER TABLE p ATTACH PARTITION users FOR VALUES IN (1);
RESET search_path;
-- and through one's own view (LOCK TABLE locks what a view reads)
CREATE VIEW regress_ddl.users_view AS SELECT * FROM permissions.users;
LOCK TABLE regress_ddl.users_view IN ACCESS SHARE MODE;
-- none of it left a lock behind
BEGIN;
SELECT regress_atk_own.try('ALTER TABLE regress_ddl.t ADD FOREIGN KEY (id) REFERENCES permissions.users');
SELECT count(*) AS locks_on_extension_relations FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'permissions'::regnamespace;
ROLLBACK;
RESET ROLE;

-- A relation of one's own shadowing an extension table's name is pinned
-- to the schema it was found in: dropping it between the check and
-- PostgreSQL's own lookup cannot make the name fall through to schema
-- permissions (the lookup fails instead).
SET ROLE regress_atk_nobody;
CREATE TABLE regress_ddl.users (id bigint);
SET search_path = regress_ddl, permissions;
BEGIN;
ALTER TABLE p ATTACH PARTITION users FOR VALUES IN (1);
SELECT inhparent::regclass AS parent, inhrelid::regclass AS attached FROM pg_inherits
 WHERE inhparent = 'regress_ddl.p'::regclass;
ROLLBACK;
RESET search_path;
DROP TABLE regress_ddl.users;
RESET ROLE;

-- Allowed: references inside queries (a query's locks), the extension's
-- types and functions, one's own relations, statements that lock nothing
SET ROLE regress_atk_nobody;
CREATE VIEW regress_ddl.performer_names AS SELECT id, first_name FROM permissions.performers;
CREATE TABLE regress_ddl.levels (id bigint, level permissions.tier, allowed permissions.permset);
CREATE FUNCTION regress_ddl.user_name(u permissions.users) RETURNS text LANGUAGE sql AS 'SELECT $1.username';
ALTER TABLE regress_ddl.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON regress_ddl.t USING (permissions.can_view('note', account_id, performer_id));
CREATE POLICY theirs ON regress_ddl.t AS RESTRICTIVE
    USING (EXISTS (SELECT 1 FROM permissions.performers p WHERE p.id = performer_id));
CREATE RULE log AS ON DELETE TO regress_ddl.t DO ALSO SELECT count(*) FROM permissions.performers;
CREATE INDEX ON regress_ddl.t (account_id);
CREATE TABLE regress_ddl.u (id bigint PRIMARY KEY);
ALTER TABLE regress_ddl.t ADD FOREIGN KEY (id) REFERENCES regress_ddl.u;
COMMENT ON TABLE regress_ddl.t IS 'the client''s own';
EXPLAIN (COSTS OFF) SELECT id FROM permissions.users WHERE id = 1;
PREPARE q AS SELECT count(*) FROM permissions.performers;
EXECUTE q;
DEALLOCATE q;
BEGIN;
DECLARE c CURSOR FOR SELECT id FROM permissions.performers;
CLOSE c;
COMMIT;
COPY (SELECT count(*) FROM permissions.performers) TO STDOUT;
CREATE TABLE regress_ddl.snapshot AS SELECT id FROM permissions.performers;
GRANT SELECT ON regress_ddl.performer_names TO PUBLIC;
VACUUM regress_ddl.t;
ANALYZE regress_ddl.t;
RESET ROLE;

-- An application table under protect_table(), made by its migration role:
-- the composite foreign key to performers needs REFERENCES on its columns,
-- which a DBA grants (the guard refuses the key before that, without a lock)
SET ROLE regress_atk_nobody;
CREATE TABLE regress_ddl.notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    body         text,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id));
RESET ROLE;
GRANT REFERENCES (id, account_id) ON permissions.performers TO regress_atk_nobody;
SET ROLE regress_atk_nobody;
CREATE TABLE regress_ddl.notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    body         text,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id));
SELECT permissions.protect_table('regress_ddl.notes', 'note');
SELECT count(*) AS policies FROM pg_policies WHERE schemaname = 'regress_ddl' AND tablename = 'notes';
-- the application's table is as shared as the extension's: another client
-- may not name it either (nor a system catalog)
GRANT USAGE ON SCHEMA regress_ddl TO PUBLIC;
SET ROLE regress_atk_app;
CREATE TEMP TABLE tp2 (id bigint) PARTITION BY LIST (id);
ALTER TABLE tp2 ATTACH PARTITION regress_ddl.notes FOR VALUES IN (1);
CREATE TEMP TABLE c2 (LIKE regress_ddl.notes);
ALTER TABLE tp2 ATTACH PARTITION pg_catalog.pg_statistic FOR VALUES IN (1);
CREATE TEMP TABLE c3 () INHERITS (pg_catalog.pg_class);
COMMENT ON TABLE pg_catalog.pg_class IS 'mine now';
SET ROLE regress_atk_nobody;
-- REFERENCES is for foreign keys only: every other position stays refused
ALTER TABLE regress_ddl.p ATTACH PARTITION permissions.performers FOR VALUES IN (1);
-- ... and only on the columns granted
ALTER TABLE regress_ddl.t ADD FOREIGN KEY (id) REFERENCES permissions.performers (id);
ALTER TABLE regress_ddl.t ADD FOREIGN KEY (account_id) REFERENCES permissions.accounts (id);
RESET ROLE;
REVOKE REFERENCES (id, account_id) ON permissions.performers FROM regress_atk_nobody;

-- A superuser is never refused (and a client of the extension in another
-- database is not concerned)
BEGIN;
COMMENT ON COLUMN permissions.users.email IS 'checked by the DBA';
ROLLBACK;

-- The classifier's list is for tests, not for clients
SET ROLE regress_atk_nobody;
SELECT count(*) FROM permissions.ddl_guard_statements();
RESET ROLE;
SELECT handling, count(*) FROM permissions.ddl_guard_statements() GROUP BY handling ORDER BY handling;

DROP SCHEMA regress_ddl CASCADE;
\i sql/attack_teardown.inc
