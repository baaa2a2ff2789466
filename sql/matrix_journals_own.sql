--
-- Journals: tier2 and tier3 edit only their own entries (tier2 also deletes
-- them, tier3 deletes nothing); tier1 edits and deletes anyone's.  "Own"
-- means created_by, which the database stamps and never lets change.  The
-- tiers come from a direct grant, a group grant and a team grant, so the
-- rule does not depend on where the tier comes from.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

CREATE ROLE regress_mxj_a2;
GRANT permissions_client TO regress_mxj_a2;
CREATE ROLE regress_mxj_b2;
GRANT permissions_client TO regress_mxj_b2;
CREATE ROLE regress_mxj_a3;
GRANT permissions_client TO regress_mxj_a3;
CREATE ROLE regress_mxj_b3;
GRANT permissions_client TO regress_mxj_b3;
CREATE ROLE regress_mxj_t1;
GRANT permissions_client TO regress_mxj_t1;
SELECT permissions.create_account('regress mxj') AS acct \gset
SELECT permissions.create_user(:acct, 'regress_mxj_a2', db_role => 'regress_mxj_a2') AS a2,
       permissions.create_user(:acct, 'regress_mxj_b2', db_role => 'regress_mxj_b2') AS b2,
       permissions.create_user(:acct, 'regress_mxj_a3', db_role => 'regress_mxj_a3') AS a3,
       permissions.create_user(:acct, 'regress_mxj_b3', db_role => 'regress_mxj_b3') AS b3,
       permissions.create_user(:acct, 'regress_mxj_t1', db_role => 'regress_mxj_t1') AS t1 \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Jo') RETURNING id AS perf \gset
INSERT INTO permissions.groups (account_id, name) VALUES (:acct, 'regress mxj group') RETURNING id AS grp \gset
INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (:grp, :perf, :acct);
INSERT INTO permissions.teams (account_id, name) VALUES (:acct, 'regress mxj team') RETURNING id AS team \gset
INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (:team, :t1, :acct);
-- tier2 by direct grant, tier3 by group grant, tier1 by team grant
SELECT permissions.grant_access('tier2', user_id => :a2, performer_id => :perf),
       permissions.grant_access('tier2', user_id => :b2, performer_id => :perf),
       permissions.grant_access('tier3', user_id => :a3, group_id => :grp),
       permissions.grant_access('tier3', user_id => :b3, group_id => :grp),
       permissions.grant_access('tier1', team_id => :team, performer_id => :perf) \gset
SELECT u.username, permissions.effective_tier(:perf, u.id) AS tier
  FROM permissions.users u WHERE u.account_id = :acct ORDER BY u.id;

-- each user writes an entry; created_by is stamped with the writer, even
-- when the INSERT names someone else (RETURNING shows the stored row)
SET ROLE regress_mxj_a2;
INSERT INTO permissions.journals (account_id, performer_id, body)
    VALUES (:acct, :perf, 'by a2') RETURNING id AS j_a2, created_by = :a2 AS stamped \gset
SELECT :'stamped' AS a2_stamped;
SET ROLE regress_mxj_b2;
INSERT INTO permissions.journals (account_id, performer_id, body, created_by)
    VALUES (:acct, :perf, 'by b2', :a2) RETURNING id AS j_b2, created_by = :b2 AS stamped \gset
SELECT :'stamped' AS b2_stamped_despite_forged_created_by;
SET ROLE regress_mxj_a3;
INSERT INTO permissions.journals (account_id, performer_id, body)
    VALUES (:acct, :perf, 'by a3') RETURNING id AS j_a3 \gset
SET ROLE regress_mxj_b3;
INSERT INTO permissions.journals (account_id, performer_id, body)
    VALUES (:acct, :perf, 'by b3') RETURNING id AS j_b3 \gset
RESET ROLE;
SELECT body, created_by = CASE body WHEN 'by a2' THEN :a2 WHEN 'by b2' THEN :b2
                                    WHEN 'by a3' THEN :a3 WHEN 'by b3' THEN :b3 END AS created_by_is_writer
  FROM permissions.journals WHERE performer_id = :perf ORDER BY id;

-- tier2: edits its own entry, not another tier2 user's nor a tier3 user's
SET ROLE regress_mxj_a2;
SELECT count(*) AS a2_sees FROM permissions.journals WHERE performer_id = :perf;
UPDATE permissions.journals SET body = 'by a2, edited' WHERE id = :j_a2 RETURNING body;
UPDATE permissions.journals SET body = 'hijacked' WHERE id = :j_b2 RETURNING body;
UPDATE permissions.journals SET body = 'hijacked' WHERE id = :j_a3 RETURNING body;
-- taking another's entry over by rewriting created_by finds no row either
UPDATE permissions.journals SET created_by = :a2 WHERE id = :j_b2 RETURNING id;
-- and created_by of one's own entry cannot be given away
UPDATE permissions.journals SET created_by = :b2 WHERE id = :j_a2 RETURNING created_by = :a2 AS still_a2;
-- tier2 deletes only its own entry
DELETE FROM permissions.journals WHERE id IN (:j_b2, :j_a3, :j_b3) RETURNING id;
DELETE FROM permissions.journals WHERE id = :j_a2 RETURNING body;
RESET ROLE;

-- tier3: edits its own entry and no other; deletes nothing, not even its own
SET ROLE regress_mxj_a3;
SELECT count(*) AS a3_sees FROM permissions.journals WHERE performer_id = :perf;
UPDATE permissions.journals SET body = 'by a3, edited' WHERE id = :j_a3 RETURNING body;
UPDATE permissions.journals SET body = 'hijacked' WHERE id IN (:j_b2, :j_b3) RETURNING body;
DELETE FROM permissions.journals WHERE id = :j_a3 RETURNING id;
DELETE FROM permissions.journals WHERE performer_id = :perf RETURNING id;
-- what check() says: edit and delete are possible for some rows (own) or not at all
SELECT permissions.check('edit', 'journal', :perf) AS can_edit_some,
       permissions.check('delete', 'journal', :perf) AS can_delete_some;
RESET ROLE;

-- tags are "all" for tier3: it tags another user's entry, but deletes no
-- tag; the tag library itself is manage_tags (see org_permissions)
SET ROLE regress_mxj_b3;
INSERT INTO permissions.tags (account_id, name) VALUES (:acct, 'no library rights') RETURNING id;
RESET ROLE;
INSERT INTO permissions.tags (account_id, name) VALUES (:acct, 'regress mxj tag') RETURNING id AS tag \gset
SET ROLE regress_mxj_b3;
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id, journal_id)
    VALUES (:acct, :tag, 'journal', :perf, :j_b2) RETURNING target_kind;
DELETE FROM permissions.tag_assignments WHERE journal_id = :j_b2 RETURNING id;
RESET ROLE;

-- tier1 (through the team): edits and deletes anyone's entry
SET ROLE regress_mxj_t1;
UPDATE permissions.journals SET body = body || ' (reviewed)' WHERE performer_id = :perf RETURNING body;
DELETE FROM permissions.journals WHERE id = :j_b3 RETURNING body;
RESET ROLE;

-- what is left, seen by a DBA: the tier2 user's deleted entry is gone, the
-- others are intact apart from the allowed edits
SELECT body, created_by = :a2 AS by_a2 FROM permissions.journals WHERE performer_id = :perf ORDER BY id;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id = :acct;
DROP ROLE regress_mxj_a2, regress_mxj_b2, regress_mxj_a3, regress_mxj_b3, regress_mxj_t1;
