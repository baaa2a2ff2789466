-- bench/sql/queries.sql
--	  The benchmark queries, each in its four variants.  Ids come from the
--	  generated data (account 1's users), never from constants.  psql
--	  variables: rp (role prefix), heavy_grants.
--
--	  (a) the query as the application sends it, as the user, through RLS;
--	  (b) what the application would write by hand without RLS, with the
--	      user's filter spelled out: constants the application knows from its
--	      session (the user's account, a parent's one performer), and the
--	      grant tables joined where it does not (a therapist's caseload);
--	  (c), (d) the query of (a) on the copies with SQL-only policies;
--	  (e), (f) the query of (a) on the copies whose policies read a
--	  precomputed reach table (variants.sql).

\set ON_ERROR_STOP on
SET client_min_messages = warning;

SELECT u.id AS parent_uid, g.performer_id AS parent_perf,
       (SELECT min(c.id) + 4 FROM permissions.charts c WHERE c.performer_id = g.performer_id) AS parent_chart
  FROM permissions.users u JOIN permissions.access_grants g ON g.user_id = u.id
 WHERE u.username = 'a1_parent1' \gset
SELECT id AS ther_uid, account_id AS ther_acct FROM permissions.users WHERE username = 'a1_therapist1' \gset
SELECT gm.performer_id AS ins_perf, (SELECT min(c.id) + 2 FROM permissions.charts c WHERE c.performer_id = gm.performer_id) AS ins_chart
  FROM permissions.team_members tm
  JOIN permissions.access_grants g ON g.team_id = tm.team_id AND g.tier OPERATOR(permissions.>=) 'tier3'
  JOIN permissions.group_members gm ON gm.group_id = g.group_id
 WHERE tm.user_id = :ther_uid
 ORDER BY 1 LIMIT 1 \gset
SELECT account_id AS aud_acct FROM permissions.users WHERE username = 'a1_auditor' \gset
SELECT account_id AS sup_acct FROM permissions.users WHERE username = 'a1_supervisor' \gset
SELECT id AS heavy_uid FROM permissions.users WHERE username = 'heavy' \gset
-- a chart of account 1 that the supervisor and the auditor reach through their wildcard
SELECT p.id AS sup_perf, (SELECT min(c.id) FROM permissions.charts c WHERE c.performer_id = p.id) AS sup_chart
  FROM permissions.performers p WHERE p.account_id = :sup_acct ORDER BY p.id OFFSET 49 LIMIT 1 \gset

-- what a user reaches through grants, written by hand over the grant tables
SELECT format($q$
    SELECT g.performer_id FROM permissions.access_grants g
     WHERE g.user_id = %1$s AND g.performer_id IS NOT NULL AND (g.expires_at IS NULL OR g.expires_at > now())
    UNION ALL
    SELECT gm.performer_id FROM permissions.access_grants g
      JOIN permissions.group_members gm ON gm.group_id = g.group_id
     WHERE g.user_id = %1$s AND (g.expires_at IS NULL OR g.expires_at > now())
    UNION ALL
    SELECT g.performer_id FROM permissions.team_members tm
      JOIN permissions.access_grants g ON g.team_id = tm.team_id
     WHERE tm.user_id = %1$s AND g.performer_id IS NOT NULL AND (g.expires_at IS NULL OR g.expires_at > now())
    UNION ALL
    SELECT gm.performer_id FROM permissions.team_members tm
      JOIN permissions.access_grants g ON g.team_id = tm.team_id
      JOIN permissions.group_members gm ON gm.group_id = g.group_id
     WHERE tm.user_id = %1$s AND (g.expires_at IS NULL OR g.expires_at > now())$q$, :ther_uid) AS ther_reach,
       format($q$
    SELECT g.performer_id FROM permissions.access_grants g
     WHERE g.user_id = %1$s AND g.performer_id IS NOT NULL AND (g.expires_at IS NULL OR g.expires_at > now())
    UNION ALL
    SELECT gm.performer_id FROM permissions.access_grants g
      JOIN permissions.group_members gm ON gm.group_id = g.group_id
     WHERE g.user_id = %1$s AND (g.expires_at IS NULL OR g.expires_at > now())
    UNION ALL
    SELECT g.performer_id FROM permissions.team_members tm
      JOIN permissions.access_grants g ON g.team_id = tm.team_id
     WHERE tm.user_id = %1$s AND g.performer_id IS NOT NULL AND (g.expires_at IS NULL OR g.expires_at > now())
    UNION ALL
    SELECT gm.performer_id FROM permissions.team_members tm
      JOIN permissions.access_grants g ON g.team_id = tm.team_id
      JOIN permissions.group_members gm ON gm.group_id = g.group_id
     WHERE tm.user_id = %1$s AND (g.expires_at IS NULL OR g.expires_at > now())$q$, :heavy_uid) AS heavy_reach \gset
SELECT replace(:'ther_reach', 'user_id = ' || :ther_uid, 'user_id = $1::bigint') AS ther_reach_p,
       replace(:'heavy_reach', 'user_id = ' || :heavy_uid, 'user_id = $1::bigint') AS heavy_reach_p \gset

SELECT jsonb_build_object('parent_chart', :parent_chart, 'parent_perf', :parent_perf,
                          'sup_perf', :sup_perf, 'sup_chart', :sup_chart, 'ther_uid', :ther_uid,
                          'heavy_uid', :heavy_uid,
                          'ther_acct', :ther_acct, 'ins_perf', :ins_perf, 'ins_chart', :ins_chart,
                          'aud_acct', :aud_acct, 'sup_acct', :sup_acct,
                          'heavy_grants', :'heavy_grants') AS vars \gset

-- fills {name} placeholders from vars
CREATE FUNCTION pg_temp.fill(t text, vars jsonb)
RETURNS text
LANGUAGE plpgsql
AS $$
DECLARE
    k text;
    v text;
BEGIN
    FOR k, v IN SELECT * FROM jsonb_each_text(vars) LOOP
        t := replace(t, '{' || k || '}', v);
    END LOOP;
    RETURN t;
END
$$;

CREATE TEMP TABLE q (ord int, qname text, who text, role text, target text, restricted boolean,
                     is_write boolean, ret_cols text, a text, b text, c text, d text);

INSERT INTO q VALUES
(1, 'parent_chart', 'parent (single_performer, one direct grant)', 'parent', 'measurements', true, false, NULL,
 $q$SELECT id, measured_on, count, errors FROM {s}.measurements WHERE chart_id = {parent_chart} ORDER BY measured_on$q$,
 $q$SELECT id, measured_on, count, errors FROM permissions.measurements WHERE chart_id = {parent_chart} AND performer_id = {parent_perf} ORDER BY measured_on$q$,
 NULL, NULL),
(2, 'therapist_caseload', 'therapist (team grant on groups)', 'therapist', 'performers', true, false, NULL,
 $q$SELECT id, first_name, last_name, birth_date FROM {s}.performers ORDER BY last_name, first_name, id$q$,
 format($q$SELECT p.id, p.first_name, p.last_name, p.birth_date FROM permissions.performers p WHERE p.id IN (%s) ORDER BY p.last_name, p.first_name, p.id$q$, :'ther_reach'),
 NULL, NULL),
(3, 'auditor_aggregate', 'auditor (read_only, wildcard tier4)', 'auditor', 'measurements', false, false, NULL,
 $q$SELECT date_trunc('month', measured_on)::date AS month, count(*) AS n, round(avg(count), 2) AS avg_count FROM {s}.measurements GROUP BY 1 ORDER BY 1$q$,
 $q$SELECT date_trunc('month', measured_on)::date AS month, count(*) AS n, round(avg(count), 2) AS avg_count FROM permissions.measurements WHERE account_id = {aud_acct} GROUP BY 1 ORDER BY 1$q$,
 NULL, NULL),
(4, 'supervisor_journals', 'supervisor (wildcard tier2)', 'supervisor', 'journals', false, false, NULL,
 $q$SELECT id, performer_id, entry_date, body FROM {s}.journals WHERE entry_date >= date '2024-07-01' ORDER BY entry_date DESC, id DESC$q$,
 $q$SELECT id, performer_id, entry_date, body FROM permissions.journals WHERE account_id = {sup_acct} AND entry_date >= date '2024-07-01' ORDER BY entry_date DESC, id DESC$q$,
 NULL, NULL),
(5, 'batch_insert', 'therapist (tier3 through the team)', 'therapist', NULL, true, true,
 'account_id, performer_id, chart_id, measured_on, count, errors',
 $q$INSERT INTO {s}.measurements (account_id, performer_id, chart_id, measured_on, count, errors) SELECT {ther_acct}, {ins_perf}, {ins_chart}, date '2025-01-01' + g % 365, g % 100, 0 FROM generate_series(1, 1000) g$q$,
 $q$INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count, errors) SELECT {ther_acct}, {ins_perf}, {ins_chart}, date '2025-01-01' + g % 365, g % 100, 0 FROM generate_series(1, 1000) g$q$,
 NULL, NULL),
(6, 'accessible_performers', 'user with {heavy_grants} direct grants', 'heavy', NULL, true, false, NULL,
 $q$SELECT * FROM permissions.accessible_performers('view')$q$,
 format($q$SELECT DISTINCT performer_id FROM (%s) s ORDER BY 1$q$, :'heavy_reach'),
 $q$SELECT id FROM bench_textbook.performers ORDER BY id$q$,
 $q$SELECT id FROM bench_best.performers ORDER BY id$q$);

INSERT INTO bench.queries (ord, qname, who, variant, role, target, sql, is_write, ret_cols, restricted)
SELECT ord, qname, pg_temp.fill(who, :'vars'), v.variant,
       CASE WHEN v.variant = 'b' THEN NULL ELSE :'rp' || role END,
       target,
       pg_temp.fill(CASE v.variant
                        WHEN 'a' THEN replace(a, '{s}', 'permissions')
                        WHEN 'b' THEN b
                        WHEN 'c' THEN coalesce(c, replace(a, '{s}', 'bench_textbook'))
                        WHEN 'd' THEN coalesce(d, replace(a, '{s}', 'bench_best'))
                        WHEN 'e' THEN coalesce(replace(c, 'bench_textbook', 'bench_reach'), replace(a, '{s}', 'bench_reach'))
                        ELSE coalesce(replace(c, 'bench_textbook', 'bench_definer'), replace(a, '{s}', 'bench_definer')) END, :'vars'),
       is_write, ret_cols, restricted
  FROM q CROSS JOIN (VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f')) AS v(variant);

-- Generic plans: each query of (a) and (b) with parameters instead of the
-- values an application passes ({values} lists them for the designated
-- user), and the users of other shapes who execute the same prepared
-- statement (a) with their own values.
CREATE TEMP TABLE gq (qname text, ga text, pa text, gb text, pb text);
INSERT INTO gq VALUES
('parent_chart',
 $q$SELECT id, measured_on, count, errors FROM permissions.measurements WHERE chart_id = $1::bigint ORDER BY measured_on$q$,
 '{{parent_chart}}',
 $q$SELECT id, measured_on, count, errors FROM permissions.measurements WHERE chart_id = $1::bigint AND performer_id = $2::bigint ORDER BY measured_on$q$,
 '{{parent_chart},{parent_perf}}'),
('therapist_caseload',
 $q$SELECT id, first_name, last_name, birth_date FROM permissions.performers ORDER BY last_name, first_name, id$q$,
 '{}',
 format($q$SELECT p.id, p.first_name, p.last_name, p.birth_date FROM permissions.performers p WHERE p.id IN (%s) ORDER BY p.last_name, p.first_name, p.id$q$, :'ther_reach_p'),
 '{{ther_uid}}'),
('auditor_aggregate',
 $q$SELECT date_trunc('month', measured_on)::date AS month, count(*) AS n, round(avg(count), 2) AS avg_count FROM permissions.measurements GROUP BY 1 ORDER BY 1$q$,
 '{}',
 $q$SELECT date_trunc('month', measured_on)::date AS month, count(*) AS n, round(avg(count), 2) AS avg_count FROM permissions.measurements WHERE account_id = $1::bigint GROUP BY 1 ORDER BY 1$q$,
 '{{aud_acct}}'),
('supervisor_journals',
 $q$SELECT id, performer_id, entry_date, body FROM permissions.journals WHERE entry_date >= $1::date ORDER BY entry_date DESC, id DESC$q$,
 '{2024-07-01}',
 $q$SELECT id, performer_id, entry_date, body FROM permissions.journals WHERE account_id = $1::bigint AND entry_date >= $2::date ORDER BY entry_date DESC, id DESC$q$,
 '{{sup_acct},2024-07-01}'),
('batch_insert',
 $q$INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count, errors) SELECT $1::bigint, $2::bigint, $3::bigint, date '2025-01-01' + g % 365, g % 100, 0 FROM generate_series(1, 1000) g$q$,
 '{{ther_acct},{ins_perf},{ins_chart}}',
 $q$INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count, errors) SELECT $1::bigint, $2::bigint, $3::bigint, date '2025-01-01' + g % 365, g % 100, 0 FROM generate_series(1, 1000) g$q$,
 '{{ther_acct},{ins_perf},{ins_chart}}'),
('accessible_performers',
 $q$SELECT * FROM permissions.accessible_performers('view')$q$,
 '{}',
 format($q$SELECT DISTINCT performer_id FROM (%s) s ORDER BY 1$q$, :'heavy_reach_p'),
 '{{heavy_uid}}');

UPDATE bench.queries b
   SET gsql = CASE b.variant WHEN 'a' THEN gq.ga ELSE gq.gb END,
       gparams = pg_temp.fill(CASE b.variant WHEN 'a' THEN gq.pa ELSE gq.pb END, :'vars')::text[]
  FROM gq
 WHERE gq.qname = b.qname AND b.variant IN ('a', 'b');

INSERT INTO bench.generic_users (qname, ord, role, params)
SELECT x.qname, x.ord, :'rp' || x.role, pg_temp.fill(x.params, :'vars')::text[]
  FROM (VALUES
    ('parent_chart', 1, 'therapist', '{{ins_chart}}'), ('parent_chart', 2, 'supervisor', '{{sup_chart}}'),
    ('parent_chart', 3, 'auditor', '{{sup_chart}}'),
    ('therapist_caseload', 1, 'parent', '{}'), ('therapist_caseload', 2, 'supervisor', '{}'),
    ('therapist_caseload', 3, 'auditor', '{}'),
    ('auditor_aggregate', 1, 'therapist', '{}'), ('auditor_aggregate', 2, 'parent', '{}'),
    ('auditor_aggregate', 3, 'supervisor', '{}'),
    ('supervisor_journals', 1, 'parent', '{2024-07-01}'), ('supervisor_journals', 2, 'therapist', '{2024-07-01}'),
    ('supervisor_journals', 3, 'auditor', '{2024-07-01}'),
    ('batch_insert', 1, 'supervisor', '{{sup_acct},{sup_perf},{sup_chart}}'),
    ('accessible_performers', 1, 'parent', '{}'), ('accessible_performers', 2, 'therapist', '{}'),
    ('accessible_performers', 3, 'supervisor', '{}'), ('accessible_performers', 4, 'auditor', '{}'))
    AS x(qname, ord, role, params);

-- Generic plans are timed as a pooled application runs them: every user
-- through one login role (PostgreSQL plans a statement under row-level
-- security again whenever the role changes, so only then is one plan shared
-- by users of different shapes), each acting through its API credential
-- for the transaction.
SELECT :'rp' || 'pooled' AS pooled_role \gset
SET client_min_messages = warning;
DROP ROLE IF EXISTS :"pooled_role";
RESET client_min_messages;
CREATE ROLE :"pooled_role";
GRANT permissions_client TO :"pooled_role";
INSERT INTO bench.pooled (pool_role, role, credential)
SELECT :'pooled_role', r.role,
       permissions.create_api_credential((SELECT u.id FROM permissions.users u WHERE u.db_role = r.role::regrole), 'bench pooled')
  FROM (SELECT role FROM bench.generic_users UNION SELECT role FROM bench.queries WHERE variant = 'a' AND gsql IS NOT NULL) r;

GRANT USAGE ON SCHEMA bench TO PUBLIC;
