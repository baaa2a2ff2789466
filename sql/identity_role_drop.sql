--
-- Dropping a mapped login role.  users.db_role is a regrole: a dropped
-- role left the user mapped to a bare OID, with no warning, and
-- restore_role_mappings() could not map a role re-created with that name
-- (it only looked at unmapped users).  Now DROP ROLE, in a database with
-- the extension, unmaps the role's users (the role's name kept in
-- db_role_name, the change audited) and says so; restore_role_mappings()
-- also maps users left with the OID of a role dropped from another
-- database's session.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

SELECT permissions.create_account('regress rd account') AS acct \gset
CREATE ROLE regress_rd_tess LOGIN;
CREATE ROLE regress_rd_max LOGIN;
SELECT permissions.create_user(:acct, 'rd_tess', access => 'tier1', db_role => 'regress_rd_tess') AS tess,
       permissions.create_user(:acct, 'rd_max', access => 'tier4', db_role => 'regress_rd_max') AS max \gset
CREATE VIEW rd_users AS
SELECT username, db_role::text AS db_role, db_role_name FROM permissions.users
 WHERE account_id = :acct ORDER BY username;

-- DROP ROLE warns, naming the users, and unmaps them
DROP ROLE regress_rd_tess;
SELECT * FROM rd_users;
-- in the audit log as any change of a user
SELECT action, before ->> 'db_role' IS NOT NULL AS was_mapped, after ->> 'db_role' AS db_role, after ->> 'db_role_name' AS name_kept
  FROM permissions.audit_log WHERE table_name = 'users' AND row_id = :tess ORDER BY id DESC LIMIT 1;
-- nothing happens when the drop is rolled back
BEGIN;
DROP ROLE regress_rd_max;
ROLLBACK;
SELECT * FROM rd_users;
-- a role of that name again: mapped back
CREATE ROLE regress_rd_tess LOGIN;
SELECT username, role_name, mapped FROM permissions.restore_role_mappings() ORDER BY user_id;
SELECT * FROM rd_users;
SELECT pg_has_role('regress_rd_tess', 'permissions_client', 'MEMBER') AS client_again;

-- A role that may create roles (no superuser, not even a client of the
-- extension) drops a mapped role: its users are unmapped all the same
-- (from 16 on, dropping a role needs the ADMIN option on it; NOINHERIT: the
-- membership lends none of the role's rights)
CREATE ROLE regress_rd_admin CREATEROLE NOINHERIT;
GRANT regress_rd_max TO regress_rd_admin WITH ADMIN OPTION;
SET ROLE regress_rd_admin;
SELECT count(*) FROM permissions.users;
DROP ROLE regress_rd_max;
RESET ROLE;
SELECT * FROM rd_users;

-- Dropped from a session of another database (where the library does not
-- run), the role leaves its OID behind; editing the user keeps the role's
-- name, and restore_role_mappings() unmaps, then maps it again
SELECT current_database() AS testdb \gset
\c postgres
DROP ROLE regress_rd_tess;
\c :testdb
SET client_min_messages = warning;
SELECT username, db_role ~ '^[0-9]+$' AS bare_oid, db_role_name FROM rd_users;
UPDATE permissions.users SET email = 'tess@example.com' WHERE id = :tess;
SELECT username, db_role ~ '^[0-9]+$' AS bare_oid, db_role_name FROM rd_users;
RESET client_min_messages;
SELECT username, role_name, mapped FROM permissions.restore_role_mappings() ORDER BY user_id;
SELECT * FROM rd_users;
CREATE ROLE regress_rd_tess LOGIN;
CREATE ROLE regress_rd_max LOGIN;
SELECT username, role_name, mapped FROM permissions.restore_role_mappings() ORDER BY user_id;
SELECT * FROM rd_users;

-- a DBA who unmaps a user whose role exists means it: the name goes too
UPDATE permissions.users SET db_role = NULL WHERE id = :max;
SELECT * FROM rd_users;
-- only a DBA maps roles back
SET ROLE regress_rd_admin;
SELECT * FROM permissions.restore_role_mappings();
RESET ROLE;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE id IN (:tess, :max);
DROP VIEW rd_users;
SELECT permissions.delete_account(:acct, force => true);
DROP ROLE regress_rd_tess, regress_rd_max, regress_rd_admin;
