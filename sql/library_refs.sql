-- Library references stay inside the tenant: a chart's pinpoint, a journal's
-- type and a tag assignment's user come from the row's own account, and the
-- error is the same whether the other account's object exists or not.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

SELECT permissions.create_account('regress lib a') AS a \gset
SELECT permissions.create_account('regress lib b') AS b \gset
CREATE ROLE regress_lib_t1;
GRANT permissions_client TO regress_lib_t1;
SELECT permissions.create_user(:a, 'regress_lib_t1', access => 'tier1', db_role => 'regress_lib_t1') AS t1 \gset
SELECT permissions.create_user(:b, 'regress_lib_other') AS other_user \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:a, 'Says words') RETURNING id AS pin_a \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:b, 'Secret pinpoint') RETURNING id AS pin_b \gset
INSERT INTO permissions.journal_types (account_id, name) VALUES (:b, 'Secret type') RETURNING id AS jt_b \gset
INSERT INTO permissions.tags (account_id, name) VALUES (:a, 'regress lib tag') RETURNING id AS tag_a \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Ava') RETURNING id AS ava \gset

\i sql/try.inc
GRANT USAGE ON SCHEMA pg_temp TO PUBLIC;

SET ROLE regress_lib_t1;
-- a pinpoint of the own account is fine
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:a, :ava, :pin_a) RETURNING pinpoint_id = :pin_a AS charted;
-- another account's pinpoint, and one that does not exist, give the same error
SELECT pg_temp.try('INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (' || :a || ', ' || :ava || ', ' || :pin_b || ')');
SELECT pg_temp.try('INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (' || :a || ', ' || :ava || ', ' || :pin_b || ' + 100000)');
-- changing a chart's pinpoint to another account's is refused too
SELECT pg_temp.try('UPDATE permissions.charts SET pinpoint_id = ' || :pin_b || ' WHERE performer_id = ' || :ava || '');
-- another account's journal type
SELECT pg_temp.try('INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, body) VALUES (' || :a || ', ' || :ava || ', ' || :jt_b || ', ''x'')');
-- tagging another account's user or pinpoint
SELECT pg_temp.try('INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, target_user_id) VALUES (' || :a || ', ' || :tag_a || ', ''user'', ' || :other_user || ')');
SELECT pg_temp.try('INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, pinpoint_id) VALUES (' || :a || ', ' || :tag_a || ', ''pinpoint'', ' || :pin_b || ')');
-- tagging a user and a pinpoint of the own account works without manage_tags
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, target_user_id) VALUES (:a, :tag_a, 'user', :t1) RETURNING target_kind;
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, pinpoint_id) VALUES (:a, :tag_a, 'pinpoint', :pin_a) RETURNING target_kind;
RESET ROLE;

-- clean up
DELETE FROM permissions.users WHERE db_role = 'regress_lib_t1'::regrole;
DROP ROLE regress_lib_t1;
