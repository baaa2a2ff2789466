--
-- The tier matrix: for each tier (tier1, tier2, tier3, tier4, none), every
-- action on every kind of performer data, through real SQL under row-level
-- security, checked cell by cell against the specification's table.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

-- fixture: one account, a performer with a chart and one row of every kind,
-- written by a DBA with created_by another user, plus one journal entry
-- created by each user under test (its "own" journal)
SELECT permissions.create_account('regress mx') AS acct \gset
SELECT permissions.create_user(:acct, 'regress_mx_other') AS other \gset
SELECT permissions.create_user(:acct, 'regress_mx_grantee') AS grantee \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:acct, 'Pat') RETURNING id AS perf \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:acct, 'says hello') RETURNING id AS pin \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, created_by)
    VALUES (:acct, :perf, :pin, :other) RETURNING id AS chart \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count, created_by)
    VALUES (:acct, :perf, :chart, '2024-01-01', 10, :other) RETURNING id AS meas \gset
INSERT INTO permissions.conditions (account_id, performer_id, chart_id, starts_on, label, created_by)
    VALUES (:acct, :perf, :chart, '2024-01-01', 'baseline', :other) RETURNING id AS cond \gset
INSERT INTO permissions.notes (account_id, performer_id, chart_id, body, created_by)
    VALUES (:acct, :perf, :chart, 'slept badly', :other) RETURNING id AS note \gset
INSERT INTO permissions.tags (account_id, name) VALUES (:acct, 'red'), (:acct, 'blue');
SELECT min(id) AS tag, max(id) AS tag2 FROM permissions.tags WHERE account_id = :acct \gset
INSERT INTO permissions.journals (account_id, performer_id, body, created_by)
    VALUES (:acct, :perf, 'others'' entry', :other) RETURNING id AS journal \gset

-- one mapped user per tier, each with its own journal entry
CREATE TEMP TABLE tested (ord int, tier text, who name, user_id bigint, own_journal bigint);
DO $$
DECLARE
    t text;
    i int := 0;
    uid bigint;
    acct bigint := (SELECT id FROM permissions.accounts WHERE name = 'regress mx');
    perf bigint := (SELECT id FROM permissions.performers WHERE account_id = acct);
    jid bigint;
BEGIN
    FOREACH t IN ARRAY ARRAY['tier1', 'tier2', 'tier3', 'tier4', 'none'] LOOP
        i := i + 1;
        EXECUTE format('CREATE ROLE %I', 'regress_mx_' || t);
        uid := permissions.create_user(acct, 'regress_mx_' || t, access => t::permissions.tier,
                                       db_role => ('regress_mx_' || t)::regrole);
        INSERT INTO permissions.journals (account_id, performer_id, body, created_by)
        VALUES (acct, perf, 'own entry', uid) RETURNING id INTO jid;
        INSERT INTO tested VALUES (i, t, 'regress_mx_' || t, uid, jid);
    END LOOP;
END
$$;
INSERT INTO permissions.tag_assignments (account_id, tag_id, target_kind, performer_id, chart_id, journal_id, created_by)
    VALUES (:acct, :tag, 'performer', :perf, NULL, NULL, :other),
           (:acct, :tag, 'chart', :perf, :chart, NULL, :other),
           (:acct, :tag, 'journal', :perf, NULL, :journal, :other);
SELECT permissions.grant_access('tier4', user_id => :grantee, performer_id => :perf) AS grant_id \gset
CREATE TEMP TABLE fx AS
SELECT :acct::bigint AS acct, :perf::bigint AS perf, :pin::bigint AS pin, :chart::bigint AS chart,
       :meas::bigint AS meas, :cond::bigint AS cond, :note::bigint AS note,
       :tag::bigint AS tag, :tag2::bigint AS tag2, :journal::bigint AS journal,
       :grant_id::bigint AS grant_id, :other::bigint AS other,
       (SELECT id FROM permissions.tag_assignments WHERE tag_id = :tag AND target_kind = 'performer') AS ta_perf,
       (SELECT id FROM permissions.tag_assignments WHERE tag_id = :tag AND target_kind = 'chart') AS ta_chart,
       (SELECT id FROM permissions.tag_assignments WHERE tag_id = :tag AND target_kind = 'journal') AS ta_journal;

-- attempt(role, statement): runs the statement as the role in a
-- subtransaction that is always rolled back; 'ok' when it touched a row,
-- '0 rows' when row-level security hid the row, 'rls' when a WITH CHECK
-- policy refused the new row, else the error (ids shown as N)
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

-- grid(role): SELECT, INSERT, UPDATE and DELETE of each kind of data of the
-- fixture performer; "others'" rows were created by another user, the
-- "own" journal by the role's user
CREATE FUNCTION pg_temp.grid(who name, own_journal bigint)
RETURNS TABLE (kind text, "select" text, "insert" text, "update" text, "delete" text)
LANGUAGE plpgsql AS $$
DECLARE
    f record;
BEGIN
    SELECT * INTO f FROM pg_temp.fx;
    RETURN QUERY
    SELECT s.k, pg_temp.attempt(who, 'SELECT FROM permissions.' || s.tab || ' WHERE id = ' || s.id),
           pg_temp.attempt(who, 'INSERT INTO permissions.' || s.tab || ' ' || s.ins),
           pg_temp.attempt(who, 'UPDATE permissions.' || s.tab || ' SET ' || s.upd || ' WHERE id = ' || s.id),
           pg_temp.attempt(who, 'DELETE FROM permissions.' || s.tab || ' WHERE id = ' || s.id)
      FROM (VALUES
        (1, 'performer', 'performers', f.perf, format('(account_id, first_name) VALUES (%s, ''New'')', f.acct), 'first_name = ''Pam'''),
        (2, 'chart', 'charts', f.chart, format('(account_id, performer_id, pinpoint_id) VALUES (%s, %s, %s)', f.acct, f.perf, f.pin), 'title = ''t'''),
        (3, 'measurement', 'measurements', f.meas, format('(account_id, performer_id, chart_id, measured_on, count) VALUES (%s, %s, %s, ''2024-01-02'', 5)', f.acct, f.perf, f.chart), 'count = count + 1'),
        (4, 'condition', 'conditions', f.cond, format('(account_id, performer_id, chart_id, starts_on, label) VALUES (%s, %s, %s, ''2024-01-08'', ''B'')', f.acct, f.perf, f.chart), 'label = ''A'''),
        (5, 'note', 'notes', f.note, format('(account_id, performer_id, chart_id, body) VALUES (%s, %s, %s, ''n'')', f.acct, f.perf, f.chart), 'body = ''m'''),
        (6, 'tag on performer', 'tag_assignments', f.ta_perf, format('(account_id, tag_id, target_kind, performer_id) VALUES (%s, %s, ''performer'', %s)', f.acct, f.tag2, f.perf), 'tag_id = ' || f.tag2),
        (7, 'tag on chart', 'tag_assignments', f.ta_chart, format('(account_id, tag_id, target_kind, performer_id, chart_id) VALUES (%s, %s, ''chart'', %s, %s)', f.acct, f.tag2, f.perf, f.chart), 'tag_id = ' || f.tag2),
        (8, 'tag on journal', 'tag_assignments', f.ta_journal, format('(account_id, tag_id, target_kind, performer_id, journal_id) VALUES (%s, %s, ''journal'', %s, %s)', f.acct, f.tag2, f.perf, f.journal), 'tag_id = ' || f.tag2),
        (9, 'journal (others'')', 'journals', f.journal, format('(account_id, performer_id, body) VALUES (%s, %s, ''j'')', f.acct, f.perf), 'body = ''k'''),
        (10, 'journal (own)', 'journals', own_journal, format('(account_id, performer_id, body) VALUES (%s, %s, ''j'')', f.acct, f.perf), 'body = ''k'''),
        (11, 'access', 'access_grants', f.grant_id, format('(account_id, user_id, performer_id, tier) VALUES (%s, %s, %s, ''tier4'')', f.acct, f.other, f.perf), 'tier = ''tier3''')
      ) AS s(n, k, tab, id, ins, upd)
     ORDER BY s.n;
END
$$;

-- the specification's table, row by row
CREATE TEMP TABLE spec (tier text, kind text, "view" text, "create" text, "edit" text, "delete" text);
INSERT INTO spec
SELECT t.tier, k.kind, c.v, c.c, c.e, c.d
  FROM (VALUES ('tier1'), ('tier2'), ('tier3'), ('tier4'), ('none')) AS t(tier)
 CROSS JOIN unnest(ARRAY['performer', 'chart', 'measurement', 'condition', 'note', 'tag', 'journal', 'access']) AS k(kind)
 CROSS JOIN LATERAL (SELECT
    -- tier1: every kind, every action
    CASE WHEN t.tier = 'tier1' THEN 'all'
         -- tier2..tier4 view every kind but access; none views nothing
         WHEN t.tier = 'none' OR k.kind = 'access' THEN '-' ELSE 'all' END,
    -- tier2, tier3 create measurement, condition, note, tag, journal
    CASE WHEN t.tier = 'tier1' THEN 'all'
         WHEN t.tier IN ('tier2', 'tier3') AND k.kind IN ('measurement', 'condition', 'note', 'tag', 'journal') THEN 'all'
         ELSE '-' END,
    -- tier2, tier3 edit measurement, condition, note, tag (all) and journal (own)
    CASE WHEN t.tier = 'tier1' THEN 'all'
         WHEN t.tier IN ('tier2', 'tier3') AND k.kind IN ('measurement', 'condition', 'note', 'tag') THEN 'all'
         WHEN t.tier IN ('tier2', 'tier3') AND k.kind = 'journal' THEN 'own'
         ELSE '-' END,
    -- tier2 deletes as it edits; tier3 deletes nothing
    CASE WHEN t.tier = 'tier1' THEN 'all'
         WHEN t.tier = 'tier2' AND k.kind IN ('measurement', 'condition', 'note', 'tag') THEN 'all'
         WHEN t.tier = 'tier2' AND k.kind = 'journal' THEN 'own'
         ELSE '-' END) AS c(v, c, e, d);
SELECT * FROM spec ORDER BY array_position(ARRAY['tier1', 'tier2', 'tier3', 'tier4', 'none'], tier),
                            array_position(ARRAY['performer', 'chart', 'measurement', 'condition', 'note', 'tag', 'journal', 'access'], kind);

-- the grid through SQL, one block per tier (a new performer row is
-- create_performers, an organization permission these users do not hold:
-- see org_permissions)
CREATE TEMP TABLE result (ord serial, tier text, kind text, "select" text, "insert" text, "update" text, "delete" text);
INSERT INTO result (tier, kind, "select", "insert", "update", "delete")
SELECT t.tier, g.* FROM tested t CROSS JOIN LATERAL pg_temp.grid(t.who, t.own_journal) AS g ORDER BY t.ord;
SELECT tier, kind, "select", "insert", "update", "delete" FROM result ORDER BY ord;

-- every cell against the spec: "others'" rows need an 'all' cell, the own
-- journal an 'own' or 'all' cell; no row means no difference
SELECT r.tier, r.kind, a.action, a.got, a.cell
  FROM result r
  JOIN spec s ON s.tier = r.tier
             AND s.kind = CASE WHEN r.kind LIKE 'tag%' THEN 'tag' WHEN r.kind LIKE 'journal%' THEN 'journal' ELSE r.kind END
 CROSS JOIN LATERAL (VALUES ('select', r."select", s."view"), ('insert', r."insert", s."create"),
                            ('update', r."update", s."edit"), ('delete', r."delete", s."delete")) AS a(action, got, cell)
 WHERE (a.got = 'ok') IS DISTINCT FROM
       CASE WHEN r.kind = 'performer' AND a.action = 'insert' THEN false
            WHEN r.kind = 'journal (own)' THEN a.cell IN ('all', 'own')
            ELSE a.cell = 'all' END
 ORDER BY r.ord, a.action;
SELECT count(*) AS cells_checked FROM result r
 CROSS JOIN (VALUES ('select'), ('insert'), ('update'), ('delete')) AS a(action);

-- the decision functions agree: check() and effective_tier() asked by each
-- user about itself ("own" cells count as allowed), and by a DBA about each
CREATE FUNCTION pg_temp.checks_as(who name, perf bigint)
RETURNS TABLE (kind text, "view" boolean, "create" boolean, "edit" boolean, "delete" boolean, tier permissions.tier)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET ROLE %I', who);
    RETURN QUERY
    SELECT k, permissions.check('view', k, perf), permissions.check('create', k, perf),
           permissions.check('edit', k, perf), permissions.check('delete', k, perf),
           permissions.effective_tier(perf)
      FROM unnest(ARRAY['performer', 'chart', 'measurement', 'condition', 'note', 'tag', 'journal', 'access']) AS k;
    RESET ROLE;
END
$$;
SELECT t.tier AS "user", c.* FROM tested t CROSS JOIN LATERAL pg_temp.checks_as(t.who, :perf) AS c ORDER BY t.ord;
SELECT t.tier AS "user", u.kind, c.action, c.got, c.cell
  FROM tested t
 CROSS JOIN LATERAL pg_temp.checks_as(t.who, :perf) AS u
  JOIN spec s ON s.tier = t.tier AND s.kind = u.kind
 CROSS JOIN LATERAL (VALUES ('view', u."view", s."view"), ('create', u."create", s."create"),
                            ('edit', u."edit", s."edit"), ('delete', u."delete", s."delete")) AS c(action, got, cell)
 WHERE c.got IS DISTINCT FROM (c.cell <> '-');
SELECT s.tier, s.kind, a.action, a.cell
  FROM spec s
  JOIN permissions.users u ON u.username = 'regress_mx_' || s.tier
 CROSS JOIN LATERAL (VALUES ('view', s."view"), ('create', s."create"), ('edit', s."edit"), ('delete', s."delete")) AS a(action, cell)
 WHERE permissions.check(a.action, s.kind, :perf, u.id) IS DISTINCT FROM (a.cell <> '-');
SELECT t.tier AS "user", permissions.effective_tier(:perf, t.user_id) AS tier FROM tested t ORDER BY t.ord;

-- nothing was changed by the attempts
SELECT (SELECT first_name FROM permissions.performers WHERE id = :perf) AS performer,
       (SELECT count FROM permissions.measurements WHERE id = :meas) AS count,
       (SELECT count(*) FROM permissions.measurements WHERE performer_id = :perf) AS measurements,
       (SELECT count(*) FROM permissions.journals WHERE performer_id = :perf) AS journals,
       (SELECT tier FROM permissions.access_grants WHERE id = :grant_id) AS grant_tier;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id = :acct;
DROP ROLE regress_mx_tier1, regress_mx_tier2, regress_mx_tier3, regress_mx_tier4, regress_mx_none;
