/*
 * utility.c
 *		Utility commands on the extension's tables that need more than
 *		privileges can say.
 *
 * - LOCK TABLE on the extension's tables is refused to everyone but
 *   superusers: every tenant's queries read those tables, so a lock taken
 *   by one client (any role with UPDATE may lock a table) would stall all
 *   of them.
 * - A restore (see permissions.restoring()) that copies permissions.users
 *   into a cluster lacking some mapped login role would fail for the whole
 *   table, since users.db_role is a regrole.  The COPY is taken into a
 *   staging table instead, and the rows move on with every role that
 *   exists mapped and the others unmapped, their names kept in
 *   db_role_name for permissions.restore_role_mappings().
 * - DROP EXTENSION permissions also drops schema permissions when nothing
 *   else is left in it (CREATE EXTENSION made it).
 *
 * These run only where the library is loaded: preloading it
 * (session_preload_libraries = 'permissions') makes them apply to every
 * session, as the README recommends.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/copy.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"

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

/* Refuses LOCK TABLE on the extension's tables to non-superusers. */
static void
check_lock(LockStmt *stmt)
{
	ListCell   *lc;

	if (superuser())
		return;
	foreach(lc, stmt->relations)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);

		if (in_extension_schema(rv))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("LOCK TABLE is not allowed on table \"permissions.%s\"", rv->relname),
					 errdetail("Every tenant's queries read the tables of the permissions extension; an explicit lock would make them all wait."),
					 errhint("Rely on row locks (SELECT ... FOR UPDATE) of the rows you may change, or ask a DBA.")));
	}
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

/* The ProcessUtility hook. */
static void
permissions_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						   bool readOnlyTree, ProcessUtilityContext context,
						   ParamListInfo params, QueryEnvironment *queryEnv,
						   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	bool		drop_schema;

	if (IsA(parsetree, LockStmt))
		check_lock((LockStmt *) parsetree);
	else if (is_users_restore(parsetree))
	{
		restore_users(pstmt, queryString, readOnlyTree, context, params,
					  queryEnv, dest, qc);
		return;
	}
	drop_schema = drops_this_extension(parsetree);

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);

	if (drop_schema)
		drop_empty_schema();
}

/* Installs the hook; called once from _PG_init. */
void
utility_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = permissions_ProcessUtility;
}
