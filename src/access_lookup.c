/*
 * access_lookup.c
 *		Questions answered from a user's access cache: the tier on a row's
 *		performer, organization permissions, membership, and the sorted id
 *		arrays the planner's index conditions and accessible_performers()
 *		are made of.
 */
#include "postgres.h"

#include "lib/qunique.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"

#include "access_cache.h"
#include "catalog.h"
#include "growable.h"

/* The last account and performer looked up, and in which cache. */
static struct
{
	AccessCache *cache;
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

/* Forgets the last lookups in a cache that is reset or rebuilt. */
void
access_lookup_forget(AccessCache *c)
{
	if (last_lookup.cache == c)
		last_lookup.cache = NULL;
	last_lookup.valid_account = last_lookup.valid_performer = false;
}

/* Tier of the user over a whole account (TIER_NONE when not reached as a whole). */
Tier
access_cache_account_tier(AccessCache *c, int64 account_id)
{
	AccessEntry *e;

	if (!c->has_user || hash_get_num_entries(c->accounts) == 0)
		return TIER_NONE;
	e = hash_search(c->accounts, &account_id, HASH_FIND, NULL);
	return e != NULL ? e->tier : TIER_NONE;
}

/* Tier of the user on a performer of an account through grants alone. */
Tier
access_cache_granted_tier(AccessCache *c, int64 account_id, int64 performer_id)
{
	AccessEntry *e;

	if (!c->has_user || hash_get_num_entries(c->performers) == 0)
		return TIER_NONE;
	e = hash_search(c->performers, &performer_id, HASH_FIND, NULL);
	return e != NULL && e->account_id == account_id ? e->tier : TIER_NONE;
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
		if (last_lookup.cache == c && last_lookup.valid_account &&
			last_lookup.account_id == account_id)
			tier = last_lookup.account_tier;
		else
		{
			if ((e = hash_search(c->accounts, &account_id, HASH_FIND, NULL)) != NULL)
				tier = e->tier;
			if (last_lookup.cache != c)
			{
				last_lookup.cache = c;
				last_lookup.valid_performer = false;
			}
			last_lookup.valid_account = true;
			last_lookup.account_id = account_id;
			last_lookup.account_tier = tier;
		}
	}
	if (tier < TIER_1 && hash_get_num_entries(c->performers) > 0)
	{
		Tier		ptier = TIER_NONE;

		if (last_lookup.cache == c && last_lookup.valid_performer &&
			last_lookup.performer_id == performer_id &&
			last_lookup.performer_account_id == account_id)
			ptier = last_lookup.performer_tier;
		else
		{
			if ((e = hash_search(c->performers, &performer_id, HASH_FIND, NULL)) != NULL &&
				e->account_id == account_id)
				ptier = e->tier;
			if (last_lookup.cache != c)
			{
				last_lookup.cache = c;
				last_lookup.valid_account = false;
			}
			last_lookup.valid_performer = true;
			last_lookup.performer_account_id = account_id;
			last_lookup.performer_id = performer_id;
			last_lookup.performer_tier = ptier;
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
	int64		id;

	if (catalog_int8(tuple, desc, EXT_PERFORMERS, "id", &id))
		access_table_put(rf->reach, id, rf->tier, rf->account_id);
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
		HTAB	   *reach = access_table_make(c, "permissions reach",
									   hash_get_num_entries(c->performers) + 64);
		HASH_SEQ_STATUS st;
		Snapshot	snapshot = access_cache_snapshot();

		hash_seq_init(&st, c->performers);
		while ((e = hash_seq_search(&st)) != NULL)
			access_table_put(reach, e->key, e->tier, e->account_id);
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
	return c->has_user && access_table_has(c->managed, account_id);
}

/* True when the user belongs to, manages, or reaches a performer of the account. */
bool
access_cache_member(AccessCache *c, int64 account_id)
{
	return c->has_user && access_table_has(c->member, account_id);
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
	int64		id;

	if (catalog_int8(tuple, desc, EXT_PERFORMERS, "id", &id))
		idbuf_add((IdBuffer *) arg, id);
}

/* The tier index arrays are kept at: below tier4 nothing is reached. */
static Tier
array_tier(Tier min_tier)
{
	return min_tier < TIER_4 ? TIER_4 : (min_tier > TIER_1 ? TIER_1 : min_tier);
}

/*
 * One of the cache's sorted id arrays at min_tier or above (see AccessIds),
 * filled once per cache and tier: the four share the walk over the cache's
 * two tables.
 */
void
access_cache_ids(AccessCache *c, AccessIds what, Tier min_tier, int64 **ids, int *count)
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
		case ARRAY_PARTIAL_PERFORMERS:
			a = &c->partial_performers[array_tier(min_tier)];
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
				if (e->tier >= min_tier &&
					(what != ARRAY_PARTIAL_PERFORMERS ||
					 access_cache_account_tier(c, e->account_id) < min_tier))
					idbuf_add(&b, what == ARRAY_ANY_ACCOUNTS ? e->account_id : e->key);
		}
		if (c->has_user && what != ARRAY_GRANTED_PERFORMERS &&
			what != ARRAY_PARTIAL_PERFORMERS)
		{
			Snapshot	snapshot = access_cache_snapshot();

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
