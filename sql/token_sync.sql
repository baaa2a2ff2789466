--
-- Key rotation from an issuer's published key set: sync_token_keys(issuer,
-- jwks) adds new signature keys by kid, keeps unchanged ones, and retires
-- keys no longer published (they verify for the issuer's key_grace, then
-- are disabled); it refuses private and symmetric material, weak keys and
-- a kid that would change material or algorithm, ignores encryption keys
-- and unsupported algorithms, and running it again with the same document
-- changes nothing (no audit entry).  Rotation A; A+B; B: A retires, then
-- is disabled.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

\set jwk_a '{"kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg", "kid": "A", "use": "sig", "alg": "EdDSA"}'
\set jwk_b '{"kty": "OKP", "crv": "Ed25519", "x": "C7w0aldmfDgBIL2cf9flHSxf3-o3zS9b9AWyxr9vLXg", "kid": "B", "alg": "Ed25519"}'
\set jwk_es_kid '{"kty": "EC", "crv": "P-256", "x": "C5mgY2UklbthSN2jmKfgO_VTgrl41S_94vtP-njhOSY", "y": "3sezF8P5Q06KB2zD4mKwAYbSu1giZb4YBAhzXRj8XAQ", "kid": "E", "alg": "ES256", "key_ops": ["verify"]}'
\set jwk_rs_kid '{"kty": "RSA", "n": "6HUJxnIXUJMAQyk_BeLud_XTx9pPwlkvREAXQOyytkggPTK-n_xGbl8QJ3R1INKf-yIVVlLYwFjdlztFXBrlXYoLeWEI0Tfnw1uJt1aIRDheElkG_G9Sb254wJQXoQmS8vyJR9bqXy5TAjg-Gzc6jQCJHXJbmBfBe7v4Cu2sG0czvYsYhSxFTWa3o0WE0VDSwXTsnOMucZp1R_58ZuyWli67SHntes5IOex9CROf2DZloKbcG1PaM1WqlRsaIYoWYTq45xIinxsflbCHSnOZJekzE7Tg_4_zmEUv077duhazE3VkFO9KUiYT_lhy_jskGVVm75QG6duqTq0wb_zHFw", "e": "AQAB", "kid": "R", "use": "sig", "alg": "RS256"}'
\set jwk_rs1024 '{"kty": "RSA", "n": "0xfUM5ZQoYPxvCEScrO9LIvUIuDZfggGYpbWanJePn93XudcNBzRZ0-aC0_WDHtuGcn8KmWqdxMp3AIdBz_pSIg01EX9MRmn7Mvt3RZl4aqGCNoTqa8dQXDby-DK6uZYpPU_NKvbnLngNnwXoI3C0XdObTF6wLJFTBbEqTl1xqM", "e": "AQAB", "kid": "R1024", "alg": "RS256"}'
\set jwk_a_private '{"kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg", "kid": "A", "d": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}'
\set jwk_rs_private '{"kty": "RSA", "n": "6HUJxnIXUJMAQyk_BeLud_XTx9pPwlkvREAXQOyytkggPTK-n_xGbl8QJ3R1INKf-yIVVlLYwFjdlztFXBrlXYoLeWEI0Tfnw1uJt1aIRDheElkG_G9Sb254wJQXoQmS8vyJR9bqXy5TAjg-Gzc6jQCJHXJbmBfBe7v4Cu2sG0czvYsYhSxFTWa3o0WE0VDSwXTsnOMucZp1R_58ZuyWli67SHntes5IOex9CROf2DZloKbcG1PaM1WqlRsaIYoWYTq45xIinxsflbCHSnOZJekzE7Tg_4_zmEUv077duhazE3VkFO9KUiYT_lhy_jskGVVm75QG6duqTq0wb_zHFw", "e": "AQAB", "kid": "RP", "p": "AQAB", "q": "AQAB"}'
\set jwk_oct '{"kty": "oct", "kid": "S", "k": "HvcB8raCkQ3Xxy5XoZrSL0ukcEjJHDlWQzbXAGtSlhQ"}'
\set jwk_enc '{"kty": "RSA", "n": "6HUJxnIXUJMAQyk_BeLud_XTx9pPwlkvREAXQOyytkggPTK-n_xGbl8QJ3R1INKf-yIVVlLYwFjdlztFXBrlXYoLeWEI0Tfnw1uJt1aIRDheElkG_G9Sb254wJQXoQmS8vyJR9bqXy5TAjg-Gzc6jQCJHXJbmBfBe7v4Cu2sG0czvYsYhSxFTWa3o0WE0VDSwXTsnOMucZp1R_58ZuyWli67SHntes5IOex9CROf2DZloKbcG1PaM1WqlRsaIYoWYTq45xIinxsflbCHSnOZJekzE7Tg_4_zmEUv077duhazE3VkFO9KUiYT_lhy_jskGVVm75QG6duqTq0wb_zHFw", "e": "AQAB", "kid": "ENC", "use": "enc", "alg": "RSA-OAEP"}'
\set jwk_x25519 '{"kty": "OKP", "crv": "X25519", "kid": "X", "x": "j0DFrbaPJWJK5bIU6nZ6bslNgp09e14a0bpvPiE4KF8"}'
\set jwk_p384 '{"kty": "EC", "crv": "P-384", "x": "6GuZXjUOTTEqlaa31djNzbRoL1iIAKHNbJcuHcsqWsONkARpUbA8yzsXmon9qIsb", "y": "SFufLB9EsN1Bzm48OmkLv6q-weH_Su-yRh_dpmKb7L1Dz3TBPYwaFiVhIkPwBGFI", "kid": "P384", "alg": "ES384"}'
\set jwk_small '{"kty": "OKP", "crv": "Ed25519", "kid": "SMALL", "x": "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'
\set jwk_a_as_es '{"kty": "EC", "crv": "P-256", "x": "C5mgY2UklbthSN2jmKfgO_VTgrl41S_94vtP-njhOSY", "y": "3sezF8P5Q06KB2zD4mKwAYbSu1giZb4YBAhzXRj8XAQ", "kid": "A", "alg": "ES256"}'
\set jwk_a_other '{"kty": "OKP", "crv": "Ed25519", "x": "C7w0aldmfDgBIL2cf9flHSxf3-o3zS9b9AWyxr9vLXg", "kid": "A"}'
\set jwk_sign_only '{"kty": "OKP", "crv": "Ed25519", "x": "C7w0aldmfDgBIL2cf9flHSxf3-o3zS9b9AWyxr9vLXg", "kid": "OPS", "key_ops": ["sign"]}'
\set tok_a 'eyJhbGciOiJFZERTQSIsImtpZCI6IkEiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2EucmVncmVzcy50ZXN0Iiwic3ViIjoiYS11c2VyIiwiZXhwIjo0MTAyNDQ0ODAwfQ.i70xdtQ1DkfGuXOrbPchnXckN6628OhBSElXkX1N9BFWURiixgaKPRnkzHV4RBCfKR2flnWx2Sp4hI0asLIpBg'
\set tok_b 'eyJhbGciOiJFZERTQSIsImtpZCI6IkIiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2EucmVncmVzcy50ZXN0Iiwic3ViIjoiYS11c2VyIiwiZXhwIjo0MTAyNDQ0ODAwfQ.4h6-WcO_9DI27uvPOnyqdxaf72AX2eOl9lcxB4dA6O7yzb-LRztr9lmtp0Epe8l_93XT2VHEfRDmDYWtTB82Cg'

CREATE ROLE regress_tksy_app;
GRANT permissions_client TO regress_tksy_app;
SELECT permissions.create_account('regress tksy account') AS acct \gset
SELECT permissions.create_user(:acct, 'tksy_user', access => 'tier4') AS a_user \gset
SELECT permissions.register_token_issuer('https://a.regress.test', :acct, max_lifetime => '100 years') IS NOT NULL AS issuer;
SELECT permissions.map_token_subject('https://a.regress.test', 'a-user', :a_user) IS NOT NULL AS mapped;
SELECT coalesce(max(id), 0) AS audit_start FROM permissions.audit_log \gset

-- a sync, with its times masked
CREATE FUNCTION regress_tksy_sync(doc jsonb, issuer text DEFAULT 'https://a.regress.test')
RETURNS TABLE (key_id text, action text, detail text)
LANGUAGE sql AS $$
    SELECT s.key_id, s.action,
           regexp_replace(s.detail, '\w{3} \w{3} \d\d [0-9:.]+ \d{4} \w+', '<time>', 'g')
      FROM permissions.sync_token_keys(issuer, doc) s
$$;
-- whether a token authenticates now, as the application would
CREATE FUNCTION regress_tksy_try(token text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN CASE WHEN permissions.authenticate_token(token) IS NOT NULL THEN 'accepted' END;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END
$$;
GRANT EXECUTE ON FUNCTION regress_tksy_try(text) TO PUBLIC;
CREATE FUNCTION regress_tksy_keys() RETURNS TABLE (key_id text, algorithm text, enabled boolean, retiring boolean)
LANGUAGE sql AS $$
    SELECT k.key_id, k.algorithm, k.enabled, k.retire_at IS NOT NULL
      FROM permissions.token_keys k WHERE k.issuer = 'https://a.regress.test' ORDER BY 1
$$;

-- 1. key A
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_a'::jsonb)));
SELECT max(id) AS audit_before FROM permissions.audit_log \gset
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_a'::jsonb)));
SELECT count(*) AS audit_entries_of_a_repeated_sync FROM permissions.audit_log WHERE id > :audit_before;
SET ROLE regress_tksy_app;
SELECT regress_tksy_try(:'tok_a') AS token_a, regress_tksy_try(:'tok_b') AS token_b;
RESET ROLE;

-- 2. A and B
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_a'::jsonb, :'jwk_b'::jsonb)));
SET ROLE regress_tksy_app;
SELECT regress_tksy_try(:'tok_a') AS token_a, regress_tksy_try(:'tok_b') AS token_b;
RESET ROLE;

-- 3. B only: A retires, and keeps verifying for the issuer's key_grace
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb)));
SELECT max(id) AS audit_before FROM permissions.audit_log \gset
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb)));
SELECT count(*) AS audit_entries_of_a_repeated_sync FROM permissions.audit_log WHERE id > :audit_before;
SELECT * FROM regress_tksy_keys();
SELECT retire_at - now() BETWEEN interval '23 hours' AND interval '1 day' AS retires_in_a_day
  FROM permissions.token_keys WHERE key_id = 'A';
SET ROLE regress_tksy_app;
SELECT regress_tksy_try(:'tok_a') AS token_a_in_grace, regress_tksy_try(:'tok_b') AS token_b;
RESET ROLE;
-- an identity from A ends when the grace period does, though nothing moves
-- the epochs then (the cache keeps the key's window)
UPDATE permissions.token_keys SET retire_at = clock_timestamp() + interval '1 second' WHERE key_id = 'A';
SELECT permissions.allow_session_identity('regress_tksy_app', 'regress: grace period');
SET ROLE regress_tksy_app;
SELECT permissions.authenticate_token(:'tok_a', true) = :a_user AS session_identity_from_a;
SELECT permissions.current_user_id() = :a_user AS acting;
SELECT pg_sleep(1.5);
SELECT permissions.current_user_id() IS NULL AS ended_with_the_grace_period;
SELECT regress_tksy_try(:'tok_a') AS token_a_after_grace;
RESET ROLE;
SELECT permissions.disallow_session_identity('regress_tksy_app');
-- the next sync disables it; publishing it again does not bring it back
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb)));
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_a'::jsonb, :'jwk_b'::jsonb)));
SELECT * FROM regress_tksy_keys();

-- 4. published again within the grace period: the key verifies again;
-- with a key_grace of 0, a key no longer published is disabled at once
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb, :'jwk_es_kid'::jsonb, :'jwk_rs_kid'::jsonb)));
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb, :'jwk_rs_kid'::jsonb)));
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb, :'jwk_es_kid'::jsonb, :'jwk_rs_kid'::jsonb)));
SELECT permissions.register_token_issuer('https://a.regress.test', key_grace => '0') IS NOT NULL AS no_grace;
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb, :'jwk_rs_kid'::jsonb)));
SELECT * FROM regress_tksy_keys();

-- 5. what is never registered, and a kid that would change material or
-- algorithm; a registered key whose private part is published is disabled
-- at once
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(
    :'jwk_b'::jsonb, :'jwk_rs_kid'::jsonb,
    :'jwk_rs_private'::jsonb, :'jwk_oct'::jsonb, :'jwk_enc'::jsonb, :'jwk_x25519'::jsonb,
    :'jwk_p384'::jsonb, :'jwk_small'::jsonb, :'jwk_rs1024'::jsonb, :'jwk_sign_only'::jsonb,
    '{"kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}'::jsonb,
    '{"kid": "", "kty": "OKP"}'::jsonb, '"a string"'::jsonb,
    '{"kid": "RS-as-ES", "kty": "RSA", "alg": "ES256", "n": "AQAB", "e": "AQAB"}'::jsonb,
    '{"kid": "NONE", "kty": "OKP", "crv": "Ed25519", "alg": "none", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}'::jsonb,
    '{"kid": "TWICE", "kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}'::jsonb,
    '{"kid": "TWICE", "kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}'::jsonb)));
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb, :'jwk_rs_kid'::jsonb, :'jwk_a_as_es'::jsonb)));
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_b'::jsonb, :'jwk_rs_kid'::jsonb, :'jwk_a_other'::jsonb)));
SELECT * FROM regress_tksy_keys();
-- the private part of a registered, enabled key: disabled now
SELECT permissions.register_token_issuer('https://c.regress.test', :acct) IS NOT NULL AS issuer_c;
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_a'::jsonb)), 'https://c.regress.test');
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', jsonb_build_array(:'jwk_a_private'::jsonb)), 'https://c.regress.test');
SELECT key_id, enabled FROM permissions.token_keys WHERE issuer = 'https://c.regress.test';

-- 6. documents that are not key sets, and callers that are not superusers
SELECT * FROM regress_tksy_sync('[]');
SELECT * FROM regress_tksy_sync('{"keys": {}}');
SELECT * FROM regress_tksy_sync(NULL);
SELECT * FROM regress_tksy_sync(jsonb_build_object('keys', (SELECT jsonb_agg(:'jwk_b'::jsonb) FROM generate_series(1, 101))));
SET ROLE regress_tksy_app;
SELECT * FROM permissions.sync_token_keys('https://a.regress.test', jsonb_build_object('keys', jsonb_build_array(:'jwk_a'::jsonb)));
RESET ROLE;
-- key changes are audited, never with a secret
SELECT action, count(*) FROM permissions.audit_log
 WHERE id > :audit_start AND table_name = 'token_keys' AND coalesce(after, before) ->> 'issuer' = 'https://a.regress.test'
 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS audit_entries_with_a_secret FROM permissions.audit_log
 WHERE table_name = 'token_keys' AND (after ? 'secret' OR before ? 'secret');

-- clean up
SELECT permissions.delete_token_issuer(i) FROM unnest(ARRAY['https://a.regress.test', 'https://c.regress.test']) i;
DROP FUNCTION regress_tksy_sync(jsonb, text);
DROP FUNCTION regress_tksy_try(text);
DROP FUNCTION regress_tksy_keys();
