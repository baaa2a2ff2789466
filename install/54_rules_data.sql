
-- install/54_rules_data.sql
-- ---------------------------------------------------------------------------
-- Rules enforced on every write, by row triggers (this file: performer
-- data, grants, groups and teams, library references, reviews and credits;
-- the principles are at the top of 52_rules_accounts.sql).
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Performers: the creator reaches a new performer at once and gets a tier1
-- grant on it (not when restoring a dump: the dump holds that grant
-- already); moving one to another account needs transfer_performers in
-- both, and takes its data along
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.performer_created()
RETURNS trigger
AS 'MODULE_PATHNAME', 'access_performer_created'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.performer_created() IS
'Internal trigger on performers: lets the creator reach a new performer within the creating statement.';

CREATE FUNCTION permissions.grant_creator()
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
COMMENT ON FUNCTION permissions.grant_creator() IS
'Internal row trigger on performers: whoever creates a performer gets a tier1 grant on it.';
REVOKE ALL ON FUNCTION permissions.grant_creator() FROM PUBLIC;

CREATE TRIGGER performers_20_created BEFORE INSERT ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.performer_created();
COMMENT ON TRIGGER performers_20_created ON permissions.performers IS
'Internal trigger on performers: lets the creator reach a new performer within the creating statement.';

CREATE TRIGGER performers_30_grant_creator AFTER INSERT ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.grant_creator();
COMMENT ON TRIGGER performers_30_grant_creator ON permissions.performers IS
'Internal row trigger on performers: whoever creates a performer gets a tier1 grant on it.';

CREATE FUNCTION permissions.performers_check_transfer()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT permissions.caller_is_superuser()
       AND NOT (permissions.holds('transfer_performers', OLD.account_id)
                AND permissions.holds('transfer_performers', NEW.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'moving a performer needs transfer_performers in both accounts',
            DETAIL = format('Performer %s would move from account %s to account %s.', OLD.id, OLD.account_id, NEW.account_id),
            HINT = 'Ask a manager of both accounts (permissions.transfer_performer()).';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.performers_check_transfer() IS
'Internal row trigger on performers: changing account_id needs transfer_performers in the old and the new account (managers hold it in their subtree), for every non-superuser and every SQL path.';

CREATE FUNCTION permissions.performers_prepare_transfer()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.performers'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.performers_prepare_transfer() is a trigger of permissions.performers only';
    END IF;

    -- groups and tags are libraries of the old account
    DELETE FROM permissions.group_members gm WHERE gm.performer_id OPERATOR(pg_catalog.=) OLD.id;
    DELETE FROM permissions.tag_assignments ta WHERE ta.performer_id OPERATOR(pg_catalog.=) OLD.id;

    -- grants and review participants outside the new account's line of the tree
    DELETE FROM permissions.access_grants g
     WHERE g.performer_id OPERATOR(pg_catalog.=) OLD.id
       AND NOT coalesce(permissions.accounts_related(
               coalesce((SELECT u.account_id FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) g.user_id),
                        (SELECT t.account_id FROM permissions.teams t WHERE t.id OPERATOR(pg_catalog.=) g.team_id)),
               NEW.account_id), false);
    DELETE FROM permissions.review_participants rp
     USING permissions.reviews r, permissions.users u
     WHERE r.id OPERATOR(pg_catalog.=) rp.review_id AND r.performer_id OPERATOR(pg_catalog.=) OLD.id
       AND u.id OPERATOR(pg_catalog.=) rp.user_id
       AND NOT permissions.accounts_related(u.account_id, NEW.account_id);

    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.performers_prepare_transfer() IS
'Internal row trigger on performers, after the transfer rule: before a performer changes account, removes its group memberships and tag assignments (libraries of the old account), and its grants and review participants outside the new account''s line of the tree. Everything else follows through ON UPDATE CASCADE.';
REVOKE ALL ON FUNCTION permissions.performers_prepare_transfer() FROM PUBLIC;

CREATE FUNCTION permissions.performers_finish_transfer()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lib record;
    replacement bigint;
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.performers'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.performers_finish_transfer() is a trigger of permissions.performers only';
    END IF;
    -- the charts and journals have followed (the foreign keys' cascades fire
    -- first); they keep their pinpoint and journal type, as a copy in the new
    -- account's library (one of the same name when it has one)
    FOR lib IN SELECT DISTINCT p.id, p.name, p.measurement_type, p.goal, p.goal_direction
               FROM permissions.charts c JOIN permissions.pinpoints p ON p.id OPERATOR(pg_catalog.=) c.pinpoint_id
              WHERE c.performer_id OPERATOR(pg_catalog.=) OLD.id
                AND p.account_id OPERATOR(pg_catalog.<>) NEW.account_id
    LOOP
        SELECT p.id INTO replacement FROM permissions.pinpoints p
         WHERE p.account_id OPERATOR(pg_catalog.=) NEW.account_id AND p.name OPERATOR(pg_catalog.=) lib.name;
        IF NOT FOUND THEN
            INSERT INTO permissions.pinpoints (account_id, name, measurement_type, goal, goal_direction, created_by)
            VALUES (NEW.account_id, lib.name, lib.measurement_type, lib.goal, lib.goal_direction, permissions.current_user_id())
            RETURNING id INTO replacement;
        END IF;
        UPDATE permissions.charts c SET pinpoint_id = replacement
         WHERE c.performer_id OPERATOR(pg_catalog.=) OLD.id AND c.pinpoint_id OPERATOR(pg_catalog.=) lib.id;
    END LOOP;
    FOR lib IN SELECT DISTINCT t.id, t.name
               FROM permissions.journals j JOIN permissions.journal_types t ON t.id OPERATOR(pg_catalog.=) j.journal_type_id
              WHERE j.performer_id OPERATOR(pg_catalog.=) OLD.id
                AND t.account_id OPERATOR(pg_catalog.<>) NEW.account_id
    LOOP
        SELECT t.id INTO replacement FROM permissions.journal_types t
         WHERE t.account_id OPERATOR(pg_catalog.=) NEW.account_id AND t.name OPERATOR(pg_catalog.=) lib.name;
        IF NOT FOUND THEN
            INSERT INTO permissions.journal_types (account_id, name, created_by)
            VALUES (NEW.account_id, lib.name, permissions.current_user_id())
            RETURNING id INTO replacement;
        END IF;
        UPDATE permissions.journals j SET journal_type_id = replacement
         WHERE j.performer_id OPERATOR(pg_catalog.=) OLD.id AND j.journal_type_id OPERATOR(pg_catalog.=) lib.id;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.performers_finish_transfer() IS
'Internal row trigger on performers: after a performer changed account and its data followed, points its charts and journals at pinpoints and journal types of the new account''s library, copying those it lacks.';
REVOKE ALL ON FUNCTION permissions.performers_finish_transfer() FROM PUBLIC;

CREATE TRIGGER performers_12_transfer_rules BEFORE UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.performers_check_transfer();
COMMENT ON TRIGGER performers_12_transfer_rules ON permissions.performers IS 'transfer_performers in both accounts.';

CREATE TRIGGER performers_14_transfer_prepare BEFORE UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.performers_prepare_transfer();
COMMENT ON TRIGGER performers_14_transfer_prepare ON permissions.performers IS
'Drops what does not belong in the new account before the data cascades.';

CREATE TRIGGER performers_85_transfer_finish AFTER UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.performers_finish_transfer();
COMMENT ON TRIGGER performers_85_transfer_finish ON permissions.performers IS
'Moves the pinpoints and journal types the performer''s data uses into the new account''s library.';

-- ---------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------

-- Escalation rules, with the writer's own rights and visibility: the target
-- must be visible, and the writer must be able to grant on it, before
-- anything about the grantee is looked at.
CREATE FUNCTION permissions.grants_check_rules()
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

CREATE TRIGGER access_grants_10_rules BEFORE INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_rules();
COMMENT ON TRIGGER access_grants_10_rules ON permissions.access_grants IS
'A grant''s grantee and target never change and the target must be visible; non-superusers need tier1 to grant on a performer, manage_users and at most their own tier to grant on a group, and grant nothing to themselves.';

CREATE TRIGGER access_grants_15_grantee BEFORE INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_grantee();
COMMENT ON TRIGGER access_grants_15_grantee ON permissions.access_grants IS
'The grantee belongs to the target''s line of the account tree; no group for single_performer users; no grant that starts expired.';

CREATE TRIGGER access_grants_50_one_performer AFTER INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_one_performer();
COMMENT ON TRIGGER access_grants_50_one_performer ON permissions.access_grants IS
'single_performer users: one performer, checked under the tenant''s lock.';

-- ---------------------------------------------------------------------------
-- Team members: a member receives the team's grants, so it is added only
-- by someone who could have made them
-- ---------------------------------------------------------------------------

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

CREATE TRIGGER team_members_10_rules BEFORE INSERT OR UPDATE ON permissions.team_members
    FOR EACH ROW EXECUTE FUNCTION permissions.team_members_check_rules();
COMMENT ON TRIGGER team_members_10_rules ON permissions.team_members IS
'Internal row trigger on team_members: nobody but a manager adds themselves to a team, and a new member gets only grants the adder could have made.';

-- ---------------------------------------------------------------------------
-- Library references stay inside the tenant: a chart's pinpoint, a journal's
-- type and a tag's target come from the same account as the row.  Checked
-- before the foreign keys, with the caller's visibility, so the error never
-- tells whether an object of another account exists.  Only members of the
-- account (own or managed, not readers through a grant) can tell whether a
-- user belongs to it.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.user_in_account(target bigint, account bigint)
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
COMMENT ON TRIGGER charts_20_library ON permissions.charts IS
'Internal row trigger: a chart''s pinpoint, a journal''s type and a tag assignment''s user or pinpoint belong to the row''s own account.';

CREATE TRIGGER journals_20_library BEFORE INSERT OR UPDATE OF journal_type_id ON permissions.journals
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();
COMMENT ON TRIGGER journals_20_library ON permissions.journals IS
'Internal row trigger: a chart''s pinpoint, a journal''s type and a tag assignment''s user or pinpoint belong to the row''s own account.';

CREATE TRIGGER tag_assignments_20_library BEFORE INSERT OR UPDATE OF target_user_id, pinpoint_id ON permissions.tag_assignments
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();
COMMENT ON TRIGGER tag_assignments_20_library ON permissions.tag_assignments IS
'Internal row trigger: a chart''s pinpoint, a journal''s type and a tag assignment''s user or pinpoint belong to the row''s own account.';

-- ---------------------------------------------------------------------------
-- Review participants come from the review's line of the account tree
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.review_participants_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    user_account bigint;
BEGIN
    PERFORM permissions.require_trigger_table('review_participants_check_rules', TG_RELID, 'permissions.review_participants');
    SELECT r.account_id INTO NEW.account_id FROM permissions.reviews r
     WHERE r.id OPERATOR(pg_catalog.=) NEW.review_id;
    -- one error for a review that does not exist and one the writer may not manage
    IF NOT FOUND OR NOT (permissions.caller_is_dba() OR permissions.holds('manage_reviews', NEW.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('review %s does not exist or you cannot manage it', NEW.review_id),
            HINT = 'Add participants to a review of an account where you hold manage_reviews.';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        NEW.added_by := OLD.added_by;
    END IF;

    SELECT u.account_id INTO user_account FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) NEW.user_id;
    IF user_account IS NULL OR NOT permissions.accounts_related(user_account, NEW.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('user %s does not exist or cannot take part in reviews of account %s', NEW.user_id, NEW.account_id),
            DETAIL = 'Review participants are users of the review''s account, of an account above it, or of one of its sub-accounts.',
            HINT = 'Choose a participant from the review''s part of the account tree.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.review_participants_check_rules() IS
'Internal row trigger on review_participants: account_id is the review''s, added_by never changes, and the participant belongs to the review''s line of the account tree.';
REVOKE ALL ON FUNCTION permissions.review_participants_check_rules() FROM PUBLIC;

CREATE TRIGGER review_participants_10_rules BEFORE INSERT OR UPDATE ON permissions.review_participants
    FOR EACH ROW EXECUTE FUNCTION permissions.review_participants_check_rules();
COMMENT ON TRIGGER review_participants_10_rules ON permissions.review_participants IS
'Participants come from the review''s line of the account tree.';

-- ---------------------------------------------------------------------------
-- Credits: the balance is the sum of the ledger; an assessment spends one
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.credit_ledger_apply()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM permissions.require_trigger_table('credit_ledger_apply', TG_RELID, 'permissions.credit_ledger');
    IF permissions.restoring() THEN
        RETURN NULL;            -- restored rows come with what they derived
    END IF;
    INSERT INTO permissions.account_credits (account_id) VALUES (NEW.account_id) ON CONFLICT DO NOTHING;
    UPDATE permissions.account_credits c
       SET balance = c.balance OPERATOR(pg_catalog.+) NEW.amount, updated_at = pg_catalog.now()
     WHERE c.account_id OPERATOR(pg_catalog.=) NEW.account_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.credit_ledger_apply() IS
'Internal row trigger on credit_ledger: adds the entry to the account''s balance (the CHECK on account_credits refuses a negative balance).';
REVOKE ALL ON FUNCTION permissions.credit_ledger_apply() FROM PUBLIC;

CREATE FUNCTION permissions.assessments_spend_credit()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    available bigint;
BEGIN
    PERFORM permissions.require_trigger_table('assessments_spend_credit', TG_RELID, 'permissions.assessments');
    IF permissions.restoring() THEN
        RETURN NULL;            -- restored rows come with what they derived
    END IF;
    INSERT INTO permissions.account_credits (account_id) VALUES (NEW.account_id) ON CONFLICT DO NOTHING;
    SELECT c.balance INTO available FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) NEW.account_id FOR UPDATE;
    IF available OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('account %s has no credits left', NEW.account_id),
            DETAIL = 'Creating an assessment spends one credit of the performer''s account.',
            HINT = 'Ask a credit manager of the parent account to transfer credits to it.';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, assessment_id, created_by)
    VALUES (NEW.account_id, -1, 'assessment', NEW.id, permissions.current_user_id());
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.assessments_spend_credit() IS
'Internal row trigger on assessments: spends one credit of the performer''s account, under a lock on its balance, or refuses the assessment.';
REVOKE ALL ON FUNCTION permissions.assessments_spend_credit() FROM PUBLIC;

CREATE TRIGGER credit_ledger_10_apply AFTER INSERT ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.credit_ledger_apply();
COMMENT ON TRIGGER credit_ledger_10_apply ON permissions.credit_ledger IS 'Keeps account_credits equal to the sum of the ledger.';

CREATE TRIGGER assessments_50_spend AFTER INSERT ON permissions.assessments
    FOR EACH ROW EXECUTE FUNCTION permissions.assessments_spend_credit();
COMMENT ON TRIGGER assessments_50_spend ON permissions.assessments IS 'One credit per assessment.';
