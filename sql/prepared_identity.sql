--
-- Prepared statements and cached plans never carry one identity's access to
-- another: a statement prepared as one user and executed as another (after
-- SET ROLE or authenticate()) returns the second user's rows, with generic
-- and custom plans, with and without parameters, and inside PL/pgSQL.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE regress_prep_a;
GRANT permissions_client TO regress_prep_a;
CREATE ROLE regress_prep_b;
GRANT permissions_client TO regress_prep_b;
CREATE ROLE regress_prep_app;
GRANT permissions_client TO regress_prep_app;
SELECT permissions.create_account('regress prep account a') AS acct_a \gset
SELECT permissions.create_account('regress prep account b') AS acct_b \gset
SELECT permissions.create_user(:acct_a, 'prep_a', access => 'tier4', db_role => 'regress_prep_a') AS ua \gset
SELECT permissions.create_user(:acct_b, 'prep_b', access => 'tier4', db_role => 'regress_prep_b') AS ub \gset
INSERT INTO permissions.performers (account_id, first_name)
VALUES (:acct_a, 'Prep A1'), (:acct_a, 'Prep A2'), (:acct_b, 'Prep B1');
SELECT id AS pa1 FROM permissions.performers WHERE account_id = :acct_a AND first_name = 'Prep A1' \gset
SELECT permissions.create_api_credential(:ua, 'prep a') AS cred_a \gset
SELECT permissions.create_api_credential(:ub, 'prep b') AS cred_b \gset

-- generic plan: prepared as a, executed as a (several times, so the generic
-- plan is built and reused), then as b, nobody, and through credentials
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_prep_a;
PREPARE q AS SELECT first_name FROM permissions.performers ORDER BY 1;
EXECUTE q;
EXECUTE q;
EXECUTE q;
SET ROLE regress_prep_b;
EXECUTE q;
EXECUTE q;
SET ROLE regress_prep_app;
EXECUTE q;
BEGIN;
SELECT permissions.authenticate(:'cred_a') = :ua AS authenticated;
EXECUTE q;
EXECUTE q;
COMMIT;
EXECUTE q;
BEGIN;
SELECT permissions.authenticate(:'cred_b') = :ub AS authenticated;
EXECUTE q;
COMMIT;
-- a credential switch without a role change, under one cached plan
BEGIN;
SELECT permissions.authenticate(:'cred_a') = :ua AS authenticated;
EXECUTE q;
SELECT permissions.authenticate(:'cred_b') = :ub AS authenticated;
EXECUTE q;
COMMIT;
SELECT generic_plans > 0 AS generic_plan_used, custom_plans AS custom_plans
FROM pg_prepared_statements WHERE name = 'q';
RESET ROLE;
DEALLOCATE q;

-- the same with custom plans (PostgreSQL plans a statement without
-- parameters once, whatever the mode: the parameter cases below use both)
SET plan_cache_mode = force_custom_plan;
SET ROLE regress_prep_b;
PREPARE q AS SELECT first_name FROM permissions.performers ORDER BY 1;
EXECUTE q;
EXECUTE q;
SET ROLE regress_prep_a;
EXECUTE q;
SET ROLE regress_prep_app;
EXECUTE q;
BEGIN;
SELECT permissions.authenticate(:'cred_b') = :ub AS authenticated;
EXECUTE q;
SELECT permissions.authenticate(:'cred_a') = :ua AS authenticated;
EXECUTE q;
COMMIT;
EXECUTE q;
RESET ROLE;
DEALLOCATE q;

-- a parameter: a's performer is found by a, by nobody else, under each plan mode
SET plan_cache_mode = force_generic_plan;
SET ROLE regress_prep_a;
PREPARE p(bigint) AS SELECT first_name FROM permissions.performers WHERE id = $1;
EXECUTE p(:pa1);
EXECUTE p(:pa1);
SET ROLE regress_prep_b;
EXECUTE p(:pa1);
SET ROLE regress_prep_app;
BEGIN;
SELECT permissions.authenticate(:'cred_a') = :ua AS authenticated;
EXECUTE p(:pa1);
SELECT permissions.authenticate(:'cred_b') = :ub AS authenticated;
EXECUTE p(:pa1);
COMMIT;
SET plan_cache_mode = force_custom_plan;
EXECUTE p(:pa1);
SET ROLE regress_prep_a;
EXECUTE p(:pa1);
SET ROLE regress_prep_b;
EXECUTE p(:pa1);
SELECT generic_plans > 0 AS generic_plan_used, custom_plans > 0 AS custom_plan_used
FROM pg_prepared_statements WHERE name = 'p';
-- and the default mode, which turns to a generic plan after five custom ones
SET plan_cache_mode = auto;
RESET ROLE;
DEALLOCATE p;
SET ROLE regress_prep_app;
BEGIN;
SELECT permissions.authenticate(:'cred_a') = :ua AS authenticated;
PREPARE p(bigint) AS SELECT first_name FROM permissions.performers WHERE id = $1;
EXECUTE p(:pa1);
EXECUTE p(:pa1);
EXECUTE p(:pa1);
EXECUTE p(:pa1);
EXECUTE p(:pa1);
EXECUTE p(:pa1);
EXECUTE p(:pa1);
SELECT generic_plans > 0 AS generic_plan_used FROM pg_prepared_statements WHERE name = 'p';
SELECT permissions.authenticate(:'cred_b') = :ub AS authenticated;
EXECUTE p(:pa1);
EXECUTE p(:pa1);
COMMIT;
EXECUTE p(:pa1);
RESET ROLE;
DEALLOCATE p;

-- PL/pgSQL caches the plans of its queries for the session
CREATE FUNCTION regress_prep_names() RETURNS text LANGUAGE plpgsql STABLE
AS $$ BEGIN RETURN (SELECT coalesce(string_agg(first_name, ', ' ORDER BY first_name), '(none)')
                    FROM permissions.performers); END $$;
SET ROLE regress_prep_a;
SELECT regress_prep_names();
SELECT regress_prep_names();
SET ROLE regress_prep_b;
SELECT regress_prep_names();
SET ROLE regress_prep_app;
SELECT regress_prep_names();
BEGIN;
SELECT permissions.authenticate(:'cred_a') = :ua AS authenticated;
SELECT regress_prep_names();
SELECT permissions.authenticate(:'cred_b') = :ub AS authenticated;
SELECT regress_prep_names();
COMMIT;
SELECT regress_prep_names();
RESET ROLE;

-- clean up
RESET plan_cache_mode;
DROP FUNCTION regress_prep_names();
UPDATE permissions.users SET db_role = NULL WHERE id IN (:ua, :ub);
DROP ROLE regress_prep_a, regress_prep_b, regress_prep_app;
