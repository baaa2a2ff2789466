--
-- API credentials: the format of a new credential, that only the SHA-256 of
-- its secret is stored (and hidden from non-superusers), authenticate(), and
-- that every bad, deleted or inactive credential is refused with no identity
-- left behind.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

-- regress_idcr_app is the pooled application role: unmapped, nobody by itself
CREATE ROLE regress_idcr_app;
GRANT permissions_client TO regress_idcr_app;
-- this role holds session-scope identities below: a DBA allows it
SELECT permissions.allow_session_identity('regress_idcr_app');
CREATE ROLE regress_idcr_user;
GRANT permissions_client TO regress_idcr_user;
SELECT permissions.create_account('regress idcr account') AS acct \gset
SELECT permissions.create_user(:acct, 'idcr_user', access => 'tier4', db_role => 'regress_idcr_user') AS u \gset
SELECT permissions.create_user(:acct, 'idcr_other', access => 'none') AS other \gset
INSERT INTO permissions.performers (account_id, first_name)
VALUES (:acct, 'Idcr One'), (:acct, 'Idcr Two');

-- errors of authenticate() whose message carries an id, with digits masked
CREATE FUNCTION regress_idcr_try(credential text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN 'accepted as ' || permissions.authenticate(credential);
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]+', 'N', 'g');
END
$$;

-- a new credential is pm_<id>_<64 lowercase hex digits>, and a fresh secret each time
SELECT permissions.create_api_credential(:u, 'idcr main') AS cred \gset
SELECT permissions.create_api_credential(:u, 'idcr second') AS cred2 \gset
SELECT :'cred' ~ '^pm_[1-9][0-9]*_[0-9a-f]{64}$' AS well_formed,
       split_part(:'cred', '_', 3) <> split_part(:'cred2', '_', 3) AS secrets_differ;
SELECT split_part(:'cred', '_', 2) AS cred_id, split_part(:'cred', '_', 3) AS secret,
       split_part(:'cred2', '_', 2) AS cred2_id \gset

-- only the 32-byte SHA-256 of the secret is stored, nowhere the secret itself
SELECT user_id = :u AS for_user, name, length(secret_hash) AS hash_bytes,
       secret_hash = sha256(decode(:'secret', 'hex')) AS is_sha256_of_secret,
       strpos(row_to_json(c)::text, :'secret') = 0 AS secret_not_in_row
FROM permissions.api_credentials c WHERE id = :cred_id;
SELECT count(*) AS audit_rows_with_secret FROM permissions.audit_log
WHERE strpos(coalesce(after::text, '') || coalesce(before::text, ''), :'secret') > 0;

-- non-superusers cannot read the hash, even of their own credential
SET ROLE regress_idcr_user;
SELECT name FROM permissions.api_credentials ORDER BY name;
SELECT secret_hash FROM permissions.api_credentials;
SELECT * FROM permissions.api_credentials;
UPDATE permissions.api_credentials SET secret_hash = sha256('x') WHERE id = :cred_id;
RESET ROLE;

-- authenticate() returns the user and makes the session that user
SET ROLE regress_idcr_app;
BEGIN;
SELECT permissions.authenticate(:'cred') = :u AS authenticated;
SELECT permissions.current_user_id() = :u AS is_user;
SELECT first_name FROM permissions.performers ORDER BY 1;
COMMIT;
SELECT permissions.current_user_id() IS NULL AS ended_with_transaction;

-- every bad credential gets the same error, and leaves no identity, not even
-- the session identity that existed before it
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_' || :'cred_id' || '_' || overlay(:'secret' placing
       CASE WHEN right(:'secret', 1) = '0' THEN '1' ELSE '0' END from 64));
SELECT permissions.current_user_id() IS NULL AS no_identity;
\set VERBOSITY terse
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_' || (:cred_id + 1000000) || '_' || :'secret');  -- unknown id
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_' || :'cred2_id' || '_' || :'secret');  -- another credential's id
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('');
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate(NULL);
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_');
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_1_xyz');
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate(:'cred' || '0');  -- extra characters
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate(' ' || :'cred');
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate(:'cred' || E'\n');
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate(left(:'cred', -1));  -- one digit short
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_' || :'cred_id' || '_' || upper(:'secret'));  -- uppercase hex
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('PM_' || :'cred_id' || '_' || :'secret');
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_0' || :'cred_id' || '_' || :'secret');  -- leading zero
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_-' || :'cred_id' || '_' || :'secret');
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate('pm_99999999999999999999_' || :'secret');  -- id overflows
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
SELECT permissions.authenticate(replace(:'cred', '_', ' '));
SELECT permissions.current_user_id() IS NULL AS no_identity;
-- and nobody sees a row after the refusal
SELECT count(*) AS performers_seen FROM permissions.performers;
\set VERBOSITY default

-- the good credential still works after all that
BEGIN;
SELECT permissions.authenticate(:'cred') = :u AS authenticated;
COMMIT;

-- a deleted credential stops working at the next statement, even inside the
-- transaction that authenticated with it
BEGIN;
SELECT permissions.authenticate(:'cred2') = :u AS authenticated;
SELECT count(*) AS performers_seen FROM permissions.performers;
RESET ROLE;
DELETE FROM permissions.api_credentials WHERE id = :cred2_id;
SET ROLE regress_idcr_app;
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT count(*) AS performers_seen FROM permissions.performers;
COMMIT;
SELECT permissions.authenticate(:'cred2');

-- the same for a session identity, and when the user deletes its own credential
RESET ROLE;
SELECT permissions.create_api_credential(:u, 'idcr third') AS cred3 \gset
SELECT split_part(:'cred3', '_', 2) AS cred3_id \gset
SET ROLE regress_idcr_app;
SELECT permissions.authenticate(:'cred3', true) = :u AS session_identity;
SELECT count(*) AS performers_seen FROM permissions.performers;
RESET ROLE;
DELETE FROM permissions.api_credentials WHERE id = :cred3_id;
SET ROLE regress_idcr_app;
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT count(*) AS performers_seen FROM permissions.performers;
RESET ROLE;
SELECT permissions.create_api_credential(:u, 'idcr fourth') AS cred4 \gset
SELECT split_part(:'cred4', '_', 2) AS cred4_id \gset
SET ROLE regress_idcr_app;
BEGIN;
SELECT permissions.authenticate(:'cred4') = :u AS authenticated;
SELECT permissions.delete_api_credential(:cred4_id);
SELECT permissions.current_user_id() IS NULL AS no_identity;
COMMIT;

-- a credential of an inactive user is refused; a live identity of a user
-- made inactive ends at the next statement
SELECT permissions.authenticate(:'cred', true) = :u AS session_identity;
RESET ROLE;
UPDATE permissions.users SET active = false WHERE id = :u;
SET ROLE regress_idcr_app;
SELECT permissions.current_user_id() IS NULL AS no_identity;
SELECT count(*) AS performers_seen FROM permissions.performers;
SELECT regress_idcr_try(:'cred');
SELECT permissions.current_user_id() IS NULL AS no_identity;
RESET ROLE;
UPDATE permissions.users SET active = true WHERE id = :u;
SET ROLE regress_idcr_app;
SELECT regress_idcr_try(:'cred') = 'accepted as ' || :u AS accepted_again;

-- a credential acts as its user, so only managers make one for someone else:
-- a holder of manage_api_credentials cannot mint one for its manager, even
-- with a secret of its own choosing
RESET ROLE;
CREATE ROLE regress_idcr_keeper;
GRANT permissions_client TO regress_idcr_keeper;
SELECT permissions.create_user(:acct, 'idcr_manager', role => 'manager') AS mgr \gset
SELECT permissions.create_user(:acct, 'idcr_keeper', permissions => '{manage_api_credentials}',
                               db_role => 'regress_idcr_keeper') AS keeper \gset
SET ROLE regress_idcr_keeper;
SELECT repeat('ab', 32) AS chosen \gset
INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash)
VALUES (:acct, :mgr, 'idcr stolen', permissions.hash_api_secret(:'chosen'));
INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash, created_by)
VALUES (:acct, :keeper, 'idcr own', permissions.hash_api_secret(:'chosen'), :mgr)
RETURNING name, created_by = :keeper AS created_by_keeper;
RESET ROLE;
SELECT count(*) AS credentials_of_manager FROM permissions.api_credentials WHERE user_id = :mgr;

-- a credential works from a mapped role too, and the credential wins
RESET ROLE;
SELECT permissions.create_api_credential(:other, 'idcr other') AS cred_other \gset
SET ROLE regress_idcr_user;
BEGIN;
SELECT permissions.authenticate(:'cred_other') = :other AS authenticated;
SELECT permissions.current_user_id() = :other AS is_other;
COMMIT;
SELECT permissions.current_user_id() = :u AS mapped_again;
RESET ROLE;

-- clean up
DROP FUNCTION regress_idcr_try(text);
UPDATE permissions.users SET db_role = NULL WHERE id IN (:u, :keeper);
DROP ROLE regress_idcr_app, regress_idcr_user, regress_idcr_keeper;
