
-- install/97_preload.sql
-- ---------------------------------------------------------------------------
-- The library is loaded by every session of the database (it adds the
-- extension to the database's session_preload_libraries): what the
-- extension checks in hooks (LOCK TABLE and DDL on its tables, the identity
-- of code running on someone else's behalf, ids of new rows, a restore into
-- a cluster lacking a role) must apply from a session's first statement,
-- not only once something loaded the library.  DROP EXTENSION takes it out
-- again.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    current_value text;
    libs text[];
BEGIN
    SELECT pg_catalog.substr(c, pg_catalog.length('session_preload_libraries=') OPERATOR(pg_catalog.+) 1)
      INTO current_value
      FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) AS c
     WHERE s.setdatabase OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                                  WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
       AND s.setrole OPERATOR(pg_catalog.=) 0
       AND c LIKE 'session_preload_libraries=%';
    libs := coalesce(pg_catalog.string_to_array(
                pg_catalog.translate(current_value, ' "', ''), ','), '{}');
    IF NOT ('permissions' OPERATOR(pg_catalog.=) ANY (libs)) THEN
        libs := libs OPERATOR(pg_catalog.||) 'permissions'::text;
        EXECUTE pg_catalog.format('ALTER DATABASE %I SET session_preload_libraries = %s',
                                  pg_catalog.current_database(),
                                  (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ') FROM pg_catalog.unnest(libs) AS l));
    END IF;
END
$$;
