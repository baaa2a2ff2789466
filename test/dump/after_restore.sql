-- test/dump/after_restore.sql: a restored database goes on working.
--   next id   every identity and serial sequence is at or past the largest
--             id of its column (new rows get fresh ids)
--   new rows  the mapped manager and therapist write a row into every table
--             through the extension's functions and triggers (audit, credit
--             ledger, grant to the creator ...), in one transaction: a
--             duplicate key or a refused write stops it
-- Output lines are "key<TAB>value".
\set ON_ERROR_STOP on
SET client_min_messages = warning;
\pset tuples_only on
\pset format unaligned
\pset fieldsep '\t'

SELECT format($q$SELECT 'next id %1$s.%2$s',
                        CASE WHEN coalesce(pg_sequence_last_value(%3$s), 0) >= coalesce(max(%2$I), 0) THEN 'ok'
                             ELSE 'behind: largest id ' || max(%2$I) || ', sequence at ' || coalesce(pg_sequence_last_value(%3$s)::text, 'its start') END
                   FROM %1$s$q$,
              d.refobjid::regclass, a.attname, d.objid)
  FROM pg_depend d
  JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
 ORDER BY 1
\gexec

BEGIN;
SET ROLE dump_manager;
SELECT permissions.create_account('Restored sub-account', parent_id => 1) AS sub \gset
SELECT permissions.create_user(:sub, 'restored_user', access => 'tier3') AS new_user \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:sub, 'Restored') RETURNING id AS performer \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:sub, 'Restored pinpoint') RETURNING id AS pinpoint \gset
INSERT INTO permissions.journal_types (account_id, name) VALUES (:sub, 'Restored type') RETURNING id AS journal_type \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, title)
VALUES (:sub, :performer, :pinpoint, 'Restored chart') RETURNING id AS chart \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
VALUES (:sub, :performer, :chart, date '2024-05-01', 3);
INSERT INTO permissions.conditions (account_id, performer_id, chart_id, starts_on, label)
VALUES (:sub, :performer, :chart, date '2024-05-02', 'Restored phase');
INSERT INTO permissions.notes (account_id, performer_id, chart_id, body) VALUES (:sub, :performer, :chart, 'Restored note');
INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, body)
VALUES (:sub, :performer, :journal_type, 'Restored entry');
INSERT INTO permissions.tags (account_id, name) VALUES (:sub, 'Restored tag') RETURNING id AS tag \gset
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id) VALUES (:sub, :tag, 'performer', :performer);
INSERT INTO permissions.groups (account_id, name) VALUES (:sub, 'Restored group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :performer, :sub);
INSERT INTO permissions.teams (account_id, name) VALUES (:sub, 'Restored team') RETURNING id AS team \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :new_user, :sub);
SELECT permissions.grant_access('tier3', team_id => :team, group_id => :grp) IS NOT NULL AS granted \gset
INSERT INTO permissions.chart_views (account_id, name) VALUES (:sub, 'Restored default view');
INSERT INTO permissions.reporting_views (account_id, name) VALUES (:sub, 'Restored default report');
SELECT user_id IS NOT NULL AS invited FROM permissions.invite_user(:sub, 'restored@example.org') \gset
SELECT permissions.create_api_credential(:new_user, 'restored') IS NOT NULL AS credential \gset
SELECT permissions.map_token_subject('https://idp.dump.test', 'restored-user', :new_user) IS NOT NULL AS mapped \gset
SELECT permissions.transfer_credits(1, :sub, 2) IS NOT NULL AS transferred \gset
INSERT INTO permissions.assessments (account_id, performer_id, kind) VALUES (:sub, :performer, 'restored');
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:sub, :performer, 'Restored review') RETURNING id AS review \gset
INSERT INTO permissions.review_participants (review_id, account_id, user_id) VALUES (:review, :sub, :new_user);
INSERT INTO app.session_notes (account_id, performer_id, body) VALUES (:sub, :performer, 'Restored session');
RESET ROLE;
SET ROLE dump_therapist;
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
SELECT account_id, performer_id, id, date '2024-05-03', 7 FROM permissions.charts WHERE performer_id = 1 ORDER BY id LIMIT 1;
INSERT INTO app.session_notes (account_id, performer_id, body) VALUES (1, 1, 'Restored session of the therapist');
RESET ROLE;
COMMIT;
SELECT 'new rows', 'ok';
