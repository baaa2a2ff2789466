
-- install/78_app_tables.sql
-- ---------------------------------------------------------------------------
-- The application's own tables under the same rules
--
-- Applications keep data of their own about performers (intake forms,
-- session notes, attachments) and about accounts (invoices, settings,
-- documents) in tables the extension does not know.  protect_table() puts
-- such a table, with every partition and inheritance child it has, under
-- one kind: a kind of performer data (the tier matrix, through the same C
-- policy functions as the extension's own tables, so planner support turns
-- them into index conditions) or 'account' (members of the account read,
-- holders of a named organization permission or managers write).
--
-- It protects completely or refuses: every table of the family must be a
-- table the caller owns, with account_id (and performer_id) bigint NOT NULL
-- and a validated foreign key to permissions.performers (account_id, id)
-- (or permissions.accounts (id)), so that no row pairs a performer with
-- another tenant's account.  The protection stays complete: after every DDL
-- statement an event trigger (protection_ddl_end(), src/app_tables.c)
-- protects a table that became a partition or child of a protected one (or
-- refuses the statement when it cannot), and refuses any statement that
-- leaves a protected table short of its protection (row-level security
-- turned off, a policy dropped or changed, another permissive policy, the
-- foreign key or a NOT NULL dropped, the created_by trigger disabled).
-- permissions.protection_gaps() lists what is missing, for a DBA.
--
-- protect_table() and unprotect_table() run with the caller's rights:
-- enabling row-level security, creating policies and triggers are things
-- only the table's owner (or a superuser) may do, and PostgreSQL itself
-- checks that.  A migration role needs nothing beyond owning its tables,
-- USAGE on schema permissions and REFERENCES (id, account_id) on
-- permissions.performers (or (id) on permissions.accounts), which a DBA
-- grants to that role alone (a foreign key reveals whether a row exists and
-- can hold up its deletion, so it is not granted to every client).
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.protected_tables (
    tbl              regclass PRIMARY KEY,
    kind             text NOT NULL,
    write_permission text,
    policies         jsonb NOT NULL,
    protected_at     timestamptz NOT NULL DEFAULT now()
) WITH (vacuum_truncate = off);
COMMENT ON TABLE permissions.protected_tables IS
'The application tables permissions.protect_table() protects, each partition and child included, with their kind and the policies it made (as PostgreSQL shows them), against which permissions.protection_gaps() compares them. Owners of a table read its row; only protect_table() and unprotect_table() write them.';
COMMENT ON COLUMN permissions.protected_tables.tbl IS 'The protected table.';
COMMENT ON COLUMN permissions.protected_tables.kind IS 'A kind of performer data (performer, chart, measurement, condition, note, tag, journal, access), or account.';
COMMENT ON COLUMN permissions.protected_tables.write_permission IS 'Kind account: the organization permission that lets a member write (NULL: managers only).';
COMMENT ON COLUMN permissions.protected_tables.policies IS 'The policies protect_table() made: name -> [command, USING, WITH CHECK] as pg_get_expr() shows them.';
COMMENT ON COLUMN permissions.protected_tables.protected_at IS 'When the table was protected.';
ALTER TABLE permissions.protected_tables ENABLE ROW LEVEL SECURITY;
ALTER TABLE permissions.protected_tables FORCE ROW LEVEL SECURITY;
CREATE POLICY protected_tables_owner ON permissions.protected_tables FOR SELECT
    USING (pg_catalog.pg_has_role((SELECT c.relowner FROM pg_catalog.pg_class c
                                    WHERE c.oid OPERATOR(pg_catalog.=) tbl), 'USAGE'));
COMMENT ON POLICY protected_tables_owner ON permissions.protected_tables IS
'The owner of a table (and the roles that act as it) reads its row; only protect_table() and unprotect_table() write them (through protection_register() and protection_forget()).';

CREATE FUNCTION permissions.app_table_check(tbl regclass, what text)
RETURNS pg_catalog.pg_class
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel pg_catalog.pg_class;
    ext name;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'table must not be null',
            HINT = format('Pass the table to %s, as in permissions.%s(''app.session_notes'').', what, what);
    END IF;
    SELECT * INTO rel FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'undefined_table',
            MESSAGE = format('relation with OID %s does not exist', tbl::oid);
    END IF;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION USING ERRCODE = 'wrong_object_type',
            MESSAGE = format('"%s" is not a table', tbl),
            DETAIL = CASE rel.relkind WHEN 'f' THEN 'Row-level security does not apply to foreign tables: their rows could not be protected.'
                                      ELSE 'Row-level security applies to tables only.' END,
            HINT = format('Call permissions.%s() on the table the view or object reads; keep foreign tables out of protected tables'' partitions.', what);
    END IF;
    IF rel.relpersistence OPERATOR(pg_catalog.=) 't' THEN
        RAISE EXCEPTION USING ERRCODE = 'wrong_object_type',
            MESSAGE = format('table %s is temporary', tbl),
            DETAIL = 'A temporary table is its session''s alone: there is nothing to protect from other users.',
            HINT = format('Call permissions.%s() on tables the application shares.', what);
    END IF;
    IF NOT pg_catalog.pg_has_role(rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('must be owner of table %s', tbl),
            DETAIL = format('Only the owner of a table, or a superuser, can change its row-level security; table %s is owned by role %s.',
                            tbl, rel.relowner::regrole),
            HINT = format('Call permissions.%s() as the role that owns the table (the role that runs the application''s migrations).', what);
    END IF;
    SELECT e.extname INTO ext
      FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
       AND d.objid OPERATOR(pg_catalog.=) tbl
       AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.deptype OPERATOR(pg_catalog.=) 'e';
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('table %s is a member of extension "%s"', tbl, ext),
            DETAIL = 'The extension''s own tables keep the policies the extension gave them.',
            HINT = format('permissions.%s() is for tables of the application.', what);
    END IF;
    RETURN rel;
END
$$;
COMMENT ON FUNCTION permissions.app_table_check(regclass, text) IS
'Internal: the pg_class row of an application table that the caller may protect or unprotect (a table, not a foreign table or view; its owner, or a superuser; not a table of an extension), or an error saying why not.';

CREATE FUNCTION permissions.app_table_family(tbl regclass)
RETURNS SETOF regclass
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    WITH RECURSIVE family(relid) AS (
        SELECT tbl::oid
        UNION
        SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN family f ON i.inhparent OPERATOR(pg_catalog.=) f.relid
    )
    SELECT relid::regclass FROM family
$$;
COMMENT ON FUNCTION permissions.app_table_family(regclass) IS
'Internal: a table with all its partitions and inheritance children, at any depth: what protecting it must cover.';

CREATE FUNCTION permissions.app_table_kind(kind text, write_permission text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kinds constant text[] := ARRAY['performer', 'chart', 'measurement', 'condition', 'note', 'tag', 'journal', 'access', 'account'];
    k text := pg_catalog.lower(kind);
BEGIN
    IF k IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'kind must not be null',
            HINT = format('Pass the kind of data the rows are, one of: %s.', pg_catalog.array_to_string(kinds, ', '));
    END IF;
    IF NOT k OPERATOR(pg_catalog.=) ANY (kinds) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown kind of data: "%s"', kind),
            DETAIL = 'A kind of performer data decides which column of the tier matrix applies to the table''s rows; kind account makes rows that belong to an account and no performer.',
            HINT = format('Use one of: %s.', pg_catalog.array_to_string(kinds, ', '));
    END IF;
    IF write_permission IS NOT NULL AND k OPERATOR(pg_catalog.<>) 'account' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'write_permission applies to kind account only',
            DETAIL = format('Rows of kind %s are written as the tier matrix allows.', k),
            HINT = 'Leave write_permission out, or protect the table with kind => ''account''.';
    END IF;
    IF write_permission IS NOT NULL
       AND NOT write_permission OPERATOR(pg_catalog.=) ANY (permissions.permission_names()) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown permission "%s"', write_permission),
            HINT = 'The permission names are listed by permissions.permission_names().';
    END IF;
    RETURN k;
END
$$;
COMMENT ON FUNCTION permissions.app_table_kind(text, text) IS
'Internal: the canonical kind for protect_table(), or an error naming the kinds (and the permission names, for kind account).';

CREATE FUNCTION permissions.app_table_requirements(tbl regclass, kind text)
RETURNS TABLE (gap text, hint text)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    -- the columns, of type bigint and NOT NULL (created_by: bigint if present)
    SELECT format('column "%s" is missing', c.col),
           format('Add it: ALTER TABLE %s ADD COLUMN %s bigint NOT NULL; and fill it from %s.', tbl, c.col,
                  CASE c.col WHEN 'account_id' THEN 'permissions.performers (or the row''s account)' ELSE 'the row''s performer' END)
      FROM (VALUES ('account_id'), ('performer_id')) AS c(col)
     WHERE (c.col OPERATOR(pg_catalog.=) 'account_id' OR kind OPERATOR(pg_catalog.<>) 'account')
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) c.col
                          AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped)
    UNION ALL
    SELECT format('column "%s" is of type %s, not bigint', a.attname, a.atttypid::pg_catalog.regtype),
           format('Change it: ALTER TABLE %s ALTER COLUMN %I TYPE bigint;', tbl, a.attname)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
       AND a.attname IN ('account_id', 'performer_id', 'created_by')
       AND (a.attname OPERATOR(pg_catalog.<>) 'performer_id' OR kind OPERATOR(pg_catalog.<>) 'account')
       AND a.atttypid OPERATOR(pg_catalog.<>) 'pg_catalog.int8'::pg_catalog.regtype
    UNION ALL
    SELECT format('column "%s" may be NULL', a.attname),
           format('A row without it would belong to no %s: ALTER TABLE %s ALTER COLUMN %I SET NOT NULL;',
                  CASE a.attname WHEN 'account_id' THEN 'account' ELSE 'performer' END, tbl, a.attname)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
       AND a.attname IN ('account_id', 'performer_id')
       AND (a.attname OPERATOR(pg_catalog.=) 'account_id' OR kind OPERATOR(pg_catalog.<>) 'account')
       AND a.atttypid OPERATOR(pg_catalog.=) 'pg_catalog.int8'::pg_catalog.regtype AND NOT a.attnotnull
    UNION ALL
    -- created_by is the database's: a generated column is computed after the
    -- trigger that stamps it, from columns the client writes
    SELECT format('column "%s" is generated', a.attname),
           format('Its value would come from columns the client writes, after the database stamped the inserting user: ALTER TABLE %s ALTER COLUMN %I DROP EXPRESSION;', tbl, a.attname)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
       AND a.attname OPERATOR(pg_catalog.=) 'created_by' AND a.attgenerated OPERATOR(pg_catalog.<>) ''
    UNION ALL
    -- the foreign key that keeps every row's performer in the row's account
    SELECT CASE WHEN kind OPERATOR(pg_catalog.=) 'account'
                THEN 'no validated foreign key (account_id) to permissions.accounts (id)'
                ELSE 'no validated foreign key (performer_id, account_id) to permissions.performers (id, account_id)' END,
           CASE WHEN kind OPERATOR(pg_catalog.=) 'account'
                THEN format('A row could name an account that does not exist. Add it: ALTER TABLE %s ADD FOREIGN KEY (account_id) REFERENCES permissions.accounts (id) ON DELETE CASCADE; (a DBA grants REFERENCES (id) ON permissions.accounts to the role that owns the table).', tbl)
                ELSE format('Without it a row could pair a performer with another tenant''s account. Add it: ALTER TABLE %s ADD FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id) ON DELETE CASCADE ON UPDATE CASCADE; (a DBA grants REFERENCES (id, account_id) ON permissions.performers to the role that owns the table).', tbl) END
     WHERE NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint k
         WHERE k.conrelid OPERATOR(pg_catalog.=) tbl AND k.contype OPERATOR(pg_catalog.=) 'f' AND k.convalidated
           AND k.confrelid OPERATOR(pg_catalog.=) CASE WHEN kind OPERATOR(pg_catalog.=) 'account'
                                                        THEN 'permissions.accounts'::pg_catalog.regclass
                                                        ELSE 'permissions.performers'::pg_catalog.regclass END
           AND (SELECT pg_catalog.array_agg(pg_catalog.format('%s=%s', la.attname, ra.attname) ORDER BY la.attname)
                  FROM ROWS FROM (pg_catalog.unnest(k.conkey), pg_catalog.unnest(k.confkey)) AS p(l, r)
                  JOIN pg_catalog.pg_attribute la ON la.attrelid OPERATOR(pg_catalog.=) k.conrelid AND la.attnum OPERATOR(pg_catalog.=) p.l
                  JOIN pg_catalog.pg_attribute ra ON ra.attrelid OPERATOR(pg_catalog.=) k.confrelid AND ra.attnum OPERATOR(pg_catalog.=) p.r)
               OPERATOR(pg_catalog.=) CASE WHEN kind OPERATOR(pg_catalog.=) 'account'
                                           THEN ARRAY['account_id=id']
                                           ELSE ARRAY['account_id=account_id', 'performer_id=id'] END)
$$;
COMMENT ON FUNCTION permissions.app_table_requirements(regclass, text) IS
'Internal: what a table lacks to be protected as a kind (columns, their type, NOT NULL, a created_by that is not generated, the foreign key that keeps every row''s performer in the row''s account), each with the statement that fixes it.';

CREATE FUNCTION permissions.app_table_policies(kind text, write_permission text, has_creator boolean)
RETURNS TABLE (polname name, command text, using_expr text, check_expr text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH e AS (
        SELECT CASE WHEN kind OPERATOR(pg_catalog.=) 'account' THEN 'permissions.in_account(account_id)'
                    ELSE pg_catalog.format('permissions.can_view(%L, account_id, performer_id)', kind) END AS sel,
               CASE WHEN kind OPERATOR(pg_catalog.<>) 'account'
                    THEN pg_catalog.format('permissions.can_create(%L, account_id, performer_id)', kind)
                    WHEN write_permission IS NULL THEN 'permissions.manages(account_id)'
                    ELSE pg_catalog.format('permissions.holds(%L, account_id)', write_permission) END AS ins,
               CASE WHEN kind OPERATOR(pg_catalog.<>) 'account'
                    THEN pg_catalog.format('permissions.can_edit(%L, account_id, performer_id, %s)', kind,
                                           CASE WHEN has_creator THEN 'created_by' ELSE 'NULL::bigint' END)
                    WHEN write_permission IS NULL THEN 'permissions.manages(account_id)'
                    ELSE pg_catalog.format('permissions.holds(%L, account_id)', write_permission) END AS upd,
               CASE WHEN kind OPERATOR(pg_catalog.<>) 'account'
                    THEN pg_catalog.format('permissions.can_delete(%L, account_id, performer_id, %s)', kind,
                                           CASE WHEN has_creator THEN 'created_by' ELSE 'NULL::bigint' END)
                    WHEN write_permission IS NULL THEN 'permissions.manages(account_id)'
                    ELSE pg_catalog.format('permissions.holds(%L, account_id)', write_permission) END AS del
    )
    SELECT 'permissions_select'::name, 'SELECT', e.sel, NULL FROM e
    UNION ALL SELECT 'permissions_insert'::name, 'INSERT', NULL, e.ins FROM e
    UNION ALL SELECT 'permissions_update'::name, 'UPDATE', e.upd, e.upd FROM e
    UNION ALL SELECT 'permissions_delete'::name, 'DELETE', e.del, NULL FROM e
$$;
COMMENT ON FUNCTION permissions.app_table_policies(text, text, boolean) IS
'Internal: the four policies protect_table() makes for a kind: one per command, calling the same policy functions as the extension''s own tables.';

CREATE FUNCTION permissions.protection_caller_owns(tbl regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'app_tables_caller_owns'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.protection_caller_owns(regclass) IS
'Internal: whether the acting role (inside a definer function: its caller) owns the table.';
REVOKE ALL ON FUNCTION permissions.protection_caller_owns(regclass) FROM PUBLIC;

CREATE FUNCTION permissions.protection_forget(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    member regclass;
BEGIN
    FOR member IN SELECT f FROM permissions.app_table_family(protection_forget.tbl) AS f LOOP
        IF NOT (permissions.caller_is_dba() OR permissions.protection_caller_owns(member)) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('must be owner of table %s', member),
                HINT = 'Only the owner of a table, or a superuser, changes its protection.';
        END IF;
    END LOOP;
    DELETE FROM permissions.protected_tables p
     WHERE p.tbl OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT permissions.app_table_family(protection_forget.tbl)));
END
$$;
COMMENT ON FUNCTION permissions.protection_forget(regclass) IS
'Internal: takes a table and its partitions and children out of the registry of protected tables, for their owner (protect_table(), unprotect_table()).';

CREATE FUNCTION permissions.protection_register(tbl regclass, kind text, write_permission text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    member regclass;
    g record;
    ours constant name[] := ARRAY['permissions_select', 'permissions_insert', 'permissions_update', 'permissions_delete'];
BEGIN
    PERFORM permissions.protection_forget(protection_register.tbl);
    -- the protection as it stands, for protection_gaps() to compare with
    INSERT INTO permissions.protected_tables (tbl, kind, write_permission, policies)
    SELECT f, protection_register.kind, protection_register.write_permission,
           coalesce((SELECT pg_catalog.jsonb_object_agg(p.polname, pg_catalog.jsonb_build_array(
                               p.polcmd, pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)))
                       FROM pg_catalog.pg_policy p
                      WHERE p.polrelid OPERATOR(pg_catalog.=) f AND p.polname OPERATOR(pg_catalog.=) ANY (ours)), '{}')
      FROM permissions.app_table_family(protection_register.tbl) AS f;
    -- what is registered is complete: the policies as protect_table() makes them
    FOR member IN SELECT f FROM permissions.app_table_family(protection_register.tbl) AS f LOOP
        IF (SELECT pg_catalog.count(*) FROM permissions.protected_tables p, pg_catalog.jsonb_object_keys(p.policies) k
             WHERE p.tbl OPERATOR(pg_catalog.=) member) OPERATOR(pg_catalog.<>) 4
           OR EXISTS (SELECT 1 FROM permissions.protected_tables p, permissions.app_table_policies(
                                        p.kind, p.write_permission,
                                        EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                                 WHERE a.attrelid OPERATOR(pg_catalog.=) member AND a.attname OPERATOR(pg_catalog.=) 'created_by'
                                                   AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped)) e
                       WHERE p.tbl OPERATOR(pg_catalog.=) member
                         AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy x
                                          WHERE x.polrelid OPERATOR(pg_catalog.=) member AND x.polname OPERATOR(pg_catalog.=) e.polname
                                            AND x.polcmd OPERATOR(pg_catalog.=) CASE e.command WHEN 'SELECT' THEN 'r' WHEN 'INSERT' THEN 'a'
                                                                                               WHEN 'UPDATE' THEN 'w' ELSE 'd' END)) THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('table %s does not have the policies of kind %s', member, protection_register.kind),
                HINT = 'Protect tables with permissions.protect_table().';
        END IF;
    END LOOP;
    SELECT * INTO g FROM permissions.protection_gaps() x
     WHERE x.tbl OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT permissions.app_table_family(protection_register.tbl))) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('table %s is not protected completely: %s', g.tbl, g.gap),
            HINT = g.hint;
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.protection_register(regclass, text, text) IS
'Internal: records a protected table and its partitions and children in the registry, for their owner, once protect_table() has protected them and only if nothing is missing.';

CREATE FUNCTION permissions.protect_table(tbl regclass, kind text DEFAULT 'note', write_permission text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    k text := permissions.app_table_kind(kind, write_permission);
    member regclass;
    rel pg_catalog.pg_class;
    problem record;
    others text;
    has_creator boolean;
    pol record;
    ours constant name[] := ARRAY['permissions_select', 'permissions_insert', 'permissions_update', 'permissions_delete'];
BEGIN
    PERFORM permissions.app_table_check(tbl, 'protect_table');
    -- a parent would show the table's rows with its own policies: it is
    -- protected first (which protects the table with it)
    SELECT i.inhparent::regclass AS parent INTO problem
      FROM pg_catalog.pg_inherits i
     WHERE i.inhrelid OPERATOR(pg_catalog.=) tbl
       AND NOT EXISTS (SELECT 1 FROM permissions.protected_tables q
                        WHERE q.tbl OPERATOR(pg_catalog.=) i.inhparent AND q.kind OPERATOR(pg_catalog.=) k
                          AND q.write_permission IS NOT DISTINCT FROM protect_table.write_permission)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('table %s is a partition or child of %s, which is not protected as %s', tbl, problem.parent, k),
            DETAIL = 'Reading a parent shows its children''s rows under the parent''s policies only.',
            HINT = format('Protect the parent: SELECT permissions.protect_table(%L, %L); protects it with all its partitions and children.', problem.parent::text, k);
    END IF;
    -- every table of the family, checked before anything changes
    FOR member IN SELECT f FROM permissions.app_table_family(tbl) AS f LOOP
        rel := permissions.app_table_check(member, 'protect_table');
        SELECT * INTO problem FROM permissions.app_table_requirements(member, k) LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('table %s cannot be protected: %s', member, problem.gap),
                DETAIL = CASE WHEN member OPERATOR(pg_catalog.<>) tbl
                              THEN format('It is a partition or child of %s: protecting a table protects all of them, or none.', tbl)
                              ELSE 'protect_table() protects a table completely, or not at all.' END,
                HINT = problem.hint;
        END IF;
        -- other permissive policies would be OR-ed with these and widen them
        SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname) INTO others
          FROM pg_catalog.pg_policy p
         WHERE p.polrelid OPERATOR(pg_catalog.=) member AND p.polpermissive
           AND p.polname OPERATOR(pg_catalog.<>) ALL (ours);
        IF others IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = format('table %s has other permissive policies: %s', member, others),
                DETAIL = 'Permissive policies are combined with OR: rows they let through would be visible whatever the permissions say.',
                HINT = 'Drop them, or recreate them AS RESTRICTIVE to narrow the permissions further.';
        END IF;
    END LOOP;

    -- forget the old protection first: every DDL statement below is checked
    -- (protection_ddl_end) against what is registered
    PERFORM permissions.protection_forget(tbl);

    -- created_by triggers live on the tables that hold rows, each its own
    -- (a partitioned table holds none; a partition keeps its trigger when
    -- detached): none on a partitioned table, nor clones of one
    FOR member IN SELECT f FROM permissions.app_table_family(tbl) AS f
                   JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) f
                  WHERE c.relkind OPERATOR(pg_catalog.=) 'p' AND EXISTS (
                        SELECT 1 FROM pg_catalog.pg_trigger t
                         WHERE t.tgrelid OPERATOR(pg_catalog.=) f AND t.tgname OPERATOR(pg_catalog.=) 'permissions_stamp') LOOP
        EXECUTE format('DROP TRIGGER permissions_stamp ON %s', member);
    END LOOP;
    FOR member IN SELECT f FROM permissions.app_table_family(tbl) AS f LOOP
        rel := permissions.app_table_check(member, 'protect_table');
        has_creator := EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                WHERE a.attrelid OPERATOR(pg_catalog.=) member AND a.attname OPERATOR(pg_catalog.=) 'created_by'
                                  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped);
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', member);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', member);
        FOR pol IN SELECT p.polname FROM pg_catalog.pg_policy p
                    WHERE p.polrelid OPERATOR(pg_catalog.=) member AND p.polname OPERATOR(pg_catalog.=) ANY (ours) LOOP
            EXECUTE format('DROP POLICY %I ON %s', pol.polname, member);
        END LOOP;
        FOR pol IN SELECT * FROM permissions.app_table_policies(k, write_permission, has_creator) LOOP
            EXECUTE format('CREATE POLICY %I ON %s FOR %s%s%s', pol.polname, member, pol.command,
                           CASE WHEN pol.using_expr IS NOT NULL THEN format(' USING (%s)', pol.using_expr) ELSE '' END,
                           CASE WHEN pol.check_expr IS NOT NULL THEN format(' WITH CHECK (%s)', pol.check_expr) ELSE '' END);
            EXECUTE format('COMMENT ON POLICY %I ON %s IS %L', pol.polname, member,
                           format('permissions.protect_table(): %s rows of kind %s%s.', lower(pol.command), k,
                                  CASE WHEN k OPERATOR(pg_catalog.=) 'account'
                                       THEN CASE pol.command WHEN 'SELECT' THEN ': members of the account'
                                                 ELSE coalesce(format(': holders of %s in the account, and managers', write_permission),
                                                               ': managers of the account') END
                                       WHEN has_creator AND pol.command IN ('UPDATE', 'DELETE') THEN ' (created_by decides "own")'
                                       ELSE '' END));
        END LOOP;
        -- created_by: the database's
        IF has_creator AND rel.relkind OPERATOR(pg_catalog.=) 'r' THEN
            EXECUTE format('CREATE OR REPLACE TRIGGER permissions_stamp BEFORE INSERT OR UPDATE ON %s
                            FOR EACH ROW EXECUTE FUNCTION permissions.stamp_row(''created_by'')', member);
            EXECUTE format('COMMENT ON TRIGGER permissions_stamp ON %s IS %L', member,
                           'permissions.protect_table(): created_by is the inserting user and never changes.');
        ELSIF NOT has_creator AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                           WHERE t.tgrelid OPERATOR(pg_catalog.=) member
                                             AND t.tgname OPERATOR(pg_catalog.=) 'permissions_stamp') THEN
            EXECUTE format('DROP TRIGGER permissions_stamp ON %s', member);
        END IF;
    END LOOP;

    -- the protection as made, for protection_gaps() to compare with
    PERFORM permissions.protection_register(tbl, k, write_permission);
END
$$;
COMMENT ON FUNCTION permissions.protect_table(regclass, text, text) IS
'Puts an application table, with all its partitions and inheritance children, under one kind: a kind of performer data (the tier matrix; columns account_id and performer_id bigint NOT NULL and a foreign key to permissions.performers (id, account_id)) or account (members read; holders of write_permission in the account, or managers, write; account_id bigint NOT NULL and a foreign key to permissions.accounts (id)). Row-level security enabled and forced, one policy per command, created_by stamped by the database. Refuses what it cannot protect completely. For the tables'' owner or a superuser; calling it again replaces the protection.';

CREATE FUNCTION permissions.unprotect_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    member regclass;
    ours constant name[] := ARRAY['permissions_select', 'permissions_insert', 'permissions_update', 'permissions_delete'];
    pol name;
BEGIN
    PERFORM permissions.app_table_check(tbl, 'unprotect_table');
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i JOIN permissions.protected_tables p ON p.tbl OPERATOR(pg_catalog.=) i.inhparent
                WHERE i.inhrelid OPERATOR(pg_catalog.=) unprotect_table.tbl) THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('table %s is a partition or child of a protected table', tbl),
            DETAIL = 'Its rows are also read through the protected parent''s family; a protection covers the whole family or nothing.',
            HINT = 'Unprotect the topmost protected table, or detach this one first.';
    END IF;
    PERFORM permissions.protection_forget(tbl);
    FOR member IN SELECT f FROM permissions.app_table_family(tbl) AS f LOOP
        PERFORM permissions.app_table_check(member, 'unprotect_table');
        FOR pol IN SELECT p.polname FROM pg_catalog.pg_policy p
                    WHERE p.polrelid OPERATOR(pg_catalog.=) member AND p.polname OPERATOR(pg_catalog.=) ANY (ours) LOOP
            EXECUTE format('DROP POLICY %I ON %s', pol, member);
        END LOOP;
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                    WHERE t.tgrelid OPERATOR(pg_catalog.=) member AND t.tgparentid OPERATOR(pg_catalog.=) 0
                      AND t.tgname OPERATOR(pg_catalog.=) 'permissions_stamp') THEN
            EXECUTE format('DROP TRIGGER permissions_stamp ON %s', member);
        END IF;
        -- policies of the application's own keep row-level security on
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid OPERATOR(pg_catalog.=) member) THEN
            EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', member);
            EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', member);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION permissions.unprotect_table(regclass) IS
'Undoes permissions.protect_table() for a table and its partitions and children: drops its policies and trigger, and turns row-level security off where the application keeps no policy of its own. For the tables'' owner or a superuser.';

CREATE FUNCTION permissions.protection_gaps()
RETURNS TABLE (tbl regclass, gap text, hint text)
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
    WITH prot AS (
        SELECT p.tbl, p.kind, p.write_permission, p.policies, c.relrowsecurity, c.relforcerowsecurity, c.relkind
          FROM permissions.protected_tables p JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.tbl
    ), found AS (
        -- row-level security itself
        SELECT p.tbl, 'row-level security is not enabled and forced'::text AS gap, NULL::text AS fix
          FROM prot p WHERE NOT (p.relrowsecurity AND p.relforcerowsecurity)
        UNION ALL
        -- each policy as made
        SELECT p.tbl, format('policy %s was dropped or changed', e.key), NULL
          FROM prot p, pg_catalog.jsonb_each(p.policies) e
         WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy x
                            WHERE x.polrelid OPERATOR(pg_catalog.=) p.tbl AND x.polname OPERATOR(pg_catalog.=) e.key
                              AND x.polpermissive AND x.polroles OPERATOR(pg_catalog.=) '{0}'
                              AND pg_catalog.jsonb_build_array(x.polcmd, pg_catalog.pg_get_expr(x.polqual, x.polrelid),
                                                               pg_catalog.pg_get_expr(x.polwithcheck, x.polrelid))
                                  OPERATOR(pg_catalog.=) e.value)
        UNION ALL
        -- nothing permissive besides
        SELECT p.tbl, format('permissive policy %s would widen the protection', x.polname), NULL
          FROM prot p JOIN pg_catalog.pg_policy x ON x.polrelid OPERATOR(pg_catalog.=) p.tbl
         WHERE x.polpermissive AND NOT p.policies ? x.polname
        UNION ALL
        -- the table's shape (columns, NOT NULL, the foreign key)
        SELECT p.tbl, r.gap, NULL FROM prot p, permissions.app_table_requirements(p.tbl, p.kind) r
        UNION ALL
        -- created_by stamped by the database, on every table that holds rows
        SELECT p.tbl, 'trigger permissions_stamp is missing or disabled', NULL
          FROM prot p
         WHERE p.relkind OPERATOR(pg_catalog.=) 'r' AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid OPERATOR(pg_catalog.=) p.tbl AND a.attname OPERATOR(pg_catalog.=) 'created_by'
                          AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped)
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                            WHERE t.tgrelid OPERATOR(pg_catalog.=) p.tbl AND t.tgname OPERATOR(pg_catalog.=) 'permissions_stamp'
                              AND t.tgfoid OPERATOR(pg_catalog.=) 'permissions.stamp_row'::pg_catalog.regproc
                              AND t.tgenabled IN ('O', 'A')                       -- fires (not only as a replica)
                              AND t.tgtype OPERATOR(pg_catalog.=) (1 | 2 | 4 | 16)  -- row, before, insert, update
                              AND t.tgqual IS NULL AND t.tgattr OPERATOR(pg_catalog.=) ''::pg_catalog.int2vector
                              AND t.tgnargs OPERATOR(pg_catalog.=) 1
                              AND t.tgargs OPERATOR(pg_catalog.=) 'created_by\000'::bytea)
        UNION ALL
        -- every parent protected the same way: a parent's reads show its
        -- children's rows under the parent's policies only
        SELECT p.tbl, format('its parent %s is not protected as %s', i.inhparent::regclass, p.kind),
               format('Reading the parent would show this table''s rows under the parent''s policies. Protect the parent first (SELECT permissions.protect_table(%L, %L); protects it with all its partitions and children), or take this table out of it.',
                      i.inhparent::regclass::text, p.kind)
          FROM prot p JOIN pg_catalog.pg_inherits i ON i.inhrelid OPERATOR(pg_catalog.=) p.tbl
         WHERE NOT EXISTS (SELECT 1 FROM permissions.protected_tables q
                            WHERE q.tbl OPERATOR(pg_catalog.=) i.inhparent AND q.kind OPERATOR(pg_catalog.=) p.kind
                              AND q.write_permission IS NOT DISTINCT FROM p.write_permission)
        UNION ALL
        -- every partition and child protected the same way
        SELECT p.tbl, format('partition or child %s is not protected as %s', i.inhrelid::regclass, p.kind), NULL
          FROM prot p JOIN pg_catalog.pg_inherits i ON i.inhparent OPERATOR(pg_catalog.=) p.tbl
         WHERE NOT EXISTS (SELECT 1 FROM permissions.protected_tables q
                            WHERE q.tbl OPERATOR(pg_catalog.=) i.inhrelid AND q.kind OPERATOR(pg_catalog.=) p.kind
                              AND q.write_permission IS NOT DISTINCT FROM p.write_permission)
    )
    SELECT f.tbl, f.gap,
           coalesce(f.fix, format('Run SELECT permissions.protect_table(%L, %L%s) as the table''s owner to protect it again (after adding what is missing), or permissions.unprotect_table(%L) to stop.',
                  f.tbl::text, p.kind,
                  CASE WHEN p.write_permission IS NOT NULL THEN format(', %L', p.write_permission) ELSE '' END, f.tbl::text))
      FROM found f JOIN prot p ON p.tbl OPERATOR(pg_catalog.=) f.tbl
     ORDER BY f.tbl::text, f.gap
$$;
COMMENT ON FUNCTION permissions.protection_gaps() IS
'What protected application tables lack of their protection (none, unless a superuser restored or changed them behind the checks): each table with the gap and how to close it. Every DDL statement is refused that would leave one.';
REVOKE ALL ON FUNCTION permissions.protection_gaps() FROM PUBLIC;

CREATE FUNCTION permissions.protection_enforce()
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    child record;
    g record;
BEGIN
    -- protected tables that were dropped (rows another transaction is
    -- forgetting already are left to it: nobody waits here)
    DELETE FROM permissions.protected_tables p
     WHERE p.ctid OPERATOR(pg_catalog.=) ANY (ARRAY(
           SELECT x.ctid FROM permissions.protected_tables x
            WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) x.tbl)
              FOR UPDATE SKIP LOCKED));
    IF NOT EXISTS (SELECT 1 FROM permissions.protected_tables p
                    WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.tbl)) THEN
        RETURN;
    END IF;
    -- a table that became a partition or child of a protected table (created
    -- as one, attached, made to inherit: only its owner can) is protected as
    -- its parent is, or the statement is refused
    LOOP
        SELECT i.inhrelid::regclass AS tbl, p.kind, p.write_permission INTO child
          FROM pg_catalog.pg_inherits i JOIN permissions.protected_tables p ON p.tbl OPERATOR(pg_catalog.=) i.inhparent
         WHERE NOT EXISTS (SELECT 1 FROM permissions.protected_tables q WHERE q.tbl OPERATOR(pg_catalog.=) i.inhrelid)
         LIMIT 1;
        EXIT WHEN NOT FOUND;
        PERFORM permissions.protect_table(child.tbl, child.kind, child.write_permission);
    END LOOP;
    SELECT * INTO g FROM permissions.protection_gaps() LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('protected table %s would be left unprotected: %s', g.tbl, g.gap),
            DETAIL = 'permissions.protect_table() protects a table with all its partitions and children completely; a statement that takes part of that away is refused.',
            HINT = g.hint;
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.protection_enforce() IS
'Internal: after each DDL statement (protection_ddl_end), protects the tables that became partitions or children of protected tables, and refuses the statement if a protected table is left short of its protection.';
REVOKE ALL ON FUNCTION permissions.protection_enforce() FROM PUBLIC;

CREATE FUNCTION permissions.protection_ddl_end()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'app_tables_ddl_end'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.protection_ddl_end() IS
'Internal event trigger (ddl_command_end): runs permissions.protection_enforce() after every DDL statement, once (not for the DDL it runs itself), except while a DBA restores a dump.';
REVOKE ALL ON FUNCTION permissions.protection_ddl_end() FROM PUBLIC;

CREATE EVENT TRIGGER permissions_protection ON ddl_command_end
    EXECUTE FUNCTION permissions.protection_ddl_end();
COMMENT ON EVENT TRIGGER permissions_protection IS
'Keeps application tables protected by permissions.protect_table() completely protected (see permissions.protection_enforce()).';
