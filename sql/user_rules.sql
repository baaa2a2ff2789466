--
-- Rules on users and grants: user types and roles (for everyone, superusers
-- included), escalation (for everyone but superusers), and that a top-level
-- account always keeps an active manager.  Each refusal names its rule.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
-- details name ids, which differ from run to run
\set VERBOSITY terse

CREATE ROLE regress_ur_manager;
GRANT permissions_client TO regress_ur_manager;
CREATE ROLE regress_ur_um;
GRANT permissions_client TO regress_ur_um;
CREATE ROLE regress_ur_spare;
GRANT permissions_client TO regress_ur_spare;
SELECT permissions.create_account('regress ur account') AS acct \gset
SELECT permissions.create_account('regress ur sub-account', :acct) AS sub \gset
SELECT permissions.create_user(:acct, 'ur_manager', role => 'manager',
                               db_role => 'regress_ur_manager') AS mgr \gset
-- a user manager who is not a manager: some permissions and wildcard tier3
SELECT permissions.create_user(:acct, 'ur_um', access => 'tier3', db_role => 'regress_ur_um',
                               permissions => '{manage_users,manage_profile,view_reporting,manage_tags}') AS um \gset
INSERT INTO permissions.performers (account_id, first_name)
VALUES (:acct, 'Ur One'), (:acct, 'Ur Two');
SELECT id AS p1 FROM permissions.performers WHERE account_id = :acct AND first_name = 'Ur One' \gset
SELECT id AS p2 FROM permissions.performers WHERE account_id = :acct AND first_name = 'Ur Two' \gset
INSERT INTO permissions.groups (account_id, name) VALUES (:acct, 'ur group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p1, :acct);

-- single_performer: no permissions, wildcard none, never a manager, one
-- performer granted directly and no group
SELECT permissions.create_user(:acct, 'ur_sp_perm', user_type => 'single_performer',
                               permissions => '{view_reporting}');
SELECT permissions.create_user(:acct, 'ur_sp_tier', user_type => 'single_performer', access => 'tier4');
SELECT permissions.create_user(:acct, 'ur_sp_mgr', user_type => 'single_performer', role => 'manager');
SELECT permissions.create_user(:acct, 'ur_sp', user_type => 'single_performer') AS sp \gset
UPDATE permissions.users SET permissions = '{view_reporting}' WHERE id = :sp;
UPDATE permissions.users SET access = 'tier1' WHERE id = :sp;
SELECT permissions.grant_access('tier4', user_id => :sp, group_id => :grp);
SELECT permissions.grant_access('tier4', user_id => :sp, performer_id => :p1) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier4', user_id => :sp, performer_id => :p2);
-- (re-granting the same performer is fine)
SELECT permissions.grant_access('tier3', user_id => :sp, performer_id => :p1) IS NOT NULL AS regranted;
SELECT permissions.effective_tier(:p1, :sp) AS sp_on_p1, permissions.effective_tier(:p2, :sp) AS sp_on_p2;
SELECT count(*) AS users_made FROM permissions.users WHERE username LIKE 'ur_sp_%';
-- a user with grants on two performers, or on a group, cannot become a
-- single_performer user; with one performer left, it can
SELECT permissions.create_user(:acct, 'ur_to_sp') AS to_sp \gset
SELECT permissions.grant_access('tier3', user_id => :to_sp, performer_id => :p1) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier3', user_id => :to_sp, performer_id => :p2) AS to_sp_p2 \gset
SELECT permissions.grant_access('tier3', user_id => :to_sp, group_id => :grp) AS to_sp_grp \gset
UPDATE permissions.users SET user_type = 'single_performer' WHERE id = :to_sp;
SELECT permissions.revoke_access(:to_sp_p2);
UPDATE permissions.users SET user_type = 'single_performer' WHERE id = :to_sp;
SELECT permissions.revoke_access(:to_sp_grp);
UPDATE permissions.users SET user_type = 'single_performer' WHERE id = :to_sp RETURNING username, user_type;
SELECT permissions.effective_tier(:p1, :to_sp) AS on_p1, permissions.effective_tier(:p2, :to_sp) AS on_p2;

-- read_only: no permissions, wildcard none or tier4, never above tier4
SELECT permissions.create_user(:acct, 'ur_ro_perm', user_type => 'read_only', permissions => '{manage_tags}');
SELECT permissions.create_user(:acct, 'ur_ro_tier', user_type => 'read_only', access => 'tier3');
SELECT permissions.create_user(:acct, 'ur_ro_mgr', user_type => 'read_only', role => 'manager');
SELECT permissions.create_user(:acct, 'ur_ro', user_type => 'read_only', access => 'tier4') AS ro \gset
UPDATE permissions.users SET access = 'tier1' WHERE id = :ro;
SELECT permissions.grant_access('tier1', user_id => :ro, performer_id => :p2) IS NOT NULL AS granted;
SELECT permissions.effective_tier(:p2, :ro) AS ro_on_p2;
SELECT source, tier FROM permissions.explain_access(:ro, :p2);

-- managers are full_access users
UPDATE permissions.users SET user_type = 'read_only' WHERE id = :mgr;
UPDATE permissions.users SET user_type = 'single_performer' WHERE id = :mgr;
SELECT role, user_type FROM permissions.users WHERE id = :mgr;

-- escalation: a user manager gives only what it holds, up to its own tier,
-- makes no managers and maps no login roles
SET ROLE regress_ur_um;
SELECT permissions.current_user_id() = :um AS is_um;
SELECT permissions.create_user(:acct, 'ur_esc_perm', permissions => '{manage_billing}');
SELECT permissions.create_user(:acct, 'ur_esc_perm2', permissions => '{manage_users,manage_users,manage_billing}');
SELECT permissions.create_user(:acct, 'ur_esc_tier', access => 'tier2');
SELECT permissions.create_user(:acct, 'ur_esc_mgr', role => 'manager');
SELECT permissions.create_user(:acct, 'ur_esc_role', db_role => 'regress_ur_spare');
-- what it holds, up to its tier, is fine
SELECT permissions.create_user(:acct, 'ur_made', permissions => '{view_reporting,manage_tags}',
                               access => 'tier3') AS made \gset
UPDATE permissions.users SET permissions = '{view_reporting,manage_billing}' WHERE id = :made;
UPDATE permissions.users SET access = 'tier1' WHERE id = :made;
UPDATE permissions.users SET role = 'manager' WHERE id = :made;
UPDATE permissions.users SET db_role = 'regress_ur_spare' WHERE id = :made;
UPDATE permissions.users SET permissions = '{view_reporting}', access = 'tier4' WHERE id = :made
RETURNING username, permissions, access;
-- nor can it change a manager
UPDATE permissions.users SET active = false WHERE id = :mgr;
-- nor change anything about itself but its profile (manage_profile)
UPDATE permissions.users SET role = 'manager' WHERE id = :um;
UPDATE permissions.users SET permissions = '{manage_users,view_reporting,manage_tags,manage_billing}' WHERE id = :um;
UPDATE permissions.users SET permissions = '{manage_users}' WHERE id = :um;
UPDATE permissions.users SET access = 'tier1' WHERE id = :um;
UPDATE permissions.users SET access = 'tier4' WHERE id = :um;
UPDATE permissions.users SET user_type = 'read_only', permissions = '{}', access = 'tier4' WHERE id = :um;
UPDATE permissions.users SET active = false WHERE id = :um;
UPDATE permissions.users SET db_role = NULL WHERE id = :um;
UPDATE permissions.users SET first_name = 'Uma' WHERE id = :um RETURNING username, first_name;
-- nor grant on a performer without tier1 on it, nor to itself
SELECT permissions.grant_access('tier4', user_id => :made, performer_id => :p1);
SELECT permissions.grant_access('tier1', user_id => :um, performer_id => :p1);
-- on a group it needs manage_users, and gives up to its wildcard tier
SELECT permissions.grant_access('tier2', user_id => :made, group_id => :grp);
SELECT permissions.grant_access('tier3', user_id => :made, group_id => :grp) IS NOT NULL AS granted;
-- nor act outside its account
-- (the account id in the message depends on the tests run before)
\set VERBOSITY sqlstate
SELECT permissions.create_user(:sub, 'ur_esc_sub');
\set VERBOSITY terse
RESET ROLE;
SELECT username, role, user_type, permissions, access, active, db_role IS NOT NULL AS mapped
FROM permissions.users WHERE id IN (:um, :made) ORDER BY username;

-- a superuser is not held to the escalation rules
SELECT permissions.create_user(:acct, 'ur_dba_made', role => 'manager', db_role => 'regress_ur_spare',
                               permissions => '{manage_billing}', access => 'tier1') IS NOT NULL AS made;

-- the last active manager of a top-level account stays: not demoted,
-- deactivated, moved or deleted, by anyone
DELETE FROM permissions.users WHERE username = 'ur_dba_made' RETURNING username;
UPDATE permissions.users SET role = 'user' WHERE id = :mgr;
UPDATE permissions.users SET active = false WHERE id = :mgr;
UPDATE permissions.users SET account_id = :sub WHERE id = :mgr;
DELETE FROM permissions.users WHERE id = :mgr;
SET ROLE regress_ur_manager;
UPDATE permissions.users SET role = 'user' WHERE id = :mgr;
DELETE FROM permissions.users WHERE id = :mgr RETURNING username;
RESET ROLE;
SELECT role, active FROM permissions.users WHERE id = :mgr;
-- with a second manager, the first can go
SELECT permissions.create_user(:acct, 'ur_manager2', role => 'manager') AS mgr2 \gset
UPDATE permissions.users SET role = 'user' WHERE id = :mgr RETURNING username, role;
UPDATE permissions.users SET role = 'manager' WHERE id = :mgr;
UPDATE permissions.users SET active = false WHERE id = :mgr RETURNING username, active;
DELETE FROM permissions.users WHERE id = :mgr2;
UPDATE permissions.users SET active = true WHERE id = :mgr;
DELETE FROM permissions.users WHERE id = :mgr2 RETURNING username;
-- an inactive manager does not count
SELECT permissions.create_user(:acct, 'ur_manager3', role => 'manager') AS mgr3 \gset
UPDATE permissions.users SET active = false WHERE id = :mgr3;
UPDATE permissions.users SET role = 'user' WHERE id = :mgr;
-- the last manager of a sub-account can go: the parent's managers remain
SELECT permissions.create_user(:sub, 'ur_sub_manager', role => 'manager') AS submgr \gset
UPDATE permissions.users SET role = 'user' WHERE id = :submgr RETURNING username, role;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE db_role IS NOT NULL AND account_id IN (:acct, :sub);
DROP ROLE regress_ur_manager, regress_ur_um, regress_ur_spare;
