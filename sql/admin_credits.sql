--
-- Credits: a DBA adds them to a top-level account; manage_credits holders in
-- a parent move them between it and its direct sub-accounts, never below
-- zero; the ledger is append-only and the balances are its sums; each
-- assessment spends one credit of the performer's account, refused when none
-- is left.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- T has sub-accounts A and B; A has A1.  top manages T, amgr manages A;
-- credits (T) holds manage_credits only, plain (T) every other permission;
-- entry (A) has tier3, reader (A) tier4
CREATE ROLE regress_cr_top;
GRANT permissions_client TO regress_cr_top;
CREATE ROLE regress_cr_amgr;
GRANT permissions_client TO regress_cr_amgr;
CREATE ROLE regress_cr_credits;
GRANT permissions_client TO regress_cr_credits;
CREATE ROLE regress_cr_plain;
GRANT permissions_client TO regress_cr_plain;
CREATE ROLE regress_cr_entry;
GRANT permissions_client TO regress_cr_entry;
CREATE ROLE regress_cr_reader;
GRANT permissions_client TO regress_cr_reader;
SELECT permissions.create_account('regress cr T') AS t \gset
SELECT permissions.create_account('regress cr A', :t) AS a \gset
SELECT permissions.create_account('regress cr B', :t) AS b \gset
SELECT permissions.create_account('regress cr A1', :a) AS a1 \gset
SELECT permissions.create_user(:t, 'cr_top', 'manager', db_role => 'regress_cr_top') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'cr_amgr', 'manager', db_role => 'regress_cr_amgr') IS NOT NULL AS created;
SELECT permissions.create_user(:t, 'cr_credits', permissions => '{manage_credits}', db_role => 'regress_cr_credits') IS NOT NULL AS created;
SELECT permissions.create_user(:t, 'cr_plain', access => 'tier1', db_role => 'regress_cr_plain',
       permissions => '{create_performers,manage_users,manage_organization,view_audit_logs,manage_billing,
                        manage_sub_accounts,view_usage_reports,manage_reviews,transfer_performers}') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'cr_entry', access => 'tier3', db_role => 'regress_cr_entry') IS NOT NULL AS created;
SELECT permissions.create_user(:a, 'cr_reader', access => 'tier4', db_role => 'regress_cr_reader') IS NOT NULL AS created;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Cr A'), (:b, 'Cr B');
SELECT id AS pa FROM permissions.performers WHERE account_id = :a \gset
SELECT id AS pb FROM permissions.performers WHERE account_id = :b \gset

-- adding credits: superusers, top-level accounts, positive amounts
SET ROLE regress_cr_top;
SELECT permissions.add_credits(:t, 100);
RESET ROLE;
SELECT pg_temp.try('SELECT permissions.add_credits(%s, 100)', :'a');
SELECT permissions.add_credits(:t, 0);
SELECT permissions.add_credits(:t, 100) AS balance;

-- transfers need manage_credits in the parent of the two accounts
SET ROLE regress_cr_credits;
SELECT permissions.transfer_credits(:t, :a, 30) AS left_in_t;
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'a', :'a1');
SET ROLE regress_cr_plain;
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'t', :'a');
SET ROLE regress_cr_amgr;
SELECT permissions.transfer_credits(:a, :a1, 10) AS left_in_a;
-- a sub-account manager moves nothing to or from its parent
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'a', :'t');
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'t', :'a');
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'b', :'a');
-- only between an account and a direct sub-account, positive, never below zero
SET ROLE regress_cr_top;
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'a', :'b');
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'t', :'a1');
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 1)', :'t', :'t');
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, -5)', :'t', :'a');
SELECT pg_temp.try('SELECT permissions.transfer_credits(%s, %s, 71)', :'t', :'a');
SELECT permissions.transfer_credits(:t, :a, 70) AS left_in_t;
-- either way: back up from a sub-account
SELECT permissions.transfer_credits(:a1, :a, 4) AS left_in_a1;
RESET ROLE;

-- balances: manage_credits holders see the accounts where they hold it
SET ROLE regress_cr_top;
SELECT name, balance FROM permissions.credit_balances ORDER BY account_id;
SET ROLE regress_cr_amgr;
SELECT name, balance FROM permissions.credit_balances ORDER BY account_id;
SET ROLE regress_cr_credits;
SELECT name, balance FROM permissions.credit_balances ORDER BY account_id;
SET ROLE regress_cr_plain;
SELECT name, balance FROM permissions.credit_balances ORDER BY account_id;
SELECT count(*) AS ledger_rows_seen FROM permissions.credit_ledger;
RESET ROLE;

-- the ledger: signed movements naming the other account; balances are its sums
SELECT a.name, l.amount, l.reason, r.name AS other_account
  FROM permissions.credit_ledger l JOIN permissions.accounts a ON a.id = l.account_id
  LEFT JOIN permissions.accounts r ON r.id = l.related_account_id
 WHERE l.account_id IN (:t, :a, :b, :a1) ORDER BY l.id;
SELECT a.name, coalesce(sum(l.amount), 0) = coalesce(c.balance, 0) AS balance_is_sum
  FROM permissions.accounts a LEFT JOIN permissions.credit_ledger l ON l.account_id = a.id
  LEFT JOIN permissions.account_credits c ON c.account_id = a.id
 WHERE a.id IN (:t, :a, :b, :a1) GROUP BY a.id, a.name, c.balance ORDER BY a.id;

-- nobody writes the ledger or the balances directly; nobody changes an entry
SET ROLE regress_cr_top;
INSERT INTO permissions.credit_ledger (account_id, amount, reason) VALUES (:a, 1000, 'gift');
UPDATE permissions.credit_ledger SET amount = 1000 WHERE account_id = :a;
DELETE FROM permissions.credit_ledger WHERE account_id = :a;
TRUNCATE permissions.credit_ledger;
UPDATE permissions.account_credits SET balance = 1000 WHERE account_id = :a;
RESET ROLE;
UPDATE permissions.credit_ledger SET amount = 1000 WHERE account_id = :a;
DELETE FROM permissions.credit_ledger WHERE account_id = :a;
TRUNCATE permissions.credit_ledger;
-- even a superuser's ledger entry cannot take a balance below zero
SELECT balance AS a_balance FROM permissions.account_credits WHERE account_id = :a \gset
SELECT pg_temp.try('INSERT INTO permissions.credit_ledger (account_id, amount, reason) VALUES (%s, %s, %L)',
                   :'a', (-:a_balance - 1)::text, 'overdraft');

-- assessments: tier3 creates one on a performer of A, spending one of A's
-- credits; tier4 sees it but creates none
SET ROLE regress_cr_entry;
INSERT INTO permissions.assessments (account_id, performer_id, kind, score)
VALUES (:a, :pa, 'reading', '{"wpm": 120}') RETURNING kind, score, created_by IS NOT NULL AS has_creator;
SET ROLE regress_cr_reader;
SELECT kind, score FROM permissions.assessments;
INSERT INTO permissions.assessments (account_id, performer_id, kind) VALUES (:a, :pa, 'reading');
SET ROLE regress_cr_plain;
SELECT count(*) AS assessments_seen FROM permissions.assessments;
RESET ROLE;
SELECT balance = :a_balance - 1 AS one_credit_spent FROM permissions.account_credits WHERE account_id = :a;
SELECT amount, reason, assessment_id = (SELECT id FROM permissions.assessments WHERE performer_id = :pa) AS for_it
  FROM permissions.credit_ledger WHERE account_id = :a ORDER BY id DESC LIMIT 1;
-- B has no credits: its assessment is refused, and nothing is written
SET ROLE regress_cr_top;
SELECT pg_temp.try('INSERT INTO permissions.assessments (account_id, performer_id, kind) VALUES (%s, %s, %L)',
                   :'b', :'pb', 'reading');
RESET ROLE;
SELECT count(*) AS b_assessments, (SELECT count(*) FROM permissions.credit_ledger WHERE account_id = :b) AS b_ledger
  FROM permissions.assessments WHERE account_id = :b;
-- three assessments in one statement spend three credits
SET ROLE regress_cr_entry;
INSERT INTO permissions.assessments (account_id, performer_id, kind)
SELECT :a, :pa, 'round ' || i FROM generate_series(1, 3) i;
RESET ROLE;
SELECT balance = :a_balance - 4 AS four_credits_spent FROM permissions.account_credits WHERE account_id = :a;

-- deleting a sub-account returns its credits to the parent
SELECT balance AS a_before FROM permissions.account_credits WHERE account_id = :a \gset
SET ROLE regress_cr_amgr;
SELECT permissions.delete_account(:a1);
RESET ROLE;
SELECT balance - :a_before AS returned_to_a FROM permissions.account_credits WHERE account_id = :a;
SELECT amount, reason FROM permissions.credit_ledger WHERE account_id = :a1 ORDER BY id DESC LIMIT 1;

SELECT permissions.delete_account(:t, force => true);
DROP ROLE regress_cr_top, regress_cr_amgr, regress_cr_credits, regress_cr_plain, regress_cr_entry, regress_cr_reader;
