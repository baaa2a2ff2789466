--
-- Attacks, class "shared locks and shared rows": no statement by a role
-- without identity, and no zero-row statement, takes a lock that another
-- tenant's work waits on.  Waits themselves are shown by the isolation
-- spec attack_tenant_waits; here each session looks at what it holds:
-- the table locks in pg_locks, and the tenant epoch rows its transaction
-- wrote (a written row stays locked until the transaction ends).  Each
-- test passes when the attack fails.  (Fixture: sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
SELECT permissions.create_user(:a, 'extra', db_role => 'regress_atk_app') AS extra_a \gset
-- epoch rows written by the current transaction: which tenants they are
CREATE VIEW regress_atk_own.epochs_written AS
SELECT coalesce(string_agg(CASE e.tenant_id WHEN 0 THEN 'global' WHEN :a THEN 'A' WHEN :b THEN 'B' ELSE 'other' END,
                           ' ' ORDER BY e.tenant_id), 'none') AS epochs_written
  FROM permissions.tenant_epochs e WHERE e.xmin = xid(pg_current_xact_id());
-- locks on the extension's tables held by this backend beyond ACCESS SHARE
CREATE VIEW regress_atk_own.strong_locks AS
SELECT coalesce(string_agg(c.relname || ' ' || l.mode, ', ' ORDER BY c.relname), 'none') AS strong_locks
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'permissions'::regnamespace
   AND l.mode NOT IN ('AccessShareLock', 'RowExclusiveLock');
GRANT SELECT ON regress_atk_own.epochs_written, regress_atk_own.strong_locks TO PUBLIC;

-- Finding 8: a zero-row UPDATE of users by any role moved the (global)
-- access epoch and held its lock.  Now: nothing written, by an unmapped
-- role, a role that is no client, or a user of A, in a transaction or not.
SET ROLE regress_atk_nobody;
BEGIN;
UPDATE permissions.users SET email = email WHERE false;
UPDATE permissions.access_grants SET tier = tier WHERE false;
DELETE FROM permissions.team_members WHERE false;
UPDATE permissions.users SET email = email;      -- sees no row at all
SELECT * FROM regress_atk_own.epochs_written, regress_atk_own.strong_locks;
COMMIT;
RESET ROLE;
SET ROLE regress_atk_stranger;
UPDATE permissions.users SET email = email WHERE false;
RESET ROLE;
SET ROLE regress_atk_lim_a;
BEGIN;
UPDATE permissions.users SET email = email WHERE false;
UPDATE permissions.performers SET account_id = account_id WHERE false;
SELECT * FROM regress_atk_own.epochs_written;
COMMIT;
RESET ROLE;
-- a real change of A moves A's epoch only (and a grant made in A, too)
SET ROLE regress_atk_mgr_a;
BEGIN;
SELECT permissions.grant_access('tier4', user_id => :ro_a, performer_id => :pa2) IS NOT NULL AS granted;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Al');
SELECT * FROM regress_atk_own.epochs_written;
ROLLBACK;
-- Second round: removing a mapped user writes the global epoch row, which
-- every tenant's removal of a mapped user then waits for (see
-- attack_tenant_waits).  Expected: A's epoch only.
BEGIN;
SELECT permissions.remove_user(:extra_a);
SELECT * FROM regress_atk_own.epochs_written;
ROLLBACK;
RESET ROLE;

-- the epoch rows and the lock function are nobody's business
SET ROLE regress_atk_lim_b;
SELECT * FROM permissions.tenant_epochs;
UPDATE permissions.tenant_epochs SET epoch = epoch;
SELECT permissions.lock_tenant(:a);
CREATE TABLE regress_atk_own.mine (account_id bigint);
CREATE TRIGGER epoch_move AFTER INSERT ON regress_atk_own.mine
    FOR EACH ROW EXECUTE FUNCTION permissions.access_changed();
RESET ROLE;

-- Finding 9: LOCK TABLE on the extension's tables by a role with only a
-- client's privileges stalled every query of every tenant.
SET ROLE regress_atk_nobody;
BEGIN;
LOCK TABLE permissions.users IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
BEGIN;
LOCK TABLE permissions.performers, permissions.access_grants IN SHARE MODE;
ROLLBACK;
-- Second round: LOCK on a view of one's own locks the tables under it, and
-- the check looks only at the name given.  Expected: refused, no lock.
CREATE VIEW regress_atk_own.users_view AS SELECT * FROM permissions.users;
BEGIN;
SELECT regress_atk_own.try('LOCK TABLE regress_atk_own.users_view IN ACCESS EXCLUSIVE MODE') IS NOT NULL AS attempted;
SELECT * FROM regress_atk_own.strong_locks;
ROLLBACK;
-- (a session that has not loaded the library yet can LOCK the tables
-- directly, and DDL naming them queues for strong locks before any
-- privilege check: both in attack_tenant_waits)
-- row locks reach only visible rows
BEGIN;
SELECT count(*) FROM (SELECT 1 FROM permissions.users FOR UPDATE) s;
SELECT * FROM regress_atk_own.strong_locks;
ROLLBACK;
RESET ROLE;

-- Finding 10: move_account() serialized on an advisory lock anyone could
-- take ('permissions.accounts'::regclass::oid).  Now a move takes no
-- advisory lock, and locks the epoch of its own tenant only.
SELECT permissions.create_account('regress atk A2', parent_id => :a) AS a2 \gset
SET ROLE regress_atk_mgr_a;
BEGIN;
SELECT permissions.move_account(:a2, :a1);
SELECT count(*) AS advisory_locks FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory';
SELECT * FROM regress_atk_own.epochs_written;
ROLLBACK;
-- a move under another tenant's account is refused
SELECT regress_atk_own.try(format('SELECT permissions.move_account(%s, %s)', :a2, :b1)) AS move_into_b;
RESET ROLE;

SELECT permissions.delete_account(:a2);
UPDATE permissions.users SET db_role = NULL WHERE id = :extra_a;
\i sql/attack_teardown.inc
