--
-- Finding (open, low): a client still makes the accounting of disclosures
-- record reads that never happened, through row-level security of its own.
--
-- The accounting counts the can_view() calls that row-level security put
-- in a query (its security quals), not the ones a client writes in its
-- WHERE clause (fixed: sql/attack_round4_accounting.sql).  But any role
-- that may create a table can give it row-level security of its own, with
-- a policy that calls permissions.can_view(), and a security_barrier view's
-- conditions become security quals too when the view is updated.  Either
-- way the client's own calls count: a limited user of A records 1,000
-- "note" rows of Ann read from a table of its own (twice: once by the
-- policy, once through the view).  The records name the client's own
-- table and only performers it may see, so an auditor can tell them apart;
-- they are noise, not a hidden read.
--
-- Correct: only the policies of the extension's tables and of tables
-- registered with protect_table() are counted: no record below.
--
-- Run: psql -X -v ON_ERROR_STOP=0 -f test/findings/accounting_forged_by_own_policy.sql
-- from the top of the tree, against a database without the test fixture.
--
\i sql/attack_fixture.inc
\set VERBOSITY default
SET permissions.read_accounting = on;
SET ROLE regress_atk_lim_a;
-- row-level security of its own
CREATE TABLE regress_atk_own.junk AS
SELECT g, :a::bigint AS a, :pa1::bigint AS p FROM generate_series(1, 1000) g;
ALTER TABLE regress_atk_own.junk ENABLE ROW LEVEL SECURITY;
ALTER TABLE regress_atk_own.junk FORCE ROW LEVEL SECURITY;
CREATE POLICY mine ON regress_atk_own.junk USING (permissions.can_view('note', a, p));
SELECT count(*) FROM regress_atk_own.junk;
ALTER TABLE regress_atk_own.junk DISABLE ROW LEVEL SECURITY;
-- a security_barrier view, updated
CREATE VIEW regress_atk_own.junk_view WITH (security_barrier) AS
SELECT * FROM regress_atk_own.junk WHERE permissions.can_view('note', a, p);
UPDATE regress_atk_own.junk_view SET g = g;
RESET ROLE;
SELECT d.kind, d.relation, d.row_count FROM permissions.disclosures d ORDER BY 1, 2, 3;
RESET permissions.read_accounting;
\i sql/attack_teardown.inc
