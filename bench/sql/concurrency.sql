-- bench/sql/concurrency.sql
--	  The tenants and roles of bench/concurrency, added (as a superuser) to
--	  the data set of generate.sql.  psql variables:
--	    rp             role prefix
--	    clients        the largest number of measured clients
--	    churn_tenants  tenants the churn process changes
--	    heavy_grants   direct grants of the heavy reader (0: none)
--	    checkers       tenants of the correctness check (--check)
--	    soak_tenants   tenants of the soak (--soak)
--
--	  Measured clients: client i is a user of account (i mod A) + 1 of the
--	  generated data, of shape (i mod 4): therapist (team grants on groups),
--	  supervisor (wildcard tier2), parent (single_performer), auditor
--	  (read_only, wildcard tier4).  Each user gets a login role of its own
--	  (rp || 'u' || user id); clients act as it with SET ROLE.
--
--	  Churn tenants ("Churn t", with a sub-account "Churn t North"): users,
--	  performers, groups, teams and grants that the churn process changes.
--	  No measured user reaches them.  Their managers are the two sides of
--	  the cross-tenant wait test (rp || 'wait_a', rp || 'wait_b'); a login
--	  role mapped to nobody (rp || 'unmapped') is its third.
--
--	  The heavy reader: a user with heavy_grants direct grants on performers
--	  of an account of its own ("Heavy pool"), so that it too reaches no
--	  churned tenant.
--
--	  Check tenants ("Check c", with a sub-account "Check c North"): one
--	  watched user each (rp || 'w' || c) and five performers, each reached
--	  one way only: P1 through a direct grant, P2 through a team grant on a
--	  group, P3 through a group grant (P3's membership of the group
--	  toggles), P4 through the wildcard tier alone (P4 moves between the
--	  account and its sub-account, where the wildcard does not reach), P5
--	  in the sub-account through a direct grant.
--
--	  Soak tenants ("Soak s", with a sub-account "Soak s North"): a manager,
--	  four full_access users, a read_only and a single_performer user, each
--	  with a login role of its own (rp || 's' || s || '_' || kind); ten
--	  performers (1-8 in the account, 9-10 in the sub-account; 8 moves
--	  between the two), each with a chart; group 1 (performers 1-3) granted
--	  to team 1, group 2 (performer 4, with 5 and 6 joining and leaving)
--	  granted to user 2, team 2 granted performer 7.  The soak's writer of
--	  each tenant changes all of this while its readers check it.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT set_config('bench.rp', :'rp', false),
       set_config('bench.clients', :'clients', false),
       set_config('bench.churn_tenants', :'churn_tenants', false),
       set_config('bench.heavy_grants', :'heavy_grants', false),
       set_config('bench.checkers', :'checkers', false),
       set_config('bench.soak_tenants', :'soak_tenants', false) \gset

CREATE SCHEMA bench_cc;
GRANT USAGE ON SCHEMA bench_cc TO PUBLIC;

-- one row per measured client
CREATE TABLE bench_cc.clients (
    client_id   int PRIMARY KEY,
    shape       int NOT NULL,           -- 1 therapist, 2 supervisor, 3 parent, 4 auditor, 5 heavy
    shape_name  text NOT NULL,
    role        text NOT NULL,
    uid         bigint NOT NULL,
    acct        bigint NOT NULL,
    perf        bigint,                 -- parent: the one performer
    chart       bigint,                 -- parent: a chart of it
    ins_perf    bigint,                 -- writers: where measurements go
    ins_chart   bigint,
    heavy_first bigint,                 -- heavy reader: its performers' id range
    heavy_last  bigint
);

-- cache counters recorded by the clients during a run (permissions.cache_stats())
CREATE UNLOGGED TABLE bench_cc.stats (
    run         text NOT NULL,
    client_id   int NOT NULL,
    n           int NOT NULL,
    statements  bigint,
    rebuilds    bigint,
    epoch_checks bigint,
    last_rebuild_ms float8,
    memory_bytes bigint,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run, client_id, n)
);
GRANT INSERT, SELECT ON bench_cc.stats TO PUBLIC;

CREATE TABLE bench_cc.churn_accounts (t int PRIMARY KEY, top bigint NOT NULL, sub bigint NOT NULL);
CREATE TABLE bench_cc.churn_users (t int, k int, id bigint NOT NULL, account_id bigint NOT NULL, PRIMARY KEY (t, k));
CREATE TABLE bench_cc.churn_perfs (t int, j int, id bigint NOT NULL, account_id bigint NOT NULL, PRIMARY KEY (t, j));
CREATE TABLE bench_cc.churn_teams (t int, m int, id bigint NOT NULL, account_id bigint NOT NULL, PRIMARY KEY (t, m));
CREATE TABLE bench_cc.wait_sides (side text PRIMARY KEY, role text NOT NULL, acct bigint NOT NULL,
                                  grantee bigint NOT NULL, performer bigint NOT NULL);
CREATE TABLE bench_cc.check_tenants (
    c int PRIMARY KEY, role text NOT NULL, acct bigint NOT NULL, uid bigint NOT NULL,
    p1 bigint, p2 bigint, p3 bigint, p4 bigint,
    chart1 bigint, chart2 bigint, chart3 bigint, chart4 bigint,
    team bigint, team_grant bigint, group2 bigint,
    sub bigint, p5 bigint, chart5 bigint
);

-- measured clients
DO $$
DECLARE
    rp text := current_setting('bench.rp');
    nclients int := current_setting('bench.clients')::int;
    accounts int := (SELECT count(*) FROM permissions.accounts WHERE name LIKE 'Account %');
    i int;
    shape int;
    a bigint;
    r int;
    slot int;
    uid bigint;
    base bigint;
    rname text;
BEGIN
    FOR i IN 0 .. nclients - 1 LOOP
        shape := i % 4 + 1;
        a := i % accounts + 1;
        r := i / accounts;
        slot := CASE shape WHEN 1 THEN 4 + r % 4 WHEN 2 THEN 2 WHEN 3 THEN 8 + r % 3 ELSE 3 END;
        uid := (a - 1) * 10 + slot;
        base := (a - 1) * 100;
        rname := rp || 'u' || uid;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = rname) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', rname);
            UPDATE permissions.users SET db_role = rname::regrole WHERE id = uid;
        END IF;
        INSERT INTO bench_cc.clients (client_id, shape, shape_name, role, uid, acct, perf, chart, ins_perf, ins_chart)
        VALUES (i, shape, (ARRAY['therapist', 'supervisor', 'parent', 'auditor'])[shape], rname, uid, a,
                CASE WHEN shape = 3 THEN base + (ARRAY[11, 31, 61])[slot - 7] END,
                CASE WHEN shape = 3 THEN (base + (ARRAY[11, 31, 61])[slot - 7] - 1) * 10 + 5 END,
                CASE shape WHEN 1 THEN base + CASE WHEN slot <= 5 THEN 1 ELSE 21 END WHEN 2 THEN base + 50 END,
                CASE shape WHEN 1 THEN (base + CASE WHEN slot <= 5 THEN 1 ELSE 21 END - 1) * 10 + 1
                           WHEN 2 THEN (base + 50 - 1) * 10 + 1 END);
    END LOOP;
END
$$;

-- the heavy reader
DO $$
DECLARE
    rp text := current_setting('bench.rp');
    heavy int := current_setting('bench.heavy_grants')::int;
    acct bigint;
    uid bigint;
    first_p bigint;
    last_p bigint;
BEGIN
    IF heavy <= 0 THEN
        RETURN;
    END IF;
    INSERT INTO permissions.accounts (name) VALUES ('Heavy pool') RETURNING id INTO acct;
    INSERT INTO permissions.users (account_id, username, role, access)
    VALUES (acct, 'heavy_pool_manager', 'manager', 'none');
    INSERT INTO permissions.users (account_id, username, access)
    VALUES (acct, 'heavy_reader', 'none') RETURNING id INTO uid;
    INSERT INTO permissions.performers (account_id, first_name, last_name)
    SELECT acct, format('H%s', n), 'Heavy' FROM generate_series(1, heavy) n;
    SELECT min(id), max(id) INTO first_p, last_p FROM permissions.performers WHERE account_id = acct;
    INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier)
    SELECT acct, uid, p.id, 'tier4' FROM permissions.performers p WHERE p.account_id = acct;
    EXECUTE format('CREATE ROLE %I LOGIN', rp || 'heavy_reader');
    UPDATE permissions.users SET db_role = (rp || 'heavy_reader')::regrole WHERE id = uid;
    INSERT INTO bench_cc.clients (client_id, shape, shape_name, role, uid, acct, heavy_first, heavy_last)
    VALUES (-1, 5, 'heavy', rp || 'heavy_reader', uid, acct, first_p, last_p);
END
$$;

-- churn tenants
DO $$
DECLARE
    rp text := current_setting('bench.rp');
    tenants int := current_setting('bench.churn_tenants')::int;
    ti int;
    top bigint;
    sub bigint;
    mgr bigint;
    ki int;
    ji int;
    mi int;
    new_id bigint;
    g bigint;
    team bigint;
    side text;
BEGIN
    FOR ti IN 1 .. tenants LOOP
        INSERT INTO permissions.accounts (name) VALUES (format('Churn %s', ti)) RETURNING id INTO top;
        INSERT INTO permissions.accounts (name, parent_id) VALUES (format('Churn %s North', ti), top) RETURNING id INTO sub;
        INSERT INTO bench_cc.churn_accounts VALUES (ti, top, sub);
        INSERT INTO permissions.users (account_id, username, role)
        VALUES (top, format('churn%s_manager', ti), 'manager') RETURNING id INTO mgr;
        -- users 1-10 in the tenant, 11-15 in its sub-account
        FOR ki IN 1 .. 15 LOOP
            INSERT INTO permissions.users (account_id, username, email, access)
            VALUES (CASE WHEN ki <= 10 THEN top ELSE sub END, format('churn%s_user%s', ti, ki),
                    format('churn%s_user%s@example.org', ti, ki), 'none')
            RETURNING id INTO new_id;
            INSERT INTO bench_cc.churn_users VALUES (ti, ki, new_id, CASE WHEN ki <= 10 THEN top ELSE sub END);
        END LOOP;
        -- performers 1-40 in the tenant, 41-60 in its sub-account
        FOR ji IN 1 .. 60 LOOP
            INSERT INTO permissions.performers (account_id, first_name, last_name)
            VALUES (CASE WHEN ji <= 40 THEN top ELSE sub END, format('C%s', ji), format('Churn%s', ti))
            RETURNING id INTO new_id;
            INSERT INTO bench_cc.churn_perfs VALUES (ti, ji, new_id, CASE WHEN ji <= 40 THEN top ELSE sub END);
        END LOOP;
        -- four groups of ten performers of the tenant; two teams of five
        -- users, with grants on the first two groups
        FOR mi IN 1 .. 4 LOOP
            INSERT INTO permissions.groups (account_id, name) VALUES (top, format('Group %s', mi)) RETURNING id INTO g;
            INSERT INTO permissions.group_members (group_id, performer_id, account_id)
            SELECT g, p.id, p.account_id FROM bench_cc.churn_perfs p
             WHERE p.t = ti AND p.j BETWEEN (mi - 1) * 10 + 1 AND mi * 10;
            IF mi <= 2 THEN
                INSERT INTO permissions.teams (account_id, name) VALUES (top, format('Team %s', mi)) RETURNING id INTO team;
                INSERT INTO bench_cc.churn_teams VALUES (ti, mi, team, top);
                INSERT INTO permissions.team_members (team_id, user_id, account_id)
                SELECT team, u.id, u.account_id FROM bench_cc.churn_users u
                 WHERE u.t = ti AND u.k BETWEEN (mi - 1) * 5 + 1 AND mi * 5;
                INSERT INTO permissions.access_grants (account_id, team_id, group_id, tier)
                VALUES (top, team, g, CASE WHEN mi = 1 THEN 'tier3' ELSE 'tier4' END::permissions.tier);
            END IF;
        END LOOP;
        -- direct grants: user k on performers k and k + 20
        INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier)
        SELECT p.account_id, u.id, p.id, 'tier3'
          FROM bench_cc.churn_users u JOIN bench_cc.churn_perfs p ON p.t = u.t AND p.j IN (u.k, u.k + 20)
         WHERE u.t = ti AND u.k <= 10;
        -- the managers of the first two churn tenants are the sides of the wait test
        IF ti <= 2 THEN
            side := CASE ti WHEN 1 THEN 'a' ELSE 'b' END;
            EXECUTE format('CREATE ROLE %I LOGIN', rp || 'wait_' || side);
            UPDATE permissions.users SET db_role = (rp || 'wait_' || side)::regrole WHERE id = mgr;
            INSERT INTO bench_cc.wait_sides
            SELECT side, rp || 'wait_' || side, top, u.id, p.id
              FROM bench_cc.churn_users u, bench_cc.churn_perfs p
             WHERE u.t = ti AND u.k = 3 AND p.t = ti AND p.j = 35;
        END IF;
    END LOOP;
    EXECUTE format('CREATE ROLE %I LOGIN', rp || 'unmapped');
END
$$;

-- check tenants
DO $$
DECLARE
    rp text := current_setting('bench.rp');
    checkers int := current_setting('bench.checkers')::int;
    ci int;
    acct bigint;
    uid bigint;
    pin bigint;
    p bigint[] := '{}';
    ch bigint[] := '{}';
    new_id bigint;
    g1 bigint;
    g2 bigint;
    team bigint;
    tg bigint;
    n int;
    sub bigint;
    sub_pin bigint;
    p5 bigint;
    chart5 bigint;
BEGIN
    FOR ci IN 1 .. checkers LOOP
        INSERT INTO permissions.accounts (name) VALUES (format('Check %s', ci)) RETURNING id INTO acct;
        INSERT INTO permissions.users (account_id, username, role)
        VALUES (acct, format('check%s_manager', ci), 'manager');
        INSERT INTO permissions.users (account_id, username, access)
        VALUES (acct, format('check%s_watched', ci), 'none') RETURNING id INTO uid;
        EXECUTE format('CREATE ROLE %I LOGIN', rp || 'w' || ci);
        UPDATE permissions.users SET db_role = (rp || 'w' || ci)::regrole WHERE id = uid;
        INSERT INTO permissions.pinpoints (account_id, name) VALUES (acct, 'Check pinpoint') RETURNING id INTO pin;
        p := '{}';
        ch := '{}';
        FOR n IN 1 .. 4 LOOP
            INSERT INTO permissions.performers (account_id, first_name, last_name)
            VALUES (acct, format('W%s', n), format('Check%s', ci)) RETURNING id INTO new_id;
            p := p || new_id;
            INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, title)
            VALUES (acct, new_id, pin, 'check chart') RETURNING id INTO new_id;
            ch := ch || new_id;
        END LOOP;
        INSERT INTO permissions.groups (account_id, name) VALUES (acct, 'Team group') RETURNING id INTO g1;
        INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (g1, p[2], acct);
        INSERT INTO permissions.teams (account_id, name) VALUES (acct, 'Watched team') RETURNING id INTO team;
        INSERT INTO permissions.access_grants (account_id, team_id, group_id, tier)
        VALUES (acct, team, g1, 'tier3') RETURNING id INTO tg;
        INSERT INTO permissions.groups (account_id, name) VALUES (acct, 'Direct group') RETURNING id INTO g2;
        INSERT INTO permissions.access_grants (account_id, user_id, group_id, tier) VALUES (acct, uid, g2, 'tier2');
        INSERT INTO permissions.accounts (name, parent_id) VALUES (format('Check %s North', ci), acct) RETURNING id INTO sub;
        INSERT INTO permissions.pinpoints (account_id, name) VALUES (sub, 'Check pinpoint') RETURNING id INTO sub_pin;
        INSERT INTO permissions.performers (account_id, first_name, last_name)
        VALUES (sub, 'W5', format('Check%s', ci)) RETURNING id INTO p5;
        INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, title)
        VALUES (sub, p5, sub_pin, 'check chart') RETURNING id INTO chart5;
        INSERT INTO bench_cc.check_tenants
        VALUES (ci, rp || 'w' || ci, acct, uid, p[1], p[2], p[3], p[4], ch[1], ch[2], ch[3], ch[4], team, tg, g2,
                sub, p5, chart5);
    END LOOP;
END
$$;

-- soak tenants
CREATE TABLE bench_cc.soak_tenants (s int PRIMARY KEY, top bigint NOT NULL, sub bigint NOT NULL);
CREATE TABLE bench_cc.soak_users (s int, kind text, id bigint NOT NULL, role text NOT NULL, PRIMARY KEY (s, kind));
CREATE TABLE bench_cc.soak_perfs (s int, j int, id bigint NOT NULL, chart bigint NOT NULL, PRIMARY KEY (s, j));
CREATE TABLE bench_cc.soak_sets (s int, name text, id bigint NOT NULL, PRIMARY KEY (s, name));
DO $$
DECLARE
    rp text := current_setting('bench.rp');
    tenants int := current_setting('bench.soak_tenants')::int;
    si int;
    top bigint;
    sub bigint;
    pin_top bigint;
    pin_sub bigint;
    kind text;
    uid bigint;
    rname text;
    ji int;
    acct bigint;
    pid bigint;
    chart bigint;
    g1 bigint;
    g2 bigint;
    t1 bigint;
    t2 bigint;
BEGIN
    FOR si IN 1 .. tenants LOOP
        INSERT INTO permissions.accounts (name) VALUES (format('Soak %s', si)) RETURNING id INTO top;
        INSERT INTO permissions.accounts (name, parent_id) VALUES (format('Soak %s North', si), top) RETURNING id INTO sub;
        INSERT INTO bench_cc.soak_tenants VALUES (si, top, sub);
        FOREACH kind IN ARRAY ARRAY['mgr', 'u1', 'u2', 'u3', 'u4', 'ro', 'sp'] LOOP
            rname := rp || 's' || si || '_' || kind;
            EXECUTE format('CREATE ROLE %I LOGIN', rname);
            INSERT INTO permissions.users (account_id, username, email, role, user_type, access, db_role)
            VALUES (top, format('soak%s_%s', si, kind), format('soak%s_%s@example.org', si, kind),
                    CASE kind WHEN 'mgr' THEN 'manager' ELSE 'user' END::permissions.role,
                    CASE kind WHEN 'ro' THEN 'read_only' WHEN 'sp' THEN 'single_performer'
                              ELSE 'full_access' END::permissions.user_type,
                    CASE kind WHEN 'u4' THEN 'tier4' ELSE 'none' END::permissions.tier, rname::regrole)
            RETURNING id INTO uid;
            INSERT INTO bench_cc.soak_users VALUES (si, kind, uid, rname);
        END LOOP;
        INSERT INTO permissions.pinpoints (account_id, name) VALUES (top, 'Soak pinpoint') RETURNING id INTO pin_top;
        INSERT INTO permissions.pinpoints (account_id, name) VALUES (sub, 'Soak pinpoint') RETURNING id INTO pin_sub;
        FOR ji IN 1 .. 10 LOOP
            acct := CASE WHEN ji <= 8 THEN top ELSE sub END;
            INSERT INTO permissions.performers (account_id, first_name, last_name)
            VALUES (acct, format('S%s', ji), format('Soak%s', si)) RETURNING id INTO pid;
            INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, title)
            VALUES (acct, pid, CASE WHEN ji <= 8 THEN pin_top ELSE pin_sub END, 'soak chart') RETURNING id INTO chart;
            INSERT INTO bench_cc.soak_perfs VALUES (si, ji, pid, chart);
        END LOOP;
        INSERT INTO permissions.groups (account_id, name) VALUES (top, 'Soak group 1') RETURNING id INTO g1;
        INSERT INTO permissions.groups (account_id, name) VALUES (top, 'Soak group 2') RETURNING id INTO g2;
        INSERT INTO permissions.group_members (group_id, performer_id, account_id)
        SELECT CASE WHEN p.j <= 3 THEN g1 ELSE g2 END, p.id, top FROM bench_cc.soak_perfs p
         WHERE p.s = si AND p.j <= 5;
        INSERT INTO permissions.teams (account_id, name) VALUES (top, 'Soak team 1') RETURNING id INTO t1;
        INSERT INTO permissions.teams (account_id, name) VALUES (top, 'Soak team 2') RETURNING id INTO t2;
        INSERT INTO permissions.team_members (team_id, user_id, account_id)
        SELECT CASE WHEN u.kind IN ('u1', 'u2') THEN t1 ELSE t2 END, u.id, top FROM bench_cc.soak_users u
         WHERE u.s = si AND u.kind IN ('u1', 'u2', 'u3', 'u4');
        INSERT INTO bench_cc.soak_sets VALUES (si, 'g1', g1), (si, 'g2', g2), (si, 't1', t1), (si, 't2', t2);
        INSERT INTO permissions.access_grants (account_id, team_id, group_id, tier) VALUES (top, t1, g1, 'tier3');
        INSERT INTO permissions.access_grants (account_id, team_id, performer_id, tier)
        SELECT top, t2, p.id, 'tier4' FROM bench_cc.soak_perfs p WHERE p.s = si AND p.j = 7;
        INSERT INTO permissions.access_grants (account_id, user_id, group_id, tier)
        SELECT top, u.id, g2, 'tier2' FROM bench_cc.soak_users u WHERE u.s = si AND u.kind = 'u2';
        INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier)
        SELECT CASE WHEN p.j <= 8 THEN top ELSE sub END, u.id, p.id, 'tier3'
          FROM bench_cc.soak_users u JOIN bench_cc.soak_perfs p ON p.s = u.s
         WHERE u.s = si AND (u.kind, p.j) IN (('u1', 1), ('ro', 2), ('sp', 3), ('u3', 9));
    END LOOP;
END
$$;

GRANT SELECT ON ALL TABLES IN SCHEMA bench_cc TO PUBLIC;
VACUUM (ANALYZE) permissions.accounts, permissions.users, permissions.performers, permissions.groups,
    permissions.group_members, permissions.teams, permissions.team_members, permissions.access_grants,
    permissions.charts, permissions.pinpoints;
