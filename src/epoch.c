/*
 * epoch.c
 *		Per-tenant access epochs: exact freshness without a global lock.
 *
 * A tenant is a top-level account with all its sub-accounts.  Every change
 * to a tenant's access-relevant data (users, accounts, credentials, grants,
 * group and team memberships, performers) adds, in the same transaction, a
 * row (tenant, epoch) to permissions.tenant_epochs; a tenant's epoch is the
 * set of its rows a snapshot sees (compared as a whole: epochs are drawn in
 * one order and committed in another).  Tenant 0 moves with the few changes that
 * belong to no tenant (a login role mapped or unmapped by a DBA, a token key
 * or issuer changed, a TRUNCATE).
 *
 * - The rows are added in AFTER ROW triggers (access_changed below), that
 *   is after row-level security, constraints and ON CONFLICT have decided:
 *   a refused, skipped or zero-row statement adds nothing.  Each tenant
 *   gets one row per (sub)transaction; a subtransaction that rolls back
 *   takes its rows with it.
 * - Rows are only ever inserted, with epochs from one sequence (never
 *   repeated), so writers never wait for each other because of the
 *   extension, not even writers of one tenant, and a transaction left open
 *   holds nothing anyone else needs.  A writer deletes the tenant's older
 *   rows it can lock without waiting (SKIP LOCKED), so a tenant keeps a few.
 * - A cache (access_cache.c) records, for every tenant it read from, the
 *   epoch it saw.  Hints (hints.c) tell it, before a change is visible,
 *   which tenants a committing transaction changed; the epochs are read
 *   again only for the tenants hints name (or when hints cannot vouch).
 *   A committed change in another tenant costs a cache nothing.
 * - A backend's own changes are seen at once: every change made here, and
 *   every rollback of a (sub)transaction that made one, moves a
 *   backend-local counter that caches compare too.
 * - Rules that span rows (the last manager of an account, the one performer
 *   of a single_performer user, a move in the account tree) are checked one
 *   transaction after the other per tenant: lock_tenant() takes a row lock
 *   on the tenant's row of permissions.tenant_locks, apart from the epochs.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "account_tree.h"
#include "catalog.h"
#include "epoch.h"
#include "growable.h"
#include "hints.h"
#include "pg_compat.h"

PG_FUNCTION_INFO_V1(epoch_access_changed);
PG_FUNCTION_INFO_V1(epoch_lock_tenant);

/* Tenants moved in the open (sub)transactions, with the subtransaction. */
typedef struct TouchedTenant
{
	int64		tenant;
	SubTransactionId subxid;
} TouchedTenant;

static TouchedTenant *touched = NULL;
static int	ntouched = 0;
static int	touched_cap = 0;

/* How many access changes (and rollbacks of them) this backend has made. */
uint64		epoch_local_change_count = 0;

/*
 * The count when the open transaction and each open subtransaction began:
 * a rollback is a change only when the work it undoes changed access.
 */
static uint64 xact_start_count = 0;
static uint64 *subxact_start_counts = NULL;
static int	nsubxacts = 0;
static int	subxacts_cap = 0;
static SPIPlanPtr touch_plan = NULL;
static SPIPlanPtr prune_plan = NULL;
static SPIPlanPtr lock_plans[2] = {NULL, NULL};

/* Forgets moves undone by a rollback, and hands a committed child's to its parent. */
static void
epoch_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			i,
				j;
	uint64		start_count;

	if (event == SUBXACT_EVENT_START_SUB)
	{
		growable_reserve((void **) &subxact_start_counts, nsubxacts, &subxacts_cap,
						 sizeof(uint64), TopMemoryContext);
		subxact_start_counts[nsubxacts++] = epoch_local_change_count;
		return;
	}
	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	/* a subtransaction started before the library was loaded: assume it changed access */
	start_count = nsubxacts > 0 ? subxact_start_counts[--nsubxacts] : UINT64_MAX;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		for (i = 0, j = 0; i < ntouched; i++)
			if (touched[i].subxid != mySubid)
				touched[j++] = touched[i];
		ntouched = j;
		if (epoch_local_change_count != start_count)
			epoch_local_change_count++;
	}
	else
	{
		for (i = 0; i < ntouched; i++)
			if (touched[i].subxid == mySubid)
				touched[i].subxid = parentSubid;
	}
}

/*
 * Forgets every move at the end of the transaction; a rollback of a
 * transaction that changed access is a change.
 */
static void
epoch_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			/* before the commit is visible: see hints.c */
			if (ntouched > 0)
			{
				int64	   *tenants = palloc(ntouched * sizeof(int64));
				int			i;

				for (i = 0; i < ntouched; i++)
					tenants[i] = touched[i].tenant;
				hints_send(tenants, ntouched);
				pfree(tenants);
			}
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (epoch_local_change_count != xact_start_count)
				epoch_local_change_count++;
			/* FALLTHROUGH */
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			ntouched = 0;
			nsubxacts = 0;
			xact_start_count = epoch_local_change_count;
			break;
		default:
			break;
	}
}

/* Registers the transaction callbacks; called once from _PG_init. */
void
epoch_init(void)
{
	RegisterXactCallback(epoch_xact_callback, NULL);
	RegisterSubXactCallback(epoch_subxact_callback, NULL);
}

/* Mixes an epoch value (splitmix64's finalizer) for the fingerprint of a set. */
static uint64
epoch_mix(int64 epoch)
{
	uint64		z = (uint64) epoch + UINT64CONST(0x9E3779B97F4A7C15);

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Adds a tenant's row to what is seen of it. */
static void
epoch_row_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	EpochSeen  *seen = (EpochSeen *) arg;
	int64		epoch;

	if (!catalog_int8(tuple, desc, EXT_TENANT_EPOCHS, "epoch", &epoch))
		return;
	if (epoch > seen->epoch)
		seen->epoch = epoch;
	seen->rows++;
	seen->digest += epoch_mix(epoch);
}

/* Reads what a snapshot sees of a tenant's epoch rows (nothing when it has none). */
void
epoch_read(int64 tenant, Snapshot snapshot, EpochSeen *seen)
{
	seen->tenant = tenant;
	seen->epoch = 0;
	seen->rows = 0;
	seen->digest = 0;
	catalog_scan(EXT_TENANT_EPOCHS, EXT_IDX_TENANT_EPOCHS_PKEY,
				 catalog_attnum(EXT_TENANT_EPOCHS, "tenant_id"), Int64GetDatum(tenant),
				 F_INT8EQ, snapshot, epoch_row_callback, seen);
}

/*
 * True when the tenant's epoch rows still read as seen under snapshot: the
 * same rows, whatever order their transactions committed in (a change adds
 * a row; pruning, which removes some, counts as a change too).
 */
bool
epoch_unchanged(const EpochSeen *seen, Snapshot snapshot)
{
	EpochSeen	now;

	epoch_read(seen->tenant, snapshot, &now);
	return now.epoch == seen->epoch && now.rows == seen->rows && now.digest == seen->digest;
}

/*
 * Moves a tenant's epoch in the current transaction, once per tenant and
 * subtransaction: a new row, and away with the tenant's older rows this
 * transaction can take without waiting (under READ COMMITTED only: under a
 * transaction snapshot a row another writer deleted would be a
 * serialization failure).
 */
void
epoch_touch(int64 tenant)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();
	int			i;

	epoch_local_change_count++;
	if (tenant < 0)
		return;
	for (i = 0; i < ntouched; i++)
		if (touched[i].tenant == tenant)
			return;				/* moved already, in this or an enclosing subtransaction */

	catalog_run_as_superuser(&touch_plan,
					 "INSERT INTO permissions.tenant_epochs (tenant_id, epoch) "
					 "VALUES ($1, pg_catalog.nextval('permissions.access_epoch_seq')) "
					 "ON CONFLICT DO NOTHING",
					 tenant, SPI_OK_INSERT);
	if (!IsolationUsesXactSnapshot())
		catalog_run_as_superuser(&prune_plan,
						 "DELETE FROM permissions.tenant_epochs e WHERE e.ctid OPERATOR(pg_catalog.=) ANY (ARRAY("
						 "SELECT o.ctid FROM permissions.tenant_epochs o "
						 "WHERE o.tenant_id OPERATOR(pg_catalog.=) $1 "
						 "AND o.epoch OPERATOR(pg_catalog.<) pg_catalog.currval('permissions.access_epoch_seq') "
						 "FOR UPDATE SKIP LOCKED))",
						 tenant, SPI_OK_DELETE);

	growable_reserve((void **) &touched, ntouched, &touched_cap, sizeof(TouchedTenant),
					 TopMemoryContext);
	touched[ntouched].tenant = tenant;
	touched[ntouched].subxid = subxid;
	ntouched++;
}

/* True when a column differs between two versions of a row. */
static bool
column_changed(HeapTuple a, HeapTuple b, TupleDesc desc, ExtRelation rel, const char *column)
{
	AttrNumber	attnum = catalog_attnum(rel, column);
	Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
	bool		anull,
				bnull;
	Datum		ad = heap_getattr(a, attnum, desc, &anull);
	Datum		bd = heap_getattr(b, attnum, desc, &bnull);

	if (anull || bnull)
		return anull != bnull;
	return !datumIsEqual(ad, bd, att->attbyval, att->attlen);
}

/* Moves the epoch of the tenant holding an account (when it can be found). */
static void
touch_account(int64 account_id)
{
	epoch_touch(account_tree_tenant(account_id, GetLatestSnapshot()));
}

/* Reads account_id of a users or teams row. */
typedef struct AccountOf
{
	ExtRelation rel;
	int64		account;
} AccountOf;

/* Catalog scan callback: the account a row belongs to. */
static void
account_of_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	AccountOf  *a = (AccountOf *) arg;

	(void) catalog_int8(tuple, desc, a->rel, "account_id", &a->account);
}

/* Moves the epoch of the tenant of a user (rel EXT_USERS) or team (EXT_TEAMS). */
static void
touch_holder(ExtRelation rel, int64 id)
{
	AccountOf	a = {rel, -1};

	catalog_scan(rel, rel == EXT_USERS ? EXT_IDX_USERS_PKEY : EXT_IDX_TEAMS_PKEY,
				 catalog_attnum(rel, "id"), Int64GetDatum(id),
				 F_INT8EQ, GetLatestSnapshot(), account_of_callback, &a);
	if (a.account >= 0)
		touch_account(a.account);
}

/* Moves the epoch of a grant's grantee (a user's or a team's account). */
static void
touch_grantee(HeapTuple tuple, TupleDesc desc)
{
	int64		id;

	if (catalog_int8(tuple, desc, EXT_ACCESS_GRANTS, "user_id", &id))
		touch_holder(EXT_USERS, id);
	else if (catalog_int8(tuple, desc, EXT_ACCESS_GRANTS, "team_id", &id))
		touch_holder(EXT_TEAMS, id);
}

/* Moves the tenant of the account_id column of a row, if it has one. */
static void
touch_row_account(HeapTuple tuple, TupleDesc desc, ExtRelation rel)
{
	int64		account;

	if (catalog_int8(tuple, desc, rel, "account_id", &account))
		touch_account(account);
}

/* An accounts row's tenant: itself at the top, else its parent's. */
static void
touch_account_row(HeapTuple tuple, TupleDesc desc)
{
	int64		id;
	int64		parent;

	if (catalog_int8(tuple, desc, EXT_ACCOUNTS, "parent_id", &parent))
		touch_account(parent);
	else if (catalog_int8(tuple, desc, EXT_ACCOUNTS, "id", &id))
		epoch_touch(id);
}

/* The users columns decisions and identities depend on. */
static const char *const user_access_columns[] = {
	"account_id", "db_role", "db_role_name", "role", "user_type",
	"permissions", "access", "active", "status"
};

/*
 * permissions.access_changed() trigger, AFTER ROW on every table holding
 * access-relevant data (and AFTER TRUNCATE, statement level)
 *		Moves the epochs of the tenants the changed row belongs to: after
 *		the change was decided, only for rows that changed, and only for
 *		changes that can alter a decision.  An argument 'global' moves
 *		tenant 0 instead (changes that belong to no tenant).
 */
Datum
epoch_access_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	relation;
	TupleDesc	desc;
	Oid			relid;
	HeapTuple	oldtup = NULL;
	HeapTuple	newtup = NULL;
	ExtRelation rel;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("permissions.access_changed() must be an AFTER trigger")));

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) ||
		(trigdata->tg_trigger->tgnargs > 0 &&
		 strcmp(trigdata->tg_trigger->tgargs[0], "global") == 0))
	{
		epoch_touch(GLOBAL_TENANT);
		return PointerGetDatum(NULL);
	}
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		return PointerGetDatum(NULL);

	relation = trigdata->tg_relation;
	desc = RelationGetDescr(relation);
	relid = RelationGetRelid(relation);
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		newtup = trigdata->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		oldtup = trigdata->tg_trigtuple;
	else
	{
		oldtup = trigdata->tg_trigtuple;
		newtup = trigdata->tg_newtuple;
	}

	for (rel = 0; rel < EXT_NUM_RELATIONS; rel++)
		if (rel != EXT_TENANT_EPOCHS && catalog_relid_if_exists(rel) == relid)
			break;

	switch (rel)
	{
		case EXT_ACCOUNTS:
			if (oldtup && newtup && !column_changed(oldtup, newtup, desc, rel, "parent_id"))
				break;
			if (oldtup)
				touch_account_row(oldtup, desc);
			if (newtup)
				touch_account_row(newtup, desc);
			break;

		case EXT_USERS:
			if (oldtup && newtup)
			{
				int			i;
				bool		changed = false;

				for (i = 0; i < lengthof(user_access_columns) && !changed; i++)
					changed = column_changed(oldtup, newtup, desc, rel, user_access_columns[i]);
				if (!changed)
					break;
				if (column_changed(oldtup, newtup, desc, rel, "db_role") ||
					column_changed(oldtup, newtup, desc, rel, "db_role_name"))
					epoch_touch(GLOBAL_TENANT);
			}
			else if (newtup)
			{
				bool		isnull;

				/* a new mapping: the role's cache, nobody's so far, reads no tenant */
				(void) heap_getattr(newtup, catalog_attnum(rel, "db_role"), desc, &isnull);
				if (!isnull)
					epoch_touch(GLOBAL_TENANT);
			}
			/* a removed user: its role's cache read the user's tenant, which moves */
			if (oldtup)
				touch_row_account(oldtup, desc, rel);
			if (newtup)
				touch_row_account(newtup, desc, rel);
			break;

		case EXT_PERFORMERS:
			if (oldtup && newtup && !column_changed(oldtup, newtup, desc, rel, "account_id"))
				break;
			/* FALLTHROUGH */
		case EXT_API_CREDENTIALS:
		case EXT_GROUP_MEMBERS:
		case EXT_TEAM_MEMBERS:
			if (oldtup)
				touch_row_account(oldtup, desc, rel);
			if (newtup)
				touch_row_account(newtup, desc, rel);
			break;

		case EXT_ACCESS_GRANTS:
			if (oldtup)
			{
				touch_row_account(oldtup, desc, rel);
				touch_grantee(oldtup, desc);
			}
			if (newtup)
			{
				touch_row_account(newtup, desc, rel);
				touch_grantee(newtup, desc);
			}
			break;

		case EXT_TOKEN_SUBJECTS:
			{
				int64		user_id;

				if (oldtup && catalog_int8(oldtup, desc, rel, "user_id", &user_id))
					touch_holder(EXT_USERS, user_id);
				if (newtup && catalog_int8(newtup, desc, rel, "user_id", &user_id))
					touch_holder(EXT_USERS, user_id);
			}
			break;

		default:
			/* any other table: every cache may depend on it */
			epoch_touch(GLOBAL_TENANT);
			break;
	}
	return PointerGetDatum(NULL);
}

/*
 * permissions.lock_tenant(account_id bigint) returns void
 *		Locks, until the transaction ends, the account's tenant against the
 *		extension's other checks of rules that span rows (the last manager
 *		of an account, the one performer of a single_performer user, a move
 *		in the account tree): its definer triggers call it first, so two
 *		transactions of one tenant check such rules one after the other.
 *		A row lock on the tenant's row of permissions.tenant_locks (made on
 *		first use); the epochs are apart, so nothing else waits on it.  Not
 *		executable by PUBLIC.
 */
Datum
epoch_lock_tenant(PG_FUNCTION_ARGS)
{
	int64		tenant;

	if (PG_ARGISNULL(0))
		PG_RETURN_VOID();
	tenant = account_tree_tenant(PG_GETARG_INT64(0), GetLatestSnapshot());
	if (tenant < 0)
		PG_RETURN_VOID();
	catalog_run_as_superuser(&lock_plans[0],
					 "INSERT INTO permissions.tenant_locks (tenant_id) VALUES ($1) "
					 "ON CONFLICT (tenant_id) DO NOTHING",
					 tenant, SPI_OK_INSERT);
	catalog_run_as_superuser(&lock_plans[1],
					 "SELECT 1 FROM permissions.tenant_locks l "
					 "WHERE l.tenant_id OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE",
					 tenant, SPI_OK_SELECT);
	PG_RETURN_VOID();
}
