--
-- Every table of the extension is kept from VACUUM's truncation of its
-- empty end (vacuum_truncate = off): every tenant's rows share these tables,
-- and the truncation's exclusive lock would stall every tenant's reads and
-- writes.  A table added without the setting shows up here (the expected
-- output lists none).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

SELECT c.oid::regclass::text COLLATE "C" AS "tables VACUUM may truncate"
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass
 WHERE e.extname = 'permissions' AND c.relkind IN ('r', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_options_to_table(c.reloptions) o
                    WHERE o.option_name = 'vacuum_truncate' AND NOT o.option_value::boolean)
 ORDER BY 1;

-- the class is not empty: the extension's tables, all of them counted
SELECT count(*) > 30 AS "extension has its tables"
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND d.refclassid = 'pg_extension'::regclass
 WHERE e.extname = 'permissions' AND c.relkind IN ('r', 'p');
