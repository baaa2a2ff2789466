
-- install/52_rules_accounts.sql
-- ---------------------------------------------------------------------------
-- Rules enforced on every write, by row triggers (this file: accounts,
-- users and API credentials; 53_rules_tokens.sql: the token tables;
-- 54_rules_data.sql: performer data, grants, groups and teams, libraries,
-- reviews and credits).
--
-- * Escalation rules apply to every role that is not a superuser.
--   Superusers (DBAs) are trusted, as they are by row-level security itself.
-- * Rules that must read rows the writer cannot see (a grantee's type, the
--   other managers of an account, a user's other grants) run as SECURITY
--   DEFINER *trigger functions*, which nobody can call or attach (EXECUTE is
--   revoked and each checks the table it fires on); the few definer helpers
--   that remain callable check their caller's rights themselves.
-- * Rules that span rows (last manager, one performer per single_performer
--   user, the account tree) lock the tenant (its row of tenant_locks) and
--   then count with a fresh snapshot, so two transactions check them one
--   after the other under READ COMMITTED (and one of them fails to
--   serialize under REPEATABLE READ).  The lock is taken only after the
--   row was found writable by row-level security.
-- * Errors about a grantee, a participant or a mapped role are the same for
--   "missing" and "not yours".
-- * What must never change after creation does not change, whoever writes:
--   a credential's user and secret, a grant's grantee and target, ids.
-- * Rows restored from a dump (permissions.restoring()) are left as dumped.
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Accounts: plan, id and moves; the tree stays a tree
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.accounts_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- a deleted account's audit history and ledger stay under its id: a new
    -- account never takes it (ids come from a sequence; a DBA giving one
    -- explicitly is stopped here, and so would be anyone else)
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NOT permissions.restoring()
       AND EXISTS (SELECT 1 FROM permissions.audit_log l
                    WHERE l.account_id OPERATOR(pg_catalog.=) NEW.id
                      AND l.table_name OPERATOR(pg_catalog.=) 'accounts'
                      AND l.action OPERATOR(pg_catalog.=) 'delete') THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = format('account id %s belonged to a deleted account', NEW.id),
            DETAIL = 'Its audit history and credit ledger keep that id; a new account must not read them.',
            HINT = 'Leave id out: the database assigns a new one.';
    END IF;
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        -- the plan is a DBA's decision: a sub-account takes its parent's
        IF NEW.parent_id IS NOT NULL THEN
            NEW.plan := coalesce((SELECT a.plan FROM permissions.accounts a
                                   WHERE a.id OPERATOR(pg_catalog.=) NEW.parent_id), NEW.plan);
        END IF;
        RETURN NEW;
    END IF;

    IF NEW.id OPERATOR(pg_catalog.<>) OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'the id and creation time of an account cannot change',
            DETAIL = format('Account %s would change its id or created_at.', OLD.id),
            HINT = 'Change only the account''s details.';
    END IF;
    IF NEW.plan IS DISTINCT FROM OLD.plan THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can change the plan of an account',
            DETAIL = format('Account %s has plan "%s".', OLD.id, OLD.plan),
            HINT = 'manage_billing shows the plan; ask a DBA to change it.';
    END IF;
    IF NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
        IF OLD.parent_id IS NULL OR NEW.parent_id IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'only a superuser can turn a top-level account into a sub-account or back',
                DETAIL = format('Account %s would move from parent %s to parent %s.',
                                OLD.id, coalesce(OLD.parent_id::text, 'none'), coalesce(NEW.parent_id::text, 'none')),
                HINT = 'A top-level account is a tenant; ask a DBA.';
        END IF;
        IF NOT (permissions.holds('manage_sub_accounts', OLD.parent_id)
                AND permissions.holds('manage_sub_accounts', NEW.parent_id)) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'moving a sub-account needs manage_sub_accounts over its old and its new parent',
                DETAIL = format('Account %s would move from account %s to account %s.', OLD.id, OLD.parent_id, NEW.parent_id),
                HINT = 'Ask a manager of an account above both parents.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.accounts_check_rules() IS
'Internal row trigger on accounts: for non-superusers, a new sub-account takes its parent''s plan; id, created_at and plan never change; a move needs manage_sub_accounts over the old and the new parent and never makes or unmakes a top-level account.';

CREATE FUNCTION permissions.accounts_no_cycles()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM permissions.require_trigger_table('accounts_no_cycles', TG_RELID, 'permissions.accounts');
    IF NEW.parent_id IS NOT NULL THEN
        -- one move at a time per tenant, so two concurrent moves cannot build
        -- a cycle together; then a fresh snapshot sees the other's move
        IF OLD.id OPERATOR(pg_catalog.<) NEW.parent_id THEN
            PERFORM permissions.lock_tenant(OLD.id);
            PERFORM permissions.lock_tenant(NEW.parent_id);
        ELSE
            PERFORM permissions.lock_tenant(NEW.parent_id);
            PERFORM permissions.lock_tenant(OLD.id);
        END IF;
        IF NEW.id OPERATOR(pg_catalog.=) ANY (permissions.account_path(NEW.parent_id)) THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                MESSAGE = 'an account cannot be moved under itself or one of its sub-accounts',
                DETAIL = format('Account %s is above account %s.', NEW.id, NEW.parent_id),
                HINT = 'Choose a new parent outside the account''s subtree.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.accounts_no_cycles() IS
'Internal row trigger on accounts: refuses a parent_id that would make a cycle, for everyone; moves are serialized per tenant (the tenants'' access epochs are locked), so no other tenant waits.';
REVOKE ALL ON FUNCTION permissions.accounts_no_cycles() FROM PUBLIC;

CREATE TRIGGER accounts_10_rules BEFORE INSERT OR UPDATE ON permissions.accounts
    FOR EACH ROW EXECUTE FUNCTION permissions.accounts_check_rules();
COMMENT ON TRIGGER accounts_10_rules ON permissions.accounts IS 'Plan, id and move rules for non-superusers.';

CREATE TRIGGER accounts_20_no_cycles BEFORE UPDATE OF parent_id ON permissions.accounts
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION permissions.accounts_no_cycles();
COMMENT ON TRIGGER accounts_20_no_cycles ON permissions.accounts IS 'The account tree stays a tree.';

-- ---------------------------------------------------------------------------
-- Users
-- ---------------------------------------------------------------------------

-- answers only the account's own users and managers (and DBAs)
CREATE FUNCTION permissions.username_taken(account bigint, username text, excluded bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (permissions.in_account(account) OR permissions.caller_is_dba())
           AND EXISTS (SELECT 1 FROM permissions.users u
                        WHERE u.account_id OPERATOR(pg_catalog.=) account
                          AND u.username OPERATOR(pg_catalog.=) username_taken.username
                          AND u.id IS DISTINCT FROM excluded)
$$;
COMMENT ON FUNCTION permissions.username_taken(bigint, text, bigint) IS
'Internal: whether another user of the account has the username; answers only the account''s own users and managers (and DBAs), false to anyone else (the unique index then decides).';

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

CREATE FUNCTION permissions.users_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    my permissions.users;
    added permissions.permset;
    other permissions.users;
BEGIN
    -- user types and roles: always
    IF NEW.role OPERATOR(permissions.=) 'manager' AND NEW.user_type OPERATOR(permissions.<>) 'full_access' THEN
        PERFORM permissions.raise_type_rule(
            'managers must be full_access users',
            format('User "%s" is a manager of type %s.', NEW.username, NEW.user_type),
            'Make the user full_access, or give it the role user.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.<>) 'full_access' AND NEW.permissions OPERATOR(permissions.<>) '{}' THEN
        PERFORM permissions.raise_type_rule(
            format('%s users have no permissions', NEW.user_type),
            format('User "%s" would hold %s.', NEW.username, NEW.permissions),
            'Set permissions to ''{}'', or make the user full_access.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.=) 'single_performer' AND NEW.access OPERATOR(permissions.<>) 'none' THEN
        PERFORM permissions.raise_type_rule(
            'single_performer users have wildcard tier none',
            format('User "%s" would have wildcard tier %s.', NEW.username, NEW.access),
            'Set access to ''none'' and grant the one performer directly.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.=) 'read_only' AND NEW.access OPERATOR(permissions.>) 'tier4' THEN
        PERFORM permissions.raise_type_rule(
            'read_only users have wildcard tier none or tier4',
            format('User "%s" would have wildcard tier %s.', NEW.username, NEW.access),
            'Set access to ''none'' or ''tier4'', or make the user full_access.');
    END IF;

    -- usernames are unique in their account
    IF (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.username IS DISTINCT FROM OLD.username
        OR NEW.account_id IS DISTINCT FROM OLD.account_id)
       AND permissions.username_taken(NEW.account_id, NEW.username, NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = format('a user named "%s" already exists in account %s', NEW.username, NEW.account_id),
            DETAIL = 'Usernames are unique within an account.',
            HINT = 'Choose another username.';
    END IF;

    IF permissions.caller_is_superuser() THEN
        -- login-role mappings: a DBA's decision, checked so that a mistake says what it is
        IF NEW.db_role IS NOT NULL AND NOT permissions.restoring()
           AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.db_role IS DISTINCT FROM OLD.db_role) THEN
            IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) NEW.db_role) THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = format('role "%s" is a superuser and cannot be mapped to a user', NEW.db_role),
                    DETAIL = 'A superuser bypasses row-level security: it would see everything while the audit log named a user.',
                    HINT = 'Map a login role without SUPERUSER (CREATE ROLE ... LOGIN), and keep superusers for administration.';
            END IF;
            SELECT * INTO other FROM permissions.users u
             WHERE u.db_role OPERATOR(pg_catalog.=) NEW.db_role AND u.id IS DISTINCT FROM NEW.id;
            IF FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'unique_violation',
                    MESSAGE = format('role "%s" is already mapped to user "%s" (id %s) of account %s',
                                     NEW.db_role, other.username, other.id, other.account_id),
                    DETAIL = 'A login role is at most one user.',
                    HINT = format('Unmap it first: UPDATE permissions.users SET db_role = NULL WHERE id = %s.', other.id);
            END IF;
        END IF;
        -- a mapped role is a client of the extension's tables (unless it was
        -- dropped from another database's session: restore_role_mappings())
        IF NEW.db_role IS NOT NULL
           AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid OPERATOR(pg_catalog.=) NEW.db_role)
           AND NOT pg_catalog.pg_has_role(NEW.db_role, 'permissions_client', 'MEMBER') THEN
            EXECUTE 'GRANT permissions_client TO ' OPERATOR(pg_catalog.||) NEW.db_role::text;
        END IF;
        RETURN NEW;
    END IF;

    -- login-role mapping is a DBA's decision
    IF NEW.db_role IS NOT NULL AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.db_role IS DISTINCT FROM OLD.db_role)
       OR TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.db_role IS NOT NULL AND NEW.db_role IS NULL THEN
        PERFORM permissions.raise_rule(
            'only a superuser can map a login role to a user',
            'users.db_role makes a login role act as the user.',
            'Ask a DBA to set db_role with permissions.create_user() or UPDATE as a superuser.');
    END IF;

    me := permissions.current_user_id();
    IF me IS NULL THEN
        RETURN NEW;             -- row-level security refuses the write
    END IF;
    SELECT * INTO my FROM permissions.users WHERE id OPERATOR(pg_catalog.=) me;

    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.id OPERATOR(pg_catalog.=) me AND
       (NEW.role OPERATOR(permissions.<>) OLD.role OR NEW.user_type OPERATOR(permissions.<>) OLD.user_type
        OR NEW.permissions OPERATOR(permissions.<>) OLD.permissions OR NEW.access OPERATOR(permissions.<>) OLD.access
        OR NEW.active IS DISTINCT FROM OLD.active OR NEW.account_id IS DISTINCT FROM OLD.account_id
        OR NEW.status IS DISTINCT FROM OLD.status) THEN
        PERFORM permissions.raise_rule(
            'you cannot change your own role, user type, permissions, tier, account or status',
            'Nobody changes their own access.',
            'Ask another user manager to make the change.');
    END IF;

    IF NOT permissions.manages(NEW.account_id) THEN
        added := NEW.permissions OPERATOR(permissions.-)
                 CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN OLD.permissions ELSE '{}'::permissions.permset END;
        IF NOT (my.permissions OPERATOR(permissions.@>) added) THEN
            PERFORM permissions.raise_rule(
                'you cannot give permissions you do not hold',
                format('You do not hold %s.', added OPERATOR(permissions.-) my.permissions),
                'Give only permissions you hold, or ask a manager.');
        END IF;
        IF NEW.access OPERATOR(permissions.>) my.access AND
           (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.access OPERATOR(permissions.<>) OLD.access) THEN
            PERFORM permissions.raise_rule(
                'you cannot give a tier above your own',
                format('Your wildcard tier is %s; the user would get %s.', my.access, NEW.access),
                'Give a tier up to your own, or ask a manager.');
        END IF;
        IF NEW.role OPERATOR(permissions.=) 'manager' AND
           (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR OLD.role OPERATOR(permissions.<>) 'manager') THEN
            PERFORM permissions.raise_rule(
                'only managers of the account can make managers',
                format('You do not manage account %s.', NEW.account_id),
                'Ask a manager of the account or of a parent account.');
        END IF;
        IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.role OPERATOR(permissions.=) 'manager' THEN
            PERFORM permissions.raise_rule(
                'only managers of the account can change a manager',
                format('User "%s" is a manager of account %s.', OLD.username, OLD.account_id),
                'Ask a manager of the account or of a parent account.');
        END IF;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.account_id IS DISTINCT FROM OLD.account_id
       AND NOT (permissions.holds('manage_users', OLD.account_id) AND permissions.holds('manage_users', NEW.account_id)) THEN
        PERFORM permissions.raise_rule(
            'moving a user needs manage_users in both accounts',
            format('You cannot manage users of both account %s and account %s.', OLD.account_id, NEW.account_id),
            'Ask a manager of both accounts.');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.users_check_rules() IS
'Internal row trigger on users: user-type and role rules for everyone, escalation rules for non-superusers.';

CREATE FUNCTION permissions.users_check_profile()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changed text;
BEGIN
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    IF NEW.id OPERATOR(pg_catalog.<>) OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'the id and creation time of a user cannot change',
            DETAIL = format('User "%s" would change its id or created_at.', OLD.username),
            HINT = 'Create a new user instead.';
    END IF;
    IF OLD.id OPERATOR(pg_catalog.=) permissions.current_user_id() THEN
        SELECT pg_catalog.string_agg(n.key, ', ' ORDER BY n.key) INTO changed
          FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(NEW)) n
         WHERE n.key OPERATOR(pg_catalog.<>) ALL (ARRAY['email', 'username', 'first_name', 'last_name', 'picture_url'])
           AND n.value IS DISTINCT FROM pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.->) n.key;
        IF changed IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'you can change only the profile fields of your own user',
                DETAIL = format('You tried to change %s.', changed),
                HINT = 'Profile fields are email, username, first_name, last_name and picture_url; ask a user manager for anything else.';
        END IF;
        IF NOT permissions.holds('manage_profile', OLD.account_id) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'changing your own profile needs manage_profile',
                DETAIL = 'You do not hold manage_profile.',
                HINT = 'Ask a user manager to change your profile or to give you manage_profile.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.users_check_profile() IS
'Internal row trigger on users: for non-superusers, id and created_at never change, and a user changes only the profile fields of its own row, with manage_profile.';

CREATE FUNCTION permissions.users_check_removal()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT permissions.caller_is_superuser()
       AND OLD.role OPERATOR(permissions.=) 'manager'
       AND NOT permissions.manages(OLD.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only managers of the account can remove a manager',
            DETAIL = format('User "%s" is a manager of account %s.', OLD.username, OLD.account_id),
            HINT = 'Ask a manager of the account or of a parent account.';
    END IF;
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION permissions.users_check_removal() IS
'Internal row trigger on users: a user manager who is not a manager of the account cannot remove a manager.';

-- The last active manager of a top-level account, and the one performer of
-- a single_performer user: rules over several rows, checked after the
-- tenant is locked, with a fresh snapshot.  A SECURITY DEFINER trigger
-- function: the rows it counts may be invisible to the writer.
CREATE FUNCTION permissions.users_keep_a_manager()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    still_manager boolean;
    others bigint;
    performers bigint;
    groups bigint;
BEGIN
    PERFORM permissions.require_trigger_table('users_keep_a_manager', TG_RELID, 'permissions.users');

    -- a user becoming single_performer keeps at most one directly granted performer
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.user_type OPERATOR(permissions.=) 'single_performer'
       AND OLD.user_type OPERATOR(permissions.<>) 'single_performer' THEN
        PERFORM permissions.lock_tenant(NEW.account_id);
        SELECT pg_catalog.count(DISTINCT g.performer_id), pg_catalog.count(g.group_id) INTO performers, groups
          FROM permissions.access_grants g WHERE g.user_id OPERATOR(pg_catalog.=) NEW.id;
        IF performers OPERATOR(pg_catalog.>) 1 OR groups OPERATOR(pg_catalog.>) 0 THEN
            PERFORM permissions.raise_type_rule(
                'single_performer users see at most one performer',
                format('User "%s" holds grants on more than one performer or on a group.', NEW.username),
                'Revoke the other grants first, or keep the user full_access.');
        END IF;
    END IF;

    IF OLD.role OPERATOR(permissions.<>) 'manager' OR NOT OLD.active
       OR permissions.account_being_deleted(OLD.account_id) THEN
        RETURN CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    still_manager := TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.role OPERATOR(permissions.=) 'manager'
                     AND NEW.active AND NEW.account_id OPERATOR(pg_catalog.=) OLD.account_id;
    IF NOT still_manager
       AND (SELECT a.parent_id IS NULL FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) OLD.account_id) THEN
        PERFORM permissions.lock_tenant(OLD.account_id);
        -- a new statement: a fresh snapshot, after the lock was granted
        SELECT pg_catalog.count(*) INTO others FROM permissions.users u
         WHERE u.account_id OPERATOR(pg_catalog.=) OLD.account_id AND u.id OPERATOR(pg_catalog.<>) OLD.id
           AND u.role OPERATOR(permissions.=) 'manager' AND u.active;
        IF others OPERATOR(pg_catalog.=) 0 THEN
            PERFORM permissions.raise_rule(
                'the last manager of a top-level account cannot be removed or demoted',
                format('User "%s" is the only active manager of account %s.', OLD.username, OLD.account_id),
                'Make another user of the account a manager first.');
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION permissions.users_keep_a_manager() IS
'Internal row trigger on users (SECURITY DEFINER: it counts rows the writer may not see): a top-level account keeps an active manager, and a user turned single_performer keeps at most one directly granted performer; both checked after locking the tenant, with a fresh snapshot.';
REVOKE ALL ON FUNCTION permissions.users_keep_a_manager() FROM PUBLIC;

CREATE FUNCTION permissions.users_drop_invitation()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.users'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.users_drop_invitation() is a trigger of permissions.users only';
    END IF;
    DELETE FROM permissions.invitations i WHERE i.user_id OPERATOR(pg_catalog.=) NEW.id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.users_drop_invitation() IS
'Internal row trigger on users: a user no longer invited (activated by accept_invitation() or by a DBA), or whose rights changed while invited, has no pending invitation.';
REVOKE ALL ON FUNCTION permissions.users_drop_invitation() FROM PUBLIC;

CREATE TRIGGER users_05_role_name BEFORE INSERT OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_name_role();
COMMENT ON TRIGGER users_05_role_name ON permissions.users IS 'db_role_name follows db_role.';

CREATE TRIGGER users_06_role_remapped BEFORE UPDATE OF db_role ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_remap_role();
COMMENT ON TRIGGER users_06_role_remapped ON permissions.users IS
'A DBA naming the mapped role again maps it under its current name.';

CREATE TRIGGER users_10_rules BEFORE INSERT OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_rules();
COMMENT ON TRIGGER users_10_rules ON permissions.users IS
'Internal row trigger on users: user-type and role rules for everyone, escalation rules for non-superusers.';

CREATE TRIGGER users_12_profile BEFORE UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_profile();
COMMENT ON TRIGGER users_12_profile ON permissions.users IS 'manage_profile: one''s own profile fields only.';

CREATE TRIGGER users_14_removal BEFORE DELETE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_removal();
COMMENT ON TRIGGER users_14_removal ON permissions.users IS 'Only managers remove managers.';

CREATE TRIGGER users_20_keep_a_manager BEFORE UPDATE OR DELETE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_keep_a_manager();
COMMENT ON TRIGGER users_20_keep_a_manager ON permissions.users IS
'A top-level account keeps an active manager, and a user turned single_performer keeps at most one directly granted performer (checked under the tenant''s lock, with a fresh snapshot).';

CREATE TRIGGER users_70_drop_invitation AFTER UPDATE OF status, role, user_type, permissions, access ON permissions.users
    FOR EACH ROW WHEN (OLD.status = 'invited'
                       AND (NEW.status <> 'invited' OR NEW.role <> OLD.role OR NEW.user_type <> OLD.user_type
                            OR NEW.permissions <> OLD.permissions OR NEW.access <> OLD.access))
    EXECUTE FUNCTION permissions.users_drop_invitation();
COMMENT ON TRIGGER users_70_drop_invitation ON permissions.users IS
'An invitation ends when the user stops being invited, or when its rights change (whoever saw the old token must not get the new rights).';

-- ---------------------------------------------------------------------------
-- API credentials: who may make one for whom; what a credential is never
-- changes; its uses are recorded apart (api_credential_uses)
-- ---------------------------------------------------------------------------

-- a credential made through a limited credential is limited the same way
CREATE FUNCTION permissions.api_credentials_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
BEGIN
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    me := permissions.current_user_id();
    IF me IS NULL THEN
        RETURN NEW;             -- row-level security refuses the write
    END IF;
    -- the creator is whose limits bind the credential (see limit_holder())
    NEW.created_by := permissions.minted_by(NEW.user_id);
    IF NEW.user_id OPERATOR(pg_catalog.<>) me AND NOT permissions.manages(NEW.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'you can create API credentials only for yourself',
            DETAIL = 'A credential acts as its user; only managers of the user''s account create credentials for other users.',
            HINT = 'Create the credential for your own user, or ask a manager of the account.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.api_credentials_check_rules() IS
'Internal row trigger on api_credentials: for non-superusers, created_by is the creator, and a credential for another user (which would act as that user) needs to be a manager of its account.';

CREATE FUNCTION permissions.api_credentials_keep()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.user_id IS DISTINCT FROM OLD.user_id
       OR NEW.secret_hash IS DISTINCT FROM OLD.secret_hash OR NEW.created_by IS DISTINCT FROM OLD.created_by
       OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'an API credential''s user, secret, creator and id never change',
            DETAIL = format('Credential %s would change what it is.', OLD.id),
            HINT = 'Delete the credential and create a new one with permissions.create_api_credential(); only its name can be changed.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.api_credentials_keep() IS
'Internal row trigger on api_credentials: for everyone, a credential''s id, user, secret hash, creator and creation time never change (its account follows its user).';

CREATE FUNCTION permissions.api_credentials_track_uses()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM permissions.require_trigger_table('api_credentials_track_uses', TG_RELID, 'permissions.api_credentials');
    IF permissions.restoring() THEN
        RETURN NULL;            -- restored rows come with what they derived
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        INSERT INTO permissions.api_credential_uses (credential_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    ELSE
        -- a row a session is writing right now stays behind, harmlessly
        DELETE FROM permissions.api_credential_uses u
         WHERE u.credential_id OPERATOR(pg_catalog.=) (
               SELECT x.credential_id FROM permissions.api_credential_uses x
                WHERE x.credential_id OPERATOR(pg_catalog.=) OLD.id FOR UPDATE SKIP LOCKED);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.api_credentials_track_uses() IS
'Internal row trigger on api_credentials: a new credential gets its api_credential_uses row; a deleted one loses it unless a session holds it.';
REVOKE ALL ON FUNCTION permissions.api_credentials_track_uses() FROM PUBLIC;

CREATE TRIGGER api_credentials_10_rules BEFORE INSERT ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_check_rules();
COMMENT ON TRIGGER api_credentials_10_rules ON permissions.api_credentials IS
'No credential that acts as someone the creator does not manage.';

CREATE TRIGGER api_credentials_12_keep BEFORE UPDATE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_keep();
COMMENT ON TRIGGER api_credentials_12_keep ON permissions.api_credentials IS
'A credential''s user, secret, creator and id never change.';

CREATE TRIGGER api_credentials_70_uses AFTER INSERT OR DELETE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_track_uses();
COMMENT ON TRIGGER api_credentials_70_uses ON permissions.api_credentials IS 'Keeps one api_credential_uses row per credential.';
