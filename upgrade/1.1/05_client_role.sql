-- ---------------------------------------------------------------------------
-- The role the extension's tables are granted to (80_privileges.sql): made
-- here, first, so every later fragment can grant to it.  Roles belong to the
-- cluster: a database that installed the extension before made it already.
-- ---------------------------------------------------------------------------

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'permissions_client') THEN
        CREATE ROLE permissions_client NOLOGIN;
        COMMENT ON ROLE permissions_client IS
            'Roles that use the tables of the permissions extension (GRANT permissions_client TO app_role). Row-level security decides which rows each sees.';
    END IF;
END
$$;

