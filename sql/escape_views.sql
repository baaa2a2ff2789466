--
-- Escape attempts through views, functions and prepared statements: the
-- rows shown are always those of the user running the query, never those
-- of a view's or function's owner, and a plan prepared under one identity
-- shows the next identity only its own rows.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

-- fixture: account E with performers V and H; user "v" has tier2 on V,
-- user "h" tier2 on H, user "boss" wildcard tier1 (sees both); role
-- regress_escv_owner is a plain login role that maps to no user
CREATE ROLE regress_escv_v;
GRANT permissions_client TO regress_escv_v;
CREATE ROLE regress_escv_h;
GRANT permissions_client TO regress_escv_h;
CREATE ROLE regress_escv_boss;
GRANT permissions_client TO regress_escv_boss;
CREATE ROLE regress_escv_owner;
GRANT permissions_client TO regress_escv_owner;
CREATE SCHEMA regress_escv;
GRANT USAGE ON SCHEMA regress_escv TO PUBLIC;
GRANT CREATE ON SCHEMA regress_escv TO regress_escv_owner, regress_escv_boss;
SELECT permissions.create_account('regress escv E') AS e \gset
SELECT permissions.create_user(:e, 'regress_escv_v', db_role => 'regress_escv_v') AS uv,
       permissions.create_user(:e, 'regress_escv_h', db_role => 'regress_escv_h') AS uh,
       permissions.create_user(:e, 'regress_escv_boss', access => 'tier1', db_role => 'regress_escv_boss') AS boss \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:e, 'V') RETURNING id AS v \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:e, 'H') RETURNING id AS h \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:e, 'counts') RETURNING id AS pin \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:e, :v, :pin) RETURNING id AS cv \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:e, :h, :pin) RETURNING id AS ch \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count) VALUES
    (:e, :v, :cv, '2024-04-01', 1), (:e, :v, :cv, '2024-04-02', 2),
    (:e, :h, :ch, '2024-04-01', 1001), (:e, :h, :ch, '2024-04-02', 1002);
SELECT permissions.grant_access('tier2', user_id => :uv, performer_id => :v),
       permissions.grant_access('tier2', user_id => :uh, performer_id => :h) \gset

-- views: a plain view owned by a role that is no user, a plain view owned by
-- a user who sees everything, and a security_invoker view
SET ROLE regress_escv_owner;
CREATE VIEW regress_escv.plain_nobody AS SELECT performer_id, count FROM permissions.measurements;
GRANT SELECT, UPDATE, DELETE ON regress_escv.plain_nobody TO PUBLIC;
SET ROLE regress_escv_boss;
CREATE VIEW regress_escv.plain_boss AS SELECT performer_id, count FROM permissions.measurements;
CREATE VIEW regress_escv.invoker WITH (security_invoker = true) AS
    SELECT performer_id, count FROM permissions.measurements;
GRANT SELECT, UPDATE, DELETE ON regress_escv.plain_boss, regress_escv.invoker TO PUBLIC;
-- functions: SECURITY DEFINER owned by the all-seeing user (it acts with its
-- owner's identity: whoever calls it sees what the boss chose to share), and
-- a plain SQL one (it runs with the caller's identity)
CREATE FUNCTION regress_escv.definer_counts() RETURNS SETOF integer
    LANGUAGE sql STABLE SECURITY DEFINER
    AS 'SELECT count FROM permissions.measurements ORDER BY count';
CREATE FUNCTION regress_escv.sql_counts() RETURNS SETOF integer
    LANGUAGE sql STABLE
    AS 'SELECT count FROM permissions.measurements ORDER BY count';
-- its owner sees both performers through each of them
SELECT string_agg(count::text, ' ' ORDER BY count) AS boss_sees FROM regress_escv.plain_boss;
RESET ROLE;

-- each user, through each path but the owner's definer function, sees its
-- own performer's rows only
CREATE FUNCTION pg_temp.through(who name, OUT plain_nobody text, OUT plain_boss text,
                                OUT invoker text, OUT definer_fn text, OUT sql_fn text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', who);
    SELECT string_agg(count::text, ' ' ORDER BY count) INTO plain_nobody FROM regress_escv.plain_nobody;
    SELECT string_agg(count::text, ' ' ORDER BY count) INTO plain_boss FROM regress_escv.plain_boss;
    SELECT string_agg(count::text, ' ' ORDER BY count) INTO invoker FROM regress_escv.invoker;
    SELECT string_agg(c::text, ' ') INTO definer_fn FROM regress_escv.definer_counts() AS c;
    SELECT string_agg(c::text, ' ') INTO sql_fn FROM regress_escv.sql_counts() AS c;
    RESET ROLE;
END
$$;
SELECT who, t.* FROM unnest(ARRAY['regress_escv_v', 'regress_escv_h', 'regress_escv_owner']::name[]) AS who
 CROSS JOIN LATERAL pg_temp.through(who) AS t;

-- writing through an auto-updatable view follows the same policies
SET ROLE regress_escv_v;
UPDATE regress_escv.plain_boss SET count = count + 10 RETURNING count;
UPDATE regress_escv.plain_nobody SET count = count + 10 WHERE performer_id = :h RETURNING count;
DELETE FROM regress_escv.invoker WHERE count > 1000 RETURNING count;
DELETE FROM regress_escv.plain_boss WHERE count > 1000 RETURNING count;
RESET ROLE;

-- prepared statements: the plan is shared, the rows are not; both with a
-- generic plan (built once, reused under every identity) and custom plans
PREPARE counts AS SELECT string_agg(count::text, ' ' ORDER BY count) AS counts FROM permissions.measurements;
PREPARE by_performer(bigint) AS SELECT count(*) AS rows FROM permissions.measurements WHERE performer_id = $1;
PREPARE bump(bigint) AS UPDATE permissions.measurements SET count = count + 100 WHERE performer_id = $1 RETURNING count;
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_escv_v;
EXECUTE counts;
EXECUTE by_performer(:h);
EXECUTE bump(:h);
SET ROLE regress_escv_h;
EXECUTE counts;
EXECUTE by_performer(:h);
EXECUTE by_performer(:v);
SET ROLE regress_escv_boss;
EXECUTE counts;
SET ROLE regress_escv_owner;
EXECUTE counts;
SET plan_cache_mode = force_custom_plan;
SET ROLE regress_escv_h;
EXECUTE counts;
EXECUTE bump(:v);
SET ROLE regress_escv_v;
EXECUTE counts;
EXECUTE by_performer(:h);
RESET ROLE;
RESET plan_cache_mode;
-- one plan, run under six identities in a row, never mixes them up
SET ROLE regress_escv_v;
SELECT string_agg(count::text, ' ' ORDER BY count) FROM permissions.measurements \gset v_
SET ROLE regress_escv_h;
SELECT string_agg(count::text, ' ' ORDER BY count) FROM permissions.measurements \gset h_
RESET ROLE;
DO $$
DECLARE
    r name;
    got text;
BEGIN
    FOREACH r IN ARRAY ARRAY['regress_escv_v', 'regress_escv_h', 'regress_escv_v',
                             'regress_escv_h', 'regress_escv_v', 'regress_escv_h']::name[]
    LOOP
        EXECUTE format('SET ROLE %I', r);
        EXECUTE 'EXECUTE counts' INTO got;
        RESET ROLE;
        RAISE NOTICE '% sees %', r, got;
    END LOOP;
END
$$;
SELECT :'v_string_agg' AS v_alone, :'h_string_agg' AS h_alone;

-- the DBA sees H's rows untouched by every write above
SELECT string_agg(count::text, ' ' ORDER BY count) AS counts FROM permissions.measurements WHERE chart_id IN (:cv, :ch);

-- clean up
DEALLOCATE ALL;
SET client_min_messages = warning;
DROP SCHEMA regress_escv CASCADE;
RESET client_min_messages;
UPDATE permissions.users SET db_role = NULL WHERE account_id = :e;
DROP ROLE regress_escv_v, regress_escv_h, regress_escv_boss, regress_escv_owner;
