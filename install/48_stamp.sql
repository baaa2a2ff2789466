
-- install/48_stamp.sql
-- ---------------------------------------------------------------------------
-- Ids and creators, decided by the database (src/stamp.c): every id of the
-- extension's tables comes from its sequence in the statement that inserts
-- the row and never changes, whatever the statement (INSERT, ON CONFLICT,
-- MERGE, COPY, rules, views' defaults) and whatever privileges a DBA
-- granted; created_by is the inserting user and never changes, so "own"
-- cells of the tier matrix cannot be forged; a child row that leaves its
-- account and performer out takes them from its parent.  One C row trigger,
-- named *_00_stamp so that it runs before every other, on every table with
-- an identity column.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.stamp_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'stamp_row'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.stamp_row() IS
'Internal row trigger, BEFORE INSERT OR UPDATE: the id of a row of an extension table is the value its default just drew from the table''s sequence and never changes; with the argument ''created_by'', created_by is the inserting user and never changes (superusers are held to neither); with ''parent:<table>:<column>'', a new row that leaves account_id (and performer_id) out takes them from its parent row, as the inserting user sees it.';

CREATE TRIGGER access_grants_00_stamp BEFORE INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER access_grants_00_stamp ON permissions.access_grants IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER accounts_00_stamp BEFORE INSERT OR UPDATE ON permissions.accounts
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER accounts_00_stamp ON permissions.accounts IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER api_credentials_00_stamp BEFORE INSERT OR UPDATE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER api_credentials_00_stamp ON permissions.api_credentials IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER assessments_00_stamp BEFORE INSERT OR UPDATE ON permissions.assessments
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by', 'parent:performers:performer_id');
COMMENT ON TRIGGER assessments_00_stamp ON permissions.assessments IS
'Ids come from the table''s sequence and never change; created_by is the inserting user; a new row that leaves its account (and performer) out takes them from its performer.';

CREATE TRIGGER audit_log_00_stamp BEFORE INSERT OR UPDATE ON permissions.audit_log
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER audit_log_00_stamp ON permissions.audit_log IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER chart_views_00_stamp BEFORE INSERT OR UPDATE ON permissions.chart_views
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER chart_views_00_stamp ON permissions.chart_views IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER charts_00_stamp BEFORE INSERT OR UPDATE ON permissions.charts
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by', 'parent:performers:performer_id');
COMMENT ON TRIGGER charts_00_stamp ON permissions.charts IS
'Ids come from the table''s sequence and never change; created_by is the inserting user; a new row that leaves its account (and performer) out takes them from its performer.';

CREATE TRIGGER conditions_00_stamp BEFORE INSERT OR UPDATE ON permissions.conditions
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by', 'parent:charts:chart_id');
COMMENT ON TRIGGER conditions_00_stamp ON permissions.conditions IS
'Ids come from the table''s sequence and never change; created_by is the inserting user; a new row that leaves its account (and performer) out takes them from its chart.';

CREATE TRIGGER credit_ledger_00_stamp BEFORE INSERT OR UPDATE ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER credit_ledger_00_stamp ON permissions.credit_ledger IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER groups_00_stamp BEFORE INSERT OR UPDATE ON permissions.groups
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER groups_00_stamp ON permissions.groups IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER journal_types_00_stamp BEFORE INSERT OR UPDATE ON permissions.journal_types
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER journal_types_00_stamp ON permissions.journal_types IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER journals_00_stamp BEFORE INSERT OR UPDATE ON permissions.journals
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by', 'parent:performers:performer_id');
COMMENT ON TRIGGER journals_00_stamp ON permissions.journals IS
'Ids come from the table''s sequence and never change; created_by is the inserting user; a new row that leaves its account (and performer) out takes them from its performer.';

CREATE TRIGGER measurements_00_stamp BEFORE INSERT OR UPDATE ON permissions.measurements
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by', 'parent:charts:chart_id');
COMMENT ON TRIGGER measurements_00_stamp ON permissions.measurements IS
'Ids come from the table''s sequence and never change; created_by is the inserting user; a new row that leaves its account (and performer) out takes them from its chart.';

CREATE TRIGGER notes_00_stamp BEFORE INSERT OR UPDATE ON permissions.notes
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by', 'parent:charts:chart_id');
COMMENT ON TRIGGER notes_00_stamp ON permissions.notes IS
'Ids come from the table''s sequence and never change; created_by is the inserting user; a new row that leaves its account (and performer) out takes them from its chart.';

CREATE TRIGGER performers_00_stamp BEFORE INSERT OR UPDATE ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER performers_00_stamp ON permissions.performers IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER pinpoints_00_stamp BEFORE INSERT OR UPDATE ON permissions.pinpoints
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER pinpoints_00_stamp ON permissions.pinpoints IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER reporting_views_00_stamp BEFORE INSERT OR UPDATE ON permissions.reporting_views
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER reporting_views_00_stamp ON permissions.reporting_views IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER reviews_00_stamp BEFORE INSERT OR UPDATE ON permissions.reviews
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by', 'parent:performers:performer_id');
COMMENT ON TRIGGER reviews_00_stamp ON permissions.reviews IS
'Ids come from the table''s sequence and never change; created_by is the inserting user; a new row that leaves its account (and performer) out takes them from its performer.';

CREATE TRIGGER tag_assignments_00_stamp BEFORE INSERT OR UPDATE ON permissions.tag_assignments
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER tag_assignments_00_stamp ON permissions.tag_assignments IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER tags_00_stamp BEFORE INSERT OR UPDATE ON permissions.tags
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER tags_00_stamp ON permissions.tags IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER teams_00_stamp BEFORE INSERT OR UPDATE ON permissions.teams
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by');
COMMENT ON TRIGGER teams_00_stamp ON permissions.teams IS
'Ids come from the table''s sequence and never change; created_by is the inserting user.';

CREATE TRIGGER token_issuers_00_stamp BEFORE INSERT OR UPDATE ON permissions.token_issuers
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER token_issuers_00_stamp ON permissions.token_issuers IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER token_keys_00_stamp BEFORE INSERT OR UPDATE ON permissions.token_keys
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER token_keys_00_stamp ON permissions.token_keys IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER token_subjects_00_stamp BEFORE INSERT OR UPDATE ON permissions.token_subjects
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER token_subjects_00_stamp ON permissions.token_subjects IS
'Ids come from the table''s sequence and never change.';

CREATE TRIGGER users_00_stamp BEFORE INSERT OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER users_00_stamp ON permissions.users IS
'Ids come from the table''s sequence and never change.';
