--
-- Organization permissions that govern the libraries and shared objects
-- around performer data: each action is allowed with its permission alone,
-- refused with every other permission but that one, and refused in another
-- account (an unrelated one, and a sub-account of the user's own).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

-- fixture: account O (the actor's) with sub-account S, and unrelated
-- account Q; each holds one object of every kind and one more user
CREATE ROLE regress_org_actor;
GRANT permissions_client TO regress_org_actor;
SELECT permissions.create_account('regress org O') AS o \gset
SELECT permissions.create_account('regress org S', :o) AS s \gset
SELECT permissions.create_account('regress org Q') AS q \gset
SELECT permissions.create_user(:o, 'regress_org_actor', access => 'tier2', db_role => 'regress_org_actor') AS actor \gset
CREATE TEMP TABLE objs AS
SELECT label, acct, permissions.create_user(acct, 'regress_org_member_' || label) AS member
  FROM (VALUES ('O', :o), ('S', :s), ('Q', :q)) AS a(label, acct);
INSERT INTO permissions.groups (account_id, name) SELECT acct, 'regress org group' FROM objs;
INSERT INTO permissions.pinpoints (account_id, name) SELECT acct, 'regress org pinpoint' FROM objs;
INSERT INTO permissions.teams (account_id, name) SELECT acct, 'regress org team' FROM objs;
INSERT INTO permissions.tags (account_id, name) SELECT acct, 'regress org tag' FROM objs;
INSERT INTO permissions.journal_types (account_id, name) SELECT acct, 'regress org type' FROM objs;
INSERT INTO permissions.chart_views (account_id, name) SELECT acct, 'regress org default' FROM objs;
INSERT INTO permissions.reporting_views (account_id, name) SELECT acct, 'regress org default' FROM objs;
CREATE TEMP TABLE ids AS
SELECT o.label, o.acct, o.member,
       (SELECT id FROM permissions.groups x WHERE x.account_id = o.acct) AS grp,
       (SELECT id FROM permissions.pinpoints x WHERE x.account_id = o.acct) AS pin,
       (SELECT id FROM permissions.teams x WHERE x.account_id = o.acct) AS team,
       (SELECT id FROM permissions.tags x WHERE x.account_id = o.acct) AS tag,
       (SELECT id FROM permissions.journal_types x WHERE x.account_id = o.acct) AS jtype,
       (SELECT id FROM permissions.chart_views x WHERE x.account_id = o.acct) AS cview,
       (SELECT id FROM permissions.reporting_views x WHERE x.account_id = o.acct) AS rview
  FROM objs o;

-- attempt(role, statement): runs the statement as the role in a
-- subtransaction that is always rolled back; 'ok' when it touched a row,
-- '0 rows' when row-level security hid the row, 'rls' when a WITH CHECK
-- policy refused the new row, else the error
CREATE FUNCTION pg_temp.attempt(who name, stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    outcome text;
BEGIN
    BEGIN
        EXECUTE format('SET ROLE %I', who);
        EXECUTE stmt;
        GET DIAGNOSTICS n = ROW_COUNT;
        outcome := CASE WHEN n > 0 THEN 'ok' ELSE '0 rows' END;
        RAISE SQLSTATE 'RGUND';
    EXCEPTION
        WHEN SQLSTATE 'RGUND' THEN NULL;
        WHEN OTHERS THEN
            outcome := CASE WHEN SQLERRM LIKE 'new row violates row-level security policy%'
                            THEN 'rls' ELSE 'error: ' || regexp_replace(SQLERRM, '\m[0-9]+\M', 'N', 'g') END;
    END;
    RETURN outcome;
END
$$;

-- with(perms, account, statement): gives the actor exactly perms, then
-- attempts the statement on the objects of the account
CREATE FUNCTION pg_temp.try(perms permissions.permset, label text, tmpl text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    i record;
BEGIN
    UPDATE permissions.users SET permissions = perms WHERE username = 'regress_org_actor';
    SELECT * INTO i FROM pg_temp.ids WHERE ids.label = try.label;
    RETURN pg_temp.attempt('regress_org_actor',
                           format(tmpl, i.acct, i.grp, i.pin, i.team, i.member, i.tag, i.jtype, i.cview, i.rview));
END
$$;

-- the grid ("with all others" leaves out also_without too: whoever
-- manages the organization's reporting views also reads them, with or
-- without view_reporting); templates: %1$s account, %2$s group, %3$s pinpoint, %4$s team,
-- %5$s another user, %6$s tag, %7$s journal type, %8$s org chart view,
-- %9$s org reporting view
CREATE TEMP TABLE actions (n int, perm text, action text, tmpl text, also_without text[] DEFAULT '{}');
INSERT INTO actions VALUES
    (1, 'create_performers', 'insert performer', 'INSERT INTO permissions.performers (account_id, first_name) VALUES (%1$s, ''x'')'),
    (2, 'create_groups', 'insert group', 'INSERT INTO permissions.groups (account_id, name) VALUES (%1$s, ''x'')'),
    (3, 'create_groups', 'rename group', 'UPDATE permissions.groups SET name = ''y'' WHERE id = %2$s'),
    (4, 'create_groups', 'delete group', 'DELETE FROM permissions.groups WHERE id = %2$s'),
    (5, 'manage_pinpoints', 'insert pinpoint', 'INSERT INTO permissions.pinpoints (account_id, name) VALUES (%1$s, ''x'')'),
    (6, 'manage_pinpoints', 'rename pinpoint', 'UPDATE permissions.pinpoints SET name = ''y'' WHERE id = %3$s'),
    (7, 'manage_pinpoints', 'delete pinpoint', 'DELETE FROM permissions.pinpoints WHERE id = %3$s'),
    (8, 'manage_teams', 'insert team', 'INSERT INTO permissions.teams (account_id, name) VALUES (%1$s, ''x'')'),
    (9, 'manage_teams', 'rename team', 'UPDATE permissions.teams SET name = ''y'' WHERE id = %4$s'),
    (10, 'manage_teams', 'delete team', 'DELETE FROM permissions.teams WHERE id = %4$s'),
    (11, 'manage_teams', 'add team member', 'INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (%4$s, %5$s, %1$s)'),
    (12, 'manage_tags', 'insert tag', 'INSERT INTO permissions.tags (account_id, name) VALUES (%1$s, ''x'')'),
    (13, 'manage_tags', 'rename tag', 'UPDATE permissions.tags SET name = ''y'' WHERE id = %6$s'),
    (14, 'manage_tags', 'delete tag', 'DELETE FROM permissions.tags WHERE id = %6$s'),
    (15, 'manage_journal_types', 'insert journal type', 'INSERT INTO permissions.journal_types (account_id, name) VALUES (%1$s, ''x'')'),
    (16, 'manage_journal_types', 'rename journal type', 'UPDATE permissions.journal_types SET name = ''y'' WHERE id = %7$s'),
    (17, 'manage_journal_types', 'delete journal type', 'DELETE FROM permissions.journal_types WHERE id = %7$s'),
    (18, 'manage_org_chart_views', 'insert org chart view', 'INSERT INTO permissions.chart_views (account_id, name) VALUES (%1$s, ''x'')'),
    (19, 'manage_org_chart_views', 'change org chart view', 'UPDATE permissions.chart_views SET name = ''y'' WHERE id = %8$s'),
    (20, 'manage_org_chart_views', 'delete org chart view', 'DELETE FROM permissions.chart_views WHERE id = %8$s'),
    (21, 'manage_org_reporting_views', 'insert org reporting view', 'INSERT INTO permissions.reporting_views (account_id, name) VALUES (%1$s, ''x'')'),
    (22, 'manage_org_reporting_views', 'change org reporting view', 'UPDATE permissions.reporting_views SET name = ''y'' WHERE id = %9$s'),
    (23, 'manage_org_reporting_views', 'delete org reporting view', 'DELETE FROM permissions.reporting_views WHERE id = %9$s'),
    (24, 'view_reporting', 'read org reporting view', 'SELECT FROM permissions.reporting_views WHERE id = %9$s'),
    (25, 'view_reporting', 'insert own reporting view', format('INSERT INTO permissions.reporting_views (account_id, owner_id, name) VALUES (%%1$s, %s, ''mine'')', :actor)),
    (26, 'manage_org_reporting_views', 'read org reporting view', 'SELECT FROM permissions.reporting_views WHERE id = %9$s');
UPDATE actions SET also_without = '{manage_org_reporting_views}' WHERE n = 24;
UPDATE actions SET also_without = '{view_reporting}' WHERE n = 26;
SELECT a.perm, a.action,
       pg_temp.try(ARRAY[a.perm]::permissions.permset, 'O', a.tmpl) AS "with it",
       pg_temp.try((SELECT array_agg(p) FROM unnest(permissions.permission_names()) AS p
                     WHERE p <> a.perm AND p <> ALL (a.also_without))::permissions.permset,
                   'O', a.tmpl) AS "with all others",
       pg_temp.try(ARRAY[a.perm]::permissions.permset, 'S', a.tmpl) AS "in sub-account",
       pg_temp.try(ARRAY[a.perm]::permissions.permset, 'Q', a.tmpl) AS "in other account"
  FROM actions a ORDER BY a.n;
UPDATE permissions.users SET permissions = '{}' WHERE id = :actor;

-- a manager of O holds every permission in O and its sub-account S, never in Q
CREATE ROLE regress_org_manager;
GRANT permissions_client TO regress_org_manager;
SELECT permissions.create_user(:o, 'regress_org_manager', role => 'manager', db_role => 'regress_org_manager') AS mgr \gset
SELECT label, pg_temp.attempt('regress_org_manager', format('INSERT INTO permissions.pinpoints (account_id, name) VALUES (%s, ''m'')', acct)) AS pinpoint,
       pg_temp.attempt('regress_org_manager', format('INSERT INTO permissions.tags (account_id, name) VALUES (%s, ''m'')', acct)) AS tag,
       pg_temp.attempt('regress_org_manager', format('UPDATE permissions.teams SET name = ''m'' WHERE id = %s', team)) AS team
  FROM ids ORDER BY label;

-- every member sees its account's libraries without any permission; a user
-- reaching a performer of another account of its tree (a grant on a
-- performer of the sub-account S) sees that account's too
INSERT INTO permissions.performers (account_id, first_name) VALUES (:o, 'Olive') RETURNING id AS po \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:s, 'Sam') RETURNING id AS ps \gset
SET ROLE regress_org_actor;
SELECT a.name AS account, (SELECT count(*) FROM permissions.pinpoints x WHERE x.account_id = a.id) AS pinpoints,
       (SELECT count(*) FROM permissions.tags x WHERE x.account_id = a.id) AS tags,
       (SELECT count(*) FROM permissions.journal_types x WHERE x.account_id = a.id) AS journal_types,
       (SELECT count(*) FROM permissions.chart_views x WHERE x.account_id = a.id) AS chart_views
  FROM permissions.accounts a WHERE a.name LIKE 'regress org %' ORDER BY a.name;
RESET ROLE;
SELECT permissions.grant_access('tier4', user_id => :actor, performer_id => :ps) IS NOT NULL AS granted;
SET ROLE regress_org_actor;
SELECT a.name AS account, (SELECT count(*) FROM permissions.pinpoints x WHERE x.account_id = a.id) AS pinpoints
  FROM permissions.accounts a WHERE a.name LIKE 'regress org %' ORDER BY a.name;

-- without manage_tags, tags are assigned (and removed) all the same; without
-- manage_journal_types, journals use the account's types; without
-- manage_org_chart_views, one keeps views of one's own (and only one's own)
RESET ROLE;
SELECT pin AS o_pin, tag AS o_tag, jtype AS o_jtype, member AS o_member FROM ids WHERE label = 'O' \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:o, :po, :o_pin) RETURNING id AS chart \gset
SET ROLE regress_org_actor;
INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, body)
VALUES (:o, :po, :o_jtype, 'typed entry') RETURNING body, journal_type_id = :o_jtype AS typed, id AS journal \gset
SELECT :'body' AS body, :'typed' AS typed;
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id, chart_id, journal_id, target_user_id, pinpoint_id)
VALUES (:o, :o_tag, 'performer', :po, NULL, NULL, NULL, NULL),
       (:o, :o_tag, 'chart', :po, :chart, NULL, NULL, NULL),
       (:o, :o_tag, 'journal', :po, NULL, :journal, NULL, NULL),
       (:o, :o_tag, 'user', NULL, NULL, NULL, :o_member, NULL),
       (:o, :o_tag, 'pinpoint', NULL, NULL, NULL, NULL, :o_pin)
RETURNING target_kind;
DELETE FROM permissions.tag_assignments WHERE account_id = :o RETURNING target_kind;
INSERT INTO permissions.chart_views (account_id, owner_id, name) VALUES (:o, :actor, 'my view') RETURNING name;
INSERT INTO permissions.chart_views (account_id, owner_id, name) VALUES (:o, :o_member, 'planted view');
RESET ROLE;
INSERT INTO permissions.chart_views (account_id, owner_id, name) VALUES (:o, :o_member, 'their view');
SET ROLE regress_org_actor;
SELECT name, owner_id IS NULL AS org_default FROM permissions.chart_views WHERE account_id = :o ORDER BY name;
UPDATE permissions.chart_views SET name = 'taken' WHERE name = 'their view' RETURNING id;
RESET ROLE;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id IN (:o, :s, :q);
DROP ROLE regress_org_actor, regress_org_manager;
