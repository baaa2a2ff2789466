/*
 * planner_support.c
 *		Planner support for the policy functions.
 *
 * A policy such as permissions.can_view('measurement', account_id,
 * performer_id) is opaque to the planner: without help it becomes a filter
 * evaluated on every row of a sequential scan.  The support function gives
 * the planner three things:
 *
 * - index conditions, both right for every identity, so that a generic plan
 *   made for one user is right for any other:
 *		performer_id = ANY (permissions.reachable_performers(<min tier>))
 *   (every performer the user reaches: exact, so a plain index scan drops
 *   the policy filter, unless a cell of the matrix depends on the row's
 *   creator) and
 *		account_id = ANY (permissions.reachable_accounts(<min tier>))
 *   (the accounts holding a reachable performer: a superset, the policy
 *   stays as a filter).  Which are offered follows the shape of the planning
 *   user's reach, as a hand-written query would be written: by account for
 *   a user who reaches whole accounts, by performer for one who reaches
 *   performers one by one.  The arrays are evaluated by the executor, once
 *   per scan; when the planner evaluates them to estimate them, it gets a
 *   small sample (planning.c), never the whole array.
 * - the selectivity, from the cache's counts: the planner's statistics for
 *   account_id = <each wholly reached account>, plus the share of the other
 *   reachable performers among the distinct performer ids; computed once per
 *   planning for each clause.
 * - the cost of one call: a few hash lookups, several operators' worth.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "access_cache.h"
#include "catalog.h"
#include "disclosure.h"
#include "matrix.h"
#include "planning.h"
#include "reach.h"

PG_FUNCTION_INFO_V1(access_support);

/* Argument positions shared by can_view/can_create/can_edit/can_delete. */
#define ARG_KIND		0
#define ARG_ACCOUNT		1
#define ARG_PERFORMER	2

/*
 * One policy call costs a few hash lookups in the access cache: declared as
 * this many operator evaluations (measured: several times an int8
 * comparison).
 */
#define POLICY_CALL_OPERATORS	10.0

/* The share of a table's rows above which a reach counts as broad (broad_reach). */
#define BROAD_REACH				0.5

/* Above this many wholly reached accounts, estimate from n_distinct alone. */
#define MAX_ACCOUNT_ESTIMATES	64



/*
 * Function OIDs, looked up by name once per backend and forgotten whenever
 * pg_proc changes (the extension dropped and created again, for instance).
 */
typedef struct SupportOids
{
	bool		valid;
	Oid			reach_performers;	/* permissions.reachable_performers(tier) */
	Oid			reach_accounts; /* permissions.reachable_accounts(tier) */
	Oid			tier_type;		/* their argument type */
	Oid			policy[ACTION_COUNT];	/* can_view, can_create, ... */
} SupportOids;

static SupportOids oids;
static bool callback_registered = false;

/* Syscache callback: a function of the extension changed; look the OIDs up again. */
static void
proc_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	oids.valid = false;
}

static const char *const policy_names[ACTION_COUNT] = {
	"can_view", "can_create", "can_edit", "can_delete"
};

/* OID of permissions.<name>(argtypes), or InvalidOid. */
static Oid
lookup_function(const char *name, int nargs, Oid *argtypes)
{
	return catalog_function_oid(name, nargs, argtypes);
}

/* The OIDs the support function needs, looked up once per backend (and after a change). */
static SupportOids *
support_oids(void)
{
	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, proc_changed, (Datum) 0);
		callback_registered = true;
	}
	if (!oids.valid)
	{
		Oid			args[4] = {TEXTOID, INT8OID, INT8OID, INT8OID};
		int			i;

		oids.tier_type = catalog_type_oid("tier");
		oids.reach_performers = lookup_function("reachable_performers", 1, &oids.tier_type);
		oids.reach_accounts = lookup_function("reachable_accounts", 1, &oids.tier_type);
		for (i = 0; i < ACTION_COUNT; i++)
			oids.policy[i] = lookup_function(policy_names[i], i < ACTION_EDIT ? 3 : 4, args);
		oids.valid = true;
	}
	return &oids;
}

/* Which action a policy function decides. */
static bool
policy_action(Oid funcid, DataAction *action)
{
	SupportOids *o = support_oids();
	int			i;

	for (i = 0; i < ACTION_COUNT; i++)
		if (OidIsValid(o->policy[i]) && o->policy[i] == funcid)
		{
			*action = (DataAction) i;
			return true;
		}
	return false;
}

/*
 * The lowest tier the call can accept, when its kind is a constant, and
 * whether that tier's answer can depend on the row's creator (an "own"
 * cell: the index condition is then only a superset).
 */
static bool
call_min_tier(Oid funcid, List *args, Tier *min_tier, bool *creator_cell)
{
	DataAction	action;
	DataKind	kind;
	Node	   *kindarg;
	Const	   *kc;
	Tier		t;

	if (!policy_action(funcid, &action) || list_length(args) <= ARG_PERFORMER)
		return false;
	kindarg = (Node *) linitial(args);
	if (!IsA(kindarg, Const) || ((Const *) kindarg)->constisnull ||
		((Const *) kindarg)->consttype != TEXTOID)
		return false;
	kc = (Const *) kindarg;
	kind = matrix_parse_kind(TextDatumGetCString(kc->constvalue));
	*min_tier = matrix_min_tier(action, kind);
	*creator_cell = false;
	for (t = TIER_4; t <= TIER_1; t++)
		if (matrix_cell(t, action, kind) == CELL_OWN)
			*creator_cell = true;
	/* a performer being inserted is visible to its creator before any grant */
	if (kind == KIND_PERFORMER && action == ACTION_VIEW)
		*creator_cell = true;
	return true;
}

/*
 * Whether a call of a policy function is, for every identity, exactly "the
 * user's tier on the row is min_tier or above": its kind is a constant, no
 * cell of its matrix column depends on the row's creator, and the column
 * allows everything from min_tier up and nothing below.  reach.c then
 * plans it as reach conditions that index scans can use exactly.  Not the
 * SELECT policy while disclosures are accounted: its call must stay in the
 * plan for disclosure_plan.c to count the rows it lets through.
 */
bool
planner_support_exact_policy(Oid funcid, List *args, Tier *min_tier)
{
	DataAction	action;
	DataKind	kind;
	bool		creator_cell;
	Tier		t;

	if (!call_min_tier(funcid, args, min_tier, &creator_cell) || creator_cell ||
		!policy_action(funcid, &action) ||
		(action == ACTION_VIEW && disclosure_accounting()))
		return false;
	kind = matrix_parse_kind(TextDatumGetCString(((Const *) linitial(args))->constvalue));
	for (t = TIER_4; t <= TIER_1; t++)
		if (matrix_cell(t, action, kind) != (t >= *min_tier ? CELL_ALL : CELL_NOTHING))
			return false;
	return true;
}

/* Builds "arg = ANY (fn(min_tier))" with the opfamily's equality operator. */
Node *
planner_support_any(Node *arg, Oid opfamily, Oid fnoid, Tier min_tier)
{
	Oid			eqop = get_opfamily_member(opfamily, INT8OID, INT8OID,
										   BTEqualStrategyNumber);
	FuncExpr   *call;
	ScalarArrayOpExpr *saop;

	if (!OidIsValid(eqop) || !OidIsValid(fnoid) || !OidIsValid(oids.tier_type))
		return NULL;
	call = makeFuncExpr(fnoid, INT8ARRAYOID,
						list_make1(makeConst(oids.tier_type, -1, InvalidOid, sizeof(int32),
											 Int32GetDatum(min_tier), false, true)),
						InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	saop = makeNode(ScalarArrayOpExpr);
	saop->opno = eqop;
	saop->opfuncid = get_opcode(eqop);
	saop->hashfuncid = InvalidOid;
	saop->negfuncid = InvalidOid;
	saop->useOr = true;
	saop->inputcollid = InvalidOid;
	saop->args = list_make2(copyObject(arg), call);
	saop->location = -1;
	return (Node *) saop;
}

/* How the current user reaches performers at min_tier or above (counts only). */
typedef struct ReachShape
{
	bool		has_user;
	int			whole;			/* accounts reached as a whole */
	int			granted;		/* performers reached by grants */
	bool		partial;		/* some granted performer is outside the whole accounts */
} ReachShape;

/* The shape of the current user's reach at min_tier, from the cache's counts. */
static void
reach_shape(AccessCache *c, Tier min_tier, ReachShape *shape)
{
	int64	   *ids;

	memset(shape, 0, sizeof(*shape));
	shape->has_user = c->has_user;
	if (!c->has_user)
		return;
	access_cache_ids(c, ARRAY_WHOLE_ACCOUNTS, min_tier, &ids, &shape->whole);
	access_cache_ids(c, ARRAY_GRANTED_PERFORMERS, min_tier, &ids, &shape->granted);
	shape->partial = access_cache_partial(c, min_tier);
}

/* Whether the index's table has a plain btree index led by column arg. */
static bool
rel_has_index_on(IndexOptInfo *index, Node *arg)
{
	Var		   *var = (Var *) arg;
	ListCell   *lc;

	if (!IsA(arg, Var) || var->varno != index->rel->relid)
		return false;
	foreach(lc, index->rel->indexlist)
	{
		IndexOptInfo *ix = (IndexOptInfo *) lfirst(lc);

		if (ix->relam == BTREE_AM_OID && ix->nkeycolumns > 0 &&
			ix->indexkeys[0] == var->varattno && ix->indpred == NIL)
			return true;
	}
	return false;
}

/*
 * Whether a clause gives a column its values ("col = 5", "col = $1", "col
 * IN (...)"): an equality (of opfamily's, when one is given) between the
 * column and an expression that reads no column of the query level and
 * may be evaluated once.
 */
bool
planner_support_clause_pins(Node *clause, Var *var, Oid opfamily)
{
	Oid			opno;
	List	   *args;
	Node	   *left;
	Node	   *right;

	if (IsA(clause, OpExpr))
	{
		opno = ((OpExpr *) clause)->opno;
		args = ((OpExpr *) clause)->args;
	}
	else if (IsA(clause, ScalarArrayOpExpr) && ((ScalarArrayOpExpr *) clause)->useOr)
	{
		opno = ((ScalarArrayOpExpr *) clause)->opno;
		args = ((ScalarArrayOpExpr *) clause)->args;
	}
	else
		return false;
	if (list_length(args) != 2 ||
		(OidIsValid(opfamily) ?
		 get_op_opfamily_strategy(opno, opfamily) != BTEqualStrategyNumber :
		 get_oprrest(opno) != F_EQSEL))
		return false;
	left = strip_implicit_coercions(linitial(args));
	right = strip_implicit_coercions(lsecond(args));
	if (IsA(right, Var) && IsA(clause, OpExpr))
	{
		Node	   *t = left;

		left = right;
		right = t;
	}
	return IsA(left, Var) && ((Var *) left)->varno == var->varno &&
		((Var *) left)->varattno == var->varattno && ((Var *) left)->varlevelsup == 0 &&
		is_pseudo_constant_clause(right);
}

/*
 * Whether the query itself already restricts the column to given values
 * through the index's opfamily: its own condition then finds the few rows,
 * and the policy checks each one more cheaply than an index condition over
 * every reachable id would.
 */
static bool
column_pinned(IndexOptInfo *index, Node *arg, Oid opfamily)
{
	ListCell   *lc;

	if (!IsA(arg, Var))
		return false;
	foreach(lc, index->rel->baserestrictinfo)
		if (planner_support_clause_pins((Node *) lfirst_node(RestrictInfo, lc)->clause,
										(Var *) arg, opfamily))
			return true;
	return false;
}

static bool broad_reach(SupportRequestIndexCondition *req, FuncExpr *call, Tier min_tier);

/* SupportRequestIndexCondition: the index condition to offer, or NULL. */
static List *
index_condition(SupportRequestIndexCondition *req)
{
	FuncExpr   *call = (FuncExpr *) req->node;
	Tier		min_tier;
	bool		creator_cell;
	ReachShape	shape;
	Node	   *cond;
	bool		offer;

	if (!IsA(call, FuncExpr) || !call_min_tier(call->funcid, call->args, &min_tier, &creator_cell) ||
		req->index->relam != BTREE_AM_OID ||
		(req->indexarg != ARG_ACCOUNT && req->indexarg != ARG_PERFORMER) ||
		exprType(list_nth(call->args, req->indexarg)) != INT8OID)
		return NIL;

	reach_shape(access_cache_current(), min_tier, &shape);
	if (req->indexarg == ARG_ACCOUNT)
		offer = !shape.has_user || !shape.partial ||
			!rel_has_index_on(req->index, list_nth(call->args, ARG_PERFORMER));
	else
		offer = !shape.has_user || shape.partial || shape.whole == 0 ||
			!rel_has_index_on(req->index, list_nth(call->args, ARG_ACCOUNT));
	if (!offer || column_pinned(req->index, list_nth(call->args, req->indexarg), req->opfamily))
		return NIL;
	if (req->indexarg == ARG_PERFORMER && broad_reach(req, call, min_tier))
		return NIL;

	cond = planner_support_any(list_nth(call->args, req->indexarg), req->opfamily,
						 req->indexarg == ARG_ACCOUNT ? oids.reach_accounts : oids.reach_performers,
						 min_tier);
	if (cond == NULL)
		return NIL;
	/* every reachable performer, for any identity: exact unless a cell is "own" */
	req->lossy = req->indexarg == ARG_ACCOUNT || creator_cell;
	/* the accounting of disclosures counts the rows the SELECT policy lets through */
	if (call->funcid == oids.policy[ACTION_VIEW] && disclosure_accounting())
		req->lossy = true;
	return list_make1(cond);
}

/*
 * SupportRequestSelectivity: the share of rows in wholly reached accounts,
 * by the statistics of the account column, plus the share of the other
 * reachable performers among the distinct values of the performer column.
 */
static Selectivity
policy_selectivity(SupportRequestSelectivity *req, Tier min_tier)
{
	AccessCache *c = access_cache_current();
	ReachShape	shape;
	VariableStatData vardata;
	Selectivity sel = 0.0;
	double		others;
	Oid			int8eq = lookup_type_cache(INT8OID, TYPECACHE_EQ_OPR)->eq_opr;

	reach_shape(c, min_tier, &shape);
	if (!shape.has_user)
		return 0.0;

	/* the accounts reached as a whole */
	if (shape.whole > 0)
	{
		examine_variable(req->root, list_nth(req->args, ARG_ACCOUNT), req->varRelid, &vardata);
		if (shape.whole <= MAX_ACCOUNT_ESTIMATES)
		{
			int64	   *ids;
			int			n;
			int			i;

			access_cache_ids(c, ARRAY_WHOLE_ACCOUNTS, min_tier, &ids, &n);
			for (i = 0; i < n; i++)
				sel += var_eq_const(&vardata, int8eq, InvalidOid,
									Int64GetDatum(ids[i]), false, true, false);
		}
		else
		{
			bool		isdefault;

			sel = shape.whole / get_variable_numdistinct(&vardata, &isdefault);
		}
		ReleaseVariableStats(vardata);
	}

	/* performers reached one by one, outside the accounts reached as a whole */
	others = shape.partial ? (double) access_cache_partial_count(c, min_tier) : 0.0;
	if (others > 0)
	{
		bool		isdefault;
		double		nd;
		double		nullfrac = 0.0;

		examine_variable(req->root, list_nth(req->args, ARG_PERFORMER), req->varRelid, &vardata);
		nd = get_variable_numdistinct(&vardata, &isdefault);
		if (HeapTupleIsValid(vardata.statsTuple))
			nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata.statsTuple))->stanullfrac;
		sel += Min(others, nd) / nd * (1.0 - nullfrac);
		ReleaseVariableStats(vardata);
	}
	return sel;
}

/*
 * The selectivities computed in the current planning: the planner asks for
 * the same clause again for each path it costs.
 */
typedef struct SelectivityMemo
{
	uint64		invocation;
	uint64		cache_generation;
	PlannerInfo *root;
	int			varRelid;
	Oid			funcid;
	Tier		min_tier;
	Node	   *args;
	Selectivity sel;
} SelectivityMemo;

#define SELECTIVITY_MEMO_SIZE 8
static SelectivityMemo sel_memo[SELECTIVITY_MEMO_SIZE];
static int	sel_memo_next = 0;

/* policy_selectivity, computed once per planning for each clause. */
static Selectivity
remembered_selectivity(SupportRequestSelectivity *req, Tier min_tier)
{
	uint64		invocation = planning_invocation();
	uint64		generation = access_cache_builds();
	SelectivityMemo *m;
	int			i;

	for (i = 0; i < SELECTIVITY_MEMO_SIZE; i++)
	{
		m = &sel_memo[i];
		if (invocation != 0 && m->invocation == invocation && m->cache_generation == generation &&
			m->root == req->root && m->varRelid == req->varRelid &&
			m->funcid == req->funcid && m->min_tier == min_tier &&
			equal(m->args, req->args))
			return m->sel;
	}
	m = &sel_memo[sel_memo_next];
	sel_memo_next = (sel_memo_next + 1) % SELECTIVITY_MEMO_SIZE;
	m->sel = policy_selectivity(req, min_tier);
	m->invocation = invocation;
	m->cache_generation = generation;
	m->root = req->root;
	m->varRelid = req->varRelid;
	m->funcid = req->funcid;
	m->min_tier = min_tier;
	m->args = (Node *) req->args;	/* planner memory: compared only within its planning */
	return m->sel;
}

/*
 * Whether the user reaches most rows of the table: then a scan with the
 * policy as a filter reads little more than an index condition over every
 * reachable performer would, and the planner, which estimates that
 * condition from a sample of PLANNING_SAMPLE ids, would think it far more
 * selective than it is.  Small reaches are estimated exactly and offered.
 */
static bool
broad_reach(SupportRequestIndexCondition *req, FuncExpr *call, Tier min_tier)
{
	SupportRequestSelectivity sreq;
	int64	   *ids;
	int			count;

	access_cache_ids(access_cache_current(), ARRAY_ALL_PERFORMERS, min_tier, &ids, &count);
	if (count <= PLANNING_SAMPLE)
		return false;
	memset(&sreq, 0, sizeof(sreq));
	sreq.type = T_SupportRequestSelectivity;
	sreq.root = req->root;
	sreq.funcid = call->funcid;
	sreq.args = call->args;
	sreq.inputcollid = call->inputcollid;
	sreq.is_join = false;
	sreq.varRelid = req->index->rel->relid;
	return remembered_selectivity(&sreq, min_tier) > BROAD_REACH;
}

/*
 * permissions.access_support(internal) returns internal
 *		Index conditions, selectivity and cost for the policy functions.
 */
Datum
access_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	Node	   *answer;

	/* the reach conditions policies are planned as (reach.c) */
	if (reach_support(rawreq, &answer))
		PG_RETURN_POINTER(answer);

	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		List	   *conds = index_condition((SupportRequestIndexCondition *) rawreq);

		PG_RETURN_POINTER(conds);
	}

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;
		Tier		min_tier;
		bool		creator_cell;
		Selectivity sel;

		if (req->is_join || !call_min_tier(req->funcid, req->args, &min_tier, &creator_cell))
			PG_RETURN_POINTER(NULL);
		sel = remembered_selectivity(req, min_tier);
		CLAMP_PROBABILITY(sel);
		req->selectivity = sel;
		PG_RETURN_POINTER(req);
	}

	if (IsA(rawreq, SupportRequestCost))
	{
		SupportRequestCost *req = (SupportRequestCost *) rawreq;

		req->startup = 0;
		req->per_tuple = POLICY_CALL_OPERATORS * cpu_operator_cost;
		PG_RETURN_POINTER(req);
	}

	PG_RETURN_POINTER(NULL);
}
