/*
 * access_build.c
 *		Building one user's access from the extension's tables: the rules.
 *
 * What a cache holds (access_cache.h), read under the cache's snapshot:
 * the user row of the identity (a login role's mapping, an API credential,
 * a token subject); the accounts reached as a whole (a manager's subtree at
 * tier1, the user's wildcard tier over its own account); the performers
 * reached through grants (direct, on a group, to a team, to a team on a
 * group), each with the account the grant is in; the accounts whose
 * libraries the user sees.  Every tier is capped by the user type, expired
 * grants give nothing (and the earliest expiry ends the cache), and a
 * credential or token mapping made by another user acts within that user's
 * limits.  The accounts read from are handed back: their tenants' epochs
 * decide when the cache is stale (access_cache.c).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"

#include "access_cache.h"
#include "account_tree.h"
#include "catalog.h"
#include "growable.h"
#include "token.h"

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
HTAB *
access_table_make(AccessCache *c, const char *name, long size)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(AccessEntry);
	ctl.hcxt = c->cxt;
	return hash_create(name, size, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Raises the tier of a key to at least tier. */
void
access_table_put(HTAB *table, int64 key, Tier tier, int64 account_id)
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
bool
access_table_has(HTAB *table, int64 key)
{
	return table != NULL && hash_get_num_entries(table) > 0 &&
		hash_search(table, &key, HASH_FIND, NULL) != NULL;
}

/* account_tree_subtree's add function: an account of the subtree, its own account. */
static void
add_account(HTAB *set, int64 account_id)
{
	access_table_put(set, account_id, TIER_NONE, account_id);
}

/* Copies a users row. */
static void
user_row_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	UserRow    *u = (UserRow *) arg;
	bool		isnull;

#define USERCOL(name) catalog_column(tuple, desc, EXT_USERS, name, &isnull)
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
	d = catalog_column(tuple, desc, EXT_USERS, "db_role_name", &isnull);
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

	o->found = true;
	o->user_id = 0;
	o->created_by = 0;
	(void) catalog_int8(tuple, desc, EXT_API_CREDENTIALS, "user_id", &o->user_id);
	o->has_creator = catalog_int8(tuple, desc, EXT_API_CREDENTIALS, "created_by", &o->created_by);
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

	growable_reserve((void **) &list->rows, list->n, &list->cap, sizeof(GrantRow), NULL);
	g = &list->rows[list->n++];
	g->account_id = g->performer_id = g->group_id = 0;
	(void) catalog_int8(tuple, desc, EXT_ACCESS_GRANTS, "account_id", &g->account_id);
	(void) catalog_int8(tuple, desc, EXT_ACCESS_GRANTS, "performer_id", &g->performer_id);
	(void) catalog_int8(tuple, desc, EXT_ACCESS_GRANTS, "group_id", &g->group_id);
	g->tier = DatumGetTier(catalog_column(tuple, desc, EXT_ACCESS_GRANTS, "tier", &isnull));
	d = catalog_column(tuple, desc, EXT_ACCESS_GRANTS, "expires_at", &isnull);
	g->has_expiry = !isnull;
	g->expires_at = isnull ? 0 : DatumGetTimestampTz(d);
}

/* Appends the int8 value of one column of each scanned row. */
typedef struct IdCollector
{
	ExtRelation rel;
	const char *column;
	IdBuffer	buf;
} IdCollector;

/* Catalog scan callback: collects one int8 column of each row. */
static void
id_collect_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	IdCollector *col = (IdCollector *) arg;
	int64		id;

	if (catalog_int8(tuple, desc, col->rel, col->column, &id))
		idbuf_add(&col->buf, id);
}

/* The ids in column `column` of rel's rows whose `keycol` equals key. */
static IdBuffer
collect_ids(ExtRelation rel, ExtIndex index, const char *keycol, int64 key,
			const char *column, Snapshot snapshot)
{
	IdCollector col;

	col.rel = rel;
	col.column = column;
	memset(&col.buf, 0, sizeof(col.buf));
	catalog_scan(rel, index, catalog_attnum(rel, keycol), Int64GetDatum(key),
				 F_INT8EQ, snapshot, id_collect_callback, &col);
	return col.buf;
}

/* Applies the grants to the cache: performers reached, and their accounts as members. */
static void
apply_grants(AccessCache *c, GrantList *grants, TimestampTz now, Snapshot snapshot,
			 IdBuffer *sources)
{
	int			i;

	for (i = 0; i < grants->n; i++)
	{
		GrantRow   *g = &grants->rows[i];
		Tier		tier = access_cache_cap(&c->user, g->tier);

		idbuf_add(sources, g->account_id);
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
			access_table_put(c->performers, g->performer_id, tier, g->account_id);
			access_table_put(c->member, g->account_id, TIER_NONE, g->account_id);
		}
		else if (g->group_id != 0 && c->user.user_type != USER_TYPE_SINGLE_PERFORMER)
		{
			IdBuffer	members = collect_ids(EXT_GROUP_MEMBERS, EXT_IDX_GROUP_MEMBERS_GROUP,
											  "group_id", g->group_id, "performer_id",
											  snapshot);
			int			j;

			/* a group that holds nobody reaches nobody: no membership either */
			for (j = 0; j < members.n; j++)
				access_table_put(c->performers, members.ids[j], tier, g->account_id);
			if (members.n > 0)
				access_table_put(c->member, g->account_id, TIER_NONE, g->account_id);
		}
	}
}

/* Fills the tables of a cache whose (active) user row is loaded. */
static void
fill_access(AccessCache *c, Snapshot snapshot, TimestampTz now, IdBuffer *sources)
{
	UserRow    *u = &c->user;
	GrantList	grants = {NULL, 0, 0};

	idbuf_add(sources, u->account_id);
	access_table_put(c->member, u->account_id, TIER_NONE, u->account_id);
	if (u->role == ROLE_MANAGER && u->user_type == USER_TYPE_FULL_ACCESS)
	{
		HASH_SEQ_STATUS st;
		AccessEntry *e;

		account_tree_subtree(c->managed, u->account_id, snapshot, add_account);
		hash_seq_init(&st, c->managed);
		while ((e = hash_seq_search(&st)) != NULL)
		{
			access_table_put(c->accounts, e->key, TIER_1, e->key);
			access_table_put(c->member, e->key, TIER_NONE, e->key);
		}
	}
	if (u->user_type != USER_TYPE_SINGLE_PERFORMER && u->access > TIER_NONE)
		access_table_put(c->accounts, u->account_id, access_cache_cap(u, u->access),
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
	apply_grants(c, &grants, now, snapshot, sources);
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
		if (!access_table_has(allowed, e->account_id))
			hash_search(table, &e->key, HASH_REMOVE, NULL);
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
credential_limit(AccessCache *c, const CredentialOwner *o, Snapshot snapshot, IdBuffer *sources,
				 CredentialLimit *limit)
{
	UserRow		creator;

	if (!o->has_creator || o->created_by == o->user_id)
		return false;
	limit->allowed = access_table_make(c, "permissions credential limit", 16);
	limit->manager = false;
	limit->tier = TIER_NONE;
	limit->permissions = 0;
	if (load_user_by_id(&creator, o->created_by, snapshot))
	{
		idbuf_add(sources, creator.account_id);
		if (creator.active && creator.role == ROLE_MANAGER &&
			creator.user_type == USER_TYPE_FULL_ACCESS)
		{
			account_tree_subtree(limit->allowed, creator.account_id, snapshot, add_account);
			limit->manager = true;
		}
		else if (creator.active)
		{
			access_table_put(limit->allowed, creator.account_id, TIER_NONE, creator.account_id);
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
		c->managed = access_table_make(c, "permissions managed accounts", 16);
		c->user.permissions &= limit->permissions;
		cap_tiers(c->accounts, limit->tier);
		cap_tiers(c->performers, limit->tier);
	}
}

/* Finds the user of the identity; false when the identity names nobody. */
static bool
resolve_user(AccessCache *c, const Identity *id, Snapshot snapshot, IdBuffer *sources,
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
				idbuf_add(sources, c->user.account_id);
				*limited = credential_limit(c, &o, snapshot, sources, limit);
				if (!*limited)
					return true;
				c->limit_creator = o.created_by;
				return access_table_has(limit->allowed, c->user.account_id);
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
				idbuf_add(sources, c->user.account_id);
				if (!token_identity_valid(id, snapshot, &key_until))
					return false;
				/* a key window that closes later ends the identity then */
				if (key_until < c->valid_until)
					c->valid_until = key_until;
				/* a subject mapped by a manager gives no more than that manager holds */
				o.found = true;
				o.user_id = id->user_id;
				o.has_creator = token_identity_creator(id, snapshot, &o.created_by);
				*limited = credential_limit(c, &o, snapshot, sources, limit);
				if (!*limited)
					return true;
				c->limit_creator = o.created_by;
				return access_table_has(limit->allowed, c->user.account_id);
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
				idbuf_add(sources, c->user.account_id);
				/* a mapping outlives a dropped role: a new role with its OID is not it */
				rolename = GetUserNameFromId(id->role, true);
				return rolename != NULL && m.has_role_name &&
					strcmp(rolename, NameStr(m.role_name)) == 0;
			}
		default:
			return false;
	}
}

/*
 * Fills a reset cache for an identity, or for a user id when user_id is not
 * 0, under a snapshot; appends to sources every account it read from.
 */
void
access_build_fill(AccessCache *c, const Identity *id, int64 user_id, Snapshot snapshot,
				  TimestampTz now, IdBuffer *sources)
{
	CredentialLimit limit;
	bool		limited = false;
	bool		found;

	if (user_id != 0)
	{
		found = load_user_by_id(&c->user, user_id, snapshot);
		if (found)
			idbuf_add(sources, c->user.account_id);
	}
	else
		found = resolve_user(c, id, snapshot, sources, &limit, &limited);

	c->has_user = found && c->user.active;
	if (c->has_user)
	{
		fill_access(c, snapshot, now, sources);
		if (limited)
			apply_limit(c, &limit);
	}
}
