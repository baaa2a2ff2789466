
-- install/60_policies_data.sql
-- ---------------------------------------------------------------------------
-- Row-level security: enabled and forced on every table, one policy per
-- command (62_policies_accounts.sql for accounts, users, credentials,
-- libraries and the extension's internal tables).
--
-- This file: performer data, which follows the tier matrix through the C
-- functions can_view(), can_create(), can_edit() and can_delete() (kind,
-- account, performer, and created_by for the "own" cells); grants, groups
-- and teams; reviews.  Planner support turns each call into an index
-- condition on performer_id or account_id.
-- ---------------------------------------------------------------------------

-- performers: creating one is the organization permission create_performers
ALTER TABLE permissions.performers ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.performers FORCE ROW LEVEL SECURITY;
CREATE POLICY performers_select ON permissions.performers FOR SELECT
    USING (permissions.can_view('performer', account_id, id));
COMMENT ON POLICY performers_select ON permissions.performers IS
'Row-level security for SELECT on performers: rows where can_view(''performer''::text, account_id, id)';

CREATE POLICY performers_insert ON permissions.performers FOR INSERT
    WITH CHECK (permissions.holds('create_performers', account_id));
COMMENT ON POLICY performers_insert ON permissions.performers IS
'Row-level security for INSERT on performers: new rows where holds(''create_performers''::text, account_id)';

CREATE POLICY performers_update ON permissions.performers FOR UPDATE
    USING (permissions.can_edit('performer', account_id, id, created_by))
    WITH CHECK (permissions.can_edit('performer', account_id, id, created_by));
COMMENT ON POLICY performers_update ON permissions.performers IS
'Row-level security for UPDATE on performers: rows where can_edit(''performer''::text, account_id, id, created_by); new rows where can_edit(''performer''::text, account_id, id, created_by)';

CREATE POLICY performers_delete ON permissions.performers FOR DELETE
    USING (permissions.can_delete('performer', account_id, id, created_by));
COMMENT ON POLICY performers_delete ON permissions.performers IS
'Row-level security for DELETE on performers: rows where can_delete(''performer''::text, account_id, id, created_by)';

-- chart data: the tier matrix, kind = the table's kind
ALTER TABLE permissions.charts ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.charts FORCE ROW LEVEL SECURITY;
CREATE POLICY charts_select ON permissions.charts FOR SELECT
    USING (permissions.can_view('chart', account_id, performer_id));
COMMENT ON POLICY charts_select ON permissions.charts IS
'Row-level security for SELECT on charts: rows where can_view(''chart''::text, account_id, performer_id)';

CREATE POLICY charts_insert ON permissions.charts FOR INSERT
    WITH CHECK (permissions.can_create('chart', account_id, performer_id));
COMMENT ON POLICY charts_insert ON permissions.charts IS
'Row-level security for INSERT on charts: new rows where can_create(''chart''::text, account_id, performer_id)';

CREATE POLICY charts_update ON permissions.charts FOR UPDATE
    USING (permissions.can_edit('chart', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('chart', account_id, performer_id, created_by));
COMMENT ON POLICY charts_update ON permissions.charts IS
'Row-level security for UPDATE on charts: rows where can_edit(''chart''::text, account_id, performer_id, created_by); new rows where can_edit(''chart''::text, account_id, performer_id, created_by)';

CREATE POLICY charts_delete ON permissions.charts FOR DELETE
    USING (permissions.can_delete('chart', account_id, performer_id, created_by));
COMMENT ON POLICY charts_delete ON permissions.charts IS
'Row-level security for DELETE on charts: rows where can_delete(''chart''::text, account_id, performer_id, created_by)';

ALTER TABLE permissions.measurements ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.measurements FORCE ROW LEVEL SECURITY;
CREATE POLICY measurements_select ON permissions.measurements FOR SELECT
    USING (permissions.can_view('measurement', account_id, performer_id));
COMMENT ON POLICY measurements_select ON permissions.measurements IS
'Row-level security for SELECT on measurements: rows where can_view(''measurement''::text, account_id, performer_id)';

CREATE POLICY measurements_insert ON permissions.measurements FOR INSERT
    WITH CHECK (permissions.can_create('measurement', account_id, performer_id));
COMMENT ON POLICY measurements_insert ON permissions.measurements IS
'Row-level security for INSERT on measurements: new rows where can_create(''measurement''::text, account_id, performer_id)';

CREATE POLICY measurements_update ON permissions.measurements FOR UPDATE
    USING (permissions.can_edit('measurement', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('measurement', account_id, performer_id, created_by));
COMMENT ON POLICY measurements_update ON permissions.measurements IS
'Row-level security for UPDATE on measurements: rows where can_edit(''measurement''::text, account_id, performer_id, created_by); new rows where can_edit(''measurement''::text, account_id, performer_id, created_by)';

CREATE POLICY measurements_delete ON permissions.measurements FOR DELETE
    USING (permissions.can_delete('measurement', account_id, performer_id, created_by));
COMMENT ON POLICY measurements_delete ON permissions.measurements IS
'Row-level security for DELETE on measurements: rows where can_delete(''measurement''::text, account_id, performer_id, created_by)';

ALTER TABLE permissions.conditions ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.conditions FORCE ROW LEVEL SECURITY;
CREATE POLICY conditions_select ON permissions.conditions FOR SELECT
    USING (permissions.can_view('condition', account_id, performer_id));
COMMENT ON POLICY conditions_select ON permissions.conditions IS
'Row-level security for SELECT on conditions: rows where can_view(''condition''::text, account_id, performer_id)';

CREATE POLICY conditions_insert ON permissions.conditions FOR INSERT
    WITH CHECK (permissions.can_create('condition', account_id, performer_id));
COMMENT ON POLICY conditions_insert ON permissions.conditions IS
'Row-level security for INSERT on conditions: new rows where can_create(''condition''::text, account_id, performer_id)';

CREATE POLICY conditions_update ON permissions.conditions FOR UPDATE
    USING (permissions.can_edit('condition', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('condition', account_id, performer_id, created_by));
COMMENT ON POLICY conditions_update ON permissions.conditions IS
'Row-level security for UPDATE on conditions: rows where can_edit(''condition''::text, account_id, performer_id, created_by); new rows where can_edit(''condition''::text, account_id, performer_id, created_by)';

CREATE POLICY conditions_delete ON permissions.conditions FOR DELETE
    USING (permissions.can_delete('condition', account_id, performer_id, created_by));
COMMENT ON POLICY conditions_delete ON permissions.conditions IS
'Row-level security for DELETE on conditions: rows where can_delete(''condition''::text, account_id, performer_id, created_by)';

ALTER TABLE permissions.notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.notes FORCE ROW LEVEL SECURITY;
CREATE POLICY notes_select ON permissions.notes FOR SELECT
    USING (permissions.can_view('note', account_id, performer_id));
COMMENT ON POLICY notes_select ON permissions.notes IS
'Row-level security for SELECT on notes: rows where can_view(''note''::text, account_id, performer_id)';

CREATE POLICY notes_insert ON permissions.notes FOR INSERT
    WITH CHECK (permissions.can_create('note', account_id, performer_id));
COMMENT ON POLICY notes_insert ON permissions.notes IS
'Row-level security for INSERT on notes: new rows where can_create(''note''::text, account_id, performer_id)';

CREATE POLICY notes_update ON permissions.notes FOR UPDATE
    USING (permissions.can_edit('note', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('note', account_id, performer_id, created_by));
COMMENT ON POLICY notes_update ON permissions.notes IS
'Row-level security for UPDATE on notes: rows where can_edit(''note''::text, account_id, performer_id, created_by); new rows where can_edit(''note''::text, account_id, performer_id, created_by)';

CREATE POLICY notes_delete ON permissions.notes FOR DELETE
    USING (permissions.can_delete('note', account_id, performer_id, created_by));
COMMENT ON POLICY notes_delete ON permissions.notes IS
'Row-level security for DELETE on notes: rows where can_delete(''note''::text, account_id, performer_id, created_by)';

ALTER TABLE permissions.journals ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.journals FORCE ROW LEVEL SECURITY;
CREATE POLICY journals_select ON permissions.journals FOR SELECT
    USING (permissions.can_view('journal', account_id, performer_id));
COMMENT ON POLICY journals_select ON permissions.journals IS
'Row-level security for SELECT on journals: rows where can_view(''journal''::text, account_id, performer_id)';

CREATE POLICY journals_insert ON permissions.journals FOR INSERT
    WITH CHECK (permissions.can_create('journal', account_id, performer_id));
COMMENT ON POLICY journals_insert ON permissions.journals IS
'Row-level security for INSERT on journals: new rows where can_create(''journal''::text, account_id, performer_id)';

CREATE POLICY journals_update ON permissions.journals FOR UPDATE
    USING (permissions.can_edit('journal', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('journal', account_id, performer_id, created_by));
COMMENT ON POLICY journals_update ON permissions.journals IS
'Row-level security for UPDATE on journals: rows where can_edit(''journal''::text, account_id, performer_id, created_by); new rows where can_edit(''journal''::text, account_id, performer_id, created_by)';

CREATE POLICY journals_delete ON permissions.journals FOR DELETE
    USING (permissions.can_delete('journal', account_id, performer_id, created_by));
COMMENT ON POLICY journals_delete ON permissions.journals IS
'Row-level security for DELETE on journals: rows where can_delete(''journal''::text, account_id, performer_id, created_by)';

-- tag assignments: performer data for performers, charts and journals;
-- members of the account (its users and managers, not whoever reads its
-- libraries through a grant on one of its performers) for users and
-- pinpoints (manage_tags is the library)
ALTER TABLE permissions.tag_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.tag_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY tag_assignments_select ON permissions.tag_assignments FOR SELECT
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_view('tag', account_id, performer_id)
                ELSE permissions.is_member(account_id) END);
COMMENT ON POLICY tag_assignments_select ON permissions.tag_assignments IS
'Row-level security for SELECT on tag_assignments: rows where 
CASE
    WHEN (performer_id IS NOT NULL) THEN can_view(''tag''::text, account_id, performer_id)
    ELSE is_member(account_id)
END';
CREATE POLICY tag_assignments_insert ON permissions.tag_assignments FOR INSERT
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_create('tag', account_id, performer_id)
                     ELSE permissions.in_account(account_id) END);
COMMENT ON POLICY tag_assignments_insert ON permissions.tag_assignments IS
'Tags on performers, charts and journals: create on kind tag (tier3 and above); on users and pinpoints: users and managers of the account.';
CREATE POLICY tag_assignments_update ON permissions.tag_assignments FOR UPDATE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                ELSE permissions.in_account(account_id) END)
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                     ELSE permissions.in_account(account_id) END);
COMMENT ON POLICY tag_assignments_update ON permissions.tag_assignments IS
'Tags on performers, charts and journals: edit on kind tag; on users and pinpoints: users and managers of the account.';
CREATE POLICY tag_assignments_delete ON permissions.tag_assignments FOR DELETE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_delete('tag', account_id, performer_id, created_by)
                ELSE permissions.in_account(account_id) END);
COMMENT ON POLICY tag_assignments_delete ON permissions.tag_assignments IS
'Tags on performers, charts and journals: delete on kind tag (tier2 and above); on users and pinpoints: users and managers of the account.';

-- assessments: performer data; creating one is data entry (tier3 and above)
ALTER TABLE permissions.assessments ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.assessments FORCE ROW LEVEL SECURITY;
CREATE POLICY assessments_select ON permissions.assessments FOR SELECT
    USING (permissions.can_view('performer', account_id, performer_id));
COMMENT ON POLICY assessments_select ON permissions.assessments IS 'Seen like performer data: view on kind performer.';

CREATE POLICY assessments_insert ON permissions.assessments FOR INSERT
    WITH CHECK (permissions.can_create('measurement', account_id, performer_id));
COMMENT ON POLICY assessments_insert ON permissions.assessments IS
'Created like data entry: create on kind measurement (tier3 and above).';

CREATE POLICY assessments_update ON permissions.assessments FOR UPDATE
    USING (permissions.can_edit('measurement', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('measurement', account_id, performer_id, created_by));
COMMENT ON POLICY assessments_update ON permissions.assessments IS 'Changed like data entry: edit on kind measurement.';

CREATE POLICY assessments_delete ON permissions.assessments FOR DELETE
    USING (permissions.can_delete('measurement', account_id, performer_id, created_by));
COMMENT ON POLICY assessments_delete ON permissions.assessments IS
'Deleted like data entry: delete on kind measurement (tier2 and above).';

-- reviews: manage_reviews holders (on performers they see); participants read
ALTER TABLE permissions.reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.reviews FORCE ROW LEVEL SECURITY;
CREATE POLICY reviews_select ON permissions.reviews FOR SELECT
    USING (permissions.holds('manage_reviews', account_id) OR permissions.is_review_participant(id));
COMMENT ON POLICY reviews_select ON permissions.reviews IS 'manage_reviews in the account, or taking part in the review.';

CREATE POLICY reviews_insert ON permissions.reviews FOR INSERT
    WITH CHECK (permissions.holds('manage_reviews', account_id)
                AND permissions.can_view('performer', account_id, performer_id));
COMMENT ON POLICY reviews_insert ON permissions.reviews IS 'manage_reviews in the account, on a performer the user can see.';

CREATE POLICY reviews_update ON permissions.reviews FOR UPDATE
    USING (permissions.holds('manage_reviews', account_id))
    WITH CHECK (permissions.holds('manage_reviews', account_id)
                AND permissions.can_view('performer', account_id, performer_id));
COMMENT ON POLICY reviews_update ON permissions.reviews IS 'manage_reviews in the account, on a performer the user can see.';

CREATE POLICY reviews_delete ON permissions.reviews FOR DELETE
    USING (permissions.holds('manage_reviews', account_id));
COMMENT ON POLICY reviews_delete ON permissions.reviews IS 'manage_reviews in the account.';

ALTER TABLE permissions.review_participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.review_participants FORCE ROW LEVEL SECURITY;
CREATE POLICY review_participants_select ON permissions.review_participants FOR SELECT
    USING (permissions.holds('manage_reviews', account_id) OR permissions.is_review_participant(review_id));
COMMENT ON POLICY review_participants_select ON permissions.review_participants IS
'manage_reviews in the account, or taking part in the review.';

CREATE POLICY review_participants_insert ON permissions.review_participants FOR INSERT
    WITH CHECK (permissions.holds('manage_reviews', account_id));
COMMENT ON POLICY review_participants_insert ON permissions.review_participants IS 'manage_reviews in the review''s account.';

CREATE POLICY review_participants_update ON permissions.review_participants FOR UPDATE
    USING (permissions.holds('manage_reviews', account_id))
    WITH CHECK (permissions.holds('manage_reviews', account_id));
COMMENT ON POLICY review_participants_update ON permissions.review_participants IS 'manage_reviews in the review''s account.';

CREATE POLICY review_participants_delete ON permissions.review_participants FOR DELETE
    USING (permissions.holds('manage_reviews', account_id));
COMMENT ON POLICY review_participants_delete ON permissions.review_participants IS 'manage_reviews in the review''s account.';

-- ---------------------------------------------------------------------------
-- Grants, groups and teams
-- ---------------------------------------------------------------------------

-- grants: kind "access" (tier1) on a performer; manage_users for a group;
-- grantees see their own grants
ALTER TABLE permissions.access_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.access_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY access_grants_select ON permissions.access_grants FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR CASE WHEN performer_id IS NOT NULL
                   THEN permissions.can_view('access', account_id, performer_id)
                   ELSE permissions.holds('manage_users', account_id) END);
COMMENT ON POLICY access_grants_select ON permissions.access_grants IS
'Row-level security for SELECT on access_grants: rows where ((user_id = current_user_id()) OR
CASE
    WHEN (performer_id IS NOT NULL) THEN can_view(''access''::text, account_id, performer_id)
    ELSE holds(''manage_users''::text, account_id)
END)';

CREATE POLICY access_grants_insert ON permissions.access_grants FOR INSERT
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_create('access', account_id, performer_id)
                     ELSE permissions.holds('manage_users', account_id) END);
COMMENT ON POLICY access_grants_insert ON permissions.access_grants IS
'Row-level security for INSERT on access_grants: new rows where 
CASE
    WHEN (performer_id IS NOT NULL) THEN can_create(''access''::text, account_id, performer_id)
    ELSE holds(''manage_users''::text, account_id)
END';

CREATE POLICY access_grants_update ON permissions.access_grants FOR UPDATE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_edit('access', account_id, performer_id, NULL)
                ELSE permissions.holds('manage_users', account_id) END)
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_edit('access', account_id, performer_id, NULL)
                     ELSE permissions.holds('manage_users', account_id) END);
COMMENT ON POLICY access_grants_update ON permissions.access_grants IS
'Row-level security for UPDATE on access_grants: rows where 
CASE
    WHEN (performer_id IS NOT NULL) THEN can_edit(''access''::text, account_id, performer_id, NULL::bigint)
    ELSE holds(''manage_users''::text, account_id)
END; new rows where 
CASE
    WHEN (performer_id IS NOT NULL) THEN can_edit(''access''::text, account_id, performer_id, NULL::bigint)
    ELSE holds(''manage_users''::text, account_id)
END';

CREATE POLICY access_grants_delete ON permissions.access_grants FOR DELETE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_delete('access', account_id, performer_id, NULL)
                ELSE permissions.holds('manage_users', account_id) END);
COMMENT ON POLICY access_grants_delete ON permissions.access_grants IS
'Row-level security for DELETE on access_grants: rows where 
CASE
    WHEN (performer_id IS NOT NULL) THEN can_delete(''access''::text, account_id, performer_id, NULL::bigint)
    ELSE holds(''manage_users''::text, account_id)
END';

-- groups and teams: members of the account see them; the permission changes them
ALTER TABLE permissions.groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.groups FORCE ROW LEVEL SECURITY;
CREATE POLICY groups_select ON permissions.groups FOR SELECT
    USING (permissions.is_member(account_id));
COMMENT ON POLICY groups_select ON permissions.groups IS
'Row-level security for SELECT on groups: rows where is_member(account_id)';

CREATE POLICY groups_write ON permissions.groups FOR ALL
    USING (permissions.holds('create_groups', account_id))
    WITH CHECK (permissions.holds('create_groups', account_id));
COMMENT ON POLICY groups_write ON permissions.groups IS
'Row-level security for every command on groups: rows where holds(''create_groups''::text, account_id); new rows where holds(''create_groups''::text, account_id)';

-- Adding a performer to a group extends the group's grants to it, so it
-- needs tier1 on the performer; removing one narrows what the group's
-- grants reach, as deleting the group does: create_groups is enough.
ALTER TABLE permissions.group_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.group_members FORCE ROW LEVEL SECURITY;
CREATE POLICY group_members_select ON permissions.group_members FOR SELECT
    USING (permissions.can_view('performer', account_id, performer_id));
COMMENT ON POLICY group_members_select ON permissions.group_members IS
'Row-level security for SELECT on group_members: rows where can_view(''performer''::text, account_id, performer_id)';

CREATE POLICY group_members_insert ON permissions.group_members FOR INSERT
    WITH CHECK (permissions.holds('create_groups', account_id)
                AND permissions.can_create('access', account_id, performer_id));
COMMENT ON POLICY group_members_insert ON permissions.group_members IS
'Row-level security for INSERT on group_members: new rows where (holds(''create_groups''::text, account_id) AND can_create(''access''::text, account_id, performer_id))';

CREATE POLICY group_members_update ON permissions.group_members FOR UPDATE
    USING (false);
COMMENT ON POLICY group_members_update ON permissions.group_members IS
'Row-level security for UPDATE on group_members: rows where false';
CREATE POLICY group_members_delete ON permissions.group_members FOR DELETE
    USING (permissions.holds('create_groups', account_id));
COMMENT ON POLICY group_members_delete ON permissions.group_members IS
'Removing a performer from a group needs create_groups in its account (as deleting the group does).';

ALTER TABLE permissions.teams ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.teams FORCE ROW LEVEL SECURITY;
CREATE POLICY teams_select ON permissions.teams FOR SELECT
    USING (permissions.is_member(account_id));
COMMENT ON POLICY teams_select ON permissions.teams IS 'Row-level security for SELECT on teams: rows where is_member(account_id)';

CREATE POLICY teams_write ON permissions.teams FOR ALL
    USING (permissions.holds('manage_teams', account_id))
    WITH CHECK (permissions.holds('manage_teams', account_id));
COMMENT ON POLICY teams_write ON permissions.teams IS
'Row-level security for every command on teams: rows where holds(''manage_teams''::text, account_id); new rows where holds(''manage_teams''::text, account_id)';

ALTER TABLE permissions.team_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.team_members FORCE ROW LEVEL SECURITY;
CREATE POLICY team_members_select ON permissions.team_members FOR SELECT
    USING (permissions.is_member(account_id));
COMMENT ON POLICY team_members_select ON permissions.team_members IS
'Row-level security for SELECT on team_members: rows where is_member(account_id)';

CREATE POLICY team_members_write ON permissions.team_members FOR ALL
    USING (permissions.holds('manage_teams', account_id))
    WITH CHECK (permissions.holds('manage_teams', account_id));
COMMENT ON POLICY team_members_write ON permissions.team_members IS
'Row-level security for every command on team_members: rows where holds(''manage_teams''::text, account_id); new rows where holds(''manage_teams''::text, account_id)';
