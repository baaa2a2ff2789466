--
-- Signed tokens, the accepted side: a key per algorithm (EdDSA, ES256,
-- RS256, and HS256 registered explicitly), given as PEM or as a JSON Web
-- Key; a token of each, signed by PyJWT (test/tokens/regress_tokens.py),
-- makes the transaction act as the user its subject is mapped to.  A token
-- says who, never what.  Registration refuses keys that do not fit their
-- algorithm, public keys as HS256 secrets, private keys, and non-superusers.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

\set pem_ed '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n'
\set pem_rs '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6HUJxnIXUJMAQyk/BeLu\nd/XTx9pPwlkvREAXQOyytkggPTK+n/xGbl8QJ3R1INKf+yIVVlLYwFjdlztFXBrl\nXYoLeWEI0Tfnw1uJt1aIRDheElkG/G9Sb254wJQXoQmS8vyJR9bqXy5TAjg+Gzc6\njQCJHXJbmBfBe7v4Cu2sG0czvYsYhSxFTWa3o0WE0VDSwXTsnOMucZp1R/58ZuyW\nli67SHntes5IOex9CROf2DZloKbcG1PaM1WqlRsaIYoWYTq45xIinxsflbCHSnOZ\nJekzE7Tg/4/zmEUv077duhazE3VkFO9KUiYT/lhy/jskGVVm75QG6duqTq0wb/zH\nFwIDAQAB\n-----END PUBLIC KEY-----\n'
\set jwk_es '{"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "x": "C5mgY2UklbthSN2jmKfgO_VTgrl41S_94vtP-njhOSY", "y": "3sezF8P5Q06KB2zD4mKwAYbSu1giZb4YBAhzXRj8XAQ"}'
\set jwk_ed '{"kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}'
\set hs_secret 'regress shared secret: thirty-two bytes or more!'
\set pem_rs1024 '-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1HJlvQiYw8uwnc1W/r1QSx7X/\ngX7eDUz0nbviMa0XCv34tM0EqtREpjDGm9houLZeuMcDuO6HSTfdnxqGh2Bwn67I\nT2q7F+cCdSGkwvzr7N6U0CUno/cwa2rfpSk7M+HeGi9+hIgPWhbNvdqpQIsFxpdw\ngXOt9MM98GudxL9MIwIDAQAB\n-----END PUBLIC KEY-----\n'
\set pem_p384 '-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE6GuZXjUOTTEqlaa31djNzbRoL1iIAKHN\nbJcuHcsqWsONkARpUbA8yzsXmon9qIsbSFufLB9EsN1Bzm48OmkLv6q+weH/Su+y\nRh/dpmKb7L1Dz3TBPYwaFiVhIkPwBGFI\n-----END PUBLIC KEY-----\n'
\set jwk_ed_private '{"kty": "OKP", "crv": "Ed25519", "d": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}'
\set ok_eddsa 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.vKOlmagdjjT92sUaUZ-4dotRO3k1QHk3AASBHfukFkt82tHXZfZz50GqVZNc0T6P62gZk-aQCKJxK3lSypp1Dw'
\set ok_es256 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImVzMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.EDIZzOvPdaNMMj13zH9o_Y3bCHNyiPxbuNS8a942eSmFefrYGGsBPgM_iGFwq1NpoMkt9lSTNjtXBYcNoZ6P6Q'
\set ok_rs256 'eyJhbGciOiJSUzI1NiIsImtpZCI6InJzMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.UFtXIaLfzCeRBnHS_ERu3b3BElvUPpEulZ8Y6MZ_vqTXF706mcQdiGGZUZ4balk6d_GSsExGjUBpzzHzMjj-JqQwWgAR1HBEpO0UOgAcjCNEgXyHKwZ_8t2RC5AWjVFxQ1qVllrn2MxzHQ421qw2xQ6p9b5w00IeW_lfZbqgQEJizsqSrmBCSf0UwRDh-zSoUbi2MOgvIrzz8uYXQPbz13GdzVQrnxBDt-5f8EnHoe3jRSP-Q_y9CPFln3tdYi-s4ogi3muBPVWgUd-3AnDpIPtofaEPacOocgI8kbaYBicU5HskLZ03_cWPghILmHtAgWq5SpOXBNNQeyzHa9j6iQ'
\set ok_hs256 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImhzMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.mA6bukDjr0XX-MF9z_xYwJhdXizn7FYwYSydc7oGl_k'
\set ok_aud_array 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6WyJvdGhlci1hcHAiLCJyZWdyZXNzLWFwcCJdLCJleHAiOjQxMDI0NDQ4MDB9.Z_TalT5tXnngGyTBlNiLqC7oX1sVxdzG8dxoGoa9gI8sENzuYeNJSCIULyTedDuIlOvl1q8RZsSVzBrz8mWwAA'
\set ok_times 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjE2MDAwMDAwMDAsImlhdCI6MTYwMDAwMDAwMH0.cpu8FNeLLZeCC_h2Tn7Sub8zV7sGscMXrLMnjXT8FEVPMuefCbtXMgSr1QWZWp830BJ-hET1ga95Nr0VFCYnCQ'
\set ok_no_aud_key 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMyIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.qJoB0lUa5gOWttoP1wldzGhXHem1DTOfmNNgzvhKzKGfJqYqFepam0ome2r_DUl8QlAtskL5-7yxpP95ohcMAQ'
\set ok_claims_lie 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwLCJyb2xlIjoibWFuYWdlciIsImFjY2VzcyI6InRpZXIxIiwicGVybWlzc2lvbnMiOlsibWFuYWdlX3VzZXJzIl0sInVzZXJfaWQiOjEsImFjY291bnRfaWQiOjF9.RQVMiK1AHQV-qKUaTHqR_SVp9x5R_n0ss50BiwcPajIKobBoPnvzhoeFaZloTKLx6IIdDUOEOy1IdnBY1XP6BA'

CREATE ROLE regress_tkal_app;
CREATE ROLE regress_tkal_other;
GRANT permissions_client TO regress_tkal_app, regress_tkal_other;
SELECT permissions.create_account('regress tkal account') AS acct \gset
SELECT permissions.create_user(:acct, 'tkal_alice', access => 'tier4') AS alice \gset
INSERT INTO permissions.performers (account_id, first_name)
VALUES (:acct, 'Tkal One'), (:acct, 'Tkal Two');

-- one issuer, one key per algorithm; ed3 has no audience
SELECT permissions.register_token_issuer('https://idp.regress.test', :acct,
                                         max_lifetime => '100 years') IS NOT NULL AS issuer;
SELECT permissions.register_token_key('https://idp.regress.test', 'ed1', 'EdDSA', :'pem_ed', 'regress-app') IS NOT NULL AS ed1,
       permissions.register_token_key('https://idp.regress.test', 'es1', 'ES256', :'jwk_es', 'regress-app') IS NOT NULL AS es1,
       permissions.register_token_key('https://idp.regress.test', 'rs1', 'RS256', :'pem_rs', 'regress-app') IS NOT NULL AS rs1,
       permissions.register_token_key('https://idp.regress.test', 'hs1', 'HS256', :'hs_secret', 'regress-app',
                                      allow_shared_secret => true) IS NOT NULL AS hs1,
       permissions.register_token_key('https://idp.regress.test', 'ed3', 'EdDSA', :'jwk_ed') IS NOT NULL AS ed3;
-- every public key is stored as PEM, whatever form it came in
SELECT key_id, algorithm, public_key LIKE '-----BEGIN PUBLIC KEY-----%' AS pem,
       secret IS NOT NULL AS secret, audience
  FROM permissions.token_keys WHERE issuer = 'https://idp.regress.test' ORDER BY key_id;
SELECT (SELECT public_key FROM permissions.token_keys WHERE key_id = 'ed1') =
       (SELECT public_key FROM permissions.token_keys WHERE key_id = 'ed3') AS jwk_is_same_key_as_pem;
SELECT permissions.map_token_subject('https://idp.regress.test', 'alice', :alice) IS NOT NULL AS mapped;

-- a token of each algorithm acts as alice, for its transaction
SET ROLE regress_tkal_app;
SELECT permissions.current_user_id() IS NULL AS nobody_before;
BEGIN;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS eddsa;
SELECT permissions.current_user_id() = :alice AS is_alice;
SELECT first_name FROM permissions.performers ORDER BY 1;
COMMIT;
SELECT permissions.current_user_id() IS NULL AS nobody_after;
BEGIN;
SELECT permissions.authenticate_token(:'ok_es256') = :alice AS es256;
SELECT count(*) AS performers FROM permissions.performers;
COMMIT;
BEGIN;
SELECT permissions.authenticate_token(:'ok_rs256') = :alice AS rs256;
SELECT count(*) AS performers FROM permissions.performers;
COMMIT;
BEGIN;
SELECT permissions.authenticate_token(:'ok_hs256') = :alice AS hs256;
SELECT count(*) AS performers FROM permissions.performers;
COMMIT;
-- aud as an array naming the key's audience; nbf and iat in the past; a
-- key without audience and a token without aud
SELECT permissions.authenticate_token(:'ok_aud_array') = :alice AS aud_array;
SELECT permissions.authenticate_token(:'ok_times') = :alice AS nbf_iat_past;
SELECT permissions.authenticate_token(:'ok_no_aud_key') = :alice AS no_audience;
-- the session acts as alice only in the statement's own transaction
SELECT permissions.current_user_id() IS NULL AS nobody_after_autocommit;

-- a token says who, never what: role, access and permissions claims are
-- ignored; alice stays a tier4 user without permissions
BEGIN;
SELECT permissions.authenticate_token(:'ok_claims_lie') = :alice AS claims_ignored;
SELECT role, access, permissions FROM permissions.users WHERE id = permissions.current_user_id();
SELECT permissions.has_permission('manage_users') AS manage_users,
       permissions.effective_tier(min(id)) AS tier FROM permissions.performers;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Tkal Forged');
ROLLBACK;

-- the same token again: its signature is remembered, every other check is
-- made again
SELECT remembered AS remembered_before FROM permissions.token_cache_stats() \gset
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS same_token_again;
SELECT remembered - :remembered_before AS remembered FROM permissions.token_cache_stats();

-- the identity belongs to the role that authenticated
RESET ROLE;
GRANT regress_tkal_other TO regress_tkal_app;
SET ROLE regress_tkal_app;
BEGIN;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
SET LOCAL ROLE regress_tkal_other;
SELECT permissions.current_user_id() IS NULL AS other_role_is_nobody;
RESET ROLE;
SET LOCAL ROLE regress_tkal_app;
SELECT permissions.current_user_id() = :alice AS back_to_alice;
COMMIT;
RESET ROLE;

-- registration refuses a key that does not fit its algorithm
SELECT permissions.register_token_key('https://idp.regress.test', 'x1', 'EdDSA', :'pem_rs');
SELECT permissions.register_token_key('https://idp.regress.test', 'x2', 'ES256', :'pem_p384');
SELECT permissions.register_token_key('https://idp.regress.test', 'x3', 'RS256', :'pem_rs1024');
SELECT permissions.register_token_key('https://idp.regress.test', 'x4', 'RS256', :'jwk_es');
SELECT permissions.register_token_key('https://idp.regress.test', 'x5', 'EdDSA', :'jwk_ed_private');
SELECT permissions.register_token_key('https://idp.regress.test', 'x6', 'EdDSA', 'not a key');
SELECT permissions.register_token_key('https://idp.regress.test', 'x7', 'none', :'pem_ed');
SELECT permissions.register_token_key('https://idp.regress.test', 'x8', 'RS512', :'pem_rs');
-- HS256 only when asked for, never with a public key as the secret, at least 32 bytes
SELECT permissions.register_token_key('https://idp.regress.test', 'x9', 'HS256', :'hs_secret');
SELECT permissions.register_token_key('https://idp.regress.test', 'x10', 'HS256', :'pem_rs',
                                      allow_shared_secret => true);
SELECT permissions.register_token_key('https://idp.regress.test', 'x11', 'HS256', :'jwk_ed',
                                      allow_shared_secret => true);
SELECT permissions.register_token_key('https://idp.regress.test', 'x12', 'HS256', 'thirty-one bytes are not enough',
                                      allow_shared_secret => true);
SELECT permissions.register_token_key('https://idp.regress.test', 'x13', 'HS256',
                                      '{"kty":"oct","k":"c2VjcmV0IG9mIHRoaXJ0eS10d28gYnl0ZXMsIGluIGEgSldL"}',
                                      allow_shared_secret => true) IS NOT NULL AS oct_jwk_secret;
-- a kid is registered once per issuer; rotation adds a new kid
SELECT permissions.register_token_key('https://idp.regress.test', 'ed1', 'EdDSA', :'pem_ed');
SELECT key_id FROM permissions.token_keys WHERE key_id LIKE 'x%' ORDER BY 1;

-- only superusers register, and nobody else reads keys or secrets
SET ROLE regress_tkal_app;
SELECT permissions.register_token_key('https://idp.regress.test', 'x20', 'EdDSA', :'pem_ed');
SELECT permissions.register_token_issuer('https://evil.test');
SELECT permissions.delete_token_key('https://idp.regress.test', 'ed1');
SELECT * FROM permissions.token_keys;
SELECT secret FROM permissions.token_keys;
SELECT permissions.token_shared_secret(:'hs_secret');
DELETE FROM permissions.token_keys;
RESET ROLE;
SELECT count(*) AS keys FROM permissions.token_keys WHERE issuer = 'https://idp.regress.test';

SELECT permissions.delete_token_issuer('https://idp.regress.test');
SELECT count(*) AS keys_left FROM permissions.token_keys WHERE issuer = 'https://idp.regress.test';
