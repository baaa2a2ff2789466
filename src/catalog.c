/*
 * catalog.c
 *		Finds the extension's tables and indexes and scans them directly.
 *
 * Access decisions are made from the extension's own tables.  Reading them
 * through SQL would apply their row-level security policies, which call back
 * into the decision code; reading them with index scans under the caller's
 * snapshot avoids that recursion and is the cheapest way to get the rows.
 * Each relation and index is looked up by name on first use, and every
 * lookup (with the column numbers found so far) is forgotten when one of the
 * relations is invalidated: the extension dropped, updated or created again.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "catalog.h"

static const char *const relation_names[EXT_NUM_RELATIONS] = {
	"accounts", "users", "api_credentials", "tenant_epochs",
	"performers", "group_members", "team_members", "access_grants",
	"session_identity_roles", "token_keys", "token_subjects", "teams",
	"token_issuers", "groups", "disclosure_log"
};

static const char *const index_names[EXT_NUM_INDEXES] = {
	"accounts_pkey", "accounts_parent_id_idx",
	"users_pkey", "users_db_role_key",
	"api_credentials_pkey",
	"tenant_epochs_pkey",
	"performers_pkey", "performers_account_id_idx",
	"group_members_pkey",
	"team_members_user_id_idx",
	"access_grants_user_id_idx", "access_grants_team_id_idx",
	"session_identity_roles_pkey",
	"token_keys_pkey", "token_subjects_pkey", "teams_pkey",
	"token_issuers_issuer_key", "token_keys_issuer_key_id_key",
	"token_subjects_issuer_subject_key",
	"users_account_id_idx", "access_grants_performer_id_idx",
	"access_grants_group_id_idx", "access_grants_account_id_idx",
	"group_members_performer_id_idx", "team_members_pkey", "groups_pkey"
};

/* Column numbers found so far, per relation: a handful each. */
#define MAX_COLUMNS 16
typedef struct ColumnMemo
{
	const char *name;			/* the caller's string (usually a literal) */
	AttrNumber	attnum;
} ColumnMemo;

static Oid	relation_oids[EXT_NUM_RELATIONS];
static Oid	index_oids[EXT_NUM_INDEXES];
static ColumnMemo columns[EXT_NUM_RELATIONS][MAX_COLUMNS];
static int	ncolumns[EXT_NUM_RELATIONS];
static Oid	schema_oid = InvalidOid;

/* Forgets every lookup. */
static void
forget_all(void)
{
	memset(relation_oids, 0, sizeof(relation_oids));
	memset(index_oids, 0, sizeof(index_oids));
	memset(ncolumns, 0, sizeof(ncolumns));
	schema_oid = InvalidOid;
}

/* Forgets every lookup when one of our relations changes definition. */
static void
catalog_relcache_callback(Datum arg, Oid relid)
{
	int			i;

	if (relid == InvalidOid)
	{
		forget_all();
		return;
	}
	for (i = 0; i < EXT_NUM_RELATIONS; i++)
		if (relation_oids[i] == relid)
		{
			forget_all();
			return;
		}
	for (i = 0; i < EXT_NUM_INDEXES; i++)
		if (index_oids[i] == relid)
		{
			forget_all();
			return;
		}
}

/* Registers the invalidation callback; called once from _PG_init. */
void
catalog_init(void)
{
	CacheRegisterRelcacheCallback(catalog_relcache_callback, (Datum) 0);
}

/* The OID of schema permissions, or an error telling how to get it. */
static Oid
schema(void)
{
	if (!OidIsValid(schema_oid))
	{
		schema_oid = get_namespace_oid("permissions", true);
		if (!OidIsValid(schema_oid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_SCHEMA),
					 errmsg("schema \"permissions\" does not exist"),
					 errhint("Run CREATE EXTENSION permissions in this database.")));
	}
	return schema_oid;
}

/* Returns the OID of one of the extension's relations. */
Oid
catalog_relid(ExtRelation rel)
{
	if (!OidIsValid(relation_oids[rel]))
	{
		Oid			relid = get_relname_relid(relation_names[rel], schema());

		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"permissions.%s\" does not exist",
							relation_names[rel]),
					 errhint("Bring the extension up to the version of its library: ALTER EXTENSION permissions UPDATE.")));
		relation_oids[rel] = relid;
	}
	return relation_oids[rel];
}

/* The OID of one of the extension's relations, or InvalidOid when it is missing. */
Oid
catalog_relid_if_exists(ExtRelation rel)
{
	if (!OidIsValid(relation_oids[rel]))
		relation_oids[rel] = get_relname_relid(relation_names[rel], schema());
	return relation_oids[rel];
}

/* Returns the OID of one of the extension's indexes. */
Oid
catalog_indexid(ExtIndex index)
{
	if (!OidIsValid(index_oids[index]))
	{
		Oid			relid = get_relname_relid(index_names[index], schema());

		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("index \"permissions.%s\" does not exist",
							index_names[index]),
					 errhint("Bring the extension up to the version of its library: ALTER EXTENSION permissions UPDATE.")));
		index_oids[index] = relid;
	}
	return index_oids[index];
}

/* Returns the attribute number of a column of one of the relations. */
AttrNumber
catalog_attnum(ExtRelation rel, const char *column)
{
	ColumnMemo *memo = columns[rel];
	AttrNumber	attnum;
	int			i;

	for (i = 0; i < ncolumns[rel]; i++)
		if (memo[i].name == column)
			return memo[i].attnum;
	attnum = get_attnum(catalog_relid(rel), column);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"permissions.%s\" does not exist",
						column, relation_names[rel]),
				 errhint("Bring the extension up to the version of its library: ALTER EXTENSION permissions UPDATE.")));
	if (ncolumns[rel] < MAX_COLUMNS)
	{
		memo[ncolumns[rel]].name = column;
		memo[ncolumns[rel]].attnum = attnum;
		ncolumns[rel]++;
	}
	return attnum;
}

/* Runs an index scan (or a whole-table scan) with the given keys. */
static int
scan_with_keys(ExtRelation rel, ExtIndex index, int nkeys, ScanKey skeys,
			   Snapshot snapshot, ext_row_callback callback, void *arg)
{
	Relation	heap;
	SysScanDesc scan;
	HeapTuple	tuple;
	int			count = 0;
	Oid			indexid = InvalidOid;

	heap = table_open(catalog_relid(rel), AccessShareLock);
	if ((int) index >= 0)
		indexid = catalog_indexid(index);
	scan = systable_beginscan(heap, indexid, OidIsValid(indexid),
							  snapshot, nkeys, skeys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		callback(tuple, RelationGetDescr(heap), arg);
		count++;
	}
	systable_endscan(scan);
	table_close(heap, AccessShareLock);
	return count;
}

/*
 * Scans rel for rows whose column attnum equals key (compared with eqproc),
 * through index (or the whole table when index is negative), calling
 * callback for each row visible to snapshot.  Returns the number of rows.
 */
int
catalog_scan(ExtRelation rel, ExtIndex index, AttrNumber attnum,
			 Datum key, RegProcedure eqproc, Snapshot snapshot,
			 ext_row_callback callback, void *arg)
{
	ScanKeyData skey;
	int			nkeys = 0;

	if (attnum != InvalidAttrNumber)
	{
		ScanKeyInit(&skey, attnum, BTEqualStrategyNumber, eqproc, key);
		nkeys = 1;
	}
	return scan_with_keys(rel, index, nkeys, &skey, snapshot, callback, arg);
}

/*
 * As catalog_scan, with two equality keys: for lookups through a two-column
 * unique index (its columns in index order).
 */
int
catalog_scan2(ExtRelation rel, ExtIndex index,
			  AttrNumber attnum1, Datum key1, RegProcedure eqproc1,
			  AttrNumber attnum2, Datum key2, RegProcedure eqproc2,
			  Snapshot snapshot, ext_row_callback callback, void *arg)
{
	ScanKeyData skeys[2];

	ScanKeyInit(&skeys[0], attnum1, BTEqualStrategyNumber, eqproc1, key1);
	ScanKeyInit(&skeys[1], attnum2, BTEqualStrategyNumber, eqproc2, key2);
	return scan_with_keys(rel, index, 2, skeys, snapshot, callback, arg);
}

/* Fetches one attribute of a scanned row. */
Datum
catalog_getattr(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, bool *isnull)
{
	return heap_getattr(tuple, attnum, desc, isnull);
}

/* Fetches a column of a row of one of the relations, by name. */
Datum
catalog_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column,
			   bool *isnull)
{
	return heap_getattr(tuple, catalog_attnum(rel, column), desc, isnull);
}

/* The int8 value of a column of a row, by name; false (value untouched) when NULL. */
bool
catalog_int8(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column,
			 int64 *value)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, catalog_attnum(rel, column), desc, &isnull);

	if (!isnull)
		*value = DatumGetInt64(d);
	return !isnull;
}

/* Prepares (once per backend) and keeps a plan with one int8 argument. */
static SPIPlanPtr
keep_plan(SPIPlanPtr *slot, const char *sql)
{
	if (*slot == NULL)
	{
		Oid			argtype = INT8OID;
		SPIPlanPtr	plan = SPI_prepare(sql, 1, &argtype);

		if (plan == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		*slot = plan;
	}
	return *slot;
}

/*
 * Runs a statement on the extension's tables as a superuser, with an int8
 * as its one argument ($1), for bookkeeping that no caller may do itself
 * (epochs, tenant locks, credential uses).  The plan is kept in *slot.
 */
void
catalog_run_as_superuser(SPIPlanPtr *slot, const char *sql, int64 arg, int expected)
{
	Oid			save_userid;
	int			save_sec_context;
	Datum		value = Int64GetDatum(arg);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute_plan(keep_plan(slot, sql), &value, NULL, false, 0) != expected)
			elog(ERROR, "could not run \"%s\" for " INT64_FORMAT, sql, arg);
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}

/*
 * The OID of function permissions.<name>(argtypes), or InvalidOid, found
 * without a permission check on the schema: the planner looks the
 * extension's functions up for roles that have no use of the schema.
 */
Oid
catalog_function_oid(const char *name, int nargs, const Oid *argtypes)
{
	Oid			nsp = get_namespace_oid("permissions", true);

	if (!OidIsValid(nsp))
		return InvalidOid;
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						   PointerGetDatum(buildoidvector(argtypes, nargs)),
						   ObjectIdGetDatum(nsp));
}

/* The OID of type permissions.<name>, or InvalidOid (no permission check either). */
Oid
catalog_type_oid(const char *name)
{
	Oid			nsp = get_namespace_oid("permissions", true);

	if (!OidIsValid(nsp))
		return InvalidOid;
	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(name),
						   ObjectIdGetDatum(nsp));
}
