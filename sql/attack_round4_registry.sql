--
-- Attack, round 4: the registry of protected application tables
-- (permissions.protected_tables) is written directly by any client, for
-- any table the client owns.  After every DDL statement of every role the
-- event trigger checks every registered table; a registered table short of
-- its protection makes that check refuse the statement.  A role with no
-- identity registers a temporary table of its own (it needs nothing but
-- the TEMP privilege every role has) and from then on every DDL statement
-- in the database fails, a DBA's and every tenant's included, for as long
-- as the table exists.
--
-- Correct: whatever becomes of the client's INSERT, other roles' DDL works.
--
\i sql/attack_fixture.inc

SET ROLE regress_atk_nobody;
CREATE TEMP TABLE regress_atk_mine (x int);
-- the attempt, however it ends
SELECT regress_atk_own.try($$INSERT INTO permissions.protected_tables (tbl, kind, policies)
                            VALUES ('pg_temp.regress_atk_mine', 'note', '{}')$$) IS NOT NULL AS attempted;
RESET ROLE;

-- another tenant's manager: a temporary table of its own
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.try('CREATE TEMP TABLE regress_atk_b_scratch (x int)') AS tenant_ddl;
RESET ROLE;
-- a DBA: a table, an index
SELECT regress_atk_own.try('CREATE TABLE regress_atk_own.dba_table (x int)') AS dba_ddl;
SELECT regress_atk_own.try('CREATE INDEX ON regress_atk_own.dba_table (x)') AS dba_index;

DELETE FROM permissions.protected_tables WHERE tbl = 'pg_temp.regress_atk_mine'::regclass;

-- the same with a table of the client's own schema, which outlives its session
SET ROLE regress_atk_nobody;
CREATE TABLE regress_atk_own.nobody_table (x int);
SELECT regress_atk_own.try($$INSERT INTO permissions.protected_tables (tbl, kind, policies)
                            VALUES ('regress_atk_own.nobody_table', 'account', '{"permissions_select": ["r", "true", null]}')$$) IS NOT NULL AS attempted;
RESET ROLE;
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try('CREATE TEMP TABLE regress_atk_a_scratch (x int)') AS tenant_ddl;
RESET ROLE;
SELECT regress_atk_own.try('CREATE TABLE regress_atk_own.dba_table2 (x int)') AS dba_ddl;

-- clean up behind the attempt
DELETE FROM permissions.protected_tables WHERE tbl = 'regress_atk_own.nobody_table'::regclass;
DROP TABLE IF EXISTS regress_atk_mine;
\i sql/attack_teardown.inc
