--
-- Round 4, a defect of the guard of utility statements (not an attack): on
-- PostgreSQL 15 a view's query lists the view itself (its OLD and NEW
-- entries), so the guard, following views to what they read, follows the
-- view into itself until its depth limit and refuses LOCK TABLE on every
-- view, even a client's own view of its own table, with a detail that
-- names no reason ("It is (null), which every tenant's queries read").
--
-- Correct: a role locks its own view of its own table; a view of an
-- extension table stays refused.
--
\i sql/attack_fixture.inc
SET ROLE regress_atk_nobody;
CREATE TABLE regress_atk_own.mine (x int);
CREATE VIEW regress_atk_own.my_view AS SELECT x FROM regress_atk_own.mine;
CREATE VIEW regress_atk_own.users_view AS SELECT id FROM permissions.users;
BEGIN;
SELECT regress_atk_own.try('LOCK TABLE regress_atk_own.my_view IN ACCESS EXCLUSIVE MODE') AS own_view;
ROLLBACK;
BEGIN;
SELECT regress_atk_own.try('LOCK TABLE regress_atk_own.users_view IN ACCESS SHARE MODE') LIKE '42501: %' AS extension_view_refused;
ROLLBACK;
RESET ROLE;
\i sql/attack_teardown.inc
