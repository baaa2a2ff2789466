-- test/dump/fingerprint.sql: what a database holds, one "key<TAB>value" line
-- per fact, so that a restored copy compares with its source line by line:
--   table     every table of the extension and of the application: row
--             count and the md5 of its rows (as text, sorted)
--   sequence  every sequence's last value (empty when never used)
--   app       row-level security, policies, triggers, constraints and
--             indexes of the application's tables
--   visible   for every login role mapped to a user (users.db_role), the
--             rows of every table and view it can read, after SET ROLE
--   ignored   the extension's internal tables and sequences (their comment
--             starts with "Internal:"), which are not compared
-- Run by a superuser (row-level security does not hide rows from it).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;
\pset tuples_only on
\pset format unaligned
\pset fieldsep '\t'

-- the relations compared (a psql variable, not a view: a hot standby runs this too)
\set compared '(SELECT c.oid, c.relkind, c.oid::regclass::text AS name, coalesce(obj_description(c.oid, ''pg_class''), '''') LIKE ''Internal:%'' AS internal FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN (''r'', ''p'', ''v'', ''S'') AND n.nspname NOT IN (''pg_catalog'', ''information_schema'', ''pg_toast'') AND n.nspname NOT LIKE ''pg_temp%'')'

SELECT 'ignored ' || name, 'internal' FROM :compared compared WHERE internal ORDER BY name;

-- tables: every row, as text, in order
SELECT format($q$SELECT 'table %s', 'rows=' || count(*) || ' md5=' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM %s t$q$,
              name, oid::regclass)
  FROM :compared compared WHERE relkind IN ('r', 'p') AND NOT internal ORDER BY name
\gexec
-- users again without db_role, which a restore into a cluster lacking the role cannot keep
SELECT 'table permissions.users without db_role',
       'rows=' || count(*) || ' md5=' || md5(coalesce(string_agg((to_jsonb(u) - 'db_role')::text, E'\n' ORDER BY (to_jsonb(u) - 'db_role')::text), ''))
  FROM permissions.users u;

SELECT 'sequence ' || name, 'last_value=' || coalesce(pg_sequence_last_value(oid)::text, '')
  FROM :compared compared WHERE relkind = 'S' AND NOT internal ORDER BY name;

-- the application's tables: row-level security, policies, triggers
SELECT 'app rls ' || c.oid::regclass, format('enabled=%s forced=%s', c.relrowsecurity, c.relforcerowsecurity)
  FROM pg_class c
 WHERE c.relkind IN ('r', 'p') AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
 ORDER BY 1;
SELECT 'app policy ' || p.polrelid::regclass || ' ' || p.polname,
       format('command=%s permissive=%s using=%s check=%s', p.polcmd, p.polpermissive,
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM pg_policy p
 WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = p.polrelid AND d.deptype = 'e')
 ORDER BY 1;
SELECT 'app constraint ' || c.conrelid::regclass || ' ' || c.conname, pg_get_constraintdef(c.oid)
  FROM pg_constraint c
 WHERE c.conrelid <> 0 AND c.connamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.conrelid AND d.deptype = 'e')
 ORDER BY 1;
SELECT 'app index ' || i.indexrelid::regclass, pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace, 'pg_toast'::regnamespace)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = i.indrelid AND d.deptype = 'e')
 ORDER BY 1;
SELECT 'app trigger ' || t.tgrelid::regclass || ' ' || t.tgname, pg_get_triggerdef(t.oid)
  FROM pg_trigger t
 WHERE NOT t.tgisinternal
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = t.tgrelid AND d.deptype = 'e')
 ORDER BY 1;

-- what each mapped login role sees: the columns it may read of every table
-- and view it may read, after SET ROLE
SELECT 'mapped role ' || u.db_role, 'user ' || u.username
  FROM permissions.users u JOIN pg_roles r ON r.oid = u.db_role
 ORDER BY 1;
WITH roles AS (
    SELECT r.rolname AS role FROM permissions.users u JOIN pg_roles r ON r.oid = u.db_role
), readable AS (
    SELECT roles.role, c.name, c.oid,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
              FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND has_column_privilege(roles.role, c.oid, a.attnum, 'SELECT')) AS cols
      FROM roles, :compared c
     WHERE c.relkind IN ('r', 'p', 'v') AND NOT c.internal
       AND has_schema_privilege(roles.role, (SELECT relnamespace FROM pg_class WHERE oid = c.oid), 'USAGE')
)
SELECT stmt FROM (
    SELECT role, 0 AS step, '' AS name, format('SET ROLE %I', role) AS stmt FROM roles
    UNION ALL
    SELECT role, 1, name,
           format($q$SELECT 'visible %s %s', 'rows=' || count(*) || ' md5=' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM (SELECT %s FROM %s) t$q$,
                  role, name, cols, oid::regclass)
      FROM readable WHERE cols IS NOT NULL
    UNION ALL
    SELECT role, 2, '', 'RESET ROLE' FROM roles
) s
ORDER BY role, step, name
\gexec

-- the kept API credential (psql variables cred, and credrole: a role with no
-- mapping) still authenticates, as the same user, who sees the same rows; in
-- a read-only transaction, so that no use is recorded
WITH readable AS (
    SELECT c.name, c.oid,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
              FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND has_column_privilege(:'credrole', c.oid, a.attnum, 'SELECT')) AS cols
      FROM :compared c
     WHERE c.relkind IN ('r', 'p', 'v') AND NOT c.internal
       AND has_schema_privilege(:'credrole', (SELECT relnamespace FROM pg_class WHERE oid = c.oid), 'USAGE')
)
SELECT stmt FROM (
    SELECT 0 AS step, '' AS name, format('SET ROLE %I', :'credrole') AS stmt
    UNION ALL SELECT 1, '', 'BEGIN READ ONLY'
    UNION ALL SELECT 2, '', format($q$SELECT 'credential', 'acts as user ' || permissions.authenticate(%L)$q$, :'cred')
    UNION ALL
    SELECT 3, name,
           format($q$SELECT 'credential sees %s', 'rows=' || count(*) || ' md5=' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM (SELECT %s FROM %s) t$q$,
                  name, cols, oid::regclass)
      FROM readable WHERE cols IS NOT NULL
    UNION ALL SELECT 4, '', 'COMMIT'
    UNION ALL SELECT 5, '', 'RESET ROLE'
) s
ORDER BY step, name
\gexec

-- the signed token (test/tokens/regress_tokens.py) still authenticates, as
-- the same user, who sees the same rows (where its issuer is registered)
SELECT EXISTS (SELECT 1 FROM permissions.token_issuers WHERE issuer = 'https://idp.dump.test') AS has_token \gset
\if :has_token
\set dump_token 'eyJhbGciOiJFZERTQSIsImtpZCI6ImR1bXAtZWQiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2lkcC5kdW1wLnRlc3QiLCJzdWIiOiJub3J0aC1sZWFkIiwiZXhwIjo0MTAyNDQ0ODAwfQ.Us8U8Owwxbn6C8uz1ubER6m7mcmOPdTB2cJTdv_xVlEGAGpOZHk_44drDYpNGUmJyVyQRQrIeoZcZfIwynDJCQ'
WITH readable AS (
    SELECT c.name, c.oid,
           (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
              FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND has_column_privilege(:'credrole', c.oid, a.attnum, 'SELECT')) AS cols
      FROM :compared c
     WHERE c.relkind IN ('r', 'p', 'v') AND NOT c.internal
       AND has_schema_privilege(:'credrole', (SELECT relnamespace FROM pg_class WHERE oid = c.oid), 'USAGE')
)
SELECT stmt FROM (
    SELECT 0 AS step, '' AS name, format('SET ROLE %I', :'credrole') AS stmt
    UNION ALL SELECT 1, '', 'BEGIN READ ONLY'
    UNION ALL SELECT 2, '', format($q$SELECT 'token', 'acts as user ' || permissions.authenticate_token(%L)$q$, :'dump_token')
    UNION ALL
    SELECT 3, name,
           format($q$SELECT 'token sees %s', 'rows=' || count(*) || ' md5=' || md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM (SELECT %s FROM %s) t$q$,
                  name, cols, oid::regclass)
      FROM readable WHERE cols IS NOT NULL
    UNION ALL SELECT 4, '', 'COMMIT'
    UNION ALL SELECT 5, '', 'RESET ROLE'
) s
ORDER BY step, name
\gexec
\endif
