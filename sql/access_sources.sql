--
-- Every source of access to a performer: the wildcard tier (own account
-- only, not its sub-accounts), a direct grant, a group grant, a team grant,
-- a team grant on a group, a manager of the account or of an ancestor (never
-- of a sibling or the parent), expiry, and the highest of several sources.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
-- details name ids, which differ from run to run
\set VERBOSITY terse

-- accounts: R has sub-accounts A and B (siblings); A has sub-account AA
SELECT permissions.create_account('regress src R') AS r \gset
SELECT permissions.create_account('regress src A', :r) AS a \gset
SELECT permissions.create_account('regress src B', :r) AS b \gset
SELECT permissions.create_account('regress src AA', :a) AS aa \gset
INSERT INTO permissions.performers (account_id, first_name)
VALUES (:r, 'R1'), (:a, 'A1'), (:a, 'A2'), (:a, 'A3'), (:aa, 'AA1'), (:b, 'B1');
SELECT max(id) FILTER (WHERE first_name = 'R1') AS r1, max(id) FILTER (WHERE first_name = 'A1') AS a1,
       max(id) FILTER (WHERE first_name = 'A2') AS a2, max(id) FILTER (WHERE first_name = 'A3') AS a3,
       max(id) FILTER (WHERE first_name = 'AA1') AS aa1, max(id) FILTER (WHERE first_name = 'B1') AS b1
  FROM permissions.performers WHERE account_id IN (:r, :a, :b, :aa) \gset
-- one chart and one measurement per performer
INSERT INTO permissions.pinpoints (account_id, name) SELECT id, 'reads' FROM permissions.accounts WHERE id IN (:r, :a, :b, :aa);
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id)
SELECT p.account_id, p.id, pp.id FROM permissions.performers p JOIN permissions.pinpoints pp USING (account_id)
 WHERE p.account_id IN (:r, :a, :b, :aa);
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
SELECT account_id, performer_id, id, '2024-03-01', 7 FROM permissions.charts WHERE account_id IN (:r, :a, :b, :aa);
-- group G holds A1 and A2; teams T and T2
INSERT INTO permissions.groups (account_id, name) VALUES (:a, 'regress src G') RETURNING id AS g \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:g, :a1, :a), (:g, :a2, :a);
INSERT INTO permissions.teams (account_id, name) VALUES (:a, 'regress src T') RETURNING id AS t \gset
INSERT INTO permissions.teams (account_id, name) VALUES (:a, 'regress src T2') RETURNING id AS t2 \gset

-- one user per source, each mapped to a role
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['wild', 'direct', 'grp', 'team', 'teamgrp', 'mgr_a', 'mgr_aa', 'mgr_r',
                             'expiry', 'multi', 'nothing']
    LOOP
        EXECUTE format('CREATE ROLE %I', 'regress_src_' || r);
    END LOOP;
END
$$;
SELECT permissions.create_user(:a, 'regress_src_wild', access => 'tier3', db_role => 'regress_src_wild') AS wild,
       permissions.create_user(:a, 'regress_src_direct', db_role => 'regress_src_direct') AS direct,
       permissions.create_user(:a, 'regress_src_grp', db_role => 'regress_src_grp') AS grp,
       permissions.create_user(:a, 'regress_src_team', db_role => 'regress_src_team') AS team,
       permissions.create_user(:a, 'regress_src_teamgrp', db_role => 'regress_src_teamgrp') AS teamgrp,
       permissions.create_user(:a, 'regress_src_mgr_a', role => 'manager', db_role => 'regress_src_mgr_a') AS mgr_a,
       permissions.create_user(:aa, 'regress_src_mgr_aa', role => 'manager', db_role => 'regress_src_mgr_aa') AS mgr_aa,
       permissions.create_user(:r, 'regress_src_mgr_r', role => 'manager', db_role => 'regress_src_mgr_r') AS mgr_r,
       permissions.create_user(:a, 'regress_src_expiry', db_role => 'regress_src_expiry') AS expiry,
       permissions.create_user(:a, 'regress_src_multi', access => 'tier4', db_role => 'regress_src_multi') AS multi,
       permissions.create_user(:a, 'regress_src_nothing', db_role => 'regress_src_nothing') AS nothing \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id)
VALUES (:t, :team, :a), (:t2, :teamgrp, :a), (:t, :multi, :a);
SELECT permissions.grant_access('tier2', user_id => :direct, performer_id => :a1),
       permissions.grant_access('tier3', user_id => :grp, group_id => :g),
       permissions.grant_access('tier2', team_id => :t, performer_id => :a1),
       permissions.grant_access('tier4', team_id => :t2, group_id => :g),
       permissions.grant_access('tier1', user_id => :expiry, performer_id => :a1, expires_at => now() + interval '1 day'),
       permissions.grant_access('tier3', user_id => :expiry, performer_id => :a2, expires_at => now() + interval '1 day'),
       permissions.grant_access('tier3', user_id => :multi, group_id => :g) \gset
-- a grant cannot start expired; ending one early keeps it on record
SELECT permissions.grant_access('tier1', user_id => :nothing, performer_id => :a1, expires_at => now() - interval '1 hour');
UPDATE permissions.access_grants SET expires_at = now() - interval '1 hour'
 WHERE user_id = :expiry AND performer_id = :a1;

-- effective tiers, asked by a DBA; expected:
--   wild:    tier3 on A's performers, nothing in AA (a sub-account) nor elsewhere
--   direct:  tier2 on A1;  grp: tier3 on A1, A2;  team: tier2 on A1;  teamgrp: tier4 on A1, A2
--   mgr_a:   tier1 on A and AA, not on R (parent) nor B (sibling)
--   mgr_aa:  tier1 on AA only;  mgr_r: tier1 everywhere below R
--   expiry:  nothing on A1 (expired), tier3 on A2 (expires tomorrow)
--   multi:   the highest source: tier2 on A1 (team), tier3 on A2 (group), tier4 on A3 (wildcard)
SELECT substr(u.username, 13) AS "user",
       permissions.effective_tier(:r1, u.id) AS "R1", permissions.effective_tier(:a1, u.id) AS "A1",
       permissions.effective_tier(:a2, u.id) AS "A2", permissions.effective_tier(:a3, u.id) AS "A3",
       permissions.effective_tier(:aa1, u.id) AS "AA1", permissions.effective_tier(:b1, u.id) AS "B1"
  FROM permissions.users u WHERE u.username LIKE 'regress_src_%' ORDER BY u.id;

-- why: explain_access lists each source (ids shown as N)
SELECT substr(u.username, 13) AS "user", p.first_name AS performer, e.source, e.tier,
       regexp_replace(e.via, '\m[0-9]+\M', 'N', 'g') AS via, e.expires_at > now() AS expires_later, e.in_effect
  FROM permissions.users u
 CROSS JOIN permissions.performers p
 CROSS JOIN LATERAL permissions.explain_access(u.id, p.id) AS e
 WHERE u.username LIKE 'regress_src_%' AND p.id IN (:r1, :a1, :a2, :a3, :aa1, :b1)
 ORDER BY u.id, p.first_name, e.source, e.via;

-- what each user really reads: performers and measurements through RLS,
-- next to accessible_performers() and permissions.check()
CREATE FUNCTION pg_temp.reads(who name, OUT performers text, OUT measurements bigint,
                              OUT accessible text, OUT deletable text, OUT can_create_a1 boolean)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', who);
    SELECT string_agg(first_name, ' ' ORDER BY first_name) INTO performers FROM permissions.performers;
    SELECT count(*) INTO measurements FROM permissions.measurements;
    SELECT string_agg(p.first_name, ' ' ORDER BY p.first_name) INTO accessible
      FROM permissions.accessible_performers('view') AS x JOIN permissions.performers p ON p.id = x;
    SELECT string_agg(p.first_name, ' ' ORDER BY p.first_name) INTO deletable
      FROM permissions.accessible_performers('delete') AS x JOIN permissions.performers p ON p.id = x;
    can_create_a1 := permissions.check('create', 'measurement',
                                       (SELECT id FROM permissions.performers WHERE first_name = 'A1'));
    RESET ROLE;
END
$$;
SELECT substr(u.username, 13) AS "user", r.*
  FROM permissions.users u CROSS JOIN LATERAL pg_temp.reads(u.db_role::text) AS r
 WHERE u.username LIKE 'regress_src_%' ORDER BY u.id;

-- a grant that runs out during the session stops working by itself: no
-- write moves the access epoch, yet the next statement after expiry sees nothing
SELECT clock_timestamp() + interval '3 seconds' AS expires \gset
SELECT permissions.grant_access('tier4', user_id => :nothing, performer_id => :r1,
                                expires_at => :'expires') IS NOT NULL AS granted;
SET ROLE regress_src_nothing;
SELECT first_name FROM permissions.performers;
SELECT pg_sleep(extract(epoch FROM :'expires'::timestamptz - clock_timestamp()) + 0.2);
SELECT first_name FROM permissions.performers;
SELECT permissions.effective_tier(:r1) AS tier;
RESET ROLE;

-- bad arguments to the decision functions are clear errors
SELECT permissions.check(NULL, 'view', :a1);
SELECT permissions.check('view', NULL, :a1);
SELECT permissions.check('peek', 'chart', :a1);
SELECT * FROM permissions.accessible_performers(NULL);
SELECT * FROM permissions.accessible_performers('peek');
SELECT permissions.has_permission(NULL);
-- a performer that does not exist is reached by nobody
SELECT permissions.effective_tier(NULL, :mgr_r) AS null_id, permissions.effective_tier(-1, :mgr_r) AS no_such,
       permissions.check('view', 'chart', -1, :mgr_r) AS can_view;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id IN (:r, :a, :b, :aa);
DO $$
DECLARE
    r text;
BEGIN
    FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'regress\_src\_%' LOOP
        EXECUTE format('DROP ROLE %I', r);
    END LOOP;
END
$$;
