--
-- API credentials (manage_api_credentials): created for oneself, or by a
-- manager of the user's account for that user (a credential acts as its
-- user, so anything else would be an escalation); listed without the secret
-- or its hash; deleted; and each use recorded in last_used_at without moving
-- the access epoch or writing the audit log.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- T: manager top, keyer (manage_api_credentials only), plain (every other
-- permission); sub-account S: manager sub and a user
CREATE ROLE regress_ak_top;
GRANT permissions_client TO regress_ak_top;
CREATE ROLE regress_ak_keyer;
GRANT permissions_client TO regress_ak_keyer;
CREATE ROLE regress_ak_plain;
GRANT permissions_client TO regress_ak_plain;
CREATE ROLE regress_ak_sub;
GRANT permissions_client TO regress_ak_sub;
CREATE ROLE regress_ak_app;
GRANT permissions_client TO regress_ak_app;
SELECT permissions.create_account('regress ak T') AS t \gset
SELECT permissions.create_account('regress ak S', :t) AS s \gset
SELECT permissions.create_user(:t, 'ak_top', 'manager', db_role => 'regress_ak_top') AS top \gset
SELECT permissions.create_user(:t, 'ak_keyer', permissions => '{manage_api_credentials}', db_role => 'regress_ak_keyer') AS keyer \gset
SELECT permissions.create_user(:t, 'ak_plain', access => 'tier4', db_role => 'regress_ak_plain',
       permissions => '{manage_users,manage_organization,view_audit_logs,manage_billing,manage_credits,
                        manage_sub_accounts,view_usage_reports,manage_reviews,transfer_performers}') AS plain \gset
SELECT permissions.create_user(:s, 'ak_sub', 'manager', db_role => 'regress_ak_sub') AS sub \gset
SELECT permissions.create_user(:s, 'ak_s_user') AS suser \gset

-- adding: for oneself with the permission; a manager for users of its subtree
SET ROLE regress_ak_keyer;
SELECT permissions.create_api_credential(:keyer, 'ak keyer own') AS keyer_cred \gset
-- a credential for someone else would act as them: refused, even written directly
INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash)
VALUES (:t, :top, 'ak as the manager', sha256('x'));
INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash)
VALUES (:t, :plain, 'ak as plain', sha256('x'));
SET ROLE regress_ak_plain;
SELECT pg_temp.try('SELECT permissions.create_api_credential(%s, %L)', :'plain', 'ak plain own');
SET ROLE regress_ak_top;
SELECT permissions.create_api_credential(:plain, 'ak for plain') AS plain_cred \gset
SELECT permissions.create_api_credential(:suser, 'ak for the S user') IS NOT NULL AS created;
-- the creator is always the caller
INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash, created_by)
VALUES (:t, :plain, 'ak forged creator', sha256('y'), :keyer) RETURNING created_by = :top AS created_by_top;
-- a manager of S reaches nothing in T
SET ROLE regress_ak_sub;
SELECT permissions.create_api_credential(:sub, 'ak sub own') IS NOT NULL AS created;
SELECT pg_temp.try('SELECT permissions.create_api_credential(%s, %L)', :'plain', 'x');
INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash)
VALUES (:t, :plain, 'ak from below', sha256('x'));
RESET ROLE;
-- a credential T's manager made for S's manager acts as that manager within
-- T's subtree: its manager powers over S included
SET ROLE regress_ak_top;
SELECT permissions.create_api_credential(:sub, 'ak for the S manager') AS sub_cred \gset
SET ROLE regress_ak_app;
BEGIN;
SELECT permissions.authenticate(:'sub_cred') = :sub AS authenticated,
       permissions.manages(:s) AS manages_s, permissions.holds('manage_users', :s) AS holds_manage_users,
       permissions.has_permission('manage_sub_accounts') AS has_permission, permissions.manages(:t) AS manages_t;
COMMIT;
RESET ROLE;
SELECT permissions.delete_api_credential(split_part(:'sub_cred', '_', 2)::bigint);

-- listing: never the secret or its hash; each sees its own and those of the
-- accounts where it holds manage_api_credentials
SET ROLE regress_ak_keyer;
SELECT name FROM permissions.api_credential_list ORDER BY name;
SELECT secret_hash FROM permissions.api_credentials;
SET ROLE regress_ak_plain;
SELECT name FROM permissions.api_credential_list ORDER BY name;
SET ROLE regress_ak_sub;
SELECT name FROM permissions.api_credential_list ORDER BY name;
SET ROLE regress_ak_top;
SELECT name FROM permissions.api_credential_list ORDER BY name;
RESET ROLE;
SELECT count(*) AS list_has_no_hash FROM information_schema.columns
 WHERE table_schema = 'permissions' AND table_name = 'api_credential_list' AND column_name = 'secret_hash';

-- deleting: the permission in the account, or one's own
SELECT id AS forged_id FROM permissions.api_credentials WHERE name = 'ak forged creator' \gset
SELECT id AS sub_cred_id FROM permissions.api_credentials WHERE name = 'ak sub own' \gset
SET ROLE regress_ak_sub;
SELECT pg_temp.try('SELECT permissions.delete_api_credential(%s)', :'forged_id');
SET ROLE regress_ak_keyer;
SELECT pg_temp.try('SELECT permissions.delete_api_credential(%s)', :'sub_cred_id');
SELECT pg_temp.try('SELECT permissions.delete_api_credential(%s)', :'forged_id');
RESET ROLE;
SELECT name FROM permissions.api_credentials WHERE account_id IN (:t, :s) ORDER BY name;

-- each use is recorded (last_used_at of api_credential_list), moving neither
-- the access epoch nor the audit log
SELECT split_part(:'plain_cred', '_', 2) AS plain_cred_id \gset
SELECT last_used_at IS NULL AS never_used FROM permissions.api_credential_list WHERE id = :plain_cred_id;
SELECT string_agg(tenant_id || ':' || epoch, ',' ORDER BY tenant_id) AS epoch_before FROM permissions.tenant_epochs \gset
SELECT count(*) AS audit_before FROM permissions.audit_log WHERE table_name = 'api_credentials' \gset
SET ROLE regress_ak_app;
BEGIN;
SELECT permissions.authenticate(:'plain_cred') = :plain AS authenticated;
COMMIT;
RESET ROLE;
SELECT last_used_at AS first_use FROM permissions.api_credential_list WHERE id = :plain_cred_id \gset
SELECT :'first_use'::timestamptz > now() - interval '1 minute' AS recorded,
       (SELECT string_agg(tenant_id || ':' || epoch, ',' ORDER BY tenant_id) FROM permissions.tenant_epochs) = :'epoch_before' AS epoch_unmoved,
       (SELECT count(*) FROM permissions.audit_log WHERE table_name = 'api_credentials') = :audit_before AS no_audit_entry;
-- at most once a second: a use recorded less than a second ago is left as it
-- is (a time in the future stands for it, so the check does not race the clock)
UPDATE permissions.api_credential_uses SET last_used_at = now() + interval '1 hour' WHERE credential_id = :plain_cred_id
RETURNING last_used_at AS recent_use \gset
SET ROLE regress_ak_app;
BEGIN;
SELECT permissions.authenticate(:'plain_cred') = :plain AS authenticated;
COMMIT;
RESET ROLE;
SELECT last_used_at = :'recent_use' AS unchanged FROM permissions.api_credential_uses WHERE credential_id = :plain_cred_id;
-- an older use is replaced; read-only and repeatable-read transactions
-- authenticate but record nothing
UPDATE permissions.api_credential_uses SET last_used_at = '2020-01-01' WHERE credential_id = :plain_cred_id;
SET ROLE regress_ak_app;
BEGIN READ ONLY;
SELECT permissions.authenticate(:'plain_cred') = :plain AS authenticated_read_only;
COMMIT;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT permissions.authenticate(:'plain_cred') = :plain AS authenticated_repeatable_read;
COMMIT;
RESET ROLE;
SELECT last_used_at = '2020-01-01' AS not_recorded FROM permissions.api_credential_uses WHERE credential_id = :plain_cred_id;
SET ROLE regress_ak_app;
BEGIN;
SELECT permissions.authenticate(:'plain_cred') = :plain AS authenticated;
COMMIT;
RESET ROLE;
SELECT last_used_at > '2020-01-01' AS recorded_again FROM permissions.api_credential_uses WHERE credential_id = :plain_cred_id;
SELECT (SELECT string_agg(tenant_id || ':' || epoch, ',' ORDER BY tenant_id) FROM permissions.tenant_epochs) = :'epoch_before' AS epoch_unmoved,
       (SELECT count(*) FROM permissions.audit_log WHERE table_name = 'api_credentials') = :audit_before AS no_audit_entry;
-- nobody but the extension records a use; the owner of a credential (or a
-- holder of manage_api_credentials) reads when it was used
SET ROLE regress_ak_plain;
SELECT permissions.touch_api_credential(:plain_cred_id);
UPDATE permissions.api_credential_uses SET last_used_at = now() WHERE credential_id = :plain_cred_id;
INSERT INTO permissions.api_credential_uses VALUES (:plain_cred_id + 1000000, now());
SELECT name, last_used_at > '2020-01-01' AS used FROM permissions.api_credential_list ORDER BY name;
SET ROLE regress_ak_sub;
SELECT count(*) AS uses_seen FROM permissions.api_credential_uses WHERE credential_id = :plain_cred_id;
RESET ROLE;

SELECT permissions.delete_account(:t, force => true);
DROP ROLE regress_ak_top, regress_ak_keyer, regress_ak_plain, regress_ak_sub, regress_ak_app;
