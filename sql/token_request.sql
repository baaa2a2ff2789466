--
-- permissions.authenticate_request(), PostgREST's db-pre-request: the
-- bearer token of request.headers (JSON, lower-case names) makes the
-- transaction act as its user, exactly as authenticate_token() would.  No
-- Authorization header (or a token naming no subject, as Supabase's anon
-- key) is an anonymous request: nobody acts, no error.  Any other header
-- (another scheme, two of them, a malformed or huge request.headers) and
-- every refused token raise "invalid token", nobody acting.
-- request.jwt.claims and every other request setting change nothing.
-- Each case runs as PostgREST runs a request: settings with
-- set_config(..., true), the pre-request function, then the query, in one
-- transaction of the role PostgREST switched to.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

\set pem_ed '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n'
\set req_alice 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjo0MTAyNDQ0ODAwfQ.vKOlmagdjjT92sUaUZ-4dotRO3k1QHk3AASBHfukFkt82tHXZfZz50GqVZNc0T6P62gZk-aQCKJxK3lSypp1Dw'
\set req_bob 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJib2IiLCJhdWQiOiJyZWdyZXNzLWFwcCIsImV4cCI6NDEwMjQ0NDgwMH0.dkB3KcOPUtL73EtJqSzGLNHqasrkppXF4a2jBrPlKTqD6DG3YZuA5GOSS6C2Iz1yvauonWt-_tb-nXSUU2XHAA'
\set req_expired 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJzdWIiOiJhbGljZSIsImF1ZCI6InJlZ3Jlc3MtYXBwIiwiZXhwIjoxNjAwMDAwMDAwfQ.Pb1ZEd1AK06ZrvTiIFsMqfPh02Z9NcYGGnkMj_WJk0U2JWZvVmT3WbrZtfxyFhSApS7EW4wHEoV3vgrkeghxBw'
\set req_anon 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJvbGUiOiJhbm9uIiwiZXhwIjo0MTAyNDQ0ODAwfQ._eZvsWU4GJbRw2JQZ-ZgbQ8rokOnkGn_thvZeRbkUNs'
\set req_anon_forged 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2lkcC5yZWdyZXNzLnRlc3QiLCJyb2xlIjoiYXV0aGVudGljYXRlZCIsImV4cCI6NDEwMjQ0NDgwMCwiYXVkIjoicmVncmVzcy1hcHAifQ.3jk4tIyQsUErHtwVKzIcZ1WiyZrN0eEi7QnSuByJ8gg'
\set req_other_iss 'eyJhbGciOiJFZERTQSIsImtpZCI6ImVkMSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V2aWwudGVzdCIsInN1YiI6ImFsaWNlIiwiYXVkIjoicmVncmVzcy1hcHAiLCJleHAiOjQxMDI0NDQ4MDB9.N8cxNHwQ9JFOBwCG5m5rZ3d4xWkOjqC0b4Idl5-XbMF4HYAu6-OfFKzOfcmgCNIeE_ZsvO1qrtd25GryOgE5DQ'

CREATE ROLE regress_tkrq_authenticated;
CREATE ROLE regress_tkrq_anon;
GRANT permissions_client TO regress_tkrq_authenticated, regress_tkrq_anon;
SELECT permissions.create_account('regress tkrq account') AS acct \gset
SELECT permissions.create_user(:acct, 'tkrq_alice', access => 'tier4') AS alice \gset
SELECT permissions.create_user(:acct, 'tkrq_bob', access => 'tier4') AS bob \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Tkrq One'), (:acct, 'Tkrq Two');
SELECT permissions.register_token_issuer('https://idp.regress.test', :acct,
                                         max_lifetime => '100 years') IS NOT NULL AS issuer;
SELECT permissions.register_token_key('https://idp.regress.test', 'ed1', 'EdDSA', :'pem_ed', 'regress-app') IS NOT NULL AS ed1;
SELECT permissions.map_token_subject('https://idp.regress.test', 'alice', :alice) IS NOT NULL AS alice,
       permissions.map_token_subject('https://idp.regress.test', 'bob', :bob) IS NOT NULL AS bob;
CREATE TABLE regress_tkrq_names (id bigint, name text);
INSERT INTO regress_tkrq_names VALUES (:alice, 'alice'), (:bob, 'bob');
GRANT SELECT ON regress_tkrq_names TO PUBLIC;

-- One request as PostgREST sends it (in the caller's transaction): the
-- settings, the pre-request function, then a query; what it returned or
-- raised, who acts after it, and how many performers the query sees.
CREATE FUNCTION regress_tkrq_request(headers text, claims text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    IF headers IS NOT NULL THEN
        PERFORM set_config('request.headers', headers, true);
    END IF;
    PERFORM set_config('request.jwt.claims', coalesce(claims, '{"role": "anon"}'), true),
            set_config('request.method', 'GET', true), set_config('request.path', '/performers', true);
    BEGIN
        result := coalesce((SELECT name FROM regress_tkrq_names
                             WHERE id = permissions.authenticate_request()), 'NULL');
    EXCEPTION WHEN OTHERS THEN
        result := SQLSTATE || ' ' || SQLERRM;
    END;
    RETURN result || ', acting: ' ||
           coalesce((SELECT name FROM regress_tkrq_names WHERE id = permissions.current_user_id()), 'nobody') ||
           ', performers: ' || (SELECT count(*) FROM permissions.performers);
END
$$;

SET ROLE regress_tkrq_authenticated;
-- no request.headers at all (not under PostgREST)
BEGIN;
SELECT regress_tkrq_request(NULL) AS no_headers_setting;
ROLLBACK;
SELECT header, (SELECT regress_tkrq_request(h)) AS outcome
  FROM (VALUES
    ('no authorization header', '{"accept": "application/json"}'),
    ('empty headers', '{}'),
    ('empty authorization', '{"authorization": ""}'),
    ('blank authorization', '{"authorization": "  "}'),
    ('Bearer <alice>', json_build_object('authorization', 'Bearer ' || :'req_alice')::text),
    ('bearer <alice> (scheme in lower case)', json_build_object('authorization', 'bearer ' || :'req_alice')::text),
    ('BEARER <alice>', json_build_object('authorization', 'BEARER ' || :'req_alice')::text),
    ('Bearer, two spaces, <alice>', json_build_object('authorization', 'Bearer  ' || :'req_alice')::text),
    ('surrounding whitespace', json_build_object('authorization', E'\t Bearer ' || :'req_alice' || ' ')::text),
    ('name escaped in JSON (\u0061uthorization)', '{"\u0061uthorization": "Bearer ' || :'req_alice' || '"}'),
    ('Bearer <bob>', json_build_object('authorization', 'Bearer ' || :'req_bob')::text),
    ('Bearer <expired>', json_build_object('authorization', 'Bearer ' || :'req_expired')::text),
    ('Bearer <token of another issuer>', json_build_object('authorization', 'Bearer ' || :'req_other_iss')::text),
    ('Bearer <alice> with a flipped signature', json_build_object('authorization', 'Bearer ' || left(:'req_alice', -2) || 'AA')::text),
    ('Bearer <anon key: no sub>', json_build_object('authorization', 'Bearer ' || :'req_anon')::text),
    ('Bearer <no sub, signed by nobody>', json_build_object('authorization', 'Bearer ' || :'req_anon_forged')::text),
    ('Basic credentials', '{"authorization": "Basic YWxpY2U6c2VjcmV0"}'),
    ('Bearer without a token', '{"authorization": "Bearer"}'),
    ('Bearer with two tokens', json_build_object('authorization', 'Bearer ' || :'req_alice' || ' ' || :'req_bob')::text),
    ('Bearertoken (no space)', json_build_object('authorization', 'Bearer' || :'req_alice')::text),
    ('token without a scheme', json_build_object('authorization', :'req_alice')::text),
    ('two authorization members', '{"authorization": "Bearer ' || :'req_alice' || '", "authorization": "Bearer ' || :'req_bob' || '"}'),
    ('authorization and Authorization', '{"Authorization": "Bearer ' || :'req_bob' || '", "authorization": "Bearer ' || :'req_alice' || '"}'),
    ('authorization a number', '{"authorization": 42}'),
    ('authorization null', '{"authorization": null}'),
    ('authorization an array', json_build_object('authorization', json_build_array('Bearer ' || :'req_alice'))::text),
    ('request.headers not JSON', 'authorization: Bearer ' || :'req_alice'),
    ('request.headers a JSON array', json_build_array(json_build_object('authorization', 'Bearer ' || :'req_alice'))::text),
    ('request.headers with trailing garbage', json_build_object('authorization', 'Bearer ' || :'req_alice')::text || '}'),
    ('a token of 20,000 characters', json_build_object('authorization', 'Bearer ' || repeat('a', 10000) || '.' || repeat('b', 9998) || '.')::text),
    ('request.headers of 300 kB', json_build_object('authorization', 'Bearer ' || :'req_alice', 'x-padding', repeat('p', 300000))::text),
    ('2,000 other headers', '{' || (SELECT string_agg(format('"x-h%s": "v"', g), ', ') FROM generate_series(1, 2000) g)
                            || ', "authorization": "Bearer ' || :'req_alice' || '"}')
  ) AS t(header, h);

-- forged claims change nothing: request.jwt.claims naming alice, or bob's
-- token with claims naming alice
SELECT regress_tkrq_request('{}', json_build_object('sub', 'alice', 'role', 'authenticated', 'user_id', :alice)::text) AS forged_claims;
SELECT regress_tkrq_request(json_build_object('authorization', 'Bearer ' || :'req_bob')::text,
                            json_build_object('sub', 'alice', 'role', 'authenticated', 'user_id', :alice)::text) AS bob_with_alice_claims;
-- nor do other request settings (PostgREST's older per-claim settings)
BEGIN;
SELECT set_config('request.jwt.claim.sub', 'alice', true), set_config('request.header.authorization', 'Bearer ' || :'req_alice', true) IS NOT NULL AS set;
SELECT regress_tkrq_request('{}') AS old_style_settings;
ROLLBACK;

-- a request's identity lasts for its transaction only, and an anonymous
-- or refused request ends the identity the connection had before
BEGIN;
SELECT regress_tkrq_request(json_build_object('authorization', 'Bearer ' || :'req_alice')::text) AS request;
COMMIT;
SELECT coalesce(permissions.current_user_id()::text, 'nobody') AS after_commit;
BEGIN;
SELECT permissions.authenticate_token(:'req_bob') = :bob AS bob_before;
SELECT regress_tkrq_request('{"accept": "*/*"}') AS anonymous_request;
ROLLBACK;
BEGIN;
SELECT permissions.authenticate_token(:'req_bob') = :bob AS bob_before;
SELECT regress_tkrq_request('{"authorization": "Basic eA=="}') AS refused_request;
ROLLBACK;
-- the anonymous role of PostgREST gets exactly the same answers
SET ROLE regress_tkrq_anon;
SELECT regress_tkrq_request(json_build_object('authorization', 'Bearer ' || :'req_alice')::text) AS as_anon_role;
SELECT regress_tkrq_request('{}') AS anonymous_as_anon_role;
RESET ROLE;

-- clean up
SELECT permissions.delete_token_issuer('https://idp.regress.test');
DROP FUNCTION regress_tkrq_request(text, text);
DROP TABLE regress_tkrq_names;
