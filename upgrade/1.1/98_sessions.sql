-- ---------------------------------------------------------------------------
-- Sessions opened before the update keep the library of 1.0 until they
-- reconnect, and it looks for tables 1.1 replaced: they refuse every
-- decision (relation "permissions.access_epoch" does not exist) until then.
-- Say so, with what to do.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    n bigint;
BEGIN
    SELECT pg_catalog.count(*) INTO n FROM pg_catalog.pg_stat_activity a
     WHERE a.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()
       AND a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
       AND a.backend_type OPERATOR(pg_catalog.=) 'client backend';
    IF n OPERATOR(pg_catalog.>) 0 THEN
        RAISE WARNING 'sessions of this database opened before the update (% of them) run the library of permissions 1.0', n
            USING DETAIL = 'Until they reconnect they refuse every decision with errors such as: relation "permissions.access_epoch" does not exist.',
                  HINT = 'Reconnect them: restart the application''s connection pools (pgbouncer: RECONNECT), or end them with SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();';
    END IF;
END
$$;
