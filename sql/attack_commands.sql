--
-- Attacks, class "rules on some commands only": every rule holds for
-- INSERT, UPDATE, DELETE, COPY, MERGE and ON CONFLICT, and what must never
-- change after creation (a credential's user and secret, a grant's grantee
-- and target, creators) never changes.  Each test passes when the attack
-- fails.  (Fixture: sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
-- B's limited user manages API credentials; it has one credential, the
-- manager another.  Roles that hold table-level UPDATE (a normal grant for
-- an application role) are the setting of finding 2.
UPDATE permissions.users SET permissions = '{create_performers,manage_api_credentials}' WHERE id = :lim_b;
SET ROLE regress_atk_lim_b;
SELECT permissions.create_api_credential(:lim_b, 'mine') AS cred_lim \gset
RESET ROLE;
SET ROLE regress_atk_mgr_b;
SELECT permissions.create_api_credential(:mgr_b, 'manager') AS cred_mgr \gset
RESET ROLE;
SELECT id AS cid_lim FROM permissions.api_credentials WHERE user_id = :lim_b \gset
SELECT id AS cid_mgr FROM permissions.api_credentials WHERE user_id = :mgr_b \gset
GRANT UPDATE, INSERT ON permissions.api_credentials, permissions.access_grants TO regress_atk_lim_b, regress_atk_mgr_b;
CREATE VIEW regress_atk_own.cred_owner AS
SELECT u.username FROM permissions.api_credentials c JOIN permissions.users u ON u.id = c.user_id
 WHERE c.id IN (:cid_lim, :cid_mgr) ORDER BY c.id;
SELECT * FROM regress_atk_own.cred_owner;

-- Finding 2: re-point one's own credential at the manager, or re-key the
-- manager's, by UPDATE, MERGE and INSERT ... ON CONFLICT DO UPDATE
SET ROLE regress_atk_lim_b;
UPDATE permissions.api_credentials SET user_id = :mgr_b WHERE id = :cid_lim;
UPDATE permissions.api_credentials SET secret_hash = sha256('known') WHERE id = :cid_mgr;
UPDATE permissions.api_credentials SET created_by = NULL WHERE id = :cid_lim;
MERGE INTO permissions.api_credentials c USING (SELECT :cid_lim::bigint AS id) s ON c.id = s.id
WHEN MATCHED THEN UPDATE SET user_id = :mgr_b;
INSERT INTO permissions.api_credentials (id, account_id, user_id, name, secret_hash)
VALUES (:cid_mgr, :b, :lim_b, 'x', sha256('known'))
ON CONFLICT (id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash;
-- (only the name changes)
UPDATE permissions.api_credentials SET name = 'renamed' WHERE id = :cid_lim RETURNING name;
RESET ROLE;
-- a grant's grantee and target do not move either, even for its manager
SET ROLE regress_atk_mgr_b;
UPDATE permissions.access_grants SET user_id = :mgr_b WHERE id = :g_lim_b;
UPDATE permissions.access_grants SET performer_id = :pb2 WHERE id = :g_lim_b;
MERGE INTO permissions.access_grants g USING (SELECT :g_par_b::bigint AS id) s ON g.id = s.id
WHEN MATCHED THEN UPDATE SET user_id = :lim_b;
RESET ROLE;
SELECT user_id = :lim_b AS lim_b_grant_kept, performer_id = :pb1 AS on_bea
  FROM permissions.access_grants WHERE id = :g_lim_b;
SELECT * FROM regress_atk_own.cred_owner;
-- the credentials still act as their own users
SET ROLE regress_atk_app;
BEGIN;
SELECT permissions.authenticate(:'cred_lim') IS NOT NULL AS auth, permissions.current_user_id() = :lim_b AS as_lim;
COMMIT;
BEGIN;
SELECT permissions.authenticate('pm_' || :cid_mgr || '_' || encode(sha256('known'), 'hex'));
ROLLBACK;
RESET ROLE;

-- without the table-level grant, a client may change only the name
REVOKE UPDATE, INSERT ON permissions.api_credentials, permissions.access_grants FROM regress_atk_lim_b, regress_atk_mgr_b;
SET ROLE regress_atk_mgr_b;
UPDATE permissions.api_credentials SET user_id = :lim_b WHERE id = :cid_mgr;
UPDATE permissions.api_credentials SET secret_hash = sha256('x') WHERE id = :cid_lim;
SELECT secret_hash FROM permissions.api_credentials;
RESET ROLE;

-- Every command keeps the escalation rules: a user raising its own tier
-- or permissions by UPDATE, MERGE or ON CONFLICT, and another tenant's
-- rows written by COPY, MERGE and ON CONFLICT.
SET ROLE regress_atk_lim_a;
UPDATE permissions.users SET access = 'tier1' WHERE id = :lim_a;
MERGE INTO permissions.users u USING (SELECT :lim_a::bigint AS id) s ON u.id = s.id
WHEN MATCHED THEN UPDATE SET permissions = '{manage_users,create_performers}';
SELECT regress_atk_own.try(format('INSERT INTO permissions.users (account_id, username) VALUES (%s, %L)
                                   ON CONFLICT (account_id, username) DO UPDATE SET role = %L', :a, 'lim', 'manager')) AS upsert;
COPY permissions.performers (account_id, first_name) FROM STDIN;
3	Smuggled
\.
MERGE INTO permissions.performers p USING (SELECT :pb1::bigint AS id) s ON p.id = s.id
WHEN MATCHED THEN UPDATE SET first_name = 'Hacked'
WHEN NOT MATCHED THEN INSERT (account_id, first_name) VALUES (:b, 'Smuggled');
MERGE INTO permissions.performers p USING (SELECT :pb1::bigint AS id) s ON p.id = s.id
WHEN MATCHED THEN DELETE;
-- a performer of one's own moved into B: refused
UPDATE permissions.performers SET account_id = :b WHERE id = :pa1;
-- a grant (this user has tier3 on Ann, not tier1) by every path
INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier) VALUES (:a, :ro_a, :pa1, 'tier4');
COPY permissions.access_grants (account_id, user_id, performer_id, tier) FROM STDIN;
1	1	1	tier4
\.
RESET ROLE;
SELECT permissions.users.access, permissions.users.permissions, permissions.users.role
  FROM permissions.users WHERE id = :lim_a;
SELECT * FROM regress_atk_own.truth;

-- Second round: a role with BYPASSRLS (not a superuser) and row_security
-- off is "restoring": its changes leave no audit entry, and the line rule
-- of grants is skipped.  Expected: restoring() false for it, the grant
-- refused, and its changes audited.
CREATE ROLE regress_atk_bypass BYPASSRLS IN ROLE permissions_client;
SET ROLE regress_atk_bypass;
SET row_security = off;
SELECT permissions.restoring() AS restoring;
SELECT regress_atk_own.try(format('UPDATE permissions.users SET access = %L WHERE id = %s', 'tier2', :lim_b)) AS changed;
SELECT regress_atk_own.try(format('INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier) VALUES (%s, %s, %s, %L)',
                                  :a, :lim_b, :pa1, 'tier1')) AS cross_tenant_grant;
RESET row_security;
RESET ROLE;
SELECT count(*) AS audited FROM permissions.audit_log
 WHERE table_name IN ('users', 'access_grants') AND actor_role = 'regress_atk_bypass';
SELECT count(*) AS b_user_grants_on_a FROM permissions.access_grants WHERE user_id = :lim_b AND account_id = :a;
DROP ROLE regress_atk_bypass;

\i sql/attack_teardown.inc
