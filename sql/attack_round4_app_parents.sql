--
-- Attack, round 4: protect_table() covers a protected table's partitions
-- and inheritance children, and the event trigger protects new ones; it
-- does not look up.  Rows of a child are read through its parent with the
-- parent's row-level security only, not the child's.  So a protected table
-- that becomes the child of an unprotected table (ALTER TABLE ... INHERIT,
-- or ATTACH PARTITION into an unprotected partitioned table), a routine
-- migration that introduces a common parent, gives its rows of every tenant
-- to whoever reads the parent: with the application's usual grant on its
-- schema, every client, with no identity at all.  protection_gaps() reports
-- nothing.
--
-- Correct: however the migration ends, no client reads through the parent
-- a row its policies hide: nobody reads nothing, B's manager reads B's row.
--
\i sql/attack_fixture.inc
CREATE ROLE regress_atk4_migrator;
CREATE SCHEMA regress_atk4_docs AUTHORIZATION regress_atk4_migrator;
GRANT USAGE ON SCHEMA permissions TO regress_atk4_migrator;
GRANT REFERENCES (id, account_id) ON permissions.performers TO regress_atk4_migrator;
SET ROLE regress_atk4_migrator;
CREATE TABLE regress_atk4_docs.notes (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    body         text NOT NULL,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE regress_atk4_docs.forms (
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    body         text NOT NULL,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE);
SELECT permissions.protect_table('regress_atk4_docs.notes', 'note');
SELECT permissions.protect_table('regress_atk4_docs.forms', 'note');
GRANT USAGE ON SCHEMA regress_atk4_docs TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA regress_atk4_docs TO permissions_client;
RESET ROLE;

-- each tenant writes a row of each
SET ROLE regress_atk_mgr_a;
INSERT INTO regress_atk4_docs.notes (account_id, performer_id, body) VALUES (:a, :pa1, 'note of A');
INSERT INTO regress_atk4_docs.forms (account_id, performer_id, body) VALUES (:a, :pa1, 'form of A');
RESET ROLE;
SET ROLE regress_atk_mgr_b;
INSERT INTO regress_atk4_docs.notes (account_id, performer_id, body) VALUES (:b, :pb1, 'note of B');
INSERT INTO regress_atk4_docs.forms (account_id, performer_id, body) VALUES (:b, :pb1, 'form of B');
RESET ROLE;

-- a later migration: a common parent for notes (inheritance), a
-- partitioned table for forms; the usual grant on the schema again
SET ROLE regress_atk4_migrator;
CREATE TABLE regress_atk4_docs.documents (id bigint, account_id bigint NOT NULL, performer_id bigint NOT NULL, body text NOT NULL);
SELECT regress_atk_own.try('ALTER TABLE regress_atk4_docs.notes INHERIT regress_atk4_docs.documents') IS NOT NULL AS attempted;
CREATE TABLE regress_atk4_docs.all_forms (account_id bigint NOT NULL, performer_id bigint NOT NULL, body text NOT NULL)
    PARTITION BY LIST (performer_id);
SELECT regress_atk_own.try(format('ALTER TABLE regress_atk4_docs.all_forms ATTACH PARTITION regress_atk4_docs.forms DEFAULT')) IS NOT NULL AS attempted;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA regress_atk4_docs TO permissions_client;
RESET ROLE;

-- a client with no identity, and B's manager, read the parents
SET ROLE regress_atk_nobody;
SELECT body FROM regress_atk4_docs.documents ORDER BY body;
SELECT body FROM regress_atk4_docs.all_forms ORDER BY body;
RESET ROLE;
SET ROLE regress_atk_mgr_b;
SELECT body FROM regress_atk4_docs.documents ORDER BY body;
SELECT body FROM regress_atk4_docs.all_forms ORDER BY body;
RESET ROLE;
-- and the owner, held to the policies of its protected tables
SET ROLE regress_atk4_migrator;
SELECT body FROM regress_atk4_docs.documents ORDER BY body;
RESET ROLE;

SET client_min_messages = warning;
SELECT regress_atk_own.try('ALTER TABLE regress_atk4_docs.notes NO INHERIT regress_atk4_docs.documents') IS NOT NULL AS cleanup;
SELECT regress_atk_own.try('ALTER TABLE regress_atk4_docs.all_forms DETACH PARTITION regress_atk4_docs.forms') IS NOT NULL AS cleanup;
SELECT regress_atk_own.try($$SELECT permissions.unprotect_table('regress_atk4_docs.notes')$$) IS NOT NULL AS cleanup;
SELECT regress_atk_own.try($$SELECT permissions.unprotect_table('regress_atk4_docs.forms')$$) IS NOT NULL AS cleanup;
DELETE FROM permissions.protected_tables WHERE tbl::text LIKE 'regress_atk4_docs.%';
DROP SCHEMA regress_atk4_docs CASCADE;
RESET client_min_messages;
REVOKE ALL ON permissions.performers FROM regress_atk4_migrator;
REVOKE ALL ON SCHEMA permissions FROM regress_atk4_migrator;
DROP ROLE regress_atk4_migrator;
\i sql/attack_teardown.inc
