--
-- Granting without escalation: granting on a performer needs tier1 on it
-- and gives at most tier1 there; nobody grants to, or changes a grant of,
-- themselves; group grants need manage_users and stay within the granter's
-- wildcard tier; nobody adds themselves to a team; putting a performer in a
-- group needs tier1 on it; the creator of a performer gets tier1 on it.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
-- details name ids, which differ from run to run
\set VERBOSITY terse

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['t2', 't1p', 'mgr', 'um', 'noum', 'tm', 'cg', 'cp'] LOOP
        EXECUTE format('CREATE ROLE %I', 'regress_gr_' || r);
    END LOOP;
END
$$;
SELECT permissions.create_account('regress gr') AS acct \gset
SELECT permissions.create_user(:acct, 'regress_gr_t2', access => 'tier2', db_role => 'regress_gr_t2') AS t2,
       permissions.create_user(:acct, 'regress_gr_t1p', db_role => 'regress_gr_t1p') AS t1p,
       permissions.create_user(:acct, 'regress_gr_mgr', role => 'manager', db_role => 'regress_gr_mgr') AS mgr,
       permissions.create_user(:acct, 'regress_gr_um', access => 'tier3', permissions => '{manage_users}', db_role => 'regress_gr_um') AS um,
       permissions.create_user(:acct, 'regress_gr_noum', access => 'tier1', db_role => 'regress_gr_noum') AS noum,
       permissions.create_user(:acct, 'regress_gr_tm', access => 'tier4', permissions => '{manage_teams}', db_role => 'regress_gr_tm') AS tm,
       permissions.create_user(:acct, 'regress_gr_cg', permissions => '{create_groups}', db_role => 'regress_gr_cg') AS cg,
       permissions.create_user(:acct, 'regress_gr_cp', permissions => '{create_performers}', db_role => 'regress_gr_cp') AS cp,
       permissions.create_user(:acct, 'regress_gr_peer') AS peer \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'P1') RETURNING id AS p1 \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'P2') RETURNING id AS p2 \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'P3') RETURNING id AS p3 \gset
INSERT INTO permissions.groups (account_id, name) VALUES (:acct, 'regress gr group') RETURNING id AS grp \gset
INSERT INTO permissions.teams (account_id, name) VALUES (:acct, 'regress gr team') RETURNING id AS team \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:acct, 'waves') RETURNING id AS pin \gset
-- t1p: tier1 on P1, tier3 on P2, nothing on P3; cg: tier1 on P1, tier2 on P2
SELECT permissions.grant_access('tier1', user_id => :t1p, performer_id => :p1),
       permissions.grant_access('tier3', user_id => :t1p, performer_id => :p2) AS t1p_p2_grant,
       permissions.grant_access('tier1', user_id => :cg, performer_id => :p1),
       permissions.grant_access('tier2', user_id => :cg, performer_id => :p2) \gset

-- a tier2 user cannot grant, through the function or a plain INSERT
SET ROLE regress_gr_t2;
SELECT permissions.grant_access('tier4', user_id => :peer, performer_id => :p1);
INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier) VALUES (:acct, :peer, :p1, 'tier4');

-- a tier1 holder grants on that performer, up to tier1, and revokes there
SET ROLE regress_gr_t1p;
SELECT permissions.grant_access('tier1', user_id => :peer, performer_id => :p1) AS peer_p1_grant \gset
SELECT permissions.grant_access('tier3', user_id => :peer, performer_id => :p1) = :peer_p1_grant AS replaced;
SELECT permissions.grant_access('tier2', team_id => :team, performer_id => :p1) IS NOT NULL AS team_granted;
SELECT tier, user_id = :peer AS to_peer, granted_by = :t1p AS by_me
  FROM permissions.access_grants WHERE performer_id = :p1 ORDER BY id;
-- but not on a performer where it has tier3, nor on one it cannot see
-- (foreign_key_violation: "performer ... does not exist or is not visible to you")
SELECT permissions.grant_access('tier4', user_id => :peer, performer_id => :p2);
\set VERBOSITY sqlstate
SELECT permissions.grant_access('tier4', user_id => :peer, performer_id => :p3);
\set VERBOSITY terse
-- nor may it move a grant it controls onto such a performer
UPDATE permissions.access_grants SET performer_id = :p2 WHERE id = :peer_p1_grant;
-- nobody grants to themselves, or changes their own grants
SELECT permissions.grant_access('tier1', user_id => :t1p, performer_id => :p2);
UPDATE permissions.access_grants SET tier = 'tier1' WHERE id = :t1p_p2_grant RETURNING id;
UPDATE permissions.access_grants SET expires_at = now() + interval '1 year' WHERE user_id = :t1p AND performer_id = :p1;
DELETE FROM permissions.access_grants WHERE id = :t1p_p2_grant RETURNING id;
SELECT permissions.revoke_access(:peer_p1_grant);
SELECT count(*) AS peer_grants FROM permissions.access_grants WHERE user_id = :peer;
SET ROLE regress_gr_mgr;
SELECT permissions.grant_access('tier1', user_id => :mgr, performer_id => :p3);
RESET ROLE;
SELECT substr(u.username, 12) AS "user", permissions.effective_tier(:p1, u.id) AS p1,
       permissions.effective_tier(:p2, u.id) AS p2, permissions.effective_tier(:p3, u.id) AS p3
  FROM permissions.users u WHERE u.id IN (:t1p, :peer) ORDER BY u.id;

-- group grants need manage_users, and go no higher than the granter's wildcard tier
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p3, :acct);
SET ROLE regress_gr_noum;
SELECT permissions.grant_access('tier4', user_id => :peer, group_id => :grp);
SET ROLE regress_gr_um;
SELECT permissions.grant_access('tier2', user_id => :peer, group_id => :grp);
SELECT permissions.grant_access('tier3', user_id => :peer, group_id => :grp) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier3', user_id => :um, group_id => :grp);
RESET ROLE;
SELECT permissions.effective_tier(:p3, :peer) AS peer_p3;

-- teams: manage_teams adds others, never oneself, and only to a team whose
-- grants it could have made itself (the team holds tier2 on P1; tm has tier4)
SET ROLE regress_gr_tm;
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :tm, :acct);
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :peer, :acct);
RESET ROLE;
SELECT permissions.effective_tier(:p1, :peer) AS peer_p1_not_raised;
INSERT INTO permissions.teams (account_id, name) VALUES (:acct, 'regress gr plain team') RETURNING id AS plain_team \gset
SET ROLE regress_gr_tm;
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:plain_team, :peer, :acct) RETURNING user_id = :peer AS added;
UPDATE permissions.team_members SET user_id = :tm WHERE team_id = :plain_team AND user_id = :peer;
-- (without manage_teams, nobody is added at all)
SET ROLE regress_gr_t2;
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :t1p, :acct);
RESET ROLE;
SELECT permissions.effective_tier(:p1, :tm) AS tm_p1;

-- groups: putting a performer in a group (and so under its grants) needs tier1 on it
SET ROLE regress_gr_cg;
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p1, :acct) RETURNING performer_id = :p1 AS added;
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p2, :acct);
DELETE FROM permissions.group_members WHERE group_id = :grp AND performer_id = :p3 RETURNING performer_id;
DELETE FROM permissions.group_members WHERE group_id = :grp AND performer_id = :p1 RETURNING performer_id = :p1 AS removed;
RESET ROLE;

-- creating a performer: the creator gets a tier1 grant, sees the row in
-- RETURNING, and can chart it in the same transaction; created_by cannot
-- hand that grant to someone else
SET ROLE regress_gr_cp;
BEGIN;
INSERT INTO permissions.performers (account_id, first_name, created_by)
VALUES (:acct, 'Newbie', :peer) RETURNING first_name, created_by = :cp AS created_by_me, id AS newbie \gset
SELECT :'first_name' AS returned, :'created_by_me' AS created_by_me;
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id)
VALUES (:acct, :newbie, :pin) RETURNING performer_id = :newbie AS charted;
COMMIT;
SELECT tier, user_id = :cp AS to_creator, granted_by = :cp AS by_creator
  FROM permissions.access_grants WHERE performer_id = :newbie;
SELECT permissions.effective_tier(:newbie) AS tier, count(*) AS charts
  FROM permissions.charts WHERE performer_id = :newbie;
SELECT permissions.grant_access('tier4', user_id => :peer, performer_id => :newbie) IS NOT NULL AS can_grant;
RESET ROLE;
SELECT source, tier FROM permissions.explain_access(:cp, :newbie);
SELECT permissions.effective_tier(:newbie, :peer) AS peer_tier;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id = :acct;
DROP ROLE regress_gr_t2, regress_gr_t1p, regress_gr_mgr, regress_gr_um, regress_gr_noum,
          regress_gr_tm, regress_gr_cg, regress_gr_cp;
