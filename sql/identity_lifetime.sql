--
-- How long a credential identity lasts: a transaction by default (also
-- undone by ROLLBACK TO SAVEPOINT), the session on request; logout(),
-- DISCARD ALL and RESET ALL end it, and no rollback brings back an identity
-- that logout() or a refused credential ended, not even in parallel workers.
-- SET ROLE suspends it; returning to the role it was given to restores it.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- regress_idlt_app acts as the pooled application role; it may become
-- regress_idlt_other (mapped to a user) and regress_idlt_nobody (unmapped)
CREATE ROLE regress_idlt_app;
GRANT permissions_client TO regress_idlt_app;
-- this role holds session-scope identities below: a DBA allows it
SELECT permissions.allow_session_identity('regress_idlt_app');
CREATE ROLE regress_idlt_other;
GRANT permissions_client TO regress_idlt_other;
CREATE ROLE regress_idlt_nobody;
GRANT permissions_client TO regress_idlt_nobody;
GRANT regress_idlt_other, regress_idlt_nobody TO regress_idlt_app;
SELECT permissions.create_account('regress idlt account') AS acct \gset
SELECT permissions.create_user(:acct, 'idlt_user', access => 'tier4') AS u \gset
SELECT permissions.create_user(:acct, 'idlt_second', access => 'tier4') AS second \gset
SELECT permissions.create_user(:acct, 'idlt_other', db_role => 'regress_idlt_other') AS other \gset
INSERT INTO permissions.performers (account_id, first_name)
SELECT :acct, 'Idlt ' || g FROM generate_series(1, 3) g;
SELECT permissions.create_api_credential(:u, 'idlt') AS cred \gset
SELECT permissions.create_api_credential(:second, 'idlt second') AS cred_second \gset
-- who the session is, by name
CREATE TABLE regress_idlt_names (id bigint, name text);
INSERT INTO regress_idlt_names VALUES (:u, 'user'), (:second, 'second'), (:other, 'other');
GRANT SELECT ON regress_idlt_names TO PUBLIC;
CREATE FUNCTION regress_idlt_who() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT coalesce((SELECT name FROM regress_idlt_names WHERE id = permissions.current_user_id()),
                      permissions.current_user_id()::text, 'nobody') $$;

SET SESSION AUTHORIZATION regress_idlt_app;
SELECT regress_idlt_who() AS who;

-- transaction scope: ends at COMMIT and at ROLLBACK
BEGIN;
SELECT permissions.authenticate(:'cred') = :u AS authenticated;
SELECT regress_idlt_who() AS who;
COMMIT;
SELECT regress_idlt_who() AS who_after_commit;
BEGIN;
SELECT permissions.authenticate(:'cred') = :u AS authenticated;
ROLLBACK;
SELECT regress_idlt_who() AS who_after_rollback;
-- a statement on its own is its own transaction
SELECT permissions.authenticate(:'cred') = :u AS authenticated;
SELECT regress_idlt_who() AS who_next_statement;

-- savepoints: ROLLBACK TO removes an identity made after the savepoint and
-- keeps one made before it; RELEASE keeps it until the end of the transaction
BEGIN;
SAVEPOINT s;
SELECT permissions.authenticate(:'cred') = :u AS authenticated;
ROLLBACK TO s;
SELECT regress_idlt_who() AS who_after_rollback_to;
SELECT permissions.authenticate(:'cred') = :u AS authenticated;
SAVEPOINT s2;
SELECT permissions.authenticate(:'cred_second') = :second AS authenticated;
SELECT regress_idlt_who() AS who;
ROLLBACK TO s2;
SELECT regress_idlt_who() AS who_after_rollback_to;
SAVEPOINT s3;
SELECT 1/0;
ROLLBACK TO s3;
SELECT regress_idlt_who() AS who_after_error_and_rollback_to;
SAVEPOINT s4;
SELECT permissions.authenticate(:'cred_second') = :second AS authenticated;
RELEASE s4;
SELECT regress_idlt_who() AS who_after_release;
COMMIT;
SELECT regress_idlt_who() AS who_after_commit;

-- session scope: survives COMMIT and ROLLBACK, but not a rollback of the
-- transaction that asked for it
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
BEGIN;
SELECT regress_idlt_who() AS who;
ROLLBACK;
BEGIN;
SELECT count(*) AS performers_seen FROM permissions.performers;
COMMIT;
SELECT regress_idlt_who() AS who_after_commit;
-- a transaction identity on top of it lasts the transaction only
BEGIN;
SELECT permissions.authenticate(:'cred_second') = :second AS authenticated;
SELECT regress_idlt_who() AS who;
COMMIT;
SELECT regress_idlt_who() AS who_after_commit;
SELECT permissions.logout();
BEGIN;
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
ROLLBACK;
SELECT regress_idlt_who() AS who_after_rollback;

-- logout(), RESET ALL and DISCARD ALL end a session identity
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
SELECT permissions.logout();
SELECT regress_idlt_who() AS who_after_logout;
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
RESET ALL;
SELECT regress_idlt_who() AS who_after_reset_all;
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
DISCARD ALL;
-- (DISCARD ALL also resets the session authorization)
SET SESSION AUTHORIZATION regress_idlt_app;
SELECT regress_idlt_who() AS who_after_discard_all;

-- no rollback brings back an identity that logout() ended
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
BEGIN;
SELECT permissions.logout();
SELECT regress_idlt_who() AS who_after_logout;
ROLLBACK;
SELECT regress_idlt_who() AS who_after_rollback;
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
BEGIN;
SAVEPOINT s;
SELECT permissions.logout();
ROLLBACK TO s;
SELECT regress_idlt_who() AS who_after_rollback_to;
COMMIT;
-- nor one that a refused credential ended
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
BEGIN;
SELECT permissions.authenticate('pm_1_bad');
ROLLBACK;
SELECT regress_idlt_who() AS who_after_rollback;
SELECT count(*) AS performers_seen FROM permissions.performers;
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
BEGIN;
SAVEPOINT s;
SELECT permissions.authenticate('pm_1_bad');
ROLLBACK TO s;
SELECT regress_idlt_who() AS who_after_rollback_to;
COMMIT;

-- the same holds in parallel workers, which get a copy of the setting: the
-- dead identity a rollback restored must not come back there (the setting
-- that forces them is called debug_parallel_query from PostgreSQL 16 on)
SELECT CASE WHEN current_setting('server_version_num')::int < 160000
            THEN 'force_parallel_mode' ELSE 'debug_parallel_query' END AS force_parallel \gset
SET :force_parallel = on;
EXPLAIN (COSTS OFF) SELECT regress_idlt_who();
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
SELECT regress_idlt_who() AS who_in_worker;
BEGIN;
SELECT permissions.logout();
ROLLBACK;
SELECT regress_idlt_who() AS who_in_worker;
SELECT count(*) AS performers_seen FROM permissions.performers;
-- (a statement clears the dead setting, and a rollback can restore it again)
BEGIN;
SELECT 1 AS clears_the_setting;
ROLLBACK;
SELECT regress_idlt_who() AS who_in_worker;
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
BEGIN;
SELECT permissions.authenticate('pm_1_bad');
ROLLBACK;
BEGIN;
SELECT 1 AS clears_the_setting;
ROLLBACK;
SELECT regress_idlt_who() AS who_in_worker;
SELECT count(*) AS performers_seen FROM permissions.performers;
RESET :force_parallel;

-- SET ROLE suspends a credential identity: the new role's mapping (or
-- nobody) applies, and the identity comes back with the role it was given to
SELECT permissions.authenticate(:'cred', true) = :u AS authenticated;
SET ROLE regress_idlt_other;
SELECT current_user, regress_idlt_who() AS who;
SET ROLE regress_idlt_nobody;
SELECT current_user, regress_idlt_who() AS who;
SELECT count(*) AS performers_seen FROM permissions.performers;
RESET ROLE;
SELECT current_user, regress_idlt_who() AS who;
BEGIN;
SELECT permissions.authenticate(:'cred_second') = :second AS authenticated;
SET LOCAL ROLE regress_idlt_nobody;
SELECT regress_idlt_who() AS who;
RESET ROLE;
SELECT regress_idlt_who() AS who;
COMMIT;
SELECT permissions.logout();
RESET SESSION AUTHORIZATION;

-- clean up
DROP FUNCTION regress_idlt_who();
DROP TABLE regress_idlt_names;
UPDATE permissions.users SET db_role = NULL WHERE id = :other;
DROP ROLE regress_idlt_app, regress_idlt_other, regress_idlt_nobody;
