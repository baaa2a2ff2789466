
-- install/90_dump.sql
-- ---------------------------------------------------------------------------
-- Backup: every table and sequence holding user data is dumped with the
-- database (pg_dump dumps an extension's tables only when they are marked),
-- each table with the sequence of its identity column, so that new rows
-- after a restore get new ids.  Token keys are dumped too: a restore
-- without them would refuse every token.
--
-- Restoring writes the rows exactly as dumped: with row_security off, as
-- pg_dump's output sets it, a DBA's session is "restoring" and the triggers
-- that derive rows (audit entries, creator grants, credit balances, recorded
-- credential uses) leave them alone.  Not dumped: tenant_epochs (derived,
-- rebuilt by the restored rows' own triggers), tenant_locks (made on first
-- use) and account_deletions (rows live only inside delete_account()).
-- ---------------------------------------------------------------------------

-- accounts, users, the audit log, invitations
SELECT pg_catalog.pg_extension_config_dump('permissions.accounts', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.accounts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.users', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.users_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.audit_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.invitations', '');

-- identity: credentials, session identities, tokens
SELECT pg_catalog.pg_extension_config_dump('permissions.api_credentials', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.api_credentials_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.api_credential_uses', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.session_identity_roles', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.token_issuers', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.token_issuers_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.token_keys', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.token_keys_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.token_subjects', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.token_subjects_id_seq', '');

-- libraries
SELECT pg_catalog.pg_extension_config_dump('permissions.pinpoints', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.pinpoints_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.tags', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.tags_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.journal_types', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.journal_types_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.chart_views', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.chart_views_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.reporting_views', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.reporting_views_id_seq', '');

-- performer data
SELECT pg_catalog.pg_extension_config_dump('permissions.performers', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.performers_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.charts', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.charts_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.measurements', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.measurements_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.conditions', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.conditions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.notes', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.notes_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.journals', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.journals_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.tag_assignments', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.tag_assignments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.assessments', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.assessments_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.reviews', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.reviews_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.review_participants', '');

-- groups, teams, grants
SELECT pg_catalog.pg_extension_config_dump('permissions.groups', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.groups_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.group_members', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.teams', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.teams_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.team_members', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.access_grants', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.access_grants_id_seq', '');

-- credits
SELECT pg_catalog.pg_extension_config_dump('permissions.account_credits', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.credit_ledger', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.credit_ledger_id_seq', '');

-- the application tables under protect_table()
SELECT pg_catalog.pg_extension_config_dump('permissions.protected_tables', '');

-- the accounting of disclosures
SELECT pg_catalog.pg_extension_config_dump('permissions.disclosure_log', '');
SELECT pg_catalog.pg_extension_config_dump('permissions.disclosure_log_id_seq', '');
