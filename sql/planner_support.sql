--
-- Planner support for the policy functions: a protected query plans like its
-- hand-written twin.  A policy that is exactly a tier test is planned as its
-- two parts, each with an exact index condition evaluated at run time:
-- accounts reached as a whole (account_id = ANY (whole_accounts(t))) and
-- performers reached through grants outside them (performer_id = ANY
-- (partial_performers(t))).  A bitmap OR of the two serves every shape of
-- user, so a generic plan made for one identity is right and fast for the
-- others; where a filter remains it is one call, permissions.reached().
-- Policies with "own" cells keep the older conditions (reachable_*()).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

-- a small account S (12 performers) and a large one L (1,988 performers),
-- 5 charts for each of the first 200 performers and 20 measurements per
-- chart: 20,000 rows, fewer than ANALYZE samples, so the statistics and the
-- plans are the same on every run
SELECT permissions.create_account('regress ps small') AS s \gset
SELECT permissions.create_account('regress ps large') AS l \gset
INSERT INTO permissions.performers (account_id, first_name)
SELECT CASE WHEN g <= 12 THEN :s ELSE :l END, 'PS' || g FROM generate_series(1, 2000) g ORDER BY g;
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:s, 'regress ps reads'), (:l, 'regress ps reads');
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id)
SELECT p.account_id, p.id, pp.id
  FROM (SELECT * FROM permissions.performers WHERE account_id IN (:s, :l) ORDER BY id LIMIT 200) p
  JOIN permissions.pinpoints pp USING (account_id)
 CROSS JOIN generate_series(1, 5) k
 ORDER BY p.id, k;
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
SELECT c.account_id, c.performer_id, c.id, date '2024-01-01' + w * 7, w
  FROM permissions.charts c CROSS JOIN generate_series(0, 19) w
 WHERE c.account_id IN (:s, :l)
 ORDER BY w, c.id;
SELECT min(id) AS l_first FROM permissions.performers WHERE account_id = :l \gset

-- an auditor of S (read_only, wildcard tier4); in L a parent (one direct
-- grant) and a therapist whose team holds a grant on a group of 10
CREATE ROLE regress_ps_auditor;
GRANT permissions_client TO regress_ps_auditor;
CREATE ROLE regress_ps_parent;
GRANT permissions_client TO regress_ps_parent;
CREATE ROLE regress_ps_therapist;
GRANT permissions_client TO regress_ps_therapist;
CREATE ROLE regress_ps_app;
GRANT permissions_client TO regress_ps_app;
SELECT permissions.create_user(:s, 'regress_ps_auditor', user_type => 'read_only', access => 'tier4',
                               db_role => 'regress_ps_auditor') AS auditor,
       permissions.create_user(:l, 'regress_ps_parent', user_type => 'single_performer',
                               db_role => 'regress_ps_parent') AS parent,
       permissions.create_user(:l, 'regress_ps_therapist', db_role => 'regress_ps_therapist') AS therapist \gset
SELECT permissions.grant_access('tier4', user_id => :parent, performer_id => :l_first) IS NOT NULL AS granted;
INSERT INTO permissions.groups (account_id, name) VALUES (:l, 'regress ps group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id)
SELECT :grp, id, :l FROM permissions.performers WHERE account_id = :l ORDER BY id OFFSET 20 LIMIT 10;
INSERT INTO permissions.teams (account_id, name) VALUES (:l, 'regress ps team') RETURNING id AS team \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :therapist, :l);
SELECT permissions.grant_access('tier3', team_id => :team, group_id => :grp) IS NOT NULL AS granted;
SELECT permissions.create_api_credential(:parent, 'regress ps parent') AS cred_parent,
       permissions.create_api_credential(:therapist, 'regress ps therapist') AS cred_therapist,
       permissions.create_api_credential(:auditor, 'regress ps auditor') AS cred_auditor \gset
-- vacuumed as well as analyzed: whether autovacuum had set the pages
-- all-visible before a plan was made would otherwise choose between an index
-- and a bitmap scan
VACUUM ANALYZE permissions.performers, permissions.charts, permissions.measurements;

-- the parent reaches one performer: both parts, the account part empty
SET ROLE regress_ps_parent;
EXPLAIN (COSTS OFF) SELECT count(*) FROM permissions.measurements;
SELECT count(*) FROM permissions.measurements;
-- one chart (a parameter, so the plan shows no id): the chart index, and
-- the policy as a filter (one call)
SET plan_cache_mode = force_generic_plan;
PREPARE chart(bigint) AS SELECT count(*), sum(count) FROM permissions.measurements WHERE chart_id = $1;
EXPLAIN (COSTS OFF) EXECUTE chart(0);
SELECT id AS chart FROM permissions.charts ORDER BY id OFFSET 2 LIMIT 1 \gset
EXECUTE chart(:chart);
DEALLOCATE chart;
RESET plan_cache_mode;
RESET ROLE;

-- the auditor reaches account S as a whole: the same two parts, the
-- performer part empty; no filter is left
SET ROLE regress_ps_auditor;
EXPLAIN (COSTS OFF) SELECT sum(count) FROM permissions.measurements;
SELECT count(*), sum(count) FROM permissions.measurements;
RESET ROLE;

-- the therapist's caseload through the team grant on the group: the primary
-- key of performers, in id order without a sort
SET ROLE regress_ps_therapist;
EXPLAIN (COSTS OFF) SELECT id, first_name FROM permissions.performers ORDER BY id;
SELECT count(*) FROM permissions.performers;
-- writes get the index conditions of can_edit too (tier3); can_view (tier4)
-- stays a filter
EXPLAIN (COSTS OFF) UPDATE permissions.measurements SET count = count + 1 WHERE measured_on = '2024-01-01';
-- a query that names its performers itself keeps its own index condition:
-- no condition over every reachable id (a user with 10,000 grants would
-- pay for all of them on a point read), the policy checks the rows found
EXPLAIN (COSTS OFF) SELECT first_name FROM permissions.performers WHERE id = 42;
EXPLAIN (COSTS OFF) SELECT count(*) FROM permissions.measurements WHERE performer_id IN (1, 2, 3);
PREPARE one(bigint) AS SELECT count(*) FROM permissions.measurements WHERE performer_id = $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE one(0);
SELECT (SELECT min(id) FROM permissions.performers) AS seen_first \gset
EXECUTE one(:seen_first);
EXECUTE one(:l_first);
DEALLOCATE one;
RESET plan_cache_mode;
RESET ROLE;

-- a user whose grants reach most of a table's performers (150 of the 200
-- with measurements) gets no index condition over them all: a scan with
-- the policy as a filter reads little more, and the planner would take
-- such a condition for far more selective than it is
CREATE ROLE regress_ps_broad;
GRANT permissions_client TO regress_ps_broad;
SELECT permissions.create_user(:l, 'regress_ps_broad', db_role => 'regress_ps_broad') AS broad \gset
SELECT count(permissions.grant_access('tier4', user_id => :broad, performer_id => p.id)) AS granted
  FROM (SELECT id FROM permissions.performers WHERE account_id = :l ORDER BY id LIMIT 150) p;
SET ROLE regress_ps_broad;
EXPLAIN (COSTS OFF) SELECT count(*) FROM permissions.measurements;
SELECT count(*) FROM permissions.measurements;
RESET ROLE;

-- a generic plan made for the parent is reused, unchanged, for the therapist
-- and the auditor (one login role, identities from credentials), and each
-- gets its own rows: 100, 1,000 and 1,200 measurements
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_ps_app;
BEGIN;
SELECT permissions.authenticate(:'cred_parent') = :parent AS authenticated;
PREPARE since(date) AS SELECT count(*) FROM permissions.measurements WHERE measured_on >= $1;
EXPLAIN (COSTS OFF) EXECUTE since('2023-01-01');
EXECUTE since('2023-01-01');
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred_therapist') = :therapist AS authenticated;
EXPLAIN (COSTS OFF) EXECUTE since('2023-01-01');
EXECUTE since('2023-01-01');
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred_auditor') = :auditor AS authenticated;
EXECUTE since('2023-01-01');
EXECUTE since('2024-04-01');
COMMIT;
-- and nobody gets nothing
EXECUTE since('2023-01-01');
DEALLOCATE since;
RESET ROLE;
RESET plan_cache_mode;

-- the plan the auditor's execution made first serves the parent too: the
-- same plan, each its own rows
SELECT id AS s_chart FROM permissions.charts WHERE account_id = :s ORDER BY id LIMIT 1 \gset
SELECT id AS l_chart FROM permissions.charts WHERE performer_id = :l_first ORDER BY id LIMIT 1 \gset
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_ps_app;
BEGIN;
SELECT permissions.authenticate(:'cred_auditor') = :auditor AS authenticated;
PREPARE per_chart(bigint) AS SELECT count(*) FROM permissions.measurements WHERE chart_id = $1;
EXPLAIN (COSTS OFF) EXECUTE per_chart(0);
EXECUTE per_chart(:s_chart);
EXECUTE per_chart(:l_chart);
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred_parent') = :parent AS authenticated;
EXPLAIN (COSTS OFF) EXECUTE per_chart(0);
EXECUTE per_chart(:s_chart);
EXECUTE per_chart(:l_chart);
COMMIT;
DEALLOCATE per_chart;
RESET ROLE;
RESET plan_cache_mode;

-- the reach functions answer for the caller only, and for nobody nothing
SET ROLE regress_ps_parent;
SELECT permissions.reached('tier4', :l, :l_first) AS parent_reaches,
       permissions.reached('tier3', :l, :l_first) AS at_tier3,
       permissions.reached('tier4', :s, :l_first) AS with_another_account,
       permissions.reached_account('tier4', :l) AS whole_account,
       permissions.reached_performer('tier4', :l, :l_first) AS by_grant,
       permissions.whole_accounts('tier4') = '{}' AS no_whole_accounts,
       permissions.partial_performers('tier4') = ARRAY[:l_first]::bigint[] AS one_performer;
RESET ROLE;
SET ROLE regress_ps_auditor;
SELECT permissions.whole_accounts('tier4') = ARRAY[:s]::bigint[] AS whole_account_s,
       permissions.whole_accounts('tier3') = '{}' AS capped_by_read_only,
       permissions.partial_performers('tier4') = '{}' AS no_grants;
RESET ROLE;
SELECT permissions.reached('tier4', :l, :l_first) AS nobody_reaches,
       permissions.whole_accounts('tier4') = '{}' AS nobody_whole;

-- a table that does not tie each performer to its account (no composite
-- foreign key): the performer part's index condition is only a superset,
-- so the policy stays as a filter, and a row that pairs a reached
-- performer with another account stays hidden
CREATE TABLE regress_ps_loose (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL,
    performer_id bigint NOT NULL
);
CREATE INDEX regress_ps_loose_account ON regress_ps_loose (account_id);
CREATE INDEX regress_ps_loose_performer ON regress_ps_loose (performer_id);
ALTER TABLE regress_ps_loose ENABLE ROW LEVEL SECURITY;
CREATE POLICY loose_view ON regress_ps_loose FOR SELECT
    USING (permissions.can_view('note', account_id, performer_id));
GRANT SELECT ON regress_ps_loose TO regress_ps_parent;
INSERT INTO regress_ps_loose (account_id, performer_id)
SELECT CASE WHEN g = 1 THEN :s ELSE :l END, :l_first FROM generate_series(1, 2) g;
ANALYZE regress_ps_loose;
SET ROLE regress_ps_parent;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT account_id FROM regress_ps_loose;
SELECT account_id = :l AS own_account FROM regress_ps_loose;
RESET enable_seqscan;
RESET ROLE;
DROP TABLE regress_ps_loose;

-- a role with no use of schema permissions still plans its own queries, in
-- a session of its own (where nothing was looked up yet): the planner looks
-- the extension's functions up without a permission check
SELECT current_user AS dba \gset
CREATE ROLE regress_ps_outsider LOGIN;
\c - regress_ps_outsider
SELECT has_schema_privilege('permissions', 'USAGE') AS has_usage,
       count(*) AS planned FROM (VALUES (1), (2)) v(x) WHERE x > 1;
\c - :dba
DROP ROLE regress_ps_outsider;

-- clean up: the chart data, the mapping and the roles
DELETE FROM permissions.measurements WHERE account_id IN (:s, :l);
DELETE FROM permissions.charts WHERE account_id IN (:s, :l);
UPDATE permissions.users SET db_role = NULL WHERE account_id IN (:s, :l);
DROP ROLE regress_ps_auditor, regress_ps_parent, regress_ps_therapist, regress_ps_app, regress_ps_broad;
