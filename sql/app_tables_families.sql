--
-- Application tables with partitions and inheritance children are
-- protected whole, and stay so (issue 15, finding 3: protect_table() on a
-- partitioned table left its partitions without row-level security, and a
-- client with table privileges read every tenant's rows by naming a
-- partition).  Every partition and child, present and future, is
-- protected like its parent; every DDL statement that would leave a
-- protected table short of its protection is refused; tables without the
-- foreign key that keeps each row's performer in the row's account are
-- refused (finding 4's table).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\i sql/try.inc
\set SHOW_CONTEXT never

SELECT permissions.create_account('regress fam A') AS a \gset
SELECT permissions.create_account('regress fam B') AS b \gset
CREATE ROLE regress_fam_owner;
CREATE ROLE regress_fam_ther;
CREATE ROLE regress_fam_client IN ROLE permissions_client;   -- no identity at all
SELECT permissions.create_user(:a, 'fam_ther', access => 'tier3', db_role => 'regress_fam_ther') AS ther \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Fam A') RETURNING id AS pa \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:b, 'Fam B') RETURNING id AS pb \gset
CREATE SCHEMA regress_fam AUTHORIZATION regress_fam_owner;
GRANT USAGE ON SCHEMA permissions TO regress_fam_owner;
GRANT REFERENCES (id, account_id) ON permissions.performers TO regress_fam_owner;

-- a table partitioned by account, with a partition per tenant
SET ROLE regress_fam_owner;
CREATE TABLE regress_fam.notes (
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    created_by   bigint,
    body         text,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
) PARTITION BY LIST (account_id);
SELECT format('CREATE TABLE regress_fam.notes_a PARTITION OF regress_fam.notes FOR VALUES IN (%s)', :a) AS cmd \gset
:cmd;
SELECT format('CREATE TABLE regress_fam.notes_b PARTITION OF regress_fam.notes FOR VALUES IN (%s)', :b) AS cmd \gset
:cmd;
SELECT permissions.protect_table('regress_fam.notes', 'note');
-- the finding's grant: every table of the schema to every client
GRANT USAGE ON SCHEMA regress_fam TO permissions_client;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA regress_fam TO permissions_client;
RESET ROLE;
INSERT INTO regress_fam.notes VALUES (:a, :pa, NULL, 'a note'), (:b, :pb, NULL, 'b note');

-- the whole family is protected, each table the same way
SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies,
       (SELECT string_agg(t.tgname, ', ') FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) AS triggers,
       pt.kind
  FROM pg_class c LEFT JOIN permissions.protected_tables pt ON pt.tbl = c.oid
 WHERE c.relnamespace = 'regress_fam'::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1;

-- a client with no identity, naming the partitions directly: nothing, and no writes
SET ROLE regress_fam_client;
SELECT count(*) AS via_parent FROM regress_fam.notes;
SELECT count(*) AS a_partition FROM regress_fam.notes_a;
SELECT count(*) AS b_partition FROM regress_fam.notes_b;
UPDATE regress_fam.notes_b SET body = 'defaced';
DELETE FROM regress_fam.notes_b;
SELECT format('INSERT INTO regress_fam.notes_b (account_id, performer_id, body) VALUES (%s, %s, %L)', :b, :pb, 'forged') AS cmd \gset
:cmd;
-- A's therapist, naming B's partition: nothing of B
SET ROLE regress_fam_ther;
SELECT body FROM regress_fam.notes_a;
SELECT body FROM regress_fam.notes_b;
SELECT body FROM regress_fam.notes;
RESET ROLE;
SELECT body FROM regress_fam.notes ORDER BY body;

-- a partition created later is protected as it is made
SET ROLE regress_fam_owner;
CREATE TABLE regress_fam.notes_rest PARTITION OF regress_fam.notes DEFAULT;
SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies, pt.kind
  FROM pg_class c LEFT JOIN permissions.protected_tables pt ON pt.tbl = c.oid
 WHERE c.oid = 'regress_fam.notes_rest'::regclass;
-- an existing table attached as a partition is protected as it joins (it
-- takes the parent's foreign key)
CREATE TABLE regress_fam.notes_c (LIKE regress_fam.notes INCLUDING ALL);
ALTER TABLE regress_fam.notes DETACH PARTITION regress_fam.notes_rest;
ALTER TABLE regress_fam.notes ATTACH PARTITION regress_fam.notes_c DEFAULT;
SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity AS forced,
       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies, pt.kind
  FROM pg_class c LEFT JOIN permissions.protected_tables pt ON pt.tbl = c.oid
 WHERE c.oid IN ('regress_fam.notes_c'::regclass, 'regress_fam.notes_rest'::regclass) ORDER BY 1;
RESET ROLE;

-- what cannot be protected cannot join: a foreign table, an inheritance
-- child without the foreign key
CREATE FOREIGN DATA WRAPPER regress_fam_fdw;
CREATE SERVER regress_fam_server FOREIGN DATA WRAPPER regress_fam_fdw;
GRANT USAGE ON FOREIGN SERVER regress_fam_server TO regress_fam_owner;
SET ROLE regress_fam_owner;
CREATE FOREIGN TABLE regress_fam.notes_f PARTITION OF regress_fam.notes FOR VALUES IN (0) SERVER regress_fam_server;
SELECT count(*) AS foreign_partitions FROM pg_class WHERE relname = 'notes_f';
CREATE TABLE regress_fam.legacy (
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    body         text,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id));
SELECT permissions.protect_table('regress_fam.legacy', 'journal');
CREATE TABLE regress_fam.legacy_loose () INHERITS (regress_fam.legacy);
CREATE TABLE regress_fam.legacy_child (
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
) INHERITS (regress_fam.legacy);
SELECT c.relname, pt.kind, (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
  FROM pg_class c LEFT JOIN permissions.protected_tables pt ON pt.tbl = c.oid
 WHERE c.relnamespace = 'regress_fam'::regnamespace AND c.relname LIKE 'legacy%' ORDER BY 1;

-- every statement that would take part of a protection away is refused,
-- and changes nothing
SELECT cmd, pg_temp.try(cmd) AS outcome FROM (VALUES
    ('ALTER TABLE regress_fam.notes_a DISABLE ROW LEVEL SECURITY'),
    ('ALTER TABLE regress_fam.notes_a NO FORCE ROW LEVEL SECURITY'),
    ('DROP POLICY permissions_select ON regress_fam.notes_b'),
    ('ALTER POLICY permissions_select ON regress_fam.notes_b USING (true)'),
    ('ALTER POLICY permissions_update ON regress_fam.notes_b TO regress_fam_ther'),
    ('CREATE POLICY open ON regress_fam.notes_b USING (true)'),
    ('ALTER TABLE regress_fam.notes_b DISABLE TRIGGER permissions_stamp'),
    ('ALTER TABLE regress_fam.notes ALTER COLUMN performer_id DROP NOT NULL'),
    ('ALTER TABLE regress_fam.notes DROP CONSTRAINT notes_performer_id_account_id_fkey'),
    ('ALTER TABLE regress_fam.legacy DROP CONSTRAINT legacy_performer_id_account_id_fkey'),
    ('ALTER TABLE regress_fam.legacy_child NO INHERIT regress_fam.legacy'),
    ('SELECT permissions.unprotect_table(''regress_fam.notes_a'')'),
    ('CREATE POLICY narrow ON regress_fam.notes_b AS RESTRICTIVE USING (body IS NOT NULL)'),
    ('DROP POLICY narrow ON regress_fam.notes_b')
) AS t(cmd);
RESET ROLE;
SELECT * FROM permissions.protection_gaps();
-- the data are as they were
SET ROLE regress_fam_client;
SELECT count(*) AS client_still_sees FROM regress_fam.notes_b;
RESET ROLE;

-- detached, a partition keeps its own protection; the parent unprotects whole
SET ROLE regress_fam_owner;
ALTER TABLE regress_fam.notes DETACH PARTITION regress_fam.notes_b;
SET ROLE regress_fam_client;
SELECT count(*) AS detached_partition_shows FROM regress_fam.notes_b;
SET ROLE regress_fam_owner;
SELECT permissions.unprotect_table('regress_fam.notes');
SELECT pt.tbl, pt.kind FROM permissions.protected_tables pt ORDER BY pt.tbl::text;
SELECT permissions.unprotect_table('regress_fam.notes_b');
SELECT permissions.unprotect_table('regress_fam.notes_rest');
SELECT permissions.unprotect_table('regress_fam.legacy');
SELECT permissions.unprotect_table('regress_fam.legacy_child');   -- no longer its child
SELECT count(*) AS still_protected FROM permissions.protected_tables;
RESET ROLE;

DROP SCHEMA regress_fam CASCADE;
DROP SERVER regress_fam_server;
DROP FOREIGN DATA WRAPPER regress_fam_fdw;
REVOKE REFERENCES (id, account_id) ON permissions.performers FROM regress_fam_owner;
REVOKE USAGE ON SCHEMA permissions FROM regress_fam_owner;
SELECT permissions.delete_account(:a, force => true);
SELECT permissions.delete_account(:b, force => true);
DROP ROLE regress_fam_owner, regress_fam_ther, regress_fam_client;
