--
-- The audit log is complete: every administrative change the specification
-- lists (accounts, users, grants, teams, groups, memberships, credentials,
-- credits, a performer's account) leaves exactly one entry per changed row,
-- naming the acting user, with the row before and after; and no
-- non-superuser can update, delete or truncate the log.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- the entries written since the last call, with the actor's username
CREATE TEMP TABLE ad_mark AS SELECT coalesce(max(id), 0) AS id FROM permissions.audit_log;
CREATE FUNCTION pg_temp.entries()
RETURNS TABLE (table_name text, action text, actor text, has_before boolean, has_after boolean)
LANGUAGE plpgsql AS $$
DECLARE
    since bigint := (SELECT id FROM ad_mark);
BEGIN
    RETURN QUERY
    SELECT l.table_name, l.action, coalesce(u.username, '-'), l.before IS NOT NULL, l.after IS NOT NULL
      FROM permissions.audit_log l LEFT JOIN permissions.users u ON u.id = l.actor_id
     WHERE l.id > since ORDER BY l.id;
    UPDATE ad_mark SET id = (SELECT coalesce(max(id), 0) FROM permissions.audit_log);
END
$$;

CREATE ROLE regress_ad_mgr;
GRANT permissions_client TO regress_ad_mgr;
CREATE ROLE regress_ad_entry;
GRANT permissions_client TO regress_ad_entry;
CREATE ROLE regress_ad_auditor;
GRANT permissions_client TO regress_ad_auditor;
CREATE ROLE regress_ad_plain;
GRANT permissions_client TO regress_ad_plain;
CREATE ROLE regress_ad_nobody;
GRANT permissions_client TO regress_ad_nobody;
SELECT permissions.create_account('regress ad T') AS t \gset
SELECT permissions.create_user(:t, 'ad_mgr', 'manager', db_role => 'regress_ad_mgr') AS mgr \gset
SELECT permissions.create_user(:t, 'ad_entry', access => 'tier3', db_role => 'regress_ad_entry') AS entry \gset
SELECT permissions.create_user(:t, 'ad_auditor', permissions => '{view_audit_logs}', db_role => 'regress_ad_auditor') IS NOT NULL AS created;
SELECT permissions.create_user(:t, 'ad_plain', db_role => 'regress_ad_plain') AS plain \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:t, 'Ad P') RETURNING id AS p \gset
-- a superuser acting as nobody: actor "-"
SELECT permissions.add_credits(:t, 10) IS NOT NULL AS added;
SELECT * FROM pg_temp.entries();

-- accounts: create, rename, move, delete
SET ROLE regress_ad_mgr;
SELECT permissions.create_account('regress ad S', :t) AS s \gset
SELECT permissions.create_account('regress ad S2', :t) AS s2 \gset
SELECT permissions.rename_account(:s, 'regress ad S renamed');
SELECT permissions.move_account(:s2, :s);
SELECT permissions.delete_account(:s2);
RESET ROLE;
SELECT * FROM pg_temp.entries();

-- users: invite, change, remove
SET ROLE regress_ad_mgr;
SELECT user_id AS invited FROM permissions.invite_user(:s, 'ad@example.com') \gset
UPDATE permissions.users SET access = 'tier4' WHERE id = :invited;
SELECT permissions.remove_user(:invited);
RESET ROLE;
SELECT * FROM pg_temp.entries();

-- grants: grant, change, revoke
SET ROLE regress_ad_mgr;
SELECT permissions.grant_access('tier4', user_id => :plain, performer_id => :p) AS grant_id \gset
SELECT permissions.grant_access('tier3', user_id => :plain, performer_id => :p) IS NOT NULL AS regranted;
SELECT permissions.revoke_access(:grant_id);
RESET ROLE;
SELECT * FROM pg_temp.entries();

-- teams, groups and their memberships
SET ROLE regress_ad_mgr;
INSERT INTO permissions.teams (account_id, name) VALUES (:t, 'ad team') RETURNING id AS team \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :plain, :t);
INSERT INTO permissions.groups (account_id, name) VALUES (:t, 'ad group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p, :t);
UPDATE permissions.teams SET name = 'ad team renamed' WHERE id = :team;
DELETE FROM permissions.team_members WHERE team_id = :team;
DELETE FROM permissions.group_members WHERE group_id = :grp;
DELETE FROM permissions.teams WHERE id = :team;
DELETE FROM permissions.groups WHERE id = :grp;
RESET ROLE;
SELECT * FROM pg_temp.entries();

-- credentials: create and delete (recording a use writes nothing)
SET ROLE regress_ad_mgr;
SELECT permissions.create_api_credential(:plain, 'ad credential') AS cred \gset
SET ROLE regress_ad_nobody;
BEGIN;
SELECT permissions.authenticate(:'cred') = :plain AS authenticated;
COMMIT;
SET ROLE regress_ad_mgr;
SELECT permissions.delete_api_credential(split_part(:'cred', '_', 2)::bigint);
RESET ROLE;
SELECT * FROM pg_temp.entries();

-- credits: a transfer is one entry per account; an assessment spends one
-- credit in the name of whoever created it
SET ROLE regress_ad_mgr;
SELECT permissions.create_account('regress ad S3', :t) AS s3 \gset
RESET ROLE;
SELECT * FROM pg_temp.entries();
SET ROLE regress_ad_mgr;
SELECT permissions.transfer_credits(:t, :s3, 4) AS left_in_t;
SET ROLE regress_ad_entry;
INSERT INTO permissions.assessments (account_id, performer_id, kind) VALUES (:t, :p, 'ad screening');
RESET ROLE;
SELECT * FROM pg_temp.entries();

-- a performer's account: one entry
SET ROLE regress_ad_mgr;
SELECT permissions.transfer_performer(:p, :s3);
RESET ROLE;
SELECT * FROM pg_temp.entries();
SELECT (before->>'account_id')::bigint = :t AS before_t, (after->>'account_id')::bigint = :s3 AS after_s3
  FROM permissions.audit_log WHERE table_name = 'performers' AND row_id = :p;

-- no non-superuser changes the log, whatever its permissions
SET ROLE regress_ad_mgr;
SELECT pg_temp.try('UPDATE permissions.audit_log SET action = %L', 'x') AS upd,
       pg_temp.try('DELETE FROM permissions.audit_log') AS del,
       pg_temp.try('TRUNCATE permissions.audit_log') AS trunc;
SET ROLE regress_ad_auditor;
SELECT pg_temp.try('UPDATE permissions.audit_log SET action = %L', 'x') AS upd,
       pg_temp.try('DELETE FROM permissions.audit_log') AS del,
       pg_temp.try('TRUNCATE permissions.audit_log') AS trunc;
SET ROLE regress_ad_plain;
SELECT pg_temp.try('UPDATE permissions.audit_log SET action = %L', 'x') AS upd,
       pg_temp.try('DELETE FROM permissions.audit_log') AS del,
       pg_temp.try('TRUNCATE permissions.audit_log') AS trunc;
SET ROLE regress_ad_nobody;
SELECT pg_temp.try('UPDATE permissions.audit_log SET action = %L', 'x') AS upd,
       pg_temp.try('DELETE FROM permissions.audit_log') AS del,
       pg_temp.try('TRUNCATE permissions.audit_log') AS trunc;
RESET ROLE;
SELECT * FROM pg_temp.entries();

SELECT permissions.delete_account(:t, force => true);
DROP ROLE regress_ad_mgr, regress_ad_entry, regress_ad_auditor, regress_ad_plain, regress_ad_nobody;
