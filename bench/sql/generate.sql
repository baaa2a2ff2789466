-- bench/sql/generate.sql
--	  Generates the benchmark data set in the extension's tables, as a
--	  superuser.  psql variables: accounts (number of accounts), meas_per_chart,
--	  heavy_grants, and the role prefix rp.  Every account has the same shape,
--	  so what one user sees does not change with the scale; only the rows the
--	  user cannot see grow:
--
--	    10 users: a manager, a supervisor (full_access, wildcard tier2), an
--	       auditor (read_only, wildcard tier4), four therapists (no wildcard;
--	       reach performers through team grants on groups and a few direct
--	       grants), three parents (single_performer, one direct tier4 grant)
--	    100 performers in 10 groups of 10, 2 teams of 2 therapists
--	    20 pinpoints, 10 charts per performer, meas_per_chart measurements per
--	       chart (weekly), 5 journals per performer, 3 journal types
--
--	  Every fifth account is a sub-account of the one before it.  One extra
--	  user ("heavy") holds heavy_grants direct tier4 grants, spread over all
--	  performers; a "pool" account supplies performers without chart data
--	  when there are fewer performers than that.
--
--	  Chart data is laid out per account, in date order within the account
--	  (what a tenant-clustered table looks like), so a chart's measurements
--	  are spread over many pages but an account's rows are together.
--	  Triggers and foreign keys stay on for everything that decides access;
--	  chart data (charts, measurements, journals) is bulk-loaded with
--	  session_replication_role = replica, then the access epochs are moved.

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT set_config('bench.accounts', :'accounts', false),
       set_config('bench.meas_per_chart', :'meas_per_chart', false),
       set_config('bench.heavy_grants', :'heavy_grants', false),
       set_config('bench.rp', :'rp', false) \gset

-- accounts: every fifth is a sub-account of the previous one
INSERT INTO permissions.accounts (id, parent_id, name, plan)
SELECT i, CASE WHEN i % 5 = 0 THEN i - 1 END, format('Account %s', i),
       CASE WHEN i % 3 = 0 THEN 'premium' ELSE 'standard' END
  FROM generate_series(1, :accounts) i;
SELECT setval(pg_get_serial_sequence('permissions.accounts', 'id'), :accounts);

-- users: 10 per account; ids are (account - 1) * 10 + slot
INSERT INTO permissions.users (id, account_id, username, email, first_name, last_name,
                               role, user_type, permissions, access)
SELECT (a - 1) * 10 + s, a,
       format('a%s_%s', a, r.name), format('a%s_%s@example.org', a, r.name),
       initcap(r.name), format('Account%s', a),
       r.role::permissions.role, r.user_type::permissions.user_type,
       r.perms::permissions.permset, r.access::permissions.tier
  FROM generate_series(1, :accounts) a
 CROSS JOIN (VALUES
        (1, 'manager', 'manager', 'full_access', '{}', 'none'),
        (2, 'supervisor', 'user', 'full_access', '{view_reporting,create_groups}', 'tier2'),
        (3, 'auditor', 'user', 'read_only', '{}', 'tier4'),
        (4, 'therapist1', 'user', 'full_access', '{}', 'none'),
        (5, 'therapist2', 'user', 'full_access', '{}', 'none'),
        (6, 'therapist3', 'user', 'full_access', '{}', 'none'),
        (7, 'therapist4', 'user', 'full_access', '{view_reporting}', 'none'),
        (8, 'parent1', 'user', 'single_performer', '{}', 'none'),
        (9, 'parent2', 'user', 'single_performer', '{}', 'none'),
        (10, 'parent3', 'user', 'single_performer', '{}', 'none'))
       AS r(s, name, role, user_type, perms, access)
 ORDER BY 1;

-- performers: 100 per account; ids are (account - 1) * 100 + n
INSERT INTO permissions.performers (id, account_id, first_name, last_name, birth_date, external_id)
SELECT (a - 1) * 100 + n, a, format('P%s', n), format('Account%s', a),
       date '2010-01-01' + ((a * 100 + n) * 37) % 3000, format('EXT-%s-%s', a, n)
  FROM generate_series(1, :accounts) a, generate_series(1, 100) n
 ORDER BY 1;

-- groups: 10 per account, group g holds performers 10(g-1)+1 .. 10g
INSERT INTO permissions.groups (id, account_id, name)
SELECT (a - 1) * 10 + g, a, format('Group %s', g)
  FROM generate_series(1, :accounts) a, generate_series(1, 10) g
 ORDER BY 1;
INSERT INTO permissions.group_members (group_id, performer_id, account_id)
SELECT (a - 1) * 10 + g, (a - 1) * 100 + (g - 1) * 10 + m, a
  FROM generate_series(1, :accounts) a, generate_series(1, 10) g, generate_series(1, 10) m;

-- teams: team 1 = therapists 1 and 2, team 2 = therapists 3 and 4
INSERT INTO permissions.teams (id, account_id, name)
SELECT (a - 1) * 2 + t, a, format('Team %s', t)
  FROM generate_series(1, :accounts) a, generate_series(1, 2) t
 ORDER BY 1;
INSERT INTO permissions.team_members (team_id, user_id, account_id)
SELECT (a - 1) * 2 + t, (a - 1) * 10 + 3 + (t - 1) * 2 + m, a
  FROM generate_series(1, :accounts) a, generate_series(1, 2) t, generate_series(1, 2) m;

-- grants: team 1 tier3 on groups 1 and 2 and tier4 on group 5 (expiring);
-- team 2 tier3 on groups 3 and 4; therapist 1 tier2 on two performers of
-- group 9, therapist 3 an expired grant on one; parents tier4 on one each
INSERT INTO permissions.access_grants (account_id, team_id, group_id, tier, expires_at)
SELECT a, (a - 1) * 2 + x.t, (a - 1) * 10 + x.g, x.tier::permissions.tier, x.expires
  FROM generate_series(1, :accounts) a
 CROSS JOIN (VALUES (1, 1, 'tier3', NULL::timestamptz), (1, 2, 'tier3', NULL),
                    (1, 5, 'tier4', now() + interval '1 year'),
                    (2, 3, 'tier3', NULL), (2, 4, 'tier3', NULL)) AS x(t, g, tier, expires);
INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier, expires_at)
SELECT a, (a - 1) * 10 + x.u, (a - 1) * 100 + x.p, x.tier::permissions.tier, x.expires
  FROM generate_series(1, :accounts) a
 CROSS JOIN (VALUES (4, 81, 'tier2', NULL::timestamptz), (4, 82, 'tier2', NULL),
                    (6, 83, 'tier3', now() + interval '1 day'),
                    (8, 11, 'tier4', NULL), (9, 31, 'tier4', NULL),
                    (10, 61, 'tier4', NULL)) AS x(u, p, tier, expires);
-- one of them has expired (a grant cannot be made expired: it is ended early)
UPDATE permissions.access_grants g SET expires_at = now() - interval '1 day'
  FROM generate_series(1, :accounts) a
 WHERE g.user_id = (a - 1) * 10 + 6 AND g.performer_id = (a - 1) * 100 + 83;

-- the heavy user, and the pool account that supplies performers for its grants
DO $$
DECLARE
    accounts int := current_setting('bench.accounts')::int;
    heavy int := current_setting('bench.heavy_grants')::int;
    missing int := greatest(0, heavy - accounts * 100);
    pool bigint := accounts + 1;
BEGIN
    INSERT INTO permissions.accounts (id, name) VALUES (pool, 'Pool');
    INSERT INTO permissions.users (id, account_id, username, role, access)
    VALUES (accounts * 10 + 1, pool, 'pool_manager', 'manager', 'none'),
           (accounts * 10 + 2, pool, 'heavy', 'user', 'none');
    INSERT INTO permissions.performers (id, account_id, first_name, last_name)
    SELECT accounts * 100 + n, pool, format('P%s', n), 'Pool'
      FROM generate_series(1, missing) n;
    INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier)
    SELECT p.account_id, accounts * 10 + 2, p.id, 'tier4'
      FROM permissions.performers p
     ORDER BY p.id
     LIMIT heavy;
    PERFORM setval(pg_get_serial_sequence('permissions.accounts', 'id'), pool);
    PERFORM setval(pg_get_serial_sequence('permissions.users', 'id'), accounts * 10 + 2);
    PERFORM setval(pg_get_serial_sequence('permissions.performers', 'id'),
                   accounts * 100 + missing);
END
$$;
SELECT setval(pg_get_serial_sequence('permissions.groups', 'id'), :accounts * 10);
SELECT setval(pg_get_serial_sequence('permissions.teams', 'id'), :accounts * 2);

-- libraries
INSERT INTO permissions.pinpoints (id, account_id, name, measurement_type)
SELECT (a - 1) * 20 + k, a, format('Pinpoint %s', k),
       (ARRAY['count', 'duration', 'percent', 'rate'])[1 + k % 4]
  FROM generate_series(1, :accounts) a, generate_series(1, 20) k
 ORDER BY 1;
SELECT setval(pg_get_serial_sequence('permissions.pinpoints', 'id'), :accounts * 20);
INSERT INTO permissions.journal_types (id, account_id, name)
SELECT (a - 1) * 3 + k, a, (ARRAY['Session', 'Incident', 'Progress'])[k]
  FROM generate_series(1, :accounts) a, generate_series(1, 3) k
 ORDER BY 1;
SELECT setval(pg_get_serial_sequence('permissions.journal_types', 'id'), :accounts * 3);

-- chart data, bulk-loaded account by account
SET session_replication_role = replica;
DO $$
DECLARE
    accounts int := current_setting('bench.accounts')::int;
    mpc int := current_setting('bench.meas_per_chart')::int;
    a int;
BEGIN
    FOR a IN 1 .. accounts LOOP
        -- charts: 10 per performer; ids are (performer - 1) * 10 + k
        INSERT INTO permissions.charts (id, account_id, performer_id, pinpoint_id, title, created_by)
        SELECT (p - 1) * 10 + k, a, p, (a - 1) * 20 + 1 + (p + k) % 20,
               format('Chart %s of performer %s', k, p), (a - 1) * 10 + 4
          FROM generate_series((a - 1) * 100 + 1, a * 100) p, generate_series(1, 10) k
         ORDER BY 1;
        -- measurements: weekly, in date order within the account
        INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on,
                                              count, errors, counting_time, created_by)
        SELECT a, (c - 1) / 10 + 1, c, date '2023-01-02' + w * 7 + c % 7,
               abs(hashint8(c * 1000 + w)) % 120, abs(hashint8(c * 1000 + w + 7)) % 10,
               interval '1 minute' * (1 + c % 3), (a - 1) * 10 + 4 + c % 4
          FROM generate_series(0, mpc - 1) w,
               generate_series(((a - 1) * 100) * 10 + 1, a * 100 * 10) c
         ORDER BY w, c;
        -- journals: 5 per performer over two years
        INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, entry_date,
                                          body, created_by)
        SELECT a, p, (a - 1) * 3 + 1 + (p + j) % 3, date '2023-01-01' + (p * 7 + j * 131) % 730,
               format('Entry %s about performer %s: session went %s.', j, p,
                      (ARRAY['well', 'as planned', 'slowly', 'better than last week'])[1 + (p + j) % 4]),
               (a - 1) * 10 + CASE WHEN j % 2 = 0 THEN 2 ELSE 4 + j % 4 END
          FROM generate_series((a - 1) * 100 + 1, a * 100) p, generate_series(1, 5) j
         ORDER BY 4, 2;
    END LOOP;
END
$$;
RESET session_replication_role;
SELECT setval(pg_get_serial_sequence('permissions.charts', 'id'), :accounts * 1000);
-- move the access epochs after the bulk load: 1.0 keeps one for the whole
-- database, 1.1 one per tenant
DO $$
BEGIN
    IF to_regclass('permissions.tenant_epochs') IS NOT NULL THEN
        EXECUTE 'UPDATE permissions.tenant_epochs SET epoch = nextval(''permissions.access_epoch_seq'')';
    ELSE
        EXECUTE 'UPDATE permissions.access_epoch SET epoch = nextval(''permissions.access_epoch_seq'')';
    END IF;
END
$$;

-- the login roles of the users the benchmark acts as (account 1)
DO $$
DECLARE
    rp text := current_setting('bench.rp');
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES ('parent', 'a1_parent1'), ('therapist', 'a1_therapist1'),
                                   ('auditor', 'a1_auditor'), ('supervisor', 'a1_supervisor'),
                                   ('heavy', 'heavy')) AS v(role, username)
    LOOP
        EXECUTE format('CREATE ROLE %I NOLOGIN', rp || r.role);
        UPDATE permissions.users SET db_role = (rp || r.role)::regrole
         WHERE username = r.username;
    END LOOP;
END
$$;

VACUUM (ANALYZE) permissions.accounts, permissions.users, permissions.performers,
    permissions.groups, permissions.group_members, permissions.teams, permissions.team_members,
    permissions.access_grants, permissions.pinpoints, permissions.journal_types,
    permissions.charts, permissions.measurements, permissions.journals;
