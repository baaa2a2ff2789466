
-- install/20_functions.sql
-- ---------------------------------------------------------------------------
-- Identity and decision functions (C, src/), and the small helpers every
-- later file uses.  The policies of 60_policies_*.sql call the decision
-- functions; planner support (access_support) turns them into index
-- conditions on performer_id and account_id.
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Identity: who the session acts as
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.authenticate(credential text, session boolean DEFAULT false)
RETURNS bigint
AS 'MODULE_PATHNAME', 'identity_authenticate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.authenticate(text, boolean) IS
'Makes the session act as the user of an API credential, until the end of the transaction (default) or of the session. Returns the user id. A bad credential is an error and ends every credential identity.';

CREATE FUNCTION permissions.logout()
RETURNS void
AS 'MODULE_PATHNAME', 'identity_logout'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.logout() IS
'Ends the credential identity of the session at once; a later ROLLBACK does not bring it back.';

CREATE FUNCTION permissions.new_api_secret()
RETURNS text
AS 'MODULE_PATHNAME', 'identity_new_secret'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.new_api_secret() IS
'Internal: 32 random bytes in hex, the secret part of a new API credential.';

CREATE FUNCTION permissions.hash_api_secret(secret text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'identity_hash_secret'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.hash_api_secret(text) IS
'Internal: SHA-256 of an API secret, the only form of it that is stored.';

CREATE FUNCTION permissions.current_user_id()
RETURNS bigint
AS 'MODULE_PATHNAME', 'access_current_user_id'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.current_user_id() IS
'The user the session acts as (API credential, or the user mapped to the current role), or NULL.';

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

CREATE FUNCTION permissions.restoring()
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_restoring'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.restoring() IS
'Whether the session loads data as a DBA with row_security off, as pg_dump''s output does: the triggers that derive rows then leave restored rows exactly as dumped.';

-- The extension's SECURITY DEFINER functions ask caller_is_dba() (is the
-- acting role a superuser), not is_superuser (which describes the session,
-- not a definer function that may be calling them); the rule triggers ask
-- caller_is_superuser() (is current_user a superuser).
CREATE FUNCTION permissions.caller_is_superuser()
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_caller_is_superuser'
LANGUAGE C STABLE PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION permissions.caller_is_superuser() IS
'Internal: whether the role executing the current statement (current_user) is a superuser; the rule triggers run with the writer''s rights and do not hold DBAs, nor the extension''s own definer functions after they checked their caller, to the escalation rules.';

CREATE FUNCTION permissions.caller_is_dba()
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_caller_is_dba'
LANGUAGE C STABLE PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION permissions.caller_is_dba() IS
'Internal: whether the acting role (the session''s role, or the owner of the non-superuser definer function running) is a superuser; what the extension''s SECURITY DEFINER functions ask of their caller.';

-- ---------------------------------------------------------------------------
-- Decisions: the policy checks and the functions applications call
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.access_support(internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'access_support'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.access_support(internal) IS
'Planner support for the policy functions: index conditions on performer_id and account_id, and selectivity.';

CREATE FUNCTION permissions.can_view(kind text, account_id bigint, performer_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_view'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_view(text, bigint, bigint) IS
'Policy check: may the current user view this kind of data of the performer?';

CREATE FUNCTION permissions.can_create(kind text, account_id bigint, performer_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_create'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_create(text, bigint, bigint) IS
'Policy check: may the current user create this kind of data for the performer?';

CREATE FUNCTION permissions.can_edit(kind text, account_id bigint, performer_id bigint, created_by bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_edit'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_edit(text, bigint, bigint, bigint) IS
'Policy check: may the current user edit this row (created_by decides the "own" cells)?';

CREATE FUNCTION permissions.can_delete(kind text, account_id bigint, performer_id bigint, created_by bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_delete'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_delete(text, bigint, bigint, bigint) IS
'Policy check: may the current user delete this row (created_by decides the "own" cells)?';

CREATE FUNCTION permissions.holds(permission text, account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_holds'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.holds(text, bigint) IS
'Policy check: does the current user hold the organization permission in the account (managers: in their whole subtree)?';

CREATE FUNCTION permissions.is_member(account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_is_member'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.is_member(bigint) IS
'Policy check: does the current user see the account''s libraries (own account, managed account, or an account holding a performer the user reaches)?';

CREATE FUNCTION permissions.in_account(account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_in_account'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.in_account(bigint) IS
'Policy check: is the account the current user''s own or one it manages? (Reaching a performer of an account through a grant makes one a reader of its libraries, not a member who may change them.)';

CREATE FUNCTION permissions.manages(account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_manages'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.manages(bigint) IS
'Is the current user a manager of the account or of one of its ancestors?';

CREATE FUNCTION permissions.current_tier(account_id bigint, performer_id bigint)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'access_current_tier'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.current_tier(bigint, bigint) IS
'The current user''s tier on a performer of the given account.';

CREATE FUNCTION permissions.reachable_performers(min_tier permissions.tier)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'access_reachable_performers'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.reachable_performers(permissions.tier) IS
'Sorted ids of the performers the current user reaches at min_tier or above (the index condition planner support adds to policies).';

CREATE FUNCTION permissions.reachable_accounts(min_tier permissions.tier)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'access_reachable_accounts'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.reachable_accounts(permissions.tier) IS
'Sorted ids of the accounts holding a performer the current user reaches at min_tier or above (a lossy index condition on account_id).';

-- Reach conditions.  A policy call whose matrix column is "everything from
-- tier t up" is planned as its two parts, each with an exact index condition
-- evaluated at run time, so that one generic plan suits every shape of user
-- (docs/design-planner.md):
--
--   permissions.reached_account(t, account_id)
--     OR permissions.reached_performer(t, account_id, performer_id)
--
-- and, where a filter remains, as the one call permissions.reached(t, ...).
-- PARALLEL RESTRICTED: a parallel worker would build the user's access cache
-- again for every statement, which costs more than the scan it shares.

CREATE FUNCTION permissions.reached_account(min_tier permissions.tier, account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_reached_account'
LANGUAGE C STABLE PARALLEL RESTRICTED SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.reached_account(permissions.tier, bigint) IS
'Whether the current user reaches the account as a whole at min_tier or above (index condition: account_id = ANY (permissions.whole_accounts(min_tier))).';

CREATE FUNCTION permissions.reached_performer(min_tier permissions.tier, account_id bigint, performer_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_reached_performer'
LANGUAGE C STABLE PARALLEL RESTRICTED SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.reached_performer(permissions.tier, bigint, bigint) IS
'Whether the current user reaches the performer of that account through grants at min_tier or above, outside the accounts it reaches as a whole (index condition: performer_id = ANY (permissions.partial_performers(min_tier))).';

CREATE FUNCTION permissions.reached(min_tier permissions.tier, account_id bigint, performer_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_reached'
LANGUAGE C STABLE PARALLEL RESTRICTED SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.reached(permissions.tier, bigint, bigint) IS
'Whether the current user''s tier on the performer of that account is min_tier or above: reached_account() or reached_performer() in one call.';

CREATE FUNCTION permissions.whole_accounts(min_tier permissions.tier)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'access_whole_accounts'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION permissions.whole_accounts(permissions.tier) IS
'Sorted ids of the accounts the current user reaches as a whole at min_tier or above.';

CREATE FUNCTION permissions.partial_performers(min_tier permissions.tier)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'access_partial_performers'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION permissions.partial_performers(permissions.tier) IS
'Sorted ids of the performers the current user reaches through grants at min_tier or above, outside the accounts it reaches as a whole.';

CREATE FUNCTION permissions.check(action text, kind text, performer_id bigint, user_id bigint DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_check'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.check(text, text, bigint, bigint) IS
'May the user (default: the current one) take the action (view, create, edit, delete) on the kind of data of the performer? "Own" cells count as allowed.';

CREATE FUNCTION permissions.effective_tier(performer_id bigint, user_id bigint DEFAULT NULL)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'access_effective_tier'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.effective_tier(bigint, bigint) IS
'The effective tier of the user (default: the current one) on the performer, after every source and the user-type cap.';

CREATE FUNCTION permissions.has_permission(name text, user_id bigint DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_has_permission'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.has_permission(text, bigint) IS
'Does the user (default: the current one) hold the organization permission in its own account?';

CREATE FUNCTION permissions.accessible_performers(action text, user_id bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'access_accessible_performers'
LANGUAGE C STABLE PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION permissions.accessible_performers(text, bigint) IS
'Performers on which the user (default: the current one) may take the action on some kind of data: view needs tier4, create and edit tier3, delete tier2.';

-- ---------------------------------------------------------------------------
-- Errors of broken rules, and two guards many functions open with: a
-- SECURITY DEFINER trigger function runs only as the trigger of its own
-- table (attached to a table of someone else's it would lend its rights),
-- and DBA-only functions refuse everyone but superusers with one kind of
-- error.
-- ---------------------------------------------------------------------------

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

CREATE FUNCTION permissions.require_trigger_table(fn text, relid oid, tbl regclass)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF relid OPERATOR(pg_catalog.<>) tbl THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = format('permissions.%s() is a trigger of %s only', fn, tbl);
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.require_trigger_table(text, oid, regclass) IS
'Internal: refuses a trigger function fired on another table than its own (a SECURITY DEFINER trigger function attached elsewhere would lend its rights).';

CREATE FUNCTION permissions.require_superuser(action text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can ' OPERATOR(pg_catalog.||) action,
            HINT = 'Ask a DBA (a superuser) to do it.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.require_superuser(text) IS
'Internal: refuses a DBA-only action to everyone but superusers, naming the action.';

CREATE FUNCTION permissions.raise_policy_refusal(refusal_hint text, rule text, hint text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the extension's own refusals carry a hint; a row-level security
    -- policy's WITH CHECK error carries none
    IF coalesce(refusal_hint, '') OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = rule, HINT = hint;
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.raise_policy_refusal(text, text, text) IS
'Internal: called by an administration function on insufficient_privilege, turns a policy''s bare refusal of the function''s write (a refusal without a hint) into one that names what was missing; a refusal with its own hint is left to be raised again.';
