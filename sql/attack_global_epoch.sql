--
-- No tenant's action moves the access epoch of another tenant, nor the
-- global one (tenant 0) that every cache of every tenant depends on
-- (issue 15, finding 9: a manager moved the global epoch by editing the
-- email of a user whose login role was dropped, as the role name of the
-- mapping was rewritten).  Tenant A's manager and users do everything they
-- may do; tenant B's and the global epochs stay as they were.
--
\i sql/attack_fixture.inc
CREATE ROLE regress_atk_gone;
SELECT permissions.create_user(:a, 'gone', email => 'gone@a.example', db_role => 'regress_atk_gone') AS gone_a \gset
DROP ROLE regress_atk_gone;
CREATE TEMP VIEW epochs AS
SELECT coalesce((SELECT max(epoch) FROM permissions.tenant_epochs WHERE tenant_id = 0), 0) AS global_epoch,
       coalesce((SELECT max(epoch) FROM permissions.tenant_epochs WHERE tenant_id = :b), 0) AS b_epoch,
       coalesce((SELECT max(epoch) FROM permissions.tenant_epochs WHERE tenant_id = :a), 0) AS a_epoch;
CREATE TEMP TABLE before AS SELECT * FROM epochs;

SET ROLE regress_atk_mgr_a;
-- the finding: a profile edit of the user whose role is gone
UPDATE permissions.users SET email = 'still-gone@a.example' WHERE id = :gone_a;
-- and the rest of a manager's day
SELECT permissions.create_user(:a1, 'newcomer', access => 'tier4') AS newcomer \gset
UPDATE permissions.users SET permissions = '{create_performers,manage_tags}', access = 'tier3' WHERE id = :newcomer;
UPDATE permissions.users SET role = 'manager' WHERE id = :newcomer;
UPDATE permissions.users SET role = 'user', active = false WHERE id = :newcomer;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a1, 'Global') RETURNING id AS pg \gset
SELECT permissions.grant_access('tier2', user_id => :lim_a, performer_id => :pg) AS g \gset
UPDATE permissions.access_grants SET tier = 'tier3', expires_at = now() + interval '1 day' WHERE id = :g;
SELECT permissions.revoke_access(:g);
INSERT INTO permissions.groups (account_id, name) VALUES (:a, 'global group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :pa1, :a);
INSERT INTO permissions.teams (account_id, name) VALUES (:a, 'global team') RETURNING id AS team \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :lim_a, :a);
DELETE FROM permissions.team_members WHERE team_id = :team;
SELECT permissions.create_api_credential(:lim_a, 'global') IS NOT NULL AS credential;
DELETE FROM permissions.api_credentials WHERE name = 'global';
SELECT permissions.transfer_performer(:pg, :a);
SELECT permissions.remove_user(:newcomer);
RESET ROLE;
-- a user of A on its own rows
SET ROLE regress_atk_par_a;
SELECT count(*) AS parent_sees FROM permissions.performers;
RESET ROLE;

SELECT e.global_epoch = b.global_epoch AS global_unmoved,
       e.b_epoch = b.b_epoch AS tenant_b_unmoved,
       e.a_epoch > b.a_epoch AS tenant_a_moved
  FROM epochs e, before b;
-- a DBA mapping a login role is a change that belongs to no tenant
CREATE ROLE regress_atk_mapped;
UPDATE permissions.users SET db_role = 'regress_atk_mapped' WHERE id = :gone_a;
SELECT e.global_epoch > b.global_epoch AS dba_mapping_moves_global FROM epochs e, before b;
UPDATE permissions.users SET db_role = NULL WHERE id = :gone_a;
DROP ROLE regress_atk_mapped;
DROP VIEW epochs;
DROP TABLE before;

\i sql/attack_teardown.inc
