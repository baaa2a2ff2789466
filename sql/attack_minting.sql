--
-- Identities minted by a limited identity are limited the same way.
--
-- Three paths mint an identity: an API credential, a token subject mapping,
-- an invitation (accepted, it becomes a credential).  Each records as the
-- new identity's creator permissions.limit_holder(): the user whose limits
-- bind the session.  Here m1 manages sub-account A1 only; u1 manages A1 too
-- and also holds a tier2 grant on a performer of A (outside A1).  m1 makes a
-- credential for u1: it acts as u1 within m1's subtree.  Through it (and
-- through every identity minted from it, twice over) nothing may reach the
-- performer of A (issue 15, finding 2: a token mapping recorded u1 itself
-- as its creator and acted as u1 without the limit).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse
\set pem '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEARBvokrmujLGS0jzgP3TgJCO86ZsWR+93QDUuSDg9/jY=\n-----END PUBLIC KEY-----\n'
\set tok1 'eyJhbGciOiJFZERTQSIsImtpZCI6ImttIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL21pbnQucmVncmVzcy50ZXN0Iiwic3ViIjoibWludC0xIiwiZXhwIjo0MTAyNDQ0ODAwLCJhdWQiOiJyZWdyZXNzLW1pbnQifQ.4BENEje-hlXnlg8Q1_o_ne5c3TxoMguLsP0mqAYkyL6R2O8ZtfJI3wIIeFeh7ggMfcNb3zT_HCOroW9SAZ0-DA'
\set tok2 'eyJhbGciOiJFZERTQSIsImtpZCI6ImttIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL21pbnQucmVncmVzcy50ZXN0Iiwic3ViIjoibWludC0yIiwiZXhwIjo0MTAyNDQ0ODAwLCJhdWQiOiJyZWdyZXNzLW1pbnQifQ.dz6gwFZmLb9W-pUPlv6-ss8QlhxL6krCG8rUWaxQM4ySi9JGQ8RwAvR7yQ8XLxeUGeZ2lD2TR34_UNYNC6H4Bw'
\set tok3 'eyJhbGciOiJFZERTQSIsImtpZCI6ImttIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL21pbnQucmVncmVzcy50ZXN0Iiwic3ViIjoibWludC0zIiwiZXhwIjo0MTAyNDQ0ODAwLCJhdWQiOiJyZWdyZXNzLW1pbnQifQ.SDAlm4xkfj_rzvukxjZMO1mNjPTk2aQ4-iL4rtZBJiiJXvO8iHX0jnKpb948fMt6atWZEgh9uUQBoFHL1TY6Bw'

CREATE ROLE regress_mint_m1;
CREATE ROLE regress_mint_um;
CREATE ROLE regress_mint_app IN ROLE permissions_client;
SELECT permissions.create_account('regress mint A') AS a \gset
SELECT permissions.create_account('regress mint A1', parent_id => :a) AS a1 \gset
SELECT permissions.create_user(:a1, 'mint_m1', role => 'manager', db_role => 'regress_mint_m1') AS m1 \gset
SELECT permissions.create_user(:a1, 'mint_u1', role => 'manager') AS u1 \gset
-- a user manager of A1 who is not a manager: its invitations carry its own limits
SELECT permissions.create_user(:a1, 'mint_um', permissions => '{manage_users,manage_api_credentials}', access => 'tier4',
                               db_role => 'regress_mint_um') AS um \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Mint A') RETURNING id AS pa \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a1, 'Mint A1') RETURNING id AS pa1 \gset
SELECT permissions.grant_access('tier2', user_id => :u1, performer_id => :pa) IS NOT NULL AS u1_reaches_a;
-- invited users of A1, each holding a grant in A that their inviters do not reach
SELECT user_id AS x FROM permissions.invite_user(:a1, 'x@mint.example', 'mint_x', access => 'tier4',
                                                 permissions => '{manage_api_credentials}') \gset
SELECT user_id AS y FROM permissions.invite_user(:a1, 'y@mint.example', 'mint_y', access => 'tier4',
                                                 permissions => '{manage_api_credentials}') \gset
SELECT permissions.grant_access('tier4', user_id => :x, performer_id => :pa) IS NOT NULL AS x_reaches_a;
SELECT permissions.register_token_issuer('https://mint.regress.test', :a, max_lifetime => '100 years') IS NOT NULL AS issuer,
       permissions.register_token_key('https://mint.regress.test', 'km', 'EdDSA', :'pem',
                                      audience => 'regress-mint') IS NOT NULL AS key;
GRANT USAGE ON SCHEMA permissions TO regress_mint_app;

-- what an identity sees of the two performers
CREATE FUNCTION regress_mint_seen() RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(first_name, ', ' ORDER BY first_name), '(nothing)')
      FROM permissions.performers WHERE first_name LIKE 'Mint%'
$$;
-- the creator recorded for each minted identity, by name
CREATE VIEW regress_mint_creators AS
SELECT 'credential ' || c.name AS identity, coalesce(u.username, '(DBA)') AS limited_by
  FROM permissions.api_credentials c LEFT JOIN permissions.users u ON u.id = c.created_by
 WHERE c.account_id = :a1
UNION ALL
SELECT 'mapping ' || s.subject, coalesce(u.username, '(DBA)')
  FROM permissions.token_subjects s LEFT JOIN permissions.users u ON u.id = s.created_by
 WHERE s.issuer = 'https://mint.regress.test'
UNION ALL
SELECT 'invitation of ' || x.username, coalesce(u.username, '(DBA)')
  FROM permissions.invitations i JOIN permissions.users x ON x.id = i.user_id
  LEFT JOIN permissions.users u ON u.id = i.invited_by
 WHERE i.account_id = :a1;
GRANT SELECT ON regress_mint_creators TO PUBLIC;

-- u1 itself reaches A's performer; m1 does not
SET ROLE regress_mint_m1;
SELECT regress_mint_seen() AS m1_sees;
SELECT permissions.create_api_credential(:u1, 'u1 by m1') AS cred1 \gset
RESET ROLE;

-- through m1's credential for u1: A1 only; then mint along every path
SET ROLE regress_mint_app;
BEGIN;
SELECT permissions.authenticate(:'cred1') = :u1 AS acts_as_u1;
SELECT regress_mint_seen() AS limited_credential_sees;
SELECT permissions.limit_holder() = :m1 AS limit_holder_is_m1;
SELECT permissions.map_token_subject('https://mint.regress.test', 'mint-1', :u1) IS NOT NULL AS mapped_mint_1;
SELECT permissions.create_api_credential(:u1, 'u1 chained once') AS cred2 \gset
SELECT permissions.reissue_invitation(:x) AS inv_x \gset
COMMIT;

-- the token subject mapped through the limited credential: limited by m1
BEGIN;
SELECT permissions.authenticate_token(:'tok1') = :u1 AS token_acts_as_u1;
SELECT regress_mint_seen() AS token_sees;
-- and what it mints in turn (chained twice)
SELECT permissions.map_token_subject('https://mint.regress.test', 'mint-2', :u1) IS NOT NULL AS mapped_mint_2;
SELECT permissions.create_api_credential(:u1, 'u1 chained twice') AS cred3 \gset
COMMIT;
BEGIN;
SELECT permissions.authenticate_token(:'tok2') = :u1 AS token2_acts_as_u1;
SELECT regress_mint_seen() AS token2_sees;
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred2') = :u1 AS cred2_acts_as_u1;
SELECT regress_mint_seen() AS cred2_sees;
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred3') = :u1 AS cred3_acts_as_u1;
SELECT regress_mint_seen() AS cred3_sees;
COMMIT;

-- the invitation issued through the limited credential: x's credential is
-- limited by m1 (x's own grant in A is out of reach), and so is what x mints
SELECT permissions.accept_invitation(:'inv_x', 'x by invitation') AS cred_x \gset
BEGIN;
SELECT permissions.authenticate(:'cred_x') = :x AS acts_as_x;
SELECT regress_mint_seen() AS invited_x_sees;
SELECT permissions.create_api_credential(:x, 'x chained once') AS cred_x2 \gset
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred_x2') = :x AS acts_as_x_again;
SELECT regress_mint_seen() AS x_chained_sees;
COMMIT;
RESET ROLE;

-- a user manager who is not a manager invites y: y's credential holds at
-- most the inviter's tier and permissions, in the inviter's account
SET ROLE regress_mint_um;
SELECT permissions.reissue_invitation(:y) AS inv_y \gset
RESET ROLE;
SET ROLE regress_mint_app;
SELECT permissions.accept_invitation(:'inv_y', 'y by invitation') AS cred_y \gset
BEGIN;
SELECT permissions.authenticate(:'cred_y') = :y AS acts_as_y;
SELECT permissions.limit_holder() = :um AS y_limited_by_um;
SELECT permissions.create_api_credential(:y, 'y chained once') AS cred_y2 \gset
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred_y2') = :y AS acts_as_y_again;
SELECT permissions.limit_holder() = :um AS y_chained_limited_by_um;
COMMIT;
RESET ROLE;

-- every minted identity names its limit holder; none names its own user
SELECT identity, limited_by FROM regress_mint_creators ORDER BY identity;

-- the same token mapped by a DBA acts as u1 without a limit
SELECT permissions.map_token_subject('https://mint.regress.test', 'mint-3', :u1) IS NOT NULL AS dba_mapped;
SET ROLE regress_mint_app;
BEGIN;
SELECT permissions.authenticate_token(:'tok3') = :u1 AS dba_token_acts_as_u1;
SELECT regress_mint_seen() AS dba_token_sees;
COMMIT;
RESET ROLE;

-- clean up
SELECT permissions.delete_account(:a, force => true);
DELETE FROM permissions.token_issuers WHERE issuer = 'https://mint.regress.test';
DROP VIEW regress_mint_creators;
DROP FUNCTION regress_mint_seen();
REVOKE USAGE ON SCHEMA permissions FROM regress_mint_app;
DROP ROLE regress_mint_m1, regress_mint_um, regress_mint_app;
