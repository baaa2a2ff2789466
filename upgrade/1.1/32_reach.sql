-- ---------------------------------------------------------------------------
-- Reach conditions, version 1.1.  A policy call whose matrix column is
-- "everything from tier t up" is planned as its two parts, each with an
-- exact index condition evaluated at run time, so that one generic plan
-- suits every shape of user (see docs/design-planner.md):
--
--   permissions.reached_account(t, account_id)
--     OR permissions.reached_performer(t, account_id, performer_id)
--
-- and, where a filter remains, as the one call permissions.reached(t, ...).
-- PARALLEL RESTRICTED: a parallel worker would build the user's access cache
-- again for every statement, which costs more than the scan it shares.
-- ---------------------------------------------------------------------------

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
