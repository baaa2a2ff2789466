/*
 * access_cache.h
 *		Per-backend cache of one user's access: who they are, which accounts
 *		they reach as a whole and which performers they reach one by one.
 */
#ifndef PERMISSIONS_ACCESS_CACHE_H
#define PERMISSIONS_ACCESS_CACHE_H

#include "nodes/pg_list.h"
#include "utils/hsearch.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"

#include "epoch.h"
#include "growable.h"
#include "identity.h"
#include "permset.h"
#include "role.h"
#include "snapstamp.h"
#include "tier.h"
#include "user_type.h"

/* The columns of a users row that decisions depend on. */
typedef struct UserRow
{
	int64		id;
	int64		account_id;
	PermRole	role;
	UserType	user_type;
	Permset		permissions;
	Tier		access;
	bool		active;
} UserRow;

/* One account reached as a whole, or one performer reached by grants. */
typedef struct AccessEntry
{
	int64		key;			/* account or performer id */
	Tier		tier;			/* capped by the user type */
	int64		account_id;		/* performer entries: the performer's account */
} AccessEntry;

/* Sorted ids reached at one tier or above, computed once per cache. */
typedef struct IdArray
{
	bool		built;
	int64	   *ids;
	int			count;
} IdArray;

/* What an id array of the cache holds. */
typedef enum AccessIds
{
	ARRAY_ALL_PERFORMERS,		/* granted performers and those of whole accounts */
	ARRAY_ANY_ACCOUNTS,			/* whole accounts and the accounts of granted performers */
	ARRAY_WHOLE_ACCOUNTS,		/* accounts reached as a whole */
	ARRAY_GRANTED_PERFORMERS,	/* performers reached by grants */
	ARRAY_PARTIAL_PERFORMERS	/* granted performers outside the whole accounts */
} AccessIds;

typedef struct AccessCache
{
	MemoryContext cxt;
	bool		valid;

	/* what the cache was built for, and under which snapshot */
	Identity	ident;
	SnapStamp	snap;
	Oid			epochs_relid;	/* the extension instance the cache was built from */
	uint64		local_changes;	/* this backend's changes when it was built */
	uint64		roles_seen;		/* roles_changed when it was built (access_cache.c) */
	int			ntenants;		/* the tenants it read from, and their epochs */
	EpochSeen  *tenants;
	uint32	   *tenant_keys;	/* the same tenants as hints name them */
	bool		hints_vouch;	/* hints can tell when this cache goes stale */
	bool		hinted_stale;	/* a hint named one of its tenants: read the epochs */
	TimestampTz valid_until;	/* earliest expiry of a grant or token in use */

	/* the user; has_user is false when there is no (active) identity */
	bool		has_user;
	UserRow		user;
	int64		limit_creator;	/* a credential made by another user: that user (its limits apply) */

	HTAB	   *accounts;		/* account id -> tier over the whole account */
	HTAB	   *performers;		/* performer id -> tier from grants */
	HTAB	   *managed;		/* account ids in the manager's subtree */
	HTAB	   *member;			/* accounts whose libraries the user sees */
	HTAB	   *reach;			/* performer id -> tier over every source, built lazily */

	/* per tier: every reachable performer, the accounts holding one, the
	 * accounts reached as a whole, the performers reached by grants */
	IdArray		all_performers[TIER_1 + 1];
	IdArray		any_accounts[TIER_1 + 1];
	IdArray		whole_accounts[TIER_1 + 1];
	IdArray		granted_performers[TIER_1 + 1];
	IdArray		partial_performers[TIER_1 + 1];
	int			partial_count[TIER_1 + 1];	/* granted performers outside whole accounts; -1: not counted */
} AccessCache;

/*
 * What a call site of a decision function remembers of the last time it
 * found the current cache valid: while the snapshot, the identity, the
 * backend's own changes and the cache itself are the same, the cache is
 * used without checking it again (once per statement, not once per row).
 */
typedef struct DecisionMemo
{
	bool		valid;
	SnapStamp	snap;
	uint64		local_changes;
	uint64		identity_gen;
	uint64		builds;
	Oid			outer;
	bool		restricted;
} DecisionMemo;

/* access_cache.c: lifetime, validity and the kept caches */
extern void access_cache_init(void);
extern Snapshot access_cache_snapshot(void);
extern AccessCache *access_cache_memo(DecisionMemo *memo);
extern AccessCache *access_cache_current(void);
extern AccessCache *access_cache_for_user(int64 user_id);
extern uint64 access_cache_builds(void);

/* access_build.c: a user's access from the catalog */
extern void access_build_fill(AccessCache *c, const Identity *id, int64 user_id,
							  Snapshot snapshot, TimestampTz now, IdBuffer *sources);
extern Tier access_cache_cap(const UserRow *user, Tier tier);
extern HTAB *access_table_make(AccessCache *c, const char *name, long size);
extern void access_table_put(HTAB *table, int64 key, Tier tier, int64 account_id);
extern bool access_table_has(HTAB *table, int64 key);

/* access_lookup.c: answers and id arrays from a cache */
extern void access_lookup_forget(AccessCache *c);
extern Tier access_cache_tier(AccessCache *cache, int64 account_id, int64 performer_id);
extern Tier access_cache_account_tier(AccessCache *cache, int64 account_id);
extern Tier access_cache_granted_tier(AccessCache *cache, int64 account_id, int64 performer_id);
extern Tier access_cache_performer_tier(AccessCache *cache, int64 performer_id);
extern bool access_cache_holds(AccessCache *cache, Permset perms, int64 account_id);
extern bool access_cache_member(AccessCache *cache, int64 account_id);
extern bool access_cache_in_account(AccessCache *cache, int64 account_id);
extern bool access_cache_manages(AccessCache *cache, int64 account_id);
extern void access_cache_ids(AccessCache *cache, AccessIds what, Tier min_tier,
							 int64 **ids, int *count);
extern bool access_cache_partial(AccessCache *cache, Tier min_tier);
extern int	access_cache_partial_count(AccessCache *cache, Tier min_tier);
extern uint64 access_cache_generation(void);

#endif							/* PERMISSIONS_ACCESS_CACHE_H */
