-- ---------------------------------------------------------------------------
-- Freshness without a global lock: per-tenant access epochs (a tenant is a
-- top-level account and its sub-accounts), added as rows by row triggers
-- after the change has been decided, once per tenant and subtransaction,
-- and only ever inserted, so writers never wait on them.  Committing
-- writers also send hints that tell every backend which tenants changed
-- (src/hints.c).  See src/epoch.c.
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.tenant_epochs (
    tenant_id   bigint NOT NULL,
    epoch       bigint NOT NULL,
    PRIMARY KEY (tenant_id, epoch)
);
COMMENT ON TABLE permissions.tenant_epochs IS
'Internal: a row per tenant (a top-level account and its sub-accounts; tenant 0 for changes that belong to no tenant) and transaction that changed the tenant''s access-relevant data; the tenant''s epoch is the set of its rows a snapshot sees. Rows are only inserted (writers never wait on one another here) and older ones pruned. Backends compare it to what their access cache read.';
COMMENT ON COLUMN permissions.tenant_epochs.tenant_id IS 'The top-level account, or 0.';
COMMENT ON COLUMN permissions.tenant_epochs.epoch IS 'A value of permissions.access_epoch_seq, new with every transaction that changed the tenant''s access data.';
ALTER TABLE permissions.tenant_epochs ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.tenant_epochs FORCE ROW LEVEL SECURITY;
REVOKE ALL ON permissions.tenant_epochs FROM PUBLIC;

INSERT INTO permissions.tenant_epochs (tenant_id, epoch)
SELECT 0, pg_catalog.nextval('permissions.access_epoch_seq')
UNION ALL
SELECT a.id, pg_catalog.nextval('permissions.access_epoch_seq')
  FROM permissions.accounts a WHERE a.parent_id IS NULL;

CREATE TABLE permissions.tenant_locks (
    tenant_id   bigint PRIMARY KEY
);
COMMENT ON TABLE permissions.tenant_locks IS
'Internal: a row per tenant, made on first use and only ever locked: permissions.lock_tenant() holds it while a rule that spans rows (the last manager of an account, the one performer of a single_performer user, a move in the account tree) is checked, so two transactions of one tenant check such rules one after the other.';
COMMENT ON COLUMN permissions.tenant_locks.tenant_id IS 'The top-level account.';
ALTER TABLE permissions.tenant_locks ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.tenant_locks FORCE ROW LEVEL SECURITY;
REVOKE ALL ON permissions.tenant_locks FROM PUBLIC;

CREATE FUNCTION permissions.access_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'epoch_access_changed'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.access_changed() IS
'Internal trigger: after a row of access-relevant data changed, moves the access epochs of the tenants the row belongs to (once per tenant and subtransaction), so every session''s cache sees the change at its next statement and no other tenant is touched.';
REVOKE ALL ON FUNCTION permissions.access_changed() FROM PUBLIC;

-- the 1.0 mechanism: one row for the whole database, moved by statement triggers
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'accounts', 'api_credentials', 'access_grants',
                             'group_members', 'team_members']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON permissions.%I', t || '_90_epoch', t);
    END LOOP;
END
$$;
DROP TRIGGER performers_90_epoch ON permissions.performers;
DROP TRIGGER performers_91_epoch ON permissions.performers;
DROP FUNCTION permissions.bump_access_epoch();
DROP TABLE permissions.access_epoch;
COMMENT ON SEQUENCE permissions.access_epoch_seq IS
'Internal: values of the tenants'' access epochs; never repeats, so an epoch value never comes back after a rollback.';

CREATE TRIGGER accounts_90_access_changed AFTER INSERT OR DELETE OR UPDATE OF parent_id ON permissions.accounts
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
CREATE TRIGGER users_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
CREATE TRIGGER api_credentials_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
CREATE TRIGGER access_grants_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
CREATE TRIGGER group_members_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.group_members
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
CREATE TRIGGER team_members_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.team_members
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
CREATE TRIGGER performers_90_access_changed AFTER INSERT OR DELETE OR UPDATE OF account_id ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts', 'users', 'api_credentials', 'access_grants',
                             'group_members', 'team_members', 'performers']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON permissions.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed()',
                       t || '_91_truncated', t);
        EXECUTE format('COMMENT ON TRIGGER %I ON permissions.%I IS %L', t || '_91_truncated', t,
                       'A TRUNCATE (DBAs only) moves every tenant''s access epoch.');
        EXECUTE format('COMMENT ON TRIGGER %I ON permissions.%I IS %L', t || '_90_access_changed', t,
                       'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.');
        -- also when rows arrive by logical replication (session_replication_role = replica)
        EXECUTE format('ALTER TABLE permissions.%I ENABLE ALWAYS TRIGGER %I', t, t || '_90_access_changed');
        EXECUTE format('ALTER TABLE permissions.%I ENABLE ALWAYS TRIGGER %I', t, t || '_91_truncated');
    END LOOP;
END
$$;

CREATE FUNCTION permissions.cache_stats(OUT statements bigint, OUT rebuilds bigint,
                                        OUT epoch_checks bigint, OUT last_rebuild_ms double precision,
                                        OUT memory_bytes bigint)
AS 'MODULE_PATHNAME', 'access_cache_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION permissions.cache_stats() IS
'This backend''s access cache since the backend started: statements that checked it at a new snapshot, rebuilds, checks of tenant epochs, the last rebuild''s time, and the memory the cache holds now.';
