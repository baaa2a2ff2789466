
-- ---------------------------------------------------------------------------
-- Every policy and trigger says what it is for in \d+ and pg_description.
-- Objects commented where they are created keep their own text.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    p record;
    t record;
BEGIN
    FOR p IN
        SELECT pol.oid, pol.polname, c.relname, pol.polcmd,
               pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS using_expr,
               pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expr
          FROM pg_catalog.pg_policy pol
          JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
         WHERE c.relnamespace = 'permissions'::regnamespace
           AND pg_catalog.obj_description(pol.oid, 'pg_policy') IS NULL
    LOOP
        EXECUTE format('COMMENT ON POLICY %I ON permissions.%I IS %L', p.polname, p.relname,
            format('Row-level security for %s on %s: %s',
                   CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                 WHEN 'd' THEN 'DELETE' ELSE 'every command' END,
                   p.relname,
                   concat_ws('; ', 'rows where ' || p.using_expr, 'new rows where ' || p.check_expr)));
    END LOOP;

    FOR t IN
        SELECT tg.oid, tg.tgname, c.relname, tg.tgfoid::regproc AS fn
          FROM pg_catalog.pg_trigger tg
          JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
         WHERE c.relnamespace = 'permissions'::regnamespace
           AND NOT tg.tgisinternal
           AND pg_catalog.obj_description(tg.oid, 'pg_trigger') IS NULL
    LOOP
        EXECUTE format('COMMENT ON TRIGGER %I ON permissions.%I IS %L', t.tgname, t.relname,
            coalesce(pg_catalog.obj_description(t.fn::oid, 'pg_proc'),
                     format('Calls %s.', t.fn)));
    END LOOP;
END
$$;
