-- test/dump/build.sql: what the benchmark generator (bench/sql/generate.sql,
-- run first at a small scale with rp = dump_) leaves out, made the way
-- applications and DBAs make it, so that every table of the extension holds
-- rows written through its triggers: sub-accounts and a deleted one, users
-- and an invitation, API credentials and their use, tags, notes,
-- conditions, saved views, credits and a transfer, assessments, reviews, a
-- revoked grant, a removed user, and an application table of its own under
-- permissions.protect_table().
--
-- psql variables: credfile (where the kept API credential is written).
-- Generator ids: account 1 has users 1-10 (1 manager, 2 supervisor,
-- 3 auditor, 4-7 therapists, 8-10 parents) and performers 1-100; therapist 1
-- (user 4) reaches performers 1-20 through its team.
\set ON_ERROR_STOP on
SET client_min_messages = warning;

-- login roles: a manager and a therapist mapped to users, an application
-- that authenticates with credentials, and the application's migration role
CREATE ROLE dump_manager LOGIN;
CREATE ROLE dump_gone LOGIN;
CREATE ROLE dump_app LOGIN;
CREATE ROLE dump_migrator LOGIN;
UPDATE permissions.users SET db_role = 'dump_manager' WHERE username = 'a1_manager';
UPDATE permissions.users SET db_role = 'dump_gone' WHERE username = 'a1_therapist2';
DO $$
BEGIN
    -- from 1.1 on, table privileges go to permissions_client
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'permissions_client') THEN
        GRANT permissions_client TO dump_app, dump_migrator;
    END IF;
END
$$;
SELECT id AS manager FROM permissions.users WHERE username = 'a1_manager' \gset
SELECT id AS therapist FROM permissions.users WHERE username = 'a1_therapist1' \gset
SELECT id AS supervisor FROM permissions.users WHERE username = 'a1_supervisor' \gset

-- credits enter at the top (a DBA records a purchase)
SELECT permissions.add_credits(1, 100) IS NOT NULL AS added;

-- the manager: sub-accounts, users, performers, an invitation, credentials
SET ROLE dump_manager;
SELECT permissions.create_account('Account 1 North', parent_id => 1) AS north \gset
SELECT permissions.create_account('Account 1 Temporary', parent_id => 1) AS temp \gset
SELECT permissions.create_user(:north, 'north_lead', access => 'tier1', permissions => '{create_performers}',
                               email => 'north@example.org') AS north_lead \gset
SELECT permissions.create_user(:temp, 'temp_user', access => 'tier3') AS temp_user \gset
SELECT permissions.create_user(1, 'leaver', access => 'tier4') AS leaver \gset
INSERT INTO permissions.performers (account_id, first_name, last_name)
VALUES (:north, 'Nia', 'North'), (:north, 'Noah', 'North'), (:temp, 'Tom', 'Temporary');
SELECT id AS nia FROM permissions.performers WHERE first_name = 'Nia' \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:north, 'Reads words') RETURNING id AS north_pinpoint \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, title)
VALUES (:north, :nia, :north_pinpoint, 'Nia reads') RETURNING id AS nia_chart \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
SELECT :north, :nia, :nia_chart, date '2024-03-01' + d, 10 + d FROM generate_series(0, 4) d;
SELECT user_id AS invited FROM permissions.invite_user(1, 'newcomer@example.org', access => 'tier3') \gset
SELECT permissions.create_api_credential(:therapist, 'therapist tablet') AS cred \gset
SELECT permissions.create_api_credential(:manager, 'manager console') IS NOT NULL AS own_credential;
SELECT permissions.create_api_credential(:north_lead, 'north import') AS north_cred \gset
SELECT permissions.delete_api_credential(split_part(:'north_cred', '_', 2)::bigint);
SELECT permissions.transfer_credits(1, :north, 30) AS left_in_1;
SELECT permissions.transfer_credits(1, :temp, 10) AS left_in_1;
SELECT permissions.grant_access('tier4', user_id => :leaver, performer_id => 50) AS leaver_grant \gset
SELECT permissions.revoke_access(:leaver_grant);
SELECT permissions.remove_user(:leaver);
-- a sub-account with a user, a performer and credits, deleted: its credits
-- go back to the parent
SELECT permissions.delete_account(:temp, force => true);
-- libraries, tags on every kind of target, saved views
INSERT INTO permissions.tags (account_id, name) VALUES (1, 'Priority') RETURNING id AS tag \gset
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id)
VALUES (1, :tag, 'performer', 1);
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id, chart_id)
SELECT 1, :tag, 'chart', performer_id, id FROM permissions.charts WHERE performer_id = 2 ORDER BY id LIMIT 1;
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id, journal_id)
SELECT 1, :tag, 'journal', performer_id, id FROM permissions.journals WHERE performer_id = 3 ORDER BY id LIMIT 1;
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, target_user_id) VALUES (1, :tag, 'user', :therapist);
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, pinpoint_id)
SELECT 1, :tag, 'pinpoint', min(id) FROM permissions.pinpoints WHERE account_id = 1;
INSERT INTO permissions.chart_views (account_id, owner_id, name, settings)
VALUES (1, NULL, 'Clinic default', '{"scale": "daily"}'), (1, :manager, 'My view', '{"scale": "weekly"}');
INSERT INTO permissions.reporting_views (account_id, owner_id, name, settings)
VALUES (1, NULL, 'Monthly report', '{"period": "month"}'), (1, :manager, 'My report', '{"period": "week"}');
-- a 360 review of performer 1
INSERT INTO permissions.reviews (account_id, performer_id, title, status, due_on)
VALUES (1, 1, 'Spring review', 'open', date '2024-06-30') RETURNING id AS review \gset
INSERT INTO permissions.review_participants (review_id, account_id, user_id, role)
VALUES (:review, 1, :supervisor, 'reviewer'), (:review, 1, :therapist, 'reviewer'), (:review, 1, :north_lead, 'subject');
-- an assessment in the sub-account spends its credit
INSERT INTO permissions.assessments (account_id, performer_id, kind, score)
VALUES (:north, :nia, 'reading', '{"score": 17}');
RESET ROLE;

-- the therapist: chart data and assessments of its caseload
SET ROLE dump_therapist;
INSERT INTO permissions.notes (account_id, performer_id, chart_id, noted_on, body)
SELECT account_id, performer_id, id, date '2024-02-01', 'Worked on ' || title
  FROM permissions.charts WHERE performer_id IN (1, 2) ORDER BY id LIMIT 4;
INSERT INTO permissions.conditions (account_id, performer_id, chart_id, starts_on, label)
SELECT account_id, performer_id, id, date '2024-02-15', 'New prompt'
  FROM permissions.charts WHERE performer_id = 1 ORDER BY id LIMIT 2;
INSERT INTO permissions.assessments (account_id, performer_id, kind, score)
VALUES (1, 1, 'VB-MAPP', '{"score": 42}'), (1, 2, 'VB-MAPP', '{"score": 37}');
RESET ROLE;

-- the application authenticates with the kept credential (a use is recorded)
SET ROLE dump_app;
BEGIN;
SELECT permissions.authenticate(:'cred') = :therapist AS acts_as_therapist;
COMMIT;
RESET ROLE;

-- the application's own table, made by its migration role
CREATE SCHEMA app AUTHORIZATION dump_migrator;
GRANT USAGE ON SCHEMA permissions TO dump_migrator;
GRANT REFERENCES (id, account_id) ON permissions.performers TO dump_migrator;
SET ROLE dump_migrator;
CREATE TABLE app.session_notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    created_by   bigint,
    written_at   timestamptz NOT NULL DEFAULT now(),
    body         text NOT NULL,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE);
CREATE INDEX ON app.session_notes (performer_id);
CREATE INDEX ON app.session_notes (account_id);
SELECT permissions.protect_table('app.session_notes', 'note');
GRANT USAGE ON SCHEMA app TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON app.session_notes TO PUBLIC;
RESET ROLE;
SET ROLE dump_therapist;
INSERT INTO app.session_notes (account_id, performer_id, body)
SELECT 1, p, format('Session %s with performer %s', s, p) FROM generate_series(1, 5) p, generate_series(1, 3) s;
RESET ROLE;
SET ROLE dump_manager;
INSERT INTO app.session_notes (account_id, performer_id, body) VALUES (:north, :nia, 'Intake for Nia');
RESET ROLE;

-- signed tokens: an issuer bound to account 1, its key (the Ed25519 test key
-- of test/tokens/regress_tokens.py), a subject mapped by the manager
SELECT permissions.register_token_issuer('https://idp.dump.test', 1, max_lifetime => '100 years') IS NOT NULL AS issuer;
SELECT permissions.register_token_key('https://idp.dump.test', 'dump-ed', 'EdDSA',
       '{"kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}') IS NOT NULL AS token_key;
SET ROLE dump_manager;
SELECT permissions.map_token_subject('https://idp.dump.test', 'north-lead', :north_lead) IS NOT NULL AS mapped;
RESET ROLE;

-- a role allowed session-scope identities (kept by name across the dump)
SELECT permissions.allow_session_identity('dump_therapist', 'reporting job');

-- reads recorded by the accounting of disclosures (the records are dumped too)
SET permissions.read_accounting = on;
SET ROLE dump_therapist;
SELECT count(*) > 0 AS read FROM permissions.measurements;
RESET ROLE;
RESET permissions.read_accounting;

-- every table of the extension (but the internal ones) and the
-- application's table now hold rows: otherwise a lost table could go unseen
DO $$
DECLARE
    t regclass;
    n bigint;
    empty text[] := '{}';
BEGIN
    FOR t IN SELECT c.oid FROM pg_class c
              WHERE c.relkind = 'r'
                AND (c.relnamespace = 'app'::regnamespace
                     OR c.oid IN (SELECT d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                                   WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'
                                     AND e.extname = 'permissions'))
                AND coalesce(obj_description(c.oid, 'pg_class'), '') NOT LIKE 'Internal:%'
              ORDER BY 1
    LOOP
        EXECUTE format('SELECT count(*) FROM %s', t) INTO n;
        IF n = 0 THEN
            empty := empty || t::text;
        END IF;
    END LOOP;
    IF cardinality(empty) > 0 THEN
        RAISE EXCEPTION 'test/dump/build.sql leaves tables empty: %', array_to_string(empty, ', ');
    END IF;
END
$$;

-- the credential the restored databases must still accept
\pset tuples_only on
\pset format unaligned
SELECT :'cred' \g :credfile
