--
-- What user types and the active flag do to access: read_only users never
-- exceed tier4 whatever their grants say; single_performer users see only
-- the one performer granted to them directly (never through a group or a
-- team); inactive users see and do nothing.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
-- details name ids, which differ from run to run
\set VERBOSITY terse

SELECT permissions.create_account('regress cap') AS acct \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'C1') RETURNING id AS c1 \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'C2') RETURNING id AS c2 \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:acct, 'writes') RETURNING id AS pin \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:acct, :c1, :pin) RETURNING id AS chart1 \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:acct, :c2, :pin) RETURNING id AS chart2 \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
VALUES (:acct, :c1, :chart1, '2024-05-01', 3), (:acct, :c2, :chart2, '2024-05-01', 4);
INSERT INTO permissions.groups (account_id, name) VALUES (:acct, 'regress cap group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :c1, :acct), (:grp, :c2, :acct);
INSERT INTO permissions.teams (account_id, name) VALUES (:acct, 'regress cap team') RETURNING id AS team \gset
SELECT permissions.grant_access('tier1', team_id => :team, performer_id => :c2) AS team_grant \gset

-- the user-type rules refuse impossible users, naming the rule
SELECT permissions.create_user(:acct, 'regress_cap_bad1', user_type => 'read_only', access => 'tier3');
SELECT permissions.create_user(:acct, 'regress_cap_bad2', user_type => 'single_performer', access => 'tier4');
SELECT permissions.create_user(:acct, 'regress_cap_bad3', user_type => 'read_only', permissions => '{create_performers}');

CREATE ROLE regress_cap_ro;
GRANT permissions_client TO regress_cap_ro;
CREATE ROLE regress_cap_ro_none;
GRANT permissions_client TO regress_cap_ro_none;
CREATE ROLE regress_cap_sp;
GRANT permissions_client TO regress_cap_sp;
CREATE ROLE regress_cap_off;
GRANT permissions_client TO regress_cap_off;
SELECT permissions.create_user(:acct, 'regress_cap_ro', user_type => 'read_only', access => 'tier4', db_role => 'regress_cap_ro') AS ro,
       permissions.create_user(:acct, 'regress_cap_ro_none', user_type => 'read_only', db_role => 'regress_cap_ro_none') AS ro_none,
       permissions.create_user(:acct, 'regress_cap_sp', user_type => 'single_performer', db_role => 'regress_cap_sp') AS sp,
       permissions.create_user(:acct, 'regress_cap_off', access => 'tier1', db_role => 'regress_cap_off') AS off \gset

-- read_only: a tier1 grant (direct or through a team) gives tier4, view only
SELECT permissions.grant_access('tier1', user_id => :ro, performer_id => :c1) IS NOT NULL AS granted;
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :ro_none, :acct);
SELECT substr(u.username, 13) AS "user", p.first_name AS performer, e.source, e.tier,
       regexp_replace(e.via, '\m[0-9]+\M', 'N', 'g') AS via, e.in_effect
  FROM permissions.users u CROSS JOIN permissions.performers p
 CROSS JOIN LATERAL permissions.explain_access(u.id, p.id) AS e
 WHERE u.id IN (:ro, :ro_none) AND p.id IN (:c1, :c2)
 ORDER BY u.id, p.first_name, e.source;
SET ROLE regress_cap_ro;
SELECT permissions.effective_tier(:c1) AS c1_tier, permissions.effective_tier(:c2) AS c2_tier,
       permissions.check('view', 'measurement', :c1) AS can_view,
       permissions.check('create', 'measurement', :c1) AS can_create,
       permissions.check('view', 'access', :c1) AS can_view_access;
SELECT performer_id = :c1 AS is_c1, count FROM permissions.measurements ORDER BY performer_id;
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
VALUES (:acct, :c1, :chart1, '2024-05-02', 9);
UPDATE permissions.measurements SET count = 0 WHERE performer_id = :c1 RETURNING id;
DELETE FROM permissions.measurements WHERE performer_id = :c1 RETURNING id;
-- it sees its own grant (grantees do), stored as tier1 and capped when used
SELECT tier, user_id = :ro AS mine FROM permissions.access_grants;
SET ROLE regress_cap_ro_none;
SELECT permissions.effective_tier(:c1) AS c1_tier, permissions.effective_tier(:c2) AS c2_tier;
SELECT first_name FROM permissions.performers;
UPDATE permissions.measurements SET count = 0 RETURNING id;
RESET ROLE;

-- single_performer: one direct grant; never a group, never a second performer
SELECT permissions.grant_access('tier3', user_id => :sp, performer_id => :c1) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier4', user_id => :sp, group_id => :grp);
SELECT permissions.grant_access('tier4', user_id => :sp, performer_id => :c2);
-- a team grant on C2 does not reach it either
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :sp, :acct);
SELECT permissions.effective_tier(:c1, :sp) AS c1_tier, permissions.effective_tier(:c2, :sp) AS c2_tier;
SELECT e.source, e.tier FROM permissions.explain_access(:sp, :c2) AS e;
SET ROLE regress_cap_sp;
SELECT first_name FROM permissions.performers;
SELECT performer_id = :c1 AS is_c1, count FROM permissions.measurements;
SELECT x = :c1 AS is_c1 FROM permissions.accessible_performers('view') AS x;
-- its tier3 grant lets it enter data for C1
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
VALUES (:acct, :c1, :chart1, '2024-05-03', 5) RETURNING count;
RESET ROLE;

-- a full_access user holding a group grant, or grants on two performers,
-- cannot be turned into a single_performer user
CREATE ROLE regress_cap_conv;
GRANT permissions_client TO regress_cap_conv;
SELECT permissions.create_user(:acct, 'regress_cap_conv', db_role => 'regress_cap_conv') AS conv \gset
SELECT permissions.grant_access('tier4', user_id => :conv, group_id => :grp) AS conv_group_grant \gset
UPDATE permissions.users SET user_type = 'single_performer' WHERE id = :conv;
SELECT permissions.revoke_access(:conv_group_grant);
SELECT permissions.grant_access('tier4', user_id => :conv, performer_id => :c1) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier4', user_id => :conv, performer_id => :c2) AS conv_c2_grant \gset
UPDATE permissions.users SET user_type = 'single_performer' WHERE id = :conv;
SELECT permissions.revoke_access(:conv_c2_grant);
UPDATE permissions.users SET user_type = 'single_performer' WHERE id = :conv;
SELECT user_type FROM permissions.users WHERE id = :conv;
-- being in a team with a grant does not widen what it sees
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :conv, :acct);
SET ROLE regress_cap_conv;
SELECT first_name FROM permissions.performers ORDER BY 1;
RESET ROLE;

-- inactive: no identity, no rows, no writes, whatever its tier and grants
SELECT permissions.grant_access('tier1', user_id => :off, performer_id => :c2) IS NOT NULL AS granted;
UPDATE permissions.users SET active = false WHERE id = :off;
SET ROLE regress_cap_off;
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT count(*) AS performers FROM permissions.performers;
SELECT count(*) AS measurements FROM permissions.measurements;
INSERT INTO permissions.journals (account_id, performer_id, body) VALUES (:acct, :c1, 'ghost');
DELETE FROM permissions.measurements RETURNING id;
SELECT permissions.effective_tier(:c1) AS c1_tier;
RESET ROLE;
SELECT permissions.effective_tier(:c2, :off) AS c2_tier;
SELECT e.source, e.tier, regexp_replace(e.via, '\m[0-9]+\M', 'N', 'g') AS via, e.in_effect
  FROM permissions.explain_access(:off, :c2) AS e ORDER BY e.source;
-- reactivated, it is back at the next statement
UPDATE permissions.users SET active = true WHERE id = :off;
SET ROLE regress_cap_off;
SELECT count(*) AS performers FROM permissions.performers;
RESET ROLE;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id = :acct;
DROP ROLE regress_cap_ro, regress_cap_ro_none, regress_cap_sp, regress_cap_off, regress_cap_conv;
