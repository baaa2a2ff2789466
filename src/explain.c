/*
 * explain.c
 *		Why a decision: permissions.explain_check(action, kind, performer_id
 *		[, user_id]).
 *
 * One row per rule the decision considers, read from the user's side as the
 * access cache reads them (the user's row, its grants, its teams' grants):
 * the user type's cap, a manager above the performer, the wildcard tier,
 * every grant reaching the performer (expired ones shown, not in effect),
 * the limit of a credential or token the session acts through, the cell of
 * the tier matrix and the own-row rule.  The last row is the decision taken
 * by the code permissions.check() runs, so its allowed is check()'s answer
 * by construction; test/review/compare.py checks that the rows above it
 * lead to the same answer.
 *
 * What the rows may say depends on who asks.  A user asking about itself
 * learns nothing about a performer it does not reach (not even whether it
 * exists).  A reviewer (superuser, or holder of manage_users over the
 * performer's account) asking about a user it does not manage learns
 * nothing about a user that does not reach the performer (not even whether
 * it exists), and the names of accounts and teams only where it sees them.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "access_cache.h"
#include "acting_role.h"
#include "catalog.h"
#include "identity.h"
#include "matrix.h"
#include "review.h"

PG_FUNCTION_INFO_V1(explain_check);

/* One row of the explanation. */
typedef struct ExplainRow
{
	const char *source;
	Tier		tier;
	bool		allowed;
	char	   *detail;
} ExplainRow;

/* The rows collected so far. */
typedef struct Explanation
{
	ExplainRow	rows[64];
	int			n;
	List	   *more;			/* rows past the first 64 (many grants) */
	DataAction	action;
	DataKind	kind;
	Snapshot	snapshot;
	TimestampTz now;
	AccessCache *self;
	bool		superuser;
	int			grant_rows;		/* grants reaching the performer, in effect or not */
} Explanation;

static const char *const action_words[ACTION_COUNT] = {"view", "create", "edit", "delete"};
static const char *const kind_words[KIND_COUNT] = {
	"performer", "chart", "measurement", "condition", "note", "tag", "journal", "access"
};

/* Adds a row. */
static void
add_row(Explanation *e, const char *source, Tier tier, bool allowed, char *detail)
{
	ExplainRow *row;

	if (e->n < (int) lengthof(e->rows))
		row = &e->rows[e->n++];
	else
	{
		row = palloc(sizeof(ExplainRow));
		e->more = lappend(e->more, row);
	}
	row->source = source;
	row->tier = tier;
	row->allowed = allowed;
	row->detail = detail;
}

/* Whether a tier allows the action on the kind (an "own" cell counts, as in check()). */
static bool
cell_allows(Explanation *e, Tier tier)
{
	return matrix_cell(tier, e->action, e->kind) != CELL_NOTHING;
}

/* " (tier1, capped at tier4 by ...)" when the user type lowers a tier, else "". */
static const char *
cap_note(const UserRow *u, Tier raw)
{
	Tier		capped = access_cache_cap(u, raw);

	if (capped == raw)
		return "";
	return psprintf(" (%s, capped at %s by %s)", tier_name(raw), tier_name(capped),
					u->active ? "user type read_only" : "an inactive user");
}

/* An account's name and id, the name only where the caller sees the account. */
static char *
account_label(Explanation *e, int64 account_id)
{
	char	   *name = NULL;

	if (e->superuser || access_cache_member(e->self, account_id))
		name = review_account_name(account_id, e->snapshot);
	return name ? psprintf("account %s (%lld)", quote_identifier(name), (long long) account_id)
		: psprintf("account %lld", (long long) account_id);
}

/* What team_callback reads: a team's name and account. */
typedef struct TeamRow
{
	char	   *name;
	int64		account_id;
} TeamRow;

/* Catalog scan callback: a teams row. */
static void
team_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	TeamRow    *t = (TeamRow *) arg;
	bool		isnull;

	t->name = TextDatumGetCString(catalog_getattr(tuple, desc, catalog_attnum(EXT_TEAMS, "name"), &isnull));
	t->account_id = DatumGetInt64(catalog_getattr(tuple, desc, catalog_attnum(EXT_TEAMS, "account_id"), &isnull));
}

/* A team's name and id, the name only where the caller sees the team's account. */
static char *
team_label(Explanation *e, int64 team_id)
{
	TeamRow		t = {NULL, 0};

	catalog_scan(EXT_TEAMS, EXT_IDX_TEAMS_PKEY, catalog_attnum(EXT_TEAMS, "id"),
				 Int64GetDatum(team_id), F_INT8EQ, e->snapshot, team_callback, &t);
	if (t.name != NULL && (e->superuser || access_cache_member(e->self, t.account_id)))
		return psprintf("team %s (%lld)", quote_identifier(t.name), (long long) team_id);
	return psprintf("team %lld", (long long) team_id);
}

/* A group's name and id (the performer's account's group: the caller sees it). */
static char *
group_label(Explanation *e, int64 group_id)
{
	char	   *name = review_name(EXT_GROUPS, EXT_IDX_GROUPS_PKEY, group_id, e->snapshot);

	return name ? psprintf("group %s (%lld)", quote_identifier(name), (long long) group_id)
		: psprintf("group %lld", (long long) group_id);
}

/* The user type's row: what it caps every route at. */
static void
explain_user_type(Explanation *e, const UserRow *u)
{
	Tier		cap = access_cache_cap(u, TIER_1);

	if (!u->active)
		add_row(e, "user type", TIER_NONE, false,
				psprintf("user %lld is inactive: an inactive user reaches nothing", (long long) u->id));
	else if (u->user_type == USER_TYPE_READ_ONLY)
		add_row(e, "user type", cap, cell_allows(e, cap),
				pstrdup("user type read_only: every route is capped at tier4"));
	else if (u->user_type == USER_TYPE_SINGLE_PERFORMER)
		add_row(e, "user type", cap, cell_allows(e, cap),
				pstrdup("user type single_performer: only grants made to the user on a performer count (no wildcard tier, group or team grant)"));
	else
		add_row(e, "user type", cap, cell_allows(e, cap),
				pstrdup("user type full_access: no cap"));
}

/* The manager row: a manager of the performer's account or of one above it. */
static Tier
explain_manager(Explanation *e, const UserRow *u, int64 *up, int nup)
{
	int			i;

	for (i = 0; i < nup; i++)
		if (up[i] == u->account_id)
			break;
	if (i == nup || u->role != ROLE_MANAGER)
	{
		add_row(e, "manager", TIER_NONE, false,
				pstrdup("not a manager of the performer's account or of an account above it"));
		return TIER_NONE;
	}
	if (u->user_type != USER_TYPE_FULL_ACCESS || !u->active)
	{
		add_row(e, "manager", TIER_NONE, false,
				psprintf("role manager in %s, which counts only for active full_access users",
						 account_label(e, u->account_id)));
		return TIER_NONE;
	}
	add_row(e, "manager", TIER_1, cell_allows(e, TIER_1),
			psprintf("manager of %s, %s", account_label(e, u->account_id),
					 i == 0 ? "the performer's account" : "an account above the performer's"));
	return TIER_1;
}

/* The wildcard row: the user's tier over its own account's performers. */
static Tier
explain_wildcard(Explanation *e, const UserRow *u, int64 account_id)
{
	Tier		t;

	if (u->account_id != account_id)
	{
		add_row(e, "wildcard", TIER_NONE, false,
				pstrdup("a wildcard tier covers the user's own account only, and the performer is in another account"));
		return TIER_NONE;
	}
	if (u->user_type == USER_TYPE_SINGLE_PERFORMER)
	{
		add_row(e, "wildcard", TIER_NONE, false,
				pstrdup("single_performer users have no wildcard tier"));
		return TIER_NONE;
	}
	t = access_cache_cap(u, u->access);
	add_row(e, "wildcard", t, t > TIER_NONE && cell_allows(e, t),
			psprintf("wildcard tier %s over %s%s", tier_name(u->access),
					 account_label(e, account_id), cap_note(u, u->access)));
	return t;
}

/* Orders grants by id. */
static int
grant_cmp(const void *a, const void *b)
{
	int64		x = ((const ReviewGrant *) a)->id;
	int64		y = ((const ReviewGrant *) b)->id;

	return (x > y) - (x < y);
}

/* One grant row; returns the tier it gives (TIER_NONE when it gives nothing). */
static Tier
explain_grant(Explanation *e, const UserRow *u, const ReviewGrant *g, ReachSource source)
{
	Tier		t = access_cache_cap(u, g->tier);
	bool		live = review_grant_live(g, e->now);
	bool		counted = u->user_type != USER_TYPE_SINGLE_PERFORMER || source == SRC_DIRECT;
	StringInfoData d;

	initStringInfo(&d);
	appendStringInfo(&d, "grant %lld", (long long) g->id);
	if (g->team_id != 0)
		appendStringInfo(&d, " to %s", team_label(e, g->team_id));
	if (g->group_id != 0)
		appendStringInfo(&d, " on %s", group_label(e, g->group_id));
	else
		appendStringInfo(&d, " on performer %lld", (long long) g->performer_id);
	appendStringInfo(&d, ", tier %s%s", tier_name(g->tier), cap_note(u, g->tier));
	if (!g->has_expiry)
		appendStringInfoString(&d, ", no expiry");
	else if (live)
		appendStringInfo(&d, ", expires %s", timestamptz_to_str(g->expires_at));
	else
		appendStringInfo(&d, ", expired %s: not in effect", timestamptz_to_str(g->expires_at));
	if (!counted)
		appendStringInfoString(&d, "; not counted: single_performer users count only grants made to them on a performer");
	e->grant_rows++;
	add_row(e, review_source_name(source), t, live && counted && t > TIER_NONE && cell_allows(e, t),
			d.data);
	return live && counted ? t : TIER_NONE;
}

/*
 * The grant rows: the user's own grants, then its teams' grants, on the
 * performer or on a group holding it.  Returns the highest tier they give.
 */
static Tier
explain_grants(Explanation *e, const UserRow *u, int64 performer_id)
{
	ReviewGrants mine = {NULL, 0, 0};
	ReviewGrants teams = {NULL, 0, 0};
	int64	   *groups;
	int			ngroups;
	int64	   *team_ids;
	int			nteams;
	Tier		best = TIER_NONE;
	int			pass;
	int			i,
				j;

	ngroups = review_ids(EXT_GROUP_MEMBERS, EXT_IDX_GROUP_MEMBERS_PERFORMER, "performer_id",
						 performer_id, "group_id", e->snapshot, &groups);
	review_grants(EXT_IDX_ACCESS_GRANTS_USER, "user_id", u->id, e->snapshot, &mine);
	nteams = review_ids(EXT_TEAM_MEMBERS, EXT_IDX_TEAM_MEMBERS_USER, "user_id", u->id,
						"team_id", e->snapshot, &team_ids);
	for (i = 0; i < nteams; i++)
		review_grants(EXT_IDX_ACCESS_GRANTS_TEAM, "team_id", team_ids[i], e->snapshot, &teams);
	if (mine.n > 1)
		qsort(mine.rows, mine.n, sizeof(ReviewGrant), grant_cmp);
	if (teams.n > 1)
		qsort(teams.rows, teams.n, sizeof(ReviewGrant), grant_cmp);

	/* direct, group, team, team on group: the order of the sources */
	for (pass = SRC_DIRECT; pass <= SRC_TEAM_GROUP; pass++)
	{
		ReviewGrants *list = pass <= SRC_GROUP ? &mine : &teams;
		bool		on_group = pass == SRC_GROUP || pass == SRC_TEAM_GROUP;

		for (i = 0; i < list->n; i++)
		{
			ReviewGrant *g = &list->rows[i];
			bool		reaches = false;
			Tier		t;

			if (!on_group && g->performer_id == performer_id)
				reaches = true;
			for (j = 0; on_group && g->group_id != 0 && j < ngroups; j++)
				if (groups[j] == g->group_id)
					reaches = true;
			if (!reaches)
				continue;
			t = explain_grant(e, u, g, (ReachSource) pass);
			if (t > best)
				best = t;
		}
	}
	return best;
}

/* How the session's identity is named in the credential limit row. */
static char *
identity_label(void)
{
	Identity	id;

	identity_get(&id);
	if (id.source == IDENTITY_CREDENTIAL)
		return psprintf("API credential %lld", (long long) id.ref_id);
	if (id.source == IDENTITY_TOKEN)
		return psprintf("a signed token (subject mapping %lld)", (long long) id.ref2_id);
	return pstrdup("its identity");
}

/*
 * The limit of a credential or token made by another user than its own
 * (the session asking about itself): never more than its creator holds.
 * With up (the performer's account and those above it), returns the tier
 * it lets through on the performer; without, the row describes the limit
 * alone and returns the most it lets through anywhere.
 */
static Tier
explain_limit(Explanation *e, int64 account_id, const int64 *up, int nup)
{
	UserRow		creator;
	char	   *who = identity_label();
	Tier		t;
	const char *where = "";
	int			i;

	if (!review_load_user(e->self->limit_creator, e->snapshot, &creator) || !creator.active)
	{
		add_row(e, "credential limit", TIER_NONE, false,
				psprintf("this session acts through %s, made by user %lld, who is gone or inactive: it reaches nothing",
						 who, (long long) e->self->limit_creator));
		return TIER_NONE;
	}
	if (creator.role == ROLE_MANAGER && creator.user_type == USER_TYPE_FULL_ACCESS)
	{
		t = TIER_1;
		if (up != NULL)
		{
			for (i = 0; i < nup && up[i] != creator.account_id; i++)
				;
			if (i == nup)
			{
				t = TIER_NONE;
				where = ", and the performer is outside them";
			}
		}
		add_row(e, "credential limit", t, t > TIER_NONE && cell_allows(e, t),
				psprintf("this session acts through %s, made by user %lld, a manager of %s: it acts only within that account and its sub-accounts%s",
						 who, (long long) creator.id, account_label(e, creator.account_id), where));
		return t;
	}
	t = access_cache_cap(&creator, creator.access);
	if (up != NULL && creator.account_id != account_id)
	{
		t = TIER_NONE;
		where = ", and the performer is in another account";
	}
	add_row(e, "credential limit", t, t > TIER_NONE && cell_allows(e, t),
			psprintf("this session acts through %s, made by user %lld: at most %s (its creator's wildcard tier), in %s only%s",
					 who, (long long) creator.id, tier_name(access_cache_cap(&creator, creator.access)),
					 account_label(e, creator.account_id), where));
	return t;
}

/* The matrix row, and the own-row rule when the cell is "own". */
static void
explain_matrix(Explanation *e, Tier tier, int64 user_id)
{
	CellScope	cell = matrix_cell(tier, e->action, e->kind);
	const char *a = action_words[e->action];
	const char *k = kind_words[e->kind];

	if (cell == CELL_ALL)
		add_row(e, "matrix", tier, true,
				psprintf("%s may %s every %s row of the performer", tier_name(tier), a, k));
	else if (cell == CELL_OWN)
	{
		add_row(e, "matrix", tier, true,
				psprintf("%s may %s only the %s rows of the performer the user created", tier_name(tier), a, k));
		add_row(e, "own rows", tier, true,
				psprintf("check() counts an \"own\" cell as allowed; the policies allow only rows whose created_by is user %lld",
						 (long long) user_id));
	}
	else if (tier == TIER_NONE)
		add_row(e, "matrix", tier, false, psprintf("no tier on the performer: no %s on %s", a, k));
	else
		add_row(e, "matrix", tier, false,
				psprintf("%s may not %s %s rows; that needs %s", tier_name(tier), a, k,
						 tier_name(matrix_min_tier(e->action, e->kind))));
}

/* Writes the rows to the function's result. */
static void
emit(FunctionCallInfo fcinfo, Explanation *e)
{
	ReturnSetInfo *rsinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	for (i = 0; i < e->n + list_length(e->more); i++)
	{
		ExplainRow *row = i < e->n ? &e->rows[i] : (ExplainRow *) list_nth(e->more, i - e->n);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(row->source);
		values[1] = TierGetDatum(row->tier);
		values[2] = BoolGetDatum(row->allowed);
		values[3] = CStringGetTextDatum(row->detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * permissions.explain_check(action text, kind text, performer_id bigint,
 *							  user_id bigint DEFAULT NULL)
 *		returns table (source text, tier tier, allowed boolean, detail text)
 *		The rules check(action, kind, performer_id, user_id) considers, one
 *		per row, and last the decision.  Callers: superusers and holders of
 *		manage_users over the performer's account about anyone; any user
 *		about itself (user_id NULL or its own id).
 */
Datum
explain_check(PG_FUNCTION_ARGS)
{
	Explanation e;
	int64		performer_id;
	int64		account_id;
	bool		exists;
	bool		asked_self;
	bool		reviewer;
	int64		user_id;
	AccessCache *decider;
	Tier		decided;
	bool		allowed;
	UserRow		u;
	bool		has_user;
	int64	   *up = NULL;
	int			nup = 0;
	Tier		tier = TIER_NONE;
	char	   *decision;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("action, kind and performer_id must not be null")));
	memset(&e, 0, sizeof(e));
	e.action = matrix_parse_action(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	e.kind = matrix_parse_kind(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	performer_id = PG_GETARG_INT64(2);
	e.snapshot = review_snapshot();
	e.now = GetCurrentStatementStartTimestamp();
	e.self = access_cache_current();
	e.superuser = acting_role_is_superuser();

	asked_self = PG_NARGS() < 4 || PG_ARGISNULL(3) ||
		(e.self->has_user && e.self->user.id == PG_GETARG_INT64(3));
	exists = review_performer_account(performer_id, e.snapshot, &account_id);
	reviewer = exists && review_may_review(e.self, account_id);
	if (!asked_self && !reviewer)
		review_refuse_performer(performer_id, exists);
	user_id = asked_self ? (e.self->has_user ? e.self->user.id : 0) : PG_GETARG_INT64(3);

	/* the decision, as check() takes it */
	decider = asked_self ? e.self : access_cache_for_user(user_id);
	decided = access_cache_performer_tier(decider, performer_id);
	allowed = matrix_cell(decided, e.action, e.kind) != CELL_NOTHING;
	decision = psprintf("check('%s', '%s', %lld, %lld) is %s",
						action_words[e.action], kind_words[e.kind], (long long) performer_id,
						(long long) user_id, allowed ? "true" : "false");

	has_user = user_id != 0 && review_load_user(user_id, e.snapshot, &u);
	if (asked_self && !e.self->has_user)
	{
		add_row(&e, "user type", TIER_NONE, false,
				pstrdup("the session acts as nobody (no identity, or an inactive user): it reaches nothing"));
		add_row(&e, "decision", TIER_NONE, false,
				psprintf("check('%s', '%s', %lld) is false", action_words[e.action],
						 kind_words[e.kind], (long long) performer_id));
		emit(fcinfo, &e);
		return (Datum) 0;
	}
	if (asked_self && !reviewer && decided == TIER_NONE)
	{
		/* nothing that depends on the performer: not even whether it exists */
		explain_user_type(&e, &u);
		if (e.self->limit_creator != 0)
			(void) explain_limit(&e, 0, NULL, 0);
		add_row(&e, "decision", TIER_NONE, false,
				psprintf("%s: performer %lld is not reachable through this session's identity",
						 decision, (long long) performer_id));
		emit(fcinfo, &e);
		return (Datum) 0;
	}
	if (!has_user)
	{
		if (e.superuser)
			add_row(&e, "user type", TIER_NONE, false,
					psprintf("no user has id %lld", (long long) user_id));
		add_row(&e, "decision", TIER_NONE, false,
				psprintf("%s: user %lld does not reach performer %lld", decision,
						 (long long) user_id, (long long) performer_id));
		emit(fcinfo, &e);
		return (Datum) 0;
	}

	/* every rule, from the user's side */
	nup = review_ancestors(account_id, e.snapshot, &up);
	explain_user_type(&e, &u);
	if (u.active)
	{
		Tier		t;

		tier = explain_manager(&e, &u, up, nup);
		t = explain_wildcard(&e, &u, account_id);
		tier = Max(tier, t);
		t = explain_grants(&e, &u, performer_id);
		tier = Max(tier, t);
		if (asked_self && e.self->limit_creator != 0)
		{
			Tier		limit = explain_limit(&e, account_id, up, nup);

			tier = Min(tier, limit);
		}
	}

	/* a user the caller does not manage, reaching the performer by no grant: no word about it */
	if (!asked_self && !e.superuser && decided == TIER_NONE && e.grant_rows == 0 &&
		!access_cache_holds(e.self, PERM_MANAGE_USERS, u.account_id))
	{
		e.n = 0;
		e.more = NIL;
		add_row(&e, "decision", TIER_NONE, false,
				psprintf("%s: user %lld does not reach performer %lld", decision,
						 (long long) user_id, (long long) performer_id));
		emit(fcinfo, &e);
		return (Datum) 0;
	}
	explain_matrix(&e, tier, user_id);
	add_row(&e, "decision", decided, allowed, decision);
	emit(fcinfo, &e);
	return (Datum) 0;
}
