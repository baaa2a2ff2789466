--
-- Nobody forges an identity: the internal setting permissions.identity
-- refuses every value that authenticate() did not set, whatever the way it
-- is set (SET, SET LOCAL, set_config, ALTER ROLE/DATABASE ... SET, function
-- SET clauses, connection options), internal functions cannot be called for
-- effect, and the whole permissions.* prefix is reserved.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE regress_idfg_mallory;
GRANT permissions_client TO regress_idfg_mallory;
CREATE ROLE regress_idfg_victim;
GRANT permissions_client TO regress_idfg_victim;
SELECT permissions.create_account('regress idfg account') AS acct \gset
SELECT permissions.create_user(:acct, 'idfg_mallory', db_role => 'regress_idfg_mallory') AS mallory \gset
SELECT permissions.create_user(:acct, 'idfg_victim', access => 'tier1',
                               db_role => 'regress_idfg_victim') AS victim \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Idfg Secret');
SELECT permissions.create_api_credential(:victim, 'idfg victim') AS cred \gset

-- forged values that authenticate() would have set for the victim's
-- credential: one for this (superuser) session, one for mallory's role
SELECT '99:c:' || split_part(:'cred', '_', 2) || ':0:' || :victim || ':' || oid || ':9223372036854775807' AS forged
FROM pg_roles WHERE rolname = session_user \gset
SELECT '99:c:' || split_part(:'cred', '_', 2) || ':0:' || :victim || ':' || 'regress_idfg_mallory'::regrole::oid
       || ':9223372036854775807' AS forged_mallory \gset
-- (the forged value has the very form authenticate() gives the setting)
BEGIN;
SELECT permissions.authenticate(:'cred') = :victim AS authenticated;
SELECT regexp_replace(current_setting('permissions.identity'), '^[0-9]+:', '99:') = :'forged'
    AS forged_has_the_real_form;
ROLLBACK;

-- a fresh backend has not loaded the library: PostgreSQL accepts the value
-- as a placeholder, and the library throws it away when it loads
\set opts 'options=''-c permissions.identity=' :forged ''''
\c -reuse-previous=on :opts
SELECT permissions.current_user_id() IS NULL AS no_identity;
SHOW permissions.identity;
\c -reuse-previous=on "options=''"
-- (every session of the database loads the library at start, so a SET
-- clause carrying a forged value is refused when the function is created)
CREATE FUNCTION regress_idfg_as_victim() RETURNS bigint
LANGUAGE sql SET permissions.identity = :'forged'
AS $$ SELECT permissions.current_user_id() $$;
SELECT permissions.current_user_id() IS NULL AS no_identity;
-- a non-superuser may set the placeholder before the library is loaded, and
-- the library refuses it when it loads
\c -reuse-previous=on "options=''"
SET ROLE regress_idfg_mallory;
SET permissions.identity = :'forged_mallory';
SELECT permissions.current_user_id() = :mallory AS still_mallory;
SHOW permissions.identity;
RESET ROLE;

-- once loaded, a superuser session cannot set it either, in any way
SET permissions.identity = :'forged';
SELECT permissions.current_user_id() IS NULL AS no_identity;
BEGIN;
SET LOCAL permissions.identity = :'forged';
ROLLBACK;
SELECT set_config('permissions.identity', :'forged', false);
SELECT set_config('permissions.identity', :'forged', true);
SELECT permissions.current_user_id() IS NULL AS no_identity;
SHOW permissions.identity;
-- nor store it for later: refused when stored
ALTER ROLE regress_idfg_mallory SET permissions.identity = :'forged_mallory';
SELECT current_database() AS db \gset
ALTER ROLE regress_idfg_mallory IN DATABASE :"db" SET permissions.identity = :'forged_mallory';
ALTER DATABASE :"db" SET permissions.identity = :'forged';
SELECT count(*) AS stored_settings FROM pg_db_role_setting
WHERE (setrole = 'regress_idfg_mallory'::regrole OR setdatabase = (SELECT oid FROM pg_database WHERE datname = :'db'))
  AND array_to_string(setconfig, ',') LIKE '%permissions.identity%';
CREATE FUNCTION regress_idfg_as_victim() RETURNS bigint
LANGUAGE sql SET permissions.identity = :'forged'
AS $$ SELECT permissions.current_user_id() $$;
-- the empty string is accepted and means no identity
SET permissions.identity = '';
SELECT permissions.current_user_id() IS NULL AS no_identity;
RESET permissions.identity;
-- no other permissions.* setting exists or can be made up
SET permissions.anything_else = 'x';
SELECT set_config('permissions.user_id', :'victim', false);

-- a non-superuser is refused before the value is even looked at
CREATE SCHEMA regress_idfg AUTHORIZATION regress_idfg_mallory;
SET ROLE regress_idfg_mallory;
SELECT permissions.current_user_id() = :mallory AS is_mallory;
SET permissions.identity = :'forged_mallory';
SET permissions.identity = '';
SELECT set_config('permissions.identity', :'forged_mallory', false);
BEGIN;
SET LOCAL permissions.identity = :'forged_mallory';
ROLLBACK;
RESET permissions.identity;
CREATE FUNCTION regress_idfg.as_victim() RETURNS bigint
LANGUAGE sql SET permissions.identity = :'forged_mallory'
AS $$ SELECT permissions.current_user_id() $$;
SELECT permissions.current_user_id() = :mallory AS still_mallory;
SELECT count(*) AS performers_seen FROM permissions.performers WHERE account_id = :acct;
-- authenticate() with no credential is no way in either
SELECT permissions.authenticate(NULL);
SELECT permissions.current_user_id() = :mallory AS still_mallory;

-- internal functions do nothing when called directly
SELECT permissions.performer_created();
SELECT permissions.access_changed();
SELECT permissions.audit_change();
SELECT permissions.grant_creator();
SELECT permissions.users_check_rules();
RESET ROLE;
SELECT permissions.performer_created();
SELECT permissions.access_changed();

-- nor when attached to another table: performer_created() checks where it runs,
-- and the revoked trigger functions cannot be attached by a non-superuser
SET ROLE regress_idfg_mallory;
CREATE TABLE regress_idfg.mine (id bigint, account_id bigint, created_by bigint);
CREATE TRIGGER claim BEFORE INSERT ON regress_idfg.mine
    FOR EACH ROW EXECUTE FUNCTION permissions.performer_created();
INSERT INTO regress_idfg.mine VALUES (1, :acct, :mallory);
CREATE TRIGGER claim2 AFTER INSERT ON regress_idfg.mine
    FOR EACH ROW EXECUTE FUNCTION permissions.grant_creator();
CREATE TRIGGER claim3 AFTER INSERT ON regress_idfg.mine
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
SELECT count(*) AS performers_seen FROM permissions.performers WHERE account_id = :acct;
RESET ROLE;

-- and PostgreSQL refuses a SET ROLE to a role one is not a member of
SET SESSION AUTHORIZATION regress_idfg_mallory;
SET ROLE regress_idfg_victim;
SELECT current_user, permissions.current_user_id() = :mallory AS still_mallory;
RESET SESSION AUTHORIZATION;

-- clean up
SET client_min_messages = warning;
DROP SCHEMA regress_idfg CASCADE;
RESET client_min_messages;
UPDATE permissions.users SET db_role = NULL WHERE id IN (:mallory, :victim);
DROP ROLE regress_idfg_mallory, regress_idfg_victim;
