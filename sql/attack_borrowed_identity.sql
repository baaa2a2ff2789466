--
-- Attacks, class "borrowed identity": code PostgreSQL runs on someone
-- else's behalf (maintenance, other owners' definer code, parallel
-- workers, generic plans) never acts with an identity it was not given.
-- Each test passes when the attack fails.  (Fixture:
-- sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
-- what each identity sees, as one line
\set ECHO none
SELECT format($f$CREATE FUNCTION regress_atk_own.whoami() RETURNS text LANGUAGE sql STABLE
AS $$ SELECT coalesce((SELECT username || '@' || CASE account_id WHEN %s THEN 'A' WHEN %s THEN 'B' ELSE '?' END
                         FROM permissions.users WHERE id = permissions.current_user_id()), 'nobody')
             || ': ' || coalesce((SELECT string_agg(first_name, ' ' ORDER BY first_name) FROM permissions.performers
                                   WHERE first_name IN ('Ann', 'Abe', 'Bea', 'Bob', 'Bix')), '-') $$$f$, :a, :b) \gexec
\set ECHO all

-- Finding 7: maintenance lent the maintainer's identity to others' code.
-- The unmapped role owns a table with an expression index whose function
-- reports the identity it runs with and what it sees; B's manager may
-- maintain the table (it is a member of the owner) and runs ANALYZE,
-- VACUUM ANALYZE, REINDEX, CLUSTER and REFRESH MATERIALIZED VIEW.
SET ROLE regress_atk_nobody;
CREATE TABLE regress_atk_own.bait (x int);
CREATE FUNCTION regress_atk_own.spy(x int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE NOTICE 'spy sees %', regress_atk_own.whoami();
    RETURN x;
END $$;
INSERT INTO regress_atk_own.bait VALUES (1);
CREATE INDEX bait_spy ON regress_atk_own.bait (regress_atk_own.spy(x));
CREATE MATERIALIZED VIEW regress_atk_own.bait_mv AS SELECT regress_atk_own.spy(x) FROM regress_atk_own.bait;
RESET ROLE;
GRANT regress_atk_nobody TO regress_atk_mgr_b;
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.whoami() AS maintainer;
ANALYZE regress_atk_own.bait;
VACUUM ANALYZE regress_atk_own.bait;
REINDEX TABLE regress_atk_own.bait;
CLUSTER regress_atk_own.bait USING bait_spy;
REFRESH MATERIALIZED VIEW regress_atk_own.bait_mv;
RESET ROLE;
REVOKE regress_atk_nobody FROM regress_atk_mgr_b;

-- Another owner's SECURITY DEFINER function acts as its owner, never as
-- its caller: A's limited user owns one, B's manager calls it; the
-- unmapped role owns one, B's manager calls it (nobody).
SET ROLE regress_atk_lim_a;
CREATE FUNCTION regress_atk_own.lim_a_code() RETURNS text LANGUAGE sql SECURITY DEFINER
AS $$ SELECT regress_atk_own.whoami() $$;
RESET ROLE;
SET ROLE regress_atk_nobody;
CREATE FUNCTION regress_atk_own.nobody_code() RETURNS text LANGUAGE sql SECURITY DEFINER
AS $$ SELECT regress_atk_own.whoami() $$;
-- parallel workers started inside the definer function act as its owner
CREATE FUNCTION regress_atk_own.nobody_parallel() RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER
SET parallel_setup_cost = 0 SET parallel_tuple_cost = 0 SET min_parallel_table_scan_size = 0
SET max_parallel_workers_per_gather = 2
AS $$ DECLARE n bigint; BEGIN SELECT count(*) INTO n FROM permissions.performers; RETURN n; END $$;
RESET ROLE;
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.whoami() AS caller, regress_atk_own.lim_a_code() AS definer_lim_a,
       regress_atk_own.nobody_code() AS definer_nobody, regress_atk_own.nobody_parallel() AS parallel_nobody;
-- nested: B's manager calls nobody's function that calls lim_a's
RESET ROLE;
SET ROLE regress_atk_nobody;
CREATE FUNCTION regress_atk_own.nested() RETURNS text LANGUAGE sql SECURITY DEFINER
AS $$ SELECT regress_atk_own.nobody_code() || ' / ' || regress_atk_own.lim_a_code() $$;
RESET ROLE;
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.nested();
-- and back at the caller's own statement level
SELECT regress_atk_own.whoami() AS caller_again;
-- the internal settings cannot be written: not by SET, set_config, a
-- function SET clause or SET LOCAL inside one's own definer function
SET permissions.acting_role = '10';
SELECT set_config('permissions.acting_role', :'mgr_a', false);
SELECT set_config('permissions.identity', '1:c:1:1:1:0:0', true);
CREATE FUNCTION regress_atk_own.forge() RETURNS text LANGUAGE sql SET permissions.acting_role = '10'
AS $$ SELECT regress_atk_own.whoami() $$;
RESET ROLE;

-- parallel query in the caller's own session: the same rows as serial
SET ROLE regress_atk_lim_b;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
SET enable_indexscan = off; SET enable_bitmapscan = off;
EXPLAIN (costs off) SELECT string_agg(first_name, ' ') FROM permissions.performers;
SELECT string_agg(first_name, ' ' ORDER BY first_name) AS parallel_lim_b FROM permissions.performers;
RESET parallel_setup_cost; RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
RESET enable_indexscan; RESET enable_bitmapscan;
RESET ROLE;

-- a generic plan made for one identity answers for the next one
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_atk_lim_a;
PREPARE seen AS SELECT string_agg(first_name, ' ' ORDER BY first_name) FROM permissions.performers
 WHERE first_name IN ('Ann', 'Abe', 'Bea', 'Bob', 'Bix');
EXECUTE seen;
RESET ROLE;
SET ROLE regress_atk_ro_b;
EXECUTE seen;
RESET ROLE;
SET ROLE regress_atk_nobody;
EXECUTE seen;
RESET ROLE;
DEALLOCATE seen;
RESET plan_cache_mode;

-- a cursor declared by one identity and fetched after the identity ended
-- (credential of B's pooled user, transaction scope): the rows it fetches
-- after COMMIT were materialized under the identity at commit; a cursor
-- without HOLD ends with the transaction
SET ROLE regress_atk_app;
BEGIN;
SELECT permissions.authenticate(:'cred_b') IS NOT NULL AS authenticated;
DECLARE held CURSOR WITH HOLD FOR SELECT first_name FROM permissions.performers ORDER BY 1;
DECLARE open_c CURSOR FOR SELECT first_name FROM permissions.performers ORDER BY 1;
FETCH 1 FROM open_c;
COMMIT;
SELECT regress_atk_own.whoami() AS after_commit;
FETCH ALL FROM held;
CLOSE held;
FETCH ALL FROM open_c;
RESET ROLE;

\i sql/attack_teardown.inc
