
-- ---------------------------------------------------------------------------
-- Administration from psql.  These functions run with the caller's rights:
-- row-level security and the rules above decide what each caller may do, so
-- a DBA (superuser) can do anything and an application user only what its
-- permissions allow.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.create_account(name text, parent_id bigint DEFAULT NULL,
                                           plan text DEFAULT 'standard')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    IF parent_id IS NULL AND NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can create a top-level account',
            DETAIL = 'A top-level account is a new tenant.',
            HINT = 'Pass parent_id to create a sub-account of an account you manage.';
    END IF;
    INSERT INTO permissions.accounts (name, parent_id, plan)
    VALUES (create_account.name, create_account.parent_id, create_account.plan)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.create_account(text, bigint, text) IS
'Creates an account (superusers) or a sub-account (managers of an ancestor, or manage_sub_accounts holders there). Returns its id.';

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
BEGIN
    INSERT INTO permissions.users (account_id, username, role, user_type, permissions, access,
                                   db_role, email, first_name, last_name)
    VALUES (create_user.account_id, create_user.username, create_user.role, create_user.user_type,
            create_user.permissions, create_user.access, create_user.db_role, create_user.email,
            create_user.first_name, create_user.last_name)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.create_user(bigint, text, permissions.role, permissions.user_type, permissions.permset, permissions.tier, regrole, text, text, text) IS
'Creates a user (manage_users), optionally mapped to a login role (superusers only). Returns its id.';

CREATE FUNCTION permissions.create_api_credential(user_id bigint, name text)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    secret text := permissions.new_api_secret();
    owner_account bigint;
    new_id bigint;
BEGIN
    SELECT u.account_id INTO owner_account FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) create_api_credential.user_id;
    IF owner_account IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('user %s does not exist or is not visible to you', create_api_credential.user_id),
            HINT = 'Create credentials for users of accounts where you hold manage_api_credentials.';
    END IF;
    INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash, created_by)
    VALUES (owner_account, create_api_credential.user_id, create_api_credential.name,
            permissions.hash_api_secret(secret), permissions.current_user_id())
    RETURNING id INTO new_id;
    RETURN 'pm_' OPERATOR(pg_catalog.||) new_id OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) secret;
END
$$;
COMMENT ON FUNCTION permissions.create_api_credential(bigint, text) IS
'Creates an API credential for a user (manage_api_credentials) and returns it. The secret is shown only this once; only its SHA-256 is stored.';

CREATE FUNCTION permissions.delete_api_credential(credential_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM permissions.api_credentials WHERE id OPERATOR(pg_catalog.=) credential_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('API credential %s does not exist or is not visible to you', credential_id),
            HINT = 'List the credentials you can see with SELECT * FROM permissions.api_credential_list.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.delete_api_credential(bigint) IS
'Deletes an API credential; sessions using it lose their identity at their next statement.';

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
    IF NOT (pg_catalog.current_setting('is_superuser')::boolean
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
