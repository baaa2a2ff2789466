--
-- Signed tokens, the refused side: every defect gets the same error,
-- "invalid token", with the same detail and hint, ends every credential and
-- token identity the session had (no rollback brings one back), and leaves
-- the reason to the server log only.  Each token below is a valid token of
-- the fixture with exactly one defect (test/tokens/regress_tokens.py).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

\set pem_ed '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n'
\set pem_rs '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA6HUJxnIXUJMAQyk/BeLu\nd/XTx9pPwlkvREAXQOyytkggPTK+n/xGbl8QJ3R1INKf+yIVVlLYwFjdlztFXBrl\nXYoLeWEI0Tfnw1uJt1aIRDheElkG/G9Sb254wJQXoQmS8vyJR9bqXy5TAjg+Gzc6\njQCJHXJbmBfBe7v4Cu2sG0czvYsYhSxFTWa3o0WE0VDSwXTsnOMucZp1R/58ZuyW\nli67SHntes5IOex9CROf2DZloKbcG1PaM1WqlRsaIYoWYTq45xIinxsflbCHSnOZ\nJekzE7Tg/4/zmEUv077duhazE3VkFO9KUiYT/lhy/jskGVVm75QG6duqTq0wb/zH\nFwIDAQAB\n-----END PUBLIC KEY-----\n'
\set hs_secret 'regress shared secret: thirty-two bytes or more!'
\set ok_eddsa 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.vKOlmagdjjT92sUaUZ-4dotRO3k1QHk3AASBHfukFkt82tHXZfZz50GqVZNc0T6P62gZk-aQCKJxK3lSypp1Dw'
\set expired 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjoxNjAwMDAwMDAwfQ.Pb1ZEd1AK06ZrvTiIFsMqfPh02Z9NcYGGnkMj_WJk0U2JWZvVmT3WbrZtfxyFhSApS7EW4wHEoV3vgrkeghxBw'
\set not_yet 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwLCJuYmYiOjQwMDAwMDAwMDB9.cj723FFi2MyFdZPZq5fyXJGN6gobhQaLezTekgwnNJW7seU8Eibvpn1_Dvva76KqN4Wg-sxUBLSvXvEfZfkfBA'
\set iat_future 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwLCJpYXQiOjQwMDAwMDAwMDB9.v5y2vEt7EnomHa052jIhA6IeauJh3_JNtX-QlwkrNvHAsqqpmI3LCtzZ68pcN2JpYUzAcD6hrDGebi6ie7iKBA'
\set too_long_iat 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwLCJpYXQiOjB9.oPxGcZAbOkK8kGwpDMQeJnjH31lZzhh-UMNFh0xX2nfKHSLHJcZiqTWdw3QGPaCesPFWJF9w_CIp_cNa-6gxCA'
\set too_long_noiat 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjoyNTM0MDIzMDA3OTl9.DWfdyeUL2q16uA5c0NQNy1hKltjzho2s-8wKoX0jWNmbBFaJMM2jYzVQqScEyt8bPdx5Se9_8oDJZwbmMDjLCg'
\set wrong_aud 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6Im90aGVyLWFwcCIsImV4cCI6NDEwMjQ0NDgwMH0.hKNLmHou0j5lTXvL1Y54YVqQ9br14jhv4SspyPgSgQeyMRzKnicgngfjVRAMu1A04nnpaCSpL2MiuMqHTZNXDQ'
\set no_aud 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c_aZSHdcp8XV4CHeISbI0gkqwysvG8_AyIQPnwO8rXwFWSi2eTc_2ecZgY9QlkVzIltUQTRtQSrQpaYP1N-LCw'
\set aud_not_wanted 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMyIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.WubwOE7mq3Z4Njfw0tacu7gGSjXOzqFQYPui2XWp_SjbkHgZeqnuMUzL0al40Iz6o9YFx5SfSAplgqTpUaBnCQ'
\set unknown_iss 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V2aWwudGVzdCIsInN1YiI6ImFsaWNlIiwiYXVkIjoicmVncmVzcy1hcHAiLCJleHAiOjQxMDI0NDQ4MDB9.N8cxNHwQ9JFOBwCG5m5rZ3d4xWkOjqC0b4Idl5-XbMF4HYAu6-OfFKzOfcmgCNIeE_ZsvO1qrtd25GryOgE5DQ'
\set other_iss_kid 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL3Nob3J0LnJlZ3Jlc3MudGVzdCIsInN1YiI6ImFsaWNlIiwiZXhwIjo0MTAyNDQ0ODAwfQ.umCOkejVk6JImJLUcN5re1pPKazAMdWTI6j2sSzFeaMNp9zVNzAuqIYWgpubb4SuMgEodTegRmti8FZX52duAA'
\set no_iss 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.Z7m-aIqWOVwXFfDmpE62LjggzJRnyabklaTtws4B6QyjRqbBZ_SJlH1Emyzw8ZiHDjfeAN4MDSscyvmsPngBBA'
\set no_sub 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJhdWQiOiJyZWdyZXNzLWFwcCIsImV4cCI6NDEwMjQ0NDgwMH0.wlksPveXNuQ85BdCFx3OGLyyNyKaawA6sZYIZtPtTFwtrrG_Oqozuahs_Xhc0smY71USvg41-LScbC5Gh8LnCQ'
\set no_exp 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIn0.edEDTxwTY77T4wahjJ6g0_eYUl_h8UXr8crl1Ze48rSfL3FE8dXew300JOJ7bHXt_usJBN4yJYl26QHJvthtDg'
\set exp_string 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjoiNDEwMjQ0NDgwMCJ9.zDQVxoDHBeo9435yb_qOAxYuTe_Y2yEWs5KbRg6eJeqIuBeDSPE_IRPTZf9xxpS9qu6YJeh0Bxg_MuzCXv55Aw'
\set unknown_subject 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJjYXJvbCIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.qyEhX1ZjMbFsmOvH-JGAQX9MuoogRVO_g8K4ZO9hPqoFatP6ISQC2PvCmyq2YXb8qBTiD1LKL7UV8ca8hcptCg'
\set inactive_user 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJib2IiLCJhdWQiOiJyZWdyZXNzLWFwcCIsImV4cCI6NDEwMjQ0NDgwMH0.dkB3KcOPUtL73EtJqSzGLNHqasrkppXF4a2jBrPlKTqD6DG3YZuA5GOSS6C2Iz1yvauonWt-_tb-nXSUU2XHAA'
\set dup_sub 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJjYXJvbCIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwLCJzdWIiOiJhbGljZSJ9.QaDXUmQgc11wzfc2JXe7jnd0nAcicqYWX6FtD7_o6AfafFx4O3ukvNpiQ8fxCZqRDtKBe3rxUz5IwYwSSxDdAw'
\set crit 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsImNyaXQiOlsiZXhwIl19.eyJpc3MiOiAiaHR0cHM6Ly9pZHAucmVncmVzcy50ZXN0IiwgInN1YiI6ICJhbGljZSIsICJhdWQiOiAicmVncmVzcy1hcHAiLCAiZXhwIjogNDEwMjQ0NDgwMH0.SUlwau22mg31aJxRdMwfRS-3QU21upUubjRjr3MIYmAkFezvYK77Q66QOph8oWU98ABrp9o2KfD_wpweI37oDw'
\set bad_signature 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.vKOlmagdjjA92sUaUZ-4dotRO3k1QHk3AASBHfukFkt82tHXZfZz50GqVZNc0T6P62gZk-aQCKJxK3lSypp1Dw'
\set other_payload 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiAiaHR0cHM6Ly9pZHAucmVncmVzcy50ZXN0IiwgInN1YiI6ICJkYXZlIiwgImF1ZCI6ICJyZWdyZXNzLWFwcCIsICJleHAiOiA0MTAyNDQ0ODAwfQ.vKOlmagdjjT92sUaUZ-4dotRO3k1QHk3AASBHfukFkt82tHXZfZz50GqVZNc0T6P62gZk-aQCKJxK3lSypp1Dw'
\set no_signature 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.'
\set alg_none 'eyJhbGciOiAibm9uZSIsICJraWQiOiAiZWQxIn0.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.'
\set alg_none_sig 'eyJhbGciOiAibm9uZSIsICJraWQiOiAiZWQxIn0.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.vKOlmagdjjT92sUaUZ-4dotRO3k1QHk3AASBHfukFkt82tHXZfZz50GqVZNc0T6P62gZk-aQCKJxK3lSypp1Dw'
\set confusion 'eyJhbGciOiAiSFMyNTYiLCAia2lkIjogInJzMSJ9.eyJpc3MiOiAiaHR0cHM6Ly9pZHAucmVncmVzcy50ZXN0IiwgInN1YiI6ICJhbGljZSIsICJhdWQiOiAicmVncmVzcy1hcHAiLCAiZXhwIjogNDEwMjQ0NDgwMH0.Mu7T3C962t4yWFt9vH9Exu_oZi2S6OEF1emcihJQI6U'
\set unknown_kid 'eyJhbGciOiJFZERTQSIsImtpZCI6Im5vcGUiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.gi18I27u0tl0E2LEg09DS5p5EZ1Aikl5lscRBjhFyi9V5jDV1F9FDEklC5RzJqOKATBUuS7b4a-pjrzbVfwCDA'
\set no_kid 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.f6CQWYaVPitSMZ69uYxFP3WSy3lIuBYB5999m_boS3_r2G3QEoyFNOi_Ul9yqQYpSTPdAt2XzQUI5rBwT5lZCw'
\set wrong_alg_for_kid 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.8mQUepfWp_NixEh93T-no1-Qt7WZKUCg8k7gkOBwU9IYr60DPoShevGuzg-SUquBpP4PbBaHHhhTBt6XTeLjeA'
\set hs_wrong_secret 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImhzMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.w_9Edom-K9kBPAu-uazgQcoz9a6jYYb4dDVfj6o6tG8'
\set rs512 'eyJhbGciOiJSUzUxMiIsImtpZCI6InJzMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.kBmRH5AJQpVSWeK0dJyBCxYNv3a8eIzdSjKuk9Ot0hB8Z5M4oOQHxmZw8PuJMMyjkyb5s8d2gLiyr-sLR848qjIHm3S-VPQjo_MYillPQM0yXKjwlsjWDvyLGnwzpDhXwPBzNXAtb0XOionD0oYhDLNg3QvlFZY5KDf82aN2j3EUxEn5rmeo3aLfjKwLPfFrDu_5mQsSmGCsFaXIA7m67elWJN65gJyF3u-_gYAU7wewp3PI9Jx4gFhiWwFgD6yi84M1o21_kgSf2GmfFSqBkrOyFe_5CilK3xrrWec32gXBmqMgH5PTj6b8wHl8ybLT9BKA8utSvQGhC8Z9SV5rsQ'

CREATE ROLE regress_tkrf_app;
GRANT permissions_client TO regress_tkrf_app;
SELECT permissions.create_account('regress tkrf account') AS acct \gset
SELECT permissions.create_user(:acct, 'tkrf_alice', access => 'tier4') AS alice \gset
SELECT permissions.create_user(:acct, 'tkrf_bob', access => 'tier4') AS bob \gset
UPDATE permissions.users SET active = false WHERE id = :bob;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Tkrf One');
SELECT permissions.register_token_issuer('https://idp.regress.test', :acct,
                                         max_lifetime => '100 years') IS NOT NULL AS issuer,
       permissions.register_token_issuer('https://short.regress.test', :acct) IS NOT NULL AS other_issuer;
SELECT permissions.register_token_key('https://idp.regress.test', 'ed1', 'EdDSA', :'pem_ed', 'regress-app') IS NOT NULL AS ed1,
       permissions.register_token_key('https://idp.regress.test', 'ed3', 'EdDSA', :'pem_ed') IS NOT NULL AS ed3,
       permissions.register_token_key('https://idp.regress.test', 'rs1', 'RS256', :'pem_rs', 'regress-app') IS NOT NULL AS rs1,
       permissions.register_token_key('https://idp.regress.test', 'hs1', 'HS256', :'hs_secret', 'regress-app',
                                      allow_shared_secret => true) IS NOT NULL AS hs1,
       permissions.register_token_key('https://short.regress.test', 'ed2', 'EdDSA', :'pem_ed') IS NOT NULL AS ed2;
SELECT permissions.map_token_subject('https://idp.regress.test', 'alice', :alice) IS NOT NULL AS alice,
       permissions.map_token_subject('https://idp.regress.test', 'bob', :bob) IS NOT NULL AS bob,
       permissions.map_token_subject('https://short.regress.test', 'alice', :alice) IS NOT NULL AS alice_other;

-- Authenticates with a good token, then with the token under test, and
-- reports the error and whether any identity survived it.
CREATE FUNCTION regress_tkrf_try(good text, token text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    detail text;
    hint text;
BEGIN
    PERFORM permissions.authenticate_token(good);
    BEGIN
        PERFORM permissions.authenticate_token(token);
        RETURN 'ACCEPTED';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
        RETURN SQLSTATE || ' ' || SQLERRM || ' (' || md5(detail || hint) || ')'
               || CASE WHEN permissions.current_user_id() IS NULL THEN ', no identity left'
                       ELSE ', IDENTITY LEFT' END;
    END;
END
$$;

SET ROLE regress_tkrf_app;
-- the error in full, once
SELECT permissions.authenticate_token(:'expired');
-- a LOG-level client sees nothing more: the reason goes to the server log only
SET client_min_messages = log;
SELECT permissions.authenticate_token(:'bad_signature');
RESET client_min_messages;

SELECT defect, regress_tkrf_try(:'ok_eddsa', token) AS result
  FROM (VALUES
    -- times
    ('expired (exp in the past)', :'expired'),
    ('not yet valid (nbf ahead)', :'not_yet'),
    ('issued in the future (iat ahead)', :'iat_future'),
    ('lifetime over the issuer''s maximum (exp - iat)', :'too_long_iat'),
    ('lifetime over the issuer''s maximum (no iat)', :'too_long_noiat'),
    ('no exp', :'no_exp'),
    ('exp a string', :'exp_string'),
    -- audience and issuer
    ('wrong audience', :'wrong_aud'),
    ('no aud, the key has an audience', :'no_aud'),
    ('aud, the key has none', :'aud_not_wanted'),
    ('unknown issuer', :'unknown_iss'),
    ('kid of another issuer', :'other_iss_kid'),
    ('no iss', :'no_iss'),
    -- subject
    ('no sub', :'no_sub'),
    ('unknown subject', :'unknown_subject'),
    ('inactive user', :'inactive_user'),
    ('sub twice (duplicate member)', :'dup_sub'),
    -- header, algorithm, key, signature
    ('crit header', :'crit'),
    ('bad signature', :'bad_signature'),
    ('signature of another payload', :'other_payload'),
    ('empty signature', :'no_signature'),
    ('alg none', :'alg_none'),
    ('alg none with a signature', :'alg_none_sig'),
    ('HS256 with the RS256 public key as secret (confusion)', :'confusion'),
    ('unknown kid', :'unknown_kid'),
    ('no kid', :'no_kid'),
    ('ES256 token for an EdDSA key', :'wrong_alg_for_kid'),
    ('HS256 with another secret', :'hs_wrong_secret'),
    ('RS512 (not an accepted algorithm)', :'rs512'),
    -- not a compact JWS
    ('empty string', ''),
    ('one part', 'abc'),
    ('two parts', 'abc.def'),
    ('four parts', :'ok_eddsa' || '.abc'),
    ('base64 padding', :'ok_eddsa' || '=='),
    ('surrounding space', ' ' || :'ok_eddsa'),
    ('trailing newline', :'ok_eddsa' || E'\n'),
    ('non-canonical base64 (trailing bits)', left(:'ok_eddsa', -1) || 'B'),
    ('header not JSON', 'bm90IGpzb24.' || split_part(:'ok_eddsa', '.', 2) || '.' || split_part(:'ok_eddsa', '.', 3)),
    ('20,000 characters', repeat('a', 10000) || '.' || repeat('b', 9998) || '.'),
    ('NULL', NULL)
  ) AS t(defect, token);

-- the refused identity does not come back with a rollback
BEGIN;
SELECT permissions.authenticate_token(:'ok_eddsa') = :alice AS authenticated;
SAVEPOINT s;
SELECT permissions.authenticate_token(:'wrong_aud');
ROLLBACK TO s;
SELECT permissions.current_user_id() IS NULL AS still_nobody;
SELECT count(*) AS performers_seen FROM permissions.performers;
COMMIT;

-- nor does a credential identity the session held before
RESET ROLE;
SELECT permissions.create_api_credential(:alice, 'tkrf') AS cred \gset
SET ROLE regress_tkrf_app;
BEGIN;
SELECT permissions.authenticate(:'cred') = :alice AS credential_identity;
SELECT permissions.authenticate_token(:'alg_none');
ROLLBACK;
BEGIN;
SELECT permissions.authenticate(:'cred') = :alice AS credential_identity;
SAVEPOINT s;
SELECT permissions.authenticate_token(:'confusion');
ROLLBACK TO s;
SELECT permissions.current_user_id() IS NULL AS credential_identity_ended;
COMMIT;
RESET ROLE;

SELECT permissions.delete_token_issuer('https://idp.regress.test'),
       permissions.delete_token_issuer('https://short.regress.test');
