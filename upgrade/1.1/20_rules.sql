-- ---------------------------------------------------------------------------
-- Rules, version 1.1.  What changed and why (the README's "Security model"
-- lists the classes):
--
-- * Definer code never trusts "am I inside a trigger": the structural rules
--   that must read rows the writer cannot see (a grantee's type, the other
--   managers of an account, a user's other grants) run as SECURITY DEFINER
--   *trigger functions*, which nobody can call or attach (EXECUTE is revoked
--   and each checks the table it fires on); the few definer helpers that
--   remain callable check their caller's rights themselves.
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
-- * The extension's own SECURITY DEFINER functions ask caller_is_dba() (is
--   the acting role a superuser), not is_superuser (which describes the
--   session, not a definer function that may be calling them).
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.caller_is_dba()
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_caller_is_dba'
LANGUAGE C STABLE PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION permissions.caller_is_dba() IS
'Internal: whether the acting role (the session''s role, or the owner of the non-superuser definer function running) is a superuser; what the extension''s SECURITY DEFINER functions ask of their caller.';

CREATE FUNCTION permissions.lock_tenant(account_id bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'epoch_lock_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.lock_tenant(bigint) IS
'Internal: locks the account''s tenant (its row of tenant_locks) until the transaction ends, so rules that span rows are checked one transaction after the other; nothing else waits on that lock.';
REVOKE ALL ON FUNCTION permissions.lock_tenant(bigint) FROM PUBLIC;

COMMENT ON FUNCTION permissions.caller_is_superuser() IS
'Internal: whether the role executing the current statement (current_user) is a superuser; the rule triggers run with the writer''s rights and do not hold DBAs, nor the extension''s own definer functions after they checked their caller, to the escalation rules.';

-- ---------------------------------------------------------------------------
-- Users
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION permissions.users_check_rules()
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

-- The last active manager of a top-level account, and the one performer of
-- a single_performer user: rules over several rows, checked after the
-- tenant is locked, with a fresh snapshot.  A SECURITY DEFINER trigger
-- function: the rows it counts may be invisible to the writer.
CREATE OR REPLACE FUNCTION permissions.users_keep_a_manager()
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

-- the 1.0 helpers answered anyone inside any trigger (their own, on a temp
-- table, too); their work moved into the definer trigger functions
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

DROP FUNCTION permissions.other_active_managers(bigint, bigint);
DROP FUNCTION permissions.grants_exceed_one_performer(bigint);
DROP FUNCTION permissions.lock_account(bigint);

-- ---------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------

-- Escalation rules, with the writer's own rights and visibility: the target
-- must be visible, and the writer must be able to grant on it, before
-- anything about the grantee is looked at.
CREATE OR REPLACE FUNCTION permissions.grants_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    target_account bigint;
    mine permissions.tier;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND
       (NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.team_id IS DISTINCT FROM OLD.team_id
        OR NEW.performer_id IS DISTINCT FROM OLD.performer_id OR NEW.group_id IS DISTINCT FROM OLD.group_id
        OR NEW.id IS DISTINCT FROM OLD.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'the grantee and the target of a grant cannot change',
            DETAIL = format('Grant %s would change whom it is for or what it is on.', OLD.id),
            HINT = 'Revoke the grant and make a new one (permissions.revoke_access() and permissions.grant_access()).';
    END IF;

    -- the grant lives in the account of what it is on
    IF NEW.performer_id IS NOT NULL THEN
        SELECT account_id INTO target_account FROM permissions.performers WHERE id OPERATOR(pg_catalog.=) NEW.performer_id;
    ELSE
        SELECT account_id INTO target_account FROM permissions.groups WHERE id OPERATOR(pg_catalog.=) NEW.group_id;
    END IF;
    IF target_account IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s %s does not exist or is not visible to you',
                             CASE WHEN NEW.performer_id IS NOT NULL THEN 'performer' ELSE 'group' END,
                             coalesce(NEW.performer_id, NEW.group_id)),
            HINT = 'Granting needs tier1 on the performer, or manage_users in the account of the group; grant only on performers and groups you can see.';
    END IF;
    NEW.account_id := target_account;

    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    me := permissions.current_user_id();
    IF me IS NULL THEN
        RETURN NEW;             -- row-level security refuses the write
    END IF;
    NEW.granted_by := me;
    IF NEW.performer_id IS NOT NULL THEN
        mine := permissions.current_tier(target_account, NEW.performer_id);
        IF mine OPERATOR(permissions.<) 'tier1' THEN
            PERFORM permissions.raise_rule(
                'granting on a performer needs tier1 on it',
                format('Your tier on performer %s is %s.', NEW.performer_id, mine),
                'Ask a user with tier1 (full control) on the performer.');
        END IF;
    ELSE
        IF NOT permissions.holds('manage_users', target_account) THEN
            PERFORM permissions.raise_rule(
                'granting on a group needs manage_users in its account',
                format('You do not hold manage_users in account %s.', target_account),
                'Grant on the performers one by one, or ask a user manager.');
        END IF;
        mine := CASE WHEN permissions.manages(target_account) THEN 'tier1'::permissions.tier
                     WHEN target_account OPERATOR(pg_catalog.=) (SELECT account_id FROM permissions.users WHERE id OPERATOR(pg_catalog.=) me)
                     THEN (SELECT access FROM permissions.users WHERE id OPERATOR(pg_catalog.=) me)
                     ELSE 'none'::permissions.tier END;
        IF NEW.tier OPERATOR(permissions.>) mine THEN
            PERFORM permissions.raise_rule(
                'you cannot grant a tier above your own',
                format('Your tier over the group''s account is %s; the grant is %s.', mine, NEW.tier),
                'Grant a tier up to your own.');
        END IF;
    END IF;
    IF NEW.user_id OPERATOR(pg_catalog.=) me THEN
        PERFORM permissions.raise_rule(
            'you cannot grant access to yourself',
            'Nobody changes their own access.',
            'Ask another user with access rights on the performer.');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.grants_check_rules() IS
'Internal row trigger on access_grants: a grant''s grantee and target never change; the target must be visible; for non-superusers, tier1 to grant on a performer, manage_users and a tier up to one''s own to grant on a group, and no grant to oneself. Checked before anything about the grantee.';

-- Structural rules, for everyone, after the escalation rules: the grantee
-- exists and belongs to the target's line of the account tree (one error
-- for both), a single_performer user is never granted a group, and a grant
-- does not start expired.
CREATE FUNCTION permissions.grants_check_grantee()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    grantee_account bigint;
    grantee_type permissions.user_type;
BEGIN
    PERFORM permissions.require_trigger_table('grants_check_grantee', TG_RELID, 'permissions.access_grants');
    IF permissions.restoring() THEN
        RETURN NEW;
    END IF;
    -- a new grant starts in effect (an update may end one early: that is a revocation on record)
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.expires_at IS NOT NULL
       AND NEW.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a grant cannot expire in the past',
            DETAIL = format('expires_at is %s; the transaction started at %s.', NEW.expires_at, pg_catalog.now()),
            HINT = 'Pass a future expires_at, or NULL for a grant without end; revoke a grant to end it now.';
    END IF;
    IF NEW.user_id IS NOT NULL THEN
        SELECT u.account_id, u.user_type INTO grantee_account, grantee_type
          FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) NEW.user_id;
    ELSE
        SELECT t.account_id INTO grantee_account
          FROM permissions.teams t WHERE t.id OPERATOR(pg_catalog.=) NEW.team_id;
    END IF;
    -- (a DBA may grant across tenants on purpose, to share a performer with
    -- an outside user; nobody else may, nor change such a grant's tier or
    -- expiry: revoking it is theirs, widening it is the DBA's)
    IF grantee_account IS NULL
       OR NOT (permissions.caller_is_dba() OR permissions.accounts_related(grantee_account, NEW.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s %s does not exist or cannot be granted access in account %s',
                             CASE WHEN NEW.user_id IS NOT NULL THEN 'user' ELSE 'team' END,
                             coalesce(NEW.user_id, NEW.team_id), NEW.account_id),
            DETAIL = 'A grant goes to a user or team of the account of what it is on, of an account above it, or of one of its sub-accounts.',
            HINT = 'Grant to a user or team of that part of the account tree.';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        RETURN NEW;             -- grantee and target are immutable: the rest was checked when made
    END IF;
    IF grantee_type OPERATOR(permissions.=) 'single_performer' AND NEW.group_id IS NOT NULL THEN
        PERFORM permissions.raise_type_rule(
            'single_performer users are granted one performer directly, never a group',
            format('User %s is a single_performer user.', NEW.user_id),
            'Grant the one performer the user may see.');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.grants_check_grantee() IS
'Internal row trigger on access_grants (SECURITY DEFINER: the grantee may be invisible to the granter): the grantee exists and belongs to the target''s line of the account tree, on INSERT and on UPDATE (one error for both cases; DBAs may grant across it and change such grants), no group for a single_performer user, and no grant that starts expired.';
REVOKE ALL ON FUNCTION permissions.grants_check_grantee() FROM PUBLIC;
CREATE TRIGGER access_grants_15_grantee BEFORE INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_grantee();
COMMENT ON TRIGGER access_grants_15_grantee ON permissions.access_grants IS
'The grantee belongs to the target''s line of the account tree; no group for single_performer users; no grant that starts expired.';

-- One performer per single_performer user: counted after the grant is in
-- place and the grantee's tenant is locked, so two concurrent grants cannot
-- both pass.
CREATE FUNCTION permissions.grants_check_one_performer()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    grantee permissions.users;
    performers bigint;
BEGIN
    PERFORM permissions.require_trigger_table('grants_check_one_performer', TG_RELID, 'permissions.access_grants');
    IF NEW.user_id IS NULL OR permissions.restoring() THEN
        RETURN NULL;
    END IF;
    SELECT * INTO grantee FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) NEW.user_id;
    IF grantee.user_type OPERATOR(permissions.<>) 'single_performer' THEN
        RETURN NULL;
    END IF;
    PERFORM permissions.lock_tenant(grantee.account_id);
    -- a new statement: a fresh snapshot, after the lock was granted
    SELECT pg_catalog.count(DISTINCT g.performer_id) INTO performers
      FROM permissions.access_grants g WHERE g.user_id OPERATOR(pg_catalog.=) NEW.user_id;
    IF performers OPERATOR(pg_catalog.>) 1 THEN
        PERFORM permissions.raise_type_rule(
            'single_performer users see at most one performer',
            format('User %s already has a grant on another performer.', NEW.user_id),
            'Revoke the other grant first, or make the user full_access.');
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.grants_check_one_performer() IS
'Internal row trigger on access_grants (SECURITY DEFINER): a single_performer user holds grants on at most one performer, counted after locking the tenant so that concurrent grants are checked one after the other.';
REVOKE ALL ON FUNCTION permissions.grants_check_one_performer() FROM PUBLIC;
CREATE TRIGGER access_grants_50_one_performer AFTER INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_one_performer();
COMMENT ON TRIGGER access_grants_50_one_performer ON permissions.access_grants IS
'single_performer users: one performer, checked under the tenant''s lock.';

DROP FUNCTION permissions.grantee_user_type(bigint);
DROP FUNCTION permissions.other_direct_grants(bigint, bigint, bigint);

-- the creator of a performer gets a tier1 grant on it (not when restoring
-- a dump: the dump holds that grant already)
CREATE OR REPLACE FUNCTION permissions.grant_creator()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM permissions.require_trigger_table('grant_creator', TG_RELID, 'permissions.performers');
    IF NEW.created_by IS NOT NULL AND NOT permissions.restoring() THEN
        INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier, granted_by)
        VALUES (NEW.account_id, NEW.created_by, NEW.id, 'tier1', NEW.created_by)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------
-- Team members: a member receives the team's grants
-- ---------------------------------------------------------------------------

-- unchanged in 1.0 but for callers outside the team's account: answers only
-- holders of manage_teams over the team
CREATE OR REPLACE FUNCTION permissions.team_grants_beyond_caller(team bigint)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*)
      FROM permissions.access_grants g
     WHERE g.team_id OPERATOR(pg_catalog.=) team
       AND (SELECT permissions.holds('manage_teams', t.account_id)
              FROM permissions.teams t WHERE t.id OPERATOR(pg_catalog.=) team)
       AND CASE WHEN g.performer_id IS NOT NULL THEN
                permissions.current_tier(g.account_id, g.performer_id) OPERATOR(permissions.<) 'tier1'
           ELSE NOT permissions.holds('manage_users', g.account_id)
                OR g.tier OPERATOR(permissions.>)
                   CASE WHEN permissions.manages(g.account_id) THEN 'tier1'::permissions.tier
                        ELSE coalesce((SELECT u.access FROM permissions.users u
                                        WHERE u.id OPERATOR(pg_catalog.=) permissions.current_user_id()
                                          AND u.account_id OPERATOR(pg_catalog.=) g.account_id),
                                      'none'::permissions.tier) END
           END
$$;

-- ---------------------------------------------------------------------------
-- Library references: a tag assignment's user must belong to the row's
-- account, and only members of the account (own or managed, not readers
-- through a grant) can tell
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION permissions.user_in_account(target bigint, account bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT (permissions.in_account(account) OR permissions.caller_is_dba())
           AND EXISTS (SELECT 1 FROM permissions.users u
                        WHERE u.id OPERATOR(pg_catalog.=) target
                          AND u.account_id OPERATOR(pg_catalog.=) account)
$$;
COMMENT ON FUNCTION permissions.user_in_account(bigint, bigint) IS
'Internal: whether a user belongs to an account; answers only the account''s own users and its managers (and DBAs), false to anyone else.';

-- ---------------------------------------------------------------------------
-- API credentials: what a credential is never changes
-- ---------------------------------------------------------------------------

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
CREATE TRIGGER api_credentials_12_keep BEFORE UPDATE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_keep();
COMMENT ON TRIGGER api_credentials_12_keep ON permissions.api_credentials IS
'A credential''s user, secret, creator and id never change.';
