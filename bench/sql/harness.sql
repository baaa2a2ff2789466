-- bench/sql/harness.sql
--	  The measuring machinery, in schema bench.  Everything is timed inside
--	  the server: EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) gives planning and
--	  execution time of one statement without sending its rows anywhere, and
--	  its plan tells which indexes were used.  Each timed statement runs in a
--	  transaction of its own (procedures commit between statements), as an
--	  application's statements do, right after an untimed run of the same
--	  statement as the same role: the session is warm for that user, as a
--	  connection that keeps serving one user is, and a commit in between
--	  gives the timed statement a new snapshot, as other sessions' commits
--	  do (so the extension checks its cache is still current, as it must
--	  at every statement).

\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE SCHEMA bench;

-- one row per query and variant: a (RLS, the extension), b (hand-written,
-- superuser), c (textbook SQL policies), d (best-practice SQL policies),
-- e (a precomputed reach table, IN (SELECT ...)), f (the same table through
-- a SECURITY DEFINER function returning an array)
CREATE TABLE bench.queries (
    ord         int NOT NULL,
    qname       text NOT NULL,
    who         text NOT NULL,          -- the user, for the report
    variant     text NOT NULL CHECK (variant IN ('a', 'b', 'c', 'd', 'e', 'f')),
    role        text,                   -- NULL: the superuser
    target      text,                   -- table whose indexes are compared
    sql         text NOT NULL,
    is_write    boolean NOT NULL DEFAULT false,
    ret_cols    text,                   -- writes: the columns compared in the correctness check
    restricted  boolean NOT NULL DEFAULT true,
    gsql        text,                   -- a and b: the statement with parameters ($1, ...), for generic plans
    gparams     text[],                 -- the designated user's values of those parameters
    PRIMARY KEY (qname, variant)
);

-- Generic plans: other users, of other shapes, who execute the same
-- prepared statement (a) in the same session before the designated user
-- (a pooled connection switching roles), with their own parameter values.
CREATE TABLE bench.generic_users (
    qname       text NOT NULL,
    ord         int NOT NULL,
    role        text NOT NULL,
    params      text[] NOT NULL DEFAULT '{}'
);

-- Generic plans must return, for every user, what the same statement with
-- the values written in returns for that user.
CREATE TABLE bench.generic_checks (
    qname       text NOT NULL,
    role        text,
    step        int NOT NULL,
    rows        bigint,
    digest      text,
    custom_rows bigint,
    custom_digest text
);

CREATE TABLE bench.pgbench (
    qname       text NOT NULL,
    variant     text NOT NULL,
    mode        text NOT NULL,
    tps         float8
);

CREATE TABLE bench.samples (
    mode        text NOT NULL DEFAULT 'custom',   -- custom or generic plans
    iter        int NOT NULL,
    qname       text NOT NULL,
    variant     text NOT NULL,
    planning_ms float8 NOT NULL,
    execution_ms float8 NOT NULL,
    total_ms    float8 NOT NULL,
    rows        float8,
    indexes     text,
    nodes       text
);

CREATE TABLE bench.checks (
    qname       text NOT NULL,
    variant     text NOT NULL,
    rows        bigint,
    digest      text
);

CREATE TABLE bench.throughput (
    iter        int NOT NULL,
    what        text NOT NULL,
    calls       bigint NOT NULL,
    ms          float8 NOT NULL
);

CREATE TABLE bench.rebuild (
    iter        int NOT NULL,
    who         text NOT NULL,
    first_ms    float8 NOT NULL,
    steady_ms   float8 NOT NULL
);

-- Makes the session act as a role (NULL: back to the superuser).
CREATE FUNCTION bench.become(r text)
RETURNS void
LANGUAGE sql
AS $$ SELECT set_config('role', coalesce(r, 'none'), false) $$;

-- The pooled login role and each user's API credential (queries.sql).
CREATE TABLE bench.pooled (
    pool_role   text NOT NULL,
    role        text PRIMARY KEY,
    credential  text NOT NULL
);

-- Acts as the user of login role r the way a pooled application does: the
-- one pooled role, and the user's credential for this transaction.  NULL:
-- back to the superuser.
CREATE FUNCTION bench.act_pooled(r text)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
    p record;
BEGIN
    PERFORM set_config('role', 'none', false);
    IF r IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO STRICT p FROM bench.pooled WHERE role = r;
    PERFORM set_config('role', p.pool_role, false);
    PERFORM permissions.authenticate(p.credential);
END
$$;

-- EXPLAIN (ANALYZE) of a statement; writes are rolled back.
CREATE FUNCTION bench.explain(q text, is_write boolean)
RETURNS jsonb
LANGUAGE plpgsql
AS $$
DECLARE
    j json;
BEGIN
    IF NOT is_write THEN
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ' || q INTO j;
        RETURN j::jsonb;
    END IF;
    BEGIN
        EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ' || q INTO j;
        RAISE EXCEPTION USING ERRCODE = 'BR001', MESSAGE = 'rolling the benchmark write back';
    EXCEPTION WHEN SQLSTATE 'BR001' THEN
        NULL;
    END;
    RETURN j::jsonb;
END
$$;

-- The indexes of table tbl a plan uses, sorted, comma-separated.
CREATE FUNCTION bench.plan_indexes(j jsonb, tbl text)
RETURNS text
LANGUAGE sql
AS $$
    SELECT coalesce(string_agg(DISTINCT x #>> '{}', ', '), '(none)')
      FROM jsonb_path_query(j, 'lax $.**."Index Name"') x
     WHERE tbl IS NULL
        OR EXISTS (SELECT 1 FROM pg_index i
                     JOIN pg_class ic ON ic.oid = i.indexrelid
                     JOIN pg_class tc ON tc.oid = i.indrelid
                    WHERE ic.relname = x #>> '{}' AND tc.relname = tbl)
$$;

-- The plan's node types, in plan order, for the report.
CREATE FUNCTION bench.plan_nodes(j jsonb)
RETURNS text
LANGUAGE sql
AS $$
    SELECT string_agg(n, ' > ')
      FROM (SELECT x #>> '{}' AS n, row_number() OVER () AS k
              FROM jsonb_path_query(j, 'strict $.**."Node Type"') x) s
$$;

-- Row count and a digest of the rows of a statement, for the correctness check.
CREATE FUNCTION bench.digest(q text, is_write boolean, ret_cols text, OUT n bigint, OUT digest text)
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT is_write THEN
        EXECUTE format('SELECT count(*), md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM (%s) t',
                       '|', '', q) INTO n, digest;
        RETURN;
    END IF;
    BEGIN
        EXECUTE format('WITH w AS (%s RETURNING %s) SELECT count(*), md5(coalesce(string_agg(w::text, %L ORDER BY w::text), %L)) FROM w',
                       q, ret_cols, '|', '') INTO n, digest;
        RAISE EXCEPTION USING ERRCODE = 'BR001', MESSAGE = 'rolling the benchmark write back';
    EXCEPTION WHEN SQLSTATE 'BR001' THEN
        NULL;
    END;
END
$$;

-- Runs every query once per variant and records rows and digests.
CREATE PROCEDURE bench.check()
LANGUAGE plpgsql
AS $$
DECLARE
    q record;
    n bigint;
    d text;
BEGIN
    FOR q IN SELECT * FROM bench.queries ORDER BY ord, variant LOOP
        PERFORM bench.become(q.role);
        SELECT * INTO n, d FROM bench.digest(q.sql, q.is_write, q.ret_cols);
        PERFORM bench.become(NULL);
        INSERT INTO bench.checks VALUES (q.qname, q.variant, n, d);
        COMMIT;
    END LOOP;
END
$$;

-- The timing loop: for each iteration, for each query, every variant, in
-- an order that rotates with the iteration.  A variant whose first run took
-- longer than slow_ms (the SQL-only policies on large data) is run without
-- the untimed warm-up and only in the first slow_runs iterations (in the
-- first only, past very_slow_ms).
CREATE PROCEDURE bench.run(iterations int, slow_ms float8 DEFAULT 1000, slow_runs int DEFAULT 3,
                           very_slow_ms float8 DEFAULT 30000)
LANGUAGE plpgsql
AS $$
DECLARE
    i int;
    k int;
    qn record;
    q record;
    j jsonb;
    first_ms float8;
    variants text[] := ARRAY['a', 'b', 'c', 'd', 'e', 'f'];
BEGIN
    FOR i IN 1 .. iterations LOOP
        FOR qn IN SELECT qname FROM bench.queries GROUP BY qname ORDER BY min(ord) LOOP
            FOR k IN 0 .. 5 LOOP
                SELECT * INTO q FROM bench.queries
                 WHERE qname = qn.qname AND variant = variants[1 + (k + i) % 6];
                CONTINUE WHEN NOT FOUND;
                SELECT s.total_ms INTO first_ms FROM bench.samples s
                 WHERE s.qname = q.qname AND s.variant = q.variant AND s.iter = 1;
                CONTINUE WHEN first_ms > slow_ms AND i > slow_runs;
                CONTINUE WHEN first_ms > very_slow_ms AND i > 1;
                PERFORM bench.become(q.role);
                IF first_ms IS NULL OR first_ms <= slow_ms THEN
                    -- untimed: the same statement once, then a commit that
                    -- moves the snapshot on, as other sessions' commits do
                    PERFORM bench.explain(q.sql, q.is_write);
                    PERFORM txid_current();
                    COMMIT;
                END IF;
                j := bench.explain(q.sql, q.is_write);
                PERFORM bench.become(NULL);
                INSERT INTO bench.samples
                VALUES ('custom', i, q.qname, q.variant,
                        (j -> 0 ->> 'Planning Time')::float8,
                        (j -> 0 ->> 'Execution Time')::float8,
                        (j -> 0 ->> 'Planning Time')::float8 + (j -> 0 ->> 'Execution Time')::float8,
                        (j -> 0 -> 'Plan' ->> 'Actual Rows')::float8,
                        bench.plan_indexes(j, q.target),
                        CASE WHEN i = 1 THEN bench.plan_nodes(j) END);
                COMMIT;
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;

-- Decisions per second inside one statement: the policy function (account
-- known from the row), check() (looks the performer's account up), check()
-- about another user (as a superuser, about user examined), and the same
-- statement with a built-in comparison, to show the scaffolding's share.
CREATE PROCEDURE bench.run_throughput(who text, examined bigint, account bigint, performers int,
                                      calls bigint, iterations int)
LANGUAGE plpgsql
AS $$
DECLARE
    i int;
    w record;
    j jsonb;
BEGIN
    FOR i IN 1 .. iterations LOOP
        FOR w IN SELECT * FROM (VALUES
                 ('can_view', who, format('permissions.can_view(%L, %s, (g %% %s) + 1)', 'measurement', account, performers)),
                 ('check', who, format('permissions.check(%L, %L, (g %% %s) + 1)', 'view', 'measurement', performers)),
                 ('check_user', NULL, format('permissions.check(%L, %L, (g %% %s) + 1, %s)', 'view', 'measurement', performers, examined)),
                 ('baseline', who, format('((g %% %s) + 1)::bigint > 0', performers))) AS v(what, as_role, expr)
        LOOP
            PERFORM bench.become(w.as_role);
            PERFORM permissions.current_user_id();
            COMMIT;
            j := bench.explain(format('SELECT count(*) FROM generate_series(1::bigint, %s) g WHERE %s',
                                      calls, w.expr), false);
            PERFORM bench.become(NULL);
            INSERT INTO bench.throughput
            VALUES (i, w.what, calls, (j -> 0 ->> 'Execution Time')::float8);
            COMMIT;
        END LOOP;
    END LOOP;
END
$$;

-- Cost of a committed grant change reaching the next statement: the first
-- statement after the change rebuilds the session's access cache, the
-- second one runs from it.  The change adds or removes a group grant of the
-- user, as a DBA would.
CREATE PROCEDURE bench.run_rebuild(who text, as_role text, grantee bigint, on_group bigint,
                                   q text, iterations int)
LANGUAGE plpgsql
AS $$
DECLARE
    i int;
    j1 jsonb;
    j2 jsonb;
BEGIN
    FOR i IN 1 .. iterations LOOP
        PERFORM bench.become(NULL);
        IF i % 2 = 1 THEN
            INSERT INTO permissions.access_grants (account_id, user_id, group_id, tier)
            SELECT gr.account_id, grantee, gr.id, 'tier4' FROM permissions.groups gr
             WHERE gr.id = on_group;
        ELSE
            DELETE FROM permissions.access_grants g
             WHERE g.user_id = grantee AND g.group_id = on_group;
        END IF;
        COMMIT;
        PERFORM bench.become(as_role);
        j1 := bench.explain(q, false);
        COMMIT;
        j2 := bench.explain(q, false);
        COMMIT;
        PERFORM bench.become(NULL);
        INSERT INTO bench.rebuild
        VALUES (i, who,
                (j1 -> 0 ->> 'Planning Time')::float8 + (j1 -> 0 ->> 'Execution Time')::float8,
                (j2 -> 0 ->> 'Planning Time')::float8 + (j2 -> 0 ->> 'Execution Time')::float8);
        COMMIT;
    END LOOP;
END
$$;

-- The statement of a generic query with its parameter values written in (a
-- custom plan of the same statement).
CREATE FUNCTION bench.literal(gsql text, params text[])
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    k int;
BEGIN
    FOR k IN REVERSE coalesce(array_length(params, 1), 0) .. 1 LOOP
        gsql := replace(gsql, '$' || k, quote_literal(params[k]));
    END LOOP;
    RETURN gsql;
END
$$;

-- EXECUTE of a prepared statement with parameter values.
CREATE FUNCTION bench.execute_text(name text, params text[])
RETURNS text
LANGUAGE sql
AS $$
    SELECT 'EXECUTE ' || name || coalesce('(' || (SELECT string_agg(quote_literal(p), ', ' ORDER BY k)
                                                  FROM unnest(params) WITH ORDINALITY u(p, k)) || ')', '')
$$;

-- Prepares the generic statements of (a) and (b) in this session (writes
-- also with RETURNING, for the correctness check), under generic plans.
CREATE PROCEDURE bench.prepare_generic()
LANGUAGE plpgsql
AS $$
DECLARE
    q record;
BEGIN
    PERFORM set_config('plan_cache_mode', 'force_generic_plan', false);
    FOR q IN SELECT * FROM bench.queries WHERE gsql IS NOT NULL LOOP
        IF EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = 'bq_' || q.qname || '_' || q.variant) THEN
            EXECUTE format('DEALLOCATE %I', 'bq_' || q.qname || '_' || q.variant);
        END IF;
        EXECUTE format('PREPARE %I AS %s', 'bq_' || q.qname || '_' || q.variant, q.gsql);
        IF q.is_write THEN
            IF EXISTS (SELECT 1 FROM pg_prepared_statements WHERE name = 'bq_' || q.qname || '_' || q.variant || '_ret') THEN
                EXECUTE format('DEALLOCATE %I', 'bq_' || q.qname || '_' || q.variant || '_ret');
            END IF;
            EXECUTE format('PREPARE %I AS %s RETURNING %s', 'bq_' || q.qname || '_' || q.variant || '_ret',
                           q.gsql, q.ret_cols);
        END IF;
    END LOOP;
END
$$;

-- Row count and digest of an execution of a prepared statement; writes are rolled back.
CREATE FUNCTION bench.digest_prepared(name text, params text[], is_write boolean, OUT n bigint, OUT digest text)
LANGUAGE plpgsql
AS $$
DECLARE
    r record;
    texts text[] := '{}';
BEGIN
    BEGIN
        FOR r IN EXECUTE bench.execute_text(name || CASE WHEN is_write THEN '_ret' ELSE '' END, params) LOOP
            texts := texts || r::text;
        END LOOP;
        IF is_write THEN
            RAISE EXCEPTION USING ERRCODE = 'BR001', MESSAGE = 'rolling the benchmark write back';
        END IF;
    EXCEPTION WHEN SQLSTATE 'BR001' THEN
        NULL;
    END;
    n := coalesce(array_length(texts, 1), 0);
    SELECT md5(coalesce(string_agg(t, '|' ORDER BY t), '')) INTO digest FROM unnest(texts) t;
END
$$;

-- Every user who executes a generic statement (a) gets the rows of the same
-- statement with its values written in: the designated user first, then
-- the users of other shapes, then the designated user again, all in one
-- session through one prepared statement.
CREATE PROCEDURE bench.check_generic()
LANGUAGE plpgsql
AS $$
DECLARE
    q record;
    u record;
    n bigint;
    d text;
    cn bigint;
    cd text;
    step int;
BEGIN
    CALL bench.prepare_generic();
    FOR q IN SELECT * FROM bench.queries WHERE variant = 'a' AND gsql IS NOT NULL ORDER BY ord LOOP
        step := 0;
        FOR u IN SELECT 0 AS ord, q.role AS role, q.gparams AS params
                 UNION ALL SELECT g.ord, g.role, g.params FROM bench.generic_users g WHERE g.qname = q.qname
                 UNION ALL SELECT 1000, q.role, q.gparams
                 ORDER BY 1 LOOP
            step := step + 1;
            PERFORM bench.act_pooled(u.role);
            SELECT * INTO n, d FROM bench.digest_prepared('bq_' || q.qname || '_a', u.params, q.is_write);
            SELECT * INTO cn, cd FROM bench.digest(bench.literal(q.gsql, u.params), q.is_write, q.ret_cols);
            PERFORM bench.act_pooled(NULL);
            INSERT INTO bench.generic_checks VALUES (q.qname, u.role, step, n, d, cn, cd);
            COMMIT;
        END LOOP;
    END LOOP;
    PERFORM set_config('plan_cache_mode', 'auto', false);
END
$$;

-- The timing loop under generic plans: one prepared statement per query
-- and variant in this session.  Before each timed execution of (a) by its
-- user, the users of other shapes execute the same prepared statement
-- (untimed, each in its own transaction), all through the pooled role with
-- their credentials, so the timed execution reuses the plan another user's
-- execution made and follows a change of identity, as on a pooled
-- connection.  (b) runs as the superuser, right after an untimed run.
CREATE PROCEDURE bench.run_generic(iterations int)
LANGUAGE plpgsql
AS $$
DECLARE
    i int;
    k int;
    qn record;
    q record;
    u record;
    j jsonb;
    stmt text;
BEGIN
    CALL bench.prepare_generic();
    FOR i IN 1 .. iterations LOOP
        FOR qn IN SELECT qname FROM bench.queries WHERE gsql IS NOT NULL GROUP BY qname ORDER BY min(ord) LOOP
            FOR k IN 0 .. 1 LOOP
                SELECT * INTO q FROM bench.queries
                 WHERE qname = qn.qname AND variant = (ARRAY['a', 'b'])[1 + (k + i) % 2];
                stmt := 'bq_' || q.qname || '_' || q.variant;
                IF q.variant = 'a' THEN
                    FOR u IN SELECT * FROM bench.generic_users g WHERE g.qname = q.qname ORDER BY g.ord LOOP
                        PERFORM bench.act_pooled(u.role);
                        PERFORM bench.explain(bench.execute_text(stmt, u.params), q.is_write);
                        PERFORM txid_current();
                        COMMIT;
                    END LOOP;
                    PERFORM bench.act_pooled(q.role);
                ELSE
                    PERFORM bench.become(q.role);
                    PERFORM bench.explain(bench.execute_text(stmt, q.gparams), q.is_write);
                    PERFORM txid_current();
                    COMMIT;
                    PERFORM bench.become(q.role);
                END IF;
                j := bench.explain(bench.execute_text(stmt, q.gparams), q.is_write);
                PERFORM bench.act_pooled(NULL);
                INSERT INTO bench.samples
                VALUES ('generic', i, q.qname, q.variant,
                        (j -> 0 ->> 'Planning Time')::float8,
                        (j -> 0 ->> 'Execution Time')::float8,
                        (j -> 0 ->> 'Planning Time')::float8 + (j -> 0 ->> 'Execution Time')::float8,
                        (j -> 0 -> 'Plan' ->> 'Actual Rows')::float8,
                        bench.plan_indexes(j, q.target),
                        CASE WHEN i = 1 THEN bench.plan_nodes(j) END);
                COMMIT;
            END LOOP;
        END LOOP;
    END LOOP;
    PERFORM set_config('plan_cache_mode', 'auto', false);
END
$$;

-- Cold statements of (a), custom plans.  "switch": the first statement after
-- the pooled connection changed identity (another user, of another shape,
-- ran the same statement through the pooled role just before); "pooled":
-- the next one, same user again; "other tenant": the first statement after
-- a committed access change in a tenant the user does not reach (a group
-- grant of another tenant's user given or taken back).
CREATE TABLE bench.cold (
    iter        int NOT NULL,
    qname       text NOT NULL,
    kind        text NOT NULL,
    ms          float8 NOT NULL
);

CREATE EXTENSION IF NOT EXISTS dblink SCHEMA bench;

-- Commits, in another session (bench.run_cold opens it), an access change in
-- another tenant: a group grant given (odd n) or taken back (even n).  A
-- definer function, so that the user's session calls it without leaving
-- the user's role: a change made by the session itself is seen at once.
CREATE FUNCTION bench.change_other_tenant(n int, grantee bigint, on_group bigint)
RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT bench.dblink_exec('bench_cold', CASE WHEN n % 2 = 1 THEN
        format('INSERT INTO permissions.access_grants (account_id, user_id, group_id, tier)
                SELECT gr.account_id, %s, gr.id, ''tier4'' FROM permissions.groups gr WHERE gr.id = %s',
               grantee, on_group)
        ELSE format('DELETE FROM permissions.access_grants g WHERE g.user_id = %s AND g.group_id = %s',
                    grantee, on_group) END);
$$;
GRANT EXECUTE ON FUNCTION bench.change_other_tenant(int, bigint, bigint) TO PUBLIC;

CREATE PROCEDURE bench.run_cold(iterations int, grantee bigint, on_group bigint)
LANGUAGE plpgsql
AS $$
DECLARE
    i int;
    q record;
    other text;
    j jsonb;
    n int := 0;
    other_session text := 'bench_cold';
BEGIN
    PERFORM bench.dblink_connect(other_session,
                           format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
                                  split_part(current_setting('unix_socket_directories'), ',', 1)));
    FOR i IN 1 .. iterations LOOP
        FOR q IN SELECT * FROM bench.queries WHERE variant = 'a' AND NOT is_write AND gsql IS NOT NULL
                  ORDER BY ord LOOP
            -- a committed change in another tenant, then the user's statement
            PERFORM bench.become(q.role);
            PERFORM bench.explain(q.sql, false);
            COMMIT;
            n := n + 1;
            PERFORM bench.change_other_tenant(n, grantee, on_group);
            COMMIT;
            j := bench.explain(q.sql, false);
            PERFORM bench.become(NULL);
            INSERT INTO bench.cold VALUES (i, q.qname, 'other tenant',
                (j -> 0 ->> 'Planning Time')::float8 + (j -> 0 ->> 'Execution Time')::float8);
            COMMIT;
            -- another user through the pooled role, then this user
            SELECT g.role INTO other FROM bench.generic_users g WHERE g.qname = q.qname
             ORDER BY (g.ord + i) % 3, g.ord LIMIT 1;
            PERFORM bench.act_pooled(other);
            PERFORM bench.explain(q.sql, false);
            PERFORM bench.act_pooled(NULL);
            COMMIT;
            PERFORM bench.act_pooled(q.role);
            j := bench.explain(q.sql, false);
            PERFORM bench.act_pooled(NULL);
            INSERT INTO bench.cold VALUES (i, q.qname, 'switch',
                (j -> 0 ->> 'Planning Time')::float8 + (j -> 0 ->> 'Execution Time')::float8);
            COMMIT;
            PERFORM bench.act_pooled(q.role);
            j := bench.explain(q.sql, false);
            PERFORM bench.act_pooled(NULL);
            INSERT INTO bench.cold VALUES (i, q.qname, 'pooled',
                (j -> 0 ->> 'Planning Time')::float8 + (j -> 0 ->> 'Execution Time')::float8);
            COMMIT;
        END LOOP;
    END LOOP;
    -- leave the data as it was
    PERFORM bench.dblink_disconnect(other_session);
    DELETE FROM permissions.access_grants g WHERE g.user_id = grantee AND g.group_id = on_group;
    COMMIT;
END
$$;

-- The cost of the accounting of disclosures (bench/run --accounting): (a)
-- and (b) of every query, each timed with permissions.read_accounting off
-- and on in turn (the order rotating), reps times, in the same session and
-- the same way as bench.run() times them.  With it on, (a) counts the rows
-- its policies let through and writes (and flushes) its records before the
-- statement ends; (b), as a superuser, is not subject to the policies and is
-- the unchanged floor.  On a loaded machine single timings vary by tens of
-- percent: the report gives medians and minima (the least disturbed runs).
CREATE TABLE bench.accounting (
    iter        int NOT NULL,
    qname       text NOT NULL,
    variant     text NOT NULL,
    accounting  boolean NOT NULL,
    total_ms    float8 NOT NULL,
    records     bigint NOT NULL
);

CREATE PROCEDURE bench.run_accounting(reps int, slow_ms float8 DEFAULT 1000)
LANGUAGE plpgsql
AS $$
DECLARE
    i int;
    k int;
    qn record;
    q record;
    j jsonb;
    on_ boolean;
    before bigint;
    after bigint;
BEGIN
    FOR i IN 1 .. reps LOOP
        FOR qn IN SELECT qname FROM bench.queries GROUP BY qname ORDER BY min(ord) LOOP
            FOR k IN 0 .. 3 LOOP
                SELECT * INTO q FROM bench.queries
                 WHERE qname = qn.qname AND variant = (ARRAY['a', 'b'])[1 + (k / 2 + i) % 2];
                CONTINUE WHEN NOT FOUND;
                CONTINUE WHEN (SELECT s.total_ms FROM bench.samples s WHERE s.mode = 'custom' AND s.iter = 1
                                  AND s.qname = q.qname AND s.variant = q.variant) > slow_ms AND i > 3;
                on_ := (k + i) % 2 = 0;
                PERFORM set_config('permissions.read_accounting', on_::text, false);
                PERFORM bench.become(q.role);
                PERFORM bench.explain(q.sql, q.is_write);
                PERFORM txid_current();
                PERFORM bench.become(NULL);
                COMMIT;
                SELECT count(*) INTO before FROM permissions.disclosures;
                PERFORM bench.become(q.role);
                j := bench.explain(q.sql, q.is_write);
                PERFORM bench.become(NULL);
                SELECT count(*) INTO after FROM permissions.disclosures;
                INSERT INTO bench.accounting
                VALUES (i, q.qname, q.variant, on_,
                        (j -> 0 ->> 'Planning Time')::float8 + (j -> 0 ->> 'Execution Time')::float8,
                        after - before);
                COMMIT;
            END LOOP;
        END LOOP;
    END LOOP;
    PERFORM set_config('permissions.read_accounting', 'off', false);
END
$$;
