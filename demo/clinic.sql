-- demo/clinic.sql: a sample clinic, and what each of its users sees and is refused.
-- Run by scripts/demo in a disposable cluster, as a superuser (the DBA).

\pset footer off
\echo
\echo '== Two tenants: a clinic (Sunrise) with a sub-account (Sunrise North), and Harbor =='
CREATE EXTENSION permissions;

SELECT permissions.create_account('Sunrise Clinic') AS clinic \gset
SELECT permissions.create_account('Sunrise North', :clinic) AS north \gset
SELECT permissions.create_account('Harbor Clinic') AS harbor \gset

CREATE ROLE demo_manager LOGIN;
CREATE ROLE demo_supervisor LOGIN;
CREATE ROLE demo_therapist LOGIN;
CREATE ROLE demo_parent LOGIN;
CREATE ROLE demo_auditor LOGIN;
CREATE ROLE demo_north_lead LOGIN;
CREATE ROLE demo_harbor LOGIN;
-- the application's pooled role: nobody until it authenticates; the tables
-- are granted to permissions_client (mapped login roles get it on mapping)
CREATE ROLE demo_app LOGIN;
GRANT permissions_client TO demo_app;

SELECT permissions.create_user(:clinic, 'maria', role => 'manager', db_role => 'demo_manager') AS maria \gset
SELECT permissions.create_user(:clinic, 'sam', access => 'tier2',
       permissions => '{view_reporting,create_groups}', db_role => 'demo_supervisor') AS sam \gset
SELECT permissions.create_user(:clinic, 'tess', db_role => 'demo_therapist') AS tess \gset
SELECT permissions.create_user(:clinic, 'paul', user_type => 'single_performer', db_role => 'demo_parent') AS paul \gset
SELECT permissions.create_user(:clinic, 'alice', user_type => 'read_only', access => 'tier4', db_role => 'demo_auditor') AS alice \gset
SELECT permissions.create_user(:north, 'nora', access => 'tier1', permissions => '{create_performers}',
       db_role => 'demo_north_lead') AS nora \gset
SELECT permissions.create_user(:harbor, 'hank', role => 'manager', db_role => 'demo_harbor') AS hank \gset

INSERT INTO permissions.pinpoints (account_id, name, goal) VALUES (:clinic, 'Says words', 40) RETURNING id AS words \gset
INSERT INTO permissions.pinpoints (account_id, name, goal) VALUES (:north, 'Reads words', 60) RETURNING id AS reads \gset
INSERT INTO permissions.journal_types (account_id, name) VALUES (:clinic, 'Session') RETURNING id AS session \gset

INSERT INTO permissions.performers (account_id, first_name, last_name)
VALUES (:clinic, 'Ava', 'Adams'), (:clinic, 'Ben', 'Brown'), (:clinic, 'Cleo', 'Clark'), (:north, 'Dan', 'Diaz'),
       (:harbor, 'Zoe', 'Zimmer');
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, title)
SELECT account_id, id, CASE WHEN account_id = :clinic THEN :words ELSE :reads END, first_name || ' - words'
  FROM permissions.performers WHERE account_id IN (:clinic, :north);
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count, created_by)
SELECT c.account_id, c.performer_id, c.id, current_date - d, 10 + d, :sam
  FROM permissions.charts c, generate_series(1, 5) d;
INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, body, created_by)
SELECT account_id, id, CASE WHEN account_id = :clinic THEN :session END, 'Session notes for ' || first_name, CASE WHEN first_name = 'Ava' THEN :tess ELSE :sam END
  FROM permissions.performers;

-- Tess reaches Ava and Ben through her team's tier3 grant on the morning group
INSERT INTO permissions.groups (account_id, name) VALUES (:clinic, 'Morning group') RETURNING id AS morning \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id)
SELECT :morning, id, account_id FROM permissions.performers WHERE first_name IN ('Ava', 'Ben');
INSERT INTO permissions.teams (account_id, name) VALUES (:clinic, 'Speech team') RETURNING id AS speech \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:speech, :tess, :clinic);
SELECT permissions.grant_access('tier3', team_id => :speech, group_id => :morning) AS team_grant \gset
-- Paul, a parent, sees his child Ava only
SELECT id AS ava FROM permissions.performers WHERE first_name = 'Ava' \gset
SELECT id AS ben FROM permissions.performers WHERE first_name = 'Ben' \gset
SELECT permissions.grant_access('tier4', user_id => :paul, performer_id => :ava) AS paul_grant \gset

-- A helper that runs one statement, reports what happened, and undoes it.
CREATE SCHEMA demo;
GRANT USAGE ON SCHEMA demo TO PUBLIC;
CREATE FUNCTION demo.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    msg text;
    detail text;
BEGIN
    BEGIN
        EXECUTE stmt;
        GET DIAGNOSTICS n = ROW_COUNT;
        RAISE EXCEPTION 'demo-undo' USING DETAIL = n::text;
    EXCEPTION WHEN others THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        IF msg = 'demo-undo' THEN
            RETURN CASE WHEN detail = '0' THEN 'no row it may touch' ELSE 'done (' || detail || ' rows)' END;
        END IF;
        RETURN 'refused: ' || msg;
    END;
END
$$;

CREATE FUNCTION demo.report(ava bigint, ben bigint, clinic bigint)
RETURNS TABLE (what text, result text) LANGUAGE sql AS $$
    SELECT 'performers seen', coalesce((SELECT string_agg(first_name, ', ' ORDER BY first_name) FROM permissions.performers), '(none)')
    UNION ALL SELECT 'measurements seen', (SELECT count(*)::text FROM permissions.measurements)
    UNION ALL SELECT 'journals seen', (SELECT count(*)::text FROM permissions.journals)
    UNION ALL SELECT 'add a measurement for Ava',
        demo.try(format('INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
                         SELECT account_id, performer_id, id, current_date, 12 FROM permissions.charts WHERE performer_id = %s', ava))
    UNION ALL SELECT 'edit Ben''s measurements', demo.try(format('UPDATE permissions.measurements SET count = count + 1 WHERE performer_id = %s', ben))
    UNION ALL SELECT 'delete Ben''s measurements', demo.try(format('DELETE FROM permissions.measurements WHERE performer_id = %s', ben))
    UNION ALL SELECT 'edit journals written by others', demo.try('UPDATE permissions.journals SET body = body || ''!'' WHERE created_by IS DISTINCT FROM permissions.current_user_id()')
    UNION ALL SELECT 'grants on Ava seen', (SELECT count(*)::text FROM permissions.access_grants WHERE performer_id = ava)
    UNION ALL SELECT 'create a performer in Sunrise',
        demo.try(format('INSERT INTO permissions.performers (account_id, first_name) VALUES (%s, ''Eve'')', clinic))
    UNION ALL SELECT 'audit entries seen', (SELECT count(*)::text FROM permissions.audit_log)
$$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA demo TO PUBLIC;

\echo
\echo '== What each user sees, and what each may do (every change is undone) =='
\echo
\echo '-- maria: manager of Sunrise (holds everything in Sunrise and Sunrise North)'
SET ROLE demo_manager;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;
\echo '-- sam: supervisor, wildcard tier2 in Sunrise (not in the sub-account)'
SET ROLE demo_supervisor;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;
\echo '-- tess: therapist, no wildcard; tier3 through her team''s grant on the morning group'
SET ROLE demo_therapist;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;
\echo '-- paul: parent (single_performer), tier4 on Ava only'
SET ROLE demo_parent;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;
\echo '-- alice: auditor (read_only), wildcard tier4'
SET ROLE demo_auditor;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;
\echo '-- nora: tier1 in the sub-account Sunrise North only'
SET ROLE demo_north_lead;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;
\echo '-- hank: manager of Harbor Clinic, another tenant'
SET ROLE demo_harbor;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;
\echo '-- demo_app: the application''s pooled role, before it authenticates'
SET ROLE demo_app;
SELECT * FROM demo.report(:ava, :ben, :clinic);
RESET ROLE;

\echo
\echo '== Why tess sees Ava: one row per source of access =='
SELECT * FROM permissions.explain_access(:tess, :ava);

\echo
\echo '== A read_only user stays at tier4, whatever a grant says =='
SELECT permissions.grant_access('tier1', user_id => :alice, performer_id => :ben) AS alice_grant \gset
SELECT permissions.effective_tier(:ben, :alice) AS alice_on_ben;

\echo
\echo '== Nobody escalates: sam (tier2) tries to grant himself and others =='
SET ROLE demo_supervisor;
SELECT demo.try(format('SELECT permissions.grant_access(''tier1'', user_id => %s, performer_id => %s)', :sam, :ben)) AS "sam grants himself tier1";
SELECT demo.try(format('SELECT permissions.grant_access(''tier2'', user_id => %s, performer_id => %s)', :tess, :ben)) AS "sam grants tess tier2";
SELECT demo.try(format('UPDATE permissions.users SET access = ''tier1'' WHERE id = %s', :sam)) AS "sam raises his own tier";
RESET ROLE;

\echo
\echo '== A pooled application connection authenticates with an API credential =='
SELECT permissions.create_api_credential(:tess, 'tess-tablet') AS credential \gset
SET ROLE demo_app;
BEGIN;
SELECT permissions.authenticate(:'credential') AS "acting as user";
SELECT string_agg(first_name, ', ' ORDER BY first_name) AS "performers seen in the transaction" FROM permissions.performers;
COMMIT;
SELECT count(*) AS "performers seen after commit (identity ended)" FROM permissions.performers;
RESET ROLE;

\echo
\echo '== A web application: its identity provider signs a token, the database verifies it =='
-- the DBA registers the provider, bound to Sunrise, and its public key
SELECT permissions.register_token_issuer(:'idp_issuer', :clinic, max_lifetime => '1 hour') IS NOT NULL AS "issuer registered",
       permissions.register_token_key(:'idp_issuer', 'demo-2026', 'EdDSA', :'idp_pem',
                                      audience => :'idp_audience') IS NOT NULL AS "key registered";
-- maria, a manager, says which of her users the provider's subject is
SET ROLE demo_manager;
SELECT permissions.map_token_subject(:'idp_issuer', 'idp|tess', :tess) IS NOT NULL AS "maria maps idp|tess to tess";
RESET ROLE;
SET ROLE demo_app;
BEGIN;
SELECT permissions.authenticate_token(:'token_tess') = :tess AS "the token acts as tess (its role claim is ignored)";
SELECT string_agg(first_name, ', ' ORDER BY first_name) AS "performers seen in the transaction" FROM permissions.performers;
COMMIT;
SELECT demo.try(format('SELECT permissions.authenticate_token(%L)', :'token_forged')) AS "the same token, subject altered",
       demo.try(format('SELECT permissions.authenticate_token(%L)', :'token_expired')) AS "an expired token";
SELECT demo.try(format('SELECT permissions.authenticate_token(%L, session => true)', :'token_tess')) AS "keeping the identity past the transaction";
RESET ROLE;

\echo
\echo '== A revoked grant stops working at the next statement =='
SET ROLE demo_parent;
SELECT count(*) AS "paul: measurements seen before" FROM permissions.measurements;
RESET ROLE;
SELECT permissions.revoke_access(:paul_grant);
SET ROLE demo_parent;
SELECT count(*) AS "paul: measurements seen after revoke" FROM permissions.measurements;
RESET ROLE;

\echo
\echo '== The audit log (latest entries) =='
SELECT id, table_name, action, actor_id, actor_role FROM permissions.audit_log ORDER BY id DESC LIMIT 6;
