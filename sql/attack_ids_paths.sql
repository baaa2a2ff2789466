--
-- Ids are the database's on every path, whatever privileges a DBA granted
-- (issue 15, finding 5: MERGE chose ids where INSERT could not).
--
-- The role here holds every table privilege on the extension's tables and
-- bypasses row-level security, the widest grant short of superuser.  For
-- every table of the extension with an identity column (enumerated from the
-- catalog, so a table added later is covered) and every statement that can
-- write a row, a client-chosen id is refused by the same trigger, before
-- row-level security or any constraint looks at the row.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

CREATE ROLE regress_idp_wide BYPASSRLS IN ROLE permissions_client;
GRANT ALL ON ALL TABLES IN SCHEMA permissions TO regress_idp_wide;
CREATE SCHEMA regress_idp AUTHORIZATION regress_idp_wide;

-- every table with an identity column carries the trigger, first of its BEFORE triggers
SELECT c.relname AS identity_table_without_stamp
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attidentity <> ''
 WHERE c.relnamespace = 'permissions'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                    WHERE t.tgrelid = c.oid AND t.tgfoid = 'permissions.stamp_row'::regproc
                      AND t.tgtype & (2 | 4 | 16) = (2 | 4 | 16)   -- BEFORE, INSERT, UPDATE
                      AND t.tgenabled = 'O'
                      AND t.tgname = (SELECT min(x.tgname) FROM pg_trigger x
                                       WHERE x.tgrelid = c.oid AND NOT x.tgisinternal AND x.tgtype & 2 = 2));
SELECT count(*) > 20 AS many_identity_tables
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'permissions'::regnamespace AND a.attidentity <> '';

-- runs a statement as the wide role and tells how it ended
CREATE FUNCTION regress_idp.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE cmd;
    RETURN 'allowed';
EXCEPTION WHEN OTHERS THEN
    RETURN CASE WHEN SQLERRM LIKE 'the id of % is chosen by the database' THEN 'refused: id chosen by the database'
                WHEN SQLERRM LIKE 'the id of a row of % cannot change' THEN 'refused: id cannot change'
                -- audit_log and credit_ledger: GENERATED ALWAYS refuses before any trigger
                WHEN SQLSTATE = '428C9' THEN 'refused: id always generated'
                ELSE 'other error ' || SQLSTATE END;
END
$$;
ALTER FUNCTION regress_idp.try(text) OWNER TO regress_idp_wide;

-- a row in every identity table, so that updates have something to meet
SELECT permissions.create_account('regress idp A') AS a \gset
SELECT permissions.create_user(:a, 'idp') AS u \gset
SELECT permissions.register_token_issuer('https://idp.regress.test', :a) IS NOT NULL AS issuer,
       permissions.register_token_key('https://idp.regress.test', 'k', 'EdDSA',
           E'-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEARBvokrmujLGS0jzgP3TgJCO86ZsWR+93QDUuSDg9/jY=\n-----END PUBLIC KEY-----\n') IS NOT NULL AS key,
       permissions.map_token_subject('https://idp.regress.test', 'idp', :u) IS NOT NULL AS mapped,
       permissions.create_api_credential(:u, 'idp') IS NOT NULL AS credential;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Idp') RETURNING id AS p \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:a, 'idp') RETURNING id AS pin \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:a, :p, :pin) RETURNING id AS ch \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count) VALUES (:a, :p, :ch, '2024-01-01', 1);
INSERT INTO permissions.conditions (account_id, performer_id, chart_id, starts_on, label) VALUES (:a, :p, :ch, '2024-01-01', 'x');
INSERT INTO permissions.notes (account_id, performer_id, chart_id, body) VALUES (:a, :p, :ch, 'x');
INSERT INTO permissions.journal_types (account_id, name) VALUES (:a, 'idp') RETURNING id AS jt \gset
INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, body) VALUES (:a, :p, :jt, 'x');
INSERT INTO permissions.tags (account_id, name) VALUES (:a, 'idp') RETURNING id AS tag \gset
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id) VALUES (:a, :tag, 'performer', :p);
INSERT INTO permissions.groups (account_id, name) VALUES (:a, 'idp');
INSERT INTO permissions.teams (account_id, name) VALUES (:a, 'idp');
INSERT INTO permissions.chart_views (account_id, name) VALUES (:a, 'idp');
INSERT INTO permissions.reporting_views (account_id, name) VALUES (:a, 'idp');
SELECT permissions.grant_access('tier2', user_id => :u, performer_id => :p) IS NOT NULL AS granted;
SELECT permissions.add_credits(:a, 5) IS NOT NULL AS credited;
INSERT INTO permissions.assessments (account_id, performer_id, kind) VALUES (:a, :p, 'idp');
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:a, :p, 'idp');
-- a read by a user while the accounting is on: a record of disclosures
CREATE ROLE regress_idp_reader IN ROLE permissions_client;
SELECT permissions.create_user(:a, 'idp reader', access => 'tier4', db_role => 'regress_idp_reader') IS NOT NULL AS reader;
SET permissions.read_accounting = on;
SET ROLE regress_idp_reader;
SELECT count(*) AS performers_read FROM permissions.performers;
RESET ROLE;
RESET permissions.read_accounting;
CREATE FUNCTION pg_temp.row_count(tbl name) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM permissions.%I', tbl) INTO n;
    RETURN n;
END $$;
SELECT c.relname AS identity_table_left_empty
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attidentity <> ''
 WHERE c.relnamespace = 'permissions'::regnamespace AND c.relkind = 'r'
   AND pg_temp.row_count(c.relname) = 0;

-- every write path, on every identity table, as the wide role; a chosen id
-- lies far above any id yet drawn
SET ROLE regress_idp_wide;
CREATE TEMP TABLE outcome (tbl name, path text, result text);
DO $$
DECLARE
    t name;
    chosen constant bigint := 900000000;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attidentity <> ''
              WHERE c.relnamespace = 'permissions'::regnamespace ORDER BY 1
    LOOP
        INSERT INTO outcome VALUES
        (t, 'INSERT VALUES', regress_idp.try(format('INSERT INTO permissions.%I (id) VALUES (%s)', t, chosen))),
        (t, 'INSERT OVERRIDING SYSTEM VALUE', regress_idp.try(format('INSERT INTO permissions.%I (id) OVERRIDING SYSTEM VALUE VALUES (%s)', t, chosen))),
        (t, 'INSERT SELECT', regress_idp.try(format('INSERT INTO permissions.%I (id) SELECT g FROM generate_series(%s, %s) g', t, chosen, chosen + 3))),
        (t, 'INSERT ON CONFLICT DO NOTHING', regress_idp.try(format('INSERT INTO permissions.%I (id) VALUES (%s) ON CONFLICT DO NOTHING', t, chosen))),
        (t, 'MERGE INSERT', regress_idp.try(format('MERGE INTO permissions.%I x USING (SELECT %s AS id) s ON x.id = s.id WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)', t, chosen))),
        (t, 'MERGE UPDATE SET id', regress_idp.try(format('MERGE INTO permissions.%I x USING (SELECT id FROM permissions.%I) s ON x.id = s.id WHEN MATCHED THEN UPDATE SET id = x.id + %s', t, t, chosen))),
        (t, 'UPDATE SET id', regress_idp.try(format('UPDATE permissions.%I SET id = id + %s', t, chosen))),
        (t, 'writable CTE', regress_idp.try(format('WITH w AS (INSERT INTO permissions.%I (id) VALUES (%s) RETURNING 1) SELECT count(*) FROM w', t, chosen)));
        -- a view of one's own, with a default on id, and a rule writing through to the table
        EXECUTE format('CREATE VIEW regress_idp.%I AS SELECT * FROM permissions.%I', 'v_' || t, t);
        EXECUTE format('ALTER VIEW regress_idp.%I ALTER COLUMN id SET DEFAULT %s', 'v_' || t, chosen);
        INSERT INTO outcome VALUES
        (t, 'view default', regress_idp.try(format('INSERT INTO regress_idp.%I DEFAULT VALUES', 'v_' || t)));
        EXECUTE format('CREATE TABLE regress_idp.%I (id bigint)', 'r_' || t);
        EXECUTE format('CREATE RULE r AS ON INSERT TO regress_idp.%I DO INSTEAD INSERT INTO permissions.%I (id) VALUES (NEW.id)', 'r_' || t, t);
        INSERT INTO outcome VALUES
        (t, 'rule', regress_idp.try(format('INSERT INTO regress_idp.%I VALUES (%s)', 'r_' || t, chosen)));
    END LOOP;
END
$$;
-- every attempt refused by the trigger: nothing else may answer first
SELECT path, count(*) AS tables, string_agg(DISTINCT result, '; ') AS results
  FROM outcome GROUP BY path ORDER BY path;
SELECT tbl, path, result FROM outcome
 WHERE result NOT LIKE 'refused: id %' ORDER BY 1, 2;
-- ON CONFLICT DO UPDATE SET id: the insert draws its id, the update may not change one
SELECT regress_idp.try(format('INSERT INTO permissions.tags (account_id, name) VALUES (%s, ''idp'')
                               ON CONFLICT (account_id, name) DO UPDATE SET id = 900000000', :a)) AS on_conflict_update_id;
-- nothing was written with a chosen id
RESET ROLE;
DO $$
DECLARE
    t name;
    n bigint;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attidentity <> ''
              WHERE c.relnamespace = 'permissions'::regnamespace
    LOOP
        EXECUTE format('SELECT count(*) FROM permissions.%I WHERE id >= 900000000', t) INTO n;
        IF n > 0 THEN
            RAISE WARNING '% rows with a chosen id in %', n, t;
        END IF;
    END LOOP;
END
$$;
SET ROLE regress_idp_wide;

-- COPY, written out for each table (COPY FROM STDIN cannot run in a loop);
-- the list must name every identity table
SELECT count(*) AS identity_tables FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'permissions'::regnamespace AND a.attidentity <> '';
COPY permissions.access_grants (id) FROM STDIN;
900000000
\.
COPY permissions.accounts (id) FROM STDIN;
900000000
\.
COPY permissions.api_credentials (id) FROM STDIN;
900000000
\.
COPY permissions.assessments (id) FROM STDIN;
900000000
\.
COPY permissions.audit_log (id) FROM STDIN;
900000000
\.
COPY permissions.chart_views (id) FROM STDIN;
900000000
\.
COPY permissions.charts (id) FROM STDIN;
900000000
\.
COPY permissions.conditions (id) FROM STDIN;
900000000
\.
COPY permissions.credit_ledger (id) FROM STDIN;
900000000
\.
COPY permissions.groups (id) FROM STDIN;
900000000
\.
COPY permissions.journal_types (id) FROM STDIN;
900000000
\.
COPY permissions.journals (id) FROM STDIN;
900000000
\.
COPY permissions.measurements (id) FROM STDIN;
900000000
\.
COPY permissions.notes (id) FROM STDIN;
900000000
\.
COPY permissions.performers (id) FROM STDIN;
900000000
\.
COPY permissions.pinpoints (id) FROM STDIN;
900000000
\.
COPY permissions.reporting_views (id) FROM STDIN;
900000000
\.
COPY permissions.reviews (id) FROM STDIN;
900000000
\.
COPY permissions.tag_assignments (id) FROM STDIN;
900000000
\.
COPY permissions.tags (id) FROM STDIN;
900000000
\.
COPY permissions.teams (id) FROM STDIN;
900000000
\.
COPY permissions.token_issuers (id) FROM STDIN;
900000000
\.
COPY permissions.token_keys (id) FROM STDIN;
900000000
\.
COPY permissions.token_subjects (id) FROM STDIN;
900000000
\.
COPY permissions.users (id) FROM STDIN;
900000000
\.

-- an id drawn by the default is accepted once: the session's currval
-- given again (after its row is gone) is not a new id
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:a, 'drawn') RETURNING id AS drawn \gset
DELETE FROM permissions.pinpoints WHERE id = :drawn;
INSERT INTO permissions.pinpoints (id, account_id, name) VALUES (:drawn, :a, 'again');
-- the default keeps working, on every path, for rows that leave id out
INSERT INTO permissions.pinpoints (account_id, name) SELECT :a, 'x' || g FROM generate_series(1, 3) g;
MERGE INTO permissions.pinpoints x USING (SELECT 'merged' AS name) s ON x.name = s.name
WHEN NOT MATCHED THEN INSERT (account_id, name) VALUES (:a, s.name);
SELECT name FROM permissions.pinpoints WHERE account_id = :a ORDER BY name;
RESET ROLE;

-- clean up
SELECT permissions.delete_account(:a, force => true);
DELETE FROM permissions.token_issuers WHERE issuer = 'https://idp.regress.test';
DROP TABLE outcome;
SET client_min_messages = warning;
DROP SCHEMA regress_idp CASCADE;
RESET client_min_messages;
REVOKE ALL ON ALL TABLES IN SCHEMA permissions FROM regress_idp_wide;
DROP ROLE regress_idp_wide, regress_idp_reader;
