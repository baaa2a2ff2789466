--
-- User management: invitations (an inactive, invited user and a one-time
-- token that the invitee exchanges for an active user and a first API
-- credential), changing and removing users with manage_users, the grant
-- ceiling, manage_profile (one's own profile fields and nothing else), and
-- the escalation attempts: giving what one lacks, raising one's own tier or
-- role, demoting the last manager, a sub-account manager reaching up.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- T has managers top and top2, user manager um (tier3, no manage_profile),
-- plain (manage_profile); sub-account S has its manager sub and a user
CREATE ROLE regress_us_top;
GRANT permissions_client TO regress_us_top;
CREATE ROLE regress_us_top2;
GRANT permissions_client TO regress_us_top2;
CREATE ROLE regress_us_um;
GRANT permissions_client TO regress_us_um;
CREATE ROLE regress_us_plain;
GRANT permissions_client TO regress_us_plain;
CREATE ROLE regress_us_sub;
GRANT permissions_client TO regress_us_sub;
CREATE ROLE regress_us_app;
GRANT permissions_client TO regress_us_app;
SELECT permissions.create_account('regress us T') AS t \gset
SELECT permissions.create_account('regress us S', :t) AS s \gset
SELECT permissions.create_user(:t, 'us_top', 'manager', db_role => 'regress_us_top') AS top \gset
SELECT permissions.create_user(:t, 'us_top2', 'manager', db_role => 'regress_us_top2') AS top2 \gset
SELECT permissions.create_user(:t, 'us_um', access => 'tier3', db_role => 'regress_us_um',
                               permissions => '{manage_users,view_reporting}') AS um \gset
SELECT permissions.create_user(:t, 'us_plain', access => 'tier4', db_role => 'regress_us_plain',
                               permissions => '{manage_profile}') AS plain \gset
SELECT permissions.create_user(:s, 'us_sub', 'manager', db_role => 'regress_us_sub') AS sub \gset
SELECT permissions.create_user(:s, 'us_s_user') AS suser \gset

-- inviting needs manage_users, and the ceiling applies: only permissions the
-- inviter holds, a tier up to its own, no managers
SET ROLE regress_us_um;
SELECT user_id AS inv, invitation AS token
  FROM permissions.invite_user(:t, 'ann@example.com', first_name => 'Ann',
                               permissions => '{view_reporting}', access => 'tier3') \gset
SELECT * FROM permissions.invite_user(:t, 'bob@example.com', permissions => '{manage_billing}');
SELECT * FROM permissions.invite_user(:t, 'bob@example.com', access => 'tier2');
SELECT * FROM permissions.invite_user(:t, 'bob@example.com', role => 'manager');
SELECT * FROM permissions.invite_user(:s, 'bob@example.com');
SELECT * FROM permissions.invite_user(:t, 'not an address');
SET ROLE regress_us_plain;
SELECT * FROM permissions.invite_user(:t, 'bob@example.com');
SET ROLE regress_us_sub;
SELECT * FROM permissions.invite_user(:t, 'bob@example.com');
RESET ROLE;
SELECT username, email, status, active, permissions, access FROM permissions.users WHERE id = :inv;
SELECT :'token' ~ '^pi_[1-9][0-9]*_[0-9a-f]{64}$' AS token_well_formed,
       (SELECT token_hash = sha256(decode(split_part(:'token', '_', 3), 'hex'))
          FROM permissions.invitations WHERE user_id = :inv) AS only_hash_kept;

-- pending invitations: user managers see them (never the hash), others do not
SET ROLE regress_us_um;
SELECT user_id = :inv AS is_ann, expires_at > now() + interval '6 days' AS valid_a_week FROM permissions.invitations;
SELECT token_hash FROM permissions.invitations;
SET ROLE regress_us_plain;
SELECT count(*) AS invitations_seen FROM permissions.invitations;
RESET ROLE;

-- accepting: a bad or expired token is refused; a good one activates the
-- user and returns its first API credential, once
SET ROLE regress_us_app;
SELECT permissions.accept_invitation('pi_1_' || repeat('0', 64));
SELECT permissions.accept_invitation('nonsense');
RESET ROLE;
UPDATE permissions.invitations SET expires_at = now() - interval '1 minute' WHERE user_id = :inv;
SET ROLE regress_us_app;
SELECT permissions.accept_invitation(:'token');
SET ROLE regress_us_um;
SELECT permissions.reissue_invitation(:inv) AS token \gset
SELECT pg_temp.try('SELECT permissions.reissue_invitation(%s)', :'plain');
SET ROLE regress_us_plain;
SELECT pg_temp.try('SELECT permissions.reissue_invitation(%s)', :'inv');
-- a token lets its holder become the user: a user manager cannot get one for
-- an invited manager, nor for a user given more than it holds
SET ROLE regress_us_top;
SELECT user_id AS inv_mgr FROM permissions.invite_user(:t, 'max@example.com', role => 'manager') \gset
SET ROLE regress_us_um;
SELECT pg_temp.try('SELECT permissions.reissue_invitation(%s)', :'inv_mgr');
RESET ROLE;
SELECT user_id AS inv2 FROM permissions.invite_user(:t, 'gus@example.com') \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:t, 'Us P') RETURNING id AS up \gset
SELECT permissions.grant_access('tier1', user_id => :inv2, performer_id => :up) IS NOT NULL AS granted;
SET ROLE regress_us_um;
SELECT pg_temp.try('SELECT permissions.reissue_invitation(%s)', :'inv2');
-- changing an invited user's rights voids its pending invitation
SET ROLE regress_us_top;
SELECT count(*) AS pending FROM permissions.invitations WHERE user_id = :inv2;
UPDATE permissions.users SET first_name = 'Gus' WHERE id = :inv2;
SELECT count(*) AS pending_after_rename FROM permissions.invitations WHERE user_id = :inv2;
UPDATE permissions.users SET access = 'tier2' WHERE id = :inv2;
SELECT count(*) AS pending_after_new_tier FROM permissions.invitations WHERE user_id = :inv2;
SET ROLE regress_us_app;
SELECT permissions.accept_invitation(:'token', 'ann laptop') AS cred \gset
SELECT permissions.accept_invitation(:'token');
BEGIN;
SELECT permissions.authenticate(:'cred') = :inv AS authenticated_as_ann;
SELECT username, status, active FROM permissions.users;
COMMIT;
RESET ROLE;
-- the first credential is the inviter's making: it acts as Ann only within
-- what the inviter holds (whoever holds the token gets no more than that)
SELECT name, user_id = :inv AS for_ann, created_by = :um AS made_by_inviter
  FROM permissions.api_credentials WHERE id = split_part(:'cred', '_', 2)::bigint;

-- changing users: manage_users within the ceiling
SET ROLE regress_us_um;
UPDATE permissions.users SET first_name = 'Annie', access = 'tier4' WHERE id = :inv RETURNING first_name, access;
UPDATE permissions.users SET permissions = '{view_reporting,manage_billing}' WHERE id = :inv;
UPDATE permissions.users SET access = 'tier2' WHERE id = :inv;
UPDATE permissions.users SET role = 'manager' WHERE id = :inv;
-- ... and never oneself: not one's tier, permissions or role
UPDATE permissions.users SET access = 'tier1' WHERE id = :um;
UPDATE permissions.users SET permissions = '{manage_users,view_reporting,manage_billing}' WHERE id = :um;
UPDATE permissions.users SET role = 'manager' WHERE id = :um;
-- a user manager without manage_profile does not edit its own profile either
UPDATE permissions.users SET email = 'um@example.com' WHERE id = :um;
-- a manager of the sub-account S reaches nothing of T
SET ROLE regress_us_sub;
UPDATE permissions.users SET first_name = 'x' WHERE account_id = :t;
UPDATE permissions.users SET account_id = :t WHERE id = :suser;
UPDATE permissions.users SET role = 'user' WHERE id = :top;
RESET ROLE;
SELECT username, first_name, role, access FROM permissions.users WHERE account_id = :t ORDER BY id;

-- manage_profile: one's own email, username, names and picture, nothing else
SET ROLE regress_us_plain;
UPDATE permissions.users SET email = 'plain@example.com', username = 'us_plain_renamed', first_name = 'Pat',
       last_name = 'Plain', picture_url = 'https://example.com/p.png'
 WHERE id = :plain RETURNING username, email, first_name, last_name, picture_url;
UPDATE permissions.users SET access = 'tier3' WHERE id = :plain;
UPDATE permissions.users SET created_at = '2000-01-01' WHERE id = :plain;
UPDATE permissions.users SET id = id + 1000000 WHERE id = :plain;
UPDATE permissions.users SET email = 'x@example.com' WHERE id = :um;
RESET ROLE;
-- without manage_profile, one's own row is out of reach
UPDATE permissions.users SET permissions = '{}' WHERE id = :plain;
SET ROLE regress_us_plain;
UPDATE permissions.users SET email = 'again@example.com' WHERE id = :plain;
RESET ROLE;
SELECT username, email, access, permissions FROM permissions.users WHERE id = :plain;

-- the last manager of a top-level account: never demoted nor removed
SET ROLE regress_us_top;
UPDATE permissions.users SET role = 'user' WHERE id = :top;
UPDATE permissions.users SET role = 'user' WHERE id = :top2 RETURNING username, role;
-- top is now the last manager: not even a superuser demotes, deactivates or removes it
RESET ROLE;
UPDATE permissions.users SET role = 'user' WHERE id = :top;
UPDATE permissions.users SET active = false WHERE id = :top;
DELETE FROM permissions.users WHERE id = :top;

-- removing: manage_users; a manager only by a manager of the account;
-- never oneself; a sub-account manager nothing above it
UPDATE permissions.users SET role = 'manager' WHERE id = :top2;
SET ROLE regress_us_um;
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'top2');
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'um');
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'suser');
SET ROLE regress_us_sub;
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'plain');
SET ROLE regress_us_plain;
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'inv');
SET ROLE regress_us_um;
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'inv');
-- a manager of T removes users of its sub-account, even S's only manager
SET ROLE regress_us_top;
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'sub');
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'top2');
RESET ROLE;
SELECT username, role FROM permissions.users WHERE account_id IN (:t, :s) ORDER BY id;
-- the removed user's credential is gone with it
SELECT count(*) AS credentials_left FROM permissions.api_credentials WHERE user_id = :inv;

-- a removed user's rows lose their creator (ON DELETE SET NULL), while a
-- living creator can be neither cleared nor replaced
INSERT INTO permissions.groups (account_id, name, created_by) VALUES (:t, 'us group', :um) RETURNING id AS ugrp \gset
SET ROLE regress_us_top;
UPDATE permissions.groups SET created_by = NULL WHERE id = :ugrp;
UPDATE permissions.groups SET created_by = :top WHERE id = :ugrp;
SELECT created_by = :um AS creator_kept FROM permissions.groups WHERE id = :ugrp;
SELECT pg_temp.try('SELECT permissions.remove_user(%s)', :'um');
RESET ROLE;
SELECT created_by IS NULL AS creator_cleared FROM permissions.groups WHERE id = :ugrp;

-- the DBA alternative to an invitation: map a login role and activate
SELECT user_id AS dba_inv FROM permissions.invite_user(:t, 'dora@example.com') \gset
UPDATE permissions.users SET db_role = 'regress_us_app', status = 'active', active = true
 WHERE id = :dba_inv RETURNING username, status, active;
SELECT count(*) AS invitation_left FROM permissions.invitations WHERE user_id = :dba_inv;

SELECT permissions.delete_account(:t, force => true);
DROP ROLE regress_us_top, regress_us_top2, regress_us_um, regress_us_plain, regress_us_sub, regress_us_app;
