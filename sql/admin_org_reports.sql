--
-- Read-only organization permissions: manage_billing (the billing view:
-- plan, user and performer counts, counted over every row), view_usage_reports
-- (usage_report() over the caller's part of a subtree) and view_audit_logs
-- (the audit entries of one's own account; a manager's whole subtree).  Each
-- is allowed with the permission, refused without it, and never reaches a
-- parent or sibling account.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- T (plan gold) has sub-accounts A and B; A has A1.  In A: billing
-- (manage_billing), usage (view_usage_reports), auditor (view_audit_logs),
-- plain (every other permission)
CREATE ROLE regress_or_top;
GRANT permissions_client TO regress_or_top;
CREATE ROLE regress_or_amgr;
GRANT permissions_client TO regress_or_amgr;
CREATE ROLE regress_or_billing;
GRANT permissions_client TO regress_or_billing;
CREATE ROLE regress_or_usage;
GRANT permissions_client TO regress_or_usage;
CREATE ROLE regress_or_auditor;
GRANT permissions_client TO regress_or_auditor;
CREATE ROLE regress_or_plain;
GRANT permissions_client TO regress_or_plain;
SELECT coalesce(max(id), 0) AS mark FROM permissions.audit_log \gset
SELECT permissions.create_account('regress or T', plan => 'gold') AS t \gset
SELECT permissions.create_account('regress or A', :t, plan => 'gold') AS a \gset
SELECT permissions.create_account('regress or B', :t, plan => 'gold') AS b \gset
SELECT permissions.create_account('regress or A1', :a, plan => 'gold') AS a1 \gset
SELECT permissions.create_user(:t, 'or_top', 'manager', db_role => 'regress_or_top') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'or_amgr', 'manager', db_role => 'regress_or_amgr') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'or_billing', permissions => '{manage_billing}', db_role => 'regress_or_billing') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'or_usage', permissions => '{view_usage_reports}', db_role => 'regress_or_usage') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'or_auditor', permissions => '{view_audit_logs}', db_role => 'regress_or_auditor') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'or_plain', access => 'tier1', db_role => 'regress_or_plain',
       permissions => '{create_performers,manage_users,manage_organization,manage_credits,
                        manage_sub_accounts,manage_api_credentials,manage_reviews,transfer_performers}') IS NOT NULL AS created;
SELECT user_id IS NOT NULL AS invited FROM permissions.invite_user(:a1, 'or_a1_user@example.com');
SELECT permissions.create_user(:b, 'or_b_user') IS NOT NULL AS created;
INSERT INTO permissions.performers (account_id, first_name)
VALUES (:a, 'Or A one'), (:a, 'Or A two'), (:a1, 'Or A1 one'), (:b, 'Or B one');
SELECT permissions.add_credits(:t, 50) IS NOT NULL AS added;
SELECT permissions.transfer_credits(:t, :a, 20) IS NOT NULL AS moved;
SELECT permissions.transfer_credits(:a, :a1, 5) IS NOT NULL AS moved;
INSERT INTO permissions.assessments (account_id, performer_id, kind)
SELECT account_id, id, 'screening' FROM permissions.performers WHERE account_id IN (:a, :a1);
INSERT INTO permissions.assessments (account_id, performer_id, kind)
SELECT account_id, id, 'follow-up' FROM permissions.performers WHERE account_id = :a;

-- manage_billing: plan and counts of the accounts where it is held
SET ROLE regress_or_top;
SELECT name, plan, users, active_users, performers FROM permissions.billing
 WHERE name LIKE 'regress or %' ORDER BY account_id;
SET ROLE regress_or_amgr;
SELECT name, plan, users, active_users, performers FROM permissions.billing ORDER BY account_id;
-- the counts do not depend on what the caller may read: billing sees only
-- its own users row, yet counts all five users of A
SET ROLE regress_or_billing;
SELECT name, plan, users, active_users, performers FROM permissions.billing ORDER BY account_id;
SELECT count(*) AS users_readable FROM permissions.users;
SET ROLE regress_or_plain;
SELECT count(*) AS billing_rows FROM permissions.billing;
RESET ROLE;

-- view_usage_reports: per account of the subtree where it is held
SET ROLE regress_or_amgr;
SELECT name, depth, users, performers, assessments, credits_spent, credit_balance
  FROM permissions.usage_report(:a);
-- a window with no assessment in it
SELECT name, assessments, credits_spent FROM permissions.usage_report(:a, since => now() + interval '1 day');
SELECT pg_temp.try('SELECT * FROM permissions.usage_report(%s)', :'t');
SELECT pg_temp.try('SELECT * FROM permissions.usage_report(%s)', :'b');
-- a user holding it sees its own account only, never its sub-accounts
SET ROLE regress_or_usage;
SELECT name, depth, users, performers, assessments, credits_spent, credit_balance
  FROM permissions.usage_report(:a);
SELECT pg_temp.try('SELECT * FROM permissions.usage_report(%s)', :'a1');
SELECT pg_temp.try('SELECT * FROM permissions.usage_report(%s)', :'t');
SET ROLE regress_or_plain;
SELECT pg_temp.try('SELECT * FROM permissions.usage_report(%s)', :'a');
SET ROLE regress_or_top;
SELECT name, depth, users, performers, assessments, credits_spent, credit_balance
  FROM permissions.usage_report(:t);
RESET ROLE;

-- view_audit_logs: its own account's entries; a manager its subtree's; the
-- others none
CREATE TEMP TABLE or_names AS
SELECT id, name FROM permissions.accounts WHERE id IN (:t, :a, :b, :a1);
GRANT SELECT ON or_names TO PUBLIC;
SET ROLE regress_or_auditor;
SELECT n.name, count(*) AS entries FROM permissions.audit_log l JOIN or_names n ON n.id = l.account_id
 WHERE l.id > :mark GROUP BY n.name ORDER BY n.name;
SET ROLE regress_or_amgr;
SELECT n.name, count(*) AS entries FROM permissions.audit_log l JOIN or_names n ON n.id = l.account_id
 WHERE l.id > :mark GROUP BY n.name ORDER BY n.name;
SET ROLE regress_or_plain;
SELECT count(*) AS entries FROM permissions.audit_log WHERE id > :mark;
SET ROLE regress_or_top;
SELECT n.name, count(*) AS entries FROM permissions.audit_log l JOIN or_names n ON n.id = l.account_id
 WHERE l.id > :mark GROUP BY n.name ORDER BY n.name;
RESET ROLE;
SELECT n.name, count(*) AS entries FROM permissions.audit_log l JOIN or_names n ON n.id = l.account_id
 WHERE l.id > :mark GROUP BY n.name ORDER BY n.name;

SELECT permissions.delete_account(:t, force => true);
DROP ROLE regress_or_top, regress_or_amgr, regress_or_billing, regress_or_usage, regress_or_auditor, regress_or_plain;
