--
-- A decision is about an (account, performer) pair, never a performer id
-- alone.  The policy functions remember the last lookup within a
-- statement; asking about a performer under its own account and then the
-- same performer id under another tenant's account must not reuse the
-- first answer (issue 15, finding 4).
--
\i sql/attack_fixture.inc

SET ROLE regress_atk_lim_a;
-- one statement, the same performer id under two accounts, both orders
SELECT permissions.current_tier(:a, :pa1) AS own_pair, permissions.current_tier(:b, :pa1) AS foreign_pair;
SELECT permissions.current_tier(:b, :pa1) AS foreign_pair, permissions.current_tier(:a, :pa1) AS own_pair;
SELECT permissions.can_view('note', :a, :pa1) AS view_own, permissions.can_view('note', :b, :pa1) AS view_foreign,
       permissions.can_create('note', :b, :pa1) AS create_foreign,
       permissions.can_edit('note', :a1, :pa1, NULL) AS edit_sub_account_pair;
-- row after row, as a policy sees them
SELECT n, which, permissions.current_tier(acct, :pa1) AS tier
  FROM (VALUES (1, 'A', :a), (2, 'B', :b), (3, 'A', :a), (4, 'A1', :a1), (5, 'A', :a)) AS v(n, which, acct) ORDER BY n;
-- the same through a generic plan
SET plan_cache_mode = force_generic_plan;
PREPARE pair(bigint, bigint) AS
SELECT permissions.current_tier($1, $2) AS first,
       permissions.current_tier(:b, $2) AS foreign_pair;
EXECUTE pair(:a, :pa1);
EXECUTE pair(:b, :pa1);
DEALLOCATE pair;
RESET plan_cache_mode;
RESET ROLE;

\i sql/attack_teardown.inc
