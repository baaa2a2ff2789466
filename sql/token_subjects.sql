--
-- Who maps token subjects to users, and who reads the token tables.  A
-- mapping lets whoever holds the subject act as the user, so only DBAs and
-- managers of the user's account write one (a manage_users holder that is
-- not a manager does not), only for an issuer registered for the user's
-- account subtree (shared issuers: DBAs only); the user reads its own
-- mappings, manage_users holders those of the users they manage, and
-- nobody but superusers reads keys.  A mapping made by a manager gives an
-- identity only while that user is an active manager over the account.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

\set pem_ed '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n'
\set ok_bound_a 'eyJhbGciOiJFZERTQSIsImtpZCI6ImthIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2EucmVncmVzcy50ZXN0Iiwic3ViIjoiYTEtdXNlciIsImV4cCI6NDEwMjQ0NDgwMH0.8RbStYyzJe1Yy1UKE-Jdelk3IHznPm9BO8ieZxhCSh7zk2DM3vVsFO8eNkz7B7aWkEn-KnVIJQ13wdP8Fs-YDw'

CREATE ROLE regress_tksb_mgr_a;      -- manager of account A
CREATE ROLE regress_tksb_mgr_a1;     -- manager of A1, a sub-account of A
CREATE ROLE regress_tksb_users_a;    -- manage_users in A, not a manager
CREATE ROLE regress_tksb_user_a1;    -- a user of A1
CREATE ROLE regress_tksb_mgr_b;      -- manager of B, another tenant
CREATE ROLE regress_tksb_app;
GRANT permissions_client TO regress_tksb_app;
SELECT permissions.create_account('regress tksb A') AS a \gset
SELECT permissions.create_account('regress tksb A1', parent_id => :a) AS a1 \gset
SELECT permissions.create_account('regress tksb B') AS b \gset
SELECT permissions.create_user(:a, 'tksb_mgr_a', role => 'manager', db_role => 'regress_tksb_mgr_a') AS mgr_a \gset
SELECT permissions.create_user(:a1, 'tksb_mgr_a1', role => 'manager', db_role => 'regress_tksb_mgr_a1') AS mgr_a1 \gset
SELECT permissions.create_user(:a, 'tksb_users_a', permissions => '{manage_users}', access => 'tier1',
                               db_role => 'regress_tksb_users_a') AS users_a \gset
SELECT permissions.create_user(:a1, 'tksb_user_a1', access => 'tier4', db_role => 'regress_tksb_user_a1') AS user_a1 \gset
SELECT permissions.create_user(:a, 'tksb_plain_a', access => 'tier4') AS plain_a \gset
SELECT permissions.create_user(:b, 'tksb_mgr_b', role => 'manager', db_role => 'regress_tksb_mgr_b') AS mgr_b \gset
SELECT permissions.create_user(:b, 'tksb_user_b', access => 'tier4') AS user_b \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a1, 'Tksb A1 One');
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Tksb A One') RETURNING id AS perf_a \gset

-- issuers: one bound to A (subjects of A's subtree), one shared, one bound to B
SELECT permissions.register_token_issuer('https://a.regress.test', :a, max_lifetime => '100 years') IS NOT NULL AS a_issuer,
       permissions.register_token_issuer('https://shared.regress.test') IS NOT NULL AS shared_issuer,
       permissions.register_token_issuer('https://b.regress.test', :b) IS NOT NULL AS b_issuer;
SELECT permissions.register_token_key('https://a.regress.test', 'ka', 'EdDSA', :'pem_ed') IS NOT NULL AS key_a;

-- map_token_subject(), with user ids masked in errors
CREATE FUNCTION regress_tksb_map(issuer text, subject text, user_id bigint) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN CASE WHEN permissions.map_token_subject(issuer, subject, user_id) IS NOT NULL THEN 'mapped' END;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'user [0-9]+', 'user N', 'g');
END
$$;

-- managers map subjects of users of their subtree
SET ROLE regress_tksb_mgr_a;
SELECT permissions.map_token_subject('https://a.regress.test', 'plain-a', :plain_a) IS NOT NULL AS mgr_a_maps_own_account;
SELECT permissions.map_token_subject('https://a.regress.test', 'a1-user-by-a', :user_a1) IS NOT NULL AS mgr_a_maps_sub_account;
SELECT regress_tksb_map('https://shared.regress.test', 'plain-a', :plain_a);
SELECT regress_tksb_map('https://b.regress.test', 'plain-a', :plain_a);
SELECT regress_tksb_map('https://a.regress.test', 'user-b', :user_b);
SELECT regress_tksb_map('https://a.regress.test', 'nobody', 999999999);
SET ROLE regress_tksb_mgr_a1;
SELECT permissions.map_token_subject('https://a.regress.test', 'a1-user', :user_a1) IS NOT NULL AS mgr_a1_maps_own_account;
SELECT regress_tksb_map('https://a.regress.test', 'plain-a-by-a1', :plain_a);
-- taking over a subject mapped to a user one does not manage
SELECT regress_tksb_map('https://a.regress.test', 'plain-a', :user_a1);
-- manage_users without being a manager: no mapping, not even of a plain user
SET ROLE regress_tksb_users_a;
SELECT regress_tksb_map('https://a.regress.test', 'plain-a-2', :plain_a);
SELECT permissions.unmap_token_subject('https://a.regress.test', 'plain-a');
-- another tenant's manager sees no user to map
SET ROLE regress_tksb_mgr_b;
SELECT regress_tksb_map('https://a.regress.test', 'a1-user-by-b', :user_a1);
SELECT regress_tksb_map('https://b.regress.test', 'a1-user-by-b', :user_a1);
SELECT permissions.unmap_token_subject('https://a.regress.test', 'plain-a');
RESET ROLE;
-- a DBA maps subjects of shared issuers, but an issuer bound to an account
-- binds DBAs too
SELECT permissions.map_token_subject('https://shared.regress.test', 'user-b', :user_b) IS NOT NULL AS dba_maps_shared;
SELECT regress_tksb_map('https://b.regress.test', 'plain-a', :plain_a);

-- what each reads; created_by and account_id are set by the database
SELECT issuer, subject, account_id = :a AS in_a, account_id = :a1 AS in_a1,
       created_by = :mgr_a AS by_mgr_a, created_by = :mgr_a1 AS by_mgr_a1, created_by IS NULL AS by_dba
  FROM permissions.token_subjects WHERE issuer LIKE 'https://%.regress.test' ORDER BY issuer, subject;
SET ROLE regress_tksb_users_a;
SELECT subject FROM permissions.token_subjects ORDER BY 1;
SELECT issuer FROM permissions.token_issuers WHERE issuer LIKE 'https://%.regress.test' ORDER BY 1;
SET ROLE regress_tksb_user_a1;
SELECT subject FROM permissions.token_subjects ORDER BY 1;
SET ROLE regress_tksb_mgr_b;
SELECT subject FROM permissions.token_subjects ORDER BY 1;
SELECT issuer FROM permissions.token_issuers WHERE issuer LIKE 'https://%.regress.test' ORDER BY 1;
SELECT key_id FROM permissions.token_keys;
-- the columns the database sets cannot be written, nor can mappings change
SET ROLE regress_tksb_mgr_a;
INSERT INTO permissions.token_subjects (issuer, subject, user_id, account_id)
VALUES ('https://a.regress.test', 'forged', :plain_a, :a);
INSERT INTO permissions.token_subjects (issuer, subject, user_id, created_by)
VALUES ('https://a.regress.test', 'forged', :plain_a, NULL);
INSERT INTO permissions.token_subjects (id, issuer, subject, user_id)
VALUES (1, 'https://a.regress.test', 'forged', :plain_a);
UPDATE permissions.token_subjects SET user_id = :mgr_a WHERE subject = 'plain-a';
-- a direct insert follows the same rules as map_token_subject()
INSERT INTO permissions.token_subjects (issuer, subject, user_id)
VALUES ('https://a.regress.test', 'direct', :plain_a);
INSERT INTO permissions.token_subjects (issuer, subject, user_id)
VALUES ('https://shared.regress.test', 'direct', :plain_a);
DELETE FROM permissions.token_subjects WHERE subject = 'direct';
RESET ROLE;
SELECT action, row_id IS NOT NULL AS has_row, coalesce(after, before) ->> 'subject' AS subject
  FROM permissions.audit_log WHERE table_name = 'token_subjects' AND account_id IN (:a, :a1)
 ORDER BY id;

-- a mapping made by a manager holds while that user is an active manager
-- over the user's account, and gives no more than that manager holds: the
-- user's grant on a performer of A (outside A1) does not reach the token
SELECT permissions.grant_access('tier4', user_id => :user_a1, performer_id => :perf_a) IS NOT NULL AS granted_outside_a1;
SET ROLE regress_tksb_user_a1;
SELECT first_name FROM permissions.performers ORDER BY 1;
SET ROLE regress_tksb_app;
BEGIN;
SELECT permissions.authenticate_token(:'ok_bound_a') = :user_a1 AS mapped_by_mgr_a1;
SELECT first_name FROM permissions.performers ORDER BY 1;
SELECT permissions.effective_tier(:perf_a) AS tier_outside_a1;
COMMIT;
RESET ROLE;
UPDATE permissions.users SET role = 'user' WHERE id = :mgr_a1;
SET ROLE regress_tksb_app;
SELECT permissions.authenticate_token(:'ok_bound_a');
RESET ROLE;
UPDATE permissions.users SET role = 'manager' WHERE id = :mgr_a1;
SET ROLE regress_tksb_app;
BEGIN;
SELECT permissions.authenticate_token(:'ok_bound_a') = :user_a1 AS manager_again;
RESET ROLE;
UPDATE permissions.users SET active = false WHERE id = :mgr_a1;
SET LOCAL ROLE regress_tksb_app;
SELECT permissions.current_user_id() IS NULL AS ends_when_creator_inactive;
ROLLBACK;
-- a user moved out of the issuer's subtree is no longer its subject's user
RESET ROLE;
UPDATE permissions.token_issuers SET account_id = :b WHERE issuer = 'https://a.regress.test';
SET ROLE regress_tksb_app;
SELECT permissions.authenticate_token(:'ok_bound_a');
RESET ROLE;

-- clean up
SELECT permissions.delete_token_issuer(i) FROM unnest(ARRAY['https://a.regress.test',
       'https://shared.regress.test', 'https://b.regress.test']) i;
SELECT count(*) AS mappings_left FROM permissions.token_subjects WHERE issuer LIKE 'https://%.regress.test';
UPDATE permissions.users SET db_role = NULL WHERE id IN (:mgr_a, :mgr_a1, :users_a, :user_a1, :mgr_b);
DROP FUNCTION regress_tksb_map(text, text, bigint);
DROP ROLE regress_tksb_mgr_a, regress_tksb_mgr_a1, regress_tksb_users_a, regress_tksb_user_a1, regress_tksb_mgr_b;
