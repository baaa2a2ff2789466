-- bench/sql/variants.sql
--	  The two SQL-only baselines, each on its own copy of the tables:
--
--	  bench_textbook (c): what the tutorials show.  Policies are EXISTS
--	    subqueries over the grant tables, correlated with the row, calling
--	    helper SQL functions (who am I, is this account in my subtree, the
--	    user-type cap) for every row.
--
--	  bench_best (d): the best SQL-only practice.  SECURITY DEFINER
--	    functions compute the accounts and performers the user reaches, and
--	    the policies call them wrapped as
--	        account_id = ANY (ARRAY(SELECT f(...))) OR performer_id = ANY (...)
--	    so each is an init plan evaluated once per statement and the arrays
--	    can be index conditions.
--
--	  bench_reach (e): what Supabase's guides recommend: the user's reach
--	    precomputed into a table (user, performer, may create) with a primary
--	    key, kept by the application, and policies
--	        performer_id IN (SELECT r.performer_id FROM reach r
--	                          WHERE r.user_id = (SELECT auth_uid()))
--	    (auth_uid() reads the user id as Supabase's auth.uid() reads the
--	    token's claim: here from a table of login roles).
--
--	  bench_definer (f): the same reach table read by a SECURITY DEFINER
--	  function returning an array, called in the policy as written:
--	        performer_id = ANY (definer_fn(current_user))
--
--	  All implement the same rules as the extension (manager subtree,
--	  wildcard tier, direct, group, team and team-on-group grants, expiry,
--	  user-type caps), so every query returns the same rows in all variants;
--	  (e) and (f) take them from the extension (accessible_performers() of
--	  each user) when the data set is made, which flatters them: nothing
--	  keeps their table current.  psql variable: rp (role prefix).

\set ON_ERROR_STOP on
SET client_min_messages = warning;
-- the policies below are parsed with the extension's operators in reach
SET search_path = public, permissions;

CREATE SCHEMA bench_textbook;
CREATE SCHEMA bench_best;
CREATE SCHEMA bench_reach;
CREATE SCHEMA bench_definer;

-- copies of the tables (same columns, defaults, constraints and indexes) and
-- their data, in the same physical order
DO $$
DECLARE
    s text;
    t text;
    cols text;
BEGIN
    FOREACH s IN ARRAY ARRAY['bench_textbook', 'bench_best', 'bench_reach', 'bench_definer'] LOOP
        FOREACH t IN ARRAY CASE WHEN s IN ('bench_textbook', 'bench_best')
                                THEN ARRAY['accounts', 'users', 'performers', 'groups', 'group_members',
                                           'teams', 'team_members', 'access_grants', 'charts',
                                           'measurements', 'journals']
                                ELSE ARRAY['performers', 'charts', 'measurements', 'journals'] END LOOP
            EXECUTE format('CREATE TABLE %I.%I (LIKE permissions.%I INCLUDING ALL)', s, t, t);
            SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
              FROM information_schema.columns
             WHERE table_schema = 'permissions' AND table_name = t AND is_generated = 'NEVER';
            EXECUTE format('INSERT INTO %I.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM permissions.%I ORDER BY ctid',
                           s, t, cols, cols, t);
            IF EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = s AND table_name = t AND is_identity = 'YES') THEN
                EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), greatest(1, (SELECT max(id) FROM %I.%I)))',
                               s || '.' || t, s, t);
            END IF;
        END LOOP;
        -- what the insert benchmark meets in the extension's table: the
        -- foreign key to charts and the trigger that stamps created_by
        EXECUTE format('ALTER TABLE %1$I.measurements ADD FOREIGN KEY (chart_id, performer_id, account_id)
                            REFERENCES %1$I.charts (id, performer_id, account_id)
                            ON DELETE CASCADE ON UPDATE CASCADE', s);
        EXECUTE format('CREATE TRIGGER measurements_10_stamp BEFORE INSERT OR UPDATE ON %I.measurements
                            FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row(''created_by'')', s);
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', s);
        EXECUTE format('GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA %I TO PUBLIC', s);
        EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO PUBLIC', s);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- (c) textbook
-- ---------------------------------------------------------------------------

CREATE FUNCTION bench_textbook.app_user_id()
RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT id FROM bench_textbook.users WHERE db_role = to_regrole(current_user::text) AND active $$;

CREATE FUNCTION bench_textbook.in_subtree(account bigint, root bigint)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
    WITH RECURSIVE sub(id) AS (
        SELECT root
        UNION ALL
        SELECT a.id FROM bench_textbook.accounts a JOIN sub ON a.parent_id = sub.id
    )
    SELECT EXISTS (SELECT 1 FROM sub WHERE sub.id = account)
$$;

CREATE FUNCTION bench_textbook.capped(utype permissions.user_type, t permissions.tier)
RETURNS permissions.tier
LANGUAGE sql STABLE
AS $$
    SELECT CASE WHEN utype OPERATOR(permissions.=) 'read_only' AND t OPERATOR(permissions.>) 'tier4'
                THEN 'tier4'::permissions.tier ELSE t END
$$;

-- the policy body for a table whose performer column is perf, at min_tier
CREATE FUNCTION bench_textbook.policy(tbl text, perf text, min_tier text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
SELECT format($p$
    EXISTS (SELECT 1 FROM bench_textbook.users u
             WHERE u.id = bench_textbook.app_user_id()
               AND (u.role = 'manager' AND bench_textbook.in_subtree(%1$I.account_id, u.account_id)
                    OR u.user_type <> 'single_performer' AND u.account_id = %1$I.account_id
                       AND bench_textbook.capped(u.user_type, u.access) >= %3$L))
    OR EXISTS (SELECT 1 FROM bench_textbook.access_grants g
                 JOIN bench_textbook.users u ON u.id = g.user_id
                WHERE g.user_id = bench_textbook.app_user_id()
                  AND g.performer_id = %1$I.%2$I
                  AND (g.expires_at IS NULL OR g.expires_at > now())
                  AND bench_textbook.capped(u.user_type, g.tier) >= %3$L)
    OR EXISTS (SELECT 1 FROM bench_textbook.access_grants g
                 JOIN bench_textbook.users u ON u.id = g.user_id
                 JOIN bench_textbook.group_members gm ON gm.group_id = g.group_id
                WHERE g.user_id = bench_textbook.app_user_id()
                  AND gm.performer_id = %1$I.%2$I
                  AND u.user_type <> 'single_performer'
                  AND (g.expires_at IS NULL OR g.expires_at > now())
                  AND bench_textbook.capped(u.user_type, g.tier) >= %3$L)
    OR EXISTS (SELECT 1 FROM bench_textbook.team_members tm
                 JOIN bench_textbook.users u ON u.id = tm.user_id
                 JOIN bench_textbook.access_grants g ON g.team_id = tm.team_id
                WHERE tm.user_id = bench_textbook.app_user_id()
                  AND g.performer_id = %1$I.%2$I
                  AND u.user_type <> 'single_performer'
                  AND (g.expires_at IS NULL OR g.expires_at > now())
                  AND bench_textbook.capped(u.user_type, g.tier) >= %3$L)
    OR EXISTS (SELECT 1 FROM bench_textbook.team_members tm
                 JOIN bench_textbook.users u ON u.id = tm.user_id
                 JOIN bench_textbook.access_grants g ON g.team_id = tm.team_id
                 JOIN bench_textbook.group_members gm ON gm.group_id = g.group_id
                WHERE tm.user_id = bench_textbook.app_user_id()
                  AND gm.performer_id = %1$I.%2$I
                  AND u.user_type <> 'single_performer'
                  AND (g.expires_at IS NULL OR g.expires_at > now())
                  AND bench_textbook.capped(u.user_type, g.tier) >= %3$L)
$p$, tbl, perf, min_tier)
$$;

-- ---------------------------------------------------------------------------
-- (d) best practice
-- ---------------------------------------------------------------------------

CREATE FUNCTION bench_best.reach_accounts(who text, min_tier permissions.tier)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE me AS (
        SELECT * FROM bench_best.users WHERE db_role = to_regrole(who) AND active
    ), sub(id) AS (
        SELECT account_id FROM me WHERE role OPERATOR(permissions.=) 'manager'
        UNION ALL
        SELECT a.id FROM bench_best.accounts a JOIN sub ON a.parent_id = sub.id
    )
    SELECT id FROM sub
    UNION
    SELECT account_id FROM me
     WHERE user_type OPERATOR(permissions.<>) 'single_performer'
       AND CASE WHEN user_type OPERATOR(permissions.=) 'read_only' AND access OPERATOR(permissions.>) 'tier4'
                THEN 'tier4'::permissions.tier ELSE access END OPERATOR(permissions.>=) min_tier
$$;

CREATE FUNCTION bench_best.reach_performers(who text, min_tier permissions.tier)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH me AS (
        SELECT * FROM bench_best.users WHERE db_role = to_regrole(who) AND active
    ), grants AS (
        SELECT g.performer_id, g.group_id, g.tier FROM me JOIN bench_best.access_grants g ON g.user_id = me.id
         WHERE g.expires_at IS NULL OR g.expires_at > now()
        UNION ALL
        SELECT g.performer_id, g.group_id, g.tier
          FROM me JOIN bench_best.team_members tm ON tm.user_id = me.id
          JOIN bench_best.access_grants g ON g.team_id = tm.team_id
         WHERE (g.expires_at IS NULL OR g.expires_at > now())
           AND me.user_type OPERATOR(permissions.<>) 'single_performer'
    ), usable AS (
        SELECT grants.* FROM grants, me
         WHERE CASE WHEN me.user_type OPERATOR(permissions.=) 'read_only' AND grants.tier OPERATOR(permissions.>) 'tier4'
                    THEN 'tier4'::permissions.tier ELSE grants.tier END OPERATOR(permissions.>=) min_tier
           AND (grants.group_id IS NULL OR me.user_type OPERATOR(permissions.<>) 'single_performer')
    )
    SELECT performer_id FROM usable WHERE performer_id IS NOT NULL
    UNION
    SELECT gm.performer_id FROM usable JOIN bench_best.group_members gm ON gm.group_id = usable.group_id
$$;

CREATE FUNCTION bench_best.policy(tbl text, perf text, min_tier text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
SELECT format($p$
    %1$I.account_id = ANY (ARRAY(SELECT bench_best.reach_accounts(current_user::text, %3$L)))
    OR %1$I.%2$I = ANY (ARRAY(SELECT bench_best.reach_performers(current_user::text, %3$L)))
$p$, tbl, perf, min_tier)
$$;

-- ---------------------------------------------------------------------------
-- (e) a precomputed reach table, Supabase style; (f) a definer function over it
-- ---------------------------------------------------------------------------

CREATE TABLE bench_reach.uids (
    role_name   text PRIMARY KEY,
    user_id     bigint NOT NULL
);
INSERT INTO bench_reach.uids
SELECT u.db_role::regrole::text, u.id FROM permissions.users u WHERE u.db_role IS NOT NULL;

CREATE TABLE bench_reach.reach (
    user_id      bigint NOT NULL,
    performer_id bigint NOT NULL,
    can_create   boolean NOT NULL,
    PRIMARY KEY (user_id, performer_id)
);
INSERT INTO bench_reach.reach
SELECT u.id, v.p, c.p IS NOT NULL
  FROM permissions.users u
 CROSS JOIN LATERAL permissions.accessible_performers('view', u.id) AS v(p)
  LEFT JOIN LATERAL permissions.accessible_performers('create', u.id) AS c(p) ON c.p = v.p
 WHERE u.db_role IS NOT NULL;
GRANT SELECT ON bench_reach.uids, bench_reach.reach TO PUBLIC;

CREATE FUNCTION bench_reach.auth_uid()
RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT user_id FROM bench_reach.uids WHERE role_name = current_user $$;

CREATE FUNCTION bench_reach.policy(tbl text, perf text, min_tier text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
SELECT format($p$
    %1$I.%2$I IN (SELECT r.performer_id FROM bench_reach.reach r
                   WHERE r.user_id = (SELECT bench_reach.auth_uid())%3$s)
$p$, tbl, perf, CASE WHEN min_tier = 'tier3' THEN ' AND r.can_create' ELSE '' END)
$$;

CREATE FUNCTION bench_definer.my_performers(who text, creating boolean)
RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(array_agg(r.performer_id), '{}')
      FROM bench_reach.uids u JOIN bench_reach.reach r ON r.user_id = u.user_id
     WHERE u.role_name = who AND (r.can_create OR NOT creating)
$$;

CREATE FUNCTION bench_definer.policy(tbl text, perf text, min_tier text)
RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
SELECT format($p$
    %1$I.%2$I = ANY (bench_definer.my_performers(current_user::text, %3$L::boolean))
$p$, tbl, perf, min_tier = 'tier3')
$$;

-- the grant tables of (d) are read only through its SECURITY DEFINER functions
REVOKE SELECT, INSERT ON bench_best.accounts, bench_best.users, bench_best.groups,
    bench_best.group_members, bench_best.teams, bench_best.team_members,
    bench_best.access_grants FROM PUBLIC;

-- the policies on the tables the benchmark queries: view needs tier4,
-- creating chart data tier3
DO $$
DECLARE
    s text;
    t record;
BEGIN
    FOREACH s IN ARRAY ARRAY['bench_textbook', 'bench_best', 'bench_reach', 'bench_definer'] LOOP
        FOR t IN SELECT * FROM (VALUES ('performers', 'id'), ('measurements', 'performer_id'),
                                       ('journals', 'performer_id'), ('charts', 'performer_id')) AS v(tbl, perf)
        LOOP
            EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', s, t.tbl);
            EXECUTE format('CREATE POLICY %I ON %I.%I FOR SELECT USING (%s)',
                           t.tbl || '_select', s, t.tbl,
                           CASE s WHEN 'bench_textbook' THEN bench_textbook.policy(t.tbl, t.perf, 'tier4')
                                  WHEN 'bench_best' THEN bench_best.policy(t.tbl, t.perf, 'tier4')
                                  WHEN 'bench_reach' THEN bench_reach.policy(t.tbl, t.perf, 'tier4')
                                  ELSE bench_definer.policy(t.tbl, t.perf, 'tier4') END);
            EXECUTE format('CREATE POLICY %I ON %I.%I FOR INSERT WITH CHECK (%s)',
                           t.tbl || '_insert', s, t.tbl,
                           CASE s WHEN 'bench_textbook' THEN bench_textbook.policy(t.tbl, t.perf, 'tier3')
                                  WHEN 'bench_best' THEN bench_best.policy(t.tbl, t.perf, 'tier3')
                                  WHEN 'bench_reach' THEN bench_reach.policy(t.tbl, t.perf, 'tier3')
                                  ELSE bench_definer.policy(t.tbl, t.perf, 'tier3') END);
        END LOOP;
    END LOOP;
END
$$;

VACUUM (ANALYZE) bench_textbook.accounts, bench_textbook.users, bench_textbook.performers,
    bench_textbook.groups, bench_textbook.group_members, bench_textbook.teams,
    bench_textbook.team_members, bench_textbook.access_grants, bench_textbook.charts,
    bench_textbook.measurements, bench_textbook.journals,
    bench_best.accounts, bench_best.users, bench_best.performers,
    bench_best.groups, bench_best.group_members, bench_best.teams,
    bench_best.team_members, bench_best.access_grants, bench_best.charts,
    bench_best.measurements, bench_best.journals,
    bench_reach.uids, bench_reach.reach, bench_reach.performers, bench_reach.charts,
    bench_reach.measurements, bench_reach.journals,
    bench_definer.performers, bench_definer.charts, bench_definer.measurements,
    bench_definer.journals;
