/*
 * review.c
 *		Who reaches a performer: permissions.who_can() and
 *		permissions.access_review().
 *
 * The access cache answers "what does this user reach"; an access review
 * asks the converse, "who reaches these performers".  Building every user's
 * cache to answer it would read the whole tenant, so the review walks the
 * rules from the performers' side: the users of each performer's account
 * (wildcard tiers) and of the accounts above it (managers), the grants on
 * the performers and on the groups holding them, and the members of the
 * teams those grants name.  It applies the rules the cache applies (the
 * user-type cap, single_performer users counting only grants made to them
 * on a performer, expiry at the statement's start, inactive users reaching
 * nothing), so that a user is listed exactly when permissions.check() says
 * yes; test/review/compare.py holds the two to that on random worlds.
 *
 * Routes by account (manager, wildcard) are kept per account and routes by
 * grant per performer, and the two are merged performer by performer when
 * the rows are emitted: a review of an account whose users reach every
 * performer through their wildcard tier never holds a (user, performer)
 * table in memory.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/snapmgr.h"
#include "utils/tuplestore.h"

#include "access_cache.h"
#include "acting_role.h"
#include "catalog.h"
#include "matrix.h"
#include "review.h"

PG_FUNCTION_INFO_V1(review_who_can);
PG_FUNCTION_INFO_V1(review_access_review);

/* ---------------------------------------------------------------------
 * The review engine
 * ---------------------------------------------------------------------
 */

/*
 * A user reaching every performer of an account through it: a user of the
 * account (wildcard tier, or manager), or a manager of an account above.
 * Tiers are already capped by the user's type.
 */
typedef struct AccountRoute
{
	int64		user_id;
	int64		user_account_id;
	UserType	user_type;
	Tier		manager;
	Tier		wildcard;
} AccountRoute;

/* A grant reaching one performer, for one user (team grants: one per member). */
typedef struct GrantRoute
{
	int64		user_id;
	ReachSource source;
	Tier		tier;			/* as granted, before the user type's cap */
} GrantRoute;

/* An account holding performers under review, with its routes by account. */
typedef struct TargetAccount
{
	int64		account_id;		/* hash key */
	AccountRoute *routes;
	int			n;
	int			cap;
} TargetAccount;

/* A performer under review, with the routes of the grants reaching it. */
typedef struct TargetPerformer
{
	int64		performer_id;	/* hash key */
	int64		account_id;
	GrantRoute *routes;
	int			n;
	int			cap;
} TargetPerformer;

/* A users row read once for the review. */
typedef struct UserEntry
{
	int64		id;				/* hash key */
	bool		found;
	UserRow		row;
} UserEntry;

/* The members of a team, the performers of a group, the managers of an account: read once. */
typedef struct MemberEntry
{
	int64		id;				/* hash key */
	int64	   *members;
	int			n;
} MemberEntry;

typedef struct Review
{
	Snapshot	snapshot;
	TimestampTz now;
	HTAB	   *accounts;		/* TargetAccount */
	HTAB	   *performers;		/* TargetPerformer */
	HTAB	   *users;			/* UserEntry: users read by id */
	HTAB	   *teams;			/* team id -> its users */
	HTAB	   *groups;			/* group id -> its performers */
	HTAB	   *managers;		/* account id -> its active full-access managers */
	Datum		via[1 << SRC_COUNT];	/* via_text() of each set of routes */
} Review;

/* Makes an int64-keyed hash table in the current memory context. */
static HTAB *
review_table(const char *name, Size entrysize)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(int64);
	ctl.entrysize = entrysize;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Starts a review under the current snapshot and statement time. */
static void
review_begin(Review *r)
{
	r->snapshot = review_snapshot();
	r->now = GetCurrentStatementStartTimestamp();
	r->accounts = review_table("permissions review accounts", sizeof(TargetAccount));
	r->performers = review_table("permissions review performers", sizeof(TargetPerformer));
	r->users = review_table("permissions review users", sizeof(UserEntry));
	r->teams = review_table("permissions review teams", sizeof(MemberEntry));
	r->groups = review_table("permissions review groups", sizeof(MemberEntry));
	r->managers = review_table("permissions review managers", sizeof(MemberEntry));
	memset(r->via, 0, sizeof(r->via));
}

/* Grows an array of elements of a size to hold one more. */
static void *
grow(void *items, int n, int *cap, Size size)
{
	if (n < *cap)
		return items;
	*cap = *cap ? *cap * 2 : 16;
	return items ? repalloc(items, *cap * size) : palloc(*cap * size);
}

/* Adds a performer (of an account) to the review. */
static void
review_add_target(Review *r, int64 performer_id, int64 account_id)
{
	bool		found;
	TargetPerformer *tp = hash_search(r->performers, &performer_id, HASH_ENTER, &found);
	TargetAccount *ta;

	if (found)
		return;
	tp->account_id = account_id;
	tp->routes = NULL;
	tp->n = tp->cap = 0;
	ta = hash_search(r->accounts, &account_id, HASH_ENTER, &found);
	if (!found)
	{
		ta->routes = NULL;
		ta->n = ta->cap = 0;
	}
}

/* The users row of an id, read once (found false when there is none). */
static UserEntry *
review_user(Review *r, int64 user_id)
{
	bool		found;
	UserEntry  *ue = hash_search(r->users, &user_id, HASH_ENTER, &found);

	if (!found)
		ue->found = review_load_user(user_id, r->snapshot, &ue->row);
	return ue;
}

/* Whether a user is a manager in the sense of the rules (full access, active). */
static bool
is_manager(const UserRow *u)
{
	return u->active && u->role == ROLE_MANAGER && u->user_type == USER_TYPE_FULL_ACCESS;
}

/* Adds a route by account for a user. */
static void
account_route(TargetAccount *ta, const UserRow *u, Tier manager, Tier wildcard)
{
	AccountRoute *ar;

	ta->routes = grow(ta->routes, ta->n, &ta->cap, sizeof(AccountRoute));
	ar = &ta->routes[ta->n++];
	ar->user_id = u->id;
	ar->user_account_id = u->account_id;
	ar->user_type = u->user_type;
	ar->manager = manager;
	ar->wildcard = wildcard;
}

/* What account_users_callback works with. */
typedef struct AccountScan
{
	TargetAccount *target;		/* NULL: collect the managers only */
	UserColumns cols;
	IdCollect	managers;
} AccountScan;

/*
 * Catalog scan callback: one user of an account.  For a target account, its
 * routes to the account's performers (manager, wildcard tier); otherwise
 * only whether it is a manager (of an account above a target).
 */
static void
account_users_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	AccountScan *scan = (AccountScan *) arg;
	UserRow		row;
	Tier		wildcard;

	review_read_user(tuple, desc, &scan->cols, &row);
	if (!row.active)
		return;
	if (scan->target == NULL)
	{
		IdCollect  *c = &scan->managers;

		if (is_manager(&row))
		{
			c->ids = grow(c->ids, c->n, &c->cap, sizeof(int64));
			c->ids[c->n++] = row.id;
		}
		return;
	}
	wildcard = row.user_type != USER_TYPE_SINGLE_PERFORMER ? access_cache_cap(&row, row.access) : TIER_NONE;
	if (is_manager(&row) || wildcard > TIER_NONE)
		account_route(scan->target, &row, is_manager(&row) ? TIER_1 : TIER_NONE, wildcard);
}

/* The active full-access managers of one account, read once. */
static MemberEntry *
account_managers(Review *r, int64 account_id)
{
	bool		found;
	MemberEntry *me = hash_search(r->managers, &account_id, HASH_ENTER, &found);

	if (!found)
	{
		AccountScan scan;

		memset(&scan, 0, sizeof(scan));
		review_user_columns(&scan.cols);
		catalog_scan(EXT_USERS, EXT_IDX_USERS_ACCOUNT, catalog_attnum(EXT_USERS, "account_id"),
					 Int64GetDatum(account_id), F_INT8EQ, r->snapshot,
					 account_users_callback, &scan);
		me->members = scan.managers.ids;
		me->n = scan.managers.n;
	}
	return me;
}

/*
 * The routes by account to one account's performers: its own users
 * (managers, wildcard tiers) and the managers of every account above it.
 */
static void
walk_account(Review *r, TargetAccount *ta)
{
	AccountScan scan;
	int64	   *up;
	int			nup;
	int			i,
				j;

	memset(&scan, 0, sizeof(scan));
	scan.target = ta;
	review_user_columns(&scan.cols);
	catalog_scan(EXT_USERS, EXT_IDX_USERS_ACCOUNT, catalog_attnum(EXT_USERS, "account_id"),
				 Int64GetDatum(ta->account_id), F_INT8EQ, r->snapshot,
				 account_users_callback, &scan);
	nup = review_ancestors(ta->account_id, r->snapshot, &up);
	for (i = 1; i < nup; i++)
	{
		MemberEntry *me = account_managers(r, up[i]);

		for (j = 0; j < me->n; j++)
		{
			UserEntry  *ue = review_user(r, me->members[j]);

			if (ue->found)
				account_route(ta, &ue->row, TIER_1, TIER_NONE);
		}
	}
}

/* The users of a team, read once. */
static MemberEntry *
team_members(Review *r, int64 team_id)
{
	bool		found;
	MemberEntry *me = hash_search(r->teams, &team_id, HASH_ENTER, &found);

	if (!found)
		me->n = review_ids(EXT_TEAM_MEMBERS, EXT_IDX_TEAM_MEMBERS_TEAM, "team_id", team_id,
						   "user_id", r->snapshot, &me->members);
	return me;
}

/* The performers of a group, read once. */
static MemberEntry *
group_members(Review *r, int64 group_id)
{
	bool		found;
	MemberEntry *me = hash_search(r->groups, &group_id, HASH_ENTER, &found);

	if (!found)
		me->n = review_ids(EXT_GROUP_MEMBERS, EXT_IDX_GROUP_MEMBERS_GROUP, "group_id", group_id,
						   "performer_id", r->snapshot, &me->members);
	return me;
}

/* Adds a route by grant to a performer. */
static void
grant_route(TargetPerformer *tp, int64 user_id, ReachSource source, Tier tier)
{
	GrantRoute *gr;

	tp->routes = grow(tp->routes, tp->n, &tp->cap, sizeof(GrantRoute));
	gr = &tp->routes[tp->n++];
	gr->user_id = user_id;
	gr->source = source;
	gr->tier = tier;
}

/* Adds the routes one live grant gives to one performer under review. */
static void
apply_grant(Review *r, const ReviewGrant *g, TargetPerformer *tp)
{
	bool		on_group = g->group_id != 0;

	if (!review_grant_live(g, r->now))
		return;
	if (g->user_id != 0)
		grant_route(tp, g->user_id, on_group ? SRC_GROUP : SRC_DIRECT, g->tier);
	else if (g->team_id != 0)
	{
		MemberEntry *me = team_members(r, g->team_id);
		int			i;

		for (i = 0; i < me->n; i++)
			grant_route(tp, me->members[i], on_group ? SRC_TEAM_GROUP : SRC_TEAM, g->tier);
	}
}

/* The routes by grant to one performer: grants on it, and on the groups holding it. */
static void
walk_performer_grants(Review *r, TargetPerformer *tp)
{
	ReviewGrants grants = {NULL, 0, 0};
	int64	   *groups;
	int			ngroups;
	int			i;

	review_grants(EXT_IDX_ACCESS_GRANTS_PERFORMER, "performer_id", tp->performer_id,
				  r->snapshot, &grants);
	ngroups = review_ids(EXT_GROUP_MEMBERS, EXT_IDX_GROUP_MEMBERS_PERFORMER, "performer_id",
						 tp->performer_id, "group_id", r->snapshot, &groups);
	for (i = 0; i < ngroups; i++)
		review_grants(EXT_IDX_ACCESS_GRANTS_GROUP, "group_id", groups[i], r->snapshot, &grants);
	for (i = 0; i < grants.n; i++)
		apply_grant(r, &grants.rows[i], tp);
}

/* The routes by grant to every performer under review of one account. */
static void
walk_account_grants(Review *r, int64 account_id)
{
	ReviewGrants grants = {NULL, 0, 0};
	int			i,
				j;

	review_grants(EXT_IDX_ACCESS_GRANTS_ACCOUNT, "account_id", account_id, r->snapshot, &grants);
	for (i = 0; i < grants.n; i++)
	{
		ReviewGrant *g = &grants.rows[i];
		TargetPerformer *tp;

		if (g->performer_id != 0)
		{
			if ((tp = hash_search(r->performers, &g->performer_id, HASH_FIND, NULL)) != NULL)
				apply_grant(r, g, tp);
		}
		else if (g->group_id != 0)
		{
			MemberEntry *me = group_members(r, g->group_id);

			for (j = 0; j < me->n; j++)
				if ((tp = hash_search(r->performers, &me->members[j], HASH_FIND, NULL)) != NULL)
					apply_grant(r, g, tp);
		}
	}
}

/* Orders grant routes by user. */
static int
grant_route_cmp(const void *a, const void *b)
{
	int64		x = ((const GrantRoute *) a)->user_id;
	int64		y = ((const GrantRoute *) b)->user_id;

	return (x > y) - (x < y);
}

/* Orders int64 values. */
static int
id_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return (x > y) - (x < y);
}

/* Called for each user reaching a performer, with its effective tier and routes. */
typedef void (*reach_callback) (int64 performer_id, int64 performer_account, int64 user_id,
								int64 user_account, Tier tier, Datum via, void *arg);

/*
 * One user's routes to a performer: the effective tier (each route capped
 * by the user type; single_performer users count only their direct grants),
 * and in *via the set of routes giving it (one bit per source).
 */
static Tier
effective(UserType user_type, Tier *tiers, int *via)
{
	Tier		eff = TIER_NONE;
	int			s;

	for (s = 0; s < SRC_COUNT; s++)
	{
		if (user_type == USER_TYPE_SINGLE_PERFORMER && s != SRC_DIRECT)
			tiers[s] = TIER_NONE;
		if (user_type == USER_TYPE_READ_ONLY && tiers[s] > TIER_4)
			tiers[s] = TIER_4;
		if (tiers[s] > eff)
			eff = tiers[s];
	}
	*via = 0;
	for (s = 0; eff > TIER_NONE && s < SRC_COUNT; s++)
		if (tiers[s] == eff)
			*via |= 1 << s;
	return eff;
}

/* The text naming a set of routes ("direct, team"), made once per set. */
static Datum
via_text(Review *r, int via)
{
	if (r->via[via] == (Datum) 0)
	{
		char		buf[96];
		int			s;

		buf[0] = '\0';
		for (s = 0; s < SRC_COUNT; s++)
			if (via & (1 << s))
			{
				if (buf[0] != '\0')
					strlcat(buf, ", ", sizeof(buf));
				strlcat(buf, review_source_name((ReachSource) s), sizeof(buf));
			}
		r->via[via] = CStringGetTextDatum(buf);
	}
	return r->via[via];
}

/*
 * Emits every active user reaching one performer: the users reaching its
 * account as a whole (with the grants of theirs that also reach it), then
 * the users reaching it by grants only.  A user appears once among the
 * routes by account: it belongs to one account, so it is either a user of
 * the performer's account or a manager of one account above it.
 */
static void
emit_performer(Review *r, TargetPerformer *tp, reach_callback callback, void *arg)
{
	TargetAccount *ta = hash_search(r->accounts, &tp->account_id, HASH_FIND, NULL);
	GrantRoute *gr = tp->routes;
	int			ng = tp->n;
	bool	   *used = ng > 0 ? palloc0(ng * sizeof(bool)) : NULL;
	int			via;
	int			i,
				j;

	if (ng > 1)
		qsort(gr, ng, sizeof(GrantRoute), grant_route_cmp);

	/* users reaching the account as a whole, and their grants on the performer */
	for (i = 0; i < ta->n; i++)
	{
		AccountRoute *ar = &ta->routes[i];
		Tier		tiers[SRC_COUNT] = {0};
		Tier		eff;

		tiers[SRC_MANAGER] = ar->manager;
		tiers[SRC_WILDCARD] = ar->wildcard;
		if (ng > 0)
		{
			int			lo = 0,
						hi = ng;

			while (lo < hi)
			{
				int			mid = (lo + hi) / 2;

				if (gr[mid].user_id < ar->user_id)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (j = lo; j < ng && gr[j].user_id == ar->user_id; j++)
			{
				used[j] = true;
				if (gr[j].tier > tiers[gr[j].source])
					tiers[gr[j].source] = gr[j].tier;
			}
		}
		eff = effective(ar->user_type, tiers, &via);
		if (eff > TIER_NONE)
			callback(tp->performer_id, tp->account_id, ar->user_id, ar->user_account_id,
					 eff, via_text(r, via), arg);
	}

	/* users reaching it by grants only */
	for (i = 0; i < ng;)
	{
		int64		uid = gr[i].user_id;
		Tier		tiers[SRC_COUNT] = {0};
		bool		skip = used[i];
		UserEntry  *ue;
		Tier		eff;

		for (; i < ng && gr[i].user_id == uid; i++)
			if (gr[i].tier > tiers[gr[i].source])
				tiers[gr[i].source] = gr[i].tier;
		if (skip)
			continue;
		ue = review_user(r, uid);
		if (!ue->found || !ue->row.active)
			continue;
		eff = effective(ue->row.user_type, tiers, &via);
		if (eff > TIER_NONE)
			callback(tp->performer_id, tp->account_id, uid, ue->row.account_id, eff,
					 via_text(r, via), arg);
	}
}

/* ---------------------------------------------------------------------
 * permissions.who_can(action, kind, performer_id)
 * ---------------------------------------------------------------------
 */

/* What who_can_row writes to. */
typedef struct WhoCanOut
{
	ReturnSetInfo *rsinfo;
	DataAction	action;
	DataKind	kind;
} WhoCanOut;

/* A row of who_can: a user for whom check() is true. */
static void
who_can_row(int64 performer_id, int64 performer_account, int64 user_id, int64 user_account,
			Tier tier, Datum via, void *arg)
{
	WhoCanOut  *out = (WhoCanOut *) arg;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (matrix_cell(tier, out->action, out->kind) == CELL_NOTHING)
		return;
	values[0] = Int64GetDatum(user_id);
	values[1] = TierGetDatum(tier);
	values[2] = via;
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
}

/*
 * permissions.who_can(action text, kind text, performer_id bigint)
 *		returns table (user_id bigint, tier tier, via text)
 *		Every active user for whom check(action, kind, performer_id, user_id)
 *		is true (an "own" cell counts), with the effective tier and the
 *		routes giving it.  Superusers and holders of manage_users over the
 *		performer's account only.
 */
Datum
review_who_can(PG_FUNCTION_ARGS)
{
	WhoCanOut	out;
	Review		r;
	int64		performer_id;
	int64		account_id;
	bool		exists;
	TargetPerformer *tp;
	HASH_SEQ_STATUS st;
	TargetAccount *ta;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("action, kind and performer_id must not be null")));
	out.action = matrix_parse_action(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	out.kind = matrix_parse_kind(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	performer_id = PG_GETARG_INT64(2);

	exists = review_performer_account(performer_id, review_snapshot(), &account_id);
	if (!exists || !review_may_review(access_cache_current(), account_id))
		review_refuse_performer(performer_id, exists);

	InitMaterializedSRF(fcinfo, 0);
	out.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	review_begin(&r);
	review_add_target(&r, performer_id, account_id);
	hash_seq_init(&st, r.accounts);
	while ((ta = hash_seq_search(&st)) != NULL)
		walk_account(&r, ta);
	tp = hash_search(r.performers, &performer_id, HASH_FIND, NULL);
	walk_performer_grants(&r, tp);
	emit_performer(&r, tp, who_can_row, &out);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * permissions.access_review(account_id)
 * ---------------------------------------------------------------------
 */

/* A row of access_review: one user reaching one performer. */
static void
access_review_row(int64 performer_id, int64 performer_account, int64 user_id, int64 user_account,
				  Tier tier, Datum via, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};

	values[0] = Int64GetDatum(performer_id);
	values[1] = Int64GetDatum(performer_account);
	values[2] = Int64GetDatum(user_id);
	values[3] = Int64GetDatum(user_account);
	values[4] = TierGetDatum(tier);
	values[5] = via;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * permissions.access_review(account_id bigint)
 *		returns table (performer_id, performer_account_id, user_id,
 *					   user_account_id, tier, via)
 *		One row per (performer, user) with the user's effective tier, for
 *		every performer of the account and its sub-accounts the caller may
 *		review (superusers: all; holders of manage_users: the accounts where
 *		they hold it), and every active user reaching it, whatever its
 *		account (managers above, grants across tenants a DBA made).
 */
Datum
review_access_review(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Review		r;
	AccessCache *self = access_cache_current();
	int64		root;
	Snapshot	snapshot = review_snapshot();
	int64	   *queue;
	int			nqueue = 0;
	int			qcap = 16;
	int64	   *perf_ids = NULL;
	int			nperf = 0;
	int			i;
	bool		exists;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("account_id must not be null")));
	root = PG_GETARG_INT64(0);
	exists = review_account_name(root, snapshot) != NULL;	/* name is NOT NULL */
	if (!exists || !review_may_review(self, root))
	{
		if (!exists && acting_role_is_superuser())
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("account %lld does not exist", (long long) root)));
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("account %lld does not exist or you cannot review its access",
						(long long) root),
				 errdetail("Only superusers and holders of manage_users over an account may review who reaches its performers."),
				 errhint("Ask a user manager of the account.")));
	}

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	review_begin(&r);

	/* the accounts of the subtree the caller may review, and their performers */
	queue = palloc(qcap * sizeof(int64));
	queue[nqueue++] = root;
	for (i = 0; i < nqueue; i++)
	{
		int64	   *children;
		int			nchildren;
		IdCollect	c = {EXT_PERFORMERS, "id", NULL, 0, 0};
		int			j;

		nchildren = review_ids(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PARENT, "parent_id", queue[i],
							   "id", snapshot, &children);
		for (j = 0; j < nchildren; j++)
		{
			int			k;

			for (k = 0; k < nqueue && queue[k] != children[j]; k++)
				;
			if (k < nqueue)
				continue;		/* a cycle */
			if (nqueue == qcap)
			{
				qcap *= 2;
				queue = repalloc(queue, qcap * sizeof(int64));
			}
			queue[nqueue++] = children[j];
		}
		if (!review_may_review(self, queue[i]))
			continue;
		catalog_scan(EXT_PERFORMERS, EXT_IDX_PERFORMERS_ACCOUNT,
					 catalog_attnum(EXT_PERFORMERS, "account_id"), Int64GetDatum(queue[i]),
					 F_INT8EQ, snapshot, review_ids_callback, &c);
		for (j = 0; j < c.n; j++)
			review_add_target(&r, c.ids[j], queue[i]);
		if (c.n > 0)
		{
			TargetAccount *ta = hash_search(r.accounts, &queue[i], HASH_FIND, NULL);

			walk_account(&r, ta);
			walk_account_grants(&r, queue[i]);
		}
		if (c.n > 0)
		{
			perf_ids = perf_ids ? repalloc(perf_ids, (nperf + c.n) * sizeof(int64))
				: palloc((nperf + c.n) * sizeof(int64));
			memcpy(perf_ids + nperf, c.ids, c.n * sizeof(int64));
			nperf += c.n;
		}
	}

	/* performer by performer, in id order */
	if (nperf > 1)
		qsort(perf_ids, nperf, sizeof(int64), id_cmp);
	for (i = 0; i < nperf; i++)
	{
		TargetPerformer *tp = hash_search(r.performers, &perf_ids[i], HASH_FIND, NULL);

		emit_performer(&r, tp, access_review_row, rsinfo);
	}
	return (Datum) 0;
}
