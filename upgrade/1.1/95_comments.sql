
-- ---------------------------------------------------------------------------
-- Comments: the schema and every column of the extension's tables and views
-- say what they hold in \d+ and pg_description (1.0 commented the tables,
-- functions, policies and triggers, and 6 columns).  sql/catalog_comments.sql
-- lists any object left without one.
-- ---------------------------------------------------------------------------

COMMENT ON SCHEMA permissions IS
'The permissions extension: multi-tenant accounts, users, performers and their data, every table under row-level security decided by C functions. Objects marked Internal are the extension''s own machinery.';

COMMENT ON COLUMN permissions.accounts.id IS 'The account''s id, chosen by the database.';
COMMENT ON COLUMN permissions.accounts.account_id IS 'The same as id (generated): every table has account_id, so tenant-wide tools can treat accounts like any other table.';
COMMENT ON COLUMN permissions.accounts.parent_id IS 'The parent account of a sub-account; NULL for a top-level account (a tenant). Managers of an account manage its whole subtree.';
COMMENT ON COLUMN permissions.accounts.name IS 'The account''s name, shown to its users.';
COMMENT ON COLUMN permissions.accounts.phone IS 'Contact phone number (manage_organization).';
COMMENT ON COLUMN permissions.accounts.address IS 'Postal address (manage_organization).';
COMMENT ON COLUMN permissions.accounts.logo_url IS 'Address of the account''s logo image (manage_organization).';
COMMENT ON COLUMN permissions.accounts.settings IS 'Application settings of the account, as JSON (manage_organization).';
COMMENT ON COLUMN permissions.accounts.plan IS 'Billing plan; changed by DBAs only, read through the billing view (manage_billing).';
COMMENT ON COLUMN permissions.accounts.created_at IS 'When the account was created.';

COMMENT ON COLUMN permissions.users.id IS 'The user''s id, chosen by the database.';
COMMENT ON COLUMN permissions.users.account_id IS 'The account the user belongs to: its wildcard tier and its permissions apply there.';
COMMENT ON COLUMN permissions.users.username IS 'Login name of the user.';
COMMENT ON COLUMN permissions.users.email IS 'Email address; invitations are sent to it.';
COMMENT ON COLUMN permissions.users.first_name IS 'First name (a profile field: editable by the user with manage_profile).';
COMMENT ON COLUMN permissions.users.last_name IS 'Last name (a profile field: editable by the user with manage_profile).';
COMMENT ON COLUMN permissions.users.picture_url IS 'Address of the user''s picture (a profile field).';
COMMENT ON COLUMN permissions.users.role IS 'user, or manager: a manager holds every permission and tier1 on every performer of its account and all sub-accounts.';
COMMENT ON COLUMN permissions.users.user_type IS 'full_access, single_performer (parents: one performer, granted directly) or read_only (never above tier4).';
COMMENT ON COLUMN permissions.users.permissions IS 'Organization permissions the user holds in its own account (managers hold all of them in their subtree).';
COMMENT ON COLUMN permissions.users.status IS 'invited (waiting for permissions.accept_invitation()) or active.';
COMMENT ON COLUMN permissions.users.created_at IS 'When the user was created.';

COMMENT ON COLUMN permissions.api_credentials.id IS 'The credential''s id, chosen by the database; it is the number in pm_<id>_<secret>.';
COMMENT ON COLUMN permissions.api_credentials.account_id IS 'The account of the credential''s user.';
COMMENT ON COLUMN permissions.api_credentials.user_id IS 'The user the credential acts as.';
COMMENT ON COLUMN permissions.api_credentials.name IS 'A name the creator gave the credential, such as the application or device that uses it.';
COMMENT ON COLUMN permissions.api_credentials.secret_hash IS 'SHA-256 of the secret part of the credential; the secret itself is never stored. Not readable by non-superusers.';
COMMENT ON COLUMN permissions.api_credentials.created_by IS 'The user who created the credential (NULL: a DBA).';
COMMENT ON COLUMN permissions.api_credentials.created_at IS 'When the credential was created.';

-- (1.1 replaces the single access epoch by per-tenant epochs, in another fragment)
DO $$
BEGIN
    IF pg_catalog.to_regclass('permissions.access_epoch') IS NOT NULL THEN
        COMMENT ON COLUMN permissions.access_epoch.epoch IS 'Moves (from access_epoch_seq) in the same transaction as every change to access-relevant data; a backend rebuilds its access cache when it reads a new value.';
    END IF;
END
$$;

COMMENT ON COLUMN permissions.audit_log.id IS 'Position of the entry in the log, chosen by the database.';
COMMENT ON COLUMN permissions.audit_log.account_id IS 'The account the changed row belongs to (NULL when the row has none); view_audit_logs holders of that account read the entry.';
COMMENT ON COLUMN permissions.audit_log.at IS 'When the change was made (clock time within its transaction).';
COMMENT ON COLUMN permissions.audit_log.actor_id IS 'The user who made the change (NULL: a DBA or a role with no identity).';
COMMENT ON COLUMN permissions.audit_log.actor_role IS 'The database role that made the change (the current role, else the session user).';
COMMENT ON COLUMN permissions.audit_log.action IS 'insert, update or delete.';
COMMENT ON COLUMN permissions.audit_log.table_name IS 'The table of the changed row.';
COMMENT ON COLUMN permissions.audit_log.row_id IS 'The id of the changed row, when it has one.';
COMMENT ON COLUMN permissions.audit_log.before IS 'The row before the change, as JSON (NULL for an insert); never a secret hash.';
COMMENT ON COLUMN permissions.audit_log.after IS 'The row after the change, as JSON (NULL for a delete); never a secret hash.';

COMMENT ON COLUMN permissions.performers.id IS 'The performer''s id, chosen by the database.';
COMMENT ON COLUMN permissions.performers.account_id IS 'The account the performer belongs to; its data follows it when it moves (ON UPDATE CASCADE).';
COMMENT ON COLUMN permissions.performers.first_name IS 'First name of the performer.';
COMMENT ON COLUMN permissions.performers.last_name IS 'Last name of the performer.';
COMMENT ON COLUMN permissions.performers.birth_date IS 'Date of birth.';
COMMENT ON COLUMN permissions.performers.external_id IS 'The performer''s id in another system, for the application''s own use.';
COMMENT ON COLUMN permissions.performers.created_by IS 'The user who created the performer (set by the database; it got a tier1 grant on it).';
COMMENT ON COLUMN permissions.performers.created_at IS 'When the performer was created.';

COMMENT ON COLUMN permissions.groups.id IS 'The group''s id, chosen by the database.';
COMMENT ON COLUMN permissions.groups.account_id IS 'The account whose performers the group holds.';
COMMENT ON COLUMN permissions.groups.name IS 'The group''s name.';
COMMENT ON COLUMN permissions.groups.created_by IS 'The user who created the group (set by the database).';
COMMENT ON COLUMN permissions.groups.created_at IS 'When the group was created.';

COMMENT ON COLUMN permissions.group_members.group_id IS 'The group the performer is in.';
COMMENT ON COLUMN permissions.group_members.performer_id IS 'The performer in the group (of the group''s account).';
COMMENT ON COLUMN permissions.group_members.account_id IS 'The account of the group and the performer.';
COMMENT ON COLUMN permissions.group_members.added_by IS 'The user who added the performer to the group.';

COMMENT ON COLUMN permissions.teams.id IS 'The team''s id, chosen by the database.';
COMMENT ON COLUMN permissions.teams.account_id IS 'The account the team belongs to.';
COMMENT ON COLUMN permissions.teams.name IS 'The team''s name.';
COMMENT ON COLUMN permissions.teams.created_by IS 'The user who created the team (set by the database).';
COMMENT ON COLUMN permissions.teams.created_at IS 'When the team was created.';

COMMENT ON COLUMN permissions.team_members.team_id IS 'The team the user is in.';
COMMENT ON COLUMN permissions.team_members.user_id IS 'The user in the team: it gets the team''s grants.';
COMMENT ON COLUMN permissions.team_members.account_id IS 'The account of the team and the user.';
COMMENT ON COLUMN permissions.team_members.added_by IS 'The user who added the member.';

COMMENT ON COLUMN permissions.access_grants.id IS 'The grant''s id, chosen by the database.';
COMMENT ON COLUMN permissions.access_grants.account_id IS 'The account of the performer or group granted (set by the database).';
COMMENT ON COLUMN permissions.access_grants.user_id IS 'The user the grant is to (or team_id).';
COMMENT ON COLUMN permissions.access_grants.team_id IS 'The team the grant is to, reaching every member (or user_id).';
COMMENT ON COLUMN permissions.access_grants.performer_id IS 'The performer the grant is on (or group_id).';
COMMENT ON COLUMN permissions.access_grants.group_id IS 'The group the grant is on, reaching every performer in it (or performer_id).';
COMMENT ON COLUMN permissions.access_grants.tier IS 'The tier given, before the grantee''s user-type cap.';
COMMENT ON COLUMN permissions.access_grants.expires_at IS 'When the grant stops counting (NULL: never); checked against the start of each statement.';
COMMENT ON COLUMN permissions.access_grants.granted_by IS 'The user who made the grant (NULL: a DBA).';
COMMENT ON COLUMN permissions.access_grants.created_at IS 'When the grant was made.';

COMMENT ON COLUMN permissions.pinpoints.id IS 'The pinpoint''s id, chosen by the database.';
COMMENT ON COLUMN permissions.pinpoints.account_id IS 'The account whose library holds the pinpoint.';
COMMENT ON COLUMN permissions.pinpoints.name IS 'The behaviour being charted, unique in the account''s library.';
COMMENT ON COLUMN permissions.pinpoints.measurement_type IS 'What a measurement of it records: count, duration, percent or rate.';
COMMENT ON COLUMN permissions.pinpoints.goal IS 'The target value (aim), if any.';
COMMENT ON COLUMN permissions.pinpoints.goal_direction IS 'accelerate (more is better) or decelerate (less is better).';
COMMENT ON COLUMN permissions.pinpoints.created_by IS 'The user who added the pinpoint (set by the database).';
COMMENT ON COLUMN permissions.pinpoints.created_at IS 'When the pinpoint was added.';

COMMENT ON COLUMN permissions.charts.id IS 'The chart''s id, chosen by the database.';
COMMENT ON COLUMN permissions.charts.account_id IS 'The performer''s account.';
COMMENT ON COLUMN permissions.charts.performer_id IS 'The performer charted.';
COMMENT ON COLUMN permissions.charts.pinpoint_id IS 'The pinpoint charted, from the library of the chart''s own account.';
COMMENT ON COLUMN permissions.charts.title IS 'The chart''s title.';
COMMENT ON COLUMN permissions.charts.created_by IS 'The user who created the chart (set by the database).';
COMMENT ON COLUMN permissions.charts.created_at IS 'When the chart was created.';

COMMENT ON COLUMN permissions.measurements.id IS 'The measurement''s id, chosen by the database.';
COMMENT ON COLUMN permissions.measurements.account_id IS 'The performer''s account.';
COMMENT ON COLUMN permissions.measurements.performer_id IS 'The performer measured.';
COMMENT ON COLUMN permissions.measurements.chart_id IS 'The chart the measurement belongs to.';
COMMENT ON COLUMN permissions.measurements.measured_on IS 'The day of the measurement.';
COMMENT ON COLUMN permissions.measurements.count IS 'Number of correct responses (or the value, for the pinpoint''s measurement type).';
COMMENT ON COLUMN permissions.measurements.errors IS 'Number of errors.';
COMMENT ON COLUMN permissions.measurements.counting_time IS 'How long the count took (the timing), for rates per minute.';
COMMENT ON COLUMN permissions.measurements.created_by IS 'The user who entered the measurement (set by the database; decides "own").';
COMMENT ON COLUMN permissions.measurements.created_at IS 'When the measurement was entered.';

COMMENT ON COLUMN permissions.conditions.id IS 'The condition''s id, chosen by the database.';
COMMENT ON COLUMN permissions.conditions.account_id IS 'The performer''s account.';
COMMENT ON COLUMN permissions.conditions.performer_id IS 'The performer charted.';
COMMENT ON COLUMN permissions.conditions.chart_id IS 'The chart the condition (phase change) is drawn on.';
COMMENT ON COLUMN permissions.conditions.starts_on IS 'The day the new condition starts.';
COMMENT ON COLUMN permissions.conditions.label IS 'What changed, shown on the chart.';
COMMENT ON COLUMN permissions.conditions.created_by IS 'The user who entered the condition (set by the database).';
COMMENT ON COLUMN permissions.conditions.created_at IS 'When the condition was entered.';

COMMENT ON COLUMN permissions.notes.id IS 'The note''s id, chosen by the database.';
COMMENT ON COLUMN permissions.notes.account_id IS 'The performer''s account.';
COMMENT ON COLUMN permissions.notes.performer_id IS 'The performer the note is about.';
COMMENT ON COLUMN permissions.notes.chart_id IS 'The chart the note is on.';
COMMENT ON COLUMN permissions.notes.noted_on IS 'The day the note is about.';
COMMENT ON COLUMN permissions.notes.body IS 'The text of the note.';
COMMENT ON COLUMN permissions.notes.created_by IS 'The user who wrote the note (set by the database).';
COMMENT ON COLUMN permissions.notes.created_at IS 'When the note was written.';

COMMENT ON COLUMN permissions.tags.id IS 'The tag''s id, chosen by the database.';
COMMENT ON COLUMN permissions.tags.account_id IS 'The account whose tag library holds the tag.';
COMMENT ON COLUMN permissions.tags.name IS 'The tag, unique in the account''s library.';
COMMENT ON COLUMN permissions.tags.created_by IS 'The user who added the tag (set by the database).';

COMMENT ON COLUMN permissions.journal_types.id IS 'The journal type''s id, chosen by the database.';
COMMENT ON COLUMN permissions.journal_types.account_id IS 'The account whose library holds the journal type.';
COMMENT ON COLUMN permissions.journal_types.name IS 'The journal type (session, incident ...), unique in the account''s library.';
COMMENT ON COLUMN permissions.journal_types.created_by IS 'The user who added the journal type (set by the database).';

COMMENT ON COLUMN permissions.journals.id IS 'The journal entry''s id, chosen by the database.';
COMMENT ON COLUMN permissions.journals.account_id IS 'The performer''s account.';
COMMENT ON COLUMN permissions.journals.performer_id IS 'The performer the entry is about.';
COMMENT ON COLUMN permissions.journals.journal_type_id IS 'The entry''s type, from the library of its own account.';
COMMENT ON COLUMN permissions.journals.entry_date IS 'The day the entry is about.';
COMMENT ON COLUMN permissions.journals.body IS 'The text of the entry.';
COMMENT ON COLUMN permissions.journals.created_by IS 'The user who wrote the entry (set by the database; tier2 and tier3 edit their own entries only).';
COMMENT ON COLUMN permissions.journals.created_at IS 'When the entry was written.';

COMMENT ON COLUMN permissions.tag_assignments.id IS 'The assignment''s id, chosen by the database.';
COMMENT ON COLUMN permissions.tag_assignments.account_id IS 'The account of the tag and of what it is assigned to.';
COMMENT ON COLUMN permissions.tag_assignments.tag_id IS 'The tag assigned.';
COMMENT ON COLUMN permissions.tag_assignments.target_kind IS 'What the tag is on: performer, chart, journal (performer data, under the tier matrix), user or pinpoint (account members).';
COMMENT ON COLUMN permissions.tag_assignments.performer_id IS 'The performer tagged, or whose chart or journal is tagged.';
COMMENT ON COLUMN permissions.tag_assignments.chart_id IS 'The chart tagged (target_kind chart).';
COMMENT ON COLUMN permissions.tag_assignments.journal_id IS 'The journal entry tagged (target_kind journal).';
COMMENT ON COLUMN permissions.tag_assignments.target_user_id IS 'The user tagged (target_kind user).';
COMMENT ON COLUMN permissions.tag_assignments.pinpoint_id IS 'The pinpoint tagged (target_kind pinpoint).';
COMMENT ON COLUMN permissions.tag_assignments.created_by IS 'The user who assigned the tag (set by the database).';
COMMENT ON COLUMN permissions.tag_assignments.created_at IS 'When the tag was assigned.';

COMMENT ON COLUMN permissions.chart_views.id IS 'The view''s id, chosen by the database.';
COMMENT ON COLUMN permissions.chart_views.account_id IS 'The account the view belongs to.';
COMMENT ON COLUMN permissions.chart_views.owner_id IS 'The user whose view it is; NULL for an organization default (manage_org_chart_views).';
COMMENT ON COLUMN permissions.chart_views.name IS 'The view''s name.';
COMMENT ON COLUMN permissions.chart_views.settings IS 'The saved chart settings, as JSON.';
COMMENT ON COLUMN permissions.chart_views.created_by IS 'The user who saved the view (set by the database).';

COMMENT ON COLUMN permissions.reporting_views.id IS 'The view''s id, chosen by the database.';
COMMENT ON COLUMN permissions.reporting_views.account_id IS 'The account the view belongs to.';
COMMENT ON COLUMN permissions.reporting_views.owner_id IS 'The user whose view it is; NULL for an organization default (manage_org_reporting_views).';
COMMENT ON COLUMN permissions.reporting_views.name IS 'The view''s name.';
COMMENT ON COLUMN permissions.reporting_views.settings IS 'The saved report settings, as JSON.';
COMMENT ON COLUMN permissions.reporting_views.created_by IS 'The user who saved the view (set by the database).';

COMMENT ON COLUMN permissions.account_deletions.account_id IS 'An account permissions.delete_account() is deleting in the current transaction.';

COMMENT ON COLUMN permissions.invitations.user_id IS 'The invited user (status invited).';
COMMENT ON COLUMN permissions.invitations.account_id IS 'The invited user''s account.';
COMMENT ON COLUMN permissions.invitations.token_hash IS 'SHA-256 of the invitation token; the token itself is never stored. Not readable by non-superusers.';
COMMENT ON COLUMN permissions.invitations.invited_by IS 'The user who sent the invitation (NULL: a DBA).';
COMMENT ON COLUMN permissions.invitations.created_at IS 'When the invitation was issued.';
COMMENT ON COLUMN permissions.invitations.expires_at IS 'When the invitation stops being accepted.';

COMMENT ON COLUMN permissions.account_credits.account_id IS 'The account whose balance this is.';
COMMENT ON COLUMN permissions.account_credits.balance IS 'Credits the account holds: the sum of its credit_ledger entries, never below zero.';
COMMENT ON COLUMN permissions.account_credits.updated_at IS 'When the balance last changed.';

COMMENT ON COLUMN permissions.credit_ledger.id IS 'Position of the movement in the ledger, chosen by the database.';
COMMENT ON COLUMN permissions.credit_ledger.account_id IS 'The account whose balance moves (kept after the account is deleted).';
COMMENT ON COLUMN permissions.credit_ledger.amount IS 'Credits in (positive) or out (negative).';
COMMENT ON COLUMN permissions.credit_ledger.reason IS 'Why: purchase, transfer, assessment, or a reason given to add_credits() or transfer_credits().';
COMMENT ON COLUMN permissions.credit_ledger.created_by IS 'The user who moved the credits (NULL: a DBA).';
COMMENT ON COLUMN permissions.credit_ledger.created_at IS 'When the credits moved.';

COMMENT ON COLUMN permissions.assessments.id IS 'The assessment''s id, chosen by the database.';
COMMENT ON COLUMN permissions.assessments.account_id IS 'The performer''s account, whose credit the assessment spent.';
COMMENT ON COLUMN permissions.assessments.performer_id IS 'The performer assessed.';
COMMENT ON COLUMN permissions.assessments.kind IS 'The kind of assessment taken.';
COMMENT ON COLUMN permissions.assessments.taken_at IS 'When the assessment was taken.';
COMMENT ON COLUMN permissions.assessments.score IS 'The results, as JSON.';
COMMENT ON COLUMN permissions.assessments.created_by IS 'The user who recorded the assessment (set by the database).';
COMMENT ON COLUMN permissions.assessments.created_at IS 'When the assessment was recorded.';

COMMENT ON COLUMN permissions.api_credential_uses.credential_id IS 'The API credential (no foreign key, so deleting a credential never waits for a session recording a use).';
COMMENT ON COLUMN permissions.api_credential_uses.last_used_at IS 'When the credential was last used to authenticate, to the second (not recorded in read-only transactions).';

COMMENT ON COLUMN permissions.reviews.id IS 'The review''s id, chosen by the database.';
COMMENT ON COLUMN permissions.reviews.account_id IS 'The performer''s account.';
COMMENT ON COLUMN permissions.reviews.performer_id IS 'The performer reviewed.';
COMMENT ON COLUMN permissions.reviews.title IS 'The review''s title.';
COMMENT ON COLUMN permissions.reviews.status IS 'draft, open or closed.';
COMMENT ON COLUMN permissions.reviews.due_on IS 'When the review is due.';
COMMENT ON COLUMN permissions.reviews.created_by IS 'The user who created the review (set by the database).';
COMMENT ON COLUMN permissions.reviews.created_at IS 'When the review was created.';

COMMENT ON COLUMN permissions.review_participants.review_id IS 'The review the user takes part in.';
COMMENT ON COLUMN permissions.review_participants.account_id IS 'The review''s account (set by the database).';
COMMENT ON COLUMN permissions.review_participants.user_id IS 'The participant, a user of the review''s line of the account tree.';
COMMENT ON COLUMN permissions.review_participants.role IS 'reviewer, or subject (the person the review is about).';
COMMENT ON COLUMN permissions.review_participants.added_by IS 'The user who added the participant; never changes.';

COMMENT ON COLUMN permissions.billing.account_id IS 'The account counted.';
COMMENT ON COLUMN permissions.billing.parent_id IS 'Its parent account (NULL: top level).';
COMMENT ON COLUMN permissions.billing.name IS 'The account''s name.';
COMMENT ON COLUMN permissions.billing.plan IS 'The billing plan.';
COMMENT ON COLUMN permissions.billing.users IS 'Users of the account, all of them (not only those the caller can see).';
COMMENT ON COLUMN permissions.billing.active_users IS 'Active users of the account.';
COMMENT ON COLUMN permissions.billing.performers IS 'Performers of the account, all of them.';

COMMENT ON COLUMN permissions.credit_balances.account_id IS 'The account whose balance this is.';
COMMENT ON COLUMN permissions.credit_balances.parent_id IS 'Its parent account (NULL: top level).';
COMMENT ON COLUMN permissions.credit_balances.name IS 'The account''s name.';
COMMENT ON COLUMN permissions.credit_balances.balance IS 'Credits the account holds.';

COMMENT ON COLUMN permissions.api_credential_list.id IS 'The credential''s id.';
COMMENT ON COLUMN permissions.api_credential_list.account_id IS 'The account of the credential''s user.';
COMMENT ON COLUMN permissions.api_credential_list.user_id IS 'The user the credential acts as.';
COMMENT ON COLUMN permissions.api_credential_list.name IS 'The credential''s name.';
COMMENT ON COLUMN permissions.api_credential_list.created_by IS 'The user who created it (NULL: a DBA).';
COMMENT ON COLUMN permissions.api_credential_list.created_at IS 'When it was created.';
COMMENT ON COLUMN permissions.api_credential_list.last_used_at IS 'When it was last used (from api_credential_uses).';

-- Triggers whose comment 1.0 copied from their function's, which 1.1
-- changed: each says what the trigger does
COMMENT ON TRIGGER accounts_80_audit ON permissions.accounts IS
'Every account created, changed or deleted is in audit_log.';
COMMENT ON TRIGGER users_80_audit ON permissions.users IS
'Every user created, changed or removed is in audit_log.';
COMMENT ON TRIGGER api_credentials_80_audit ON permissions.api_credentials IS
'Every API credential created, changed or deleted is in audit_log (never its secret hash).';
COMMENT ON TRIGGER access_grants_80_audit ON permissions.access_grants IS
'Every grant made, changed or revoked is in audit_log.';
COMMENT ON TRIGGER groups_80_audit ON permissions.groups IS
'Every group created, changed or deleted is in audit_log.';
COMMENT ON TRIGGER group_members_80_audit ON permissions.group_members IS
'Every group membership added, changed or removed is in audit_log.';
COMMENT ON TRIGGER teams_80_audit ON permissions.teams IS
'Every team created, changed or deleted is in audit_log.';
COMMENT ON TRIGGER team_members_80_audit ON permissions.team_members IS
'Every team membership added, changed or removed is in audit_log.';
COMMENT ON TRIGGER performers_80_audit ON permissions.performers IS
'Every move of a performer to another account is in audit_log.';
COMMENT ON TRIGGER access_grants_10_rules ON permissions.access_grants IS
'A grant''s grantee and target never change and the target must be visible; non-superusers need tier1 to grant on a performer, manage_users and at most their own tier to grant on a group, and grant nothing to themselves.';
COMMENT ON TRIGGER users_20_keep_a_manager ON permissions.users IS
'A top-level account keeps an active manager, and a user turned single_performer keeps at most one directly granted performer (checked under the tenant''s lock, with a fresh snapshot).';
