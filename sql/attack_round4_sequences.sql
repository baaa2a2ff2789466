--
-- Attack, round 4: ids are "the value the column's default has just drawn
-- from its sequence in this session" (stamp_row), so a role that may move
-- the sequence chooses the id after all.  A DBA commonly grants an
-- application's role every privilege on a schema's sequences (GRANT ALL ON
-- ALL SEQUENCES IN SCHEMA ...); with UPDATE on a sequence, setval() puts it
-- where the client likes and the default then draws that value:
--
-- * A's manager re-creates the id of a deleted sub-account of B and reads
--   B's audit history of it (finding 5 of round 3, through setval);
-- * A's manager sets another table's sequence back: every tenant's next
--   inserts fail on the primary key.
--
-- Correct: the new row does not get the deleted account's id, A's manager
-- reads none of B's audit rows, and B's insert works.
--
\i sql/attack_fixture.inc
GRANT ALL ON ALL SEQUENCES IN SCHEMA permissions TO regress_atk_mgr_a;

-- B's sub-account, changed, then deleted; its audit rows stay
SELECT permissions.create_account('regress atk B2', parent_id => :b) AS b2 \gset
SET ROLE regress_atk_mgr_b;
UPDATE permissions.accounts SET phone = '555 0100' WHERE id = :b2;
RESET ROLE;
SELECT permissions.delete_account(:b2, force => true);
SELECT permissions.create_account('regress atk B3', parent_id => :b) AS b3 \gset
SELECT count(*) > 0 AS b2_has_audit_rows FROM permissions.audit_log WHERE account_id = :b2;

-- A's manager: a sub-account of its own, with B2's id
SET ROLE regress_atk_mgr_a;
SELECT count(*) AS audit_rows_of_b2_seen FROM permissions.audit_log WHERE account_id = :b2;
SELECT regress_atk_own.try(format('SELECT pg_catalog.setval(%L, %s, false)', 'permissions.accounts_id_seq', :b2)) IS NOT NULL AS attempted;
SELECT regress_atk_own.try(format('INSERT INTO permissions.accounts (name, parent_id) VALUES (%L, %s)', 'regress atk A9', :a)) IS NOT NULL AS attempted;
-- B's audit rows of B2 (the rows of A's own insert aside)
SELECT count(*) AS audit_rows_of_b2_seen FROM permissions.audit_log
 WHERE account_id = :b2 AND (action <> 'insert' OR after->>'name' <> 'regress atk A9');
RESET ROLE;
SELECT count(*) AS accounts_with_b2_id FROM permissions.accounts WHERE id = :b2;

-- A's manager sets the performers' sequence back to ids already taken
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try(format('SELECT pg_catalog.setval(%L, %s, false)', 'permissions.performers_id_seq', :pa1)) IS NOT NULL AS attempted;
RESET ROLE;
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.try(format('INSERT INTO permissions.performers (account_id, first_name) VALUES (%s, %L)', :b, 'Bo')) AS b_inserts_performer;
RESET ROLE;

SELECT pg_catalog.setval('permissions.performers_id_seq', (SELECT max(id) FROM permissions.performers)) > 0 AS restored;

-- the other ways to give UPDATE on the extension's sequences are refused too
SELECT regress_atk_own.try('GRANT UPDATE ON SEQUENCE permissions.accounts_id_seq TO regress_atk_mgr_a') AS grant_one;
SELECT regress_atk_own.try('GRANT ALL ON TABLE permissions.performers_id_seq TO regress_atk_mgr_a') AS grant_as_table;
SELECT regress_atk_own.try('ALTER DEFAULT PRIVILEGES IN SCHEMA permissions GRANT UPDATE ON SEQUENCES TO regress_atk_mgr_a') AS default_privileges;
SELECT regress_atk_own.try('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA permissions TO regress_atk_mgr_a') AS usage_is_fine;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA permissions FROM regress_atk_mgr_a;
-- and a grant made behind the refusal (here: in the catalog) stops the table's inserts until revoked
UPDATE pg_class SET relacl = relacl || makeaclitem('regress_atk_mgr_a'::regrole, relowner, 'UPDATE', false)
 WHERE oid = 'permissions.pinpoints_id_seq'::regclass;
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try(format('INSERT INTO permissions.pinpoints (account_id, name) VALUES (%s, ''movable'')', :a)) AS insert_while_movable;
RESET ROLE;
REVOKE UPDATE ON SEQUENCE permissions.pinpoints_id_seq FROM regress_atk_mgr_a;
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try(format('INSERT INTO permissions.pinpoints (account_id, name) VALUES (%s, ''movable'')', :a)) AS insert_after_revoke;
RESET ROLE;
DELETE FROM permissions.accounts WHERE name = 'regress atk A9';
\i sql/attack_teardown.inc
