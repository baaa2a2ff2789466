--
-- Refusals of the extension's own writing functions: when a caller lacks the
-- right, the error's hint names what was missing (a tier, an organization
-- permission, the manager role, ownership of a table or a superuser), and a
-- caller of another tenant gets the error a missing id gets.  The class is
-- every function of the extension a client may execute that is VOLATILE:
-- each has one call below, or a reason why no refusal of that kind exists; a
-- function added without either fails the first query.
-- (Fixture: sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
-- targets in tenant A that the limited user of A can see
SELECT permissions.create_api_credential(:ro_a, 'regress hints') AS cred_a \gset
SELECT id AS cred_a_id FROM permissions.api_credentials WHERE user_id = :ro_a \gset
SELECT user_id AS inv_a FROM permissions.invite_user(:a, 'invitee@a.example', 'invitee') \gset
CREATE TABLE regress_atk_own.app_notes (id bigserial PRIMARY KEY, account_id bigint NOT NULL,
    performer_id bigint NOT NULL, body text,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id));
-- one call per function: %1$s is the contested id or name (tenant A's, or a
-- missing one); the caller is the limited user of A, then B's manager
CREATE TABLE regress_atk_own.calls (fn text PRIMARY KEY, call text NOT NULL, target_a text NOT NULL, missing text NOT NULL);
INSERT INTO regress_atk_own.calls VALUES
 ('add_credits', 'SELECT permissions.add_credits(%1$s, 10, ''x'')', :a, '999999999'),
 ('allow_session_identity', 'SELECT permissions.allow_session_identity(%1$L)', 'regress_atk_app', 'regress_atk_app'),
 ('bind_token_issuer', 'SELECT permissions.bind_token_issuer(''https://hints.example'', %1$s)', :a, '999999999'),
 ('create_account', 'SELECT permissions.create_account(''x'', parent_id => %1$s)', :a, '999999999'),
 ('create_api_credential', 'SELECT permissions.create_api_credential(%1$s, ''x'')', :mgr_a, '999999999'),
 ('create_user', 'SELECT permissions.create_user(%1$s, ''x'')', :a, '999999999'),
 ('delete_account', 'SELECT permissions.delete_account(%1$s)', :a1, '999999999'),
 ('delete_api_credential', 'SELECT permissions.delete_api_credential(%1$s)', :cred_a_id, '999999999'),
 ('delete_token_issuer', 'SELECT permissions.delete_token_issuer(%1$L)', 'https://hints.example', 'https://missing.example'),
 ('delete_token_key', 'SELECT permissions.delete_token_key(%1$L, ''k1'')', 'https://hints.example', 'https://missing.example'),
 ('disallow_session_identity', 'SELECT permissions.disallow_session_identity(%1$L)', 'regress_atk_app', 'regress_atk_app'),
 ('drop_disclosures', 'SELECT permissions.drop_disclosures(now())', 'x', 'x'),
 ('grant_access', 'SELECT permissions.grant_access(''tier2'', user_id => ' || :ro_a || ', performer_id => %1$s)', :pa1, '999999999'),
 ('invite_user', 'SELECT permissions.invite_user(%1$s, ''x@a.example'', ''x'')', :a, '999999999'),
 ('map_token_subject', 'SELECT permissions.map_token_subject(''https://hints.example'', ''s1'', %1$s)', :ro_a, '999999999'),
 ('move_account', 'SELECT permissions.move_account(%1$s, ' || :a || ')', :a1, '999999999'),
 ('protect_table', 'SELECT permissions.protect_table(%1$L)', 'regress_atk_own.app_notes', 'regress_atk_own.app_notes'),
 ('protection_forget', 'SELECT permissions.protection_forget(%1$L)', 'regress_atk_own.app_notes', 'regress_atk_own.app_notes'),
 ('protection_register', 'SELECT permissions.protection_register(%1$L, ''note'', NULL)', 'regress_atk_own.app_notes', 'regress_atk_own.app_notes'),
 ('register_token_issuer', 'SELECT permissions.register_token_issuer(''https://other.example'', %1$s)', :a, '999999999'),
 ('register_token_key', 'SELECT permissions.register_token_key(%1$L, ''k2'', ''HS256'', ''c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI='', allow_shared_secret => true)', 'https://hints.example', 'https://missing.example'),
 ('reissue_invitation', 'SELECT permissions.reissue_invitation(%1$s)', :inv_a, '999999999'),
 ('remove_user', 'SELECT permissions.remove_user(%1$s)', :ro_a, '999999999'),
 ('rename_account', 'SELECT permissions.rename_account(%1$s, ''x'')', :a1, '999999999'),
 ('restore_role_mappings', 'SELECT permissions.restore_role_mappings()', 'x', 'x'),
 ('revoke_access', 'SELECT permissions.revoke_access(%1$s)', :g_par_a, '999999999'),
 ('sync_token_keys', 'SELECT permissions.sync_token_keys(%1$L, ''{"keys": []}'')', 'https://hints.example', 'https://missing.example'),
 ('transfer_credits', 'SELECT permissions.transfer_credits(%1$s, ' || :a1 || ', 1, ''x'')', :a, '999999999'),
 ('transfer_performer', 'SELECT permissions.transfer_performer(%1$s, ' || :a1 || ')', :pa1, '999999999'),
 ('unmap_token_subject', 'SELECT permissions.unmap_token_subject(''https://hints.example'', %1$L)', 's1', 'never-mapped'),
 ('unprotect_table', 'SELECT permissions.unprotect_table(%1$L)', 'regress_atk_own.app_notes', 'regress_atk_own.app_notes');
-- the rest of the class: functions whose refusals are not about a caller's rights
CREATE TABLE regress_atk_own.exempt (fn text PRIMARY KEY, why text NOT NULL);
INSERT INTO regress_atk_own.exempt VALUES
 ('accept_invitation', 'anyone holding the invitation may accept it; a refusal is about the invitation'),
 ('authenticate', 'establishes an identity; a refusal is about the credential'),
 ('authenticate_token', 'establishes an identity; a refusal is about the token'),
 ('authenticate_request', 'establishes an identity; a refusal is about the token'),
 ('logout', 'ends the caller''s own identity'),
 ('new_api_secret', 'returns random bytes'),
 ('cache_stats', 'reads the caller''s own session counters'),
 ('token_cache_stats', 'reads the caller''s own session counters'),
 ('raise_rule', 'raises the error it is given'),
 ('raise_type_rule', 'raises the error it is given'),
 ('raise_policy_refusal', 'raises the error it is given');
-- every client-executable volatile function has a call or a reason (none listed)
SELECT p.proname AS without_call_or_reason
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'permissions'
 WHERE p.provolatile = 'v' AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
   AND has_function_privilege('permissions_client', p.oid, 'EXECUTE')
   AND p.proname NOT IN (SELECT fn FROM regress_atk_own.calls UNION ALL SELECT fn FROM regress_atk_own.exempt)
 ORDER BY 1;
-- and no call or reason names a function that is not in the class
SELECT fn AS not_in_class FROM (SELECT fn FROM regress_atk_own.calls UNION ALL SELECT fn FROM regress_atk_own.exempt) c
 WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.proname = c.fn AND p.pronamespace = 'permissions'::regnamespace
                     AND p.provolatile = 'v' AND has_function_privilege('permissions_client', p.oid, 'EXECUTE'))
 ORDER BY 1;
-- an issuer of tenant A with one key, for the token functions
SELECT permissions.register_token_issuer('https://hints.example', :a) IS NOT NULL AS issuer_registered;
SELECT permissions.register_token_key('https://hints.example', 'k1', 'HS256',
       'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=', allow_shared_secret => true) IS NOT NULL AS key_registered;
SELECT permissions.map_token_subject('https://hints.example', 's1', :ro_a) IS NOT NULL AS subject_mapped;
-- runs a call and reports how it was refused, ids replaced by N
-- (the target the caller named becomes T in the message; hints name no id)
CREATE FUNCTION regress_atk_own.refusal(call text, target text, OUT state text, OUT message text, OUT hint text)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(call, target);
    state := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    message := regexp_replace(regexp_replace(message, '\m' || regexp_replace(target, '([^A-Za-z0-9_])', '\\\1', 'g') || '\M', 'T', 'g'),
                              '\m[0-9]+\M', 'N', 'g');
END
$$;
GRANT SELECT ON regress_atk_own.calls TO PUBLIC;
-- what is missing: a tier, a permission of the organization, the manager
-- role, ownership of the table, or a superuser
CREATE FUNCTION regress_atk_own.names_missing(hint text) RETURNS boolean LANGUAGE sql AS $$
    SELECT hint ~ ('tier[1-4]|manager|owner|owns|superuser|'
                   || (SELECT string_agg(p, '|') FROM unnest(permissions.permission_names()) p)) $$;
-- the limited user of A, on A's own targets: refused, and the hint says why
SET ROLE regress_atk_lim_a;
SELECT c.fn, r.state, regress_atk_own.names_missing(r.hint) AS names_missing, r.message, r.hint
  FROM regress_atk_own.calls c, regress_atk_own.refusal(c.call, c.target_a) r
 ORDER BY c.fn;
RESET ROLE;
-- B's manager, on A's targets and on missing ones: the same error, and a
-- hint that names what is missing without telling which
SET ROLE regress_atk_mgr_b;
SELECT c.fn, a.state, a IS NOT DISTINCT FROM m AS same_as_missing, regress_atk_own.names_missing(a.hint) AS names_missing,
       CASE WHEN a IS DISTINCT FROM m THEN a.message || ' / ' || m.message END AS differs, a.hint
  FROM regress_atk_own.calls c,
       regress_atk_own.refusal(c.call, c.target_a) a,
       regress_atk_own.refusal(c.call, c.missing) m
 ORDER BY c.fn;
RESET ROLE;
-- nothing of the above took effect
SELECT count(*) AS credentials_left FROM permissions.api_credentials WHERE user_id = :ro_a;
SELECT count(*) AS subjects_left FROM permissions.token_subjects WHERE issuer = 'https://hints.example';
SELECT count(*) AS accounts FROM permissions.accounts WHERE id IN (:a, :a1, :b, :b1) OR parent_id IN (:a, :a1);
SELECT count(*) AS users_of_a FROM permissions.users WHERE account_id IN (:a, :a1);
SELECT * FROM regress_atk_own.truth;
DROP TABLE regress_atk_own.app_notes;
SELECT permissions.delete_token_issuer('https://hints.example');
\i sql/attack_teardown.inc
