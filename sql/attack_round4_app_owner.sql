--
-- Attack, round 4: the created_by trigger of a protected application table
-- kept its name and function but was made to fire never (ENABLE REPLICA,
-- WHEN (false)) or on DELETE only: the check compared the trigger's name,
-- function and "not disabled", not what it does.  Now it compares what it
-- does (row, BEFORE INSERT OR UPDATE, always or origin, no WHEN, its
-- argument), and each statement is refused.
--
-- What the table's owner attaches to its table on purpose (a restrictive
-- policy calling a function of its own, a rule, a trigger of its own) runs
-- on the rows of every tenant: the owner is trusted with its table, as it
-- may unprotect it (docs/application-tables.md says so).  Those are not
-- refused and not tested here.
--
-- Correct: however each attempt ends, created_by is the inserting user.
--
\i sql/attack_fixture.inc
CREATE ROLE regress_atk4_owner;
CREATE SCHEMA regress_atk4_app AUTHORIZATION regress_atk4_owner;
GRANT USAGE ON SCHEMA permissions TO regress_atk4_owner;
GRANT REFERENCES (id, account_id) ON permissions.performers TO regress_atk4_owner;
SET ROLE regress_atk4_owner;
CREATE TABLE regress_atk4_app.journal (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    created_by   bigint,
    body         text NOT NULL,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE regress_atk4_app.copied (body text, account_id bigint);
GRANT USAGE ON SCHEMA regress_atk4_app TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON regress_atk4_app.journal TO PUBLIC;
GRANT INSERT ON regress_atk4_app.copied TO PUBLIC;
SELECT permissions.protect_table('regress_atk4_app.journal', 'journal');
-- copies the row it is given, as the owner
CREATE FUNCTION regress_atk4_app.copy(r regress_atk4_app.journal) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER COST 0.0001 AS $$
BEGIN
    INSERT INTO regress_atk4_app.copied VALUES (r.body, r.account_id);
    RETURN true;
END $$;
GRANT EXECUTE ON FUNCTION regress_atk4_app.copy(regress_atk4_app.journal) TO PUBLIC;
RESET ROLE;
SELECT count(*) AS gaps FROM permissions.protection_gaps();

SET client_min_messages = warning;
-- each tenant writes a journal entry
SET ROLE regress_atk_mgr_a;
INSERT INTO regress_atk4_app.journal (account_id, performer_id, body) VALUES (:a, :pa1, 'entry of A');
RESET ROLE;
SET ROLE regress_atk_mgr_b;
INSERT INTO regress_atk4_app.journal (account_id, performer_id, body) VALUES (:b, :pb1, 'entry of B');
RESET ROLE;

-- 3. created_by: the limited user of A files an entry as A's manager
CREATE FUNCTION regress_atk_own.filed_by(body text) RETURNS text LANGUAGE sql AS $$
    SELECT CASE j.created_by WHEN u.id THEN 'the inserting user' ELSE 'someone else' END
      FROM regress_atk4_app.journal j, permissions.users u
     WHERE j.body = filed_by.body AND u.db_role = 'regress_atk_lim_a'::regrole $$;
CREATE FUNCTION regress_atk_own.file_as_manager(body text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL ROLE regress_atk_lim_a;
    INSERT INTO regress_atk4_app.journal (account_id, performer_id, created_by, body)
    SELECT p.account_id, p.id, (SELECT u.id FROM permissions.users u WHERE u.db_role = 'regress_atk_mgr_a'::regrole), body
      FROM permissions.performers p WHERE p.first_name = 'Ann';
END $$;
SELECT regress_atk_own.file_as_manager('as filed with the trigger in place');
SELECT regress_atk_own.filed_by('as filed with the trigger in place');
-- 3a. ENABLE REPLICA: the trigger never fires in an ordinary session
SET ROLE regress_atk4_owner;
SELECT regress_atk_own.try('ALTER TABLE regress_atk4_app.journal ENABLE REPLICA TRIGGER permissions_stamp') IS NOT NULL AS attempted;
RESET ROLE;
SELECT regress_atk_own.file_as_manager('replica');
SELECT regress_atk_own.filed_by('replica');
SELECT regress_atk_own.try('ALTER TABLE regress_atk4_app.journal ENABLE TRIGGER permissions_stamp') AS cleanup;
-- 3b. the same trigger name and function, WHEN (false)
SET ROLE regress_atk4_owner;
SELECT regress_atk_own.try($$CREATE OR REPLACE TRIGGER permissions_stamp BEFORE INSERT OR UPDATE ON regress_atk4_app.journal
                             FOR EACH ROW WHEN (false) EXECUTE FUNCTION permissions.stamp_row('created_by')$$) IS NOT NULL AS attempted;
RESET ROLE;
SELECT regress_atk_own.file_as_manager('when false');
SELECT regress_atk_own.filed_by('when false');
-- 3c. the same trigger name and function, on DELETE only
SET ROLE regress_atk4_owner;
SELECT regress_atk_own.try($$CREATE OR REPLACE TRIGGER permissions_stamp BEFORE DELETE ON regress_atk4_app.journal
                             FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by')$$) IS NOT NULL AS attempted;
RESET ROLE;
SELECT regress_atk_own.file_as_manager('on delete');
SELECT regress_atk_own.filed_by('on delete');
SELECT regress_atk_own.try($$CREATE OR REPLACE TRIGGER permissions_stamp BEFORE INSERT OR UPDATE ON regress_atk4_app.journal
                             FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row('created_by')$$) AS cleanup;
RESET client_min_messages;
SELECT count(*) AS gaps FROM permissions.protection_gaps();
SELECT permissions.unprotect_table('regress_atk4_app.journal');
SET client_min_messages = warning;
DROP SCHEMA regress_atk4_app CASCADE;
RESET client_min_messages;
REVOKE ALL ON permissions.performers FROM regress_atk4_owner;
REVOKE ALL ON SCHEMA permissions FROM regress_atk4_owner;
DROP ROLE regress_atk4_owner;
\i sql/attack_teardown.inc
