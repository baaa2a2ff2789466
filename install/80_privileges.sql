
-- install/80_privileges.sql
-- ---------------------------------------------------------------------------
-- Privileges.  Row-level security decides which rows each role sees;
-- privileges decide who reaches the tables at all, and which columns can be
-- written:
--
-- * the schema and the tables belong to the role permissions_client, which
--   a DBA grants to the roles applications and people connect as (mapping a
--   login role to a user grants it too); PUBLIC has nothing but the
--   registry of protected application tables;
-- * nobody but a DBA inserts or updates an id: ids come from the database,
--   so no client can take the next id of another tenant's table (nor
--   db_role_name, which the database sets, nor generated columns);
-- * what must not change after creation is not updatable: a credential's
--   user and secret (only its name), a grant's grantee and target (only its
--   tier and expiry).
--
-- Functions that must not be called directly (trigger functions, internal
-- definer helpers) have EXECUTE revoked from PUBLIC where they are defined.
-- ---------------------------------------------------------------------------

-- Roles belong to the cluster: a database that installed the extension
-- before made it already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'permissions_client') THEN
        CREATE ROLE permissions_client NOLOGIN;
        COMMENT ON ROLE permissions_client IS
            'Roles that use the tables of the permissions extension (GRANT permissions_client TO app_role). Row-level security decides which rows each sees.';
    END IF;
END
$$;

REVOKE ALL ON SCHEMA permissions FROM PUBLIC;
GRANT USAGE ON SCHEMA permissions TO permissions_client;

-- ---------------------------------------------------------------------------
-- Data tables: read and delete as row-level security allows; insert and
-- update every column but the id (and generated columns)
-- ---------------------------------------------------------------------------

REVOKE ALL ON permissions.accounts FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (parent_id, name, phone, address, logo_url, settings, plan, created_at),
      UPDATE (parent_id, name, phone, address, logo_url, settings, plan, created_at)
    ON permissions.accounts TO permissions_client;

REVOKE ALL ON permissions.users FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, db_role, username, email, first_name, last_name, picture_url, role, user_type, permissions, access, active, status, created_at),
      UPDATE (account_id, db_role, username, email, first_name, last_name, picture_url, role, user_type, permissions, access, active, status, created_at)
    ON permissions.users TO permissions_client;

REVOKE ALL ON permissions.performers FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, first_name, last_name, birth_date, external_id, created_by, created_at),
      UPDATE (account_id, first_name, last_name, birth_date, external_id, created_by, created_at)
    ON permissions.performers TO permissions_client;

REVOKE ALL ON permissions.groups FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, name, created_by, created_at),
      UPDATE (account_id, name, created_by, created_at)
    ON permissions.groups TO permissions_client;

REVOKE ALL ON permissions.group_members FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (group_id, performer_id, account_id, added_by),
      UPDATE (group_id, performer_id, account_id, added_by)
    ON permissions.group_members TO permissions_client;

REVOKE ALL ON permissions.teams FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, name, created_by, created_at),
      UPDATE (account_id, name, created_by, created_at)
    ON permissions.teams TO permissions_client;

REVOKE ALL ON permissions.team_members FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (team_id, user_id, account_id, added_by),
      UPDATE (team_id, user_id, account_id, added_by)
    ON permissions.team_members TO permissions_client;

-- a grant changes only its tier and expiry
REVOKE ALL ON permissions.access_grants FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, user_id, team_id, performer_id, group_id, tier, expires_at, granted_by, created_at),
      UPDATE (tier, expires_at)
    ON permissions.access_grants TO permissions_client;

REVOKE ALL ON permissions.pinpoints FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, name, measurement_type, goal, goal_direction, created_by, created_at),
      UPDATE (account_id, name, measurement_type, goal, goal_direction, created_by, created_at)
    ON permissions.pinpoints TO permissions_client;

REVOKE ALL ON permissions.charts FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, performer_id, pinpoint_id, title, created_by, created_at),
      UPDATE (account_id, performer_id, pinpoint_id, title, created_by, created_at)
    ON permissions.charts TO permissions_client;

REVOKE ALL ON permissions.measurements FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, performer_id, chart_id, measured_on, count, errors, counting_time, created_by, created_at),
      UPDATE (account_id, performer_id, chart_id, measured_on, count, errors, counting_time, created_by, created_at)
    ON permissions.measurements TO permissions_client;

REVOKE ALL ON permissions.conditions FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, performer_id, chart_id, starts_on, label, created_by, created_at),
      UPDATE (account_id, performer_id, chart_id, starts_on, label, created_by, created_at)
    ON permissions.conditions TO permissions_client;

REVOKE ALL ON permissions.notes FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, performer_id, chart_id, noted_on, body, created_by, created_at),
      UPDATE (account_id, performer_id, chart_id, noted_on, body, created_by, created_at)
    ON permissions.notes TO permissions_client;

REVOKE ALL ON permissions.tags FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, name, created_by),
      UPDATE (account_id, name, created_by)
    ON permissions.tags TO permissions_client;

REVOKE ALL ON permissions.tag_assignments FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, tag_id, target_kind, performer_id, chart_id, journal_id, target_user_id, pinpoint_id, created_by, created_at),
      UPDATE (account_id, tag_id, target_kind, performer_id, chart_id, journal_id, target_user_id, pinpoint_id, created_by, created_at)
    ON permissions.tag_assignments TO permissions_client;

REVOKE ALL ON permissions.journal_types FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, name, created_by),
      UPDATE (account_id, name, created_by)
    ON permissions.journal_types TO permissions_client;

REVOKE ALL ON permissions.journals FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, performer_id, journal_type_id, entry_date, body, created_by, created_at),
      UPDATE (account_id, performer_id, journal_type_id, entry_date, body, created_by, created_at)
    ON permissions.journals TO permissions_client;

REVOKE ALL ON permissions.chart_views FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, owner_id, name, settings, created_by),
      UPDATE (account_id, owner_id, name, settings, created_by)
    ON permissions.chart_views TO permissions_client;

REVOKE ALL ON permissions.reporting_views FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, owner_id, name, settings, created_by),
      UPDATE (account_id, owner_id, name, settings, created_by)
    ON permissions.reporting_views TO permissions_client;

REVOKE ALL ON permissions.assessments FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, performer_id, kind, taken_at, score, created_by, created_at),
      UPDATE (account_id, performer_id, kind, taken_at, score, created_by, created_at)
    ON permissions.assessments TO permissions_client;

REVOKE ALL ON permissions.reviews FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (account_id, performer_id, title, status, due_on, created_by, created_at),
      UPDATE (account_id, performer_id, title, status, due_on, created_by, created_at)
    ON permissions.reviews TO permissions_client;

REVOKE ALL ON permissions.review_participants FROM PUBLIC;
GRANT SELECT, DELETE,
      INSERT (review_id, account_id, user_id, role, added_by),
      UPDATE (review_id, account_id, user_id, role, added_by)
    ON permissions.review_participants TO permissions_client;

-- ---------------------------------------------------------------------------
-- Credentials and tokens
-- ---------------------------------------------------------------------------

-- a credential changes only its name; its secret hash is never read
REVOKE ALL ON permissions.api_credentials FROM PUBLIC;
GRANT SELECT (id, account_id, user_id, name, created_by, created_at, last_used_at),
      INSERT (account_id, user_id, name, secret_hash, created_by),
      UPDATE (name),
      DELETE
    ON permissions.api_credentials TO permissions_client;

REVOKE ALL ON permissions.api_credential_uses FROM PUBLIC;
GRANT SELECT ON permissions.api_credential_uses TO permissions_client;

REVOKE ALL ON permissions.api_credential_list FROM PUBLIC;
GRANT SELECT ON permissions.api_credential_list TO permissions_client;

-- issuers are read, mappings read, inserted (the columns the database does
-- not set) and deleted; keys by nobody (an HS256 secret is a secret)
REVOKE ALL ON permissions.token_issuers FROM PUBLIC;
GRANT SELECT ON permissions.token_issuers TO permissions_client;

REVOKE ALL ON permissions.token_keys FROM PUBLIC;

REVOKE ALL ON permissions.token_subjects FROM PUBLIC;
GRANT SELECT, DELETE, INSERT (issuer, subject, user_id) ON permissions.token_subjects TO permissions_client;

REVOKE ALL ON permissions.session_identity_roles FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Administration: read only (written by the extension's functions)
-- ---------------------------------------------------------------------------

REVOKE ALL ON permissions.audit_log FROM PUBLIC;
GRANT SELECT ON permissions.audit_log TO permissions_client;

-- never the token hash
REVOKE ALL ON permissions.invitations FROM PUBLIC;
GRANT SELECT (user_id, account_id, invited_by, created_at, expires_at) ON permissions.invitations TO permissions_client;

REVOKE ALL ON permissions.account_credits FROM PUBLIC;
GRANT SELECT ON permissions.account_credits TO permissions_client;

REVOKE ALL ON permissions.credit_ledger FROM PUBLIC;
GRANT SELECT ON permissions.credit_ledger TO permissions_client;

REVOKE ALL ON permissions.billing FROM PUBLIC;
GRANT SELECT ON permissions.billing TO permissions_client;

REVOKE ALL ON permissions.credit_balances FROM PUBLIC;
GRANT SELECT ON permissions.credit_balances TO permissions_client;

-- the accounting of disclosures: its view only (the library writes the table)
REVOKE ALL ON permissions.disclosure_log FROM PUBLIC;
REVOKE ALL ON permissions.disclosures FROM PUBLIC;
GRANT SELECT ON permissions.disclosures TO permissions_client;

-- ---------------------------------------------------------------------------
-- Application tables: the roles that own them (migration roles, not
-- clients) read the registry of their protection; row-level security shows
-- each its own tables (protect_table() writes it, through definer functions)
-- ---------------------------------------------------------------------------

GRANT SELECT ON permissions.protected_tables TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Internal: nobody but the extension's code
-- ---------------------------------------------------------------------------

REVOKE ALL ON permissions.account_deletions FROM PUBLIC;
REVOKE ALL ON permissions.tenant_epochs FROM PUBLIC;
REVOKE ALL ON permissions.tenant_locks FROM PUBLIC;
REVOKE ALL ON SEQUENCE permissions.access_epoch_seq FROM PUBLIC;
