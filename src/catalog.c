/*
 * catalog.c
 *		Finds the extension's tables and indexes and scans them directly.
 *
 * Access decisions are made from the extension's own tables.  Reading them
 * through SQL would apply their row-level security policies, which call back
 * into the decision code; reading them with index scans under the caller's
 * snapshot avoids that recursion and is the cheapest way to get the rows.
 * Relation OIDs are looked up by name once and forgotten when any of the
 * relations is invalidated (the extension being dropped, for instance).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog.h"

static const char *const relation_names[EXT_NUM_RELATIONS] = {
	"accounts", "users", "api_credentials", "access_epoch",
	"performers", "group_members", "team_members", "access_grants"
};

static const char *const index_names[EXT_NUM_INDEXES] = {
	"accounts_pkey", "accounts_parent_id_idx",
	"users_pkey", "users_db_role_key",
	"api_credentials_pkey",
	"performers_pkey", "performers_account_id_idx",
	"group_members_pkey",
	"team_members_user_id_idx",
	"access_grants_user_id_idx", "access_grants_team_id_idx"
};

static Oid	relation_oids[EXT_NUM_RELATIONS];
static Oid	index_oids[EXT_NUM_INDEXES];
static bool oids_valid = false;

/* Forgets every cached OID when one of our relations changes definition. */
static void
catalog_relcache_callback(Datum arg, Oid relid)
{
	int			i;

	if (!oids_valid)
		return;
	if (relid == InvalidOid)
	{
		oids_valid = false;
		return;
	}
	for (i = 0; i < EXT_NUM_RELATIONS; i++)
		if (relation_oids[i] == relid)
			oids_valid = false;
	for (i = 0; i < EXT_NUM_INDEXES; i++)
		if (index_oids[i] == relid)
			oids_valid = false;
}

/* Registers the invalidation callback; called once from _PG_init. */
void
catalog_init(void)
{
	CacheRegisterRelcacheCallback(catalog_relcache_callback, (Datum) 0);
}

/* Looks every relation and index up by name in schema permissions. */
static void
catalog_lookup_oids(void)
{
	Oid			nsp;
	int			i;

	nsp = get_namespace_oid("permissions", true);
	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"permissions\" does not exist"),
				 errhint("Run CREATE EXTENSION permissions in this database.")));

	for (i = 0; i < EXT_NUM_RELATIONS; i++)
	{
		relation_oids[i] = get_relname_relid(relation_names[i], nsp);
		if (!OidIsValid(relation_oids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("relation \"permissions.%s\" does not exist",
							relation_names[i]),
					 errhint("Reinstall the permissions extension; it is missing one of its tables.")));
	}
	for (i = 0; i < EXT_NUM_INDEXES; i++)
	{
		index_oids[i] = get_relname_relid(index_names[i], nsp);
		if (!OidIsValid(index_oids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("index \"permissions.%s\" does not exist",
							index_names[i]),
					 errhint("Reinstall the permissions extension; it is missing one of its indexes.")));
	}
	oids_valid = true;
}

/* Returns the OID of one of the extension's relations. */
Oid
catalog_relid(ExtRelation rel)
{
	if (!oids_valid)
		catalog_lookup_oids();
	return relation_oids[rel];
}

/* Returns the attribute number of a column of one of the relations. */
AttrNumber
catalog_attnum(ExtRelation rel, const char *column)
{
	AttrNumber	attnum = get_attnum(catalog_relid(rel), column);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"permissions.%s\" does not exist",
						column, relation_names[rel]),
				 errhint("Reinstall the permissions extension; one of its tables was altered.")));
	return attnum;
}

/*
 * Scans rel for rows whose column attnum equals key, through index (or the
 * whole table when index is negative), calling callback for each visible row.
 * Returns the number of rows seen.
 */
int
catalog_scan(ExtRelation rel, ExtIndex index, AttrNumber attnum,
			 Datum key, bool key_is_oid, Snapshot snapshot,
			 ext_row_callback callback, void *arg)
{
	Relation	heap;
	SysScanDesc scan;
	ScanKeyData skey;
	HeapTuple	tuple;
	int			nkeys = 0;
	int			count = 0;
	Oid			indexid = InvalidOid;

	heap = table_open(catalog_relid(rel), AccessShareLock);
	if ((int) index >= 0)
		indexid = index_oids[index];
	if (attnum != InvalidAttrNumber)
	{
		ScanKeyInit(&skey, attnum, BTEqualStrategyNumber,
					key_is_oid ? F_OIDEQ : F_INT8EQ, key);
		nkeys = 1;
	}
	scan = systable_beginscan(heap, indexid, OidIsValid(indexid),
							  snapshot, nkeys, &skey);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		callback(tuple, RelationGetDescr(heap), arg);
		count++;
	}
	systable_endscan(scan);
	table_close(heap, AccessShareLock);
	return count;
}

/* Fetches one attribute of a scanned row. */
Datum
catalog_getattr(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, bool *isnull)
{
	return heap_getattr(tuple, attnum, desc, isnull);
}
