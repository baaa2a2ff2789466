--
-- Moving a performer between accounts (transfer_performers, which managers
-- hold in their subtree): needs the permission in both accounts, whatever SQL
-- path is used; keeps all the performer's data; drops what has no meaning in
-- the new account (group memberships and tag assignments of the old
-- account's libraries, grants and review participants outside the new
-- account's line of the tree); pinpoints and journal types follow as copies
-- in the new account's library; one audit entry records the move.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- T has sub-accounts A and B.  top manages T, amgr A, bmgr B; mover (A) holds
-- transfer_performers and tier1 in A; ua (A) and ut (T) have direct grants
CREATE ROLE regress_tp_top;
GRANT permissions_client TO regress_tp_top;
CREATE ROLE regress_tp_amgr;
GRANT permissions_client TO regress_tp_amgr;
CREATE ROLE regress_tp_bmgr;
GRANT permissions_client TO regress_tp_bmgr;
CREATE ROLE regress_tp_mover;
GRANT permissions_client TO regress_tp_mover;
CREATE ROLE regress_tp_ua;
GRANT permissions_client TO regress_tp_ua;
SELECT permissions.create_account('regress tp T') AS t \gset
SELECT permissions.create_account('regress tp A', :t) AS a \gset
SELECT permissions.create_account('regress tp B', :t) AS b \gset
SELECT permissions.create_user(:t, 'tp_top', 'manager', db_role => 'regress_tp_top') AS top \gset
SELECT permissions.create_user(:a, 'tp_amgr', 'manager', db_role => 'regress_tp_amgr') AS amgr \gset
SELECT permissions.create_user(:b, 'tp_bmgr', 'manager', db_role => 'regress_tp_bmgr') AS bmgr \gset
SELECT permissions.create_user(:a, 'tp_mover', access => 'tier1', permissions => '{transfer_performers}',
                               db_role => 'regress_tp_mover') AS mover \gset
SELECT permissions.create_user(:a, 'tp_ua', db_role => 'regress_tp_ua') AS ua \gset
SELECT permissions.create_user(:t, 'tp_ut') AS ut \gset

-- the performer P of A and its data: a chart on A's pinpoint "reads" (B has
-- its own "reads"), a measurement, a note, a journal of A's type "daily", a
-- tag, a group, grants to ua, ut, a team of A and a team of T, an
-- assessment and a review with ua and ut taking part
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Tp P') RETURNING id AS p \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:a, 'reads'), (:b, 'reads');
SELECT id AS pin_b FROM permissions.pinpoints WHERE account_id = :b \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id)
SELECT :a, :p, id FROM permissions.pinpoints WHERE account_id = :a RETURNING id AS chart \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count) VALUES (:a, :p, :chart, '2024-05-01', 12);
INSERT INTO permissions.notes (account_id, performer_id, chart_id, body) VALUES (:a, :p, :chart, 'tp note');
INSERT INTO permissions.journal_types (account_id, name) VALUES (:a, 'daily') RETURNING id AS jtype \gset
INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, body) VALUES (:a, :p, :jtype, 'tp entry');
INSERT INTO permissions.tags (account_id, name) VALUES (:a, 'tp tag') RETURNING id AS tag \gset
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id) VALUES (:a, :tag, 'performer', :p);
INSERT INTO permissions.groups (account_id, name) VALUES (:a, 'tp group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :p, :a);
INSERT INTO permissions.teams (account_id, name) VALUES (:a, 'tp team A') RETURNING id AS team_a \gset
INSERT INTO permissions.teams (account_id, name) VALUES (:t, 'tp team T') RETURNING id AS team_t \gset
SELECT permissions.grant_access('tier3', user_id => :ua, performer_id => :p) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier2', user_id => :ut, performer_id => :p) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier4', team_id => :team_a, performer_id => :p) IS NOT NULL AS granted;
SELECT permissions.grant_access('tier4', team_id => :team_t, performer_id => :p) IS NOT NULL AS granted;
SELECT permissions.add_credits(:t, 5) IS NOT NULL AS added;
SELECT permissions.transfer_credits(:t, :a, 5) IS NOT NULL AS moved;
INSERT INTO permissions.assessments (account_id, performer_id, kind) VALUES (:a, :p, 'screening');
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:a, :p, 'tp review') RETURNING id AS review \gset
INSERT INTO permissions.review_participants (review_id, user_id) VALUES (:review, :ua), (:review, :ut);

-- refused: a manager of one side only, a holder of transfer_performers in A
-- only, and a plain UPDATE just as well as the function
SET ROLE regress_tp_amgr;
SELECT pg_temp.try('SELECT permissions.transfer_performer(%s, %s)', :'p', :'b');
UPDATE permissions.performers SET account_id = :b WHERE id = :p;
SET ROLE regress_tp_mover;
SELECT pg_temp.try('SELECT permissions.transfer_performer(%s, %s)', :'p', :'b');
SET ROLE regress_tp_bmgr;
SELECT pg_temp.try('SELECT permissions.transfer_performer(%s, %s)', :'p', :'b');
SET ROLE regress_tp_ua;
SELECT pg_temp.try('SELECT permissions.transfer_performer(%s, %s)', :'p', :'b');
RESET ROLE;
SELECT account_id = :a AS still_in_a FROM permissions.performers WHERE id = :p;

-- a manager of both moves it
SELECT coalesce(max(id), 0) AS mark FROM permissions.audit_log \gset
SET ROLE regress_tp_top;
SELECT permissions.transfer_performer(:p, :b);
RESET ROLE;

-- all of its data is in B now
SELECT t.name, count(*) FILTER (WHERE x.account_id = :b) AS in_b, count(*) FILTER (WHERE x.account_id <> :b) AS elsewhere
  FROM (SELECT 'charts' AS name, account_id FROM permissions.charts WHERE performer_id = :p
        UNION ALL SELECT 'measurements', account_id FROM permissions.measurements WHERE performer_id = :p
        UNION ALL SELECT 'notes', account_id FROM permissions.notes WHERE performer_id = :p
        UNION ALL SELECT 'journals', account_id FROM permissions.journals WHERE performer_id = :p
        UNION ALL SELECT 'assessments', account_id FROM permissions.assessments WHERE performer_id = :p
        UNION ALL SELECT 'reviews', account_id FROM permissions.reviews WHERE performer_id = :p
        UNION ALL SELECT 'review_participants', account_id FROM permissions.review_participants WHERE review_id = :review
        UNION ALL SELECT 'access_grants', account_id FROM permissions.access_grants WHERE performer_id = :p) x
  JOIN (VALUES ('charts'), ('measurements'), ('notes'), ('journals'), ('assessments'), ('reviews'),
               ('review_participants'), ('access_grants')) t(name) USING (name)
 GROUP BY t.name ORDER BY t.name;
-- the chart uses B's own "reads"; the journal a copy of "daily" in B's library
SELECT c.pinpoint_id = :pin_b AS chart_on_b_reads FROM permissions.charts c WHERE c.id = :chart;
SELECT jt.name, jt.account_id = :b AS in_b FROM permissions.journals j
  JOIN permissions.journal_types jt ON jt.id = j.journal_type_id WHERE j.performer_id = :p;
-- dropped: A's group and tag, the grants to ua and to A's team, ua's
-- participation; kept: ut's grant, T's team's grant, ut's participation
SELECT count(*) AS group_memberships FROM permissions.group_members WHERE performer_id = :p;
SELECT count(*) AS tag_assignments FROM permissions.tag_assignments WHERE performer_id = :p;
SELECT CASE WHEN user_id = :ua THEN 'ua' WHEN user_id = :ut THEN 'ut' WHEN team_id = :team_a THEN 'team A'
            WHEN team_id = :team_t THEN 'team T' END AS grantee, tier
  FROM permissions.access_grants WHERE performer_id = :p ORDER BY 1;
SELECT CASE user_id WHEN :ua THEN 'ua' WHEN :ut THEN 'ut' END AS participant
  FROM permissions.review_participants WHERE review_id = :review;
-- one audit entry for the move, naming the mover and both accounts
SELECT actor_id = :top AS by_top, (before->>'account_id')::bigint = :a AS from_a,
       (after->>'account_id')::bigint = :b AS to_b
  FROM permissions.audit_log WHERE id > :mark AND table_name = 'performers';

-- who reaches it now: B's manager does, A's manager and ua do not
SET ROLE regress_tp_bmgr;
SELECT p.first_name, (SELECT count(*) FROM permissions.measurements m WHERE m.performer_id = p.id) AS measurements
  FROM permissions.performers p WHERE p.id = :p;
SET ROLE regress_tp_amgr;
SELECT count(*) AS seen_by_amgr FROM permissions.performers WHERE id = :p;
SET ROLE regress_tp_ua;
SELECT count(*) AS seen_by_ua FROM permissions.performers WHERE id = :p;
RESET ROLE;

-- a superuser may move it too, here up to T
SELECT permissions.transfer_performer(:p, :t);
SELECT account_id = :t AS in_t FROM permissions.performers WHERE id = :p;

SELECT permissions.delete_account(:t, force => true);
DROP ROLE regress_tp_top, regress_tp_amgr, regress_tp_bmgr, regress_tp_mover, regress_tp_ua;
