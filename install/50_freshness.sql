
-- install/50_freshness.sql
-- ---------------------------------------------------------------------------
-- Freshness without a global lock: per-tenant access epochs (a tenant is a
-- top-level account and its sub-accounts), added as rows by row triggers
-- after the change has been decided, once per tenant and subtransaction,
-- and only ever inserted, so writers never wait on them.  Committing
-- writers also send hints that tell every backend which tenants changed
-- (src/hints.c).  A backend's access cache compares the epochs it read with
-- the current ones at every new snapshot.  See src/epoch.c.
-- ---------------------------------------------------------------------------

CREATE SEQUENCE permissions.access_epoch_seq START 2;
COMMENT ON SEQUENCE permissions.access_epoch_seq IS
'Internal: values of the tenants'' access epochs; never repeats, so an epoch value never comes back after a rollback.';

CREATE TABLE permissions.tenant_epochs (
    tenant_id   bigint NOT NULL,
    epoch       bigint NOT NULL,
    PRIMARY KEY (tenant_id, epoch)
) WITH (vacuum_truncate = off);
COMMENT ON TABLE permissions.tenant_epochs IS
'Internal: a row per tenant (a top-level account and its sub-accounts; tenant 0 for changes that belong to no tenant) and transaction that changed the tenant''s access-relevant data; the tenant''s epoch is the set of its rows a snapshot sees. Rows are only inserted (writers never wait on one another here) and older ones pruned. Backends compare it to what their access cache read.';
COMMENT ON COLUMN permissions.tenant_epochs.tenant_id IS 'The top-level account, or 0.';
COMMENT ON COLUMN permissions.tenant_epochs.epoch IS
'A value of permissions.access_epoch_seq, new with every transaction that changed the tenant''s access data.';

-- tenant 0 moves with the changes that belong to no tenant; every other
-- tenant gets its row with its first change (src/epoch.c)
INSERT INTO permissions.tenant_epochs (tenant_id, epoch)
VALUES (0, pg_catalog.nextval('permissions.access_epoch_seq'));

CREATE TABLE permissions.tenant_locks (
    tenant_id   bigint PRIMARY KEY
) WITH (vacuum_truncate = off);
COMMENT ON TABLE permissions.tenant_locks IS
'Internal: a row per tenant, made on first use and only ever locked: permissions.lock_tenant() holds it while a rule that spans rows (the last manager of an account, the one performer of a single_performer user, a move in the account tree) is checked, so two transactions of one tenant check such rules one after the other.';
COMMENT ON COLUMN permissions.tenant_locks.tenant_id IS 'The top-level account.';

CREATE FUNCTION permissions.access_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'epoch_access_changed'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.access_changed() IS
'Internal trigger: after a row of access-relevant data changed, moves the access epochs of the tenants the row belongs to (once per tenant and subtransaction), so every session''s cache sees the change at its next statement and no other tenant is touched.';
REVOKE ALL ON FUNCTION permissions.access_changed() FROM PUBLIC;

CREATE FUNCTION permissions.lock_tenant(account_id bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'epoch_lock_tenant'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.lock_tenant(bigint) IS
'Internal: locks the account''s tenant (its row of tenant_locks) until the transaction ends, so rules that span rows are checked one transaction after the other; nothing else waits on that lock.';
REVOKE ALL ON FUNCTION permissions.lock_tenant(bigint) FROM PUBLIC;

CREATE FUNCTION permissions.cache_stats(OUT statements bigint, OUT rebuilds bigint,
                                        OUT epoch_checks bigint, OUT last_rebuild_ms double precision,
                                        OUT memory_bytes bigint)
AS 'MODULE_PATHNAME', 'access_cache_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION permissions.cache_stats() IS
'This backend''s access cache since the backend started: statements that checked it at a new snapshot, rebuilds, checks of tenant epochs, the last rebuild''s time, and the memory the cache holds now.';

-- ---------------------------------------------------------------------------
-- The tables whose rows decide access.  A changed row moves the epochs of
-- the tenants it belongs to; a TRUNCATE (DBAs only) moves every tenant's.
-- They fire also when rows arrive by logical replication
-- (session_replication_role = replica: ENABLE ALWAYS).
-- ---------------------------------------------------------------------------

CREATE TRIGGER accounts_90_access_changed AFTER INSERT OR DELETE OR UPDATE OF parent_id ON permissions.accounts
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.accounts ENABLE ALWAYS TRIGGER accounts_90_access_changed;
COMMENT ON TRIGGER accounts_90_access_changed ON permissions.accounts IS
'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.';

CREATE TRIGGER accounts_91_truncated AFTER TRUNCATE ON permissions.accounts
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.accounts ENABLE ALWAYS TRIGGER accounts_91_truncated;
COMMENT ON TRIGGER accounts_91_truncated ON permissions.accounts IS 'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER users_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.users ENABLE ALWAYS TRIGGER users_90_access_changed;
COMMENT ON TRIGGER users_90_access_changed ON permissions.users IS
'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.';

CREATE TRIGGER users_91_truncated AFTER TRUNCATE ON permissions.users
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.users ENABLE ALWAYS TRIGGER users_91_truncated;
COMMENT ON TRIGGER users_91_truncated ON permissions.users IS 'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER api_credentials_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.api_credentials ENABLE ALWAYS TRIGGER api_credentials_90_access_changed;
COMMENT ON TRIGGER api_credentials_90_access_changed ON permissions.api_credentials IS
'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.';

CREATE TRIGGER api_credentials_91_truncated AFTER TRUNCATE ON permissions.api_credentials
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.api_credentials ENABLE ALWAYS TRIGGER api_credentials_91_truncated;
COMMENT ON TRIGGER api_credentials_91_truncated ON permissions.api_credentials IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER access_grants_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.access_grants ENABLE ALWAYS TRIGGER access_grants_90_access_changed;
COMMENT ON TRIGGER access_grants_90_access_changed ON permissions.access_grants IS
'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.';

CREATE TRIGGER access_grants_91_truncated AFTER TRUNCATE ON permissions.access_grants
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.access_grants ENABLE ALWAYS TRIGGER access_grants_91_truncated;
COMMENT ON TRIGGER access_grants_91_truncated ON permissions.access_grants IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER group_members_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.group_members
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.group_members ENABLE ALWAYS TRIGGER group_members_90_access_changed;
COMMENT ON TRIGGER group_members_90_access_changed ON permissions.group_members IS
'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.';

CREATE TRIGGER group_members_91_truncated AFTER TRUNCATE ON permissions.group_members
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.group_members ENABLE ALWAYS TRIGGER group_members_91_truncated;
COMMENT ON TRIGGER group_members_91_truncated ON permissions.group_members IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER team_members_90_access_changed AFTER INSERT OR DELETE OR UPDATE ON permissions.team_members
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.team_members ENABLE ALWAYS TRIGGER team_members_90_access_changed;
COMMENT ON TRIGGER team_members_90_access_changed ON permissions.team_members IS
'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.';

CREATE TRIGGER team_members_91_truncated AFTER TRUNCATE ON permissions.team_members
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.team_members ENABLE ALWAYS TRIGGER team_members_91_truncated;
COMMENT ON TRIGGER team_members_91_truncated ON permissions.team_members IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER performers_90_access_changed AFTER INSERT OR DELETE OR UPDATE OF account_id ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.performers ENABLE ALWAYS TRIGGER performers_90_access_changed;
COMMENT ON TRIGGER performers_90_access_changed ON permissions.performers IS
'Moves the access epochs of the tenants the changed row belongs to, once the change is decided.';

CREATE TRIGGER performers_91_truncated AFTER TRUNCATE ON permissions.performers
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.performers ENABLE ALWAYS TRIGGER performers_91_truncated;
COMMENT ON TRIGGER performers_91_truncated ON permissions.performers IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

-- A changed or removed mapping, key or issuer ends the identities it gave:
-- the epochs move, and the access cache revalidates token identities.
CREATE TRIGGER token_subjects_90_access_changed AFTER DELETE OR UPDATE ON permissions.token_subjects
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.token_subjects ENABLE ALWAYS TRIGGER token_subjects_90_access_changed;
COMMENT ON TRIGGER token_subjects_90_access_changed ON permissions.token_subjects IS
'A changed or removed row ends the token identities it gave, at the next statement of every session.';

CREATE TRIGGER token_subjects_91_truncated AFTER TRUNCATE ON permissions.token_subjects
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.token_subjects ENABLE ALWAYS TRIGGER token_subjects_91_truncated;
COMMENT ON TRIGGER token_subjects_91_truncated ON permissions.token_subjects IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER token_keys_90_access_changed AFTER DELETE OR UPDATE ON permissions.token_keys
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed('global');
ALTER TABLE permissions.token_keys ENABLE ALWAYS TRIGGER token_keys_90_access_changed;
COMMENT ON TRIGGER token_keys_90_access_changed ON permissions.token_keys IS
'A changed or removed row ends the token identities it gave, at the next statement of every session.';

CREATE TRIGGER token_keys_91_truncated AFTER TRUNCATE ON permissions.token_keys
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.token_keys ENABLE ALWAYS TRIGGER token_keys_91_truncated;
COMMENT ON TRIGGER token_keys_91_truncated ON permissions.token_keys IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';

CREATE TRIGGER token_issuers_90_access_changed AFTER DELETE OR UPDATE ON permissions.token_issuers
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed('global');
ALTER TABLE permissions.token_issuers ENABLE ALWAYS TRIGGER token_issuers_90_access_changed;
COMMENT ON TRIGGER token_issuers_90_access_changed ON permissions.token_issuers IS
'A changed or removed row ends the token identities it gave, at the next statement of every session.';

CREATE TRIGGER token_issuers_91_truncated AFTER TRUNCATE ON permissions.token_issuers
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.access_changed();
ALTER TABLE permissions.token_issuers ENABLE ALWAYS TRIGGER token_issuers_91_truncated;
COMMENT ON TRIGGER token_issuers_91_truncated ON permissions.token_issuers IS
'A TRUNCATE (DBAs only) moves every tenant''s access epoch.';
