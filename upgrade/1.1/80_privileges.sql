-- ---------------------------------------------------------------------------
-- Privileges, version 1.1.  1.0 granted the tables to PUBLIC: any role of the
-- cluster could query them (seeing nothing without an identity), lock them,
-- and choose ids.  Now:
--
-- * the schema and the tables belong to the role permissions_client, which
--   a DBA grants to the roles applications and people connect as (mapping a
--   login role to a user grants it too);
-- * nobody but a DBA inserts or updates an id: ids come from the database,
--   so no client can take the next id of another tenant's table;
-- * what must not change after creation is not updatable: a credential's
--   user and secret (only its name), a grant's grantee and target (only its
--   tier and expiry).
-- ---------------------------------------------------------------------------

REVOKE ALL ON SCHEMA permissions FROM PUBLIC;
GRANT USAGE ON SCHEMA permissions TO permissions_client;

DO $$
DECLARE
    t record;
    cols text;
BEGIN
    -- every table and view of the extension: nothing for PUBLIC
    FOR t IN SELECT c.relname FROM pg_catalog.pg_class c
              WHERE c.relnamespace OPERATOR(pg_catalog.=) 'permissions'::regnamespace
                AND c.relkind IN ('r', 'v', 'p')
    LOOP
        EXECUTE format('REVOKE ALL ON permissions.%I FROM PUBLIC', t.relname);
    END LOOP;

    -- data tables: read and delete as row-level security allows; insert and
    -- update every column but the id (and generated columns)
    FOR t IN SELECT unnest(ARRAY['accounts', 'users', 'performers', 'groups', 'group_members',
                                 'teams', 'team_members', 'access_grants', 'pinpoints', 'charts',
                                 'measurements', 'conditions', 'notes', 'tags', 'tag_assignments',
                                 'journal_types', 'journals', 'chart_views', 'reporting_views',
                                 'assessments', 'reviews', 'review_participants']) AS relname
    LOOP
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) ('permissions.' OPERATOR(pg_catalog.||) t.relname)::regclass
           AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
           AND a.attname OPERATOR(pg_catalog.<>) ALL (ARRAY['id', 'db_role_name']::name[])
           AND a.attgenerated OPERATOR(pg_catalog.=) '';
        EXECUTE format('GRANT SELECT, DELETE, INSERT (%s), UPDATE (%s) ON permissions.%I TO permissions_client',
                       cols, cols, t.relname);
    END LOOP;
END
$$;

-- a grant changes only its tier and expiry; a credential only its name
REVOKE UPDATE ON permissions.access_grants FROM permissions_client;
GRANT UPDATE (tier, expires_at) ON permissions.access_grants TO permissions_client;
GRANT SELECT (id, account_id, user_id, name, created_by, created_at, last_used_at),
      INSERT (account_id, user_id, name, secret_hash, created_by),
      UPDATE (name),
      DELETE
    ON permissions.api_credentials TO permissions_client;
GRANT SELECT ON permissions.audit_log, permissions.account_credits, permissions.credit_ledger,
                permissions.api_credential_uses TO permissions_client;
GRANT SELECT (user_id, account_id, invited_by, created_at, expires_at) ON permissions.invitations TO permissions_client;
GRANT SELECT ON permissions.billing, permissions.credit_balances, permissions.api_credential_list TO permissions_client;
-- the roles that own application tables (migration roles, not clients)
-- read the registry of their protection; row-level security shows each its
-- own tables (protect_table() writes it, through definer functions)
GRANT SELECT ON permissions.protected_tables TO PUBLIC;

-- roles mapped to users keep working after the update; every other role
-- that could use the tables through PUBLIC is named, with the GRANT that
-- gives it its access back
DO $$
DECLARE
    r record;
    others text;
BEGIN
    FOR r IN SELECT DISTINCT u.db_role FROM permissions.users u
              WHERE u.db_role IS NOT NULL
                AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.oid OPERATOR(pg_catalog.=) u.db_role)
                AND NOT pg_catalog.pg_has_role(u.db_role, 'permissions_client', 'MEMBER')
    LOOP
        EXECUTE 'GRANT permissions_client TO ' OPERATOR(pg_catalog.||) r.db_role::text;
    END LOOP;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(x.rolname), ', ' ORDER BY x.rolname) INTO others
      FROM pg_catalog.pg_roles x
     WHERE x.rolcanlogin AND NOT x.rolsuper AND x.rolname !~ '^pg_'
       AND pg_catalog.has_database_privilege(x.oid, pg_catalog.current_database(), 'CONNECT')
       AND NOT pg_catalog.pg_has_role(x.oid, 'permissions_client', 'MEMBER');
    IF others IS NOT NULL THEN
        RAISE WARNING 'the permissions tables are no longer granted to PUBLIC: these login roles lost access to them: %', others
            USING DETAIL = 'Version 1.0 granted the tables of schema permissions to PUBLIC; 1.1 grants them to the role permissions_client only. Mapped login roles were granted permissions_client; these roles can connect to this database but are not mapped, so the update cannot tell whether they use the tables (an application role that calls permissions.authenticate() does).',
                  HINT = pg_catalog.format('Give each role that uses the tables its access back: GRANT permissions_client TO %s;', others);
    END IF;
END
$$;
