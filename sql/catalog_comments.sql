--
-- Every object of the extension says what it is for in \d+, \df+ and
-- pg_description: the schema, every column of its tables and views, its
-- tables, views, functions, types, policies and triggers.  An object added
-- without a COMMENT shows up here (the expected output lists none).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

CREATE TEMP VIEW ext_members AS
    SELECT d.classid, d.objid
      FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
     WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'permissions' AND d.deptype = 'e';

-- every object that must carry a comment, by kind
CREATE TEMP VIEW commented_objects AS
    SELECT 'schema' AS kind, 'pg_namespace'::regclass AS classid, 'permissions'::regnamespace::oid AS objid, 0 AS objsubid
    UNION ALL
    -- tables and views, and their columns
    SELECT CASE WHEN c.relkind = 'v' THEN 'view' ELSE 'table' END, 'pg_class'::regclass, c.oid, 0
      FROM pg_class c JOIN ext_members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
     WHERE c.relkind IN ('r', 'p', 'v', 'm')
    UNION ALL
    SELECT 'column', 'pg_class'::regclass, c.oid, a.attnum
      FROM pg_class c JOIN ext_members m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p', 'v', 'm')
    UNION ALL
    -- functions and types (not the array type PostgreSQL makes for each type,
    -- nor the row type of each table and view: from PostgreSQL 17 on, these
    -- are extension members too)
    SELECT 'function', 'pg_proc'::regclass, m.objid, 0 FROM ext_members m WHERE m.classid = 'pg_proc'::regclass
    UNION ALL
    SELECT 'type', 'pg_type'::regclass, t.oid, 0
      FROM pg_type t JOIN ext_members m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
     WHERE t.typcategory <> 'A'
       AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind <> 'c')
    UNION ALL
    -- policies and triggers of the extension's tables
    SELECT 'policy', 'pg_policy'::regclass, p.oid, 0
      FROM pg_policy p JOIN ext_members m ON m.classid = 'pg_class'::regclass AND m.objid = p.polrelid
    UNION ALL
    SELECT 'trigger', 'pg_trigger'::regclass, t.oid, 0
      FROM pg_trigger t JOIN ext_members m ON m.classid = 'pg_class'::regclass AND m.objid = t.tgrelid
     WHERE NOT t.tgisinternal;

-- the list checked below holds objects of every kind (a query that found
-- no objects would find none without a comment, and pass)
SELECT k.kind, count(o.objid) > 0 AS "has objects to check"
  FROM (VALUES ('schema'), ('table'), ('view'), ('column'), ('function'), ('type'), ('policy'), ('trigger')) k (kind)
  LEFT JOIN commented_objects o ON o.kind = k.kind
 GROUP BY k.kind
 ORDER BY k.kind COLLATE "C";

SELECT pg_describe_object(classid, objid, objsubid) COLLATE "C" AS "objects without a comment"
  FROM commented_objects o
 WHERE NOT EXISTS (SELECT 1 FROM pg_description d
                    WHERE d.classoid = o.classid AND d.objoid = o.objid AND d.objsubid = o.objsubid
                      AND d.description <> '')
 ORDER BY 1;

-- and a comment on a table or column says something: no placeholders (of
-- comments that exist to be checked)
SELECT count(*) > 0 AS "comments of tables and columns to check"
  FROM pg_description d
  JOIN ext_members m ON m.classid = 'pg_class'::regclass AND m.objid = d.objoid
 WHERE d.classoid = 'pg_class'::regclass;
SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid) COLLATE "C" AS "comments too short to say anything"
  FROM pg_description d
  JOIN ext_members m ON m.classid = 'pg_class'::regclass AND m.objid = d.objoid
 WHERE d.classoid = 'pg_class'::regclass AND length(d.description) < 10
 ORDER BY 1;
