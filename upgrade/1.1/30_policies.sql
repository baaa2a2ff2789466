-- ---------------------------------------------------------------------------
-- Policies, version 1.1: tag assignments on users and pinpoints are written
-- by members of the account (its users and managers), not by whoever reads
-- its libraries through a grant on one of its performers.
-- ---------------------------------------------------------------------------

ALTER POLICY tag_assignments_insert ON permissions.tag_assignments
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_create('tag', account_id, performer_id)
                     ELSE permissions.in_account(account_id) END);
ALTER POLICY tag_assignments_update ON permissions.tag_assignments
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                ELSE permissions.in_account(account_id) END)
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                     ELSE permissions.in_account(account_id) END);
ALTER POLICY tag_assignments_delete ON permissions.tag_assignments
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_delete('tag', account_id, performer_id, created_by)
                ELSE permissions.in_account(account_id) END);
COMMENT ON POLICY tag_assignments_insert ON permissions.tag_assignments IS
'Tags on performers, charts and journals: create on kind tag (tier3 and above); on users and pinpoints: users and managers of the account.';
COMMENT ON POLICY tag_assignments_update ON permissions.tag_assignments IS
'Tags on performers, charts and journals: edit on kind tag; on users and pinpoints: users and managers of the account.';
COMMENT ON POLICY tag_assignments_delete ON permissions.tag_assignments IS
'Tags on performers, charts and journals: delete on kind tag (tier2 and above); on users and pinpoints: users and managers of the account.';

-- Removing a performer from a group narrows what the group's grants reach,
-- as deleting the group does: create_groups is enough (adding one needs
-- tier1 on it, since group grants reach members).
ALTER POLICY group_members_delete ON permissions.group_members
    USING (permissions.holds('create_groups', account_id));
COMMENT ON POLICY group_members_delete ON permissions.group_members IS
'Removing a performer from a group needs create_groups in its account (as deleting the group does).';
