--
-- How long a token identity lasts: the transaction by default (COMMIT,
-- ROLLBACK and ROLLBACK TO SAVEPOINT end it; logout(), DISCARD ALL and
-- RESET ALL too); the session only for roles a DBA allowed, for tokens and
-- credentials alike.  Deleting or disabling its key, deleting or changing
-- its subject mapping, deactivating or deleting its user, or deleting its
-- issuer ends it at the next statement, even for a token the backend
-- remembers.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

\set pem_ed '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n'
\set ok_eddsa 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.vKOlmagdjjT92sUaUZ-4dotRO3k1QHk3AASBHfukFkt82tHXZfZz50GqVZNc0T6P62gZk-aQCKJxK3lSypp1Dw'
\set ok_dave 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJkYXZlIiwiYXVkIjoicmVncmVzcy1hcHAiLCJleHAiOjQxMDI0NDQ4MDB9.LskiNL076hnf0f8FHRL4nLm6kpEVHK8qfFBTQtgjhvXm0hK7wTntSvOg4tki7z6GF4wbe_-m67nzmf0jvmAyDQ'
\set ok_del 'eyJhbGciOiJFZERTQSIsImtpZCI6ImRlbDEiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.6UlmBOV5eFGuClb3dmD4tIDkOr6EGD7ASb0e9V8xFUiS2MfakgX1BPk4VXXzIbGliNUmMu_fFcf0GH9DK7loAw'

-- regress_tklt_app: a pooled application role; regress_tklt_job: a role
-- with a dedicated connection, allowed session identities by the DBA
CREATE ROLE regress_tklt_app;
CREATE ROLE regress_tklt_job;
GRANT permissions_client TO regress_tklt_app, regress_tklt_job;
SELECT permissions.create_account('regress tklt account') AS acct \gset
SELECT permissions.create_user(:acct, 'tklt_alice', access => 'tier4') AS alice \gset
SELECT permissions.create_user(:acct, 'tklt_dave', access => 'tier4') AS dave \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Tklt One');
SELECT permissions.register_token_issuer('https://idp.regress.test', :acct,
                                         max_lifetime => '100 years') IS NOT NULL AS issuer;
SELECT permissions.register_token_key('https://idp.regress.test', 'ed1', 'EdDSA', :'pem_ed', 'regress-app') IS NOT NULL AS ed1,
       permissions.register_token_key('https://idp.regress.test', 'del1', 'EdDSA', :'pem_ed', 'regress-app') IS NOT NULL AS del1;
SELECT permissions.map_token_subject('https://idp.regress.test', 'alice', :alice) IS NOT NULL AS alice,
       permissions.map_token_subject('https://idp.regress.test', 'dave', :dave) IS NOT NULL AS dave;
SELECT permissions.create_api_credential(:alice, 'tklt') AS cred \gset
SELECT permissions.allow_session_identity('regress_tklt_job', 'regress: dedicated connection');
CREATE TABLE regress_tklt_names (id bigint, name text);
INSERT INTO regress_tklt_names VALUES (:alice, 'alice'), (:dave, 'dave');
GRANT SELECT ON regress_tklt_names TO PUBLIC;
CREATE FUNCTION regress_tklt_who() RETURNS text LANGUAGE sql STABLE
AS $$ SELECT coalesce((SELECT name FROM regress_tklt_names WHERE id = permissions.current_user_id()),
                      permissions.current_user_id()::text, 'nobody') $$;

SET SESSION AUTHORIZATION regress_tklt_app;
-- transaction scope: COMMIT, ROLLBACK, and an autocommit statement
BEGIN;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
SELECT regress_tklt_who() AS who;
COMMIT;
SELECT regress_tklt_who() AS who_after_commit;
BEGIN;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
ROLLBACK;
SELECT regress_tklt_who() AS who_after_rollback;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
SELECT regress_tklt_who() AS who_next_statement;
-- savepoints: ROLLBACK TO removes an identity made after the savepoint and
-- keeps one made before it
BEGIN;
SAVEPOINT s;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
ROLLBACK TO s;
SELECT regress_tklt_who() AS who_after_rollback_to;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
SAVEPOINT s2;
SELECT permissions.authenticate_token(:'ok_dave') = :dave AS authenticated;
SELECT regress_tklt_who() AS who;
ROLLBACK TO s2;
SELECT regress_tklt_who() AS who_after_rollback_to;
COMMIT;
-- logout(), RESET ALL and DISCARD ALL end it inside the transaction
BEGIN;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
SELECT permissions.logout();
SELECT regress_tklt_who() AS who_after_logout;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
RESET ALL;
SELECT regress_tklt_who() AS who_after_reset_all;
COMMIT;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
DISCARD ALL;
SET SESSION AUTHORIZATION regress_tklt_app;
SELECT regress_tklt_who() AS who_after_discard_all;

-- session scope is refused for a pooled role, for tokens and credentials,
-- and the refusal ends the identity the session had
BEGIN;
SELECT permissions.authenticate_token(:'ok_dave') = :dave AS authenticated;
SAVEPOINT s;
SELECT permissions.authenticate_token(:'ok_eddsa', true);
ROLLBACK TO s;
SELECT regress_tklt_who() AS who_after_refusal;
SELECT permissions.authenticate(:'cred', true);
ROLLBACK;
SELECT regress_tklt_who() AS who;

-- a role the DBA allowed keeps a session identity across transactions,
-- until logout() or DISCARD ALL
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT permissions.authenticate_token(:'ok_eddsa', true) = :alice AS session_identity;
BEGIN;
SELECT regress_tklt_who() AS who;
COMMIT;
SELECT regress_tklt_who() AS who_later;
SELECT permissions.logout();
SELECT regress_tklt_who() AS who_after_logout;
SELECT permissions.authenticate(:'cred', true) = :alice AS session_credential;
DISCARD ALL;
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_after_discard_all;

-- deleting the key ends the identity at the next statement, although the
-- backend remembers the token; registering the key again does not revive it
SELECT permissions.authenticate_token(:'ok_del', true) = :alice AS session_identity;
SELECT permissions.authenticate_token(:'ok_del', true) = :alice AS remembered_token;
RESET SESSION AUTHORIZATION;
SELECT permissions.delete_token_key('https://idp.regress.test', 'del1');
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_after_key_deleted;
SELECT permissions.authenticate_token(:'ok_del');
RESET SESSION AUTHORIZATION;
SELECT permissions.register_token_key('https://idp.regress.test', 'del1', 'EdDSA', :'pem_ed', 'regress-app') IS NOT NULL AS del1_again;
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_after_key_registered_again;
SELECT permissions.authenticate_token(:'ok_del', true) = :alice AS new_identity;

-- a disabled key suspends the identity; so does a key past its not_after
RESET SESSION AUTHORIZATION;
UPDATE permissions.token_keys SET enabled = false WHERE key_id = 'del1';
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_key_disabled;
SELECT permissions.authenticate_token(:'ok_del');
RESET SESSION AUTHORIZATION;
UPDATE permissions.token_keys SET enabled = true, not_after = now() - interval '1 second' WHERE key_id = 'del1';
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_key_expired;
SELECT permissions.authenticate_token(:'ok_del');

-- the subject mapping: removed, or moved to another user
SELECT permissions.authenticate_token(:'ok_dave', true) = :dave AS session_identity;
RESET SESSION AUTHORIZATION;
SELECT permissions.unmap_token_subject('https://idp.regress.test', 'dave');
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_after_unmap;
SELECT permissions.authenticate_token(:'ok_eddsa', true) = :alice AS session_identity;
RESET SESSION AUTHORIZATION;
SELECT permissions.map_token_subject('https://idp.regress.test', 'alice', :dave, remap => true) IS NOT NULL AS remapped;
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_after_remap;
SELECT permissions.authenticate_token(:'ok_eddsa', true) = :dave AS now_dave;

-- the user deactivated, the user deleted, then the issuer deleted
RESET SESSION AUTHORIZATION;
UPDATE permissions.users SET active = false WHERE id = :dave;
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_user_inactive;
RESET SESSION AUTHORIZATION;
UPDATE permissions.users SET active = true WHERE id = :dave;
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_user_active_again;
RESET SESSION AUTHORIZATION;
DELETE FROM permissions.users WHERE id = :dave;
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_user_deleted;
SELECT permissions.authenticate_token(:'ok_eddsa');
RESET SESSION AUTHORIZATION;
SELECT permissions.map_token_subject('https://idp.regress.test', 'alice', :alice) IS NOT NULL AS mapped_again;
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT permissions.authenticate_token(:'ok_eddsa', true) = :alice AS session_identity;
RESET SESSION AUTHORIZATION;
SELECT permissions.delete_token_issuer('https://idp.regress.test');
SET SESSION AUTHORIZATION regress_tklt_job;
SELECT regress_tklt_who() AS who_after_issuer_deleted;
SELECT count(*) AS performers_seen FROM permissions.performers;
SELECT permissions.logout();
RESET SESSION AUTHORIZATION;

-- clean up
SELECT permissions.disallow_session_identity('regress_tklt_job');
DROP FUNCTION regress_tklt_who();
DROP TABLE regress_tklt_names;
