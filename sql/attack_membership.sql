--
-- Attacks on membership, invitations and credentials: what a grant, an
-- invitation token, a credential and permissions_client do and do not
-- give.  Each test passes when the attack fails.  (Fixture:
-- sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
CREATE ROLE regress_atk_mgr_a1;
SELECT permissions.create_user(:a1, 'mgr1', role => 'manager', db_role => 'regress_atk_mgr_a1') AS mgr_a1 \gset
SELECT permissions.create_user(:a1, 'integrator', permissions => '{manage_api_credentials}') AS int_a1 \gset
UPDATE permissions.users SET permissions = '{create_performers,manage_users}', access = 'tier4' WHERE id = :lim_a;
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:b, 'b pinpoint');
INSERT INTO permissions.tags (account_id, name) VALUES (:a, 'a tag') RETURNING id AS tag_a \gset
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, target_user_id) VALUES (:a, :tag_a, 'user', :ro_a);
INSERT INTO permissions.groups (account_id, name) VALUES (:b, 'empty b') RETURNING id AS grp_b \gset
CREATE VIEW regress_atk_own.seen WITH (security_invoker = true) AS
SELECT coalesce((SELECT string_agg(first_name, ' ' ORDER BY first_name) FROM permissions.performers
                  WHERE first_name IN ('Ann', 'Abe', 'Bea', 'Bob', 'Bix')), '-') AS performers_seen;
GRANT SELECT ON regress_atk_own.seen TO PUBLIC;

-- Finding 6: an invitation token carried grants made after it was issued.
SET ROLE regress_atk_lim_a;
SELECT user_id AS inv1, invitation AS tok1 FROM permissions.invite_user(:a, 'new1@a.example') \gset
RESET ROLE;
SET ROLE regress_atk_mgr_a;
SELECT permissions.grant_access('tier1', user_id => :inv1, performer_id => :pa2) IS NOT NULL AS granted;
RESET ROLE;
SET ROLE regress_atk_lim_a;
SELECT permissions.accept_invitation(:'tok1');
RESET ROLE;
-- Finding 16: reissue_invitation() left no audit entry
SELECT count(*) AS audited_before FROM permissions.audit_log WHERE table_name = 'invitations' AND row_id IS NOT DISTINCT FROM NULL OR (table_name = 'invitations' AND after->>'user_id' = :'inv1') \gset
SET ROLE regress_atk_mgr_a;
SELECT permissions.reissue_invitation(:inv1) IS NOT NULL AS reissued;
RESET ROLE;
SELECT count(*) - :audited_before AS new_audit_entries FROM permissions.audit_log
 WHERE table_name = 'invitations' AND row_id IS NOT DISTINCT FROM NULL OR (table_name = 'invitations' AND after->>'user_id' = :'inv1');

-- Second round: the manager of sub-account A1 invites a user; a manager of
-- A grants that user Ann (outside A1); the inviter accepts with its own
-- token and gets a credential that acts as the user without the limit of
-- its creator (the credential says the user made it).  Expected: the
-- invitation refused, or the credential kept within A1 (Ann not seen).
SET ROLE regress_atk_mgr_a1;
SELECT user_id AS inv2, invitation AS tok2 FROM permissions.invite_user(:a1, 'new2@a.example') \gset
RESET ROLE;
SET ROLE regress_atk_mgr_a;
SELECT permissions.grant_access('tier4', user_id => :inv2, performer_id => :pa1) IS NOT NULL AS granted;
RESET ROLE;
SET ROLE regress_atk_mgr_a1;
SELECT regress_atk_own.try(format('CREATE TABLE regress_atk_own.tok2 AS SELECT permissions.accept_invitation(%L) AS c', :'tok2')) IS NOT NULL AS attempted;
CREATE TABLE IF NOT EXISTS regress_atk_own.tok2 AS SELECT NULL::text AS c;
SELECT c AS cred2 FROM regress_atk_own.tok2 \gset
RESET ROLE;
SET ROLE regress_atk_app;
BEGIN;
SELECT regress_atk_own.try(format('SELECT permissions.authenticate(%L)', :'cred2')) IS NOT NULL AS attempted;
SELECT * FROM regress_atk_own.seen;
COMMIT;
RESET ROLE;

-- Finding 18: a manager escaped its subtree through a credential it made
-- for a user of its subtree who holds a grant outside it.
SET ROLE regress_atk_mgr_a;
SELECT permissions.grant_access('tier3', user_id => :int_a1, performer_id => :pa1) IS NOT NULL AS granted;
RESET ROLE;
SET ROLE regress_atk_mgr_a1;
SELECT permissions.create_api_credential(:int_a1, 'by mgr1') AS cred3 \gset
RESET ROLE;
SET ROLE regress_atk_app;
BEGIN;
SELECT permissions.authenticate(:'cred3') IS NOT NULL AS authenticated;
SELECT * FROM regress_atk_own.seen;
SELECT permissions.effective_tier(:pa1) AS tier_on_ann, permissions.is_member(:a) AS member_of_a;
-- Second round: through that credential the user (it holds
-- manage_api_credentials) makes itself a new credential, which says the
-- user made it and so acts without the limit.  Expected: Ann not seen.
SELECT permissions.create_api_credential(:int_a1, 'laundered') AS cred4 \gset
COMMIT;
BEGIN;
SELECT permissions.authenticate(:'cred4') IS NOT NULL AS authenticated;
SELECT * FROM regress_atk_own.seen;
COMMIT;
RESET ROLE;
-- the creator no longer a manager: its credential acts only within the
-- creator's own account, with the creator's rights (here: nothing to see)
UPDATE permissions.users SET role = 'user' WHERE id = :mgr_a1;
SET ROLE regress_atk_app;
BEGIN;
SELECT permissions.authenticate(:'cred3') IS NOT NULL AS authenticated;
SELECT permissions.current_user_id() IS NULL AS nobody, * FROM regress_atk_own.seen;
COMMIT;
RESET ROLE;

-- Finding 14: a grant on one of A's performers let B's manager write A's
-- tag assignments on A's users.  (Only a DBA can grant across tenants.)
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try(format('SELECT permissions.grant_access(%L, user_id => %s, performer_id => %s)', 'tier4', :mgr_b, :pa1)) AS mgr_a_grants_b;
RESET ROLE;
SELECT permissions.grant_access('tier4', user_id => :mgr_b, performer_id => :pa1) AS g_cross \gset
-- the DBA's grant across tenants is not A's manager's to change (its tier,
-- its expiry): only to revoke
SET ROLE regress_atk_mgr_a;
SELECT regress_atk_own.try(format('UPDATE permissions.access_grants SET tier = %L WHERE id = %s', 'tier1', :g_cross)) AS widen_tier;
SELECT regress_atk_own.try(format('UPDATE permissions.access_grants SET expires_at = now() + interval %L WHERE id = %s', '1 year', :g_cross)) AS set_expiry;
RESET ROLE;
SELECT tier, expires_at IS NULL AS no_expiry FROM permissions.access_grants WHERE id = :g_cross;
SET ROLE regress_atk_mgr_b;
SELECT * FROM regress_atk_own.seen;
SELECT regress_atk_own.try(format('INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, target_user_id)
                                   VALUES (%s, %s, %L, %s)', :a, :tag_a, 'user', :lim_a)) AS tag_a_user;
DELETE FROM permissions.tag_assignments WHERE account_id = :a;
UPDATE permissions.tag_assignments SET target_user_id = :lim_a WHERE account_id = :a;
RESET ROLE;
SELECT count(*) AS a_user_tags FROM permissions.tag_assignments WHERE account_id = :a AND target_user_id = :ro_a;

-- Finding 17: a grant on an empty group made its grantee a member of the
-- group's tenant (libraries visible).  The DBA grants A's limited user
-- B's empty group; then the group gets a member.
SELECT permissions.grant_access('tier4', user_id => :lim_a, group_id => :grp_b) IS NOT NULL AS dba_granted;
SET ROLE regress_atk_lim_a;
SELECT permissions.is_member(:b) AS member_of_b, (SELECT count(*) FROM permissions.pinpoints WHERE account_id = :b) AS b_pinpoints,
       (SELECT count(*) FROM permissions.groups WHERE account_id = :b) AS b_groups, * FROM regress_atk_own.seen;
RESET ROLE;
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp_b, :pb2, :b);
SET ROLE regress_atk_lim_a;
SELECT permissions.is_member(:b) AS member_of_b, (SELECT count(*) FROM permissions.pinpoints WHERE account_id = :b) AS b_pinpoints,
       * FROM regress_atk_own.seen;
-- a reader of B's libraries, not a member who writes them
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, target_user_id)
SELECT :b, t.id, 'user', :lim_b FROM permissions.tags t WHERE t.account_id = :b;
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:b, 'smuggled');
RESET ROLE;

-- What permissions_client gives: the schema and RLS-filtered tables.  A
-- role without it reaches nothing; an unmapped client sees no row and
-- writes none, but may authenticate with a credential it holds.
SET ROLE regress_atk_stranger;
SELECT count(*) FROM permissions.performers;
SELECT permissions.authenticate(:'cred_b');
SELECT permissions.current_user_id();
RESET ROLE;
SET ROLE regress_atk_nobody;
SELECT permissions.current_user_id() IS NULL AS nobody, * FROM regress_atk_own.seen;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'x');
SELECT regress_atk_own.try(format('SELECT permissions.create_api_credential(%s, %L)', :pool_b, 'x')) AS credential;
BEGIN;
SELECT permissions.authenticate(:'cred_b') IS NOT NULL AS authenticated;
SELECT * FROM regress_atk_own.seen;
COMMIT;
SELECT * FROM regress_atk_own.seen;
RESET ROLE;

UPDATE permissions.users SET db_role = NULL WHERE id = :mgr_a1;
DROP OWNED BY regress_atk_mgr_a1;
DROP ROLE regress_atk_mgr_a1;
\i sql/attack_teardown.inc
