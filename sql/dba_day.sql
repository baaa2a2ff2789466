--
-- A DBA's day: mistakes get errors that say what they are and what to do;
-- mappings name roles and users, refuse superusers, and never pass to a role
-- that merely reuses a dropped role's OID; usernames are unique per account;
-- the audit log is written whatever session_replication_role says;
-- CREATE EXTENSION refuses a schema that holds other objects.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

\i sql/try.inc
SELECT permissions.create_account('regress dba A') AS a \gset
SELECT permissions.create_account('regress dba B') AS b \gset

-- a missing account is named, with a hint, not a foreign key error
\set VERBOSITY default
SELECT permissions.create_user(999999, 'regress_dba_nobody');
SELECT permissions.create_account('regress dba orphan', parent_id => 999999);
\set VERBOSITY terse

-- mapping: a superuser is refused; a role mapped already is named, with
-- the user it belongs to
CREATE ROLE regress_dba_super SUPERUSER;
CREATE ROLE regress_dba_ann;
CREATE ROLE regress_dba_bob;
GRANT permissions_client TO regress_dba_bob;
SELECT permissions.create_user(:a, 'regress_dba_super', db_role => 'regress_dba_super');
SELECT permissions.create_user(:a, 'regress_dba_ann', db_role => 'regress_dba_ann') AS ann \gset
SELECT pg_temp.try(format('SELECT permissions.create_user(%s, %L, db_role => %L)', :a, 'regress_dba_ann2', 'regress_dba_ann'));
-- a mapped role becomes a client of the extension's tables
SELECT pg_has_role('regress_dba_ann', 'permissions_client', 'MEMBER') AS ann_is_client;

-- usernames are unique per account, not across accounts
SELECT permissions.create_user(:b, 'regress_dba_ann') IS NOT NULL AS same_name_in_b;
SELECT pg_temp.try(format('SELECT permissions.create_user(%s, %L)', :a, 'regress_dba_ann'));

-- a grant cannot start expired (grant_access and a plain INSERT alike)
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Dba P') RETURNING id AS p \gset
SELECT permissions.grant_access('tier4', user_id => :ann, performer_id => :p, expires_at => now() - interval '1 minute');
INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier, expires_at)
VALUES (:a, :ann, :p, 'tier4', now() - interval '1 minute');
SELECT permissions.grant_access('tier4', user_id => :ann, performer_id => :p, expires_at => now() + interval '1 day') IS NOT NULL AS granted;

-- a role dropped while mapped: the user is unmapped with a warning, its
-- name kept (identity_role_drop), and a new role is never that user (its
-- OID may come back; its name may not match)
SET ROLE regress_dba_ann;
SELECT permissions.current_user_id() = :ann AS ann_is_ann, count(*) AS performers_seen FROM permissions.performers;
RESET ROLE;
SELECT db_role_name FROM permissions.users WHERE id = :ann;
DROP OWNED BY regress_dba_ann;
DROP ROLE regress_dba_ann;
SELECT db_role IS NOT NULL AS still_mapped, db_role_name FROM permissions.users WHERE id = :ann;
-- a mapping is found only while the role with that OID has that name: a
-- user row pointed at another role behind the triggers' back (as a dropped
-- role's OID left by another database's session would be) is not used
SET session_replication_role = replica;
UPDATE permissions.users SET db_role = 'regress_dba_bob'::regrole WHERE id = :ann;
RESET session_replication_role;
SET ROLE regress_dba_bob;
SELECT permissions.current_user_id() IS NULL AS bob_is_nobody;
RESET ROLE;
-- mapped again by a DBA (the name follows): now bob is that user
UPDATE permissions.users SET db_role = NULL WHERE id = :ann;
UPDATE permissions.users SET db_role = 'regress_dba_bob' WHERE id = :ann RETURNING db_role_name;
SET ROLE regress_dba_bob;
SELECT permissions.current_user_id() = :ann AS bob_is_ann;
RESET ROLE;

-- the audit log is written, and cannot be changed, also with
-- session_replication_role = replica
SELECT count(*) AS audit_before FROM permissions.audit_log WHERE table_name = 'users' \gset
SET session_replication_role = replica;
UPDATE permissions.users SET email = 'ann@example.com' WHERE id = :ann;
DELETE FROM permissions.audit_log WHERE table_name = 'users';
RESET session_replication_role;
SELECT count(*) - :audit_before AS audit_entries_added FROM permissions.audit_log WHERE table_name = 'users';

-- the extension's schema holds nothing else (checked at CREATE EXTENSION,
-- which refuses a schema "permissions" holding other objects)
SELECT count(*) AS strangers
  FROM pg_class c
 WHERE c.relnamespace = 'permissions'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                     AND d.deptype IN ('e', 'i', 'a'));
-- every (new) session of the database loads the library
SELECT array_to_string(setconfig, ',') LIKE '%session_preload_libraries=%permissions%' AS preloaded
  FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id IN (:a, :b);
SELECT permissions.delete_account(:a, force => true), permissions.delete_account(:b, force => true);
DROP ROLE regress_dba_super, regress_dba_bob;
