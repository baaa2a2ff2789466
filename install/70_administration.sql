
-- install/70_administration.sql
-- ---------------------------------------------------------------------------
-- Administration from psql: accounts, users and invitations, grants.
--
-- Most of these functions run with the caller's rights: row-level security
-- and the rules triggers decide what each caller may do, so a DBA
-- (superuser) can do anything and an application user only what its
-- permissions allow (create_account, rename_account, remove_user,
-- grant_access ...).  The SECURITY DEFINER ones check the caller's rights
-- themselves, with permissions.holds() (which reads the identity of the
-- session, unchanged by SECURITY DEFINER) and permissions.caller_is_dba(),
-- before touching any row.
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.create_account(name text, parent_id bigint DEFAULT NULL,
                                           plan text DEFAULT 'standard')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
    refusal text;
BEGIN
    IF parent_id IS NULL AND NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can create a top-level account',
            DETAIL = 'A top-level account is a new tenant.',
            HINT = 'Pass parent_id to create a sub-account of an account you manage.';
    END IF;
    IF parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM permissions.accounts a
                                              WHERE a.id OPERATOR(pg_catalog.=) create_account.parent_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = CASE WHEN permissions.caller_is_superuser()
                           THEN format('account %s does not exist', create_account.parent_id)
                           ELSE format('account %s does not exist or is not visible to you', create_account.parent_id) END,
            HINT = 'Pass the id of an existing account as parent_id, or leave it out to create a top-level account (superusers).';
    END IF;
    BEGIN
        INSERT INTO permissions.accounts (name, parent_id, plan)
        VALUES (create_account.name, create_account.parent_id, create_account.plan)
        RETURNING id INTO new_id;
    EXCEPTION WHEN insufficient_privilege THEN
        GET STACKED DIAGNOSTICS refusal = PG_EXCEPTION_HINT;
        PERFORM permissions.raise_policy_refusal(refusal,
            format('you cannot create sub-accounts of account %s', create_account.parent_id),
            'Creating a sub-account needs manage_sub_accounts in its parent account (managers of it or of an account above hold it).');
        RAISE;
    END;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.create_account(text, bigint, text) IS
'Creates an account (superusers) or a sub-account (managers of an ancestor, or manage_sub_accounts holders there). Returns its id.';

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
    dba boolean := permissions.caller_is_dba();
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
-- Users and invitations.  Whoever holds an invitation token becomes the
-- user: it is accepted only while its inviter could still issue it.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.create_user(account_id bigint, username text,
                                        role permissions.role DEFAULT 'user',
                                        user_type permissions.user_type DEFAULT 'full_access',
                                        permissions permissions.permset DEFAULT '{}',
                                        access permissions.tier DEFAULT 'none',
                                        db_role regrole DEFAULT NULL,
                                        email text DEFAULT NULL,
                                        first_name text DEFAULT NULL,
                                        last_name text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
    refusal text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) create_user.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = CASE WHEN permissions.caller_is_superuser()
                           THEN format('account %s does not exist', create_user.account_id)
                           ELSE format('account %s does not exist or is not visible to you', create_user.account_id) END,
            HINT = 'Creating users needs manage_users in the account; list the accounts you can see with SELECT id, name FROM permissions.accounts.';
    END IF;
    BEGIN
        INSERT INTO permissions.users (account_id, username, role, user_type, permissions, access,
                                       db_role, email, first_name, last_name)
        VALUES (create_user.account_id, create_user.username, create_user.role, create_user.user_type,
                create_user.permissions, create_user.access, create_user.db_role, create_user.email,
                create_user.first_name, create_user.last_name)
        RETURNING id INTO new_id;
    EXCEPTION WHEN insufficient_privilege THEN
        GET STACKED DIAGNOSTICS refusal = PG_EXCEPTION_HINT;
        PERFORM permissions.raise_policy_refusal(refusal,
            format('you cannot create users in account %s', create_user.account_id),
            'Creating users needs manage_users in the account.');
        RAISE;
    END;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.create_user(bigint, text, permissions.role, permissions.user_type, permissions.permset, permissions.tier, regrole, text, text, text) IS
'Creates a user (manage_users), optionally mapped to a login role (superusers only). Returns its id.';

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
DECLARE
    refusal text;
BEGIN
    IF invite_user.email IS NULL OR pg_catalog.strpos(invite_user.email, '@') OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('invalid email address for an invitation: "%s"', invite_user.email),
            HINT = 'Pass the address the invitation is sent to.';
    END IF;
    BEGIN
        INSERT INTO permissions.users (account_id, username, email, first_name, last_name, role,
                                       user_type, permissions, access, active, status)
        VALUES (invite_user.account_id, coalesce(invite_user.username, invite_user.email), invite_user.email,
                invite_user.first_name, invite_user.last_name, invite_user.role, invite_user.user_type,
                invite_user.permissions, invite_user.access, false, 'invited')
        RETURNING id INTO invite_user.user_id;
    EXCEPTION WHEN insufficient_privilege THEN
        GET STACKED DIAGNOSTICS refusal = PG_EXCEPTION_HINT;
        PERFORM permissions.raise_policy_refusal(refusal,
            format('you cannot invite users to account %s', invite_user.account_id),
            'Inviting users needs manage_users in the account.');
        RAISE;
    END;
    invite_user.invitation := permissions.reissue_invitation(invite_user.user_id, invite_user.valid_for);
END
$$;
COMMENT ON FUNCTION permissions.invite_user(bigint, text, text, permissions.role, permissions.user_type, permissions.permset, permissions.tier, text, text, interval) IS
'Invites a user (manage_users; the grant ceiling applies): an inactive user with status invited, and an invitation token, shown only this once, to hand to permissions.accept_invitation().';

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
    IF NOT FOUND OR NOT (permissions.caller_is_dba()
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
    IF NOT (permissions.caller_is_dba() OR permissions.manages(u.account_id)) THEN
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
    VALUES (u.id, u.account_id, permissions.hash_api_secret(secret), permissions.minted_by(u.id),
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

CREATE FUNCTION permissions.invitation_within_inviter(invited bigint, inviter bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    u permissions.users;
    me permissions.users;
BEGIN
    -- answers only inside accept_invitation(), after the token was verified:
    -- not callable by PUBLIC
    SELECT * INTO u FROM permissions.users x WHERE x.id OPERATOR(pg_catalog.=) invited;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF inviter IS NULL THEN
        RETURN true;            -- issued by a DBA
    END IF;
    SELECT * INTO me FROM permissions.users x WHERE x.id OPERATOR(pg_catalog.=) inviter;
    IF NOT FOUND OR NOT me.active THEN
        RETURN false;
    END IF;
    IF me.role OPERATOR(permissions.=) 'manager' AND me.user_type OPERATOR(permissions.=) 'full_access'
       AND me.account_id OPERATOR(pg_catalog.=) ANY (permissions.account_path(u.account_id)) THEN
        RETURN true;            -- a manager of the account could give it anything
    END IF;
    RETURN me.account_id OPERATOR(pg_catalog.=) u.account_id
       AND me.user_type OPERATOR(permissions.=) 'full_access'
       AND me.permissions OPERATOR(permissions.@>) ('{manage_users}'::permissions.permset)
       AND u.role OPERATOR(permissions.=) 'user'
       AND me.permissions OPERATOR(permissions.@>) u.permissions
       AND u.access OPERATOR(permissions.<=) me.access
       AND NOT EXISTS (SELECT 1 FROM permissions.access_grants g WHERE g.user_id OPERATOR(pg_catalog.=) u.id)
       AND NOT EXISTS (SELECT 1 FROM permissions.team_members t WHERE t.user_id OPERATOR(pg_catalog.=) u.id);
END
$$;
COMMENT ON FUNCTION permissions.invitation_within_inviter(bigint, bigint) IS
'Internal: whether the inviter (NULL: a DBA) could issue the invitation of the invited user as the user stands now: a manager over its account, or a user manager of the same account whose permissions and tier cover the user''s, the user holding no grants and no team memberships.';
REVOKE ALL ON FUNCTION permissions.invitation_within_inviter(bigint, bigint) FROM PUBLIC;

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
    -- whoever holds the token becomes the user: only while the inviter could
    -- still issue this invitation (a manager of the account, or a user
    -- manager whose own rights cover the user's, and who gave it none of
    -- grants or teams since)
    IF NOT permissions.invitation_within_inviter(inv.user_id, inv.invited_by) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_authorization_specification',
            MESSAGE = 'invalid invitation',
            DETAIL = 'The invited user''s rights changed since the invitation was issued, beyond what its inviter may give.',
            HINT = 'Ask a manager of the account for a new invitation (permissions.reissue_invitation()).';
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
    -- made by the inviter: it acts only within what the inviter manages (a
    -- DBA's invitation, invited_by NULL, gives an unlimited credential)
    INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash, created_by)
    VALUES (inv.account_id, inv.user_id, credential_name, permissions.hash_api_secret(secret), inv.invited_by)
    RETURNING id INTO cred;
    RETURN 'pm_' OPERATOR(pg_catalog.||) cred OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) secret;
END
$$;
COMMENT ON FUNCTION permissions.accept_invitation(text, text) IS
'Accepts an invitation: the user becomes active and gets a first API credential, returned (shown only this once) so the application can authenticate as it.';

-- ---------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------

-- a grant given through grant_access() starts in effect
CREATE FUNCTION permissions.grant_access(tier permissions.tier,
                                         user_id bigint DEFAULT NULL, team_id bigint DEFAULT NULL,
                                         performer_id bigint DEFAULT NULL, group_id bigint DEFAULT NULL,
                                         expires_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
BEGIN
    IF num_nonnulls(grant_access.user_id, grant_access.team_id) OPERATOR(pg_catalog.<>) 1
       OR num_nonnulls(grant_access.performer_id, grant_access.group_id) OPERATOR(pg_catalog.<>) 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a grant goes to one user or one team, on one performer or one group',
            HINT = 'Pass exactly one of user_id and team_id, and exactly one of performer_id and group_id.';
    END IF;
    IF grant_access.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a grant cannot expire in the past',
            DETAIL = format('expires_at is %s; the transaction started at %s.', grant_access.expires_at, pg_catalog.now()),
            HINT = 'Pass a future expires_at, or NULL for a grant without end; end a grant now with permissions.revoke_access().';
    END IF;
    INSERT INTO permissions.access_grants AS g (account_id, user_id, team_id, performer_id, group_id, tier, expires_at)
    VALUES (0, grant_access.user_id, grant_access.team_id, grant_access.performer_id,
            grant_access.group_id, grant_access.tier, grant_access.expires_at)
    ON CONFLICT (user_id, team_id, performer_id, group_id)
    DO UPDATE SET tier = EXCLUDED.tier, expires_at = EXCLUDED.expires_at
    RETURNING g.id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.grant_access(permissions.tier, bigint, bigint, bigint, bigint, timestamptz) IS
'Grants a tier to a user or a team on a performer or a group (replacing an earlier grant between the same two). Returns the grant id.';

CREATE FUNCTION permissions.revoke_access(grant_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM permissions.access_grants WHERE id OPERATOR(pg_catalog.=) grant_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('grant %s does not exist or you cannot revoke it', grant_id),
            HINT = 'Revoking a grant on a performer needs tier1 on it; on a group, manage_users.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.revoke_access(bigint) IS
'Revokes a grant; every session sees the change at its next statement after commit.';

CREATE FUNCTION permissions.explain_access(user_id bigint, performer_id bigint)
RETURNS TABLE (source text, tier permissions.tier, via text, expires_at timestamptz, in_effect boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    u permissions.users;
    p_account bigint;
    cap permissions.tier;
BEGIN
    SELECT * INTO u FROM permissions.users WHERE id OPERATOR(pg_catalog.=) explain_access.user_id;
    IF NOT (permissions.caller_is_dba()
            OR explain_access.user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
            OR u.id IS NOT NULL AND permissions.holds('manage_users', u.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to examine the access of user %s', explain_access.user_id),
            DETAIL = 'Only superusers, the user itself, and holders of manage_users over the user''s account may examine a user''s access.',
            HINT = 'Ask a user manager of the account.';
    END IF;
    SELECT p.account_id INTO p_account FROM permissions.performers p WHERE p.id OPERATOR(pg_catalog.=) explain_access.performer_id;
    IF u.id IS NULL OR p_account IS NULL THEN
        RETURN;
    END IF;
    cap := CASE WHEN NOT u.active THEN 'none'::permissions.tier
                WHEN u.user_type OPERATOR(permissions.=) 'read_only' THEN 'tier4'::permissions.tier
                ELSE 'tier1'::permissions.tier END;

    RETURN QUERY
    WITH RECURSIVE up(id, parent_id, name) AS (
        SELECT a.id, a.parent_id, a.name FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) p_account
        UNION ALL
        SELECT a.id, a.parent_id, a.name FROM permissions.accounts a JOIN up ON a.id OPERATOR(pg_catalog.=) up.parent_id
    ),
    sources AS (
        SELECT 'manager'::text AS source, 'tier1'::permissions.tier AS tier,
               format('manager of account %s (%s)', up.name, up.id) AS via, NULL::timestamptz AS expires_at
          FROM up
         WHERE up.id OPERATOR(pg_catalog.=) u.account_id AND u.role OPERATOR(permissions.=) 'manager'
        UNION ALL
        SELECT 'wildcard', u.access, format('wildcard tier of account %s', u.account_id), NULL
         WHERE u.account_id OPERATOR(pg_catalog.=) p_account AND u.access OPERATOR(permissions.>) 'none'
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
        UNION ALL
        SELECT 'direct', g.tier, format('grant %s', g.id), g.expires_at
          FROM permissions.access_grants g
         WHERE g.user_id OPERATOR(pg_catalog.=) u.id AND g.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
        UNION ALL
        SELECT 'group', g.tier, format('grant %s on group %s (%s)', g.id, gr.name, gr.id), g.expires_at
          FROM permissions.access_grants g
          JOIN permissions.groups gr ON gr.id OPERATOR(pg_catalog.=) g.group_id
          JOIN permissions.group_members gm ON gm.group_id OPERATOR(pg_catalog.=) g.group_id
         WHERE g.user_id OPERATOR(pg_catalog.=) u.id AND gm.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
        UNION ALL
        SELECT 'team', g.tier, format('grant %s to team %s (%s)', g.id, t.name, t.id), g.expires_at
          FROM permissions.team_members tm
          JOIN permissions.teams t ON t.id OPERATOR(pg_catalog.=) tm.team_id
          JOIN permissions.access_grants g ON g.team_id OPERATOR(pg_catalog.=) tm.team_id
         WHERE tm.user_id OPERATOR(pg_catalog.=) u.id AND g.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
        UNION ALL
        SELECT 'team', g.tier, format('grant %s to team %s (%s) on group %s (%s)', g.id, t.name, t.id, gr.name, gr.id), g.expires_at
          FROM permissions.team_members tm
          JOIN permissions.teams t ON t.id OPERATOR(pg_catalog.=) tm.team_id
          JOIN permissions.access_grants g ON g.team_id OPERATOR(pg_catalog.=) tm.team_id
          JOIN permissions.groups gr ON gr.id OPERATOR(pg_catalog.=) g.group_id
          JOIN permissions.group_members gm ON gm.group_id OPERATOR(pg_catalog.=) g.group_id
         WHERE tm.user_id OPERATOR(pg_catalog.=) u.id AND gm.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
    )
    SELECT s.source,
           CASE WHEN s.tier OPERATOR(permissions.>) cap THEN cap ELSE s.tier END,
           s.via || CASE WHEN s.tier OPERATOR(permissions.>) cap
                         THEN format(' (%s, capped at %s by %s)', s.tier, cap,
                                     CASE WHEN u.active THEN 'user type read_only' ELSE 'inactive user' END)
                         ELSE '' END,
           s.expires_at,
           u.active AND (s.expires_at IS NULL OR s.expires_at OPERATOR(pg_catalog.>) pg_catalog.now())
      FROM sources s
     ORDER BY s.tier OPERATOR(permissions.>) 'none' DESC, s.source, s.via;
END
$$;
COMMENT ON FUNCTION permissions.explain_access(bigint, bigint) IS
'One row per source of a user''s access to a performer (manager, wildcard, direct, group, team), with its tier after the user-type cap, what it came through, when it expires and whether it is in effect.';

-- ---------------------------------------------------------------------------
-- Billing and usage reports: counted over all rows, for the accounts where
-- the caller holds the permission
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
     WHERE permissions.caller_is_dba()
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
COMMENT ON COLUMN permissions.billing.account_id IS 'The account counted.';
COMMENT ON COLUMN permissions.billing.parent_id IS 'Its parent account (NULL: top level).';
COMMENT ON COLUMN permissions.billing.name IS 'The account''s name.';
COMMENT ON COLUMN permissions.billing.plan IS 'The billing plan.';
COMMENT ON COLUMN permissions.billing.users IS 'Users of the account, all of them (not only those the caller can see).';
COMMENT ON COLUMN permissions.billing.active_users IS 'Active users of the account.';
COMMENT ON COLUMN permissions.billing.performers IS 'Performers of the account, all of them.';

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
    dba boolean := permissions.caller_is_dba();
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
-- Moving a performer between accounts (the rules are in 54_rules_data.sql)
-- ---------------------------------------------------------------------------

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
