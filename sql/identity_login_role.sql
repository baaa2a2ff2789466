--
-- Identity from the login role: a role mapped by users.db_role is that user
-- whenever it is the outer role (also after SET ROLE and SET SESSION
-- AUTHORIZATION), a SECURITY DEFINER function does not change it, and an
-- unmapped role is nobody: it sees no rows and cannot write.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE ROLE regress_idlr_alice;
GRANT permissions_client TO regress_idlr_alice;
CREATE ROLE regress_idlr_bob;
GRANT permissions_client TO regress_idlr_bob;
CREATE ROLE regress_idlr_owner;
GRANT permissions_client TO regress_idlr_owner;
CREATE ROLE regress_idlr_nobody;
GRANT permissions_client TO regress_idlr_nobody;
CREATE ROLE regress_idlr_inactive;
GRANT permissions_client TO regress_idlr_inactive;
-- alice may become bob and nobody, as a login role may be granted others
GRANT regress_idlr_bob, regress_idlr_nobody TO regress_idlr_alice;

SELECT permissions.create_account('regress idlr account') AS acct \gset
SELECT permissions.create_user(:acct, 'idlr_alice', access => 'tier1', db_role => 'regress_idlr_alice',
                               permissions => '{create_performers}') AS alice \gset
SELECT permissions.create_user(:acct, 'idlr_bob', access => 'tier4', db_role => 'regress_idlr_bob') AS bob \gset
SELECT permissions.create_user(:acct, 'idlr_owner', access => 'tier4', db_role => 'regress_idlr_owner') AS owner \gset
SELECT permissions.create_user(:acct, 'idlr_inactive', access => 'tier1', db_role => 'regress_idlr_inactive') AS inactive \gset
UPDATE permissions.users SET active = false WHERE id = :inactive;
INSERT INTO permissions.performers (account_id, first_name)
VALUES (:acct, 'Idlr One'), (:acct, 'Idlr Two');

-- a superuser without a mapping has no identity
SELECT permissions.current_user_id() IS NULL AS superuser_is_nobody;

-- SET ROLE to a mapped role: that role's user
SET ROLE regress_idlr_alice;
SELECT permissions.current_user_id() = :alice AS is_alice;
SELECT first_name FROM permissions.performers ORDER BY 1;
SET ROLE regress_idlr_bob;
SELECT permissions.current_user_id() = :bob AS is_bob;
RESET ROLE;
SELECT permissions.current_user_id() IS NULL AS nobody_again;

-- a session authorized as alice (as if alice had logged in) is alice, then
-- whatever role SET ROLE makes current, and alice again after RESET ROLE
SET SESSION AUTHORIZATION regress_idlr_alice;
SELECT session_user, permissions.current_user_id() = :alice AS is_alice;
SET ROLE regress_idlr_bob;
SELECT session_user, current_user, permissions.current_user_id() = :bob AS is_bob;
SET ROLE regress_idlr_nobody;
SELECT current_user, permissions.current_user_id() IS NULL AS is_nobody;
RESET ROLE;
SELECT current_user, permissions.current_user_id() = :alice AS is_alice;
RESET SESSION AUTHORIZATION;

-- a SECURITY DEFINER function owned by another mapped role runs as its owner
-- and acts with the owner's identity, never the caller's (its owner wrote it
-- and chose to share what it sees); one owned by a superuser is trusted and
-- keeps the caller's identity (the extension's own definer functions need it)
CREATE FUNCTION regress_idlr_whoami() RETURNS TABLE (runs_as name, identity bigint)
LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT current_user, permissions.current_user_id() $$;
ALTER FUNCTION regress_idlr_whoami() OWNER TO regress_idlr_owner;
CREATE FUNCTION regress_idlr_whoami_su() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER
AS $$ SELECT permissions.current_user_id() $$;
SET ROLE regress_idlr_bob;
SELECT runs_as, identity = :bob AS identity_is_bob, identity = :owner AS identity_is_owner
FROM regress_idlr_whoami();
SELECT regress_idlr_whoami_su() = :bob AS identity_is_bob;
SET ROLE regress_idlr_nobody;
SELECT runs_as, identity IS NULL AS identity_is_null FROM regress_idlr_whoami();
SELECT regress_idlr_whoami_su() IS NULL AS identity_is_null;
RESET ROLE;

-- an unmapped role is nobody: no rows, no writes
SET ROLE regress_idlr_nobody;
SELECT permissions.current_user_id() IS NULL AS is_nobody;
SELECT count(*) AS performers_seen FROM permissions.performers;
SELECT count(*) AS users_seen FROM permissions.users;
SELECT count(*) AS accounts_seen FROM permissions.accounts;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Idlr Forged');
UPDATE permissions.performers SET first_name = 'x' WHERE account_id = :acct RETURNING first_name;
DELETE FROM permissions.performers WHERE account_id = :acct RETURNING first_name;
RESET ROLE;
SELECT count(*) AS performers_unchanged FROM permissions.performers
WHERE account_id = :acct AND first_name LIKE 'Idlr %' AND first_name <> 'x';

-- the same insert as a mapped role with create_performers works, so the
-- refusal above comes from the missing identity
SET ROLE regress_idlr_alice;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Idlr Three')
RETURNING first_name;
RESET ROLE;

-- an inactive user's role is nobody
SET ROLE regress_idlr_inactive;
SELECT permissions.current_user_id() IS NULL AS inactive_is_nobody;
SELECT count(*) AS performers_seen FROM permissions.performers;
RESET ROLE;

-- clean up
DROP FUNCTION regress_idlr_whoami(), regress_idlr_whoami_su();
UPDATE permissions.users SET db_role = NULL
WHERE id IN (:alice, :bob, :owner, :inactive);
DROP ROLE regress_idlr_alice, regress_idlr_bob, regress_idlr_owner,
          regress_idlr_nobody, regress_idlr_inactive;
