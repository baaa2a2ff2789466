--
-- Who can reach a performer (who_can, access_review) and why a decision was
-- made (explain_check): every route (manager of the account and above,
-- wildcard, direct, group, team, team on group, a DBA's grant across
-- tenants), the user-type caps, expiry, inactive users; who may ask; and the
-- same answer for a hidden and a missing performer, user or account.
-- (Fixture: sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
\set VERBOSITY default
-- more of tenant A: a group holding Ann, a team, users reaching Ann each by one route
INSERT INTO permissions.groups (account_id, name) VALUES (:a, 'Mornings') RETURNING id AS g \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:g, :pa1, :a);
INSERT INTO permissions.teams (account_id, name) VALUES (:a, 'Speech') RETURNING id AS t \gset
SELECT permissions.create_user(:a, 'grp') AS grp, permissions.create_user(:a, 'team') AS team,
       permissions.create_user(:a, 'teamgrp') AS teamgrp, permissions.create_user(:a, 'expired') AS expired,
       permissions.create_user(:a, 'gone', access => 'tier2') AS gone,
       permissions.create_user(:a1, 'sub_mgr', role => 'manager') AS sub_mgr,
       permissions.create_user(:a, 'users_mgr', permissions => '{manage_users}', db_role => 'regress_atk_stranger') AS users_mgr \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:t, :team, :a), (:t, :teamgrp, :a);
SELECT permissions.grant_access('tier2', user_id => :grp, group_id => :g) AS g_grp,
       permissions.grant_access('tier3', team_id => :t, performer_id => :pa1) AS g_team,
       permissions.grant_access('tier1', team_id => :t, group_id => :g) AS g_teamgrp,
       permissions.grant_access('tier1', user_id => :ro_a, performer_id => :pa1) AS g_ro \gset
INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier, expires_at)
VALUES (:a, :expired, :pa1, 'tier1', clock_timestamp() + interval '10 ms');
SELECT pg_sleep(0.05);
UPDATE permissions.users SET active = false WHERE id = :gone;
-- a DBA's grant across tenants: B's limited user on Ann
SELECT permissions.grant_access('tier4', user_id => :lim_b, performer_id => :pa1) AS g_cross \gset
CREATE FUNCTION regress_atk_own.who(action text, kind text, p bigint) RETURNS TABLE (username text, tier permissions.tier, via text)
LANGUAGE sql AS $$
    SELECT coalesce(u.username || CASE u.account_id WHEN (SELECT account_id FROM permissions.performers WHERE id = p)
                                                    THEN '' ELSE ' (another account)' END, 'user ' || w.user_id),
           w.tier, w.via
      FROM permissions.who_can(action, kind, p) w LEFT JOIN permissions.users u ON u.id = w.user_id
     ORDER BY 1 $$;

-- as a superuser: every active user reaching Ann, and by which route
SELECT * FROM regress_atk_own.who('view', 'note', :pa1);
-- an "own" cell counts as allowed (tier2 and tier3 edit their own journals)
SELECT * FROM regress_atk_own.who('edit', 'journal', :pa1);
-- the grants (kind access) need tier1
SELECT * FROM regress_atk_own.who('view', 'access', :pa1);
-- B1's performer: its account's manager and B's (above); not A's managers
SELECT * FROM regress_atk_own.who('view', 'performer', :pb3);
-- who_can agrees with check() for every user, action and kind
SELECT count(*) AS disagreements
  FROM permissions.users u, permissions.performers p,
       unnest('{view,create,edit,delete}'::text[]) act, unnest('{performer,chart,measurement,condition,note,tag,journal,access}'::text[]) k
 WHERE p.account_id IN (:a, :a1, :b, :b1)
   AND permissions.check(act, k, p.id, u.id) IS DISTINCT FROM
       EXISTS (SELECT 1 FROM permissions.who_can(act, k, p.id) w WHERE w.user_id = u.id);

-- who may ask: a manager of the account, a holder of manage_users there
SET ROLE regress_atk_mgr_a;
SELECT count(*) FROM permissions.who_can('view', 'note', :pa1);
RESET ROLE;
SET ROLE regress_atk_stranger;
SELECT count(*) FROM permissions.who_can('view', 'note', :pa1);
-- not over a sub-account (manage_users of a non-manager is its own account's)
SELECT regress_atk_own.try('SELECT * FROM permissions.who_can(''view'', ''note'', ' || :pb3 || ')');
RESET ROLE;
-- nobody else; one error for another tenant's performer, a missing one, and
-- one the caller can see but not review
SET ROLE regress_atk_lim_a;
SELECT regress_atk_own.try('SELECT * FROM permissions.who_can(''view'', ''note'', ' || :pa1 || ')');
SELECT regress_atk_own.try('SELECT * FROM permissions.who_can(''view'', ''note'', ' || :pb1 || ')');
SELECT * FROM permissions.who_can('view', 'note', 999999999);
RESET ROLE;
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.try('SELECT * FROM permissions.who_can(''view'', ''note'', ' || :pa1 || ')');
RESET ROLE;
SET ROLE regress_atk_nobody;
SELECT regress_atk_own.try('SELECT * FROM permissions.who_can(''view'', ''note'', ' || :pa1 || ')');
RESET ROLE;
-- bad arguments
SELECT * FROM permissions.who_can('peek', 'note', :pa1);
SELECT * FROM permissions.who_can('view', 'diary', :pa1);
SELECT * FROM permissions.who_can(NULL, 'note', :pa1);
SELECT * FROM permissions.who_can('view', 'note', 999999999);

-- access_review: one row per (performer, user), exported with COPY
SET ROLE regress_atk_mgr_a;
COPY (SELECT p.first_name AS performer, coalesce(u.username, 'a user not visible here') AS username,
             r.user_account_id = r.performer_account_id AS same_account, r.tier, r.via
        FROM permissions.access_review(:a) r
        JOIN permissions.performers p ON p.id = r.performer_id
        LEFT JOIN permissions.users u ON u.id = r.user_id
       ORDER BY 1, 2) TO STDOUT WITH (FORMAT csv, HEADER);
RESET ROLE;
-- a user manager of A reviews A, not its sub-accounts
SET ROLE regress_atk_stranger;
SELECT count(*) AS rows, count(DISTINCT performer_id) AS performers,
       bool_and(performer_account_id = :a) AS only_a FROM permissions.access_review(:a);
RESET ROLE;
-- the review agrees with effective_tier() for every (performer, user)
SELECT count(*) AS disagreements
  FROM permissions.users u, permissions.performers p
 WHERE p.account_id IN (:a, :a1)
   AND permissions.effective_tier(p.id, u.id)::text IS DISTINCT FROM
       coalesce((SELECT r.tier::text FROM permissions.access_review(:a) r
                  WHERE r.performer_id = p.id AND r.user_id = u.id), 'none');
-- one error for another tenant's account and a missing one
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.try('SELECT * FROM permissions.access_review(' || :a || ')');
SELECT * FROM permissions.access_review(999999999);
RESET ROLE;
SELECT * FROM permissions.access_review(NULL);

-- explain_check: every rule, each grant with its expiry, then the decision
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('edit', 'journal', :pa1, :team);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pa1, :expired);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('edit', 'note', :pa1, :ro_a);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pa1, :par_a);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('delete', 'chart', :pa1, :gone);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'access', :pb3, :mgr_b);
-- the decision row is check()'s, for every user, action and kind
SELECT count(*) AS disagreements
  FROM permissions.users u, permissions.performers p,
       unnest('{view,create,edit,delete}'::text[]) act, unnest('{performer,chart,measurement,condition,note,tag,journal,access}'::text[]) k
 WHERE p.account_id IN (:a, :a1, :b, :b1)
   AND permissions.check(act, k, p.id, u.id) IS DISTINCT FROM
       (SELECT e.allowed FROM permissions.explain_check(act, k, p.id, u.id) e WHERE e.source = 'decision');

-- about oneself: any user; a performer it does not reach gives the same
-- answer as a missing one
SET ROLE regress_atk_lim_a;
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('create', 'note', :pa1);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pb1);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', 999999999);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pa2, :lim_a);
-- about another user: refused, with one error for hidden and missing performers
SELECT regress_atk_own.try('SELECT * FROM permissions.explain_check(''view'', ''note'', ' || :pa1 || ', ' || :ro_a || ')');
SELECT regress_atk_own.try('SELECT * FROM permissions.explain_check(''view'', ''note'', 999999999, ' || :ro_a || ')');
RESET ROLE;
SET ROLE regress_atk_nobody;
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail FROM permissions.explain_check('view', 'note', :pa1);
RESET ROLE;
-- a reviewer asking about a user of another tenant that does not reach the
-- performer learns nothing about it: the same rows as for a missing user
SET ROLE regress_atk_mgr_a;
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pa2, :ro_b);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pa2, 999999999);
-- one that reaches it through a DBA's grant is explained (no word of its wildcard tier)
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pa1, :lim_b);
RESET ROLE;
-- a limited credential: a manager of A1 made it for a user of A1, so it acts
-- only within A1; asking about itself, the session sees the limit
CREATE ROLE regress_review_submgr IN ROLE permissions_client;
UPDATE permissions.users SET db_role = 'regress_review_submgr' WHERE id = :sub_mgr;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a1, 'Al') RETURNING id AS pa3 \gset
SELECT permissions.create_user(:a1, 'sub_user') AS sub_user \gset
SELECT permissions.grant_access('tier1', user_id => :sub_user, performer_id => :pa1) > 0 AS granted,
       permissions.grant_access('tier2', user_id => :sub_user, performer_id => :pa3) > 0 AS granted;
SET ROLE regress_review_submgr;
SELECT permissions.create_api_credential(:sub_user, 'made by the manager of A1') AS cred_sub \gset
RESET ROLE;
SET ROLE regress_atk_app;
BEGIN;
SELECT permissions.authenticate(:'cred_sub') = :sub_user AS authenticated;
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('edit', 'note', :pa3);
SELECT source, tier, allowed, regexp_replace(detail, '[0-9]+', 'N', 'g') AS detail
  FROM permissions.explain_check('view', 'note', :pa1);
SELECT permissions.check('view', 'note', :pa1) AS check_through_credential;
COMMIT;
RESET ROLE;
SELECT permissions.check('view', 'note', :pa1, :sub_user) AS check_of_the_user;
UPDATE permissions.users SET db_role = NULL WHERE id = :sub_mgr;
DROP ROLE regress_review_submgr;

\i sql/attack_teardown.inc
