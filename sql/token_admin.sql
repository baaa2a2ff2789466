--
-- Token administration never widens trust as a side effect: registering
-- an issuer again keeps its tenant, lifetime and skew (a change of tenant
-- is bind_token_issuer(), explicitly, and audited); a key for an issuer
-- never registered is an error, not a new shared issuer; a subject mapped
-- to one user is moved to another only with remap => true (audited), and
-- the identities of the old mapping end.  Only superusers call the DBA
-- functions: every token function is listed as either callable by clients
-- or refused to them.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

\set pem_ed '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAA6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n-----END PUBLIC KEY-----\n'
\set ok_bound_a 'eyJhbGciOiJFZERTQSIsImtpZCI6ImthIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2EucmVncmVzcy50ZXN0Iiwic3ViIjoiYTEtdXNlciIsImV4cCI6NDEwMjQ0NDgwMH0.8RbStYyzJe1Yy1UKE-Jdelk3IHznPm9BO8ieZxhCSh7zk2DM3vVsFO8eNkz7B7aWkEn-KnVIJQ13wdP8Fs-YDw'

CREATE ROLE regress_tkad_mgr_a;
CREATE ROLE regress_tkad_app;
GRANT permissions_client TO regress_tkad_app;
SELECT permissions.create_account('regress tkad A') AS a \gset
SELECT permissions.create_account('regress tkad B') AS b \gset
SELECT permissions.create_user(:a, 'tkad_mgr_a', role => 'manager', db_role => 'regress_tkad_mgr_a') AS mgr_a \gset
SELECT permissions.create_user(:a, 'tkad_one', access => 'tier4') AS one \gset
SELECT permissions.create_user(:a, 'tkad_two', access => 'tier4') AS two \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Tkad One');

CREATE FUNCTION regress_tkad_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    hint text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
    RETURN SQLSTATE || ': ' || regexp_replace(regexp_replace(SQLERRM || CASE WHEN hint <> '' THEN ' | ' || hint ELSE '' END,
                                              '(account|user) \d+', '\1 N', 'g'), ', \d+\)', ', N)', 'g');
END
$$;
CREATE FUNCTION regress_tkad_issuer() RETURNS TABLE (bound_to text, max_lifetime interval, clock_skew interval,
                                                    key_grace interval)
LANGUAGE sql AS $$
    SELECT CASE WHEN i.account_id IS NULL THEN 'shared'
                WHEN i.account_id = (SELECT id FROM permissions.accounts WHERE name = 'regress tkad A') THEN 'A'
                WHEN i.account_id = (SELECT id FROM permissions.accounts WHERE name = 'regress tkad B') THEN 'B' END,
           i.max_lifetime, i.clock_skew, i.key_grace
      FROM permissions.token_issuers i WHERE i.issuer = 'https://a.regress.test'
$$;

-- an issuer bound to A, with settings of its own
SELECT permissions.register_token_issuer('https://a.regress.test', :a, max_lifetime => '100 years',
                                         clock_skew => '2 minutes', key_grace => '2 days') IS NOT NULL AS registered;
SELECT permissions.register_token_key('https://a.regress.test', 'ka', 'EdDSA', :'pem_ed') IS NOT NULL AS key;
SELECT permissions.map_token_subject('https://a.regress.test', 'a1-user', :one) IS NOT NULL AS mapped;
SELECT * FROM regress_tkad_issuer();
-- registering it again, without account_id or settings, changes nothing
SELECT max(id) AS audit_before FROM permissions.audit_log \gset
SELECT permissions.register_token_issuer('https://a.regress.test') IS NOT NULL AS registered_again;
SELECT * FROM regress_tkad_issuer();
SELECT count(*) AS audit_entries FROM permissions.audit_log WHERE id > :audit_before;
-- a setting passed changes that setting only
SELECT permissions.register_token_issuer('https://a.regress.test', max_lifetime => '99 years') IS NOT NULL AS lifetime;
SELECT * FROM regress_tkad_issuer();
-- another account is not a setting: the binding changes only when asked for
SELECT regress_tkad_try(format('SELECT permissions.register_token_issuer(%L, %s)', 'https://a.regress.test', :b)) AS rebind_by_register;
SELECT permissions.register_token_issuer('https://a.regress.test', :a) IS NOT NULL AS same_account_is_fine;
SELECT * FROM regress_tkad_issuer();

-- the token works while the issuer is bound to A ...
SET ROLE regress_tkad_app;
BEGIN;
SELECT permissions.authenticate_token(:'ok_bound_a') = :one AS authenticated;
RESET ROLE;
-- ... and bind_token_issuer() moves it, audited; the identity ends
SELECT permissions.bind_token_issuer('https://a.regress.test', :b);
SET LOCAL ROLE regress_tkad_app;
SELECT permissions.current_user_id() IS NULL AS identity_ended;
COMMIT;
SELECT * FROM regress_tkad_issuer();
SELECT action, table_name, before ->> 'account_id' = :'a' AS was_a, after ->> 'account_id' = :'b' AS now_b
  FROM permissions.audit_log WHERE table_name = 'token_issuers' AND action = 'update' ORDER BY id DESC LIMIT 1;
SELECT permissions.bind_token_issuer('https://a.regress.test', NULL);
SELECT * FROM regress_tkad_issuer();
SELECT permissions.bind_token_issuer('https://a.regress.test', :a);
SELECT regress_tkad_try($$SELECT permissions.bind_token_issuer('https://nobody.regress.test', NULL)$$) AS bind_unknown;
SELECT regress_tkad_try($$SELECT permissions.bind_token_issuer('https://a.regress.test', 999999999)$$) AS bind_no_account;

-- a key for an issuer never registered is an error naming the issuer and
-- the function to call; no issuer appears
SELECT regress_tkad_try(format('SELECT permissions.register_token_key(%L, %L, %L, %L)',
       'https://never.regress.test', 'k', 'EdDSA', :'pem_ed')) AS key_of_unknown_issuer;
SELECT count(*) AS issuers_created FROM permissions.token_issuers WHERE issuer = 'https://never.regress.test';
SELECT regress_tkad_try($$SELECT permissions.delete_token_key('https://never.regress.test', 'k')$$) AS delete_key_of_unknown_issuer;
SELECT regress_tkad_try($$SELECT permissions.delete_token_issuer('https://never.regress.test')$$) AS delete_unknown_issuer;
SELECT regress_tkad_try(format('SELECT permissions.map_token_subject(%L, %L, %s)', 'https://never.regress.test', 's', :one)) AS map_unknown_issuer;
SELECT regress_tkad_try($$SELECT permissions.sync_token_keys('https://never.regress.test', '{"keys": []}')$$) AS sync_unknown_issuer;
SET ROLE regress_tkad_mgr_a;
-- a manager gets the same error for an issuer that does not exist and one of another tenant
SELECT regress_tkad_try(format('SELECT permissions.map_token_subject(%L, %L, %s)', 'https://never.regress.test', 's', :one)) AS manager_unknown_issuer;
RESET ROLE;
SELECT permissions.register_token_issuer('https://b.regress.test', :b) IS NOT NULL AS b_issuer;
SET ROLE regress_tkad_mgr_a;
SELECT regress_tkad_try(format('SELECT permissions.map_token_subject(%L, %L, %s)', 'https://b.regress.test', 's', :one)) AS manager_other_tenants_issuer;
RESET ROLE;

-- a mapped subject is not moved by a repeated call
SELECT permissions.map_token_subject('https://a.regress.test', 'a1-user', :one) IS NOT NULL AS same_user_again;
SELECT max(id) AS audit_before FROM permissions.audit_log \gset
SELECT regress_tkad_try(format('SELECT permissions.map_token_subject(%L, %L, %s)', 'https://a.regress.test', 'a1-user', :two)) AS move_without_remap;
SET ROLE regress_tkad_mgr_a;
SELECT regress_tkad_try(format('SELECT permissions.map_token_subject(%L, %L, %s)', 'https://a.regress.test', 'a1-user', :two)) AS manager_move_without_remap;
RESET ROLE;
SELECT count(*) AS audit_entries FROM permissions.audit_log WHERE id > :audit_before;
SELECT s.user_id = :one AS still_one FROM permissions.token_subjects s WHERE s.subject = 'a1-user';
-- remap => true moves it, audited as the removal and the new mapping, and
-- the identity of the old mapping ends
SET ROLE regress_tkad_app;
BEGIN;
SELECT permissions.authenticate_token(:'ok_bound_a') = :one AS authenticated_as_one;
RESET ROLE;
SET LOCAL ROLE regress_tkad_mgr_a;
SELECT permissions.map_token_subject('https://a.regress.test', 'a1-user', :two, remap => true) IS NOT NULL AS remapped;
SET LOCAL ROLE regress_tkad_app;
SELECT permissions.current_user_id() IS NULL AS old_identity_ended;
SELECT permissions.authenticate_token(:'ok_bound_a') = :two AS now_two;
COMMIT;
SELECT action, before ->> 'user_id' = :'one' AS from_one, after ->> 'user_id' = :'two' AS to_two,
       actor_id = :mgr_a AS by_mgr_a
  FROM permissions.audit_log WHERE id > :audit_before AND table_name = 'token_subjects' ORDER BY id;

-- every token function is either for clients or refused to them: the DBA
-- functions (require_superuser) and the internal ones (no EXECUTE)
SET ROLE regress_tkad_app;
SELECT p.oid::regprocedure AS function,
       CASE WHEN p.proname IN ('authenticate_token', 'authenticate_request', 'map_token_subject',
                               'unmap_token_subject', 'token_cache_stats') THEN 'client'
            ELSE regress_tkad_try(format('SELECT %s(%s)', p.oid::regproc,
                     (SELECT string_agg(CASE t WHEN 'text'::regtype THEN quote_literal('x')
                                               WHEN 'jsonb'::regtype THEN '''{}''::jsonb'
                                               WHEN 'bytea'::regtype THEN '''\x00''::bytea'
                                               WHEN 'bigint'::regtype THEN '1'
                                               WHEN 'interval'::regtype THEN 'NULL::interval'
                                               WHEN 'timestamptz'::regtype THEN 'NULL::timestamptz'
                                               WHEN 'boolean'::regtype THEN 'true' END || '::' || t::regtype::text, ', ')
                        FROM unnest(p.proargtypes::regtype[]) t)))
       END AS as_a_client
  FROM pg_proc p
 WHERE p.pronamespace = 'permissions'::regnamespace AND p.proname ~ 'token|request' AND p.prorettype <> 'trigger'::regtype
 ORDER BY p.oid::regprocedure::text COLLATE "C";
RESET ROLE;

-- clean up
SELECT permissions.delete_token_issuer(i) FROM unnest(ARRAY['https://a.regress.test', 'https://b.regress.test']) i;
UPDATE permissions.users SET db_role = NULL WHERE id = :mgr_a;
DROP ROLE regress_tkad_mgr_a;
DROP FUNCTION regress_tkad_try(text);
DROP FUNCTION regress_tkad_issuer();
