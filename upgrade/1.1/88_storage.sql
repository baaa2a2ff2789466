-- ---------------------------------------------------------------------------
-- Storage: every tenant's rows share the extension's tables, so a lock on
-- one of them is a lock on every tenant.  VACUUM's truncation of a table's
-- empty end takes an exclusive lock that every read and write waits behind
-- (a soak saw 100-200 ms stalls on the tables that churn): the extension's
-- tables are not truncated; their free space is reused instead.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    t name;
BEGIN
    FOR t IN SELECT c.relname FROM pg_catalog.pg_class c
              WHERE c.relnamespace OPERATOR(pg_catalog.=) 'permissions'::regnamespace
                AND c.relkind OPERATOR(pg_catalog.=) 'r'
              ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('ALTER TABLE permissions.%I SET (vacuum_truncate = off)', t);
    END LOOP;
END
$$;
