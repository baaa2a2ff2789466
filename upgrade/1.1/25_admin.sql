-- ---------------------------------------------------------------------------
-- Administration, version 1.1: the extension's SECURITY DEFINER functions ask
-- caller_is_dba(); restored rows are not derived again; an invitation is
-- accepted only while its inviter could still issue it; the account tree is
-- serialized per tenant, not by an advisory lock anyone can take; errors
-- about users of other accounts say nothing about them.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION permissions.explain_access(user_id bigint, performer_id bigint)
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
CREATE OR REPLACE FUNCTION permissions.delete_account(account_id bigint, force boolean DEFAULT false)
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
CREATE OR REPLACE FUNCTION permissions.reissue_invitation(user_id bigint, valid_for interval DEFAULT '7 days')
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
CREATE OR REPLACE FUNCTION permissions.billing_summary()
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
CREATE OR REPLACE FUNCTION permissions.usage_report(root bigint,
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
CREATE OR REPLACE FUNCTION permissions.transfer_credits(from_account bigint, to_account bigint, amount bigint,
                                             reason text DEFAULT 'transfer')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dba boolean := permissions.caller_is_dba();
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

CREATE OR REPLACE FUNCTION permissions.accept_invitation(invitation text, credential_name text DEFAULT 'default')
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
CREATE OR REPLACE FUNCTION permissions.accounts_check_rules()
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
CREATE OR REPLACE FUNCTION permissions.accounts_no_cycles()
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

CREATE OR REPLACE FUNCTION permissions.review_participants_check_rules()
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
CREATE OR REPLACE FUNCTION permissions.audit_change()
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

CREATE OR REPLACE FUNCTION permissions.credit_ledger_apply()
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
CREATE OR REPLACE FUNCTION permissions.assessments_spend_credit()
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
CREATE OR REPLACE FUNCTION permissions.api_credentials_track_uses()
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
CREATE OR REPLACE FUNCTION permissions.create_user(account_id bigint, username text,
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
CREATE OR REPLACE FUNCTION permissions.create_account(name text, parent_id bigint DEFAULT NULL,
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

CREATE FUNCTION permissions.limit_holder()
RETURNS bigint
AS 'MODULE_PATHNAME', 'access_limit_holder'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.limit_holder() IS
'The user whose limits bind every identity the session mints (API credentials, token subject mappings, invitations): the maker of the credential or mapping the session acts through when that is another user, else the acting user; NULL for nobody. Every minting path records it as the creator.';

CREATE FUNCTION permissions.minted_by(target bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    holder bigint := permissions.limit_holder();
BEGIN
    -- a limited identity's mint is limited by its holder: of the holder
    -- itself it would be the holder's own, unlimited identity
    IF holder IS DISTINCT FROM permissions.current_user_id() AND target OPERATOR(pg_catalog.=) holder THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'an identity limited by another user cannot mint an identity of that user',
            DETAIL = 'The session acts through a credential or token mapping that another user made, within that user''s limits; an identity of that user would have none.',
            HINT = 'Ask that user, or a manager of its account, to make it.';
    END IF;
    RETURN holder;
END
$$;
COMMENT ON FUNCTION permissions.minted_by(bigint) IS
'Internal: the creator every minting path records for a new identity of a user (permissions.limit_holder()), or an error when a limited identity would mint an identity of the user that limits it.';

-- a credential made through a limited credential is limited the same way
CREATE OR REPLACE FUNCTION permissions.api_credentials_check_rules()
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

-- a grant given through grant_access() starts in effect
CREATE OR REPLACE FUNCTION permissions.grant_access(tier permissions.tier,
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

-- reissuing an invitation, and every change of one, is audited (never the token hash)
CREATE TRIGGER invitations_80_audit AFTER INSERT OR UPDATE OR DELETE ON permissions.invitations
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
COMMENT ON TRIGGER invitations_80_audit ON permissions.invitations IS
'Issuing, reissuing and ending an invitation is audited (never the token hash).';

-- the audit log and the ledger are append-only and audited for everyone,
-- also with session_replication_role = replica
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tg.tgname, c.relname
               FROM pg_catalog.pg_trigger tg JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) tg.tgrelid
              WHERE c.relnamespace OPERATOR(pg_catalog.=) 'permissions'::regnamespace AND NOT tg.tgisinternal
                AND (tg.tgname ~ '_80_audit$' OR tg.tgname IN ('audit_log_append_only', 'audit_log_no_truncate',
                                                              'credit_ledger_append_only', 'credit_ledger_no_truncate'))
    LOOP
        EXECUTE format('ALTER TABLE permissions.%I ENABLE ALWAYS TRIGGER %I', t.relname, t.tgname);
    END LOOP;
END
$$;

-- usernames are unique per account (1.0: across all accounts, which told
-- one tenant the usernames of another)
ALTER TABLE permissions.users DROP CONSTRAINT users_username_key;
ALTER TABLE permissions.users ADD CONSTRAINT users_account_id_username_key UNIQUE (account_id, username);


-- invitations: a refusal by the users policy names what was missing
CREATE OR REPLACE FUNCTION permissions.invite_user(account_id bigint, email text,
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
