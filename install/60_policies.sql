
-- ---------------------------------------------------------------------------
-- Row-level security: enabled and forced on every table, one policy per
-- command.  Performer data follows the tier matrix through the C functions;
-- libraries and administration follow the organization permissions.
-- Table privileges go to PUBLIC: the policies are the gate.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts', 'users', 'api_credentials', 'access_epoch', 'audit_log',
                             'performers', 'groups', 'group_members', 'teams', 'team_members',
                             'access_grants', 'pinpoints', 'charts', 'measurements', 'conditions',
                             'notes', 'tags', 'tag_assignments', 'journal_types', 'journals',
                             'chart_views', 'reporting_views']
    LOOP
        EXECUTE format('ALTER TABLE permissions.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE permissions.%I FORCE ROW LEVEL SECURITY', t);
    END LOOP;

    -- chart data: the tier matrix, kind = the table's kind
    FOREACH t IN ARRAY ARRAY['measurements:measurement', 'conditions:condition', 'notes:note',
                             'journals:journal', 'charts:chart']
    LOOP
        EXECUTE format($f$
            CREATE POLICY %1$s_select ON permissions.%1$I FOR SELECT
                USING (permissions.can_view(%2$L, account_id, performer_id));
            CREATE POLICY %1$s_insert ON permissions.%1$I FOR INSERT
                WITH CHECK (permissions.can_create(%2$L, account_id, performer_id));
            CREATE POLICY %1$s_update ON permissions.%1$I FOR UPDATE
                USING (permissions.can_edit(%2$L, account_id, performer_id, created_by))
                WITH CHECK (permissions.can_edit(%2$L, account_id, performer_id, created_by));
            CREATE POLICY %1$s_delete ON permissions.%1$I FOR DELETE
                USING (permissions.can_delete(%2$L, account_id, performer_id, created_by));
        $f$, split_part(t, ':', 1), split_part(t, ':', 2));
    END LOOP;
END
$$;

-- performers: creating one is the organization permission create_performers
CREATE POLICY performers_select ON permissions.performers FOR SELECT
    USING (permissions.can_view('performer', account_id, id));
CREATE POLICY performers_insert ON permissions.performers FOR INSERT
    WITH CHECK (permissions.holds('create_performers', account_id));
CREATE POLICY performers_update ON permissions.performers FOR UPDATE
    USING (permissions.can_edit('performer', account_id, id, created_by))
    WITH CHECK (permissions.can_edit('performer', account_id, id, created_by));
CREATE POLICY performers_delete ON permissions.performers FOR DELETE
    USING (permissions.can_delete('performer', account_id, id, created_by));

-- tag assignments: performer data for performers, charts and journals; any
-- member of the account for users and pinpoints (manage_tags is the library)
CREATE POLICY tag_assignments_select ON permissions.tag_assignments FOR SELECT
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_view('tag', account_id, performer_id)
                ELSE permissions.is_member(account_id) END);
CREATE POLICY tag_assignments_insert ON permissions.tag_assignments FOR INSERT
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_create('tag', account_id, performer_id)
                     ELSE permissions.is_member(account_id) END);
CREATE POLICY tag_assignments_update ON permissions.tag_assignments FOR UPDATE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                ELSE permissions.is_member(account_id) END)
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                     ELSE permissions.is_member(account_id) END);
CREATE POLICY tag_assignments_delete ON permissions.tag_assignments FOR DELETE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_delete('tag', account_id, performer_id, created_by)
                ELSE permissions.is_member(account_id) END);

-- grants: kind "access" (tier1) on a performer; manage_users for a group;
-- grantees see their own grants
CREATE POLICY access_grants_select ON permissions.access_grants FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR CASE WHEN performer_id IS NOT NULL
                   THEN permissions.can_view('access', account_id, performer_id)
                   ELSE permissions.holds('manage_users', account_id) END);
CREATE POLICY access_grants_insert ON permissions.access_grants FOR INSERT
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_create('access', account_id, performer_id)
                     ELSE permissions.holds('manage_users', account_id) END);
CREATE POLICY access_grants_update ON permissions.access_grants FOR UPDATE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_edit('access', account_id, performer_id, NULL)
                ELSE permissions.holds('manage_users', account_id) END)
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_edit('access', account_id, performer_id, NULL)
                     ELSE permissions.holds('manage_users', account_id) END);
CREATE POLICY access_grants_delete ON permissions.access_grants FOR DELETE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_delete('access', account_id, performer_id, NULL)
                ELSE permissions.holds('manage_users', account_id) END);

-- groups and teams: members of the account see them; the permission changes them
CREATE POLICY groups_select ON permissions.groups FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY groups_write ON permissions.groups FOR ALL
    USING (permissions.holds('create_groups', account_id))
    WITH CHECK (permissions.holds('create_groups', account_id));
CREATE POLICY group_members_select ON permissions.group_members FOR SELECT
    USING (permissions.can_view('performer', account_id, performer_id));
CREATE POLICY group_members_insert ON permissions.group_members FOR INSERT
    WITH CHECK (permissions.holds('create_groups', account_id)
                AND permissions.can_create('access', account_id, performer_id));
CREATE POLICY group_members_update ON permissions.group_members FOR UPDATE
    USING (false);
CREATE POLICY group_members_delete ON permissions.group_members FOR DELETE
    USING (permissions.holds('create_groups', account_id)
           AND permissions.can_delete('access', account_id, performer_id, NULL));
CREATE POLICY teams_select ON permissions.teams FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY teams_write ON permissions.teams FOR ALL
    USING (permissions.holds('manage_teams', account_id))
    WITH CHECK (permissions.holds('manage_teams', account_id));
CREATE POLICY team_members_select ON permissions.team_members FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY team_members_write ON permissions.team_members FOR ALL
    USING (permissions.holds('manage_teams', account_id))
    WITH CHECK (permissions.holds('manage_teams', account_id));

-- libraries: every member sees them; one permission changes each
CREATE POLICY pinpoints_select ON permissions.pinpoints FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY pinpoints_write ON permissions.pinpoints FOR ALL
    USING (permissions.holds('manage_pinpoints', account_id))
    WITH CHECK (permissions.holds('manage_pinpoints', account_id));
CREATE POLICY tags_select ON permissions.tags FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY tags_write ON permissions.tags FOR ALL
    USING (permissions.holds('manage_tags', account_id))
    WITH CHECK (permissions.holds('manage_tags', account_id));
CREATE POLICY journal_types_select ON permissions.journal_types FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY journal_types_write ON permissions.journal_types FOR ALL
    USING (permissions.holds('manage_journal_types', account_id))
    WITH CHECK (permissions.holds('manage_journal_types', account_id));

-- saved views: one's own, and the organization defaults
CREATE POLICY chart_views_select ON permissions.chart_views FOR SELECT
    USING (permissions.is_member(account_id)
           AND (owner_id IS NULL OR owner_id OPERATOR(pg_catalog.=) permissions.current_user_id()));
CREATE POLICY chart_views_write ON permissions.chart_views FOR ALL
    USING (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_chart_views', account_id)
                ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.is_member(account_id) END)
    WITH CHECK (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_chart_views', account_id)
                     ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.is_member(account_id) END);
CREATE POLICY reporting_views_select ON permissions.reporting_views FOR SELECT
    USING (permissions.holds('view_reporting', account_id)
           AND (owner_id IS NULL OR owner_id OPERATOR(pg_catalog.=) permissions.current_user_id()));
CREATE POLICY reporting_views_write ON permissions.reporting_views FOR ALL
    USING (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_reporting_views', account_id)
                ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('view_reporting', account_id) END)
    WITH CHECK (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_reporting_views', account_id)
                     ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('view_reporting', account_id) END);

-- accounts: members see them; manage_organization edits details;
-- sub-accounts belong to managers of an ancestor or manage_sub_accounts holders there
CREATE POLICY accounts_select ON permissions.accounts FOR SELECT
    USING (permissions.is_member(id)
           OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
CREATE POLICY accounts_insert ON permissions.accounts FOR INSERT
    WITH CHECK (parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
CREATE POLICY accounts_update ON permissions.accounts FOR UPDATE
    USING (permissions.holds('manage_organization', id)
           OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id))
    WITH CHECK (permissions.holds('manage_organization', id)
                OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
CREATE POLICY accounts_delete ON permissions.accounts FOR DELETE
    USING (parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));

-- users: oneself, and the users one manages; manage_profile edits one's own profile
CREATE POLICY users_select ON permissions.users FOR SELECT
    USING (id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_users', account_id));
CREATE POLICY users_insert ON permissions.users FOR INSERT
    WITH CHECK (permissions.holds('manage_users', account_id));
CREATE POLICY users_update ON permissions.users FOR UPDATE
    USING (permissions.holds('manage_users', account_id)
           OR id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('manage_profile', account_id))
    WITH CHECK (permissions.holds('manage_users', account_id)
                OR id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('manage_profile', account_id));
CREATE POLICY users_delete ON permissions.users FOR DELETE
    USING (permissions.holds('manage_users', account_id)
           AND id OPERATOR(pg_catalog.<>) permissions.current_user_id());

-- API credentials: manage_api_credentials; a user sees and deletes their own
CREATE POLICY api_credentials_select ON permissions.api_credentials FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_api_credentials', account_id));
CREATE POLICY api_credentials_insert ON permissions.api_credentials FOR INSERT
    WITH CHECK (permissions.holds('manage_api_credentials', account_id));
CREATE POLICY api_credentials_update ON permissions.api_credentials FOR UPDATE
    USING (permissions.holds('manage_api_credentials', account_id))
    WITH CHECK (permissions.holds('manage_api_credentials', account_id));
CREATE POLICY api_credentials_delete ON permissions.api_credentials FOR DELETE
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_api_credentials', account_id));

-- audit log: read by view_audit_logs holders (managers: their subtree); no writes
CREATE POLICY audit_log_select ON permissions.audit_log FOR SELECT
    USING (permissions.holds('view_audit_logs', account_id));

-- privileges: RLS decides rows; privileges only keep internals out of reach
GRANT USAGE ON SCHEMA permissions TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    permissions.accounts, permissions.users,
    permissions.performers, permissions.groups, permissions.group_members,
    permissions.teams, permissions.team_members, permissions.access_grants,
    permissions.pinpoints, permissions.charts, permissions.measurements,
    permissions.conditions, permissions.notes, permissions.tags,
    permissions.tag_assignments, permissions.journal_types, permissions.journals,
    permissions.chart_views, permissions.reporting_views
    TO PUBLIC;
GRANT SELECT (id, account_id, user_id, name, created_by, created_at, last_used_at),
      INSERT (account_id, user_id, name, secret_hash, created_by),
      DELETE
    ON permissions.api_credentials TO PUBLIC;
GRANT SELECT ON permissions.audit_log TO PUBLIC;
REVOKE ALL ON permissions.access_epoch FROM PUBLIC;
REVOKE ALL ON SEQUENCE permissions.access_epoch_seq FROM PUBLIC;
REVOKE ALL ON FUNCTION permissions.bump_access_epoch(), permissions.grant_creator(),
    permissions.audit_change()
    FROM PUBLIC;
