--
-- Application tables that belong to an account and no performer (invoices,
-- settings, documents): protect_table(..., 'account') lets the account's
-- members read them and the holders of a named organization permission
-- (or managers) write them; another tenant sees and writes nothing, a
-- sub-account's manager only its subtree, and the table must refer to
-- permissions.accounts (the same soundness rules as performer tables).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

SELECT permissions.create_account('regress acct A') AS a \gset
SELECT permissions.create_account('regress acct A1', parent_id => :a) AS a1 \gset
SELECT permissions.create_account('regress acct B') AS b \gset
CREATE ROLE regress_acct_owner;
CREATE ROLE regress_acct_mgr;
CREATE ROLE regress_acct_billing;
CREATE ROLE regress_acct_member;
CREATE ROLE regress_acct_mgr_a1;
CREATE ROLE regress_acct_other;
SELECT permissions.create_user(:a, 'acct_mgr', 'manager', db_role => 'regress_acct_mgr') IS NOT NULL AS mgr,
       permissions.create_user(:a, 'acct_billing', permissions => '{manage_billing}', db_role => 'regress_acct_billing') IS NOT NULL AS billing,
       permissions.create_user(:a, 'acct_member', db_role => 'regress_acct_member') IS NOT NULL AS member,
       permissions.create_user(:a1, 'acct_mgr_a1', 'manager', db_role => 'regress_acct_mgr_a1') IS NOT NULL AS mgr_a1,
       permissions.create_user(:b, 'acct_other', 'manager', db_role => 'regress_acct_other') IS NOT NULL AS other;
CREATE SCHEMA regress_acct AUTHORIZATION regress_acct_owner;
GRANT USAGE ON SCHEMA permissions TO regress_acct_owner;

SET ROLE regress_acct_owner;
CREATE TABLE regress_acct.invoices (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL,
    amount     numeric NOT NULL,
    created_by bigint);
-- the foreign key to accounts is required (a DBA grants REFERENCES (id) ON permissions.accounts)
SELECT permissions.protect_table('regress_acct.invoices', 'account', 'manage_billing');
RESET ROLE;
GRANT REFERENCES (id) ON permissions.accounts TO regress_acct_owner;
SET ROLE regress_acct_owner;
ALTER TABLE regress_acct.invoices ADD FOREIGN KEY (account_id) REFERENCES permissions.accounts (id) ON DELETE CASCADE;
SELECT permissions.protect_table('regress_acct.invoices', 'account', 'manage_biling');
SELECT permissions.protect_table('regress_acct.invoices', 'note', 'manage_billing');
SELECT permissions.protect_table('regress_acct.invoices', 'account', 'manage_billing');
SELECT polname, pg_get_expr(polqual, polrelid) AS using_expr, pg_get_expr(polwithcheck, polrelid) AS check_expr
  FROM pg_policy WHERE polrelid = 'regress_acct.invoices'::regclass ORDER BY polname;
GRANT USAGE ON SCHEMA regress_acct TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON regress_acct.invoices TO PUBLIC;
RESET ROLE;
INSERT INTO regress_acct.invoices (account_id, amount) VALUES (:a, 10), (:a1, 20), (:b, 30);

\i sql/try.inc
CREATE FUNCTION pg_temp.report(a bigint, a1 bigint) RETURNS TABLE (what text, result text) LANGUAGE sql AS $$
    SELECT 'sees', coalesce((SELECT string_agg(amount::text, ', ' ORDER BY amount) FROM regress_acct.invoices), '-')
    UNION ALL SELECT 'inserts in A', pg_temp.attempt(format('INSERT INTO regress_acct.invoices (account_id, amount) VALUES (%s, 1)', a))
    UNION ALL SELECT 'inserts in A1', pg_temp.attempt(format('INSERT INTO regress_acct.invoices (account_id, amount) VALUES (%s, 1)', a1))
    UNION ALL SELECT 'updates', pg_temp.attempt('UPDATE regress_acct.invoices SET amount = amount + 1')
    UNION ALL SELECT 'deletes', pg_temp.attempt('DELETE FROM regress_acct.invoices')
$$;
SET ROLE regress_acct_mgr;       -- manager of A (and so of A1)
SELECT * FROM pg_temp.report(:a, :a1);
SET ROLE regress_acct_billing;   -- manage_billing in A
SELECT * FROM pg_temp.report(:a, :a1);
SET ROLE regress_acct_member;    -- a user of A without the permission
SELECT * FROM pg_temp.report(:a, :a1);
SET ROLE regress_acct_mgr_a1;    -- manager of the sub-account A1 only
SELECT * FROM pg_temp.report(:a, :a1);
SET ROLE regress_acct_other;     -- another tenant's manager
SELECT * FROM pg_temp.report(:a, :a1);
RESET ROLE;

-- created_by is the database's here too
SET ROLE regress_acct_billing;
INSERT INTO regress_acct.invoices (account_id, amount, created_by) VALUES (:a, 5, 1)
RETURNING created_by = (SELECT id FROM permissions.users WHERE username = 'acct_billing') AS stamped;
RESET ROLE;

SET ROLE regress_acct_owner;
SELECT permissions.unprotect_table('regress_acct.invoices');
RESET ROLE;
DROP SCHEMA regress_acct CASCADE;
REVOKE REFERENCES (id) ON permissions.accounts FROM regress_acct_owner;
REVOKE USAGE ON SCHEMA permissions FROM regress_acct_owner;
SELECT permissions.delete_account(:a, force => true);
SELECT permissions.delete_account(:b, force => true);
DROP ROLE regress_acct_owner, regress_acct_mgr, regress_acct_billing, regress_acct_member,
          regress_acct_mgr_a1, regress_acct_other;
