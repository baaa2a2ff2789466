-- ---------------------------------------------------------------------------
-- Access review, explanation and the accounting of disclosures: the three
-- questions a clinic is asked about a client's data (who can see it, why was
-- this person allowed or refused, who did see it).
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.who_can(action text, kind text, performer_id bigint)
RETURNS TABLE (user_id bigint, tier permissions.tier, via text)
AS 'MODULE_PATHNAME', 'review_who_can'
LANGUAGE C STABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION permissions.who_can(text, text, bigint) IS
'Every active user for whom check(action, kind, performer_id, user) is true ("own" cells count), with the effective tier and the routes giving it (manager, wildcard, direct, group, team, team on group). Superusers and holders of manage_users over the performer''s account only; anyone else gets one error for a hidden and a missing performer.';

CREATE FUNCTION permissions.access_review(account_id bigint)
RETURNS TABLE (performer_id bigint, performer_account_id bigint, user_id bigint,
               user_account_id bigint, tier permissions.tier, via text)
AS 'MODULE_PATHNAME', 'review_access_review'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION permissions.access_review(bigint) IS
'Periodic access review: one row per (performer, user) with the user''s effective tier and the routes giving it, for every performer of the account and its sub-accounts where the caller holds manage_users (superusers: all), and every active user reaching it, of whatever account. Export it with COPY (SELECT * FROM permissions.access_review(...)) TO STDOUT.';

CREATE FUNCTION permissions.explain_check(action text, kind text, performer_id bigint, user_id bigint DEFAULT NULL)
RETURNS TABLE (source text, tier permissions.tier, allowed boolean, detail text)
AS 'MODULE_PATHNAME', 'explain_check'
LANGUAGE C STABLE PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION permissions.explain_check(text, text, bigint, bigint) IS
'Why check(action, kind, performer_id, user_id) decides as it does: one row per rule considered (user type cap, manager, wildcard tier, each grant with its expiry, credential limit, matrix cell, own-row rule), then a row with source = ''decision'' whose allowed equals check(). About any user: superusers and holders of manage_users over the performer''s account; about yourself (user_id NULL): anyone.';

-- ---------------------------------------------------------------------------
-- The accounting of disclosures.  With permissions.read_accounting on (a
-- superuser's setting: ALTER DATABASE ... SET permissions.read_accounting =
-- on), each statement that reads performer data through the policies writes
-- one record per (user, performer, table) to disclosure_log: frozen, so it
-- stays when the transaction rolls back, and flushed to disk before the
-- statement returns.  The records are written by the library, never through
-- SQL: clients have no privilege on the table.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.can_view_accounted(kind text, account_id bigint, performer_id bigint, relation regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'disclosure_can_view'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION permissions.can_view_accounted(text, bigint, bigint, regclass) IS
'Internal: can_view(kind, account_id, performer_id), which plans call instead while permissions.read_accounting is on; when it is true in a policy filter, one row of relation about the performer is counted for the statement. Called directly it is can_view() and counts nothing.';

CREATE TABLE permissions.disclosure_log (
    id            bigint GENERATED ALWAYS AS IDENTITY (CACHE 32) PRIMARY KEY,
    at            timestamptz NOT NULL,
    account_id    bigint NOT NULL,
    performer_ids bigint[] NOT NULL,
    row_counts    bigint[] NOT NULL,
    row_count     bigint NOT NULL CHECK (row_count > 0),
    kind          text NOT NULL,
    relation      text NOT NULL,
    user_id       bigint NOT NULL,
    login_role    name NOT NULL,
    acting_role   name,
    via           text NOT NULL,
    fingerprint   bigint NOT NULL,
    CHECK (cardinality(performer_ids) = cardinality(row_counts) AND cardinality(performer_ids) > 0)
);
CREATE INDEX disclosure_log_account_id_idx ON permissions.disclosure_log (account_id, at);
ALTER TABLE permissions.disclosure_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.disclosure_log FORCE ROW LEVEL SECURITY;
CREATE POLICY disclosure_log_select ON permissions.disclosure_log FOR SELECT
    USING (permissions.holds('view_audit_logs', account_id));
COMMENT ON POLICY disclosure_log_select ON permissions.disclosure_log IS
'view_audit_logs holders read the records of their account (managers: of their subtree). No policy lets anyone write: records are written by the library.';
COMMENT ON TABLE permissions.disclosure_log IS 'Accounting of disclosures: for each statement that read performer data while permissions.read_accounting was on, one row per user, table and account, with the performers read and the rows of each. Written by the library only, frozen (it stays when the reading transaction rolls back) and flushed before the statement returns; read it, one row per performer, through permissions.disclosures.';
COMMENT ON COLUMN permissions.disclosure_log.id IS 'The record, numbered by the database (each session takes numbers in blocks: not in time order across sessions).';
COMMENT ON COLUMN permissions.disclosure_log.at IS 'Start of the statement that read the rows (of the FETCH, for a cursor).';
COMMENT ON COLUMN permissions.disclosure_log.account_id IS 'The performers'' account when they were read; view_audit_logs holders of that account read the record.';
COMMENT ON COLUMN permissions.disclosure_log.performer_ids IS 'The performers whose data was read, in id order.';
COMMENT ON COLUMN permissions.disclosure_log.row_counts IS 'For each performer of performer_ids, the rows of the table the policy let through in the statement (it may have returned fewer: a LIMIT, a join, an aggregate).';
COMMENT ON COLUMN permissions.disclosure_log.row_count IS 'The rows of all the performers.';
COMMENT ON COLUMN permissions.disclosure_log.kind IS 'The kind of performer data (performer, chart, measurement, condition, note, tag, journal, access).';
COMMENT ON COLUMN permissions.disclosure_log.relation IS 'The table read (schema-qualified), an application table protected with protect_table() included.';
COMMENT ON COLUMN permissions.disclosure_log.user_id IS 'The user who read.';
COMMENT ON COLUMN permissions.disclosure_log.login_role IS 'The role the session logged in as (session_user).';
COMMENT ON COLUMN permissions.disclosure_log.acting_role IS 'The role the identity belongs to: the mapped login role, or the role that authenticated with a credential or token.';
COMMENT ON COLUMN permissions.disclosure_log.via IS 'How the session acted as the user: role, API credential <id>, or token key <id>.';
COMMENT ON COLUMN permissions.disclosure_log.fingerprint IS 'The statement''s query id (compute_query_id; ignores constants), or a hash of its text when query ids are off.';

CREATE FUNCTION permissions.disclosure_log_guard()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' OR NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('disclosure_log is written by the extension only: %s is not allowed', pg_catalog.lower(TG_OP)),
            DETAIL = 'Records of disclosures are written by the extension''s library as rows are read, never through SQL, and can be neither changed nor deleted; a superuser drops records past their retention with permissions.drop_disclosures().',
            HINT = 'Read the records through permissions.disclosures.';
    END IF;
    IF TG_LEVEL OPERATOR(pg_catalog.=) 'STATEMENT' THEN
        RETURN NULL;
    ELSIF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        RETURN NEW;                 -- a superuser's restore
    END IF;
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION permissions.disclosure_log_guard() IS
'Internal trigger of disclosure_log: refuses every UPDATE, and INSERT, DELETE and TRUNCATE by anyone but a superuser (the library writes records below SQL).';
CREATE TRIGGER disclosure_log_00_stamp BEFORE INSERT OR UPDATE ON permissions.disclosure_log
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row();
COMMENT ON TRIGGER disclosure_log_00_stamp ON permissions.disclosure_log IS
'Ids come from the table''s sequence and never change.';
CREATE TRIGGER disclosure_log_append_only BEFORE INSERT OR UPDATE OR DELETE ON permissions.disclosure_log
    FOR EACH ROW EXECUTE FUNCTION permissions.disclosure_log_guard();
CREATE TRIGGER disclosure_log_no_truncate BEFORE TRUNCATE ON permissions.disclosure_log
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.disclosure_log_guard();
COMMENT ON TRIGGER disclosure_log_append_only ON permissions.disclosure_log IS
'Records are written by the library and never changed; only a superuser inserts (a restore) or deletes them (permissions.drop_disclosures()).';
COMMENT ON TRIGGER disclosure_log_no_truncate ON permissions.disclosure_log IS
'Only a superuser truncates the records.';

CREATE VIEW permissions.disclosures WITH (security_barrier = true) AS
    SELECT d.id, d.at, d.account_id, p.performer_id, d.kind, d.relation, p.row_count,
           d.user_id, d.login_role, d.acting_role, d.via, d.fingerprint
      FROM permissions.disclosure_log d
     CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(d.performer_ids), pg_catalog.unnest(d.row_counts))
                        AS p(performer_id, row_count)
     WHERE permissions.holds('view_audit_logs', d.account_id) OR permissions.caller_is_dba();
COMMENT ON VIEW permissions.disclosures IS
'view_audit_logs: the records of the accounting of disclosures, one row per performer, of each account where the caller holds view_audit_logs (managers: their subtree; superusers: all): who read which performer''s data, which table, how many rows, when, and the statement''s fingerprint. Rows with the same id come from one statement.';
COMMENT ON COLUMN permissions.disclosures.id IS 'The record: its rows are one statement''s reads of one table of one account by one user.';
COMMENT ON COLUMN permissions.disclosures.at IS 'Start of the statement that read the rows.';
COMMENT ON COLUMN permissions.disclosures.account_id IS 'The performer''s account when it was read.';
COMMENT ON COLUMN permissions.disclosures.performer_id IS 'The performer whose data was read.';
COMMENT ON COLUMN permissions.disclosures.kind IS 'The kind of performer data read.';
COMMENT ON COLUMN permissions.disclosures.relation IS 'The table read.';
COMMENT ON COLUMN permissions.disclosures.row_count IS 'Rows of that table about that performer the policy let through in the statement.';
COMMENT ON COLUMN permissions.disclosures.user_id IS 'The user who read.';
COMMENT ON COLUMN permissions.disclosures.login_role IS 'The role the session logged in as.';
COMMENT ON COLUMN permissions.disclosures.acting_role IS 'The role the identity belongs to.';
COMMENT ON COLUMN permissions.disclosures.via IS 'How the session acted as the user: role, API credential <id>, or token key <id>.';
COMMENT ON COLUMN permissions.disclosures.fingerprint IS 'The statement''s fingerprint.';
GRANT SELECT ON permissions.disclosures TO permissions_client;

CREATE FUNCTION permissions.drop_disclosures(before timestamptz)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM permissions.require_superuser('drop records of disclosures');
    IF before IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'before must not be null',
            HINT = 'Pass the oldest time to keep, as in permissions.drop_disclosures(now() - interval ''6 years'').';
    END IF;
    DELETE FROM permissions.disclosure_log d WHERE d.at OPERATOR(pg_catalog.<) before;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION permissions.drop_disclosures(timestamptz) IS
'Retention of the accounting of disclosures (superusers only): deletes the records of reads before the given time and returns how many.';

SELECT pg_catalog.pg_extension_config_dump('permissions.disclosure_log', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('permissions.disclosure_log', 'id')::regclass, '');
