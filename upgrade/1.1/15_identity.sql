-- ---------------------------------------------------------------------------
-- Identity: login-role mappings that a dropped role cannot pass on,
-- session-scope identities only where a DBA allowed them, and the tests the
-- policies and triggers use.
-- ---------------------------------------------------------------------------

-- A mapping remembers the role's name: a role dropped and another created
-- later with the same OID is not the mapped role.
ALTER TABLE permissions.users ADD COLUMN db_role_name name;
COMMENT ON COLUMN permissions.users.db_role_name IS
'Name of the login role when it was mapped (set by the database). A mapping applies only while the role with that OID still has that name; after a restore into a cluster that lacks the role it keeps the name, and permissions.restore_role_mappings() maps it again.';

SET LOCAL session_replication_role = replica;
UPDATE permissions.users u SET db_role_name = r.rolname
  FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) u.db_role;
RESET session_replication_role;

CREATE FUNCTION permissions.users_name_role()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the name the role was mapped under changes only with the mapping (an
    -- edit of the profile of a user whose role was dropped or renamed
    -- rewrites nothing, so it moves no epoch but its tenant's)
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.db_role IS NOT DISTINCT FROM OLD.db_role THEN
        NEW.db_role_name := OLD.db_role_name;
    ELSIF NEW.db_role IS NOT NULL THEN
        NEW.db_role_name := (SELECT r.rolname FROM pg_catalog.pg_roles r
                              WHERE r.oid OPERATOR(pg_catalog.=) NEW.db_role);
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.db_role IS NOT NULL THEN
        -- unmapped: the name goes, unless the role itself is gone (dropped),
        -- when it stays for restore_role_mappings()
        NEW.db_role_name := CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                                               WHERE r.oid OPERATOR(pg_catalog.=) OLD.db_role)
                                 THEN NULL ELSE OLD.db_role_name END;
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        NEW.db_role_name := NULL;
    ELSIF NOT permissions.restoring() THEN
        NEW.db_role_name := NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.users_name_role() IS
'Internal row trigger on users: db_role_name is the name of the mapped login role, set by the database (a restore keeps the name of a role the cluster lacks, and so does unmapping a user whose role was dropped).';
CREATE TRIGGER users_05_role_name BEFORE INSERT OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_name_role();
COMMENT ON TRIGGER users_05_role_name ON permissions.users IS
'db_role_name follows db_role.';

CREATE FUNCTION permissions.users_remap_role()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- a DBA who names the role a user is mapped to maps it again, under the
    -- role's name of now: after ALTER ROLE ... RENAME the mapping gives
    -- nothing until then (anyone else's edit keeps the name it was mapped under)
    IF NEW.db_role IS NOT NULL AND NEW.db_role IS NOT DISTINCT FROM OLD.db_role
       AND permissions.caller_is_superuser() THEN
        NEW.db_role_name := (SELECT r.rolname FROM pg_catalog.pg_roles r
                              WHERE r.oid OPERATOR(pg_catalog.=) NEW.db_role);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.users_remap_role() IS
'Internal row trigger on users, for UPDATE OF db_role: a superuser who sets db_role to the role the user is mapped to already maps it again under the role''s current name (a renamed role maps to nobody until then).';
REVOKE ALL ON FUNCTION permissions.users_remap_role() FROM PUBLIC;

CREATE TRIGGER users_06_role_remapped BEFORE UPDATE OF db_role ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_remap_role();
COMMENT ON TRIGGER users_06_role_remapped ON permissions.users IS
'A DBA naming the mapped role again maps it under its current name.';

-- Session-scope identities outlive the transaction: behind a connection pool
-- they would pass to the next client.  Allowed only for roles a DBA names.
CREATE TABLE permissions.session_identity_roles (
    role_name   name PRIMARY KEY,
    allowed_at  timestamptz NOT NULL DEFAULT now(),
    note        text
);
COMMENT ON TABLE permissions.session_identity_roles IS
'Roles that may hold a session-scope identity (authenticate(..., session => true)); a DBA adds them with permissions.allow_session_identity(). By name, so the list survives dump and restore.';
COMMENT ON COLUMN permissions.session_identity_roles.role_name IS 'The role (the one that calls authenticate), by name.';
COMMENT ON COLUMN permissions.session_identity_roles.allowed_at IS 'When a DBA allowed it.';
COMMENT ON COLUMN permissions.session_identity_roles.note IS 'Why: for instance, "dedicated connection of the reporting job".';
ALTER TABLE permissions.session_identity_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.session_identity_roles FORCE ROW LEVEL SECURITY;
REVOKE ALL ON permissions.session_identity_roles FROM PUBLIC;

CREATE FUNCTION permissions.allow_session_identity(role regrole, note text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can allow session-scope identities',
            DETAIL = 'A session identity outlives its transaction; behind a connection pool the next client would inherit it.',
            HINT = 'Ask a DBA (a superuser) to allow it, or authenticate per transaction.';
    END IF;
    INSERT INTO permissions.session_identity_roles (role_name, note)
    VALUES (allow_session_identity.role::text, allow_session_identity.note)
    ON CONFLICT (role_name) DO UPDATE SET note = EXCLUDED.note;
END
$$;
COMMENT ON FUNCTION permissions.allow_session_identity(regrole, text) IS
'DBA: lets a role hold session-scope identities (authenticate(..., session => true), authenticate_token(..., session => true)). Only for connections that are never shared between clients.';

CREATE FUNCTION permissions.disallow_session_identity(role regrole)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM permissions.require_superuser('disallow session-scope identities');
    DELETE FROM permissions.session_identity_roles s
     WHERE s.role_name OPERATOR(pg_catalog.=) disallow_session_identity.role::text;
END
$$;
COMMENT ON FUNCTION permissions.disallow_session_identity(regrole) IS
'DBA: takes back allow_session_identity(); identities already held last until their session ends or logs out.';

CREATE FUNCTION permissions.in_account(account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_in_account'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.in_account(bigint) IS
'Policy check: is the account the current user''s own or one it manages? (Reaching a performer of an account through a grant makes one a reader of its libraries, not a member who may change them.)';

CREATE FUNCTION permissions.restoring()
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_restoring'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.restoring() IS
'Whether the session loads data as a DBA with row_security off, as pg_dump''s output does: the triggers that derive rows then leave restored rows exactly as dumped.';

CREATE FUNCTION permissions.restore_role_mappings()
RETURNS TABLE (user_id bigint, username text, role_name name, mapped boolean)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM permissions.require_superuser('map login roles');
    -- users restored without their role, and users still holding the OID
    -- of a role dropped from a session of another database (this one's
    -- DROP ROLE unmaps them at once): the latter are unmapped first, the
    -- role's name kept
    UPDATE permissions.users u SET db_role = NULL
     WHERE u.db_role IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                        WHERE r.oid OPERATOR(pg_catalog.=) u.db_role);
    RETURN QUERY
    WITH pending AS (
        SELECT u.id, u.username, u.db_role_name FROM permissions.users u
         WHERE u.db_role IS NULL AND u.db_role_name IS NOT NULL
    ), done AS (
        UPDATE permissions.users u SET db_role = r.oid::regrole
          FROM pending p JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) p.db_role_name
         WHERE u.id OPERATOR(pg_catalog.=) p.id AND NOT r.rolsuper
           AND NOT EXISTS (SELECT 1 FROM permissions.users x WHERE x.db_role OPERATOR(pg_catalog.=) r.oid::regrole)
        RETURNING u.id
    )
    SELECT p.id, p.username, p.db_role_name, p.id IN (SELECT d.id FROM done d)
      FROM pending p ORDER BY p.id;
END
$$;
COMMENT ON FUNCTION permissions.restore_role_mappings() IS
'DBA: maps again every user left without its login role (restored into a cluster that lacked it, or whose role was dropped: db_role_name kept) to the role of that name, where the cluster now has it; returns each such user and whether it is mapped now.';

-- a refused deletion of a credential names the permission it needs
CREATE OR REPLACE FUNCTION permissions.delete_api_credential(credential_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM permissions.api_credentials WHERE id OPERATOR(pg_catalog.=) credential_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('API credential %s does not exist or is not visible to you', credential_id),
            HINT = 'Deleting another user''s credential needs manage_api_credentials in its account; list the credentials you can see with SELECT * FROM permissions.api_credential_list.';
    END IF;
END
$$;
