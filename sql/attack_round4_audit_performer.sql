--
-- Attack, round 4: performer data read through the audit log.
--
-- The audit log records every move of a performer to another account, and
-- view_audit_logs holders read their account's entries.  The entries held
-- the whole performer row, before and after: an auditor whose tier is none
-- (it may see no performer at all) read the names, birth date and external
-- id of every performer moved into its account, and the accounting of
-- disclosures recorded nothing.  Correct: the entry of a move says which
-- performer moved from which account to which, and nothing of its data.
--
\i sql/attack_fixture.inc
SELECT permissions.create_user(:a, 'auditor', permissions => '{view_audit_logs}', db_role => 'regress_atk_stranger') AS aud_a \gset
INSERT INTO permissions.performers (account_id, first_name, last_name, birth_date, external_id)
VALUES (:a1, 'Ada', 'Lovelace', '2015-12-10', 'chart-4711') RETURNING id AS pa3 \gset
SET ROLE regress_atk_mgr_a;
SELECT permissions.transfer_performer(:pa3, :a);
RESET ROLE;
SET ROLE regress_atk_stranger;
-- the auditor sees no performer
SELECT count(*) AS performers_seen FROM permissions.performers;
-- the move is in the log, with nothing but the performer's id and accounts
SELECT action, row_id = :pa3 AS the_performer,
       (before->>'account_id')::bigint = :a1 AS from_a1, (after->>'account_id')::bigint = :a AS to_a,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(before) k) AS before_keys,
       (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(after) k) AS after_keys
  FROM permissions.audit_log WHERE table_name = 'performers';
SELECT count(*) AS entries_naming_her FROM permissions.audit_log
 WHERE before::text ~ '(Ada|Lovelace|2015-12-10|chart-4711)' OR after::text ~ '(Ada|Lovelace|2015-12-10|chart-4711)';
RESET ROLE;
\i sql/attack_teardown.inc
