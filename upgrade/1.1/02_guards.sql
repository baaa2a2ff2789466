-- ---------------------------------------------------------------------------
-- Two guards many functions of 1.1 open with: a SECURITY DEFINER trigger
-- function runs only as the trigger of its own table (attached to a table of
-- someone else's it would lend its rights), and DBA-only functions refuse
-- everyone but superusers with one kind of error.
-- ---------------------------------------------------------------------------

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
