--
-- Sub-accounts: created, renamed, moved and deleted by managers of an
-- ancestor or manage_sub_accounts holders in the parent; manage_organization
-- changes an account's details but never its plan or parent; a manager of a
-- sub-account never touches its parent or siblings; the tree stays a tree.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- T (plan gold) has sub-accounts A (plan silver, set by a DBA) and B; A has A1
CREATE ROLE regress_sa_top;      -- manager of T
CREATE ROLE regress_sa_amgr;     -- manager of A
CREATE ROLE regress_sa_subs;     -- user of T with manage_sub_accounts only
CREATE ROLE regress_sa_org;      -- user of A with manage_organization only
CREATE ROLE regress_sa_plain;    -- user of A with every permission but those two
SELECT permissions.create_account('regress sa T', plan => 'gold') AS t \gset
SELECT permissions.create_account('regress sa A', :t, plan => 'silver') AS a \gset
SELECT permissions.create_account('regress sa B', :t) AS b \gset
SELECT permissions.create_account('regress sa A1', :a) AS a1 \gset
SELECT permissions.create_user(:t, 'sa_top', 'manager', db_role => 'regress_sa_top') AS top \gset
SELECT permissions.create_user(:a, 'sa_amgr', 'manager', db_role => 'regress_sa_amgr') AS amgr \gset
SELECT permissions.create_user(:t, 'sa_subs', permissions => '{manage_sub_accounts}', db_role => 'regress_sa_subs') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'sa_org', permissions => '{manage_organization}', db_role => 'regress_sa_org') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'sa_plain', db_role => 'regress_sa_plain',
       permissions => '{create_performers,create_groups,manage_pinpoints,manage_teams,manage_users,
                        view_audit_logs,manage_billing,manage_tags,manage_profile,view_reporting,
                        manage_credits,manage_api_credentials,view_usage_reports,manage_reviews,
                        transfer_performers}') IS NOT NULL AS created;

-- a manager of A sees A and its subtree, never its parent T or its sibling B
SET ROLE regress_sa_amgr;
SELECT name FROM permissions.accounts WHERE name LIKE 'regress sa %' ORDER BY name;
RESET ROLE;

-- creating: in a managed account or where manage_sub_accounts is held; a
-- sub-account always takes its parent's plan
SET ROLE regress_sa_amgr;
SELECT permissions.create_account('regress sa A2', :a) AS a2 \gset
SELECT permissions.create_account('regress sa under T', :t);
SELECT permissions.create_account('regress sa under B', :b);
SELECT permissions.create_account('regress sa top-level');
SET ROLE regress_sa_subs;
SELECT permissions.create_account('regress sa T3', :t, plan => 'free') AS t3 \gset
SELECT permissions.create_account('regress sa under A', :a);
SET ROLE regress_sa_plain;
SELECT permissions.create_account('regress sa plain', :a);
RESET ROLE;
SELECT name, plan, parent_id = :t AS under_t, parent_id = :a AS under_a
  FROM permissions.accounts WHERE id IN (:a2, :t3) ORDER BY name;

-- manage_organization: the account's details, not its plan nor its parent
SET ROLE regress_sa_org;
UPDATE permissions.accounts SET phone = '555-0100', address = '1 Main St', logo_url = 'https://example.com/a.png',
       settings = '{"week_starts_on": "monday"}' WHERE id = :a RETURNING name, phone, address, logo_url, settings;
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'a', 'regress sa A renamed');
UPDATE permissions.accounts SET plan = 'free' WHERE id = :a;
UPDATE permissions.accounts SET parent_id = :b WHERE id = :a;
-- ... and only in its own account: not the sub-account A1, the parent or a sibling
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'a1', 'x');
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'t', 'x');
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'b', 'x');
-- without manage_organization (every other permission) nothing changes
SET ROLE regress_sa_plain;
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'a', 'x');
UPDATE permissions.accounts SET phone = 'x' WHERE id = :a;
RESET ROLE;
SELECT name, phone, plan FROM permissions.accounts WHERE id = :a;

-- a manager of A renames its own subtree, never its parent or sibling, and
-- never changes a plan
SET ROLE regress_sa_amgr;
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'a1', 'regress sa A1 renamed');
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'t', 'x');
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'b', 'x');
UPDATE permissions.accounts SET plan = 'platinum' WHERE id = :a1;
UPDATE permissions.accounts SET name = 'x' WHERE id IN (:t, :b);
-- manage_sub_accounts in T renames T's sub-accounts, not T itself
SET ROLE regress_sa_subs;
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'b', 'regress sa B renamed');
SELECT pg_temp.try('SELECT permissions.rename_account(%s, %L)', :'t', 'x');
RESET ROLE;
SELECT name FROM permissions.accounts WHERE id IN (:t, :a, :b, :a1) ORDER BY id;

-- moving: manage_sub_accounts over the old and the new parent
SET ROLE regress_sa_amgr;
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'a2', :'a1');  -- within A: fine
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'a2', :'b');   -- into a sibling
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'a', :'b');    -- itself, out of its parent
SELECT pg_temp.try('SELECT permissions.move_account(%s, NULL)', :'a1');       -- to top level
SET ROLE regress_sa_subs;
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'a1', :'b');   -- old parent A is out of reach
SET ROLE regress_sa_top;
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'a1', :'b');
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'t', :'b');    -- T is top-level
-- no cycles, whoever asks
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'b', :'a1');   -- A1 is now under B
SELECT pg_temp.try('SELECT permissions.move_account(%s, %s)', :'b', :'b');
RESET ROLE;
SELECT pg_temp.try('UPDATE permissions.accounts SET parent_id = %s WHERE id = %s', :'a1', :'b');
SELECT a.name, p.name AS parent FROM permissions.accounts a LEFT JOIN permissions.accounts p ON p.id = a.parent_id
 WHERE a.id IN (:t, :a, :b, :a1, :a2, :t3) ORDER BY a.id;

-- deleting: manage_sub_accounts in the parent; a manager of A cannot delete
-- A itself nor its sibling, only A's sub-accounts
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a2, 'Sa Performer');
SELECT permissions.create_user(:a1, 'sa_a1_user') AS a1user \gset
SET ROLE regress_sa_amgr;
SELECT permissions.create_account('regress sa A3', :a) AS a3 \gset
RESET ROLE;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a3, 'Sa Performer');
SET ROLE regress_sa_amgr;
SELECT pg_temp.try('SELECT permissions.delete_account(%s)', :'a');
SELECT pg_temp.try('SELECT permissions.delete_account(%s)', :'b');
-- A3 holds a performer: refused unless forced
SELECT pg_temp.try('SELECT permissions.delete_account(%s)', :'a3');
SELECT pg_temp.try('SELECT permissions.delete_account(%s, force => true)', :'a3');
SET ROLE regress_sa_plain;
SELECT pg_temp.try('SELECT permissions.delete_account(%s)', :'t3');
SET ROLE regress_sa_subs;
SELECT pg_temp.try('SELECT permissions.delete_account(%s)', :'t3');    -- empty: fine
SELECT pg_temp.try('SELECT permissions.delete_account(%s)', :'t');
-- B holds A1, which holds a user: refused, then forced with its whole subtree
SET ROLE regress_sa_top;
SELECT pg_temp.try('SELECT permissions.delete_account(%s)', :'b');
SELECT pg_temp.try('SELECT permissions.delete_account(%s, true)', :'b');
RESET ROLE;
SELECT count(*) FILTER (WHERE id IN (:a2, :a3, :t3, :b, :a1)) AS deleted_left,
       count(*) FILTER (WHERE id IN (:t, :a)) AS kept
  FROM permissions.accounts;
SELECT count(*) AS users_left FROM permissions.users WHERE id = :a1user;
SELECT count(*) AS performers_left FROM permissions.performers WHERE first_name = 'Sa Performer';

-- a superuser deletes a whole tenant; its last manager goes with it
SELECT pg_temp.try('DELETE FROM permissions.users WHERE id = %s', :'top');
SELECT permissions.delete_account(:t, force => true);
SELECT count(*) AS accounts_left FROM permissions.accounts WHERE name LIKE 'regress sa %';
SELECT count(*) AS users_left FROM permissions.users WHERE username LIKE 'sa\_%';

DROP ROLE regress_sa_top, regress_sa_amgr, regress_sa_subs, regress_sa_org, regress_sa_plain;
