--
-- The audit log: every permission-relevant change writes exactly one entry
-- in the same transaction, naming the acting user (NULL for a superuser
-- acting as nobody), the table, the action and the row before and after
-- (never a secret hash); nobody changes or deletes entries; view_audit_logs
-- reads its own account's entries and a manager its whole subtree's.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE regress_au_manager;
GRANT permissions_client TO regress_au_manager;
CREATE ROLE regress_au_viewer;
GRANT permissions_client TO regress_au_viewer;
CREATE ROLE regress_au_plain;
GRANT permissions_client TO regress_au_plain;
CREATE ROLE regress_au_app;
GRANT permissions_client TO regress_au_app;
SELECT coalesce(max(id), 0) AS mark FROM permissions.audit_log \gset

-- the entries, with the ids of this test replaced by names
CREATE TABLE regress_au_names (kind text, id bigint, name text, PRIMARY KEY (kind, id));
GRANT SELECT ON regress_au_names TO PUBLIC;
CREATE VIEW regress_au_entries WITH (security_invoker) AS
SELECT l.id AS log_id, coalesce(acct.name, l.account_id::text) AS account, l.table_name, l.action,
       coalesce(actor.name, l.actor_id::text, '-') AS actor,
       CASE WHEN l.actor_role = session_user THEN '(session user)' ELSE l.actor_role END AS actor_role,
       coalesce(rowname.name, '') AS row_name,
       l.before IS NOT NULL AS has_before, l.after IS NOT NULL AS has_after
FROM permissions.audit_log l
LEFT JOIN regress_au_names acct ON acct.kind = 'account' AND acct.id = l.account_id
LEFT JOIN regress_au_names actor ON actor.kind = 'user' AND actor.id = l.actor_id
LEFT JOIN regress_au_names rowname ON rowname.id = l.row_id
     AND rowname.kind = CASE l.table_name WHEN 'accounts' THEN 'account' WHEN 'users' THEN 'user' END;
GRANT SELECT ON regress_au_entries TO PUBLIC;

-- a superuser without identity creates an account and its manager: actor NULL
SELECT permissions.create_account('regress au account') AS au \gset
SELECT permissions.create_user(:au, 'au_manager', role => 'manager', db_role => 'regress_au_manager') AS mgr \gset
INSERT INTO regress_au_names VALUES ('account', :au, 'au'), ('user', :mgr, 'manager');
SELECT account, table_name, action, actor, actor_role, row_name, has_before, has_after
FROM regress_au_entries WHERE log_id > :mark ORDER BY log_id;
SELECT after->>'name' AS name, after->>'parent_id' AS parent_id
FROM permissions.audit_log WHERE id > :mark AND table_name = 'accounts';
SELECT after->>'username' AS username, after->>'role' AS role, after->>'db_role' AS db_role
FROM permissions.audit_log WHERE id > :mark AND table_name = 'users';
-- (a performer made by a superuser has no creator, so no creator's grant)
INSERT INTO permissions.performers (account_id, first_name) VALUES (:au, 'Au One') RETURNING id AS p \gset
SELECT max(id) AS mark FROM permissions.audit_log \gset

-- the manager acts: one entry per change, each naming the manager
SET ROLE regress_au_manager;
SELECT permissions.create_account('regress au sub-account', :au) AS au1 \gset
SELECT permissions.create_user(:au, 'au_viewer', permissions => '{view_audit_logs}') AS viewer \gset
SELECT permissions.create_user(:au, 'au_plain', access => 'tier4') AS plain \gset
SELECT permissions.create_user(:au1, 'au_sub_user') AS subuser \gset
SELECT permissions.create_api_credential(:plain, 'au credential') AS cred \gset
SELECT permissions.grant_access('tier2', user_id => :plain, performer_id => :p) AS grant_id \gset
INSERT INTO permissions.teams (account_id, name) VALUES (:au, 'au team') RETURNING id AS team \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :plain, :au);
UPDATE permissions.users SET access = 'tier3' WHERE id = :plain;
SELECT permissions.revoke_access(:grant_id);
RESET ROLE;
INSERT INTO regress_au_names VALUES ('account', :au1, 'au1'), ('user', :viewer, 'viewer'),
    ('user', :plain, 'plain'), ('user', :subuser, 'sub_user');
SELECT account, table_name, action, actor, actor_role, row_name, has_before, has_after
FROM regress_au_entries WHERE log_id > :mark ORDER BY log_id;

-- what the entries hold: the credential without its hash, the grant and its
-- revocation, the membership, the user before and after
SELECT after ? 'secret_hash' AS has_hash, after->>'name' AS name,
       (after->>'user_id')::bigint = :plain AS for_plain
FROM permissions.audit_log WHERE id > :mark AND table_name = 'api_credentials';
SELECT action, coalesce(before->>'tier', '-') AS tier_before, coalesce(after->>'tier', '-') AS tier_after,
       (coalesce(after, before)->>'performer_id')::bigint = :p AS on_p,
       (coalesce(after, before)->>'user_id')::bigint = :plain AS to_plain,
       (coalesce(after, before)->>'granted_by')::bigint = :mgr AS granted_by_manager
FROM permissions.audit_log WHERE id > :mark AND table_name = 'access_grants' ORDER BY id;
SELECT (after->>'team_id')::bigint = :team AS team, (after->>'user_id')::bigint = :plain AS member
FROM permissions.audit_log WHERE id > :mark AND table_name = 'team_members';
SELECT before->>'username' AS username, before->>'access' AS access_before, after->>'access' AS access_after
FROM permissions.audit_log WHERE id > :mark AND table_name = 'users' AND action = 'update';
-- the change and its entry are one: a rolled-back change leaves no entry
SELECT max(id) AS mark FROM permissions.audit_log \gset
BEGIN;
SET LOCAL ROLE regress_au_manager;
SELECT permissions.create_user(:au, 'au_rolled_back') IS NOT NULL AS created;
ROLLBACK;
SELECT count(*) AS entries_after_rollback FROM permissions.audit_log WHERE id > :mark;

-- a change made through an API credential names the credential's user, and
-- a deleted credential's entry holds no hash either
SET ROLE regress_au_app;
BEGIN;
SELECT permissions.authenticate(:'cred') = :plain AS authenticated;
SELECT permissions.delete_api_credential(split_part(:'cred', '_', 2)::bigint);
COMMIT;
RESET ROLE;
SELECT account, table_name, action, actor, actor_role, has_before, has_after
FROM regress_au_entries WHERE log_id > :mark ORDER BY log_id;
SELECT before->>'name' AS name, before ? 'secret_hash' AS has_hash
FROM permissions.audit_log WHERE id > :mark AND table_name = 'api_credentials';
SELECT count(*) AS entries_with_a_hash FROM permissions.audit_log
WHERE before ? 'secret_hash' OR after ? 'secret_hash';

-- another tenant, whose entries nobody here may read
SELECT permissions.create_account('regress au other') AS other \gset
INSERT INTO regress_au_names VALUES ('account', :other, 'other');
SELECT permissions.create_user(:other, 'au_other_user') IS NOT NULL AS created;
UPDATE permissions.users SET db_role = 'regress_au_viewer' WHERE id = :viewer;
UPDATE permissions.users SET db_role = 'regress_au_plain' WHERE id = :plain;
SELECT count(*) AS total_entries FROM permissions.audit_log \gset

-- nobody changes or deletes an entry: a non-superuser has no privilege to
SET ROLE regress_au_manager;
UPDATE permissions.audit_log SET action = 'nothing' WHERE id > :mark;
DELETE FROM permissions.audit_log WHERE id > :mark;
TRUNCATE permissions.audit_log;
INSERT INTO permissions.audit_log (account_id, action, table_name) VALUES (:au, 'insert', 'users');
RESET ROLE;
-- and a superuser meets the append-only trigger
UPDATE permissions.audit_log SET action = 'nothing' WHERE id > :mark;
DELETE FROM permissions.audit_log WHERE id > :mark;
TRUNCATE permissions.audit_log;
SELECT count(*) = :total_entries AS nothing_changed,
       count(*) FILTER (WHERE action = 'nothing') AS altered
FROM permissions.audit_log;

-- view_audit_logs reads its own account's entries; a manager its subtree's;
-- a user without the permission none
SET ROLE regress_au_viewer;
SELECT account, count(*) AS entries FROM regress_au_entries GROUP BY account ORDER BY account;
SET ROLE regress_au_manager;
SELECT account, count(*) AS entries FROM regress_au_entries GROUP BY account ORDER BY account;
SET ROLE regress_au_plain;
SELECT account, count(*) AS entries FROM regress_au_entries GROUP BY account ORDER BY account;
RESET ROLE;
SELECT account, count(*) AS entries FROM regress_au_entries
WHERE account IN ('au', 'au1', 'other') GROUP BY account ORDER BY account;

-- clean up
DROP VIEW regress_au_entries;
DROP TABLE regress_au_names;
UPDATE permissions.users SET db_role = NULL WHERE id IN (:mgr, :viewer, :plain);
DROP ROLE regress_au_manager, regress_au_viewer, regress_au_plain, regress_au_app;
