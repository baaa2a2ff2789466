
-- install/56_audit.sql
-- ---------------------------------------------------------------------------
-- The audit log: every permission-relevant change is written to audit_log
-- in the same transaction (never a secret or token hash).  The audit log
-- and the credit ledger are append-only.  These triggers fire for everyone,
-- also with session_replication_role = replica (ENABLE ALWAYS).
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.audit_change()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    before_row jsonb;
    after_row jsonb;
BEGIN
    IF permissions.restoring() THEN
        RETURN NULL;            -- the dump holds the audit entries already
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        before_row := pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) ARRAY['secret_hash', 'token_hash'];
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        after_row := pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) ARRAY['secret_hash', 'token_hash'];
    END IF;
    IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'performers' THEN
        -- a performer's move: its account, never its data (names, birth
        -- date), which the tier matrix governs, not view_audit_logs
        before_row := pg_catalog.jsonb_build_object('id', before_row OPERATOR(pg_catalog.->) 'id',
                                                    'account_id', before_row OPERATOR(pg_catalog.->) 'account_id');
        after_row := pg_catalog.jsonb_build_object('id', after_row OPERATOR(pg_catalog.->) 'id',
                                                   'account_id', after_row OPERATOR(pg_catalog.->) 'account_id');
    END IF;
    INSERT INTO permissions.audit_log (account_id, actor_id, actor_role, action, table_name, row_id, before, after)
    VALUES (coalesce(after_row OPERATOR(pg_catalog.->>) 'account_id', before_row OPERATOR(pg_catalog.->>) 'account_id')::bigint,
            permissions.current_user_id(),
            CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN session_user
                 ELSE pg_catalog.current_setting('role')::name END,
            pg_catalog.lower(TG_OP),
            TG_TABLE_NAME,
            coalesce(after_row OPERATOR(pg_catalog.->>) 'id', before_row OPERATOR(pg_catalog.->>) 'id')::bigint,
            before_row, after_row);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.audit_change() IS
'Internal row trigger: writes the change to audit_log in the same transaction (actor, time, before and after; never a secret or token hash, and of a performer only its id and account). Writes nothing while a dump is restored (permissions.restoring()): the dump holds the entries.';
REVOKE ALL ON FUNCTION permissions.audit_change() FROM PUBLIC;

CREATE FUNCTION permissions.append_only()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = format('%s is append-only: %s is not allowed', TG_TABLE_NAME, pg_catalog.lower(TG_OP)),
        DETAIL = TG_ARGV[0],
        HINT = TG_ARGV[1];
END
$$;
COMMENT ON FUNCTION permissions.append_only() IS
'Internal trigger of append-only tables (audit_log, credit_ledger): refuses UPDATE, DELETE and TRUNCATE for everyone; the trigger''s two arguments are the error''s detail and hint.';

CREATE TRIGGER accounts_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.accounts
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.accounts ENABLE ALWAYS TRIGGER accounts_80_audit;
COMMENT ON TRIGGER accounts_80_audit ON permissions.accounts IS
'Every account created, changed or deleted is in audit_log.';

CREATE TRIGGER users_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.users ENABLE ALWAYS TRIGGER users_80_audit;
COMMENT ON TRIGGER users_80_audit ON permissions.users IS
'Every user created, changed or removed is in audit_log.';

CREATE TRIGGER api_credentials_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.api_credentials ENABLE ALWAYS TRIGGER api_credentials_80_audit;
COMMENT ON TRIGGER api_credentials_80_audit ON permissions.api_credentials IS
'Every API credential created, changed or deleted is in audit_log (never its secret hash).';

CREATE TRIGGER access_grants_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.access_grants ENABLE ALWAYS TRIGGER access_grants_80_audit;
COMMENT ON TRIGGER access_grants_80_audit ON permissions.access_grants IS
'Every grant made, changed or revoked is in audit_log.';

CREATE TRIGGER groups_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.groups
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.groups ENABLE ALWAYS TRIGGER groups_80_audit;
COMMENT ON TRIGGER groups_80_audit ON permissions.groups IS
'Every group created, changed or deleted is in audit_log.';

CREATE TRIGGER group_members_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.group_members
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.group_members ENABLE ALWAYS TRIGGER group_members_80_audit;
COMMENT ON TRIGGER group_members_80_audit ON permissions.group_members IS
'Every group membership added, changed or removed is in audit_log.';

CREATE TRIGGER teams_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.teams
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.teams ENABLE ALWAYS TRIGGER teams_80_audit;
COMMENT ON TRIGGER teams_80_audit ON permissions.teams IS
'Every team created, changed or deleted is in audit_log.';

CREATE TRIGGER team_members_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.team_members
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.team_members ENABLE ALWAYS TRIGGER team_members_80_audit;
COMMENT ON TRIGGER team_members_80_audit ON permissions.team_members IS
'Every team membership added, changed or removed is in audit_log.';

-- only a move to another account
CREATE TRIGGER performers_80_audit AFTER UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.performers ENABLE ALWAYS TRIGGER performers_80_audit;
COMMENT ON TRIGGER performers_80_audit ON permissions.performers IS
'Every move of a performer to another account is in audit_log.';

-- reissuing an invitation, and every change of one (never the token hash)
CREATE TRIGGER invitations_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.invitations
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.invitations ENABLE ALWAYS TRIGGER invitations_80_audit;
COMMENT ON TRIGGER invitations_80_audit ON permissions.invitations IS
'Issuing, reissuing and ending an invitation is audited (never the token hash).';

CREATE TRIGGER credit_ledger_80_audit AFTER INSERT ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.credit_ledger ENABLE ALWAYS TRIGGER credit_ledger_80_audit;
COMMENT ON TRIGGER credit_ledger_80_audit ON permissions.credit_ledger IS 'Every credit movement is audited.';

CREATE TRIGGER token_subjects_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.token_subjects
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.token_subjects ENABLE ALWAYS TRIGGER token_subjects_80_audit;
COMMENT ON TRIGGER token_subjects_80_audit ON permissions.token_subjects IS
'Every mapping made, changed or removed is in audit_log.';

CREATE TRIGGER token_issuers_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.token_issuers
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
ALTER TABLE permissions.token_issuers ENABLE ALWAYS TRIGGER token_issuers_80_audit;
COMMENT ON TRIGGER token_issuers_80_audit ON permissions.token_issuers IS
'Every issuer registered, bound to an account, changed or deleted is in audit_log.';

-- key changes are audited without the secret of an HS256 key
CREATE FUNCTION permissions.token_keys_audit()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM permissions.require_trigger_table('token_keys_audit', TG_RELID, 'permissions.token_keys');
    IF permissions.restoring() THEN
        RETURN NULL;            -- the dump holds the audit entries already
    END IF;
    INSERT INTO permissions.audit_log (account_id, actor_id, actor_role, action, table_name, row_id, before, after)
    VALUES (NULL, permissions.current_user_id(),
            CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN session_user
                 ELSE pg_catalog.current_setting('role')::name END,
            pg_catalog.lower(TG_OP), TG_TABLE_NAME,
            CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD.id ELSE NEW.id END,
            CASE WHEN TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) 'secret' END,
            CASE WHEN TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) 'secret' END);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.token_keys_audit() IS
'Internal row trigger on token_keys: writes the change to audit_log (never the HS256 secret), like audit_change().';
REVOKE ALL ON FUNCTION permissions.token_keys_audit() FROM PUBLIC;

CREATE TRIGGER token_keys_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.token_keys
    FOR EACH ROW EXECUTE FUNCTION permissions.token_keys_audit();
ALTER TABLE permissions.token_keys ENABLE ALWAYS TRIGGER token_keys_80_audit;
COMMENT ON TRIGGER token_keys_80_audit ON permissions.token_keys IS
'Every key registered, enabled, disabled, retired or deleted is in audit_log (never the secret).';

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON permissions.audit_log
    FOR EACH ROW EXECUTE FUNCTION permissions.append_only(
        'Audit entries can be neither changed nor deleted.',
        'Read the log with SELECT; entries are written by the extension itself.');
ALTER TABLE permissions.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
COMMENT ON TRIGGER audit_log_append_only ON permissions.audit_log IS
'Internal trigger of append-only tables (audit_log, credit_ledger): refuses UPDATE, DELETE and TRUNCATE for everyone; the trigger''s two arguments are the error''s detail and hint.';

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON permissions.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.append_only(
        'Audit entries can be neither changed nor deleted.',
        'Read the log with SELECT; entries are written by the extension itself.');
ALTER TABLE permissions.audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;
COMMENT ON TRIGGER audit_log_no_truncate ON permissions.audit_log IS
'Internal trigger of append-only tables (audit_log, credit_ledger): refuses UPDATE, DELETE and TRUNCATE for everyone; the trigger''s two arguments are the error''s detail and hint.';

CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.append_only(
        'Credit movements can be neither changed nor deleted.',
        'Correct a movement with a new one (permissions.transfer_credits() or permissions.add_credits()).');
ALTER TABLE permissions.credit_ledger ENABLE ALWAYS TRIGGER credit_ledger_append_only;
COMMENT ON TRIGGER credit_ledger_append_only ON permissions.credit_ledger IS 'Ledger entries never change.';

CREATE TRIGGER credit_ledger_no_truncate BEFORE TRUNCATE ON permissions.credit_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.append_only(
        'Credit movements can be neither changed nor deleted.',
        'Correct a movement with a new one (permissions.transfer_credits() or permissions.add_credits()).');
ALTER TABLE permissions.credit_ledger ENABLE ALWAYS TRIGGER credit_ledger_no_truncate;
COMMENT ON TRIGGER credit_ledger_no_truncate ON permissions.credit_ledger IS 'Ledger entries are never deleted.';
