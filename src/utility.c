/*
 * utility.c
 *		The ProcessUtility hook: what utility commands on the extension's
 *		tables need beyond privileges.
 *
 * - Every statement of a role that is not a superuser first goes through
 *   ddl_guard_check() (ddl_guard.c): a statement that names one of the
 *   extension's relations where PostgreSQL would lock it, or change it, is
 *   refused before any lock is taken.
 * - A restore (see permissions.restoring()) that copies permissions.users
 *   into a cluster lacking some mapped login role would fail for the whole
 *   table, since users.db_role is a regrole.  The COPY is taken into a
 *   staging table instead, and the rows move on with every role that
 *   exists mapped and the others unmapped, their names kept in
 *   db_role_name for permissions.restore_role_mappings().
 * - DROP ROLE of a mapped login role unmaps its users (keeping the role's
 *   name in db_role_name) and says so: otherwise the users would keep the
 *   OID of a role that no longer exists.
 * - DROP EXTENSION permissions also drops schema permissions when nothing
 *   else is left in it (CREATE EXTENSION made it).
 *
 * These run only where the library is loaded: CREATE EXTENSION sets
 * session_preload_libraries for the database so that every session loads
 * it (see install/97_preload.sql).
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/copy.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "rewrite/rewriteHandler.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "ddl_guard.h"
#include "utility.h"

#define STAGING_TABLE "permissions_users_restore"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* The OID of schema permissions, or InvalidOid. */
static Oid
extension_schema(void)
{
	return get_namespace_oid("permissions", true);
}

/* Whether a RangeVar names a relation of schema permissions. */
static bool
in_extension_schema(RangeVar *rv)
{
	Oid			schema = extension_schema();
	Oid			relid;

	if (!OidIsValid(schema))
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) && get_rel_namespace(relid) == schema;
}

/* Whether a statement is the COPY FROM into permissions.users of a restore. */
static bool
is_users_restore(Node *parsetree)
{
	CopyStmt   *stmt;

	if (!IsA(parsetree, CopyStmt))
		return false;
	stmt = (CopyStmt *) parsetree;
	if (!stmt->is_from || stmt->relation == NULL || stmt->query != NULL ||
		stmt->whereClause != NULL || strcmp(stmt->relation->relname, "users") != 0 ||
		!in_extension_schema(stmt->relation))
		return false;
	return !row_security && superuser();
}

/* Runs one SQL command through SPI, failing on any error. */
static int
run_sql(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "restore of permissions.users failed: %s: %s", sql, SPI_result_code_string(rc));
	return rc;
}

/*
 * Executes the COPY of a restore into a staging table, then moves the rows
 * into permissions.users, mapping only login roles this cluster has.
 */
static void
restore_users(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
			  ProcessUtilityContext context, ParamListInfo params,
			  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	PlannedStmt *copy = copyObject(pstmt);
	CopyStmt   *stmt = (CopyStmt *) copy->utilityStmt;
	uint64		moved;
	uint64		unmapped;
	bool		isnull;

	SPI_connect();
	run_sql("CREATE TEMP TABLE " STAGING_TABLE " (LIKE permissions.users)", SPI_OK_UTILITY);
	run_sql("ALTER TABLE pg_temp." STAGING_TABLE " ALTER COLUMN db_role TYPE text", SPI_OK_UTILITY);
	SPI_finish();

	stmt->relation = makeRangeVar("pg_temp", STAGING_TABLE, -1);
	if (prev_ProcessUtility)
		prev_ProcessUtility(copy, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(copy, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);

	SPI_connect();
	run_sql("SELECT count(*) FROM pg_temp." STAGING_TABLE " s "
			"WHERE s.db_role IS NOT NULL AND pg_catalog.to_regrole(s.db_role) IS NULL",
			SPI_OK_SELECT);
	unmapped = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
										   &isnull));
	run_sql("UPDATE pg_temp." STAGING_TABLE " s "
			"SET db_role_name = coalesce(s.db_role_name, pg_catalog.btrim(s.db_role, '\"')), "
			"db_role = pg_catalog.to_regrole(s.db_role)::text "
			"WHERE s.db_role IS NOT NULL", SPI_OK_UPDATE);
	{
		StringInfoData sql;
		int			natts = 0;

		/* every column the dump carried, in the table's order */
		initStringInfo(&sql);
		appendStringInfoString(&sql, "INSERT INTO permissions.users SELECT ");
		{
			int			rc = SPI_execute("SELECT a.attname, a.attname = 'db_role' FROM pg_catalog.pg_attribute a "
										 "WHERE a.attrelid = 'permissions.users'::pg_catalog.regclass "
										 "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
										 true, 0);
			uint64		i;

			if (rc != SPI_OK_SELECT)
				elog(ERROR, "could not read the columns of permissions.users");
			for (i = 0; i < SPI_processed; i++)
			{
				char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
				bool		is_role = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
																 SPI_tuptable->tupdesc, 2, &isnull));

				appendStringInfo(&sql, "%ss.%s%s", natts++ > 0 ? ", " : "",
								 quote_identifier(name), is_role ? "::pg_catalog.regrole" : "");
			}
		}
		appendStringInfoString(&sql, " FROM pg_temp." STAGING_TABLE " s");
		run_sql(sql.data, SPI_OK_INSERT);
		moved = SPI_processed;
	}
	run_sql("DROP TABLE pg_temp." STAGING_TABLE, SPI_OK_UTILITY);
	SPI_finish();

	if (qc)
		SetQueryCompletion(qc, CMDTAG_COPY, moved);
	if (unmapped > 0)
		ereport(WARNING,
				(errmsg("%llu restored users were mapped to login roles this cluster does not have",
						(unsigned long long) unmapped),
				 errdetail("They are restored unmapped; users.db_role_name keeps each role's name."),
				 errhint("Create the roles, then run SELECT * FROM permissions.restore_role_mappings().")));
}

/* Whether a statement is DROP EXTENSION naming permissions. */
static bool
drops_this_extension(Node *parsetree)
{
	DropStmt   *stmt;
	ListCell   *lc;

	if (!IsA(parsetree, DropStmt))
		return false;
	stmt = (DropStmt *) parsetree;
	if (stmt->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, stmt->objects)
		if (strcmp(strVal(lfirst(lc)), "permissions") == 0)
			return true;
	return false;
}

/*
 * Takes the library out of the database's session_preload_libraries, where
 * CREATE EXTENSION put it (a session must not try to load it once the
 * extension, and maybe its files, are gone).
 */
static void
stop_preloading(void)
{
	SPI_connect();
	SPI_execute("DO $$ "
				"DECLARE libs text[]; "
				"BEGIN "
				"  SELECT pg_catalog.string_to_array(pg_catalog.translate(pg_catalog.substr(c, 27), ' \"', ''), ',') INTO libs "
				"    FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) AS c "
				"   WHERE s.setdatabase = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) "
				"     AND s.setrole = 0 AND c LIKE 'session_preload_libraries=%'; "
				"  IF 'permissions' = ANY (libs) THEN "
				"    libs := pg_catalog.array_remove(libs, 'permissions'); "
				"    IF pg_catalog.cardinality(libs) = 0 THEN "
				"      EXECUTE pg_catalog.format('ALTER DATABASE %I RESET session_preload_libraries', pg_catalog.current_database()); "
				"    ELSE "
				"      EXECUTE pg_catalog.format('ALTER DATABASE %I SET session_preload_libraries = %s', pg_catalog.current_database(), "
				"        (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(l), ', ') FROM pg_catalog.unnest(libs) AS l)); "
				"    END IF; "
				"  END IF; "
				"END $$", false, 0);
	SPI_finish();
}

/* Drops schema permissions if nothing is left in it (ignores it otherwise). */
static void
drop_empty_schema(void)
{
	MemoryContext old = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	if (!OidIsValid(extension_schema()))
		return;
	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		SPI_connect();
		SPI_execute("DROP SCHEMA permissions RESTRICT", false, 0);
		SPI_finish();
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		/* something else lives in the schema: it stays */
		MemoryContextSwitchTo(old);
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	CurrentResourceOwner = owner;
}

/* The login roles a DROP ROLE names that exist, by OID (NIL for others). */
static List *
roles_dropped(Node *parsetree)
{
	List	   *oids = NIL;
	ListCell   *lc;

	if (!IsA(parsetree, DropRoleStmt) || !OidIsValid(extension_schema()))
		return NIL;
	foreach(lc, ((DropRoleStmt *) parsetree)->roles)
	{
		RoleSpec   *spec = lfirst_node(RoleSpec, lc);
		Oid			oid;

		if (spec->roletype == ROLESPEC_CSTRING &&
			OidIsValid(oid = get_role_oid(spec->rolename, true)))
			oids = lappend_oid(oids, oid);
	}
	return oids;
}

/*
 * After DROP ROLE: unmaps the users mapped to the dropped roles (db_role
 * NULL, db_role_name kept), as a superuser since the caller need not see
 * them, through the table's triggers (audited as any change), and warns
 * with their names.
 */
static void
unmap_dropped_roles(List *oids)
{
	Oid			users;
	Oid			save_userid;
	int			save_sec;
	Datum	   *elems;
	Datum		arg;
	Oid			argtype = OIDARRAYOID;
	StringInfoData names;
	uint64		i;
	int			n = 0;
	ListCell   *lc;

	users = get_relname_relid("users", extension_schema());
	if (oids == NIL || !OidIsValid(users) || get_attnum(users, "db_role_name") == InvalidAttrNumber)
		return;
	elems = palloc(sizeof(Datum) * list_length(oids));
	foreach(lc, oids)
		elems[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	arg = PointerGetDatum(construct_array(elems, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT));

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	SPI_connect();
	if (SPI_execute_with_args("WITH unmapped AS ("
							  " UPDATE permissions.users u SET db_role = NULL"
							  " WHERE u.db_role::pg_catalog.oid OPERATOR(pg_catalog.=) ANY ($1)"
							  " RETURNING u.username, u.db_role_name) "
							  "SELECT username, db_role_name FROM unmapped ORDER BY 1, 2",
							  1, &argtype, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not unmap the users of a dropped login role");
	initStringInfo(&names);
	for (i = 0; i < SPI_processed; i++)
		appendStringInfo(&names, "%s%s (role \"%s\")", i > 0 ? ", " : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
	n = (int) SPI_processed;
	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec);

	if (n > 0)
		ereport(WARNING,
				(errmsg_plural("%d user of the permissions extension was mapped to a dropped login role",
							   "%d users of the permissions extension were mapped to a dropped login role",
							   n, n),
				 errdetail("Now unmapped: %s. Each keeps the role's name in users.db_role_name.", names.data),
				 errhint("Once a role of that name exists again, SELECT * FROM permissions.restore_role_mappings() maps it back.")));
}

/* Whether a privilege list grants UPDATE (ALL does). */
static bool
grants_update(List *privileges)
{
	ListCell   *lc;

	if (privileges == NIL)
		return true;			/* ALL PRIVILEGES */
	foreach(lc, privileges)
	{
		AccessPriv *priv = (AccessPriv *) lfirst(lc);

		if (priv->priv_name != NULL && strcmp(priv->priv_name, "update") == 0)
			return true;
	}
	return false;
}

/* Whether a list of schema names names schema permissions. */
static bool
names_extension_schema(List *schemas)
{
	ListCell   *lc;

	foreach(lc, schemas)
	{
		Node	   *n = lfirst(lc);

		if (IsA(n, String) && strcmp(strVal(n), "permissions") == 0)
			return true;
	}
	return false;
}

/* Raises the refusal of UPDATE on the extension's sequences. */
static void
refuse_sequence_update(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("UPDATE on the sequences of the permissions extension cannot be granted (%s)", what),
			 errdetail("The ids of the extension's rows come from these sequences; whoever may move one (setval) chooses the ids of new rows: the next ids of another tenant's table, or the id of a deleted account."),
			 errhint("Grant USAGE or SELECT only; an application needs neither to insert rows (their ids are the database's).")));
}

/*
 * Refuses, to everyone (the grant is a DBA's usual mistake), the statements
 * that would give UPDATE on a sequence of the extension: GRANT on one, on
 * all sequences of schema permissions, or default privileges there.
 */
static void
check_sequence_grants(Node *parsetree)
{
	GrantStmt  *stmt = NULL;
	bool		defaults = false;
	ListCell   *lc;

	if (IsA(parsetree, GrantStmt))
		stmt = (GrantStmt *) parsetree;
	else if (IsA(parsetree, AlterDefaultPrivilegesStmt))
	{
		AlterDefaultPrivilegesStmt *d = (AlterDefaultPrivilegesStmt *) parsetree;

		stmt = d->action;
		defaults = true;
		foreach(lc, d->options)
		{
			DefElem    *opt = (DefElem *) lfirst(lc);

			if (strcmp(opt->defname, "schemas") == 0 &&
				names_extension_schema((List *) opt->arg) && stmt->is_grant &&
				stmt->objtype == OBJECT_SEQUENCE && grants_update(stmt->privileges))
				refuse_sequence_update("default privileges in schema permissions");
		}
		return;
	}
	if (stmt == NULL || !stmt->is_grant || defaults || !grants_update(stmt->privileges))
		return;
	if (stmt->targtype == ACL_TARGET_ALL_IN_SCHEMA)
	{
		if (stmt->objtype == OBJECT_SEQUENCE && names_extension_schema(stmt->objects))
			refuse_sequence_update("all sequences in schema permissions");
		return;
	}
	if (stmt->targtype != ACL_TARGET_OBJECT ||
		(stmt->objtype != OBJECT_SEQUENCE && stmt->objtype != OBJECT_TABLE))
		return;
	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);
		Oid			relid;

		if (!IsA(rv, RangeVar))
			continue;
		relid = RangeVarGetRelid(rv, NoLock, true);
		if (OidIsValid(relid) && get_rel_relkind(relid) == RELKIND_SEQUENCE &&
			get_rel_namespace(relid) == extension_schema())
			refuse_sequence_update(get_rel_name(relid));
	}
}

/* The ProcessUtility hook. */
static void
permissions_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						   bool readOnlyTree, ProcessUtilityContext context,
						   ParamListInfo params, QueryEnvironment *queryEnv,
						   DestReceiver *dest, QueryCompletion *qc)
{
	bool		drop_schema;
	List	   *dropped_roles;

	if (OidIsValid(extension_schema()))
		check_sequence_grants(pstmt->utilityStmt);
	/* the guard may qualify names: it gets a tree of its own */
	if (!superuser() && OidIsValid(extension_schema()))
	{
		pstmt = copyObject(pstmt);
		readOnlyTree = false;
		ddl_guard_check(pstmt->utilityStmt);
	}
	if (is_users_restore(pstmt->utilityStmt))
	{
		restore_users(pstmt, queryString, readOnlyTree, context, params,
					  queryEnv, dest, qc);
		return;
	}
	drop_schema = drops_this_extension(pstmt->utilityStmt);
	dropped_roles = roles_dropped(pstmt->utilityStmt);

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);

	unmap_dropped_roles(dropped_roles);
	if (drop_schema)
	{
		stop_preloading();
		drop_empty_schema();
	}
}

/* Installs the hook; called once from _PG_init. */
void
utility_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = permissions_ProcessUtility;
}
