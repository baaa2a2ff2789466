--
-- Attack, round 4: a limited identity mints an identity for its own limit
-- holder, and that identity has no limit.
--
-- Every minting path records permissions.limit_holder() as the new
-- identity's creator, and an identity whose creator is its own user is not
-- limited at all.  So an identity limited by m1 that mints for m1 itself
-- (a credential, or a token subject mapped to m1) records m1 as the
-- creator of m1's identity: unlimited.  m1 manages sub-account A1 and also
-- holds a tier2 grant on a performer of A; u1 manages A1 too.  m1 made a
-- credential for u1 (an integration): its holder acts as u1 within A1 and
-- does not see A's performer.  Through it, it mints for m1 and sees it.
--
-- Correct: whatever m1's credential for u1 mints, nothing it mints reaches
-- A's performer (refused, or limited like the identity that minted it).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse
\set pem '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEARBvokrmujLGS0jzgP3TgJCO86ZsWR+93QDUuSDg9/jY=\n-----END PUBLIC KEY-----\n'
-- sub "mint-1", issuer https://mint.regress.test, audience regress-mint, signed with the key above
\set tok1 'eyJhbGciOiJFZERTQSIsImtpZCI6ImttIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL21pbnQucmVncmVzcy50ZXN0Iiwic3ViIjoibWludC0xIiwiZXhwIjo0MTAyNDQ0ODAwLCJhdWQiOiJyZWdyZXNzLW1pbnQifQ.4BENEje-hlXnlg8Q1_o_ne5c3TxoMguLsP0mqAYkyL6R2O8ZtfJI3wIIeFeh7ggMfcNb3zT_HCOroW9SAZ0-DA'

CREATE ROLE regress_mh_m1;
CREATE ROLE regress_mh_app IN ROLE permissions_client;
SELECT permissions.create_account('regress mh A') AS a \gset
SELECT permissions.create_account('regress mh A1', parent_id => :a) AS a1 \gset
SELECT permissions.create_user(:a1, 'mh_m1', role => 'manager', db_role => 'regress_mh_m1') AS m1 \gset
SELECT permissions.create_user(:a1, 'mh_u1', role => 'manager') AS u1 \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Mint A') RETURNING id AS pa \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a1, 'Mint A1') RETURNING id AS pa1 \gset
SELECT permissions.grant_access('tier2', user_id => :m1, performer_id => :pa) IS NOT NULL AS m1_reaches_a;
SELECT permissions.register_token_issuer('https://mint.regress.test', :a, max_lifetime => '100 years') IS NOT NULL AS issuer,
       permissions.register_token_key('https://mint.regress.test', 'km', 'EdDSA', :'pem',
                                      audience => 'regress-mint') IS NOT NULL AS key;

-- what an identity sees of the two performers
CREATE FUNCTION regress_mh_seen() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(first_name, ', ' ORDER BY first_name), '(nothing)')
      FROM permissions.performers WHERE first_name LIKE 'Mint%'
$$;
-- mints a credential for a user through a credential: its secret, or NULL when refused
CREATE FUNCTION regress_mh_mint_credential(via text, for_user bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    secret text;
BEGIN
    PERFORM permissions.authenticate(via);
    secret := permissions.create_api_credential(for_user, 'minted');
    PERFORM permissions.logout();
    RETURN secret;
EXCEPTION WHEN OTHERS THEN
    PERFORM permissions.logout();
    RETURN NULL;
END $$;
-- maps a token subject to a user through a credential: whether it was mapped
CREATE FUNCTION regress_mh_mint_mapping(via text, subject text, for_user bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM permissions.authenticate(via);
    PERFORM permissions.map_token_subject('https://mint.regress.test', subject, for_user);
    PERFORM permissions.logout();
    RETURN true;
EXCEPTION WHEN OTHERS THEN
    PERFORM permissions.logout();
    RETURN false;
END $$;
-- whether an identity (a credential or a token; NULL: none was minted) reaches A's performer
CREATE FUNCTION regress_mh_reaches_a(credential text, token text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    seen text;
BEGIN
    IF credential IS NULL AND token IS NULL THEN
        RETURN false;
    END IF;
    IF credential IS NOT NULL THEN
        PERFORM permissions.authenticate(credential);
    ELSE
        PERFORM permissions.authenticate_token(token);
    END IF;
    seen := regress_mh_seen();
    PERFORM permissions.logout();
    RETURN seen LIKE '%Mint A,%' OR seen = 'Mint A';
EXCEPTION WHEN OTHERS THEN
    PERFORM permissions.logout();
    RETURN false;
END $$;
GRANT USAGE ON SCHEMA permissions TO regress_mh_app;

-- m1 reaches A's performer; its credential for u1 does not
SET ROLE regress_mh_m1;
SELECT regress_mh_seen() AS m1_sees;
SELECT permissions.create_api_credential(:u1, 'u1 by m1') AS cred_u1 \gset
RESET ROLE;
SET ROLE regress_mh_app;
BEGIN;
SELECT permissions.authenticate(:'cred_u1') = :u1 AS acts_as_u1;
SELECT regress_mh_seen() AS integration_sees;
SELECT permissions.limit_holder() = :m1 AS limit_holder_is_m1;
COMMIT;

-- through it: a credential for m1
SELECT coalesce(regress_mh_mint_credential(:'cred_u1', :m1), '') AS cred_m1 \gset
SELECT regress_mh_reaches_a(nullif(:'cred_m1', ''), NULL) AS minted_credential_reaches_a;
-- through it: m1's token subject
SELECT regress_mh_mint_mapping(:'cred_u1', 'mint-1', :m1) IS NOT NULL AS attempted;
SELECT regress_mh_reaches_a(NULL, :'tok1') AS minted_mapping_reaches_a;
RESET ROLE;

-- clean up
SELECT permissions.delete_account(:a, force => true);
DELETE FROM permissions.token_issuers WHERE issuer = 'https://mint.regress.test';
DROP FUNCTION regress_mh_seen(), regress_mh_mint_credential(text, bigint),
              regress_mh_mint_mapping(text, text, bigint), regress_mh_reaches_a(text, text);
REVOKE USAGE ON SCHEMA permissions FROM regress_mh_app;
DROP ROLE regress_mh_m1, regress_mh_app;
