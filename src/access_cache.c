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
#include "lib/qunique.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "access_cache.h"
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

/* The last account and performer looked up in the current cache's tables. */
static struct
{
	bool		valid_account;
	int64		account_id;
	Tier		account_tier;
	bool		valid_performer;
	int64		performer_account_id;	/* the pair is the key: a performer id alone is not */
	int64		performer_id;
	Tier		performer_tier;
} last_lookup;

/* How many id arrays this backend has computed; see access_cache_generation. */
static uint64 arrays_built = 0;

/* How many times a cache was built: a call site's memo of a cache is stale after one. */
static uint64 builds = 0;

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
}

/* The snapshot decisions are made under. */
static Snapshot
decision_snapshot(void)
{
	if (ActiveSnapshotSet())
		return GetActiveSnapshot();
	return GetTransactionSnapshot();
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
 * until the cache is rebuilt; remembering two saves a check of the epochs
 * on every row of a batch.
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

/* Swaps the cache's snapshot with other_snap. */
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
make_table(AccessCache *c, const char *name, long size)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(AccessEntry);
	ctl.hcxt = c->cxt;
	return hash_create(name, size, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
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

/* True when a table holds the key. */
static bool
has_entry(HTAB *table, int64 key)
{
	return table != NULL && hash_get_num_entries(table) > 0 &&
		hash_search(table, &key, HASH_FIND, NULL) != NULL;
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

/* A users row found through its login role, with the role name it was mapped under. */
typedef struct MappedUser
{
	UserRow		user;
	bool		found;
	NameData	role_name;
	bool		has_role_name;
} MappedUser;

/* Catalog scan callback: the users row of a login role, and the name it was mapped under. */
static void
mapped_user_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	MappedUser *m = (MappedUser *) arg;
	bool		isnull;
	Datum		d;

	user_row_callback(tuple, desc, &m->user);
	m->found = true;
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_USERS, "db_role_name"), &isnull);
	m->has_role_name = !isnull;
	if (!isnull)
		namestrcpy(&m->role_name, NameStr(*DatumGetName(d)));
}

/* The columns of an api_credentials row an identity depends on. */
typedef struct CredentialOwner
{
	bool		found;
	int64		user_id;
	bool		has_creator;
	int64		created_by;
} CredentialOwner;

/* Catalog scan callback: who a credential acts as, and who made it. */
static void
credential_owner_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	CredentialOwner *o = (CredentialOwner *) arg;
	bool		isnull;
	Datum		d;

	o->found = true;
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_API_CREDENTIALS, "user_id"), &isnull);
	o->user_id = isnull ? 0 : DatumGetInt64(d);
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_API_CREDENTIALS, "created_by"), &isnull);
	o->has_creator = !isnull;
	o->created_by = isnull ? 0 : DatumGetInt64(d);
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

/* Collected grant rows. */
typedef struct GrantList
{
	GrantRow   *rows;
	int			n;
	int			cap;
} GrantList;

/* Catalog scan callback: collects a grant row for apply_grants(). */
static void
grant_row_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	GrantList  *list = (GrantList *) arg;
	GrantRow   *g;
	bool		isnull;
	Datum		d;

	if (list->n == list->cap)
	{
		list->cap = list->cap ? list->cap * 2 : 64;
		list->rows = list->rows ? repalloc(list->rows, list->cap * sizeof(GrantRow))
			: palloc(list->cap * sizeof(GrantRow));
	}
	g = &list->rows[list->n++];
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
}

/* Growable id buffer. */
typedef struct IdBuffer
{
	int64	   *ids;
	int			n;
	int			cap;
} IdBuffer;

/* Appends an id to a growing buffer in the current memory context. */
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

/* Appends the int8 value of one column of each scanned row. */
typedef struct IdCollector
{
	AttrNumber	attnum;
	IdBuffer	buf;
} IdCollector;

/* Catalog scan callback: collects one int8 column of each row. */
static void
id_collect_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	IdCollector *col = (IdCollector *) arg;
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, col->attnum, &isnull);

	if (!isnull)
		idbuf_add(&col->buf, DatumGetInt64(d));
}

/* The ids in column `column` of rel's rows whose `keycol` equals key. */
static IdBuffer
collect_ids(ExtRelation rel, ExtIndex index, const char *keycol, int64 key,
			const char *column, Snapshot snapshot)
{
	IdCollector col;

	col.attnum = catalog_attnum(rel, column);
	memset(&col.buf, 0, sizeof(col.buf));
	catalog_scan(rel, index, catalog_attnum(rel, keycol), Int64GetDatum(key),
				 F_INT8EQ, snapshot, id_collect_callback, &col);
	return col.buf;
}

/* Adds every account under (and including) root to a set. */
static void
collect_subtree(HTAB *set, int64 root, Snapshot snapshot)
{
	IdBuffer	queue = {NULL, 0, 0};
	int			i;

	idbuf_add(&queue, root);
	for (i = 0; i < queue.n; i++)
	{
		int64		id = queue.ids[i];
		bool		found;
		IdBuffer	children;
		AccessEntry *e;
		int			j;

		e = hash_search(set, &id, HASH_ENTER, &found);
		if (found)
			continue;			/* a cycle; parent_id edits refuse them, but be safe */
		e->tier = TIER_NONE;
		e->account_id = id;		/* an account's own account: keep_accounts() reads it */
		children = collect_ids(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PARENT,
							   "parent_id", id, "id", snapshot);
		for (j = 0; j < children.n; j++)
			idbuf_add(&queue, children.ids[j]);
	}
}

/* Accounts the cache read from; their tenants become its dependencies. */
typedef struct Sources
{
	IdBuffer	accounts;
} Sources;

/* Applies the grants to the cache: performers reached, and their accounts as members. */
static void
apply_grants(AccessCache *c, GrantList *grants, TimestampTz now, Snapshot snapshot,
			 Sources *src)
{
	int			i;

	for (i = 0; i < grants->n; i++)
	{
		GrantRow   *g = &grants->rows[i];
		Tier		tier = access_cache_cap(&c->user, g->tier);

		idbuf_add(&src->accounts, g->account_id);
		if (g->has_expiry)
		{
			if (g->expires_at <= now)
				continue;
			if (g->expires_at < c->valid_until)
				c->valid_until = g->expires_at;
		}
		if (tier == TIER_NONE)
			continue;
		if (g->performer_id != 0)
		{
			put_entry(c->performers, g->performer_id, tier, g->account_id);
			put_entry(c->member, g->account_id, TIER_NONE, g->account_id);
		}
		else if (g->group_id != 0 && c->user.user_type != USER_TYPE_SINGLE_PERFORMER)
		{
			IdBuffer	members = collect_ids(EXT_GROUP_MEMBERS, EXT_IDX_GROUP_MEMBERS_GROUP,
											  "group_id", g->group_id, "performer_id",
											  snapshot);
			int			j;

			/* a group that holds nobody reaches nobody: no membership either */
			for (j = 0; j < members.n; j++)
				put_entry(c->performers, members.ids[j], tier, g->account_id);
			if (members.n > 0)
				put_entry(c->member, g->account_id, TIER_NONE, g->account_id);
		}
	}
}

/* Fills the tables of a cache whose (active) user row is loaded. */
static void
fill_access(AccessCache *c, Snapshot snapshot, TimestampTz now, Sources *src)
{
	UserRow    *u = &c->user;
	GrantList	grants = {NULL, 0, 0};

	idbuf_add(&src->accounts, u->account_id);
	put_entry(c->member, u->account_id, TIER_NONE, u->account_id);
	if (u->role == ROLE_MANAGER && u->user_type == USER_TYPE_FULL_ACCESS)
	{
		HASH_SEQ_STATUS st;
		AccessEntry *e;

		collect_subtree(c->managed, u->account_id, snapshot);
		hash_seq_init(&st, c->managed);
		while ((e = hash_seq_search(&st)) != NULL)
		{
			put_entry(c->accounts, e->key, TIER_1, e->key);
			put_entry(c->member, e->key, TIER_NONE, e->key);
		}
	}
	if (u->user_type != USER_TYPE_SINGLE_PERFORMER && u->access > TIER_NONE)
		put_entry(c->accounts, u->account_id, access_cache_cap(u, u->access),
				  u->account_id);

	catalog_scan(EXT_ACCESS_GRANTS, EXT_IDX_ACCESS_GRANTS_USER,
				 catalog_attnum(EXT_ACCESS_GRANTS, "user_id"), Int64GetDatum(u->id),
				 F_INT8EQ, snapshot, grant_row_callback, &grants);
	if (u->user_type == USER_TYPE_SINGLE_PERFORMER)
	{
		/* parents reach only performers granted to them directly */
		int			i,
					j;

		for (i = 0, j = 0; i < grants.n; i++)
			if (grants.rows[i].performer_id != 0)
				grants.rows[j++] = grants.rows[i];
		grants.n = j;
	}
	else
	{
		IdBuffer	teams = collect_ids(EXT_TEAM_MEMBERS, EXT_IDX_TEAM_MEMBERS_USER,
										"user_id", u->id, "team_id", snapshot);
		int			i;

		for (i = 0; i < teams.n; i++)
			catalog_scan(EXT_ACCESS_GRANTS, EXT_IDX_ACCESS_GRANTS_TEAM,
						 catalog_attnum(EXT_ACCESS_GRANTS, "team_id"),
						 Int64GetDatum(teams.ids[i]),
						 F_INT8EQ, snapshot, grant_row_callback, &grants);
	}
	apply_grants(c, &grants, now, snapshot, src);
}

/* Removes from a table every entry whose account is outside allowed. */
static void
keep_accounts(HTAB *table, HTAB *allowed)
{
	HASH_SEQ_STATUS st;
	AccessEntry *e;

	if (table == NULL)
		return;
	hash_seq_init(&st, table);
	while ((e = hash_seq_search(&st)) != NULL)
		if (!has_entry(allowed, e->account_id))
			hash_search(table, &e->key, HASH_REMOVE, NULL);
}

/* Resets a cache to "nobody" and records what it is for. */
static void
reset_cache(AccessCache *c, const Identity *id, Snapshot snapshot)
{
	int			i;

	MemoryContextReset(c->cxt);
	c->valid = false;
	if (c == current)
	{
		last_lookup.valid_account = last_lookup.valid_performer = false;
		other_snap.valid = false;
	}
	c->ident = *id;
	c->has_user = false;
	c->limit_creator = 0;
	memset(&c->user, 0, sizeof(c->user));
	c->accounts = make_table(c, "permissions accounts", 16);
	c->performers = make_table(c, "permissions performers", 64);
	c->managed = make_table(c, "permissions managed accounts", 16);
	c->member = make_table(c, "permissions member accounts", 16);
	c->reach = NULL;
	memset(c->all_performers, 0, sizeof(c->all_performers));
	memset(c->any_accounts, 0, sizeof(c->any_accounts));
	memset(c->whole_accounts, 0, sizeof(c->whole_accounts));
	memset(c->granted_performers, 0, sizeof(c->granted_performers));
	for (i = 0; i <= TIER_1; i++)
		c->partial_count[i] = -1;
	c->ntenants = 0;
	c->tenants = NULL;
	c->tenant_keys = NULL;
	c->hints_vouch = false;
	c->hinted_stale = false;
	c->valid_until = id->source == IDENTITY_TOKEN ? id->expires_at : DT_NOEND;
	c->local_changes = epoch_local_changes();
	remember_snapshot(c, snapshot);
}

/* Loads the users row with the given id; false when there is none. */
static bool
load_user_by_id(UserRow *u, int64 user_id, Snapshot snapshot)
{
	return catalog_scan(EXT_USERS, EXT_IDX_USERS_PKEY, catalog_attnum(EXT_USERS, "id"),
						Int64GetDatum(user_id), F_INT8EQ, snapshot,
						user_row_callback, u) > 0;
}

/*
 * What a credential made by someone other than its user may do: never more
 * than its creator holds.  A manager's credential acts as its user within
 * the manager's subtree; any other user's, within the creator's own
 * account, with no manager powers, the permissions both hold, and tiers up
 * to the creator's wildcard tier.  A creator who is gone or inactive
 * leaves the credential nothing.
 */
typedef struct CredentialLimit
{
	HTAB	   *allowed;		/* accounts the credential may act in */
	bool		manager;		/* the creator manages them */
	Tier		tier;			/* highest tier, when not a manager */
	Permset		permissions;	/* permissions, when not a manager */
} CredentialLimit;

/* The limit of a credential, or false when it acts as its user without one. */
static bool
credential_limit(AccessCache *c, const CredentialOwner *o, Snapshot snapshot, Sources *src,
				 CredentialLimit *limit)
{
	UserRow		creator;

	if (!o->has_creator || o->created_by == o->user_id)
		return false;
	limit->allowed = make_table(c, "permissions credential limit", 16);
	limit->manager = false;
	limit->tier = TIER_NONE;
	limit->permissions = 0;
	if (load_user_by_id(&creator, o->created_by, snapshot))
	{
		idbuf_add(&src->accounts, creator.account_id);
		if (creator.active && creator.role == ROLE_MANAGER &&
			creator.user_type == USER_TYPE_FULL_ACCESS)
		{
			collect_subtree(limit->allowed, creator.account_id, snapshot);
			limit->manager = true;
		}
		else if (creator.active)
		{
			put_entry(limit->allowed, creator.account_id, TIER_NONE, creator.account_id);
			limit->tier = access_cache_cap(&creator, creator.access);
			limit->permissions = creator.user_type == USER_TYPE_FULL_ACCESS ?
				creator.permissions : 0;
		}
	}
	return true;
}

/* Lowers every tier of a table to at most tier. */
static void
cap_tiers(HTAB *table, Tier tier)
{
	HASH_SEQ_STATUS st;
	AccessEntry *e;

	hash_seq_init(&st, table);
	while ((e = hash_seq_search(&st)) != NULL)
		if (e->tier > tier)
			e->tier = tier;
}

/* Applies a credential's limit to a filled cache. */
static void
apply_limit(AccessCache *c, CredentialLimit *limit)
{
	keep_accounts(c->accounts, limit->allowed);
	keep_accounts(c->performers, limit->allowed);
	keep_accounts(c->managed, limit->allowed);
	keep_accounts(c->member, limit->allowed);
	if (!limit->manager)
	{
		hash_destroy(c->managed);
		c->managed = make_table(c, "permissions managed accounts", 16);
		c->user.permissions &= limit->permissions;
		cap_tiers(c->accounts, limit->tier);
		cap_tiers(c->performers, limit->tier);
	}
}

/* Finds the user of the identity; false when the identity names nobody. */
static bool
resolve_user(AccessCache *c, const Identity *id, Snapshot snapshot, Sources *src,
			 CredentialLimit *limit, bool *limited)
{
	*limited = false;
	switch (id->source)
	{
		case IDENTITY_CREDENTIAL:
			{
				CredentialOwner o = {0};

				/* a deleted credential ends its identity at the next statement */
				catalog_scan(EXT_API_CREDENTIALS, EXT_IDX_API_CREDENTIALS_PKEY,
							 catalog_attnum(EXT_API_CREDENTIALS, "id"),
							 Int64GetDatum(id->ref_id), F_INT8EQ, snapshot,
							 credential_owner_callback, &o);
				if (!o.found || o.user_id != id->user_id ||
					!load_user_by_id(&c->user, o.user_id, snapshot))
					return false;
				idbuf_add(&src->accounts, c->user.account_id);
				*limited = credential_limit(c, &o, snapshot, src, limit);
				if (!*limited)
					return true;
				c->limit_creator = o.created_by;
				return has_entry(limit->allowed, c->user.account_id);
			}
		case IDENTITY_TOKEN:
			{
				CredentialOwner o = {0};
				TimestampTz key_until;

				/*
				 * What refuses a token identity (its user inactive, its
				 * mapping changed) lives in the user's tenant: the cache
				 * depends on it even when it acts as nobody, so that the
				 * identity comes back with the user.
				 */
				if (!load_user_by_id(&c->user, id->user_id, snapshot))
					return false;
				idbuf_add(&src->accounts, c->user.account_id);
				if (!token_identity_valid(id, snapshot, &key_until))
					return false;
				/* a key window that closes later ends the identity then */
				if (key_until < c->valid_until)
					c->valid_until = key_until;
				/* a subject mapped by a manager gives no more than that manager holds */
				o.found = true;
				o.user_id = id->user_id;
				o.has_creator = token_identity_creator(id, snapshot, &o.created_by);
				*limited = credential_limit(c, &o, snapshot, src, limit);
				if (!*limited)
					return true;
				c->limit_creator = o.created_by;
				return has_entry(limit->allowed, c->user.account_id);
			}
		case IDENTITY_ROLE:
			{
				MappedUser	m;
				char	   *rolename;

				if (!OidIsValid(id->role))
					return false;
				memset(&m, 0, sizeof(m));
				catalog_scan(EXT_USERS, EXT_IDX_USERS_DB_ROLE,
							 catalog_attnum(EXT_USERS, "db_role"),
							 ObjectIdGetDatum(id->role), F_OIDEQ, snapshot,
							 mapped_user_callback, &m);
				if (!m.found)
					return false;
				c->user = m.user;
				idbuf_add(&src->accounts, c->user.account_id);
				/* a mapping outlives a dropped role: a new role with its OID is not it */
				rolename = GetUserNameFromId(id->role, true);
				return rolename != NULL && m.has_role_name &&
					strcmp(rolename, NameStr(m.role_name)) == 0;
			}
		default:
			return false;
	}
}

/* Records the epochs of the tenants of every account the cache read from. */
static void
record_tenants(AccessCache *c, Sources *src, Snapshot snapshot)
{
	int64	   *tenants;
	int			n = 0;
	int			i,
				j;
	int64		last_account = -1;
	int64		last_tenant = -1;

	tenants = palloc((src->accounts.n + 1) * sizeof(int64));
	tenants[n++] = GLOBAL_TENANT;
	for (i = 0; i < src->accounts.n; i++)
	{
		int64		account = src->accounts.ids[i];
		int64		tenant;

		if (account == last_account)
			tenant = last_tenant;
		else
			tenant = epoch_tenant_of(account, snapshot);
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
	Sources		src;
	CredentialLimit limit;
	bool		limited = false;
	bool		found;
	instr_time	start,
				duration;

	INSTR_TIME_SET_CURRENT(start);
	builds++;
	hints_apply(snapshot, mark_hinted);
	reset_cache(c, id, snapshot);
	c->epochs_relid = catalog_relid(EXT_TENANT_EPOCHS);
	old = MemoryContextSwitchTo(c->cxt);
	memset(&src, 0, sizeof(src));
	if (user_id != 0)
	{
		found = load_user_by_id(&c->user, user_id, snapshot);
		if (found)
			idbuf_add(&src.accounts, c->user.account_id);
	}
	else
		found = resolve_user(c, id, snapshot, &src, &limit, &limited);

	c->has_user = found && c->user.active;
	if (c->has_user)
	{
		fill_access(c, snapshot, now, &src);
		if (limited)
			apply_limit(c, &limit);
	}
	record_tenants(c, &src, snapshot);
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
		c->local_changes != epoch_local_changes() ||
		c->epochs_relid != catalog_relid_if_exists(EXT_TENANT_EPOCHS))
		return false;
	if (snapshot_matches(c, snapshot))
		return true;
	if (c == current && other_snapshot_matches(snapshot))
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
	remember_snapshot(c, snapshot);
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
		last_lookup.valid_account = last_lookup.valid_performer = false;
		other_snap.valid = false;
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
	snapshot = decision_snapshot();
	if (c->valid && snapshot_matches(c, snapshot) && identity_equal(&c->ident, &id) &&
		now < c->valid_until && c->local_changes == epoch_local_changes())
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
	Snapshot	s = decision_snapshot();
	AccessCache *c;

	if (m->valid && current->valid && m->builds == builds &&
		s->snapXactCompletionCount == m->snap_count && s->curcid == m->snap_curcid &&
		s->xmin == m->snap_xmin && s->xmax == m->snap_xmax && s->xcnt == m->snap_xcnt &&
		(s->snapXactCompletionCount != 0 || s == m->snap_ptr) &&
		m->local_changes == epoch_local_changes() &&
		m->identity_gen == identity_generation() &&
		m->outer == GetOuterUserId() &&
		m->restricted == InSecurityRestrictedOperation())
		return current;
	c = access_cache_current();
	m->valid = true;
	m->snap_ptr = s;
	m->snap_count = s->snapXactCompletionCount;
	m->snap_curcid = s->curcid;
	m->snap_xmin = s->xmin;
	m->snap_xmax = s->xmax;
	m->snap_xcnt = s->xcnt;
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
	Snapshot	snapshot = decision_snapshot();
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

/* Tier of the current user on a performer of an account. */
Tier
access_cache_tier(AccessCache *c, int64 account_id, int64 performer_id)
{
	Tier		tier = TIER_NONE;
	AccessEntry *e;

	if (!c->has_user)
		return TIER_NONE;
	if (hash_get_num_entries(c->accounts) > 0)
	{
		/* rows come in runs of one account: remember the last lookup */
		if (c == current && last_lookup.valid_account &&
			last_lookup.account_id == account_id)
			tier = last_lookup.account_tier;
		else
		{
			if ((e = hash_search(c->accounts, &account_id, HASH_FIND, NULL)) != NULL)
				tier = e->tier;
			if (c == current)
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

		if (c == current && last_lookup.valid_performer &&
			last_lookup.performer_id == performer_id &&
			last_lookup.performer_account_id == account_id)
			ptier = last_lookup.performer_tier;
		else
		{
			if ((e = hash_search(c->performers, &performer_id, HASH_FIND, NULL)) != NULL &&
				e->account_id == account_id)
				ptier = e->tier;
			if (c == current)
			{
				last_lookup.valid_performer = true;
				last_lookup.performer_account_id = account_id;
				last_lookup.performer_id = performer_id;
				last_lookup.performer_tier = ptier;
			}
		}
		if (ptier > tier)
			tier = ptier;
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

/* Catalog scan callback: a performer of a wholly reached account, at that account's tier. */
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

	if (!c->has_user)
		return TIER_NONE;
	if (c->reach == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);
		HTAB	   *reach = make_table(c, "permissions reach",
									   hash_get_num_entries(c->performers) + 64);
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
						 Int64GetDatum(e->key), F_INT8EQ, snapshot,
						 reach_fill_callback, &rf);
		}
		c->reach = reach;
		MemoryContextSwitchTo(old);
	}
	e = hash_search(c->reach, &performer_id, HASH_FIND, NULL);
	return e != NULL ? e->tier : TIER_NONE;
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
	return c->has_user && has_entry(c->managed, account_id);
}

/* True when the user belongs to, manages, or reaches a performer of the account. */
bool
access_cache_member(AccessCache *c, int64 account_id)
{
	return c->has_user && has_entry(c->member, account_id);
}

/* True when the account is the user's own or one it manages. */
bool
access_cache_in_account(AccessCache *c, int64 account_id)
{
	return c->has_user &&
		(account_id == c->user.account_id || access_cache_manages(c, account_id));
}

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

/* Sorts and de-duplicates an id buffer into an array of the cache. */
static void
finish_array(IdArray *a, IdBuffer *b)
{
	if (b->ids == NULL)
		b->ids = palloc(sizeof(int64));
	if (b->n > 1)
	{
		qsort(b->ids, b->n, sizeof(int64), int64_cmp);
		b->n = (int) qunique(b->ids, b->n, sizeof(int64), int64_cmp);
	}
	a->ids = b->ids;
	a->count = b->n;
	a->built = true;
	arrays_built++;
}

/* Catalog scan callback: collects the id of each performer row. */
static void
idbuf_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(EXT_PERFORMERS, "id"), &isnull);

	if (!isnull)
		idbuf_add((IdBuffer *) arg, DatumGetInt64(d));
}

/* The tier index arrays are kept at: below tier4 nothing is reached. */
static Tier
array_tier(Tier min_tier)
{
	return min_tier < TIER_4 ? TIER_4 : (min_tier > TIER_1 ? TIER_1 : min_tier);
}

/* What an id array of the cache holds. */
typedef enum ArrayContent
{
	ARRAY_ALL_PERFORMERS,		/* granted performers and those of whole accounts */
	ARRAY_ANY_ACCOUNTS,			/* whole accounts and the accounts of granted performers */
	ARRAY_WHOLE_ACCOUNTS,		/* accounts reached as a whole */
	ARRAY_GRANTED_PERFORMERS	/* performers reached by grants */
} ArrayContent;

/*
 * Fills (once per cache and tier) and returns one of the cache's sorted id
 * arrays: the four share the walk over the cache's two tables.
 */
static void
cache_array(AccessCache *c, ArrayContent what, Tier min_tier, int64 **ids, int *count)
{
	IdArray    *a;

	switch (what)
	{
		case ARRAY_ALL_PERFORMERS:
			a = &c->all_performers[array_tier(min_tier)];
			break;
		case ARRAY_ANY_ACCOUNTS:
			a = &c->any_accounts[array_tier(min_tier)];
			break;
		case ARRAY_WHOLE_ACCOUNTS:
			a = &c->whole_accounts[array_tier(min_tier)];
			break;
		default:
			a = &c->granted_performers[array_tier(min_tier)];
			break;
	}
	if (!a->built)
	{
		MemoryContext old = MemoryContextSwitchTo(c->cxt);
		IdBuffer	b = {NULL, 0, 0};
		HASH_SEQ_STATUS st;
		AccessEntry *e;

		if (c->has_user && what != ARRAY_WHOLE_ACCOUNTS)
		{
			hash_seq_init(&st, c->performers);
			while ((e = hash_seq_search(&st)) != NULL)
				if (e->tier >= min_tier)
					idbuf_add(&b, what == ARRAY_ANY_ACCOUNTS ? e->account_id : e->key);
		}
		if (c->has_user && what != ARRAY_GRANTED_PERFORMERS)
		{
			Snapshot	snapshot = decision_snapshot();

			hash_seq_init(&st, c->accounts);
			while ((e = hash_seq_search(&st)) != NULL)
			{
				if (e->tier < min_tier)
					continue;
				if (what == ARRAY_ALL_PERFORMERS)
					catalog_scan(EXT_PERFORMERS, EXT_IDX_PERFORMERS_ACCOUNT,
								 catalog_attnum(EXT_PERFORMERS, "account_id"),
								 Int64GetDatum(e->key), F_INT8EQ, snapshot,
								 idbuf_callback, &b);
				else
					idbuf_add(&b, e->key);
			}
		}
		finish_array(a, &b);
		MemoryContextSwitchTo(old);
	}
	*ids = a->ids;
	*count = a->count;
}

/*
 * Sorted ids of every performer the user reaches at min_tier or above: the
 * performers of wholly reached accounts and the granted ones.
 */
void
access_cache_performers(AccessCache *c, Tier min_tier, int64 **ids, int *count)
{
	cache_array(c, ARRAY_ALL_PERFORMERS, min_tier, ids, count);
}

/*
 * Sorted ids of every account holding a performer the user reaches at
 * min_tier or above: a superset condition for indexes on account_id.
 */
void
access_cache_accounts(AccessCache *c, Tier min_tier, int64 **ids, int *count)
{
	cache_array(c, ARRAY_ANY_ACCOUNTS, min_tier, ids, count);
}

/* Sorted ids of the accounts the user reaches as a whole at min_tier or above. */
void
access_cache_whole_accounts(AccessCache *c, Tier min_tier, int64 **ids, int *count)
{
	cache_array(c, ARRAY_WHOLE_ACCOUNTS, min_tier, ids, count);
}

/* Sorted ids of the performers the user reaches through grants at min_tier or above. */
void
access_cache_granted_performers(AccessCache *c, Tier min_tier, int64 **ids, int *count)
{
	cache_array(c, ARRAY_GRANTED_PERFORMERS, min_tier, ids, count);
}

/*
 * How many performers the user reaches by grants at min_tier or above in
 * accounts it does not reach as a whole at that tier: what an index
 * condition on account_id alone would not get exactly.
 */
int
access_cache_partial_count(AccessCache *c, Tier min_tier)
{
	Tier		t = array_tier(min_tier);

	if (c->partial_count[t] < 0)
	{
		int			n = 0;

		if (c->has_user)
		{
			HASH_SEQ_STATUS st;
			AccessEntry *e;

			hash_seq_init(&st, c->performers);
			while ((e = hash_seq_search(&st)) != NULL)
			{
				AccessEntry *a;

				if (e->tier < min_tier)
					continue;
				a = hash_search(c->accounts, &e->account_id, HASH_FIND, NULL);
				if (a == NULL || a->tier < min_tier)
					n++;
			}
		}
		c->partial_count[t] = n;
	}
	return c->partial_count[t];
}

/* Whether some performer is reached at min_tier only by a grant, outside whole accounts. */
bool
access_cache_partial(AccessCache *c, Tier min_tier)
{
	return access_cache_partial_count(c, min_tier) > 0;
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
