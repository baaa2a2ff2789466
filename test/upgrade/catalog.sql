-- test/upgrade/catalog.sql: everything the permissions extension puts in a
-- database, one line per fact ("section | object | fact"), with every OID
-- turned into a name, sorted, so that two databases compare with diff.
-- test/ci/25_upgrade_catalog.sh compares an updated install with a fresh one.
\set ON_ERROR_STOP on
SET search_path = pg_catalog;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET extra_float_digits = 1;

CREATE TEMP VIEW ext_members AS
    SELECT d.classid, d.objid, d.objsubid
      FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
     WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'permissions' AND d.deptype = 'e';

-- the tables, views and sequences of the extension, and the schema's relations
-- that are not members (indexes, toast: by their table; anything else shows)
CREATE TEMP VIEW ext_rels AS
    SELECT c.*
      FROM pg_class c
     WHERE c.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_class'::regclass);

CREATE TEMP VIEW ext_procs AS
    SELECT p.*
      FROM pg_proc p
     WHERE p.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_proc'::regclass);

-- the row count and a digest of the rows of a table (a function: the query
-- differs per table)
CREATE FUNCTION pg_temp.table_rows(t regclass) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $$
DECLARE
    result text;
BEGIN
    EXECUTE format('SELECT count(*) || '' rows, md5 '' || md5(coalesce(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM %s t', t)
        INTO result;
    RETURN result;
END
$$;

CREATE TEMP VIEW facts(section, object, fact) AS
-- the extension itself
SELECT 'extension', e.extname::text,
       format('version=%s relocatable=%s schema=%s owner=%s', e.extversion, e.extrelocatable,
              e.extnamespace::regnamespace, e.extowner::regrole)
  FROM pg_extension e WHERE e.extname = 'permissions'
UNION ALL
-- every member object
SELECT 'member', pg_describe_object(m.classid, m.objid, m.objsubid),
       (SELECT format('%s %s', i.type, i.identity) FROM pg_identify_object(m.classid, m.objid, m.objsubid) i)
  FROM ext_members m
UNION ALL
-- objects of schema permissions that are not members (a stray CREATE in an update script)
SELECT 'not a member', pg_describe_object('pg_class'::regclass, c.oid, 0), c.relkind::text
  FROM pg_class c
 WHERE c.relnamespace = 'permissions'::regnamespace AND c.relkind NOT IN ('i', 'I', 't')
   AND c.oid NOT IN (SELECT oid FROM ext_rels)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype IN ('a', 'i') AND d.refobjid IN (SELECT oid FROM ext_rels))
UNION ALL
SELECT 'not a member', pg_describe_object('pg_proc'::regclass, p.oid, 0), p.prokind::text
  FROM pg_proc p
 WHERE p.pronamespace = 'permissions'::regnamespace AND p.oid NOT IN (SELECT oid FROM ext_procs)
UNION ALL
-- the schema
SELECT 'schema', n.nspname::text, format('owner=%s acl=%s', n.nspowner::regrole, n.nspacl)
  FROM pg_namespace n WHERE n.nspname = 'permissions'
UNION ALL
SELECT 'default acl', format('%s %s', d.defaclrole::regrole, d.defaclobjtype), d.defaclacl::text
  FROM pg_default_acl d WHERE d.defaclnamespace = 'permissions'::regnamespace
UNION ALL
-- relations: kind, owner, row-level security, storage parameters (the
-- table's and its TOAST table's), privileges
SELECT 'relation', r.oid::regclass::text,
       format('kind=%s persistence=%s owner=%s rls=%s force_rls=%s replident=%s options=%s toast_options=%s am=%s inherits=%s partition=%s acl=%s',
              r.relkind, r.relpersistence, r.relowner::regrole, r.relrowsecurity, r.relforcerowsecurity,
              r.relreplident, r.reloptions, (SELECT t.reloptions FROM pg_class t WHERE t.oid = r.reltoastrelid),
              (SELECT amname FROM pg_am WHERE oid = r.relam),
              (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)
                 FROM pg_inherits i WHERE i.inhrelid = r.oid),
              pg_get_expr(r.relpartbound, r.oid), r.relacl)
  FROM ext_rels r
UNION ALL
-- columns: position among live columns, type, nullability, default,
-- identity, generated, collation, privileges
SELECT 'column', format('%s.%s', a.attrelid::regclass, a.attname),
       format('position=%s type=%s not_null=%s default=%s identity=%s generated=%s collation=%s storage=%s compression=%s statistics=%s acl=%s options=%s',
              row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
              format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid),
              nullif(a.attidentity, ''), nullif(a.attgenerated, ''),
              CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation::text END,
              a.attstorage, nullif(a.attcompression, ''), a.attstattarget,
              a.attacl,
              -- pg_attver: the server's private attribute version (back branches), not a setting
              (SELECT array_agg(o ORDER BY o) FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%'))
  FROM pg_attribute a
  JOIN ext_rels r ON r.oid = a.attrelid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
 WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
-- constraints
SELECT 'constraint', format('%s %s', c.conrelid::regclass, c.conname),
       format('%s validated=%s', pg_get_constraintdef(c.oid), c.convalidated)
  FROM pg_constraint c JOIN ext_rels r ON r.oid = c.conrelid
UNION ALL
SELECT 'constraint', format('type %s %s', c.contypid::regtype, c.conname), pg_get_constraintdef(c.oid)
  FROM pg_constraint c
 WHERE c.contypid IN (SELECT objid FROM ext_members WHERE classid = 'pg_type'::regclass)
UNION ALL
-- indexes
SELECT 'index', format('%s %s', i.indrelid::regclass, i.indexrelid::regclass),
       format('%s primary=%s clustered=%s replident=%s', pg_get_indexdef(i.indexrelid),
              i.indisprimary, i.indisclustered, i.indisreplident)
  FROM pg_index i JOIN ext_rels r ON r.oid = i.indrelid
UNION ALL
-- policies
SELECT 'policy', format('%s %s', p.polrelid::regclass, p.polname),
       format('command=%s permissive=%s roles=%s using=%s check=%s', p.polcmd, p.polpermissive,
              (SELECT string_agg(CASE WHEN x = 0 THEN 'public' ELSE x::regrole::text END, ',' ORDER BY 1)
                 FROM unnest(p.polroles) x),
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
  FROM pg_policy p JOIN ext_rels r ON r.oid = p.polrelid
UNION ALL
-- triggers
SELECT 'trigger', format('%s %s', t.tgrelid::regclass, t.tgname),
       format('%s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
  FROM pg_trigger t JOIN ext_rels r ON r.oid = t.tgrelid
 WHERE NOT t.tgisinternal
UNION ALL
-- rewrite rules (a view's own _RETURN rule is its definition, below)
SELECT 'rule', format('%s %s', w.ev_class::regclass, w.rulename),
       format('%s enabled=%s', pg_get_ruledef(w.oid), w.ev_enabled)
  FROM pg_rewrite w JOIN ext_rels r ON r.oid = w.ev_class
 WHERE w.rulename <> '_RETURN'
UNION ALL
-- extended statistics on the extension's tables
SELECT 'statistics', format('%s %s', s.stxrelid::regclass, s.oid::regnamespace),
       pg_get_statisticsobjdef(s.oid)
  FROM pg_statistic_ext s JOIN ext_rels r ON r.oid = s.stxrelid
UNION ALL
SELECT 'event trigger', e.evtname::text,
       format('event=%s function=%s enabled=%s tags=%s owner=%s', e.evtevent, e.evtfoid::regprocedure,
              e.evtenabled, e.evttags, e.evtowner::regrole)
  FROM pg_event_trigger e
 WHERE e.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_event_trigger'::regclass)
UNION ALL
-- views, line by line
SELECT 'view', format('%s line %s', r.oid::regclass, to_char(l.n, 'FM000')), l.line
  FROM ext_rels r, regexp_split_to_table(pg_get_viewdef(r.oid), E'\n') WITH ORDINALITY AS l(line, n)
 WHERE r.relkind IN ('v', 'm')
UNION ALL
-- sequences: definition, owning column, state
SELECT 'sequence', s.seqrelid::regclass::text,
       format('type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s last_value=%s',
              s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
              (SELECT format('%s.%s', d.refobjid::regclass, a.attname)
                 FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')),
              pg_sequence_last_value(s.seqrelid))
  FROM pg_sequence s JOIN ext_rels r ON r.oid = s.seqrelid
UNION ALL
-- rows the scripts put in the extension's tables
SELECT 'table rows', r.oid::regclass::text, pg_temp.table_rows(r.oid)
  FROM ext_rels r WHERE r.relkind IN ('r', 'p')
UNION ALL
-- functions: attributes, then the definition line by line
SELECT 'function', p.oid::regprocedure::text,
       format('kind=%s volatility=%s parallel=%s leakproof=%s strict=%s security_definer=%s config=%s owner=%s cost=%s rows=%s support=%s language=%s returns=%s acl=%s',
              p.prokind, p.provolatile, p.proparallel, p.proleakproof, p.proisstrict, p.prosecdef,
              p.proconfig, p.proowner::regrole, p.procost, p.prorows, nullif(p.prosupport, 0)::regproc,
              (SELECT lanname FROM pg_language WHERE oid = p.prolang), pg_get_function_result(p.oid), p.proacl)
  FROM ext_procs p
UNION ALL
SELECT 'function body', format('%s line %s', p.oid::regprocedure, to_char(l.n, 'FM0000')), l.line
  FROM ext_procs p, regexp_split_to_table(pg_get_functiondef(p.oid), E'\n') WITH ORDINALITY AS l(line, n)
 WHERE p.prokind IN ('f', 'p', 'w')
UNION ALL
SELECT 'aggregate', a.aggfnoid::regprocedure::text,
       format('transfn=%s finalfn=%s combinefn=%s sortop=%s stype=%s initval=%s',
              a.aggtransfn::regproc, nullif(a.aggfinalfn, 0)::regproc, nullif(a.aggcombinefn, 0)::regproc,
              nullif(a.aggsortop, 0)::regoperator, a.aggtranstype::regtype, a.agginitval)
  FROM pg_aggregate a WHERE a.aggfnoid IN (SELECT oid FROM ext_procs)
UNION ALL
-- types
SELECT 'type', t.oid::regtype::text,
       format('type=%s len=%s byval=%s align=%s storage=%s category=%s preferred=%s input=%s output=%s receive=%s send=%s analyze=%s subscript=%s element=%s owner=%s acl=%s default=%s labels=%s',
              t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage, t.typcategory, t.typispreferred,
              t.typinput, t.typoutput, t.typreceive, t.typsend, t.typanalyze, t.typsubscript,
              nullif(t.typelem, 0)::regtype, t.typowner::regrole, t.typacl, t.typdefault,
              (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
  FROM pg_type t WHERE t.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_type'::regclass)
UNION ALL
-- operators
SELECT 'operator', o.oid::regoperator::text,
       format('function=%s commutator=%s negator=%s restrict=%s join=%s merges=%s hashes=%s owner=%s',
              o.oprcode, nullif(o.oprcom, 0)::regoperator, nullif(o.oprnegate, 0)::regoperator,
              o.oprrest, o.oprjoin, o.oprcanmerge, o.oprcanhash, o.oprowner::regrole)
  FROM pg_operator o WHERE o.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_operator'::regclass)
UNION ALL
-- operator classes and families, with their operators and support functions
SELECT 'operator class', pg_describe_object('pg_opclass'::regclass, c.oid, 0),
       format('family=%s type=%s default=%s owner=%s', pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0),
              c.opcintype::regtype, c.opcdefault, c.opcowner::regrole)
  FROM pg_opclass c WHERE c.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_opclass'::regclass)
UNION ALL
SELECT 'operator family member', pg_describe_object('pg_amop'::regclass, a.oid, 0), a.amoppurpose::text
  FROM pg_amop a WHERE a.amopfamily IN (SELECT objid FROM ext_members WHERE classid = 'pg_opfamily'::regclass)
UNION ALL
SELECT 'operator family member', pg_describe_object('pg_amproc'::regclass, a.oid, 0), ''
  FROM pg_amproc a WHERE a.amprocfamily IN (SELECT objid FROM ext_members WHERE classid = 'pg_opfamily'::regclass)
UNION ALL
-- casts
SELECT 'cast', format('%s -> %s', c.castsource::regtype, c.casttarget::regtype),
       format('function=%s context=%s method=%s', nullif(c.castfunc, 0)::regprocedure, c.castcontext, c.castmethod)
  FROM pg_cast c WHERE c.oid IN (SELECT objid FROM ext_members WHERE classid = 'pg_cast'::regclass)
UNION ALL
-- privileges the extension's scripts gave (what pg_dump compares against)
SELECT 'init privs', pg_describe_object(i.classoid, i.objoid, i.objsubid),
       format('%s %s', i.privtype, i.initprivs)
  FROM pg_init_privs i
 WHERE i.privtype = 'e'
   AND (EXISTS (SELECT 1 FROM ext_members m WHERE m.classid = i.classoid AND m.objid = i.objoid)
        OR i.classoid = 'pg_namespace'::regclass AND i.objoid = 'permissions'::regnamespace)
UNION ALL
-- comments, on everything user-made (members, columns, policies, triggers, constraints ...)
SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
  FROM pg_description d WHERE d.objoid >= 16384
UNION ALL
-- settings of the database the scripts made (ALTER DATABASE ... SET)
SELECT 'database setting', split_part(c, '=', 1), substr(c, strpos(c, '=') + 1)
  FROM pg_db_role_setting s, unnest(s.setconfig) AS c
 WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.setrole = 0
UNION ALL
-- tables and sequences pg_dump dumps, with their conditions
SELECT 'config dump', c.tbl::regclass::text, coalesce(nullif(e.extcondition[c.n], ''), '(all rows)')
  FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY AS c(tbl, n)
 WHERE e.extname = 'permissions';

-- one line per fact: line breaks inside a value are written \n
SELECT replace(section || ' | ' || object || ' | ' || coalesce(fact, '(null)'), E'\n', '\n')
  FROM facts
 ORDER BY section COLLATE "C", object COLLATE "C", fact COLLATE "C";
