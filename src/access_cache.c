/*
 * access_cache.c
 *		Per-backend cache of the current user's access.
 *
 * Row-level security calls the decision functions once per row, so the
 * decisions must come from memory.  The cache holds, for one user, the tier
 * over each account reached as a whole (manager subtree, wildcard tier) and
 * over each performer reached through grants (direct, group, team, team on
 * group), already capped by the user type.
 *
 * Freshness (see epoch.c): a cache is tied to the snapshot it was built
 * under and records the epoch of every tenant it read from.  A later
 * snapshot reuses it while each of those epochs reads the same under it and
 * this backend changed nothing since; otherwise it is rebuilt.  A committed
 * revocation therefore reaches every session at its next statement, no
 * decision outlives its snapshot, a REPEATABLE READ transaction keeps the
 * view of its snapshot, and a change in a tenant the user does not reach
 * costs the cache nothing.
 *
 * A backend keeps the caches of its last few identities (KEPT_CACHES): a
 * pooled connection serves many users in turn, and a user's cache, checked
 * as above, is as good when the user comes back as it was when it left.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "access_cache.h"
#include "account_tree.h"
#include "catalog.h"
#include "hints.h"
#include "token.h"

PG_FUNCTION_INFO_V1(access_cache_stats);

/*
 * Caches of the last identities this backend acted as; "current" is the one
 * in use.  Each is checked as a whole before it is used again.
 */
#define KEPT_CACHES 8
static AccessCache kept[KEPT_CACHES];
static uint64 kept_last_used[KEPT_CACHES];
static uint64 kept_clock = 0;
static AccessCache *current = &kept[0];
static AccessCache *examined = NULL;
static int64 examined_id = 0;

/* Counters for permissions.cache_stats(), since the backend started. */
static struct
{
	int64		statements;		/* validations of the current cache at a new snapshot */
	int64		rebuilds;
	int64		epoch_checks;	/* validations that read the epochs (hints could not vouch) */
	double		last_rebuild_ms;
} stats;

/* How many times a cache was built: a call site's memo of a cache is stale after one. */
static uint64 builds = 0;

/*
 * How many times roles changed (pg_authid invalidations): a mapping holds
 * only under the role's name, so a rename (or any change of a role) makes
 * every cache built before it be built again.
 */
static uint64 roles_changed = 0;

/* Syscache callback on pg_authid: every cache built before goes stale. */
static void
roles_changed_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	roles_changed++;
}

/* Creates the caches' memory contexts; called once from _PG_init. */
void
access_cache_init(void)
{
	int			i;

	for (i = 0; i < KEPT_CACHES; i++)
	{
		kept[i].cxt = AllocSetContextCreate(TopMemoryContext,
											"permissions access cache",
											ALLOCSET_DEFAULT_SIZES);
		kept[i].valid = false;
	}
	CacheRegisterSyscacheCallback(AUTHOID, roles_changed_callback, (Datum) 0);
}

/* The snapshot decisions are made under. */
Snapshot
access_cache_snapshot(void)
{
	if (ActiveSnapshotSet())
		return GetActiveSnapshot();
	return GetTransactionSnapshot();
}


/*
 * The snapshot the current cache was known right for before the last one.
 * A statement and the triggers it fires alternate between two snapshots (a
 * trigger's statements see the rows inserted so far), and both stay right
 * until the cache is rebuilt; remembering two saves a check of the epochs
 * on every row of a batch.
 */
static SnapStamp other_snap;
static bool other_snap_valid = false;

/* Swaps the cache's snapshot with other_snap. */
static void
swap_snapshots(AccessCache *c)
{
	SnapStamp	t = c->snap;

	c->snap = other_snap;
	other_snap = t;
	other_snap_valid = true;
}


/* Resets a cache to "nobody" and records what it is for. */
static void
reset_cache(AccessCache *c, const Identity *id, Snapshot snapshot)
{
	int			i;

	MemoryContextReset(c->cxt);
	c->valid = false;
	access_lookup_forget(c);
	if (c == current)
		other_snap_valid = false;
	c->ident = *id;
	c->has_user = false;
	c->limit_creator = 0;
	memset(&c->user, 0, sizeof(c->user));
	c->accounts = access_table_make(c, "permissions accounts", 16);
	c->performers = access_table_make(c, "permissions performers", 64);
	c->managed = access_table_make(c, "permissions managed accounts", 16);
	c->member = access_table_make(c, "permissions member accounts", 16);
	c->reach = NULL;
	memset(c->all_performers, 0, sizeof(c->all_performers));
	memset(c->any_accounts, 0, sizeof(c->any_accounts));
	memset(c->whole_accounts, 0, sizeof(c->whole_accounts));
	memset(c->granted_performers, 0, sizeof(c->granted_performers));
	memset(c->partial_performers, 0, sizeof(c->partial_performers));
	for (i = 0; i <= TIER_1; i++)
		c->partial_count[i] = -1;
	c->ntenants = 0;
	c->tenants = NULL;
	c->tenant_keys = NULL;
	c->hints_vouch = false;
	c->hinted_stale = false;
	c->valid_until = id->source == IDENTITY_TOKEN ? id->expires_at : DT_NOEND;
	c->local_changes = epoch_local_changes();
	snapstamp_set(&c->snap, snapshot);
}


/* Records the epochs of the tenants of every account the cache read from. */
static void
record_tenants(AccessCache *c, IdBuffer *sources, Snapshot snapshot)
{
	int64	   *tenants;
	int			n = 0;
	int			i,
				j;
	int64		last_account = -1;
	int64		last_tenant = -1;

	tenants = palloc((sources->n + 1) * sizeof(int64));
	tenants[n++] = GLOBAL_TENANT;
	for (i = 0; i < sources->n; i++)
	{
		int64		account = sources->ids[i];
		int64		tenant;

		if (account == last_account)
			tenant = last_tenant;
		else
			tenant = account_tree_tenant(account, snapshot);
		last_account = account;
		last_tenant = tenant;
		if (tenant < 0)
			continue;
		for (j = 0; j < n && tenants[j] != tenant; j++)
			;
		if (j == n)
			tenants[n++] = tenant;
	}
	c->tenants = palloc(n * sizeof(EpochSeen));
	c->tenant_keys = palloc(n * sizeof(uint32));
	for (i = 0; i < n; i++)
	{
		epoch_read(tenants[i], snapshot, &c->tenants[i]);
		c->tenant_keys[i] = hints_tenant_key(tenants[i]);
	}
	c->ntenants = n;
	pfree(tenants);
}

/* Whether a cache read from one of the tenants a hint names. */
static bool
reads_hinted_tenant(AccessCache *c, const uint32 *keys, int nkeys)
{
	int			i,
				j;

	for (i = 0; i < c->ntenants; i++)
		for (j = 0; j < nkeys; j++)
			if (c->tenant_keys[i] == keys[j])
				return true;
	return false;
}

/* Hints' mark function: the caches that read from a tenant a finished hint names go stale. */
static void
mark_hinted(const uint32 *keys, int nkeys, bool all)
{
	int			i;

	for (i = 0; i < KEPT_CACHES; i++)
		if (kept[i].valid && (all || reads_hinted_tenant(&kept[i], keys, nkeys)))
			kept[i].hinted_stale = true;
	if (examined != NULL && examined->valid &&
		(all || reads_hinted_tenant(examined, keys, nkeys)))
		examined->hinted_stale = true;
}

/* Builds a cache for an identity (or a user id) under a snapshot. */
static void
build(AccessCache *c, const Identity *id, int64 user_id, Snapshot snapshot,
	  TimestampTz now)
{
	MemoryContext old;
	IdBuffer	sources = {NULL, 0, 0};
	instr_time	start,
				duration;

	INSTR_TIME_SET_CURRENT(start);
	builds++;
	hints_apply(snapshot, mark_hinted);
	reset_cache(c, id, snapshot);
	c->roles_seen = roles_changed;	/* before reading: a change while building counts */
	c->epochs_relid = catalog_relid(EXT_TENANT_EPOCHS);
	old = MemoryContextSwitchTo(c->cxt);
	access_build_fill(c, id, user_id, snapshot, now, &sources);
	record_tenants(c, &sources, snapshot);
	MemoryContextSwitchTo(old);
	c->hints_vouch = hints_vouch_for(snapshot, c->tenant_keys, c->ntenants);
	c->valid = true;
	INSTR_TIME_SET_CURRENT(duration);
	INSTR_TIME_SUBTRACT(duration, start);
	stats.rebuilds++;
	stats.last_rebuild_ms = INSTR_TIME_GET_MILLISEC(duration);
}

/*
 * True when a cache still holds under snapshot: the same identity, nothing
 * expired, nothing changed by this backend, and the same epoch in every
 * tenant it read from.  Hints (hints.c) vouch for the epochs of a cache
 * whose tenants no hint named since it was last checked, under a snapshot
 * that sees every hint already applied to them; otherwise the epochs are
 * read.
 */
static bool
still_valid(AccessCache *c, const Identity *id, Snapshot snapshot, TimestampTz now)
{
	int			i;

	if (!c->valid || !identity_equal(&c->ident, id) || now >= c->valid_until ||
		c->local_changes != epoch_local_changes() || c->roles_seen != roles_changed ||
		c->epochs_relid != catalog_relid_if_exists(EXT_TENANT_EPOCHS))
		return false;
	if (snapstamp_matches(&c->snap, snapshot))
		return true;
	if (c == current && other_snap_valid && snapstamp_matches(&other_snap, snapshot))
	{
		swap_snapshots(c);
		return true;
	}
	hints_apply(snapshot, mark_hinted);
	if (!(c->hints_vouch && !c->hinted_stale &&
		  hints_vouch_for(snapshot, c->tenant_keys, c->ntenants)))
	{
		stats.epoch_checks++;
		for (i = 0; i < c->ntenants; i++)
			if (!epoch_unchanged(&c->tenants[i], snapshot))
				return false;
		c->hinted_stale = false;
		c->hints_vouch = hints_vouch_for(snapshot, c->tenant_keys, c->ntenants);
	}
	/* the snapshot it replaces stays right: keep it as the other one */
	if (c == current)
		swap_snapshots(c);
	snapstamp_set(&c->snap, snapshot);
	return true;
}

/*
 * Makes a kept cache the one in use.  What was remembered of the previous
 * one (last lookups, a second snapshot, call sites' memos, the planner's
 * selectivity memo) belongs to it and is dropped.
 */
static void
switch_to(AccessCache *c)
{
	if (c != current)
	{
		current = c;
		other_snap_valid = false;
		builds++;
	}
	kept_last_used[c - kept] = ++kept_clock;
}

/*
 * The kept cache to use for an identity: its own when one is kept for it
 * (valid or not), otherwise an invalid one or the least recently used.
 */
static AccessCache *
kept_for(const Identity *id, bool *same_identity)
{
	AccessCache *victim = NULL;
	int			i;

	for (i = 0; i < KEPT_CACHES; i++)
		if (kept[i].valid && identity_equal(&kept[i].ident, id))
		{
			*same_identity = true;
			return &kept[i];
		}
	*same_identity = false;
	for (i = 0; i < KEPT_CACHES; i++)
	{
		if (!kept[i].valid)
			return &kept[i];
		if (victim == NULL || kept_last_used[i] < kept_last_used[victim - kept])
			victim = &kept[i];
	}
	return victim;
}

/*
 * Returns the cache for the current identity, valid for the current snapshot.
 * Never NULL; has_user is false when the session acts as nobody.
 */
AccessCache *
access_cache_current(void)
{
	AccessCache *c = current;
	Identity	id;
	Snapshot	snapshot;
	TimestampTz now = GetCurrentStatementStartTimestamp();
	bool		same_identity;

	identity_get(&id);
	snapshot = access_cache_snapshot();
	if (c->valid && snapstamp_matches(&c->snap, snapshot) && identity_equal(&c->ident, &id) &&
		now < c->valid_until && c->local_changes == epoch_local_changes() &&
		c->roles_seen == roles_changed)
		return c;
	stats.statements++;
	if (still_valid(c, &id, snapshot, now))
		return c;
	if (!c->valid || !identity_equal(&c->ident, &id))
	{
		c = kept_for(&id, &same_identity);
		if (same_identity && still_valid(c, &id, snapshot, now))
		{
			switch_to(c);
			return c;
		}
	}
	switch_to(c);
	PG_TRY();
	{
		build(c, &id, 0, snapshot, now);
	}
	PG_CATCH();
	{
		c->valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
	return c;
}

/*
 * The current cache, checked once per statement per call site: see
 * DecisionMemo.  Compares only what the memo holds; anything else goes
 * through access_cache_current().
 */
AccessCache *
access_cache_memo(DecisionMemo *m)
{
	Snapshot	s = access_cache_snapshot();
	AccessCache *c;

	if (m->valid && current->valid && m->builds == builds &&
		snapstamp_matches(&m->snap, s) &&
		m->local_changes == epoch_local_changes() &&
		m->identity_gen == identity_generation() &&
		m->outer == GetOuterUserId() &&
		m->restricted == InSecurityRestrictedOperation())
		return current;
	c = access_cache_current();
	m->valid = true;
	snapstamp_set(&m->snap, s);
	m->local_changes = epoch_local_changes();
	m->identity_gen = identity_generation();
	m->builds = builds;
	m->outer = GetOuterUserId();
	m->restricted = InSecurityRestrictedOperation();
	return c;
}

/*
 * The cache of any user, for functions that answer questions about another
 * user (check(..., user_id) and friends).  Kept, like the current cache,
 * while its epochs hold, so a statement that asks about one user row after
 * row builds it once.  It stays valid until the next call.
 */
AccessCache *
access_cache_for_user(int64 user_id)
{
	Snapshot	snapshot = access_cache_snapshot();
	TimestampTz now = GetCurrentStatementStartTimestamp();
	Identity	none;
	AccessCache *c;

	memset(&none, 0, sizeof(none));
	none.source = IDENTITY_NONE;
	none.expires_at = DT_NOEND;
	if (examined == NULL)
	{
		examined = MemoryContextAllocZero(TopMemoryContext, sizeof(AccessCache));
		examined->cxt = AllocSetContextCreate(TopMemoryContext,
											  "permissions examined user access",
											  ALLOCSET_SMALL_SIZES);
	}
	c = examined;
	if (examined_id == user_id && still_valid(c, &none, snapshot, now))
		return c;
	PG_TRY();
	{
		build(c, &none, user_id, snapshot, now);
		examined_id = user_id;
	}
	PG_CATCH();
	{
		c->valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
	return c;
}


/* How many caches this backend has built. */
uint64
access_cache_builds(void)
{
	return builds;
}


/*
 * permissions.cache_stats() returns one row
 *		How this backend's access cache has been doing since the backend
 *		started: statements that checked it, rebuilds, epoch checks, the
 *		last rebuild's time, and the memory it holds now.
 */
Datum
access_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int64		memory = 0;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	for (i = 0; i < KEPT_CACHES; i++)
		memory += MemoryContextMemAllocated(kept[i].cxt, true);
	if (examined != NULL)
		memory += MemoryContextMemAllocated(examined->cxt, true);
	values[0] = Int64GetDatum(stats.statements);
	values[1] = Int64GetDatum(stats.rebuilds);
	values[2] = Int64GetDatum(stats.epoch_checks);
	values[3] = Float8GetDatum(stats.last_rebuild_ms);
	values[4] = Int64GetDatum(memory);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

