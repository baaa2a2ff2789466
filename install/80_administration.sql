
-- ---------------------------------------------------------------------------
-- Account administration: sub-accounts, invitations and user removal,
-- profiles, organization details, billing and usage reports, credits and
-- assessments, API credential use, 360 reviews, and moving performers
-- between accounts.
--
-- Functions that a user calls run with the caller's rights whenever
-- row-level security and the rules triggers already decide everything
-- (rename_account, move_account, remove_user, transfer_performer ...).  The
-- SECURITY DEFINER ones check the caller's permissions themselves, with
-- permissions.holds(), before touching any row: holds() reads the identity of
-- the session, which SECURITY DEFINER does not change.  A DBA is a session
-- whose role is a superuser (setting is_superuser).
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Account tree helpers
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.account_path(account bigint)
RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE up(id, parent_id, path) AS (
        SELECT a.id, a.parent_id, ARRAY[a.id]
          FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) account
        UNION ALL
        SELECT a.id, a.parent_id, up.path OPERATOR(pg_catalog.||) a.id
          FROM permissions.accounts a JOIN up ON a.id OPERATOR(pg_catalog.=) up.parent_id
         WHERE NOT a.id OPERATOR(pg_catalog.=) ANY (up.path)
    )
    SELECT coalesce((SELECT up.path FROM up ORDER BY pg_catalog.cardinality(up.path) DESC LIMIT 1),
                    '{}'::bigint[])
$$;
COMMENT ON FUNCTION permissions.account_path(bigint) IS
'Internal: the account and its ancestors, from the account up to its top-level account.';

CREATE FUNCTION permissions.account_subtree(root bigint)
RETURNS TABLE (account_id bigint, parent_id bigint, depth integer)
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE down(id, parent_id, depth, path) AS (
        SELECT a.id, a.parent_id, 0, ARRAY[a.id]
          FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) root
        UNION ALL
        SELECT a.id, a.parent_id, down.depth OPERATOR(pg_catalog.+) 1, down.path OPERATOR(pg_catalog.||) a.id
          FROM permissions.accounts a JOIN down ON a.parent_id OPERATOR(pg_catalog.=) down.id
         WHERE NOT a.id OPERATOR(pg_catalog.=) ANY (down.path)
    )
    SELECT down.id, down.parent_id, down.depth FROM down
$$;
COMMENT ON FUNCTION permissions.account_subtree(bigint) IS
'Internal: the account and every account below it, with their depth under it.';

CREATE FUNCTION permissions.accounts_related(a bigint, b bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a OPERATOR(pg_catalog.=) ANY (permissions.account_path(b))
        OR b OPERATOR(pg_catalog.=) ANY (permissions.account_path(a))
$$;
COMMENT ON FUNCTION permissions.accounts_related(bigint, bigint) IS
'Internal: whether two accounts are the same, or one is an ancestor of the other (the same line of the account tree).';

-- ---------------------------------------------------------------------------
-- Sub-accounts: details, moves, deletion
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.account_deletions (
    account_id bigint PRIMARY KEY
);
COMMENT ON TABLE permissions.account_deletions IS
'Internal: accounts that permissions.delete_account() is deleting in the current transaction (rows never outlive the call).';

CREATE FUNCTION permissions.account_being_deleted(account bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM permissions.account_deletions d
                    WHERE d.account_id OPERATOR(pg_catalog.=) account)
$$;
COMMENT ON FUNCTION permissions.account_being_deleted(bigint) IS
'Internal: whether delete_account() is deleting the account in this transaction (the last-manager rule does not apply then).';

CREATE FUNCTION permissions.accounts_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
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
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.accounts'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.accounts_no_cycles() is a trigger of permissions.accounts only';
    END IF;
    IF NEW.parent_id IS NOT NULL THEN
        -- one move at a time, so two concurrent moves cannot build a cycle together
        PERFORM pg_catalog.pg_advisory_xact_lock('permissions.accounts'::pg_catalog.regclass::pg_catalog.oid::bigint);
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
'Internal row trigger on accounts: refuses a parent_id that would make a cycle, for everyone, serialized by a transaction advisory lock.';

CREATE TRIGGER accounts_10_rules BEFORE INSERT OR UPDATE ON permissions.accounts
    FOR EACH ROW EXECUTE FUNCTION permissions.accounts_check_rules();
COMMENT ON TRIGGER accounts_10_rules ON permissions.accounts IS
'Plan, id and move rules for non-superusers.';
CREATE TRIGGER accounts_20_no_cycles BEFORE UPDATE OF parent_id ON permissions.accounts
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION permissions.accounts_no_cycles();
COMMENT ON TRIGGER accounts_20_no_cycles ON permissions.accounts IS
'The account tree stays a tree.';

CREATE FUNCTION permissions.rename_account(account_id bigint, name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE permissions.accounts a SET name = rename_account.name
     WHERE a.id OPERATOR(pg_catalog.=) rename_account.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('account %s does not exist or you cannot change it', rename_account.account_id),
            HINT = 'Renaming an account needs manage_organization in it, or manage_sub_accounts in its parent.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.rename_account(bigint, text) IS
'Renames an account (manage_organization in it, or manage_sub_accounts in its parent).';

CREATE FUNCTION permissions.move_account(account_id bigint, parent_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF move_account.parent_id IS NULL AND NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can turn a sub-account into a top-level account',
            HINT = 'Pass the id of the new parent account.';
    END IF;
    UPDATE permissions.accounts a SET parent_id = move_account.parent_id
     WHERE a.id OPERATOR(pg_catalog.=) move_account.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('account %s does not exist or you cannot move it', move_account.account_id),
            HINT = 'Moving a sub-account needs manage_sub_accounts over its old and its new parent.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.move_account(bigint, bigint) IS
'Moves a sub-account under another parent (manage_sub_accounts over the old and the new parent; never under itself or its own sub-accounts).';

CREATE FUNCTION permissions.delete_account(account_id bigint, force boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dba boolean := pg_catalog.current_setting('is_superuser')::boolean;
    me bigint := permissions.current_user_id();
    acct permissions.accounts;
    subtree bigint[];
    n_users bigint;
    n_performers bigint;
    r record;
BEGIN
    SELECT * INTO acct FROM permissions.accounts a
     WHERE a.id OPERATOR(pg_catalog.=) delete_account.account_id FOR UPDATE;
    IF NOT FOUND OR NOT (dba OR acct.parent_id IS NOT NULL
                               AND permissions.holds('manage_sub_accounts', acct.parent_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('account %s does not exist or you cannot delete it', delete_account.account_id),
            DETAIL = 'Deleting a sub-account needs manage_sub_accounts in its parent account; only a superuser deletes a top-level account.',
            HINT = 'Ask a manager of the parent account.';
    END IF;

    -- lock the whole subtree: no user, performer or sub-account can join it meanwhile
    SELECT pg_catalog.array_agg(s.account_id ORDER BY s.account_id) INTO subtree
      FROM permissions.account_subtree(acct.id) s;
    PERFORM 1 FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) ANY (subtree)
     ORDER BY a.id FOR UPDATE;
    SELECT pg_catalog.array_agg(s.account_id ORDER BY s.account_id) INTO subtree
      FROM permissions.account_subtree(acct.id) s;

    SELECT pg_catalog.count(*) INTO n_users FROM permissions.users u
     WHERE u.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    SELECT pg_catalog.count(*) INTO n_performers FROM permissions.performers p
     WHERE p.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    IF NOT coalesce(force, false) AND (n_users OPERATOR(pg_catalog.>) 0 OR n_performers OPERATOR(pg_catalog.>) 0
                                       OR pg_catalog.cardinality(subtree) OPERATOR(pg_catalog.>) 1) THEN
        RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist',
            MESSAGE = format('account %s still has users, performers or sub-accounts', acct.id),
            DETAIL = format('Account %s and its sub-accounts hold %s users and %s performers; it has %s sub-accounts in all.',
                            acct.id, n_users, n_performers, pg_catalog.cardinality(subtree) OPERATOR(pg_catalog.-) 1),
            HINT = format('Move or remove them first, or delete everything with permissions.delete_account(%s, force => true).', acct.id);
    END IF;

    INSERT INTO permissions.account_deletions SELECT pg_catalog.unnest(subtree);

    -- credits left in the subtree go back to the parent (a top-level account's are written off)
    IF acct.parent_id IS NOT NULL THEN
        INSERT INTO permissions.account_credits (account_id) VALUES (acct.parent_id) ON CONFLICT DO NOTHING;
    END IF;
    PERFORM 1 FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) ANY (subtree OPERATOR(pg_catalog.||) acct.parent_id)
     ORDER BY c.account_id FOR UPDATE;
    FOR r IN SELECT c.account_id, c.balance FROM permissions.account_credits c
              WHERE c.account_id OPERATOR(pg_catalog.=) ANY (subtree) AND c.balance OPERATOR(pg_catalog.>) 0
              ORDER BY c.account_id
    LOOP
        INSERT INTO permissions.credit_ledger (account_id, amount, reason, related_account_id, created_by)
        VALUES (r.account_id, OPERATOR(pg_catalog.-) r.balance, 'account deleted', acct.parent_id, me);
        IF acct.parent_id IS NOT NULL THEN
            INSERT INTO permissions.credit_ledger (account_id, amount, reason, related_account_id, created_by)
            VALUES (acct.parent_id, r.balance, 'returned by a deleted sub-account', r.account_id, me);
        END IF;
    END LOOP;

    -- performer data (charts, measurements, grants, assessments, reviews ... cascade)
    DELETE FROM permissions.performers p WHERE p.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    -- the account's libraries and saved views
    DELETE FROM permissions.groups x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.teams x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.tags x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.pinpoints x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.journal_types x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.chart_views x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.reporting_views x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    -- users (their credentials, memberships, grants and invitations cascade)
    DELETE FROM permissions.users u WHERE u.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.account_deletions d WHERE d.account_id OPERATOR(pg_catalog.=) ANY (subtree);
END
$$;
COMMENT ON FUNCTION permissions.delete_account(bigint, boolean) IS
'Deletes a sub-account (manage_sub_accounts in its parent; top-level accounts: superusers). Refused while it holds users, performers or sub-accounts unless force, which deletes them all; remaining credits go back to the parent.';

-- ---------------------------------------------------------------------------
-- Users: invitations, profiles, removal
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.invitations (
    user_id     bigint PRIMARY KEY REFERENCES permissions.users (id) ON DELETE CASCADE,
    account_id  bigint NOT NULL,
    token_hash  bytea NOT NULL CHECK (length(token_hash) = 32),
    invited_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
COMMENT ON TABLE permissions.invitations IS
'Pending invitations of invited users. Only the SHA-256 of the invitation token is kept; the token is shown once, by invite_user() or reissue_invitation().';

CREATE FUNCTION permissions.reissue_invitation(user_id bigint, valid_for interval DEFAULT '7 days')
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    u permissions.users;
    me permissions.users;
    secret text := permissions.new_api_secret();
BEGIN
    SELECT * INTO u FROM permissions.users x WHERE x.id OPERATOR(pg_catalog.=) reissue_invitation.user_id FOR UPDATE;
    IF NOT FOUND OR NOT (pg_catalog.current_setting('is_superuser')::boolean
                         OR permissions.holds('manage_users', u.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('user %s does not exist or you cannot invite it', reissue_invitation.user_id),
            HINT = 'Inviting users needs manage_users in their account.';
    END IF;
    IF u.status OPERATOR(pg_catalog.<>) 'invited' THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('user %s is not invited', u.id),
            DETAIL = format('User "%s" has status %s.', u.username, u.status),
            HINT = 'Invite new users with permissions.invite_user().';
    END IF;
    -- whoever holds the token can become the user: outside a manager's
    -- account, only users with no more rights than the caller's are invited
    IF NOT (pg_catalog.current_setting('is_superuser')::boolean OR permissions.manages(u.account_id)) THEN
        SELECT * INTO me FROM permissions.users x WHERE x.id OPERATOR(pg_catalog.=) permissions.current_user_id();
        IF u.role OPERATOR(permissions.<>) 'user'
           OR NOT (me.permissions OPERATOR(permissions.@>) u.permissions)
           OR u.access OPERATOR(permissions.>) me.access
           OR EXISTS (SELECT 1 FROM permissions.access_grants g WHERE g.user_id OPERATOR(pg_catalog.=) u.id)
           OR EXISTS (SELECT 1 FROM permissions.team_members t WHERE t.user_id OPERATOR(pg_catalog.=) u.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('you cannot invite user %s', u.id),
                DETAIL = 'An invitation lets whoever holds it act as the user, who has rights (role, permissions, tier, grants or teams) beyond yours.',
                HINT = 'Ask a manager of the account to send the invitation.';
        END IF;
    END IF;
    IF valid_for IS NULL OR valid_for OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'an invitation must be valid for a positive time',
            HINT = 'Pass valid_for => interval ''7 days'', for instance.';
    END IF;
    INSERT INTO permissions.invitations AS i (user_id, account_id, token_hash, invited_by, expires_at)
    VALUES (u.id, u.account_id, permissions.hash_api_secret(secret), permissions.current_user_id(),
            pg_catalog.now() OPERATOR(pg_catalog.+) valid_for)
    ON CONFLICT ON CONSTRAINT invitations_pkey DO UPDATE
       SET account_id = EXCLUDED.account_id, token_hash = EXCLUDED.token_hash,
           invited_by = EXCLUDED.invited_by, created_at = EXCLUDED.created_at,
           expires_at = EXCLUDED.expires_at;
    RETURN 'pi_' OPERATOR(pg_catalog.||) u.id OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) secret;
END
$$;
COMMENT ON FUNCTION permissions.reissue_invitation(bigint, interval) IS
'Issues a new invitation token for an invited user (manage_users in its account; a user manager who is not a manager of the account only for users with no more rights than its own), replacing the previous one. The token is shown only this once.';

CREATE FUNCTION permissions.invite_user(account_id bigint, email text,
                                        username text DEFAULT NULL,
                                        role permissions.role DEFAULT 'user',
                                        user_type permissions.user_type DEFAULT 'full_access',
                                        permissions permissions.permset DEFAULT '{}',
                                        access permissions.tier DEFAULT 'none',
                                        first_name text DEFAULT NULL,
                                        last_name text DEFAULT NULL,
                                        valid_for interval DEFAULT '7 days',
                                        OUT user_id bigint, OUT invitation text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF invite_user.email IS NULL OR pg_catalog.strpos(invite_user.email, '@') OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('invalid email address for an invitation: "%s"', invite_user.email),
            HINT = 'Pass the address the invitation is sent to.';
    END IF;
    INSERT INTO permissions.users (account_id, username, email, first_name, last_name, role,
                                   user_type, permissions, access, active, status)
    VALUES (invite_user.account_id, coalesce(invite_user.username, invite_user.email), invite_user.email,
            invite_user.first_name, invite_user.last_name, invite_user.role, invite_user.user_type,
            invite_user.permissions, invite_user.access, false, 'invited')
    RETURNING id INTO invite_user.user_id;
    invite_user.invitation := permissions.reissue_invitation(invite_user.user_id, invite_user.valid_for);
END
$$;
COMMENT ON FUNCTION permissions.invite_user(bigint, text, text, permissions.role, permissions.user_type, permissions.permset, permissions.tier, text, text, interval) IS
'Invites a user (manage_users; the grant ceiling applies): an inactive user with status invited, and an invitation token, shown only this once, to hand to permissions.accept_invitation().';

CREATE FUNCTION permissions.accept_invitation(invitation text, credential_name text DEFAULT 'default')
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[];
    inv permissions.invitations;
    secret text := permissions.new_api_secret();
    cred bigint;
BEGIN
    parts := pg_catalog.regexp_match(invitation, '^pi_([1-9][0-9]{0,17})_([0-9a-f]{64})$');
    IF parts IS NOT NULL THEN
        SELECT * INTO inv FROM permissions.invitations i
         WHERE i.user_id OPERATOR(pg_catalog.=) parts[1]::bigint FOR UPDATE;
    END IF;
    IF parts IS NULL OR inv.user_id IS NULL
       OR inv.token_hash OPERATOR(pg_catalog.<>) permissions.hash_api_secret(parts[2]) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_authorization_specification',
            MESSAGE = 'invalid invitation',
            DETAIL = 'The invitation is malformed, unknown, already accepted or replaced by a newer one.',
            HINT = 'Use the full token returned by permissions.invite_user() or permissions.reissue_invitation().';
    END IF;
    IF inv.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_authorization_specification',
            MESSAGE = 'invitation expired',
            DETAIL = format('The invitation expired at %s.', inv.expires_at),
            HINT = 'Ask a user manager for a new one (permissions.reissue_invitation()).';
    END IF;
    UPDATE permissions.users u SET status = 'active', active = true
     WHERE u.id OPERATOR(pg_catalog.=) inv.user_id AND u.status OPERATOR(pg_catalog.=) 'invited';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_authorization_specification',
            MESSAGE = 'invalid invitation',
            DETAIL = 'The invited user is no longer waiting for its invitation.',
            HINT = 'Ask a user manager.';
    END IF;
    DELETE FROM permissions.invitations i WHERE i.user_id OPERATOR(pg_catalog.=) inv.user_id;
    INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash, created_by)
    VALUES (inv.account_id, inv.user_id, credential_name, permissions.hash_api_secret(secret), inv.user_id)
    RETURNING id INTO cred;
    RETURN 'pm_' OPERATOR(pg_catalog.||) cred OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) secret;
END
$$;
COMMENT ON FUNCTION permissions.accept_invitation(text, text) IS
'Accepts an invitation: the user becomes active and gets a first API credential, returned (shown only this once) so the application can authenticate as it.';

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

CREATE TRIGGER users_70_drop_invitation AFTER UPDATE OF status, role, user_type, permissions, access ON permissions.users
    FOR EACH ROW WHEN (OLD.status = 'invited'
                       AND (NEW.status <> 'invited' OR NEW.role <> OLD.role OR NEW.user_type <> OLD.user_type
                            OR NEW.permissions <> OLD.permissions OR NEW.access <> OLD.access))
    EXECUTE FUNCTION permissions.users_drop_invitation();
COMMENT ON TRIGGER users_70_drop_invitation ON permissions.users IS
'An invitation ends when the user stops being invited, or when its rights change (whoever saw the old token must not get the new rights).';

CREATE FUNCTION permissions.remove_user(user_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) remove_user.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('user %s does not exist or you cannot remove it', remove_user.user_id),
            HINT = 'Removing a user needs manage_users in the user''s account; nobody removes themselves.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.remove_user(bigint) IS
'Removes a user (manage_users in its account; managers only by managers of the account; never oneself, never the last manager of a top-level account). Its credentials, memberships and grants go with it.';

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

CREATE TRIGGER users_12_profile BEFORE UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_profile();
COMMENT ON TRIGGER users_12_profile ON permissions.users IS
'manage_profile: one''s own profile fields only.';
CREATE TRIGGER users_14_removal BEFORE DELETE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_removal();
COMMENT ON TRIGGER users_14_removal ON permissions.users IS
'Only managers remove managers.';

-- ---------------------------------------------------------------------------
-- Billing and usage reports
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.billing_summary()
RETURNS TABLE (account_id bigint, parent_id bigint, name text, plan text,
               users bigint, active_users bigint, performers bigint)
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id, a.parent_id, a.name, a.plan,
           (SELECT pg_catalog.count(*) FROM permissions.users u
             WHERE u.account_id OPERATOR(pg_catalog.=) a.id),
           (SELECT pg_catalog.count(*) FROM permissions.users u
             WHERE u.account_id OPERATOR(pg_catalog.=) a.id AND u.active),
           (SELECT pg_catalog.count(*) FROM permissions.performers p
             WHERE p.account_id OPERATOR(pg_catalog.=) a.id)
      FROM permissions.accounts a
     WHERE pg_catalog.current_setting('is_superuser')::boolean
        OR permissions.holds('manage_billing', a.id)
     ORDER BY a.id
$$;
COMMENT ON FUNCTION permissions.billing_summary() IS
'Plan, user count and performer count of every account where the caller holds manage_billing (superusers: every account); counted over all rows, not only those the caller could read.';

CREATE VIEW permissions.billing AS
    SELECT account_id, parent_id, name, plan, users, active_users, performers
      FROM permissions.billing_summary();
COMMENT ON VIEW permissions.billing IS
'manage_billing: plan, users (all, and active) and performers of each account where the caller holds manage_billing.';

CREATE FUNCTION permissions.usage_report(root bigint,
                                         since timestamptz DEFAULT '-infinity',
                                         until timestamptz DEFAULT 'infinity')
RETURNS TABLE (account_id bigint, parent_id bigint, name text, depth integer,
               users bigint, performers bigint, assessments bigint,
               credits_spent bigint, credit_balance bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    dba boolean := pg_catalog.current_setting('is_superuser')::boolean;
BEGIN
    IF NOT (dba OR permissions.holds('view_usage_reports', usage_report.root)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to view the usage report of account %s', usage_report.root),
            DETAIL = 'A usage report needs view_usage_reports in the account (managers hold it in their whole subtree).',
            HINT = 'Ask a manager of the account.';
    END IF;
    RETURN QUERY
    SELECT s.account_id, s.parent_id, a.name, s.depth,
           (SELECT pg_catalog.count(*) FROM permissions.users u
             WHERE u.account_id OPERATOR(pg_catalog.=) s.account_id),
           (SELECT pg_catalog.count(*) FROM permissions.performers p
             WHERE p.account_id OPERATOR(pg_catalog.=) s.account_id),
           (SELECT pg_catalog.count(*) FROM permissions.assessments x
             WHERE x.account_id OPERATOR(pg_catalog.=) s.account_id
               AND x.taken_at OPERATOR(pg_catalog.>=) usage_report.since
               AND x.taken_at OPERATOR(pg_catalog.<) usage_report.until),
           coalesce((SELECT OPERATOR(pg_catalog.-) pg_catalog.sum(l.amount) FROM permissions.credit_ledger l
                      WHERE l.account_id OPERATOR(pg_catalog.=) s.account_id
                        AND l.assessment_id IS NOT NULL
                        AND l.created_at OPERATOR(pg_catalog.>=) usage_report.since
                        AND l.created_at OPERATOR(pg_catalog.<) usage_report.until), 0)::bigint,
           coalesce((SELECT c.balance FROM permissions.account_credits c
                      WHERE c.account_id OPERATOR(pg_catalog.=) s.account_id), 0)
      FROM permissions.account_subtree(usage_report.root) s
      JOIN permissions.accounts a ON a.id OPERATOR(pg_catalog.=) s.account_id
     WHERE dba OR permissions.holds('view_usage_reports', s.account_id)
     ORDER BY s.depth, s.account_id;
END
$$;
COMMENT ON FUNCTION permissions.usage_report(bigint, timestamptz, timestamptz) IS
'view_usage_reports: per account of the subtree of root where the caller holds it, users, performers, assessments taken and credits spent on them in [since, until), and the credit balance.';

-- ---------------------------------------------------------------------------
-- Credits and assessments
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.account_credits (
    account_id  bigint PRIMARY KEY REFERENCES permissions.accounts (id) ON DELETE CASCADE,
    balance     bigint NOT NULL DEFAULT 0 CONSTRAINT account_credits_balance_not_negative CHECK (balance >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE permissions.account_credits IS
'Credit balance of each account: the sum of its credit_ledger entries, kept by a trigger on the ledger. The row is locked by every movement, and the CHECK keeps it from going below zero.';

CREATE TABLE permissions.credit_ledger (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id         bigint NOT NULL,
    amount             bigint NOT NULL CHECK (amount <> 0),
    reason             text NOT NULL CHECK (reason <> ''),
    related_account_id bigint,
    assessment_id      bigint,
    created_by         bigint DEFAULT permissions.current_user_id(),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_account_id_idx ON permissions.credit_ledger (account_id, created_at);
COMMENT ON TABLE permissions.credit_ledger IS
'Append-only credit movements (+ in, - out). Written only by add_credits(), transfer_credits(), assessments and delete_account(); entries outlive a deleted account.';
COMMENT ON COLUMN permissions.credit_ledger.related_account_id IS
'The other account of a transfer.';
COMMENT ON COLUMN permissions.credit_ledger.assessment_id IS
'The assessment a credit was spent on.';

CREATE FUNCTION permissions.credit_ledger_apply()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.credit_ledger'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.credit_ledger_apply() is a trigger of permissions.credit_ledger only';
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

CREATE TRIGGER credit_ledger_10_apply AFTER INSERT ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.credit_ledger_apply();
COMMENT ON TRIGGER credit_ledger_10_apply ON permissions.credit_ledger IS
'Keeps account_credits equal to the sum of the ledger.';
CREATE TRIGGER credit_ledger_80_audit AFTER INSERT ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
COMMENT ON TRIGGER credit_ledger_80_audit ON permissions.credit_ledger IS
'Every credit movement is audited.';
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.append_only(
        'Credit movements can be neither changed nor deleted.',
        'Correct a movement with a new one (permissions.transfer_credits() or permissions.add_credits()).');
COMMENT ON TRIGGER credit_ledger_append_only ON permissions.credit_ledger IS
'Ledger entries never change.';
CREATE TRIGGER credit_ledger_no_truncate BEFORE TRUNCATE ON permissions.credit_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.append_only(
        'Credit movements can be neither changed nor deleted.',
        'Correct a movement with a new one (permissions.transfer_credits() or permissions.add_credits()).');
COMMENT ON TRIGGER credit_ledger_no_truncate ON permissions.credit_ledger IS
'Ledger entries are never deleted.';

CREATE VIEW permissions.credit_balances WITH (security_invoker = true) AS
    SELECT a.id AS account_id, a.parent_id, a.name, coalesce(c.balance, 0) AS balance
      FROM permissions.accounts a
      LEFT JOIN permissions.account_credits c ON c.account_id OPERATOR(pg_catalog.=) a.id
     WHERE permissions.holds('manage_credits', a.id);
COMMENT ON VIEW permissions.credit_balances IS
'manage_credits: the credit balance of each account where the caller holds manage_credits.';

CREATE FUNCTION permissions.add_credits(account_id bigint, amount bigint, reason text DEFAULT 'purchase')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parent bigint;
    new_balance bigint;
BEGIN
    IF NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can add credits',
            DETAIL = 'Credits enter the system at a top-level account, when a DBA records a purchase.',
            HINT = 'Credit managers move credits with permissions.transfer_credits().';
    END IF;
    IF amount IS NULL OR amount OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('cannot add %s credits', coalesce(amount::text, 'NULL')),
            HINT = 'Pass a positive number of credits.';
    END IF;
    SELECT a.parent_id INTO parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) add_credits.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('account %s does not exist', add_credits.account_id);
    END IF;
    IF parent IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('account %s is a sub-account', add_credits.account_id),
            DETAIL = 'Credits are added to top-level accounts only.',
            HINT = 'Add them to the top-level account and transfer them down with permissions.transfer_credits().';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, created_by)
    VALUES (add_credits.account_id, amount, coalesce(reason, 'purchase'), permissions.current_user_id());
    SELECT c.balance INTO new_balance FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) add_credits.account_id;
    RETURN new_balance;
END
$$;
COMMENT ON FUNCTION permissions.add_credits(bigint, bigint, text) IS
'DBA: adds credits to a top-level account (a purchase). Returns the new balance.';

CREATE FUNCTION permissions.transfer_credits(from_account bigint, to_account bigint, amount bigint,
                                             reason text DEFAULT 'transfer')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dba boolean := pg_catalog.current_setting('is_superuser')::boolean;
    from_parent bigint;
    to_parent bigint;
    parent bigint;
    available bigint;
    me bigint := permissions.current_user_id();
BEGIN
    IF amount IS NULL OR amount OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('cannot transfer %s credits', coalesce(amount::text, 'NULL')),
            HINT = 'Pass a positive number of credits; the direction is from_account to to_account.';
    END IF;
    IF NOT (dba OR permissions.holds('manage_credits', from_account)
                OR permissions.holds('manage_credits', to_account)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to transfer credits between account %s and account %s', from_account, to_account),
            DETAIL = 'Transferring credits needs manage_credits in the parent account of the two.',
            HINT = 'Ask a credit manager of the parent account.';
    END IF;
    SELECT a.parent_id INTO from_parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) from_account;
    SELECT a.parent_id INTO to_parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) to_account;
    parent := CASE WHEN to_parent OPERATOR(pg_catalog.=) from_account THEN from_account
                   WHEN from_parent OPERATOR(pg_catalog.=) to_account THEN to_account END;
    IF parent IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'credits move only between an account and one of its direct sub-accounts',
            DETAIL = format('Neither of accounts %s and %s is the parent of the other.', from_account, to_account),
            HINT = 'Transfer step by step along the account tree.';
    END IF;
    IF NOT (dba OR permissions.holds('manage_credits', parent)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to transfer credits between account %s and account %s', from_account, to_account),
            DETAIL = format('Transferring credits needs manage_credits in the parent account %s.', parent),
            HINT = 'Ask a credit manager of the parent account.';
    END IF;

    -- lock both balances in account order (no deadlock between opposite
    -- transfers), then check: a concurrent transfer waits here and sees the
    -- balance this one leaves
    INSERT INTO permissions.account_credits (account_id)
    VALUES (LEAST(from_account, to_account)), (GREATEST(from_account, to_account))
    ON CONFLICT DO NOTHING;
    PERFORM 1 FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) ANY (ARRAY[from_account, to_account])
     ORDER BY c.account_id FOR UPDATE;
    SELECT c.balance INTO available FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) from_account;
    IF available OPERATOR(pg_catalog.<) amount THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('account %s does not have enough credits', from_account),
            DETAIL = format('Its balance is %s; the transfer needs %s.', available, amount),
            HINT = 'Transfer fewer credits, or move credits into the account first.';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, related_account_id, created_by)
    VALUES (from_account, OPERATOR(pg_catalog.-) amount, coalesce(reason, 'transfer'), to_account, me),
           (to_account, amount, coalesce(reason, 'transfer'), from_account, me);
    RETURN available OPERATOR(pg_catalog.-) amount;
END
$$;
COMMENT ON FUNCTION permissions.transfer_credits(bigint, bigint, bigint, text) IS
'manage_credits in the parent: moves credits between an account and one of its direct sub-accounts, either way, atomically and never below zero (correct under concurrent transfers). Returns the balance left in from_account.';

CREATE TABLE permissions.assessments (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    kind         text NOT NULL CHECK (kind <> ''),
    taken_at     timestamptz NOT NULL DEFAULT now(),
    score        jsonb,
    created_by   bigint DEFAULT permissions.current_user_id(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX assessments_performer_id_idx ON permissions.assessments (performer_id, taken_at);
CREATE INDEX assessments_account_id_idx ON permissions.assessments (account_id, taken_at);
COMMENT ON TABLE permissions.assessments IS
'Assessments taken by a performer. Creating one spends one credit of the performer''s account (refused when it has none left); seen like performer data, created with tier3 or above.';

CREATE FUNCTION permissions.assessments_spend_credit()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    available bigint;
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.assessments'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.assessments_spend_credit() is a trigger of permissions.assessments only';
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

CREATE TRIGGER assessments_10_stamp BEFORE INSERT OR UPDATE ON permissions.assessments
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator();
COMMENT ON TRIGGER assessments_10_stamp ON permissions.assessments IS
'created_by is the creator and never changes.';
CREATE TRIGGER assessments_50_spend AFTER INSERT ON permissions.assessments
    FOR EACH ROW EXECUTE FUNCTION permissions.assessments_spend_credit();
COMMENT ON TRIGGER assessments_50_spend ON permissions.assessments IS
'One credit per assessment.';

-- ---------------------------------------------------------------------------
-- API credentials: listing, creation rule, recording each use
-- ---------------------------------------------------------------------------

-- Uses are kept apart from the credential row: recording one locks the
-- row it writes until the authenticating transaction ends, and a credential
-- (or its user) must be deletable at once, without waiting for that.
CREATE TABLE permissions.api_credential_uses (
    credential_id bigint PRIMARY KEY,
    last_used_at  timestamptz
);
COMMENT ON TABLE permissions.api_credential_uses IS
'When each API credential was last used (to the second). Written by authenticate() only; no foreign key, so deleting a credential never waits for a session that is recording a use of it.';

COMMENT ON COLUMN permissions.api_credentials.last_used_at IS
'Not maintained: uses are recorded in api_credential_uses (read them in api_credential_list), so that deleting a credential never waits for a session that is recording a use of it.';

CREATE FUNCTION permissions.api_credentials_track_uses()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.api_credentials'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.api_credentials_track_uses() is a trigger of permissions.api_credentials only';
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

CREATE TRIGGER api_credentials_70_uses AFTER INSERT OR DELETE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_track_uses();
COMMENT ON TRIGGER api_credentials_70_uses ON permissions.api_credentials IS
'Keeps one api_credential_uses row per credential.';

CREATE VIEW permissions.api_credential_list WITH (security_invoker = true) AS
    SELECT c.id, c.account_id, c.user_id, c.name, c.created_by, c.created_at, u.last_used_at
      FROM permissions.api_credentials c
      LEFT JOIN permissions.api_credential_uses u ON u.credential_id OPERATOR(pg_catalog.=) c.id;
COMMENT ON VIEW permissions.api_credential_list IS
'API credentials the caller may see (its own; all of the accounts where it holds manage_api_credentials) and when each was last used; never the secret or its hash.';

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
    NEW.created_by := me;
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

CREATE TRIGGER api_credentials_10_rules BEFORE INSERT ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_check_rules();
COMMENT ON TRIGGER api_credentials_10_rules ON permissions.api_credentials IS
'No credential that acts as someone the creator does not manage.';

CREATE FUNCTION permissions.touch_api_credential(credential_id bigint)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE permissions.api_credential_uses u SET last_used_at = pg_catalog.now()
     WHERE u.credential_id OPERATOR(pg_catalog.=) (
           SELECT x.credential_id FROM permissions.api_credential_uses x
            WHERE x.credential_id OPERATOR(pg_catalog.=) touch_api_credential.credential_id
              AND (x.last_used_at IS NULL
                   OR x.last_used_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 second'))
              FOR NO KEY UPDATE SKIP LOCKED)
$$;
COMMENT ON FUNCTION permissions.touch_api_credential(bigint) IS
'Internal: records a use of an API credential (at most once a second, never waiting for a lock). authenticate() calls it as a superuser; neither the access epoch nor the audit log moves.';

-- ---------------------------------------------------------------------------
-- 360 reviews
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.reviews (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    title        text NOT NULL CHECK (title <> ''),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    due_on       date,
    created_by   bigint DEFAULT permissions.current_user_id(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    UNIQUE (id, account_id)
);
CREATE INDEX reviews_account_id_idx ON permissions.reviews (account_id);
CREATE INDEX reviews_performer_id_idx ON permissions.reviews (performer_id);
COMMENT ON TABLE permissions.reviews IS
'360 reviews of a performer. manage_reviews holders create, change and delete them; participants see the reviews they take part in.';

CREATE TABLE permissions.review_participants (
    review_id   bigint NOT NULL,
    account_id  bigint NOT NULL,
    user_id     bigint NOT NULL REFERENCES permissions.users (id) ON DELETE CASCADE,
    role        text NOT NULL DEFAULT 'reviewer' CHECK (role IN ('reviewer', 'subject')),
    added_by    bigint DEFAULT permissions.current_user_id(),
    PRIMARY KEY (review_id, user_id),
    FOREIGN KEY (review_id, account_id) REFERENCES permissions.reviews (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX review_participants_user_id_idx ON permissions.review_participants (user_id);
COMMENT ON TABLE permissions.review_participants IS
'Who takes part in a 360 review, and as what. account_id is the review''s (set by a trigger); participants are users of that account, of an account above it or of one of its sub-accounts.';

CREATE FUNCTION permissions.is_review_participant(review_id bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM permissions.review_participants p
                    WHERE p.review_id OPERATOR(pg_catalog.=) is_review_participant.review_id
                      AND p.user_id OPERATOR(pg_catalog.=) permissions.current_user_id())
$$;
COMMENT ON FUNCTION permissions.is_review_participant(bigint) IS
'Policy check: does the current user take part in the review?';

CREATE FUNCTION permissions.review_participants_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    user_account bigint;
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.review_participants'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.review_participants_check_rules() is a trigger of permissions.review_participants only';
    END IF;
    SELECT r.account_id INTO NEW.account_id FROM permissions.reviews r
     WHERE r.id OPERATOR(pg_catalog.=) NEW.review_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('review %s does not exist', NEW.review_id),
            HINT = 'Add participants to an existing review.';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        NEW.added_by := OLD.added_by;
    END IF;
    SELECT u.account_id INTO user_account FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) NEW.user_id;
    IF user_account IS NOT NULL AND NOT permissions.accounts_related(user_account, NEW.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = 'review participants are users of the review''s account, of an account above it, or of one of its sub-accounts',
            DETAIL = format('User %s belongs to account %s; the review to account %s.', NEW.user_id, user_account, NEW.account_id),
            HINT = 'Choose a participant from the review''s part of the account tree.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.review_participants_check_rules() IS
'Internal row trigger on review_participants: account_id is the review''s, added_by never changes, and the participant belongs to the review''s line of the account tree.';

CREATE TRIGGER reviews_10_stamp BEFORE INSERT OR UPDATE ON permissions.reviews
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator();
COMMENT ON TRIGGER reviews_10_stamp ON permissions.reviews IS
'created_by is the creator and never changes.';
CREATE TRIGGER review_participants_10_rules BEFORE INSERT OR UPDATE ON permissions.review_participants
    FOR EACH ROW EXECUTE FUNCTION permissions.review_participants_check_rules();
COMMENT ON TRIGGER review_participants_10_rules ON permissions.review_participants IS
'Participants come from the review''s line of the account tree.';

-- ---------------------------------------------------------------------------
-- Moving a performer between accounts
-- ---------------------------------------------------------------------------

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

CREATE TRIGGER performers_12_transfer_rules BEFORE UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.performers_check_transfer();
COMMENT ON TRIGGER performers_12_transfer_rules ON permissions.performers IS
'transfer_performers in both accounts.';
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

CREATE FUNCTION permissions.transfer_performer(performer_id bigint, to_account_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE permissions.performers p SET account_id = transfer_performer.to_account_id
     WHERE p.id OPERATOR(pg_catalog.=) transfer_performer.performer_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('performer %s does not exist or you cannot move it', transfer_performer.performer_id),
            HINT = 'Moving a performer needs transfer_performers in both accounts and tier1 on the performer.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.transfer_performer(bigint, bigint) IS
'Moves a performer and all its data to another account (transfer_performers in both). Group memberships and tag assignments are dropped, and so are grants and review participants outside the new account''s line of the tree.';

-- ---------------------------------------------------------------------------
-- Row-level security and privileges of the new tables
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['account_deletions', 'invitations', 'account_credits', 'credit_ledger',
                             'assessments', 'reviews', 'review_participants', 'api_credential_uses']
    LOOP
        EXECUTE format('ALTER TABLE permissions.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE permissions.%I FORCE ROW LEVEL SECURITY', t);
    END LOOP;

    -- written only by the extension's own functions and triggers
    FOREACH t IN ARRAY ARRAY['account_deletions:false', 'invitations:permissions.holds(''manage_users'', account_id)',
                             'account_credits:permissions.holds(''manage_credits'', account_id)',
                             'credit_ledger:permissions.holds(''manage_credits'', account_id)',
                             'api_credential_uses:EXISTS (SELECT 1 FROM permissions.api_credentials c WHERE c.id OPERATOR(pg_catalog.=) credential_id)']
    LOOP
        EXECUTE format($f$
            CREATE POLICY %1$s_select ON permissions.%1$I FOR SELECT USING (%2$s);
            CREATE POLICY %1$s_insert ON permissions.%1$I FOR INSERT WITH CHECK (false);
            CREATE POLICY %1$s_update ON permissions.%1$I FOR UPDATE USING (false) WITH CHECK (false);
            CREATE POLICY %1$s_delete ON permissions.%1$I FOR DELETE USING (false);
            COMMENT ON POLICY %1$s_select ON permissions.%1$I IS %3$L;
            COMMENT ON POLICY %1$s_insert ON permissions.%1$I IS 'Written only by the extension''s own functions and triggers.';
            COMMENT ON POLICY %1$s_update ON permissions.%1$I IS 'Written only by the extension''s own functions and triggers.';
            COMMENT ON POLICY %1$s_delete ON permissions.%1$I IS 'Written only by the extension''s own functions and triggers.';
        $f$, split_part(t, ':', 1), substr(t, strpos(t, ':') + 1),
             'Read: ' || substr(t, strpos(t, ':') + 1));
    END LOOP;
END
$$;

-- assessments: performer data; creating one is data entry (tier3 and above)
CREATE POLICY assessments_select ON permissions.assessments FOR SELECT
    USING (permissions.can_view('performer', account_id, performer_id));
CREATE POLICY assessments_insert ON permissions.assessments FOR INSERT
    WITH CHECK (permissions.can_create('measurement', account_id, performer_id));
CREATE POLICY assessments_update ON permissions.assessments FOR UPDATE
    USING (permissions.can_edit('measurement', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('measurement', account_id, performer_id, created_by));
CREATE POLICY assessments_delete ON permissions.assessments FOR DELETE
    USING (permissions.can_delete('measurement', account_id, performer_id, created_by));

-- reviews: manage_reviews holders (on performers they see); participants read
CREATE POLICY reviews_select ON permissions.reviews FOR SELECT
    USING (permissions.holds('manage_reviews', account_id) OR permissions.is_review_participant(id));
CREATE POLICY reviews_insert ON permissions.reviews FOR INSERT
    WITH CHECK (permissions.holds('manage_reviews', account_id)
                AND permissions.can_view('performer', account_id, performer_id));
CREATE POLICY reviews_update ON permissions.reviews FOR UPDATE
    USING (permissions.holds('manage_reviews', account_id))
    WITH CHECK (permissions.holds('manage_reviews', account_id)
                AND permissions.can_view('performer', account_id, performer_id));
CREATE POLICY reviews_delete ON permissions.reviews FOR DELETE
    USING (permissions.holds('manage_reviews', account_id));
CREATE POLICY review_participants_select ON permissions.review_participants FOR SELECT
    USING (permissions.holds('manage_reviews', account_id) OR permissions.is_review_participant(review_id));
CREATE POLICY review_participants_insert ON permissions.review_participants FOR INSERT
    WITH CHECK (permissions.holds('manage_reviews', account_id));
CREATE POLICY review_participants_update ON permissions.review_participants FOR UPDATE
    USING (permissions.holds('manage_reviews', account_id))
    WITH CHECK (permissions.holds('manage_reviews', account_id));
CREATE POLICY review_participants_delete ON permissions.review_participants FOR DELETE
    USING (permissions.holds('manage_reviews', account_id));

COMMENT ON POLICY assessments_select ON permissions.assessments IS 'Seen like performer data: view on kind performer.';
COMMENT ON POLICY assessments_insert ON permissions.assessments IS 'Created like data entry: create on kind measurement (tier3 and above).';
COMMENT ON POLICY assessments_update ON permissions.assessments IS 'Changed like data entry: edit on kind measurement.';
COMMENT ON POLICY assessments_delete ON permissions.assessments IS 'Deleted like data entry: delete on kind measurement (tier2 and above).';
COMMENT ON POLICY reviews_select ON permissions.reviews IS 'manage_reviews in the account, or taking part in the review.';
COMMENT ON POLICY reviews_insert ON permissions.reviews IS 'manage_reviews in the account, on a performer the user can see.';
COMMENT ON POLICY reviews_update ON permissions.reviews IS 'manage_reviews in the account, on a performer the user can see.';
COMMENT ON POLICY reviews_delete ON permissions.reviews IS 'manage_reviews in the account.';
COMMENT ON POLICY review_participants_select ON permissions.review_participants IS 'manage_reviews in the account, or taking part in the review.';
COMMENT ON POLICY review_participants_insert ON permissions.review_participants IS 'manage_reviews in the review''s account.';
COMMENT ON POLICY review_participants_update ON permissions.review_participants IS 'manage_reviews in the review''s account.';
COMMENT ON POLICY review_participants_delete ON permissions.review_participants IS 'manage_reviews in the review''s account.';

GRANT SELECT, INSERT, UPDATE, DELETE ON
    permissions.assessments, permissions.reviews, permissions.review_participants
    TO PUBLIC;
GRANT SELECT ON permissions.account_credits, permissions.credit_ledger, permissions.api_credential_uses TO PUBLIC;
GRANT SELECT (user_id, account_id, invited_by, created_at, expires_at) ON permissions.invitations TO PUBLIC;
GRANT SELECT ON permissions.billing, permissions.credit_balances, permissions.api_credential_list TO PUBLIC;
REVOKE ALL ON permissions.account_deletions FROM PUBLIC;

REVOKE ALL ON FUNCTION
    permissions.account_path(bigint), permissions.account_subtree(bigint),
    permissions.accounts_related(bigint, bigint),
    permissions.accounts_no_cycles(), permissions.credit_ledger_apply(),
    permissions.assessments_spend_credit(), permissions.review_participants_check_rules(),
    permissions.performers_prepare_transfer(), permissions.performers_finish_transfer(),
    permissions.touch_api_credential(bigint),
    permissions.users_drop_invitation(), permissions.api_credentials_track_uses()
    FROM PUBLIC;
