
-- ---------------------------------------------------------------------------
-- Rules enforced on every write: user types and roles, escalation, grants,
-- memberships; the access epoch; the audit log.
--
-- The SECURITY DEFINER helpers the triggers call answer only from inside a
-- trigger (pg_trigger_depth() > 0), so they are no oracle for direct calls.
--
-- Escalation rules apply to every role that is not a superuser.  Superusers
-- (DBAs, and the extension's own SECURITY DEFINER code) are trusted, as they
-- are by row-level security itself.
-- ---------------------------------------------------------------------------

CREATE SEQUENCE permissions.access_epoch_seq START 2;
COMMENT ON SEQUENCE permissions.access_epoch_seq IS 'Internal: never repeats, so an epoch value never comes back after a rollback.';

CREATE FUNCTION permissions.caller_is_superuser()
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_caller_is_superuser'
LANGUAGE C STABLE PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION permissions.caller_is_superuser() IS
'Internal: whether the role executing the current statement is a superuser (escalation rules do not apply to it).';

CREATE FUNCTION permissions.bump_access_epoch()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE permissions.access_epoch SET epoch = pg_catalog.nextval('permissions.access_epoch_seq');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.bump_access_epoch() IS
'Internal statement trigger: moves the access epoch in the same transaction as a change to access-relevant data, so every session''s cache sees it at its next statement.';

CREATE FUNCTION permissions.stamp_creator()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        -- ON DELETE SET NULL of a removed creator clears it; nothing else changes it
        IF NEW.created_by IS NOT NULL OR permissions.grantee_user_type(OLD.created_by) IS NOT NULL THEN
            NEW.created_by := OLD.created_by;
        END IF;
    ELSIF NOT permissions.caller_is_superuser() THEN
        NEW.created_by := permissions.current_user_id();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.stamp_creator() IS
'Internal row trigger: created_by is the inserting user and never changes, so "own" cells of the tier matrix cannot be forged.';

CREATE FUNCTION permissions.raise_rule(rule text, detail text, hint text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = rule, DETAIL = detail, HINT = hint;
END
$$;
COMMENT ON FUNCTION permissions.raise_rule(text, text, text) IS
'Internal: raises the error of a broken permission rule.';

CREATE FUNCTION permissions.raise_type_rule(rule text, detail text, hint text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = rule, DETAIL = detail, HINT = hint;
END
$$;
COMMENT ON FUNCTION permissions.raise_type_rule(text, text, text) IS
'Internal: raises the error of a broken user-type or role rule.';

CREATE FUNCTION permissions.lock_account(account bigint)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT parent_id FROM permissions.accounts
     WHERE id OPERATOR(pg_catalog.=) account
       AND (permissions.holds('manage_users', account)
            OR pg_catalog.current_setting('is_superuser')::boolean)
       FOR NO KEY UPDATE
$$;
COMMENT ON FUNCTION permissions.lock_account(bigint) IS
'Internal: locks an account row for a user manager (serializes checks such as "last manager") and returns its parent.';

CREATE FUNCTION permissions.other_active_managers(account bigint, excluded bigint)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*) FROM permissions.users
     WHERE account_id OPERATOR(pg_catalog.=) account AND id OPERATOR(pg_catalog.<>) excluded
       AND role OPERATOR(permissions.=) 'manager' AND active
       AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.other_active_managers(bigint, bigint) IS
'Internal: number of active managers of an account other than the given user.';

CREATE FUNCTION permissions.grants_exceed_one_performer(grantee bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(DISTINCT performer_id) OPERATOR(pg_catalog.>) 1
           OR pg_catalog.count(group_id) OPERATOR(pg_catalog.>) 0
      FROM permissions.access_grants
     WHERE user_id OPERATOR(pg_catalog.=) grantee
       AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.grants_exceed_one_performer(bigint) IS
'Internal: whether a user holds grants on more than one performer, or on a group (which a single_performer user may not).';

CREATE FUNCTION permissions.users_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    my permissions.users;
    added permissions.permset;
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
    IF NEW.user_type OPERATOR(permissions.=) 'single_performer' AND TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
       AND OLD.user_type OPERATOR(permissions.<>) 'single_performer'
       AND permissions.grants_exceed_one_performer(NEW.id) THEN
        PERFORM permissions.raise_type_rule(
            'single_performer users see at most one performer',
            format('User "%s" holds grants on more than one performer or on a group.', NEW.username),
            'Revoke the other grants first, or keep the user full_access.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.=) 'read_only' AND NEW.access OPERATOR(permissions.>) 'tier4' THEN
        PERFORM permissions.raise_type_rule(
            'read_only users have wildcard tier none or tier4',
            format('User "%s" would have wildcard tier %s.', NEW.username, NEW.access),
            'Set access to ''none'' or ''tier4'', or make the user full_access.');
    END IF;

    IF permissions.caller_is_superuser() THEN
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

CREATE FUNCTION permissions.users_keep_a_manager()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    still_manager boolean;
BEGIN
    IF OLD.role OPERATOR(permissions.<>) 'manager' OR NOT OLD.active
       OR permissions.account_being_deleted(OLD.account_id) THEN
        RETURN CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    still_manager := TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.role OPERATOR(permissions.=) 'manager'
                     AND NEW.active AND NEW.account_id OPERATOR(pg_catalog.=) OLD.account_id;
    IF NOT still_manager
       AND permissions.lock_account(OLD.account_id) IS NULL
       AND EXISTS (SELECT 1 FROM permissions.accounts WHERE id OPERATOR(pg_catalog.=) OLD.account_id)
       AND permissions.other_active_managers(OLD.account_id, OLD.id) OPERATOR(pg_catalog.=) 0 THEN
        PERFORM permissions.raise_rule(
            'the last manager of a top-level account cannot be removed or demoted',
            format('User "%s" is the only active manager of account %s.', OLD.username, OLD.account_id),
            'Make another user of the account a manager first.');
    END IF;
    RETURN CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION permissions.users_keep_a_manager() IS
'Internal row trigger on users: a top-level account always keeps an active manager (checked under a lock on the account).';

CREATE FUNCTION permissions.grantee_user_type(grantee bigint)
RETURNS permissions.user_type
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT user_type FROM permissions.users
     WHERE id OPERATOR(pg_catalog.=) grantee AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.grantee_user_type(bigint) IS
'Internal: the user type of a grantee, which the granter may not be allowed to read.';

CREATE FUNCTION permissions.other_direct_grants(grantee bigint, performer bigint, excluded bigint)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*) FROM permissions.access_grants
     WHERE user_id OPERATOR(pg_catalog.=) grantee
       AND performer_id OPERATOR(pg_catalog.<>) performer
       AND id IS DISTINCT FROM excluded
       AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.other_direct_grants(bigint, bigint, bigint) IS
'Internal: grants a user holds on other performers (a single_performer user may hold one performer).';

CREATE FUNCTION permissions.grants_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    target_account bigint;
    grantee_type permissions.user_type;
    mine permissions.tier;
BEGIN
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
            HINT = 'Grant only on performers and groups you can see.';
    END IF;
    NEW.account_id := target_account;

    IF NEW.user_id IS NOT NULL THEN
        grantee_type := permissions.grantee_user_type(NEW.user_id);
        IF grantee_type OPERATOR(permissions.=) 'single_performer' THEN
            IF NEW.group_id IS NOT NULL THEN
                PERFORM permissions.raise_type_rule(
                    'single_performer users are granted one performer directly, never a group',
                    format('User %s is a single_performer user.', NEW.user_id),
                    'Grant the one performer the user may see.');
            END IF;
            IF permissions.other_direct_grants(NEW.user_id, NEW.performer_id,
                   CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN OLD.id END) OPERATOR(pg_catalog.>) 0 THEN
                PERFORM permissions.raise_type_rule(
                    'single_performer users see at most one performer',
                    format('User %s already has a grant on another performer.', NEW.user_id),
                    'Revoke the other grant first, or make the user full_access.');
            END IF;
        END IF;
    END IF;

    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    me := permissions.current_user_id();
    IF me IS NULL THEN
        RETURN NEW;             -- row-level security refuses the write
    END IF;
    NEW.granted_by := me;
    IF NEW.user_id OPERATOR(pg_catalog.=) me THEN
        PERFORM permissions.raise_rule(
            'you cannot grant access to yourself',
            'Nobody changes their own access.',
            'Ask another user with access rights on the performer.');
    END IF;
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
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.grants_check_rules() IS
'Internal row trigger on access_grants: single_performer rules for everyone; no self-grant, tier1 to grant on a performer, manage_users to grant on a group, and the tier ceiling for non-superusers.';

CREATE FUNCTION permissions.team_grants_beyond_caller(team bigint)
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
COMMENT ON FUNCTION permissions.team_grants_beyond_caller(bigint) IS
'Internal: how many of a team''s grants the current user could not have made itself (answers only holders of manage_teams over the team).';

CREATE FUNCTION permissions.team_members_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    beyond bigint;
BEGIN
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    IF NEW.user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
       AND NOT permissions.manages(NEW.account_id) THEN
        PERFORM permissions.raise_rule(
            'you cannot add yourself to a team',
            'A team''s grants would become yours.',
            'Ask another user with manage_teams.');
    END IF;
    -- a new member receives the team's grants: only as far as the adder could grant them
    beyond := permissions.team_grants_beyond_caller(NEW.team_id);
    IF beyond OPERATOR(pg_catalog.>) 0 THEN
        PERFORM permissions.raise_rule(
            'you cannot add a member to a team whose grants exceed your own',
            format('Team %s holds %s grant(s) you could not make yourself.', NEW.team_id, beyond),
            'Ask a user with tier1 on the team''s performers, or a manager.');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.team_members_check_rules() IS
'Internal row trigger on team_members: nobody but a manager adds themselves to a team, and a new member gets only grants the adder could have made.';


CREATE FUNCTION permissions.grant_creator()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.created_by IS NOT NULL THEN
        INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier, granted_by)
        VALUES (NEW.account_id, NEW.created_by, NEW.id, 'tier1', NEW.created_by)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.grant_creator() IS
'Internal row trigger on performers: whoever creates a performer gets a tier1 grant on it.';

CREATE FUNCTION permissions.audit_change()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    before_row jsonb;
    after_row jsonb;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        before_row := pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) 'secret_hash';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        after_row := pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) 'secret_hash';
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
'Internal row trigger: writes the change to audit_log in the same transaction (actor, time, before and after; never a secret hash).';

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

-- the triggers
CREATE TRIGGER users_10_rules BEFORE INSERT OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_rules();
CREATE TRIGGER users_20_keep_a_manager BEFORE UPDATE OR DELETE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_keep_a_manager();
CREATE TRIGGER access_grants_10_rules BEFORE INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_rules();
CREATE TRIGGER team_members_10_rules BEFORE INSERT OR UPDATE ON permissions.team_members
    FOR EACH ROW EXECUTE FUNCTION permissions.team_members_check_rules();
CREATE TRIGGER performers_10_stamp BEFORE INSERT OR UPDATE ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator();
CREATE TRIGGER performers_20_created BEFORE INSERT ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.performer_created();
CREATE TRIGGER performers_30_grant_creator AFTER INSERT ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.grant_creator();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['groups', 'teams', 'pinpoints', 'charts', 'measurements', 'conditions',
                             'notes', 'tags', 'journal_types', 'journals', 'tag_assignments',
                             'chart_views', 'reporting_views']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON permissions.%I
                        FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator()', t || '_10_stamp', t);
    END LOOP;

    FOREACH t IN ARRAY ARRAY['users', 'accounts', 'api_credentials', 'access_grants',
                             'group_members', 'team_members']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permissions.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION permissions.bump_access_epoch()', t || '_90_epoch', t);
    END LOOP;

    FOREACH t IN ARRAY ARRAY['users', 'accounts', 'api_credentials', 'access_grants', 'groups',
                             'group_members', 'teams', 'team_members']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON permissions.%I
                        FOR EACH ROW EXECUTE FUNCTION permissions.audit_change()', t || '_80_audit', t);
    END LOOP;
END
$$;

CREATE TRIGGER performers_90_epoch AFTER INSERT OR DELETE OR TRUNCATE ON permissions.performers
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.bump_access_epoch();
CREATE TRIGGER performers_91_epoch AFTER UPDATE OF account_id ON permissions.performers
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.bump_access_epoch();
CREATE TRIGGER performers_80_audit AFTER UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.audit_change();

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON permissions.audit_log
    FOR EACH ROW EXECUTE FUNCTION permissions.append_only(
        'Audit entries can be neither changed nor deleted.',
        'Read the log with SELECT; entries are written by the extension itself.');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON permissions.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.append_only(
        'Audit entries can be neither changed nor deleted.',
        'Read the log with SELECT; entries are written by the extension itself.');

-- ---------------------------------------------------------------------------
-- Library references stay inside the tenant: a chart's pinpoint, a journal's
-- type and a tag's target come from the same account as the row.  Checked
-- before the foreign keys, with the caller's visibility, so the error never
-- tells whether an object of another account exists.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.user_in_account(target bigint, account bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT permissions.is_member(account)
           AND EXISTS (SELECT 1 FROM permissions.users u
                        WHERE u.id OPERATOR(pg_catalog.=) target
                          AND u.account_id OPERATOR(pg_catalog.=) account)
$$;
COMMENT ON FUNCTION permissions.user_in_account(bigint, bigint) IS
'Internal: whether a user belongs to an account (answers only members of that account).';

CREATE FUNCTION permissions.check_library_refs()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_row jsonb := pg_catalog.to_jsonb(NEW);
    account bigint := (new_row OPERATOR(pg_catalog.->>) 'account_id')::bigint;
    pinpoint bigint := (new_row OPERATOR(pg_catalog.->>) 'pinpoint_id')::bigint;
    journal_type bigint := (new_row OPERATOR(pg_catalog.->>) 'journal_type_id')::bigint;
    target_user bigint := (new_row OPERATOR(pg_catalog.->>) 'target_user_id')::bigint;
    ref_name text;
    ref_id bigint;
BEGIN
    IF pinpoint IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM permissions.pinpoints p
            WHERE p.id OPERATOR(pg_catalog.=) pinpoint AND p.account_id OPERATOR(pg_catalog.=) account) THEN
        ref_name := 'pinpoint'; ref_id := pinpoint;
    ELSIF journal_type IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM permissions.journal_types j
            WHERE j.id OPERATOR(pg_catalog.=) journal_type AND j.account_id OPERATOR(pg_catalog.=) account) THEN
        ref_name := 'journal type'; ref_id := journal_type;
    ELSIF target_user IS NOT NULL AND NOT permissions.caller_is_superuser()
          AND NOT permissions.user_in_account(target_user, account) THEN
        ref_name := 'user'; ref_id := target_user;
    END IF;
    IF ref_name IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s %s is not in account %s', ref_name, ref_id, account),
            DETAIL = format('A row of %s may refer only to a %s of its own account.', TG_TABLE_NAME, ref_name),
            HINT = format('Pick a %s from account %s.', ref_name, account);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.check_library_refs() IS
'Internal row trigger: a chart''s pinpoint, a journal''s type and a tag assignment''s user or pinpoint belong to the row''s own account.';

CREATE TRIGGER charts_20_library BEFORE INSERT OR UPDATE OF pinpoint_id ON permissions.charts
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();
CREATE TRIGGER journals_20_library BEFORE INSERT OR UPDATE OF journal_type_id ON permissions.journals
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();
CREATE TRIGGER tag_assignments_20_library BEFORE INSERT OR UPDATE OF target_user_id, pinpoint_id ON permissions.tag_assignments
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();
