--
-- Attacks, class "side effects before the decision": nothing remembered in
-- a BEFORE trigger or in C memory confers access unless the row really
-- exists for this (sub)transaction, and C-side state follows subtransaction
-- aborts.  Each test passes when the attack fails.  (Fixture:
-- sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc

-- Finding 1: a refused INSERT naming another tenant's performer id gave
-- tier1 on it.  Since 1.1 the id column cannot be named at all ...
SET ROLE regress_atk_lim_a;
SELECT first_name FROM permissions.performers ORDER BY 1;
BEGIN;
SAVEPOINT s;
INSERT INTO permissions.performers (id, account_id, first_name) VALUES (:pb1, :a, 'x');
ROLLBACK TO s;
SELECT first_name FROM permissions.performers ORDER BY 1;
ROLLBACK;
-- ... nor through a view of one's own whose id column has a default (see
-- attack_ids: refused since 1.1); had it gone through, the remembered insert
-- must still give nothing,
-- after a savepoint rollback, after ON CONFLICT DO NOTHING, inside the same
-- statement (a CTE) and for an account the user may not insert into.
CREATE VIEW regress_atk_own.perf_b AS SELECT * FROM permissions.performers;
ALTER VIEW regress_atk_own.perf_b ALTER COLUMN id SET DEFAULT :pb1;
GRANT ALL ON regress_atk_own.perf_b TO PUBLIC;
CREATE VIEW regress_atk_own.seen AS
SELECT string_agg(first_name, ' ' ORDER BY first_name) AS seen FROM permissions.performers
 WHERE first_name IN ('Ann', 'Abe', 'Bea', 'Bob', 'Bix');
BEGIN;
SAVEPOINT s;
SELECT regress_atk_own.try(format('INSERT INTO regress_atk_own.perf_b (account_id, first_name) VALUES (%s, %L)',
                                  :a, 'x')) IS NOT NULL AS plain;
ROLLBACK TO s;
SELECT * FROM regress_atk_own.seen;
SELECT regress_atk_own.try(format('INSERT INTO regress_atk_own.perf_b (account_id, first_name) VALUES (%s, %L)
                                   ON CONFLICT DO NOTHING RETURNING first_name', :a, 'x')) IS NOT NULL AS returning;
SELECT * FROM regress_atk_own.seen;
-- (a manager of A passes the RETURNING check of its own account: in the
-- same statement, B's row stays hidden)
SET LOCAL ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try(format('WITH ins AS (INSERT INTO regress_atk_own.perf_b (account_id, first_name)
                                                VALUES (%s, %L) ON CONFLICT DO NOTHING RETURNING id)
                                   SELECT (SELECT count(*) FROM ins) >= 0 AS ran,
                                          (SELECT count(*) FROM permissions.performers WHERE id = %s) AS seen_b',
                                  :a, 'x', :pb1)) AS cte;
SET LOCAL ROLE regress_atk_lim_a;
SELECT * FROM regress_atk_own.seen;
SAVEPOINT s;
SELECT regress_atk_own.try(format('INSERT INTO regress_atk_own.perf_b (account_id, first_name) VALUES (%s, %L)
                                   ON CONFLICT DO NOTHING', :b, 'x')) AS into_b;
ROLLBACK TO s;
SELECT * FROM regress_atk_own.seen;
-- and the remembered performer cannot be granted on (tier1 would be needed)
SELECT regress_atk_own.try(format('SELECT permissions.grant_access(%L, user_id => %s, performer_id => %s)',
                                  'tier1', :ro_a, :pb1)) AS grant_on_b;
SELECT permissions.effective_tier(:pb1) AS tier_on_b, permissions.check('view', 'performer', :pb1) AS can_view_b;
ROLLBACK;
-- the RETURNING path itself works: a performer really inserted is returned
-- to its creator in the inserting statement, and seen from the next one on
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Amy') RETURNING first_name;
SELECT first_name FROM permissions.performers ORDER BY 1;
-- ... but not when the insert rolls back to a savepoint
BEGIN;
SAVEPOINT s;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Ada') RETURNING first_name;
ROLLBACK TO s;
SELECT first_name FROM permissions.performers ORDER BY 1;
COMMIT;
RESET ROLE;
SELECT * FROM regress_atk_own.truth;

-- C state follows subtransaction aborts: a revocation rolled back to a
-- savepoint leaves the grant in effect for the same session, and one
-- that is kept ends it at once
BEGIN;
SAVEPOINT s;
SET LOCAL ROLE regress_atk_mgr_a;
SELECT permissions.revoke_access(:g_lim_a);
ROLLBACK TO s;
SET LOCAL ROLE regress_atk_lim_a;
SELECT first_name FROM permissions.performers WHERE id = :pa1;
RESET ROLE;
SET LOCAL ROLE regress_atk_mgr_a;
SELECT permissions.revoke_access(:g_lim_a);
SET LOCAL ROLE regress_atk_lim_a;
SELECT first_name FROM permissions.performers WHERE id = :pa1;
ROLLBACK;
-- ... also when the user read in between (a cache built on the revoked
-- state must not survive the rollback), while a rolled-back subtransaction
-- that changed no access keeps the cache (no rebuild)
BEGIN;
SET LOCAL ROLE regress_atk_lim_a;
SELECT first_name FROM permissions.performers WHERE id = :pa1;
SAVEPOINT s;
RESET ROLE;
SET LOCAL ROLE regress_atk_mgr_a;
SELECT permissions.revoke_access(:g_lim_a);
SET LOCAL ROLE regress_atk_lim_a;
SELECT count(*) AS seen_after_revoke FROM permissions.performers WHERE id = :pa1;
ROLLBACK TO s;
SELECT first_name AS seen_after_rollback FROM permissions.performers WHERE id = :pa1;
SELECT rebuilds AS rebuilds_before FROM permissions.cache_stats() \gset
SAVEPOINT t;
SELECT 1 / 0;
ROLLBACK TO t;
SELECT first_name FROM permissions.performers WHERE id = :pa1;
SELECT rebuilds - :rebuilds_before AS rebuilds_after_harmless_rollback FROM permissions.cache_stats();
ROLLBACK;

-- Finding 15: can_view(k, ...) with k a variable answered for the first
-- kind it saw.  lim_a has tier3 on Ann: view on every kind but access.
SET ROLE regress_atk_lim_a;
SELECT k, permissions.can_view(k, :a, :pa1) AS can_view,
       permissions.check('view', k, :pa1) AS check_view
  FROM (VALUES (1, 'performer'), (2, 'access'), (3, 'measurement'), (4, 'access'), (5, 'note')) v(n, k)
 ORDER BY n;
SELECT act, permissions.check(act, 'note', :pa1) AS allowed
  FROM (VALUES (1, 'view'), (2, 'delete'), (3, 'create'), (4, 'delete')) v(n, act) ORDER BY n;
-- the same through a prepared statement with a generic plan
SET plan_cache_mode = force_generic_plan;
PREPARE kind_q(text) AS SELECT permissions.can_view($1, :a, :pa1);
EXECUTE kind_q('performer');
EXECUTE kind_q('access');
EXECUTE kind_q('journal');
DEALLOCATE kind_q;
RESET plan_cache_mode;
RESET ROLE;

\i sql/attack_teardown.inc
