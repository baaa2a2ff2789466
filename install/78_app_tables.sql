
-- install/78_app_tables.sql
-- ---------------------------------------------------------------------------
-- The application's own tables under the same rules
--
-- Applications keep data of their own about performers (intake forms,
-- session notes, attachments) in tables the extension does not know.
-- protect_table() puts such a table under the tier matrix of one kind of
-- performer data: row-level security enabled and forced, one policy per
-- command calling the same C policy functions as the extension's own tables
-- (so planner support turns them into index conditions on performer_id or
-- account_id), and created_by stamped by the database when the table has it.
--
-- Both functions run with the caller's rights: enabling row-level security,
-- creating policies and triggers are things only the table's owner (or a
-- superuser) may do, and PostgreSQL itself checks that.  The checks below
-- only turn the failures into errors that say what to do.  A migration role
-- needs nothing beyond owning its tables and USAGE on schema permissions;
-- the composite foreign key to permissions.performers that the README
-- recommends needs REFERENCES (id, account_id) on it, which a DBA grants to
-- that role alone (a foreign key reveals whether a performer exists and can
-- hold up its deletion, so it is not granted to every client).
-- ---------------------------------------------------------------------------

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
            DETAIL = 'Row-level security applies to tables only.',
            HINT = format('Call permissions.%s() on the table the view or object reads.', what);
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
'Internal: the pg_class row of an application table that the caller may protect or unprotect (its owner, or a superuser; not a table of an extension), or an error saying why not.';

CREATE FUNCTION permissions.protect_table(tbl regclass, kind text DEFAULT 'note')
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kinds constant text[] := ARRAY['performer', 'chart', 'measurement', 'condition', 'note', 'tag', 'journal', 'access'];
    rel pg_catalog.pg_class := permissions.app_table_check(tbl, 'protect_table');
    k text := pg_catalog.lower(kind);
    col text;
    col_type pg_catalog.regtype;
    creator text := 'NULL::bigint';
    others text;
    ours constant name[] := ARRAY['permissions_select', 'permissions_insert', 'permissions_update', 'permissions_delete'];
    pol name;
BEGIN
    IF k IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'kind must not be null',
            HINT = format('Pass the kind of performer data the rows are, one of: %s.', pg_catalog.array_to_string(kinds, ', '));
    END IF;
    IF NOT k OPERATOR(pg_catalog.=) ANY (kinds) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('unknown kind of performer data: "%s"', kind),
            DETAIL = 'The kind decides which column of the tier matrix applies to the table''s rows.',
            HINT = format('Use one of: %s.', pg_catalog.array_to_string(kinds, ', '));
    END IF;

    FOREACH col IN ARRAY ARRAY['account_id', 'performer_id', 'created_by'] LOOP
        SELECT a.atttypid::pg_catalog.regtype INTO col_type
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid OPERATOR(pg_catalog.=) tbl AND a.attname OPERATOR(pg_catalog.=) col
           AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
        IF NOT FOUND AND col OPERATOR(pg_catalog.<>) 'created_by' THEN
            RAISE EXCEPTION USING ERRCODE = 'undefined_column',
                MESSAGE = format('column "%s" of relation %s does not exist', col, tbl),
                DETAIL = 'A protected table needs columns account_id bigint and performer_id bigint (the performer''s account and the performer), and may have created_by bigint.',
                HINT = format('Add it: ALTER TABLE %s ADD COLUMN %s bigint NOT NULL; and fill it from permissions.performers.', tbl, col);
        END IF;
        IF FOUND AND col_type OPERATOR(pg_catalog.<>) 'bigint'::pg_catalog.regtype THEN
            RAISE EXCEPTION USING ERRCODE = 'datatype_mismatch',
                MESSAGE = format('column "%s" of relation %s is of type %s, not bigint', col, tbl, col_type),
                DETAIL = 'The policy functions take bigint ids; with another type no index on the column could serve the policies.',
                HINT = format('Change it: ALTER TABLE %s ALTER COLUMN %I TYPE bigint;', tbl, col);
        END IF;
        IF FOUND AND col OPERATOR(pg_catalog.=) 'created_by' THEN
            creator := 'created_by';
        END IF;
    END LOOP;

    -- other permissive policies would be OR-ed with these and widen them
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(p.polname), ', ' ORDER BY p.polname) INTO others
      FROM pg_catalog.pg_policy p
     WHERE p.polrelid OPERATOR(pg_catalog.=) tbl AND p.polpermissive
       AND p.polname OPERATOR(pg_catalog.<>) ALL (ours);
    IF others IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('table %s has other permissive policies: %s', tbl, others),
            DETAIL = 'Permissive policies are combined with OR: rows they let through would be visible whatever the permissions say.',
            HINT = 'Drop them, or recreate them AS RESTRICTIVE to narrow the permissions further.';
    END IF;

    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    FOR pol IN SELECT p.polname FROM pg_catalog.pg_policy p
                WHERE p.polrelid OPERATOR(pg_catalog.=) tbl AND p.polname OPERATOR(pg_catalog.=) ANY (ours) LOOP
        EXECUTE format('DROP POLICY %I ON %s', pol, tbl);
    END LOOP;
    EXECUTE format($f$
        CREATE POLICY permissions_select ON %1$s FOR SELECT
            USING (permissions.can_view(%2$L, account_id, performer_id));
        CREATE POLICY permissions_insert ON %1$s FOR INSERT
            WITH CHECK (permissions.can_create(%2$L, account_id, performer_id));
        CREATE POLICY permissions_update ON %1$s FOR UPDATE
            USING (permissions.can_edit(%2$L, account_id, performer_id, %3$s))
            WITH CHECK (permissions.can_edit(%2$L, account_id, performer_id, %3$s));
        CREATE POLICY permissions_delete ON %1$s FOR DELETE
            USING (permissions.can_delete(%2$L, account_id, performer_id, %3$s));
        COMMENT ON POLICY permissions_select ON %1$s IS %4$L;
        COMMENT ON POLICY permissions_insert ON %1$s IS %5$L;
        COMMENT ON POLICY permissions_update ON %1$s IS %6$L;
        COMMENT ON POLICY permissions_delete ON %1$s IS %7$L;
    $f$, tbl, k, creator,
        format('permissions.protect_table(): rows the current user may view as kind %s of their performer.', k),
        format('permissions.protect_table(): new rows the current user may create as kind %s.', k),
        format('permissions.protect_table(): rows the current user may edit as kind %s (created_by decides "own").', k),
        format('permissions.protect_table(): rows the current user may delete as kind %s (created_by decides "own").', k));
    IF creator OPERATOR(pg_catalog.=) 'created_by' THEN
        EXECUTE format('CREATE OR REPLACE TRIGGER permissions_stamp_creator BEFORE INSERT OR UPDATE ON %s
                        FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator()', tbl);
        EXECUTE format('COMMENT ON TRIGGER permissions_stamp_creator ON %s IS %L', tbl,
                       'permissions.protect_table(): created_by is the inserting user and never changes.');
    ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                   WHERE t.tgrelid OPERATOR(pg_catalog.=) tbl AND t.tgname OPERATOR(pg_catalog.=) 'permissions_stamp_creator') THEN
        EXECUTE format('DROP TRIGGER permissions_stamp_creator ON %s', tbl);
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.protect_table(regclass, text) IS
'Puts an application table with columns account_id bigint, performer_id bigint (and optionally created_by bigint) under the tier matrix of one kind of performer data: row-level security enabled and forced, one policy per command, created_by stamped by the database. For the table''s owner or a superuser; calling it again replaces its policies.';

CREATE FUNCTION permissions.unprotect_table(tbl regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel pg_catalog.pg_class := permissions.app_table_check(tbl, 'unprotect_table');
    ours constant name[] := ARRAY['permissions_select', 'permissions_insert', 'permissions_update', 'permissions_delete'];
    pol name;
BEGIN
    FOR pol IN SELECT p.polname FROM pg_catalog.pg_policy p
                WHERE p.polrelid OPERATOR(pg_catalog.=) tbl AND p.polname OPERATOR(pg_catalog.=) ANY (ours) LOOP
        EXECUTE format('DROP POLICY %I ON %s', pol, tbl);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                WHERE t.tgrelid OPERATOR(pg_catalog.=) tbl AND t.tgname OPERATOR(pg_catalog.=) 'permissions_stamp_creator') THEN
        EXECUTE format('DROP TRIGGER permissions_stamp_creator ON %s', tbl);
    END IF;
    -- policies of the application's own keep row-level security on
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid OPERATOR(pg_catalog.=) tbl) THEN
        EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl);
        EXECUTE format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', tbl);
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.unprotect_table(regclass) IS
'Undoes permissions.protect_table(): drops its policies and trigger, and turns row-level security off unless the table keeps policies of its own. For the table''s owner or a superuser.';
