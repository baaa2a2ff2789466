/*
 * review_catalog.c
 *		The catalog reads the access review functions share: users,
 *		accounts above an account, names, grants, memberships; who may
 *		review a performer, and the one error for those who may not.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"

#include "access_cache.h"
#include "acting_role.h"
#include "catalog.h"
#include "review.h"

static const char *const source_names[SRC_COUNT] = {
	"manager", "wildcard", "direct", "group", "team", "team on group"
};

/* The word rows use for a route (the vocabulary of permissions.explain_access). */
const char *
review_source_name(ReachSource source)
{
	return source_names[source];
}

/* The snapshot decisions are made under (as the access cache takes it). */
Snapshot
review_snapshot(void)
{
	return ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
}

/* Looks the users columns up (catalog.c remembers them). */
void
review_user_columns(UserColumns *cols)
{
	cols->id = catalog_attnum(EXT_USERS, "id");
	cols->account_id = catalog_attnum(EXT_USERS, "account_id");
	cols->role = catalog_attnum(EXT_USERS, "role");
	cols->user_type = catalog_attnum(EXT_USERS, "user_type");
	cols->permissions = catalog_attnum(EXT_USERS, "permissions");
	cols->access = catalog_attnum(EXT_USERS, "access");
	cols->active = catalog_attnum(EXT_USERS, "active");
}

/*
 * Reads a users row, deforming the tuple once (its nullable columns make
 * attribute-by-attribute access walk the tuple again for each one).
 */
void
review_read_user(HeapTuple tuple, TupleDesc desc, const UserColumns *cols, UserRow *u)
{
	Datum		values[MaxTupleAttributeNumber > 64 ? 64 : MaxTupleAttributeNumber];
	bool		nulls[lengthof(values)];

	if (desc->natts > (int) lengthof(values))
		elog(ERROR, "permissions.users has more columns than expected");
	heap_deform_tuple(tuple, desc, values, nulls);
	u->id = DatumGetInt64(values[cols->id - 1]);
	u->account_id = DatumGetInt64(values[cols->account_id - 1]);
	u->role = DatumGetPermRole(values[cols->role - 1]);
	u->user_type = DatumGetUserType(values[cols->user_type - 1]);
	u->permissions = DatumGetPermset(values[cols->permissions - 1]);
	u->access = DatumGetTier(values[cols->access - 1]);
	u->active = DatumGetBool(values[cols->active - 1]);
}

/* Catalog scan callback: one users row. */
static void
user_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	UserColumns cols;

	review_user_columns(&cols);
	review_read_user(tuple, desc, &cols, (UserRow *) arg);
}

/* Loads a users row by id; false when there is none. */
bool
review_load_user(int64 user_id, Snapshot snapshot, UserRow *user)
{
	memset(user, 0, sizeof(*user));
	return catalog_scan(EXT_USERS, EXT_IDX_USERS_PKEY, catalog_attnum(EXT_USERS, "id"),
						Int64GetDatum(user_id), F_INT8EQ, snapshot,
						user_callback, user) > 0;
}

/* Catalog scan callback: a performer's account. */
static void
performer_account_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;

	*(int64 *) arg = DatumGetInt64(catalog_getattr(tuple, desc,
												   catalog_attnum(EXT_PERFORMERS, "account_id"),
												   &isnull));
}

/* The account of a performer; false when no performer has the id. */
bool
review_performer_account(int64 performer_id, Snapshot snapshot, int64 *account_id)
{
	*account_id = 0;
	return catalog_scan(EXT_PERFORMERS, EXT_IDX_PERFORMERS_PKEY,
						catalog_attnum(EXT_PERFORMERS, "id"), Int64GetDatum(performer_id),
						F_INT8EQ, snapshot, performer_account_callback, account_id) > 0;
}

/* An accounts row's parent, as read by parent_callback. */
typedef struct ParentRow
{
	bool		has_parent;
	int64		parent_id;
} ParentRow;

/* Catalog scan callback: an account's parent. */
static void
parent_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	ParentRow  *p = (ParentRow *) arg;
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(EXT_ACCOUNTS, "parent_id"), &isnull);

	p->has_parent = !isnull;
	p->parent_id = isnull ? 0 : DatumGetInt64(d);
}

/*
 * The account and every account above it, nearest first (managers of any
 * of them hold tier1 on the account's performers).  Returns how many.
 */
int
review_ancestors(int64 account_id, Snapshot snapshot, int64 **ids)
{
	int			cap = 8;
	int			n = 0;
	int64	   *out = palloc(cap * sizeof(int64));
	int64		cur = account_id;

	for (;;)
	{
		ParentRow	p = {false, 0};
		int			i;

		out[n++] = cur;
		if (catalog_scan(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PKEY, catalog_attnum(EXT_ACCOUNTS, "id"),
						 Int64GetDatum(cur), F_INT8EQ, snapshot, parent_callback, &p) == 0 ||
			!p.has_parent)
			break;
		for (i = 0; i < n && out[i] != p.parent_id; i++)
			;
		if (i < n)
			break;				/* a cycle; parent_id edits refuse them, but be safe */
		if (n == cap)
		{
			cap *= 2;
			out = repalloc(out, cap * sizeof(int64));
		}
		cur = p.parent_id;
	}
	*ids = out;
	return n;
}

/* What name_callback reads: the name column of one relation. */
typedef struct NameRead
{
	ExtRelation rel;
	char	   *name;
} NameRead;

/* Catalog scan callback: a row's name. */
static void
name_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	NameRead   *nr = (NameRead *) arg;
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(nr->rel, "name"), &isnull);

	nr->name = isnull ? NULL : TextDatumGetCString(d);
}

/* The name of an account, group or team by id, or NULL. */
char *
review_name(ExtRelation rel, ExtIndex pkey, int64 id, Snapshot snapshot)
{
	NameRead	nr = {rel, NULL};

	catalog_scan(rel, pkey, catalog_attnum(rel, "id"), Int64GetDatum(id), F_INT8EQ,
				 snapshot, name_callback, &nr);
	return nr.name;
}

/* The name of an account, or NULL. */
char *
review_account_name(int64 account_id, Snapshot snapshot)
{
	return review_name(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PKEY, account_id, snapshot);
}

/* An int8 column of a grant row, 0 when NULL. */
static int64
grant_id_column(HeapTuple tuple, TupleDesc desc, const char *column)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(EXT_ACCESS_GRANTS, column), &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

/* Catalog scan callback: appends a grant row. */
static void
grant_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	ReviewGrants *list = (ReviewGrants *) arg;
	ReviewGrant *g;
	bool		isnull;
	Datum		d;

	if (list->n == list->cap)
	{
		list->cap = list->cap ? list->cap * 2 : 16;
		list->rows = list->rows ? repalloc(list->rows, list->cap * sizeof(ReviewGrant))
			: palloc(list->cap * sizeof(ReviewGrant));
	}
	g = &list->rows[list->n++];
	g->id = grant_id_column(tuple, desc, "id");
	g->account_id = grant_id_column(tuple, desc, "account_id");
	g->user_id = grant_id_column(tuple, desc, "user_id");
	g->team_id = grant_id_column(tuple, desc, "team_id");
	g->performer_id = grant_id_column(tuple, desc, "performer_id");
	g->group_id = grant_id_column(tuple, desc, "group_id");
	g->tier = DatumGetTier(catalog_getattr(tuple, desc,
										   catalog_attnum(EXT_ACCESS_GRANTS, "tier"), &isnull));
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_ACCESS_GRANTS, "expires_at"), &isnull);
	g->has_expiry = !isnull;
	g->expires_at = isnull ? 0 : DatumGetTimestampTz(d);
}

/* Appends the grants whose column equals key, through an index of access_grants. */
void
review_grants(ExtIndex index, const char *column, int64 key, Snapshot snapshot,
			  ReviewGrants *out)
{
	catalog_scan(EXT_ACCESS_GRANTS, index, catalog_attnum(EXT_ACCESS_GRANTS, column),
				 Int64GetDatum(key), F_INT8EQ, snapshot, grant_callback, out);
}

/* Whether a grant is in effect at a time (no expiry, or a later one). */
bool
review_grant_live(const ReviewGrant *g, TimestampTz now)
{
	return !g->has_expiry || g->expires_at > now;
}

/* Catalog scan callback: appends one int8 column of a row (an IdCollect). */
void
review_ids_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	IdCollect  *c = (IdCollect *) arg;
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(c->rel, c->column), &isnull);

	if (isnull)
		return;
	if (c->n == c->cap)
	{
		c->cap = c->cap ? c->cap * 2 : 16;
		c->ids = c->ids ? repalloc(c->ids, c->cap * sizeof(int64)) : palloc(c->cap * sizeof(int64));
	}
	c->ids[c->n++] = DatumGetInt64(d);
}

/* The values of column in rel's rows whose keycol equals key; returns how many. */
int
review_ids(ExtRelation rel, ExtIndex index, const char *keycol, int64 key,
		   const char *column, Snapshot snapshot, int64 **ids)
{
	IdCollect	c = {rel, column, NULL, 0, 0};

	catalog_scan(rel, index, catalog_attnum(rel, keycol), Int64GetDatum(key), F_INT8EQ,
				 snapshot, review_ids_callback, &c);
	*ids = c.ids;
	return c.n;
}

/*
 * Whether the current caller may review the access to performers of an
 * account: superusers, and holders of manage_users over it (its managers,
 * and its own users holding the permission).
 */
bool
review_may_review(AccessCache *self, int64 account_id)
{
	if (acting_role_is_superuser())
		return true;
	return self->has_user && access_cache_holds(self, PERM_MANAGE_USERS, account_id);
}

/*
 * The one error for a performer the caller may not review, whether it is
 * hidden from the caller or does not exist; only a superuser is told that
 * it does not exist.
 */
void
review_refuse_performer(int64 performer_id, bool exists)
{
	if (!exists && acting_role_is_superuser())
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("performer %lld does not exist", (long long) performer_id)));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("performer %lld does not exist or you cannot review who reaches it",
					(long long) performer_id),
			 errdetail("Only superusers and holders of manage_users over the performer's account may list who reaches a performer or explain another user's access to it."),
			 errhint("To ask about your own access, call permissions.explain_check() without a user_id.")));
}

