/*
 * utility.c
 *		Utility commands on the extension's tables that need more than
 *		privileges can say.
 *
 * - LOCK TABLE on the extension's tables (also through a view of one) is
 *   refused to everyone but superusers: every tenant's queries read those
 *   tables, so a lock taken by one client (any role with UPDATE or DELETE
 *   may lock a table) would stall all of them.  So is the DDL that
 *   PostgreSQL locks a table for before it checks ownership (CREATE
 *   TRIGGER, a table inheriting from one, COMMENT ...).
 * - A restore (see permissions.restoring()) that copies permissions.users
 *   into a cluster lacking some mapped login role would fail for the whole
 *   table, since users.db_role is a regrole.  The COPY is taken into a
 *   staging table instead, and the rows move on with every role that
 *   exists mapped and the others unmapped, their names kept in
 *   db_role_name for permissions.restore_role_mappings().
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
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
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

/* Views are followed this deep (LOCK TABLE locks what a view reads). */
#define MAX_VIEW_DEPTH 32

typedef struct ReachContext
{
	Oid			schema;
	int			depth;
	bool		found;
} ReachContext;

static bool relation_reaches(Oid relid, ReachContext *ctx);

/* Walks a view's query for relations of the extension. */
static bool
reach_walker(Node *node, ReachContext *ctx)
{
	if (node == NULL || ctx->found)
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION && relation_reaches(rte->relid, ctx))
			ctx->found = true;
		return false;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, reach_walker, (void *) ctx,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, reach_walker, (void *) ctx);
}

/*
 * Whether a relation is one of the extension's, or a view that reads one
 * (at any depth: a lock on a view is a lock on what it reads).
 */
static bool
relation_reaches(Oid relid, ReachContext *ctx)
{
	if (get_rel_namespace(relid) == ctx->schema)
		return true;
	if (get_rel_relkind(relid) == RELKIND_VIEW)
	{
		Relation	view;
		bool		found;

		if (ctx->depth >= MAX_VIEW_DEPTH)
			return true;		/* suspiciously deep: refuse rather than follow */
		ctx->depth++;
		view = relation_open(relid, AccessShareLock);
		(void) reach_walker((Node *) get_view_query(view), ctx);
		relation_close(view, AccessShareLock);
		ctx->depth--;
		found = ctx->found;
		return found;
	}
	return false;
}

/* Whether a named relation is, or reads, one of the extension's tables. */
static bool
names_extension_relation(RangeVar *rv, bool follow_views)
{
	ReachContext ctx = {extension_schema(), 0, false};
	Oid			relid;

	if (rv == NULL || !OidIsValid(ctx.schema))
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		return false;
	if (!follow_views)
		return get_rel_namespace(relid) == ctx.schema;
	return relation_reaches(relid, &ctx);
}

/* The relation named by the leading names of an object name list. */
static RangeVar *
relation_of_names(List *names, bool drop_last)
{
	if (drop_last)
	{
		if (list_length(names) < 2)
			return NULL;
		names = list_truncate(list_copy(names), list_length(names) - 1);
	}
	if (names == NIL || list_length(names) > 3)
		return NULL;
	return makeRangeVarFromNameList(names);
}

/* The relation a COMMENT or SECURITY LABEL statement is about, if any. */
static RangeVar *
commented_relation(ObjectType objtype, Node *object)
{
	if (object == NULL || !IsA(object, List))
		return NULL;
	switch (objtype)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_INDEX:
		case OBJECT_SEQUENCE:
			return relation_of_names((List *) object, false);
		case OBJECT_COLUMN:
		case OBJECT_TRIGGER:
		case OBJECT_POLICY:
		case OBJECT_RULE:
		case OBJECT_TABCONSTRAINT:
			return relation_of_names((List *) object, true);
		default:
			return NULL;
	}
}

/* Raises the one error every refused command on the extension's tables gets. */
static void
refuse(const char *command, RangeVar *rv)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s is not allowed on \"%s\"", command, rv->relname),
			 errdetail("Every tenant's queries read the tables of the permissions extension; a command that locks one of them (or a view of one), or changes its definition, could make them all wait."),
			 errhint("Ask a DBA; to protect rows you may change, use row locks (SELECT ... FOR UPDATE).")));
}

/*
 * Refuses to non-superusers the commands that would lock one of the
 * extension's tables beyond what reading and writing rows takes: LOCK TABLE
 * (also through a view), and the DDL that PostgreSQL locks the table for
 * before it checks ownership (CREATE TRIGGER, CREATE RULE, a table that
 * inherits from or is a partition of one of them, COMMENT, SECURITY LABEL,
 * CREATE STATISTICS), with the rest of the DDL on them for good measure.
 */
static void
check_utility(Node *parsetree)
{
	ListCell   *lc;

	if (superuser() || !OidIsValid(extension_schema()))
		return;
	switch (nodeTag(parsetree))
	{
		case T_LockStmt:
			foreach(lc, ((LockStmt *) parsetree)->relations)
				if (names_extension_relation((RangeVar *) lfirst(lc), true))
					refuse("LOCK TABLE", (RangeVar *) lfirst(lc));
			break;
		case T_CreateTrigStmt:
			if (names_extension_relation(((CreateTrigStmt *) parsetree)->relation, false))
				refuse("CREATE TRIGGER", ((CreateTrigStmt *) parsetree)->relation);
			break;
		case T_RuleStmt:
			if (names_extension_relation(((RuleStmt *) parsetree)->relation, false))
				refuse("CREATE RULE", ((RuleStmt *) parsetree)->relation);
			break;
		case T_CreateStmt:
			foreach(lc, ((CreateStmt *) parsetree)->inhRelations)
				if (IsA(lfirst(lc), RangeVar) && names_extension_relation((RangeVar *) lfirst(lc), false))
					refuse("CREATE TABLE ... INHERITS or PARTITION OF", (RangeVar *) lfirst(lc));
			break;
		case T_CreateStatsStmt:
			foreach(lc, ((CreateStatsStmt *) parsetree)->relations)
				if (IsA(lfirst(lc), RangeVar) && names_extension_relation((RangeVar *) lfirst(lc), false))
					refuse("CREATE STATISTICS", (RangeVar *) lfirst(lc));
			break;
		case T_CommentStmt:
			{
				CommentStmt *stmt = (CommentStmt *) parsetree;
				RangeVar   *rv = commented_relation(stmt->objtype, stmt->object);

				if (names_extension_relation(rv, false))
					refuse("COMMENT", rv);
			}
			break;
		case T_SecLabelStmt:
			{
				SecLabelStmt *stmt = (SecLabelStmt *) parsetree;
				RangeVar   *rv = commented_relation(stmt->objtype, stmt->object);

				if (names_extension_relation(rv, false))
					refuse("SECURITY LABEL", rv);
			}
			break;
		default:
			break;
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

/* The ProcessUtility hook. */
static void
permissions_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
						   bool readOnlyTree, ProcessUtilityContext context,
						   ParamListInfo params, QueryEnvironment *queryEnv,
						   DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	bool		drop_schema;

	check_utility(parsetree);
	if (is_users_restore(parsetree))
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
