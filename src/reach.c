/*
 * reach.c
 *		Policies planned as exact reach conditions, so that one generic plan
 *		is right and fast for every shape of user.
 *
 * A policy call such as permissions.can_view('measurement', account_id,
 * performer_id) whose matrix column is "everything from tier t up, nothing
 * below" (no "own" cell) means exactly: the row's account is reached as a
 * whole at t or above, or its performer is reached through grants at t or
 * above in that account.  Before planning, such calls in row-level security
 * quals are replaced by the same statement in two parts:
 *
 *		permissions.reached_account(t, account_id)
 *		OR permissions.reached_performer(t, account_id, performer_id)
 *
 * Planner support turns each part into an index condition evaluated at run
 * time, account_id = ANY (permissions.whole_accounts(t)) and performer_id =
 * ANY (permissions.partial_performers(t)), both exact (the second where the
 * table's composite foreign key ties each performer to its account), and
 * estimates each from the cache's counts.  The planner can then scan both
 * indexes and OR the bitmaps: a parent's plan reads its one performer's
 * rows and finds nothing in the account index; a supervisor's reads its
 * accounts and nothing in the performer index.  The plan is the same for
 * both, so a generic plan suits every user.
 *
 * This file holds the SQL functions, the planner support of the parts and
 * what it knows of tables (which foreign keys tie a performer to its
 * account); reach_plan.c rewrites the policies before planning and tidies
 * the plan after it.
 */
#include "postgres.h"

#include "catalog/pg_am.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "utils/array.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "access_cache.h"
#include "catalog.h"
#include "planning.h"
#include "reach.h"

PG_FUNCTION_INFO_V1(access_reached_account);
PG_FUNCTION_INFO_V1(access_reached_performer);
PG_FUNCTION_INFO_V1(access_reached);
PG_FUNCTION_INFO_V1(access_whole_accounts);
PG_FUNCTION_INFO_V1(access_partial_performers);

/* Above this many wholly reached accounts, estimate from n_distinct alone. */
#define MAX_ACCOUNT_ESTIMATES	64

/* How deep a chain of composite foreign keys is followed to the performers. */
#define MAX_FKEY_HOPS			4

/* The reach functions, looked up by name once per backend and after a change. */
static ReachFunctions fn;

/* Syscache callback: a function changed; look the OIDs up again. */
static void
reach_proc_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	fn.valid = false;
}

/* OID of permissions.<name> with nargs arguments, the first a tier, the rest bigint. */
static Oid
reach_function(const char *name, int nargs)
{
	Oid			args[3] = {fn.tier_type, INT8OID, INT8OID};

	return catalog_function_oid(name, nargs, args);
}

/* The reach functions, looked up when needed; NULL when the extension lacks them. */
const ReachFunctions *
reach_functions(void)
{
	if (!fn.callback)
	{
		CacheRegisterSyscacheCallback(PROCOID, reach_proc_changed, (Datum) 0);
		fn.callback = true;
	}
	if (!fn.valid)
	{
		fn.tier_type = catalog_type_oid("tier");
		if (OidIsValid(fn.tier_type))
		{
			fn.reached_account = reach_function("reached_account", 2);
			fn.reached_performer = reach_function("reached_performer", 3);
			fn.reached = reach_function("reached", 3);
			fn.whole_accounts = reach_function("whole_accounts", 1);
			fn.partial_performers = reach_function("partial_performers", 1);
		}
		fn.valid = true;
	}
	if (OidIsValid(fn.tier_type) && OidIsValid(fn.reached_account) &&
		OidIsValid(fn.reached_performer) && OidIsValid(fn.reached) &&
		OidIsValid(fn.whole_accounts) && OidIsValid(fn.partial_performers))
		return &fn;
	return NULL;
}

/* The bigint argument argno, with NULL read as 0 (matches nothing). */
static int64
reach_id_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? 0 : PG_GETARG_INT64(argno);
}

/* The current cache, checked once per statement at the call site. */
static AccessCache *
reach_cache(FunctionCallInfo fcinfo)
{
	DecisionMemo *m = (DecisionMemo *) fcinfo->flinfo->fn_extra;

	if (m == NULL)
	{
		m = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DecisionMemo));
		fcinfo->flinfo->fn_extra = m;
	}
	return access_cache_memo(m);
}

/* The tier argument; NULL reaches nothing. */
static bool
reach_tier_arg(FunctionCallInfo fcinfo, Tier *tier)
{
	if (PG_ARGISNULL(0))
		return false;
	*tier = PG_GETARG_TIER(0);
	return true;
}

/*
 * permissions.reached_account(min_tier tier, account_id bigint) returns boolean
 *		Whether the current user reaches the account as a whole at min_tier
 *		or above.
 */
Datum
access_reached_account(PG_FUNCTION_ARGS)
{
	AccessCache *c = reach_cache(fcinfo);
	Tier		t;

	PG_RETURN_BOOL(reach_tier_arg(fcinfo, &t) && t > TIER_NONE &&
				   access_cache_account_tier(c, reach_id_arg(fcinfo, 1)) >= t);
}

/*
 * permissions.reached_performer(min_tier tier, account_id bigint, performer_id bigint) returns boolean
 *		Whether the current user reaches the performer of that account
 *		through grants at min_tier or above, and not the account as a whole.
 */
Datum
access_reached_performer(PG_FUNCTION_ARGS)
{
	AccessCache *c = reach_cache(fcinfo);
	int64		account_id = reach_id_arg(fcinfo, 1);
	Tier		t;

	PG_RETURN_BOOL(reach_tier_arg(fcinfo, &t) && t > TIER_NONE &&
				   access_cache_account_tier(c, account_id) < t &&
				   access_cache_granted_tier(c, account_id, reach_id_arg(fcinfo, 2)) >= t);
}

/*
 * permissions.reached(min_tier tier, account_id bigint, performer_id bigint) returns boolean
 *		Whether the current user's tier on the performer of that account is
 *		min_tier or above: the two parts above in one call.
 */
Datum
access_reached(PG_FUNCTION_ARGS)
{
	AccessCache *c = reach_cache(fcinfo);
	Tier		t;

	PG_RETURN_BOOL(reach_tier_arg(fcinfo, &t) && t > TIER_NONE &&
				   access_cache_tier(c, reach_id_arg(fcinfo, 1), reach_id_arg(fcinfo, 2)) >= t);
}

/* Builds an int8[] from ids. */
static ArrayType *
id_array(int64 *ids, int count)
{
	Datum	   *elems = palloc(sizeof(Datum) * (count > 0 ? count : 1));
	int			i;

	for (i = 0; i < count; i++)
		elems[i] = Int64GetDatum(ids[i]);
	return construct_array(elems, count, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
						   TYPALIGN_DOUBLE);
}

/*
 * A call site's array of reachable ids, kept for the statement: an index
 * scan evaluates its condition again at every rescan (the inner side of a
 * nested loop), and the ids come from the cache, so the array is built once
 * and only copied after that, until the cache computes new arrays.
 */
typedef struct ReachMemo
{
	uint64		generation;
	Tier		tier;
	int64	   *ids;
	ArrayType  *array;
} ReachMemo;

/*
 * One of the cache's sorted id arrays at the tier of argument 0, as an
 * int8[]: the right side of the index conditions.  When the planner (not
 * the executor) evaluates it, to estimate a condition, it gets an evenly
 * spaced sample of at most PLANNING_SAMPLE ids (see planning.h).
 */
Datum
reach_id_array(FunctionCallInfo fcinfo, AccessIds what)
{
	Tier		tier = PG_GETARG_TIER(0);
	AccessCache *c = access_cache_current();
	ReachMemo  *memo = (ReachMemo *) fcinfo->flinfo->fn_extra;
	int64	   *ids;
	int			count;
	ArrayType  *copy;

	access_cache_ids(c, what, tier, &ids, &count);
	if (planning_estimating() && count == 0 && c->has_user &&
		what == ARRAY_PARTIAL_PERFORMERS)
	{
		/*
		 * The planner estimates an index condition from the ids it gets
		 * here.  For a user who reaches no performer through grants it gets
		 * one id no row has (estimated as an average performer), so that a
		 * plan made for a supervisor is costed for the parent who may run it
		 * next.  An empty account part stays empty: costed as a whole
		 * account it would make a parent's plan read the table.
		 */
		int64		none = 0;

		PG_RETURN_ARRAYTYPE_P(id_array(&none, 1));
	}
	if (planning_estimating() && count > PLANNING_SAMPLE)
	{
		int64		sample[PLANNING_SAMPLE];
		int			i;

		for (i = 0; i < PLANNING_SAMPLE; i++)
			sample[i] = ids[(int) (((int64) i * count) / PLANNING_SAMPLE)];
		PG_RETURN_ARRAYTYPE_P(id_array(sample, PLANNING_SAMPLE));
	}
	if (memo == NULL || memo->generation != access_cache_generation() ||
		memo->tier != tier || memo->ids != ids)
	{
		ArrayType  *array = id_array(ids, count);

		if (memo == NULL)
		{
			memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ReachMemo));
			fcinfo->flinfo->fn_extra = memo;
		}
		else if (memo->array != NULL)
			pfree(memo->array);
		memo->array = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, VARSIZE(array));
		memcpy(memo->array, array, VARSIZE(array));
		memo->generation = access_cache_generation();
		memo->tier = tier;
		memo->ids = ids;
	}
	copy = palloc(VARSIZE(memo->array));
	memcpy(copy, memo->array, VARSIZE(memo->array));
	PG_RETURN_ARRAYTYPE_P(copy);
}

/*
 * permissions.whole_accounts(min_tier tier) returns bigint[]
 *		Sorted ids of the accounts the current user reaches as a whole at
 *		min_tier or above.
 */
Datum
access_whole_accounts(PG_FUNCTION_ARGS)
{
	return reach_id_array(fcinfo, ARRAY_WHOLE_ACCOUNTS);
}

/*
 * permissions.partial_performers(min_tier tier) returns bigint[]
 *		Sorted ids of the performers the current user reaches through grants
 *		at min_tier or above outside the accounts it reaches as a whole.
 */
Datum
access_partial_performers(PG_FUNCTION_ARGS)
{
	return reach_id_array(fcinfo, ARRAY_PARTIAL_PERFORMERS);
}

/* A remembered answer of pairs_exact(). */
typedef struct PairsAnswer
{
	Oid			relid;
	AttrNumber	account_att;
	AttrNumber	performer_att;
	bool		exact;
} PairsAnswer;

/* Every relation whose foreign keys a remembered answer read. */
#define PAIRS_READ 64
static Oid	pairs_read[PAIRS_READ];
static int	npairs_read = 0;
static bool pairs_overflow = false;	/* an answer read more than could be watched */

#define PAIRS_ANSWERS 16
static PairsAnswer pairs_answers[PAIRS_ANSWERS];
static int	npairs_answers = 0;
static bool pairs_callback = false;

/*
 * Whether every row of a table pairs its performer column with that
 * performer's account: a foreign key on (performer, account) to the
 * performers' (id, account_id), directly or through a table that has one.
 * Then "performer_id = ANY (partial performers)" finds exactly the rows
 * reached_performer() accepts.  Tables along the way are read from the
 * relation cache without a lock (planning a query must not lock tables it
 * does not read); the answers are remembered until a relation changes.
 */
static bool
fkeys_pair(Oid relid, AttrNumber account_att, AttrNumber performer_att, int hops)
{
	Oid			performers = catalog_relid_if_exists(EXT_PERFORMERS);
	Relation	rel;
	List	   *fkeys;
	ListCell   *lc;
	bool		exact = false;

	if (hops > MAX_FKEY_HOPS || !OidIsValid(performers))
		return false;
	if (relid == performers)
		return account_att == catalog_attnum(EXT_PERFORMERS, "account_id") &&
			performer_att == catalog_attnum(EXT_PERFORMERS, "id");
	if (npairs_read < PAIRS_READ)
		pairs_read[npairs_read++] = relid;
	else
		pairs_overflow = true;
	rel = RelationIdGetRelation(relid);
	if (rel == NULL)
		return false;
	fkeys = RelationGetFKeyList(rel);
	foreach(lc, fkeys)
	{
		ForeignKeyCacheInfo *fk = lfirst_node(ForeignKeyCacheInfo, lc);
		AttrNumber	ref_account = InvalidAttrNumber;
		AttrNumber	ref_performer = InvalidAttrNumber;
		int			i;

		for (i = 0; i < fk->nkeys; i++)
		{
			if (fk->conkey[i] == account_att)
				ref_account = fk->confkey[i];
			if (fk->conkey[i] == performer_att)
				ref_performer = fk->confkey[i];
		}
		if (ref_account != InvalidAttrNumber && ref_performer != InvalidAttrNumber &&
			fk->confrelid != relid &&
			fkeys_pair(fk->confrelid, ref_account, ref_performer, hops + 1))
		{
			exact = true;
			break;
		}
	}
	RelationClose(rel);
	return exact;
}

/*
 * Relcache callback: a relation whose foreign keys an answer read changed
 * (or every relation did); forget every answer.  Other invalidations (the
 * freshness hints are relcache invalidations too) cost nothing.
 */
static void
reach_relation_changed(Datum arg, Oid relid)
{
	int			i;

	for (i = 0; i < npairs_read && OidIsValid(relid); i++)
		if (pairs_read[i] == relid)
			break;
	if (!OidIsValid(relid) || i < npairs_read)
		npairs_answers = 0, npairs_read = 0;
}

/* fkeys_pair(), remembered per table and columns. */
bool
reach_pairs_exact(Oid relid, AttrNumber account_att, AttrNumber performer_att)
{
	int			i;
	bool		exact;

	if (!pairs_callback)
	{
		CacheRegisterRelcacheCallback(reach_relation_changed, (Datum) 0);
		pairs_callback = true;
	}
	for (i = 0; i < npairs_answers; i++)
		if (pairs_answers[i].relid == relid && pairs_answers[i].account_att == account_att &&
			pairs_answers[i].performer_att == performer_att)
			return pairs_answers[i].exact;
	if (npairs_answers == PAIRS_ANSWERS)
		npairs_answers = npairs_read = 0;
	pairs_overflow = false;
	exact = fkeys_pair(relid, account_att, performer_att, 0);
	if (pairs_overflow)
	{
		/* not remembered: it could not be watched; start a fresh list */
		npairs_answers = npairs_read = 0;
		return exact;
	}
	pairs_answers[npairs_answers].relid = relid;
	pairs_answers[npairs_answers].account_att = account_att;
	pairs_answers[npairs_answers].performer_att = performer_att;
	pairs_answers[npairs_answers].exact = exact;
	npairs_answers++;
	return exact;
}

/* The table and columns of two Vars of one base relation of a planning. */
static bool
rel_columns(PlannerInfo *root, Node *account, Node *performer, Oid *relid,
			AttrNumber *account_att, AttrNumber *performer_att)
{
	Var		   *a = (Var *) account;
	Var		   *p = (Var *) performer;
	RangeTblEntry *rte;

	if (!IsA(account, Var) || !IsA(performer, Var) || a->varno != p->varno ||
		a->varlevelsup != 0 || p->varlevelsup != 0 ||
		a->varno < 1 || a->varno >= root->simple_rel_array_size)
		return false;
	rte = root->simple_rte_array[a->varno];
	if (rte == NULL || rte->rtekind != RTE_RELATION)
		return false;
	*relid = rte->relid;
	*account_att = a->varattno;
	*performer_att = p->varattno;
	return true;
}

/* The constant tier of a reach call's first argument. */
static bool
const_tier(List *args, Tier *tier)
{
	Const	   *c = (Const *) linitial(args);

	if (list_length(args) < 2 || !IsA(c, Const) || c->constisnull)
		return false;
	*tier = DatumGetTier(c->constvalue);
	return *tier > TIER_NONE && *tier <= TIER_1;
}

/* SupportRequestIndexCondition of a reach part: its exact index condition. */
static List *
reach_index_condition(SupportRequestIndexCondition *req)
{
	FuncExpr   *call = (FuncExpr *) req->node;
	Tier		tier;
	Node	   *cond;
	bool		account_part = req->funcid == fn.reached_account;

	if (!IsA(call, FuncExpr) || !const_tier(call->args, &tier) ||
		req->index->relam != BTREE_AM_OID || req->indexcol != 0 ||
		req->indexarg != (account_part ? 1 : 2) ||
		exprType(list_nth(call->args, req->indexarg)) != INT8OID)
		return NIL;
	cond = planner_support_any(list_nth(call->args, req->indexarg), req->opfamily,
							   account_part ? fn.whole_accounts : fn.partial_performers, tier);
	if (cond == NULL)
		return NIL;
	if (account_part)
		req->lossy = false;
	else
	{
		Oid			relid;
		AttrNumber	a,
					p;

		req->lossy = !(rel_columns(req->root, list_nth(call->args, 1), list_nth(call->args, 2),
								   &relid, &a, &p) &&
					   reach_pairs_exact(relid, a, p));
	}
	return list_make1(cond);
}

/* The share of rows in the accounts reached as a whole at tier, by the column's statistics. */
static Selectivity
whole_accounts_share(PlannerInfo *root, Node *account, int varRelid, AccessCache *c, Tier tier)
{
	VariableStatData vardata;
	Selectivity sel = 0.0;
	int64	   *ids;
	int			n;

	access_cache_ids(c, ARRAY_WHOLE_ACCOUNTS, tier, &ids, &n);
	if (n == 0)
		return 0.0;
	examine_variable(root, account, varRelid, &vardata);
	if (n <= MAX_ACCOUNT_ESTIMATES)
	{
		Oid			int8eq = lookup_type_cache(INT8OID, TYPECACHE_EQ_OPR)->eq_opr;
		int			i;

		for (i = 0; i < n; i++)
			sel += var_eq_const(&vardata, int8eq, InvalidOid, Int64GetDatum(ids[i]),
								false, true, false);
	}
	else
	{
		bool		isdefault;

		sel = n / get_variable_numdistinct(&vardata, &isdefault);
	}
	ReleaseVariableStats(vardata);
	return sel;
}

/* The share of rows of the performers reached only through grants, among distinct performers. */
static Selectivity
partial_performers_share(PlannerInfo *root, Node *performer, int varRelid, AccessCache *c,
						 Tier tier)
{
	VariableStatData vardata;
	int64	   *ids;
	int			n;
	bool		isdefault;
	double		nd;
	double		nullfrac = 0.0;

	access_cache_ids(c, ARRAY_PARTIAL_PERFORMERS, tier, &ids, &n);
	if (n == 0)
		return 0.0;
	examine_variable(root, performer, varRelid, &vardata);
	nd = get_variable_numdistinct(&vardata, &isdefault);
	if (HeapTupleIsValid(vardata.statsTuple))
		nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata.statsTuple))->stanullfrac;
	ReleaseVariableStats(vardata);
	return Min((double) n, nd) / nd * (1.0 - nullfrac);
}

/* SupportRequestSelectivity of a reach function, from the cache's counts. */
static Selectivity
reach_selectivity(SupportRequestSelectivity *req, Tier tier)
{
	AccessCache *c = access_cache_current();
	Selectivity sel = 0.0;

	if (!c->has_user)
		return 0.0;
	if (req->funcid != fn.reached_performer)
		sel += whole_accounts_share(req->root, list_nth(req->args, 1), req->varRelid, c, tier);
	if (req->funcid != fn.reached_account && list_length(req->args) > 2)
		sel += partial_performers_share(req->root, list_nth(req->args, 2), req->varRelid, c, tier);
	CLAMP_PROBABILITY(sel);
	return sel;
}

/*
 * The support function's answer for the reach functions: true when the
 * request is about one of them (*answer is then what to return).
 */
bool
reach_support(Node *rawreq, Node **answer)
{
	Oid			funcid;

	*answer = NULL;
	if (IsA(rawreq, SupportRequestIndexCondition))
		funcid = ((SupportRequestIndexCondition *) rawreq)->funcid;
	else if (IsA(rawreq, SupportRequestSelectivity))
		funcid = ((SupportRequestSelectivity *) rawreq)->funcid;
	else
		return false;
	if (!reach_functions() ||
		(funcid != fn.reached_account && funcid != fn.reached_performer && funcid != fn.reached))
		return false;

	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		if (funcid != fn.reached)
			*answer = (Node *) reach_index_condition((SupportRequestIndexCondition *) rawreq);
	}
	else
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;
		Tier		tier;

		if (!req->is_join && const_tier(req->args, &tier))
		{
			req->selectivity = reach_selectivity(req, tier);
			*answer = (Node *) req;
		}
	}
	return true;
}
