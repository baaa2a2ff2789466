-- ---------------------------------------------------------------------------
-- Backup: every table and sequence holding user data is dumped with the
-- database (pg_dump dumps an extension's tables only when they are marked).
-- Restoring writes the rows exactly as dumped: with row_security off, as
-- pg_dump's output sets it, a DBA's session is "restoring" and the triggers
-- that derive rows (audit entries, creator grants, credit balances, recorded
-- credential uses) leave them alone.  Not dumped: tenant_epochs (derived,
-- rebuilt by the restored rows' own triggers), tenant_locks (made on first
-- use) and account_deletions (rows live only inside delete_account()).
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    t text;
    s record;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts', 'users', 'api_credentials', 'audit_log', 'performers',
                             'groups', 'group_members', 'teams', 'team_members', 'access_grants',
                             'pinpoints', 'charts', 'measurements', 'conditions', 'notes', 'tags',
                             'journal_types', 'journals', 'tag_assignments', 'chart_views',
                             'reporting_views', 'invitations', 'account_credits', 'credit_ledger',
                             'assessments', 'reviews', 'review_participants', 'api_credential_uses',
                             'session_identity_roles', 'protected_tables']
    LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('permissions.' OPERATOR(pg_catalog.||) t)::regclass, '');
        -- and the sequence of its identity column: new rows after a restore get new ids
        FOR s IN SELECT pg_catalog.pg_get_serial_sequence('permissions.' OPERATOR(pg_catalog.||) t, a.attname) AS seq
                   FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid OPERATOR(pg_catalog.=) ('permissions.' OPERATOR(pg_catalog.||) t)::regclass
                    AND a.attidentity OPERATOR(pg_catalog.<>) ''
        LOOP
            PERFORM pg_catalog.pg_extension_config_dump(s.seq::regclass, '');
        END LOOP;
    END LOOP;
END
$$;
