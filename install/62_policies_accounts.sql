
-- install/62_policies_accounts.sql
-- ---------------------------------------------------------------------------
-- Row-level security of accounts, users, credentials, libraries, saved
-- views, and the extension's internal tables (60_policies_data.sql for
-- performer data).  These follow the organization permissions (holds()),
-- membership of the account (is_member(), in_account()) and management
-- (manages()).
-- ---------------------------------------------------------------------------

-- accounts: members see them; manage_organization edits details;
-- sub-accounts belong to managers of an ancestor or manage_sub_accounts holders there
ALTER TABLE permissions.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY accounts_select ON permissions.accounts FOR SELECT
    USING (permissions.is_member(id)
           OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
COMMENT ON POLICY accounts_select ON permissions.accounts IS
'Row-level security for SELECT on accounts: rows where (is_member(id) OR ((parent_id IS NOT NULL) AND holds(''manage_sub_accounts''::text, parent_id)))';

CREATE POLICY accounts_insert ON permissions.accounts FOR INSERT
    WITH CHECK (parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
COMMENT ON POLICY accounts_insert ON permissions.accounts IS
'Row-level security for INSERT on accounts: new rows where ((parent_id IS NOT NULL) AND holds(''manage_sub_accounts''::text, parent_id))';

CREATE POLICY accounts_update ON permissions.accounts FOR UPDATE
    USING (permissions.holds('manage_organization', id)
           OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id))
    WITH CHECK (permissions.holds('manage_organization', id)
                OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
COMMENT ON POLICY accounts_update ON permissions.accounts IS
'Row-level security for UPDATE on accounts: rows where (holds(''manage_organization''::text, id) OR ((parent_id IS NOT NULL) AND holds(''manage_sub_accounts''::text, parent_id))); new rows where (holds(''manage_organization''::text, id) OR ((parent_id IS NOT NULL) AND holds(''manage_sub_accounts''::text, parent_id)))';

CREATE POLICY accounts_delete ON permissions.accounts FOR DELETE
    USING (parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
COMMENT ON POLICY accounts_delete ON permissions.accounts IS
'Row-level security for DELETE on accounts: rows where ((parent_id IS NOT NULL) AND holds(''manage_sub_accounts''::text, parent_id))';

-- users: oneself, and the users one manages; manage_profile edits one's own profile
ALTER TABLE permissions.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_select ON permissions.users FOR SELECT
    USING (id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_users', account_id));
COMMENT ON POLICY users_select ON permissions.users IS
'Row-level security for SELECT on users: rows where ((id = current_user_id()) OR holds(''manage_users''::text, account_id))';

CREATE POLICY users_insert ON permissions.users FOR INSERT
    WITH CHECK (permissions.holds('manage_users', account_id));
COMMENT ON POLICY users_insert ON permissions.users IS
'Row-level security for INSERT on users: new rows where holds(''manage_users''::text, account_id)';

CREATE POLICY users_update ON permissions.users FOR UPDATE
    USING (permissions.holds('manage_users', account_id)
           OR id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('manage_profile', account_id))
    WITH CHECK (permissions.holds('manage_users', account_id)
                OR id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('manage_profile', account_id));
COMMENT ON POLICY users_update ON permissions.users IS
'Row-level security for UPDATE on users: rows where (holds(''manage_users''::text, account_id) OR ((id = current_user_id()) AND holds(''manage_profile''::text, account_id))); new rows where (holds(''manage_users''::text, account_id) OR ((id = current_user_id()) AND holds(''manage_profile''::text, account_id)))';

CREATE POLICY users_delete ON permissions.users FOR DELETE
    USING (permissions.holds('manage_users', account_id)
           AND id OPERATOR(pg_catalog.<>) permissions.current_user_id());
COMMENT ON POLICY users_delete ON permissions.users IS
'Row-level security for DELETE on users: rows where (holds(''manage_users''::text, account_id) AND (id <> current_user_id()))';

-- API credentials: manage_api_credentials; a user sees and deletes their own
ALTER TABLE permissions.api_credentials ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.api_credentials FORCE ROW LEVEL SECURITY;
CREATE POLICY api_credentials_select ON permissions.api_credentials FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_api_credentials', account_id));
COMMENT ON POLICY api_credentials_select ON permissions.api_credentials IS
'Row-level security for SELECT on api_credentials: rows where ((user_id = current_user_id()) OR holds(''manage_api_credentials''::text, account_id))';

CREATE POLICY api_credentials_insert ON permissions.api_credentials FOR INSERT
    WITH CHECK (permissions.holds('manage_api_credentials', account_id));
COMMENT ON POLICY api_credentials_insert ON permissions.api_credentials IS
'Row-level security for INSERT on api_credentials: new rows where holds(''manage_api_credentials''::text, account_id)';

CREATE POLICY api_credentials_update ON permissions.api_credentials FOR UPDATE
    USING (permissions.holds('manage_api_credentials', account_id))
    WITH CHECK (permissions.holds('manage_api_credentials', account_id));
COMMENT ON POLICY api_credentials_update ON permissions.api_credentials IS
'Row-level security for UPDATE on api_credentials: rows where holds(''manage_api_credentials''::text, account_id); new rows where holds(''manage_api_credentials''::text, account_id)';

CREATE POLICY api_credentials_delete ON permissions.api_credentials FOR DELETE
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_api_credentials', account_id));
COMMENT ON POLICY api_credentials_delete ON permissions.api_credentials IS
'Row-level security for DELETE on api_credentials: rows where ((user_id = current_user_id()) OR holds(''manage_api_credentials''::text, account_id))';

-- audit log: read by view_audit_logs holders (managers: their subtree); no writes
ALTER TABLE permissions.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_select ON permissions.audit_log FOR SELECT
    USING (permissions.holds('view_audit_logs', account_id));
COMMENT ON POLICY audit_log_select ON permissions.audit_log IS
'Row-level security for SELECT on audit_log: rows where holds(''view_audit_logs''::text, account_id)';

-- ---------------------------------------------------------------------------
-- Libraries: every member sees them; one permission changes each
-- ---------------------------------------------------------------------------

ALTER TABLE permissions.pinpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.pinpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY pinpoints_select ON permissions.pinpoints FOR SELECT
    USING (permissions.is_member(account_id));
COMMENT ON POLICY pinpoints_select ON permissions.pinpoints IS
'Row-level security for SELECT on pinpoints: rows where is_member(account_id)';

CREATE POLICY pinpoints_write ON permissions.pinpoints FOR ALL
    USING (permissions.holds('manage_pinpoints', account_id))
    WITH CHECK (permissions.holds('manage_pinpoints', account_id));
COMMENT ON POLICY pinpoints_write ON permissions.pinpoints IS
'Row-level security for every command on pinpoints: rows where holds(''manage_pinpoints''::text, account_id); new rows where holds(''manage_pinpoints''::text, account_id)';

ALTER TABLE permissions.tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.tags FORCE ROW LEVEL SECURITY;
CREATE POLICY tags_select ON permissions.tags FOR SELECT
    USING (permissions.is_member(account_id));
COMMENT ON POLICY tags_select ON permissions.tags IS 'Row-level security for SELECT on tags: rows where is_member(account_id)';

CREATE POLICY tags_write ON permissions.tags FOR ALL
    USING (permissions.holds('manage_tags', account_id))
    WITH CHECK (permissions.holds('manage_tags', account_id));
COMMENT ON POLICY tags_write ON permissions.tags IS
'Row-level security for every command on tags: rows where holds(''manage_tags''::text, account_id); new rows where holds(''manage_tags''::text, account_id)';

ALTER TABLE permissions.journal_types ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.journal_types FORCE ROW LEVEL SECURITY;
CREATE POLICY journal_types_select ON permissions.journal_types FOR SELECT
    USING (permissions.is_member(account_id));
COMMENT ON POLICY journal_types_select ON permissions.journal_types IS
'Row-level security for SELECT on journal_types: rows where is_member(account_id)';

CREATE POLICY journal_types_write ON permissions.journal_types FOR ALL
    USING (permissions.holds('manage_journal_types', account_id))
    WITH CHECK (permissions.holds('manage_journal_types', account_id));
COMMENT ON POLICY journal_types_write ON permissions.journal_types IS
'Row-level security for every command on journal_types: rows where holds(''manage_journal_types''::text, account_id); new rows where holds(''manage_journal_types''::text, account_id)';

-- saved views: one's own, and the organization defaults
ALTER TABLE permissions.chart_views ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.chart_views FORCE ROW LEVEL SECURITY;
CREATE POLICY chart_views_select ON permissions.chart_views FOR SELECT
    USING (permissions.is_member(account_id)
           AND (owner_id IS NULL OR owner_id OPERATOR(pg_catalog.=) permissions.current_user_id()));
COMMENT ON POLICY chart_views_select ON permissions.chart_views IS
'Row-level security for SELECT on chart_views: rows where (is_member(account_id) AND ((owner_id IS NULL) OR (owner_id = current_user_id())))';

CREATE POLICY chart_views_write ON permissions.chart_views FOR ALL
    USING (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_chart_views', account_id)
                ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.is_member(account_id) END)
    WITH CHECK (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_chart_views', account_id)
                     ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.is_member(account_id) END);
COMMENT ON POLICY chart_views_write ON permissions.chart_views IS
'Row-level security for every command on chart_views: rows where 
CASE
    WHEN (owner_id IS NULL) THEN holds(''manage_org_chart_views''::text, account_id)
    ELSE ((owner_id = current_user_id()) AND is_member(account_id))
END; new rows where 
CASE
    WHEN (owner_id IS NULL) THEN holds(''manage_org_chart_views''::text, account_id)
    ELSE ((owner_id = current_user_id()) AND is_member(account_id))
END';

ALTER TABLE permissions.reporting_views ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.reporting_views FORCE ROW LEVEL SECURITY;
CREATE POLICY reporting_views_select ON permissions.reporting_views FOR SELECT
    USING (permissions.holds('view_reporting', account_id)
           AND (owner_id IS NULL OR owner_id OPERATOR(pg_catalog.=) permissions.current_user_id()));
COMMENT ON POLICY reporting_views_select ON permissions.reporting_views IS
'Row-level security for SELECT on reporting_views: rows where (holds(''view_reporting''::text, account_id) AND ((owner_id IS NULL) OR (owner_id = current_user_id())))';

CREATE POLICY reporting_views_write ON permissions.reporting_views FOR ALL
    USING (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_reporting_views', account_id)
                ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('view_reporting', account_id) END)
    WITH CHECK (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_reporting_views', account_id)
                     ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('view_reporting', account_id) END);
COMMENT ON POLICY reporting_views_write ON permissions.reporting_views IS
'Row-level security for every command on reporting_views: rows where 
CASE
    WHEN (owner_id IS NULL) THEN holds(''manage_org_reporting_views''::text, account_id)
    ELSE ((owner_id = current_user_id()) AND holds(''view_reporting''::text, account_id))
END; new rows where 
CASE
    WHEN (owner_id IS NULL) THEN holds(''manage_org_reporting_views''::text, account_id)
    ELSE ((owner_id = current_user_id()) AND holds(''view_reporting''::text, account_id))
END';

-- ---------------------------------------------------------------------------
-- Tables written only by the extension's own functions and triggers: some
-- can be read, none written
-- ---------------------------------------------------------------------------

ALTER TABLE permissions.invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_select ON permissions.invitations FOR SELECT USING (permissions.holds('manage_users', account_id));
COMMENT ON POLICY invitations_select ON permissions.invitations IS 'Read: permissions.holds(''manage_users'', account_id)';

CREATE POLICY invitations_insert ON permissions.invitations FOR INSERT WITH CHECK (false);
COMMENT ON POLICY invitations_insert ON permissions.invitations IS 'Written only by the extension''s own functions and triggers.';

CREATE POLICY invitations_update ON permissions.invitations FOR UPDATE USING (false) WITH CHECK (false);
COMMENT ON POLICY invitations_update ON permissions.invitations IS 'Written only by the extension''s own functions and triggers.';

CREATE POLICY invitations_delete ON permissions.invitations FOR DELETE USING (false);
COMMENT ON POLICY invitations_delete ON permissions.invitations IS 'Written only by the extension''s own functions and triggers.';

ALTER TABLE permissions.account_credits ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.account_credits FORCE ROW LEVEL SECURITY;
CREATE POLICY account_credits_select ON permissions.account_credits FOR SELECT USING (permissions.holds('manage_credits', account_id));
COMMENT ON POLICY account_credits_select ON permissions.account_credits IS
'Read: permissions.holds(''manage_credits'', account_id)';

CREATE POLICY account_credits_insert ON permissions.account_credits FOR INSERT WITH CHECK (false);
COMMENT ON POLICY account_credits_insert ON permissions.account_credits IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY account_credits_update ON permissions.account_credits FOR UPDATE USING (false) WITH CHECK (false);
COMMENT ON POLICY account_credits_update ON permissions.account_credits IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY account_credits_delete ON permissions.account_credits FOR DELETE USING (false);
COMMENT ON POLICY account_credits_delete ON permissions.account_credits IS
'Written only by the extension''s own functions and triggers.';

ALTER TABLE permissions.credit_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.credit_ledger FORCE ROW LEVEL SECURITY;
CREATE POLICY credit_ledger_select ON permissions.credit_ledger FOR SELECT USING (permissions.holds('manage_credits', account_id));
COMMENT ON POLICY credit_ledger_select ON permissions.credit_ledger IS 'Read: permissions.holds(''manage_credits'', account_id)';

CREATE POLICY credit_ledger_insert ON permissions.credit_ledger FOR INSERT WITH CHECK (false);
COMMENT ON POLICY credit_ledger_insert ON permissions.credit_ledger IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY credit_ledger_update ON permissions.credit_ledger FOR UPDATE USING (false) WITH CHECK (false);
COMMENT ON POLICY credit_ledger_update ON permissions.credit_ledger IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY credit_ledger_delete ON permissions.credit_ledger FOR DELETE USING (false);
COMMENT ON POLICY credit_ledger_delete ON permissions.credit_ledger IS
'Written only by the extension''s own functions and triggers.';

ALTER TABLE permissions.api_credential_uses ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.api_credential_uses FORCE ROW LEVEL SECURITY;
CREATE POLICY api_credential_uses_select ON permissions.api_credential_uses FOR SELECT USING (EXISTS (SELECT 1 FROM permissions.api_credentials c WHERE c.id OPERATOR(pg_catalog.=) credential_id));
COMMENT ON POLICY api_credential_uses_select ON permissions.api_credential_uses IS
'Read: EXISTS (SELECT 1 FROM permissions.api_credentials c WHERE c.id OPERATOR(pg_catalog.=) credential_id)';

CREATE POLICY api_credential_uses_insert ON permissions.api_credential_uses FOR INSERT WITH CHECK (false);
COMMENT ON POLICY api_credential_uses_insert ON permissions.api_credential_uses IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY api_credential_uses_update ON permissions.api_credential_uses FOR UPDATE USING (false) WITH CHECK (false);
COMMENT ON POLICY api_credential_uses_update ON permissions.api_credential_uses IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY api_credential_uses_delete ON permissions.api_credential_uses FOR DELETE USING (false);
COMMENT ON POLICY api_credential_uses_delete ON permissions.api_credential_uses IS
'Written only by the extension''s own functions and triggers.';

ALTER TABLE permissions.account_deletions ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.account_deletions FORCE ROW LEVEL SECURITY;
CREATE POLICY account_deletions_select ON permissions.account_deletions FOR SELECT USING (false);
COMMENT ON POLICY account_deletions_select ON permissions.account_deletions IS 'Read: false';

CREATE POLICY account_deletions_insert ON permissions.account_deletions FOR INSERT WITH CHECK (false);
COMMENT ON POLICY account_deletions_insert ON permissions.account_deletions IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY account_deletions_update ON permissions.account_deletions FOR UPDATE USING (false) WITH CHECK (false);
COMMENT ON POLICY account_deletions_update ON permissions.account_deletions IS
'Written only by the extension''s own functions and triggers.';

CREATE POLICY account_deletions_delete ON permissions.account_deletions FOR DELETE USING (false);
COMMENT ON POLICY account_deletions_delete ON permissions.account_deletions IS
'Written only by the extension''s own functions and triggers.';

-- no policy at all: only superusers (who bypass row-level security) and the
-- extension's own code read or write these
ALTER TABLE permissions.tenant_epochs ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.tenant_epochs FORCE ROW LEVEL SECURITY;
ALTER TABLE permissions.tenant_locks ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.tenant_locks FORCE ROW LEVEL SECURITY;
ALTER TABLE permissions.session_identity_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.session_identity_roles FORCE ROW LEVEL SECURITY;
ALTER TABLE permissions.token_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.token_keys FORCE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------
-- Tokens
-- ---------------------------------------------------------------------------

-- issuers: shared ones are visible to everyone, an account's to its members;
-- only DBAs write (no write policy)
ALTER TABLE permissions.token_issuers ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.token_issuers FORCE ROW LEVEL SECURITY;
CREATE POLICY token_issuers_select ON permissions.token_issuers FOR SELECT
    USING (account_id IS NULL OR permissions.is_member(account_id));
COMMENT ON POLICY token_issuers_select ON permissions.token_issuers IS
'Shared issuers are visible to everyone; an issuer bound to an account to the members of that account. Only DBAs write issuers.';

-- subject mappings: the user sees its own; manage_users holders see those of
-- the users they manage; managers of the user's account write them
ALTER TABLE permissions.token_subjects ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.token_subjects FORCE ROW LEVEL SECURITY;
CREATE POLICY token_subjects_select ON permissions.token_subjects FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_users', account_id));
COMMENT ON POLICY token_subjects_select ON permissions.token_subjects IS
'A user sees its own mappings; manage_users holders see those of the users they manage.';

CREATE POLICY token_subjects_insert ON permissions.token_subjects FOR INSERT
    WITH CHECK (permissions.manages(account_id));
COMMENT ON POLICY token_subjects_insert ON permissions.token_subjects IS
'Managers of the user''s account map its subjects (a mapping lets the subject act as the user).';

CREATE POLICY token_subjects_update ON permissions.token_subjects FOR UPDATE
    USING (permissions.manages(account_id))
    WITH CHECK (permissions.manages(account_id));
COMMENT ON POLICY token_subjects_update ON permissions.token_subjects IS
'Managers of the user''s account (the privilege to update is not granted: remap with map_token_subject()).';

CREATE POLICY token_subjects_delete ON permissions.token_subjects FOR DELETE
    USING (permissions.manages(account_id));
COMMENT ON POLICY token_subjects_delete ON permissions.token_subjects IS 'Managers of the user''s account remove its mappings.';
