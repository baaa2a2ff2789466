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
 * Freshness: a cache is tied to the snapshot it was built under.  A later
 * snapshot reuses it only when the access epoch (a counter that every change
 * to access-relevant data moves, in the same transaction) reads the same
 * under that snapshot.  A committed revocation therefore reaches every
 * session at its next statement, and no decision outlives its snapshot.
 * The epoch is read at most once per snapshot; the cache is rebuilt only when
 * the epoch moved, the identity changed, or a grant in use expired.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "lib/qunique.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "access_cache.h"
#include "catalog.h"

static AccessCache current_cache;

/* Performers created in this transaction, by user; see access_cache_note_created. */
typedef struct CreatedPerformer
{
	int64		performer_id;
	int64		account_id;
	int64		user_id;
} CreatedPerformer;

static List *created_performers = NIL;

/* The last account and performer looked up in the current cache's tables. */
static struct
{
	bool		valid_account;
	int64		account_id;
	Tier		account_tier;
	bool		valid_performer;
	int64		performer_id;
	Tier		performer_tier;
} last_lookup;

/* Forgets this transaction's created performers at its end. */
static void
access_cache_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		created_performers = NIL;	/* memory goes with TopTransactionContext */
}

/* Creates the cache's memory context; called once from _PG_init. */
void
access_cache_init(void)
{
	current_cache.cxt = AllocSetContextCreate(TopMemoryContext,
											  "permissions access cache",
											  ALLOCSET_DEFAULT_SIZES);
	current_cache.valid = false;
	RegisterXactCallback(access_cache_xact_callback, NULL);
}

/* The snapshot decisions are made under. */
static Snapshot
decision_snapshot(void)
{
	if (ActiveSnapshotSet())
		return GetActiveSnapshot();
	return GetTransactionSnapshot();
}

/*
 * The version of the epoch row last read.  Exactly one version of the single
 * epoch row is visible to any snapshot, and epoch values never repeat, so
 * when that version is still visible (and still holds that value: its slot
 * may have been pruned and reused) the epoch has not moved.  That is one
 * heap fetch per statement instead of a scan of every version on the page.
 */
static struct
{
	bool		valid;
	Oid			relid;
	RelFileNode node;
	ItemPointerData tid;
	int64		epoch;
} epoch_seen;

/* Reads the access epoch under a snapshot. */
static void
epoch_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, 1, &isnull);

	if (!isnull)
	{
		epoch_seen.epoch = DatumGetInt64(d);
		epoch_seen.tid = tuple->t_self;
		*(int64 *) arg = epoch_seen.epoch;
	}
}

static int64
read_epoch(Snapshot snapshot)
{
	int64		epoch = -1;
	Relation	rel;

	epoch_seen.valid = false;
	catalog_scan(EXT_ACCESS_EPOCH, -1, InvalidAttrNumber, (Datum) 0, false,
				 snapshot, epoch_callback, &epoch);
	if (epoch != -1)
	{
		epoch_seen.relid = catalog_relid(EXT_ACCESS_EPOCH);
		rel = table_open(epoch_seen.relid, AccessShareLock);
		epoch_seen.node = rel->rd_node;
		table_close(rel, AccessShareLock);
		epoch_seen.valid = true;
	}
	return epoch;
}

/* True when the epoch row version last read still holds under snapshot. */
static bool
epoch_unchanged(Snapshot snapshot, int64 epoch)
{
	Relation	rel;
	HeapTupleData tuple;
	Buffer		buf;
	bool		same = false;

	if (!epoch_seen.valid || epoch_seen.epoch != epoch ||
		epoch_seen.relid != catalog_relid(EXT_ACCESS_EPOCH))
		return false;
	rel = table_open(epoch_seen.relid, AccessShareLock);
	/* block 0 stays while the relation does; a later one may be truncated away */
	if (RelFileNodeEquals(rel->rd_node, epoch_seen.node) &&
		(ItemPointerGetBlockNumber(&epoch_seen.tid) == 0 ||
		 ItemPointerGetBlockNumber(&epoch_seen.tid) < RelationGetNumberOfBlocks(rel)))
	{
		tuple.t_self = epoch_seen.tid;
		if (heap_fetch(rel, snapshot, &tuple, &buf, false))
		{
			bool		isnull;
			Datum		d = heap_getattr(&tuple, 1, RelationGetDescr(rel), &isnull);

			same = !isnull && DatumGetInt64(d) == epoch;
			ReleaseBuffer(buf);
		}
	}
	table_close(rel, AccessShareLock);
	return same;
}

/* True when the snapshot sees exactly what the cache's snapshot saw. */
static bool
snapshot_matches(AccessCache *c, Snapshot s)
{
	if (s->snapXactCompletionCount != c->snap_count ||
		s->curcid != c->snap_curcid ||
		s->xmin != c->snap_xmin || s->xmax != c->snap_xmax ||
		s->xcnt != c->snap_xcnt)
		return false;
	/* without a completion count, only the very same snapshot is known equal */
	return s->snapXactCompletionCount != 0 || s == c->snap_ptr;
}

/*
 * The snapshot the current cache was known right for before the last one.
 * A statement and the triggers it fires alternate between two snapshots (a
 * trigger's statements see the rows inserted so far), and both stay right
 * until the cache is rebuilt; remembering two saves a check of the epoch on
 * every row of a batch.
 */
static struct
{
	bool		valid;
	uint64		count;
	CommandId	curcid;
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	Snapshot	ptr;
} other_snap;

/* True when the snapshot is the one remembered in other_snap. */
static bool
other_snapshot_matches(Snapshot s)
{
	if (!other_snap.valid ||
		s->snapXactCompletionCount != other_snap.count ||
		s->curcid != other_snap.curcid ||
		s->xmin != other_snap.xmin || s->xmax != other_snap.xmax ||
		s->xcnt != other_snap.xcnt)
		return false;
	return s->snapXactCompletionCount != 0 || s == other_snap.ptr;
}

/* Swaps the cache's snapshot with other_snap (when other_snap is valid). */
static void
swap_snapshots(AccessCache *c)
{
	uint64		count = c->snap_count;
	CommandId	curcid = c->snap_curcid;
	TransactionId xmin = c->snap_xmin;
	TransactionId xmax = c->snap_xmax;
	uint32		xcnt = c->snap_xcnt;
	Snapshot	ptr = c->snap_ptr;

	c->snap_count = other_snap.count;
	c->snap_curcid = other_snap.curcid;
	c->snap_xmin = other_snap.xmin;
	c->snap_xmax = other_snap.xmax;
	c->snap_xcnt = other_snap.xcnt;
	c->snap_ptr = other_snap.ptr;
	other_snap.count = count;
	other_snap.curcid = curcid;
	other_snap.xmin = xmin;
	other_snap.xmax = xmax;
	other_snap.xcnt = xcnt;
	other_snap.ptr = ptr;
	other_snap.valid = true;
}

/* Records the snapshot the cache is now known to be right for. */
static void
remember_snapshot(AccessCache *c, Snapshot s)
{
	c->snap_count = s->snapXactCompletionCount;
	c->snap_curcid = s->curcid;
	c->snap_xmin = s->xmin;
	c->snap_xmax = s->xmax;
	c->snap_xcnt = s->xcnt;
	c->snap_ptr = s;
}

/* Caps a tier by what the user's type allows. */
Tier
access_cache_cap(const UserRow *user, Tier tier)
{
	if (!user->active)
		return TIER_NONE;
	if (user->user_type == USER_TYPE_READ_ONLY && tier > TIER_4)
		return TIER_4;
	return tier;
}

/* Makes an int64-keyed hash table in the cache's context. */
static HTAB *
make_table(AccessCache *c, const char *name)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(AccessEntry);
	ctl.hcxt = c->cxt;
	return hash_create(name, 32, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Raises the tier of a key to at least tier. */
static void
put_entry(HTAB *table, int64 key, Tier tier, int64 account_id)
{
	bool		found;
	AccessEntry *e = hash_search(table, &key, HASH_ENTER, &found);

	if (!found)
	{
		e->tier = tier;
		e->account_id = account_id;
	}
	else if (tier > e->tier)
		e->tier = tier;
}

/* Copies a users row. */
static void
user_row_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	UserRow    *u = (UserRow *) arg;
	bool		isnull;

#define USERCOL(name) catalog_getattr(tuple, desc, catalog_attnum(EXT_USERS, name), &isnull)
	u->id = DatumGetInt64(USERCOL("id"));
	u->account_id = DatumGetInt64(USERCOL("account_id"));
	u->role = DatumGetPermRole(USERCOL("role"));
	u->user_type = DatumGetUserType(USERCOL("user_type"));
	u->permissions = DatumGetPermset(USERCOL("permissions"));
	u->access = DatumGetTier(USERCOL("access"));
	u->active = DatumGetBool(USERCOL("active"));
#undef USERCOL
}

/* Collects the user id a credential row belongs to. */
static void
credential_user_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc,
									catalog_attnum(EXT_API_CREDENTIALS, "user_id"),
									&isnull);

	*(int64 *) arg = isnull ? 0 : DatumGetInt64(d);
}

/* A grant row, as the builder needs it. */
typedef struct GrantRow
{
	int64		account_id;
	int64		performer_id;	/* 0 when on a group */
	int64		group_id;		/* 0 when on a performer */
	Tier		tier;
	bool		has_expiry;
	TimestampTz expires_at;
} GrantRow;

/* Appends a grant row to a list. */
static void
grant_row_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	List	  **list = (List **) arg;
	GrantRow   *g = palloc(sizeof(GrantRow));
	bool		isnull;
	Datum		d;

	g->account_id = DatumGetInt64(catalog_getattr(tuple, desc,
												  catalog_attnum(EXT_ACCESS_GRANTS, "account_id"), &isnull));
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_ACCESS_GRANTS, "performer_id"), &isnull);
	g->performer_id = isnull ? 0 : DatumGetInt64(d);
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_ACCESS_GRANTS, "group_id"), &isnull);
	g->group_id = isnull ? 0 : DatumGetInt64(d);
	g->tier = DatumGetTier(catalog_getattr(tuple, desc,
										   catalog_attnum(EXT_ACCESS_GRANTS, "tier"), &isnull));
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_ACCESS_GRANTS, "expires_at"), &isnull);
	g->has_expiry = !isnull;
	g->expires_at = isnull ? 0 : DatumGetTimestampTz(d);
	*list = lappend(*list, g);
}

/* Appends the int8 value of the column given in arg's first field. */
typedef struct IdCollector
{
	AttrNumber	attnum;
	List	   *ids;
} IdCollector;

static void
id_collect_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	IdCollector *col = (IdCollector *) arg;
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, col->attnum, &isnull);
	int64	   *v;

	if (isnull)
		return;
	v = palloc(sizeof(int64));
	*v = DatumGetInt64(d);
	col->ids = lappend(col->ids, v);
}

/* Returns the ids in column `column` of rel's rows whose `keycol` equals key. */
static List *
collect_ids(ExtRelation rel, ExtIndex index, const char *keycol, int64 key,
			const char *column, Snapshot snapshot)
{
	IdCollector col;

	col.attnum = catalog_attnum(rel, column);
	col.ids = NIL;
	catalog_scan(rel, index, catalog_attnum(rel, keycol), Int64GetDatum(key),
				 false, snapshot, id_collect_callback, &col);
	return col.ids;
}

/* Adds every account under (and including) root to the manager's tables. */
static void
add_managed_subtree(AccessCache *c, int64 root, Snapshot snapshot)
{
	List	   *queue = list_make1(palloc(sizeof(int64)));
	ListCell   *lc;

	*(int64 *) linitial(queue) = root;
	foreach(lc, queue)
	{
		int64		id = *(int64 *) lfirst(lc);
		bool		found;

		hash_search(c->managed, &id, HASH_ENTER, &found);
		if (found)
			continue;			/* a cycle; parent_id edits refuse them, but be safe */
		put_entry(c->accounts, id, TIER_1, id);
		put_entry(c->member, id, TIER_1, id);
		queue = list_concat(queue,
							collect_ids(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PARENT,
										"parent_id", id, "id", snapshot));
	}
}

/* Applies the grants in list to the cache. */
static void
apply_grants(AccessCache *c, List *grants, TimestampTz now, Snapshot snapshot)
{
	ListCell   *lc;

	foreach(lc, grants)
	{
		GrantRow   *g = (GrantRow *) lfirst(lc);
		Tier		tier = access_cache_cap(&c->user, g->tier);

		if (g->has_expiry)
		{
			if (g->expires_at <= now)
				continue;
			if (g->expires_at < c->valid_until)
				c->valid_until = g->expires_at;
		}
		if (tier == TIER_NONE)
			continue;
		put_entry(c->member, g->account_id, tier, g->account_id);
		if (g->performer_id != 0)
			put_entry(c->performers, g->performer_id, tier, g->account_id);
		else if (g->group_id != 0 && c->user.user_type != USER_TYPE_SINGLE_PERFORMER)
		{
			List	   *members = collect_ids(EXT_GROUP_MEMBERS, EXT_IDX_GROUP_MEMBERS_GROUP,
											  "group_id", g->group_id, "performer_id",
											  snapshot);
			ListCell   *mc;

			foreach(mc, members)
				put_entry(c->performers, *(int64 *) lfirst(mc), tier, g->account_id);
		}
	}
}

/* Fills the tables of a cache whose user row is loaded. */
static void
fill_access(AccessCache *c, Snapshot snapshot, TimestampTz now)
{
	UserRow    *u = &c->user;
	List	   *grants = NIL;

	c->accounts = make_table(c, "permissions accounts");
	c->performers = make_table(c, "permissions performers");
	c->managed = make_table(c, "permissions managed accounts");
	c->member = make_table(c, "permissions member accounts");
	if (!u->active)
		return;

	put_entry(c->member, u->account_id, TIER_NONE, u->account_id);
	if (u->role == ROLE_MANAGER && u->user_type == USER_TYPE_FULL_ACCESS)
		add_managed_subtree(c, u->account_id, snapshot);
	if (u->user_type != USER_TYPE_SINGLE_PERFORMER && u->access > TIER_NONE)
		put_entry(c->accounts, u->account_id, access_cache_cap(u, u->access),
				  u->account_id);

	catalog_scan(EXT_ACCESS_GRANTS, EXT_IDX_ACCESS_GRANTS_USER,
				 catalog_attnum(EXT_ACCESS_GRANTS, "user_id"), Int64GetDatum(u->id),
				 false, snapshot, grant_row_callback, &grants);
	if (u->user_type == USER_TYPE_SINGLE_PERFORMER)
	{
		/* parents reach only performers granted to them directly */
		ListCell   *lc;
		List	   *direct = NIL;

		foreach(lc, grants)
			if (((GrantRow *) lfirst(lc))->performer_id != 0)
				direct = lappend(direct, lfirst(lc));
		grants = direct;
	}
	else
	{
		List	   *teams = collect_ids(EXT_TEAM_MEMBERS, EXT_IDX_TEAM_MEMBERS_USER,
										"user_id", u->id, "team_id", snapshot);
		ListCell   *lc;

		foreach(lc, teams)
			catalog_scan(EXT_ACCESS_GRANTS, EXT_IDX_ACCESS_GRANTS_TEAM,
						 catalog_attnum(EXT_ACCESS_GRANTS, "team_id"),
						 Int64GetDatum(*(int64 *) lfirst(lc)),
						 false, snapshot, grant_row_callback, &grants);
	}
	apply_grants(c, grants, now, snapshot);
}

/* Resets a cache to "nobody" and records what it is for. */
static void
reset_cache(AccessCache *c, const Identity *id, Snapshot snapshot)
{
	int			i;

	MemoryContextReset(c->cxt);
	c->valid = false;
	if (c == &current_cache)
	{
		last_lookup.valid_account = last_lookup.valid_performer = false;
		other_snap.valid = false;
	}
	c->ident = *id;
	c->has_user = false;
	memset(&c->user, 0, sizeof(c->user));
	c->accounts = c->performers = c->managed = c->member = c->reach = NULL;
	for (i = 0; i <= TIER_1; i++)
	{
		c->perf_array[i] = c->acct_array[i] = NULL;
		c->perf_count[i] = c->acct_count[i] = 0;
	}
	c->valid_until = DT_NOEND;
	remember_snapshot(c, snapshot);
}

/* Loads the users row with the given id; false when there is none. */
static bool
load_user_by_id(UserRow *u, int64 user_id, Snapshot snapshot)
{
	return catalog_scan(EXT_USERS, EXT_IDX_USERS_PKEY, catalog_attnum(EXT_USERS, "id"),
						Int64GetDatum(user_id), false, snapshot,
						user_row_callback, u) > 0;
}

/* Rebuilds the current cache for an identity under a snapshot. */
static void
rebuild(AccessCache *c, const Identity *id, Snapshot snapshot, TimestampTz now)
{
	MemoryContext old;
	bool		found = false;

	reset_cache(c, id, snapshot);
	c->epoch_relid = catalog_relid(EXT_ACCESS_EPOCH);
	c->epoch = read_epoch(snapshot);

	old = MemoryContextSwitchTo(c->cxt);
	if (id->source == IDENTITY_CREDENTIAL)
	{
		int64		owner = 0;

		/* a deleted credential ends its identity at the next statement */
		catalog_scan(EXT_API_CREDENTIALS, EXT_IDX_API_CREDENTIALS_PKEY,
					 catalog_attnum(EXT_API_CREDENTIALS, "id"),
					 Int64GetDatum(id->credential_id), false, snapshot,
					 credential_user_callback, &owner);
		if (owner != 0 && owner == id->user_id)
			found = load_user_by_id(&c->user, owner, snapshot);
	}
	else if (id->source == IDENTITY_ROLE && OidIsValid(id->role))
		found = catalog_scan(EXT_USERS, EXT_IDX_USERS_DB_ROLE,
							 catalog_attnum(EXT_USERS, "db_role"),
							 ObjectIdGetDatum(id->role), true, snapshot,
							 user_row_callback, &c->user) > 0;

	c->has_user = found && c->user.active;
	if (c->has_user)
		fill_access(c, snapshot, now);
	MemoryContextSwitchTo(old);
	c->valid = true;
}

/*
 * Returns the cache for the current identity, valid for the current snapshot.
 * Never NULL; has_user is false when the session acts as nobody.
 */
AccessCache *
access_cache_current(void)
{
	AccessCache *c = &current_cache;
	Identity	id;
	Snapshot	snapshot;
	TimestampTz now = GetCurrentStatementStartTimestamp();

	identity_get(&id);
	snapshot = decision_snapshot();

	/* a dropped and re-created extension starts its epoch over */
	if (c->valid && identity_equal(&c->ident, &id) && now < c->valid_until &&
		c->epoch_relid == catalog_relid(EXT_ACCESS_EPOCH))
	{
		if (snapshot_matches(c, snapshot))
			return c;
		if (other_snapshot_matches(snapshot))
		{
			swap_snapshots(c);
			return c;
		}
		if (epoch_unchanged(snapshot, c->epoch) || read_epoch(snapshot) == c->epoch)
		{
			/* the snapshot it replaces stays right: keep it as the other one */
			swap_snapshots(c);
			remember_snapshot(c, snapshot);
			return c;
		}
	}
	PG_TRY();
	{
		rebuild(c, &id, snapshot, now);
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
 * The cache of the last user a question was asked about (check(...,
 * user_id) and friends).  Kept, like the current cache, while the snapshot
 * or the epoch says it holds, so a statement that asks about one user row
 * after row builds it once.
 */
static AccessCache *examined = NULL;
static int64 examined_id = 0;

/*
 * The cache of any user, for functions that answer questions about another
 * user.  It stays valid until the next call; cxt is not used (the cache
 * lives in its own context).
 */
AccessCache *
access_cache_for_user(int64 user_id, MemoryContext cxt)
{
	Snapshot	snapshot = decision_snapshot();
	TimestampTz now = GetCurrentStatementStartTimestamp();
	MemoryContext old;
	Identity	none = {IDENTITY_NONE, InvalidOid, 0, 0};
	AccessCache *c;

	if (examined == NULL)
	{
		examined = MemoryContextAllocZero(TopMemoryContext, sizeof(AccessCache));
		examined->cxt = AllocSetContextCreate(TopMemoryContext, "permissions examined user access",
											  ALLOCSET_SMALL_SIZES);
	}
	c = examined;
	if (c->valid && examined_id == user_id && now < c->valid_until &&
		c->epoch_relid == catalog_relid(EXT_ACCESS_EPOCH) &&
		(snapshot_matches(c, snapshot) || epoch_unchanged(snapshot, c->epoch) ||
		 read_epoch(snapshot) == c->epoch))
	{
		remember_snapshot(c, snapshot);
		return c;
	}
	PG_TRY();
	{
		reset_cache(c, &none, snapshot);
		c->epoch_relid = catalog_relid(EXT_ACCESS_EPOCH);
		c->epoch = read_epoch(snapshot);
		old = MemoryContextSwitchTo(c->cxt);
		c->has_user = load_user_by_id(&c->user, user_id, snapshot) && c->user.active;
		if (c->has_user)
			fill_access(c, snapshot, now);
		MemoryContextSwitchTo(old);
		c->valid = true;
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

/* Tier of the current user on a performer of an account. */
Tier
access_cache_tier(AccessCache *c, int64 account_id, int64 performer_id)
{
	Tier		tier = TIER_NONE;
	AccessEntry *e;
	ListCell   *lc;

	if (!c->has_user)
		return TIER_NONE;
	if (hash_get_num_entries(c->accounts) > 0)
	{
		/* rows come in runs of one account: remember the last lookup */
		if (c == &current_cache && last_lookup.valid_account &&
			last_lookup.account_id == account_id)
			tier = last_lookup.account_tier;
		else
		{
			if ((e = hash_search(c->accounts, &account_id, HASH_FIND, NULL)) != NULL)
				tier = e->tier;
			if (c == &current_cache)
			{
				last_lookup.valid_account = true;
				last_lookup.account_id = account_id;
				last_lookup.account_tier = tier;
			}
		}
	}
	if (tier < TIER_1 && hash_get_num_entries(c->performers) > 0)
	{
		Tier		ptier = TIER_NONE;

		if (c == &current_cache && last_lookup.valid_performer &&
			last_lookup.performer_id == performer_id)
			ptier = last_lookup.performer_tier;
		else
		{
			if ((e = hash_search(c->performers, &performer_id, HASH_FIND, NULL)) != NULL)
				ptier = e->tier;
			if (c == &current_cache)
			{
				last_lookup.valid_performer = true;
				last_lookup.performer_id = performer_id;
				last_lookup.performer_tier = ptier;
			}
		}
		if (ptier > tier)
			tier = ptier;
	}
	if (tier < TIER_1 && c == &current_cache)
	{
		foreach(lc, created_performers)
		{
			CreatedPerformer *cp = (CreatedPerformer *) lfirst(lc);

			if (cp->performer_id == performer_id && cp->user_id == c->user.id)
				return access_cache_cap(&c->user, TIER_1);
		}
	}
	return tier;
}

/* Adds the performers of one account to the reach table at a tier. */
typedef struct ReachFill
{
	HTAB	   *reach;
	Tier		tier;
	int64		account_id;
} ReachFill;

static void
reach_fill_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	ReachFill  *rf = (ReachFill *) arg;
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(EXT_PERFORMERS, "id"), &isnull);

	if (!isnull)
		put_entry(rf->reach, DatumGetInt64(d), rf->tier, rf->account_id);
}

/*
 * Tier of the user on a performer known only by id (permissions.check() and
 * friends): one lookup in a table of every reachable performer, built on
 * first use from the grants and the performers of wholly reached accounts.
 */
Tier
access_cache_performer_tier(AccessCache *c, int64 performer_id)
{
	AccessEntry *e;
	ListCell   *lc;

	if (!c->has_user)
		return TIER_NONE;
	if (c->reach == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);
		HTAB	   *reach = make_table(c, "permissions reach");
		HASH_SEQ_STATUS st;
		Snapshot	snapshot = decision_snapshot();

		hash_seq_init(&st, c->performers);
		while ((e = hash_seq_search(&st)) != NULL)
			put_entry(reach, e->key, e->tier, e->account_id);
		hash_seq_init(&st, c->accounts);
		while ((e = hash_seq_search(&st)) != NULL)
		{
			ReachFill	rf = {reach, e->tier, e->key};

			catalog_scan(EXT_PERFORMERS, EXT_IDX_PERFORMERS_ACCOUNT,
						 catalog_attnum(EXT_PERFORMERS, "account_id"),
						 Int64GetDatum(e->key), false, snapshot,
						 reach_fill_callback, &rf);
		}
		c->reach = reach;
		MemoryContextSwitchTo(old);
	}
	e = hash_search(c->reach, &performer_id, HASH_FIND, NULL);
	if (e != NULL)
		return e->tier;
	if (c == &current_cache)
		foreach(lc, created_performers)
		{
			CreatedPerformer *cp = (CreatedPerformer *) lfirst(lc);

			if (cp->performer_id == performer_id && cp->user_id == c->user.id)
				return access_cache_cap(&c->user, TIER_1);
		}
	return TIER_NONE;
}

/* True when the user holds every permission in perms in the account. */
bool
access_cache_holds(AccessCache *c, Permset perms, int64 account_id)
{
	if (!c->has_user)
		return false;
	if (access_cache_manages(c, account_id))
		return true;
	return account_id == c->user.account_id &&
		c->user.user_type == USER_TYPE_FULL_ACCESS &&
		(c->user.permissions & perms) == perms;
}

/* True when the account is in the manager's subtree. */
bool
access_cache_manages(AccessCache *c, int64 account_id)
{
	return c->has_user && hash_get_num_entries(c->managed) > 0 &&
		hash_search(c->managed, &account_id, HASH_FIND, NULL) != NULL;
}

/* True when the user belongs to, manages, or reaches a performer of the account. */
bool
access_cache_member(AccessCache *c, int64 account_id)
{
	return c->has_user &&
		hash_search(c->member, &account_id, HASH_FIND, NULL) != NULL;
}

/* How many id arrays this backend has computed; see access_cache_generation. */
static uint64 arrays_built = 0;

/*
 * A number that changes whenever any cache computes a new id array: callers
 * that keep something derived from an array know it is still current.
 */
uint64
access_cache_generation(void)
{
	return arrays_built;
}

/* Orders int64 values. */
static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Sorts and de-duplicates an id array, returning the new length. */
static int
sort_unique(int64 *ids, int n)
{
	if (n <= 1)
		return n;
	qsort(ids, n, sizeof(int64), int64_cmp);
	return (int) qunique(ids, n, sizeof(int64), int64_cmp);
}

/* Growable id buffer in the cache's context. */
typedef struct IdBuffer
{
	int64	   *ids;
	int			n;
	int			cap;
} IdBuffer;

static void
idbuf_add(IdBuffer *b, int64 id)
{
	if (b->n == b->cap)
	{
		b->cap = b->cap ? b->cap * 2 : 64;
		b->ids = b->ids ? repalloc(b->ids, b->cap * sizeof(int64))
			: palloc(b->cap * sizeof(int64));
	}
	b->ids[b->n++] = id;
}

static void
idbuf_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(EXT_PERFORMERS, "id"), &isnull);

	if (!isnull)
		idbuf_add((IdBuffer *) arg, DatumGetInt64(d));
}

/*
 * Sorted ids of every performer the user reaches at min_tier or above: the
 * performers of wholly reached accounts and the granted ones.  Computed once
 * per cache and tier; planner support turns it into an index condition.
 */
void
access_cache_performers(AccessCache *c, Tier min_tier, int64 **ids, int *count)
{
	if (min_tier < TIER_4)
		min_tier = TIER_4;
	if (c->perf_array[min_tier] == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);
		IdBuffer	b = {NULL, 0, 0};

		if (c->has_user)
		{
			HASH_SEQ_STATUS st;
			AccessEntry *e;
			ListCell   *lc;
			Snapshot	snapshot = decision_snapshot();

			hash_seq_init(&st, c->performers);
			while ((e = hash_seq_search(&st)) != NULL)
				if (e->tier >= min_tier)
					idbuf_add(&b, e->key);
			hash_seq_init(&st, c->accounts);
			while ((e = hash_seq_search(&st)) != NULL)
				if (e->tier >= min_tier)
					catalog_scan(EXT_PERFORMERS, EXT_IDX_PERFORMERS_ACCOUNT,
								 catalog_attnum(EXT_PERFORMERS, "account_id"),
								 Int64GetDatum(e->key), false, snapshot,
								 idbuf_callback, &b);
			if (c == &current_cache)
				foreach(lc, created_performers)
				{
					CreatedPerformer *cp = (CreatedPerformer *) lfirst(lc);

					if (cp->user_id == c->user.id)
						idbuf_add(&b, cp->performer_id);
				}
		}
		if (b.ids == NULL)
			b.ids = palloc(sizeof(int64));
		c->perf_count[min_tier] = sort_unique(b.ids, b.n);
		arrays_built++;
		c->perf_array[min_tier] = b.ids;
		MemoryContextSwitchTo(old);
	}
	*ids = c->perf_array[min_tier];
	*count = c->perf_count[min_tier];
}

/*
 * Sorted ids of every account holding a performer the user reaches at
 * min_tier or above: a superset condition for indexes on account_id.
 */
void
access_cache_accounts(AccessCache *c, Tier min_tier, int64 **ids, int *count)
{
	if (min_tier < TIER_4)
		min_tier = TIER_4;
	if (c->acct_array[min_tier] == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);
		IdBuffer	b = {NULL, 0, 0};

		if (c->has_user)
		{
			HASH_SEQ_STATUS st;
			AccessEntry *e;
			ListCell   *lc;

			hash_seq_init(&st, c->accounts);
			while ((e = hash_seq_search(&st)) != NULL)
				if (e->tier >= min_tier)
					idbuf_add(&b, e->key);
			hash_seq_init(&st, c->performers);
			while ((e = hash_seq_search(&st)) != NULL)
				if (e->tier >= min_tier)
					idbuf_add(&b, e->account_id);
			if (c == &current_cache)
				foreach(lc, created_performers)
				{
					CreatedPerformer *cp = (CreatedPerformer *) lfirst(lc);

					if (cp->user_id == c->user.id)
						idbuf_add(&b, cp->account_id);
				}
		}
		if (b.ids == NULL)
			b.ids = palloc(sizeof(int64));
		c->acct_count[min_tier] = sort_unique(b.ids, b.n);
		arrays_built++;
		c->acct_array[min_tier] = b.ids;
		MemoryContextSwitchTo(old);
	}
	*ids = c->acct_array[min_tier];
	*count = c->acct_count[min_tier];
}

/*
 * Lets the creator of a performer reach it for the rest of the transaction,
 * before the tier1 grant written for them is visible to the statement that
 * created it (INSERT ... RETURNING checks the row under the old snapshot).
 */
void
access_cache_note_created(int64 performer_id, int64 account_id)
{
	AccessCache *c = access_cache_current();
	MemoryContext old;
	CreatedPerformer *cp;
	int			i;

	if (!c->has_user)
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	cp = palloc(sizeof(CreatedPerformer));
	cp->performer_id = performer_id;
	cp->account_id = account_id;
	cp->user_id = c->user.id;
	created_performers = lappend(created_performers, cp);
	MemoryContextSwitchTo(old);
	/* the id arrays no longer hold every reachable performer */
	for (i = 0; i <= TIER_1; i++)
	{
		c->perf_array[i] = c->acct_array[i] = NULL;
	}
	c->reach = NULL;
}
