--
-- Group membership: adding a performer to a group needs create_groups and
-- tier1 on the performer (the group's grants reach it); removing one needs
-- create_groups, as deleting the whole group does.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

SELECT permissions.create_account('regress gm') AS acct \gset
CREATE ROLE regress_gm_grouper;     -- create_groups, wildcard tier2
CREATE ROLE regress_gm_reader;      -- wildcard tier2, no permission
SELECT permissions.create_user(:acct, 'gm_grouper', permissions => '{create_groups}', access => 'tier2',
                               db_role => 'regress_gm_grouper') AS grouper,
       permissions.create_user(:acct, 'gm_reader', access => 'tier2', db_role => 'regress_gm_reader') AS reader \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Gm One') RETURNING id AS p1 \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Gm Two') RETURNING id AS p2 \gset
INSERT INTO permissions.groups (account_id, name) VALUES (:acct, 'regress gm group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p1, :acct), (:grp, :p2, :acct);

-- without create_groups: the members are seen, nothing is removed
SET ROLE regress_gm_reader;
SELECT count(*) AS members_seen FROM permissions.group_members WHERE group_id = :grp;
DELETE FROM permissions.group_members WHERE group_id = :grp AND performer_id = :p1;
RESET ROLE;

-- with create_groups and tier2: removing is allowed, adding back is not
-- (tier1 on the performer is needed for that)
SET ROLE regress_gm_grouper;
DELETE FROM permissions.group_members WHERE group_id = :grp AND performer_id = :p1;
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p1, :acct);
RESET ROLE;
SELECT count(*) AS members_left FROM permissions.group_members WHERE group_id = :grp;
SELECT action, before ->> 'performer_id' = :'p1' AS removed_p1 FROM permissions.audit_log
 WHERE table_name = 'group_members' AND account_id = :acct AND action = 'delete';

-- another tenant's manager removes nothing, even naming the rows
SELECT permissions.create_account('regress gm other') AS other \gset
CREATE ROLE regress_gm_other;
SELECT permissions.create_user(:other, 'gm_other', role => 'manager', db_role => 'regress_gm_other') IS NOT NULL AS other_manager;
SET ROLE regress_gm_other;
DELETE FROM permissions.group_members WHERE group_id = :grp;
DELETE FROM permissions.group_members;
RESET ROLE;
SELECT count(*) AS members_still FROM permissions.group_members WHERE group_id = :grp;

-- with tier1 on it, the grouper adds it back
SELECT permissions.grant_access('tier1', user_id => :grouper, performer_id => :p1) IS NOT NULL AS granted;
SET ROLE regress_gm_grouper;
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p1, :acct);
RESET ROLE;
SELECT count(*) AS members FROM permissions.group_members WHERE group_id = :grp;

SELECT permissions.delete_account(:acct, force => true), permissions.delete_account(:other, force => true);
DROP ROLE regress_gm_grouper, regress_gm_reader, regress_gm_other;
