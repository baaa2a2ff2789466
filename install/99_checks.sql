
-- install/99_checks.sql
-- ---------------------------------------------------------------------------
-- CREATE EXTENSION into a schema "permissions" that already held objects
-- would mix them with the extension's (and DROP EXTENSION would leave them
-- behind): refuse that.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    strangers text;
BEGIN
    SELECT pg_catalog.string_agg(o.what, ', ' ORDER BY o.what) INTO strangers
      FROM (SELECT pg_catalog.format('%s %s', CASE c.relkind WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence'
                                                              WHEN 'm' THEN 'materialized view' ELSE 'table' END,
                                    c.relname) AS what, 'pg_catalog.pg_class'::regclass AS cls, c.oid
              FROM pg_catalog.pg_class c
             WHERE c.relnamespace OPERATOR(pg_catalog.=) 'permissions'::regnamespace
               AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
            UNION ALL
            SELECT pg_catalog.format('function %s', p.oid::regprocedure), 'pg_catalog.pg_proc'::regclass, p.oid
              FROM pg_catalog.pg_proc p
             WHERE p.pronamespace OPERATOR(pg_catalog.=) 'permissions'::regnamespace) o
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid OPERATOR(pg_catalog.=) o.cls AND d.objid OPERATOR(pg_catalog.=) o.oid
                          AND d.deptype IN ('e', 'i', 'a'));
    IF strangers IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'duplicate_schema',
            MESSAGE = 'schema "permissions" already holds objects that are not the extension''s',
            DETAIL = pg_catalog.format('Found: %s.', strangers),
            HINT = 'Move or drop them (or rename the schema) before CREATE EXTENSION permissions; the extension needs the schema to itself.';
    END IF;
END
$$;
