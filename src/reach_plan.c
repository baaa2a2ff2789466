/*
 * reach_plan.c
 *		Policies rewritten into their two reach parts before planning, and
 *		the finished plan tidied (see reach.c for the parts themselves).
 *
 * Before planning, a policy call that is exactly a tier test, in the
 * row-level security quals of a relation, becomes
 *
 *		permissions.reached_account(t, account_id)
 *		OR permissions.reached_performer(t, account_id, performer_id)
 *
 * unless the query pins one of those columns itself (its own index then
 * finds the few rows, and the policy checks each of them).  After planning,
 * reach_finish_plan() tidies the plan: a filter whose two parts a bitmap
 * scan's index conditions already decide exactly moves to the scan's
 * recheck (evaluated only on lossy pages), and every other occurrence
 * becomes one call of permissions.reached(t, account_id, performer_id),
 * which costs what the policy call cost.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "reach.h"

/* The reach functions, set by the entry points below before any use. */
static const ReachFunctions *fn;

/* A call of one of the reach functions with the given arguments. */
static Node *
reach_call(Oid funcid, Tier tier, Node *account, Node *performer)
{
	List	   *args = list_make2(makeConst(fn->tier_type, -1, InvalidOid, sizeof(int32),
											TierGetDatum(tier), false, true),
								  copyObject(account));

	if (performer != NULL)
		args = lappend(args, copyObject(performer));
	return (Node *) makeFuncExpr(funcid, BOOLOID, args, InvalidOid, InvalidOid,
								 COERCE_EXPLICIT_CALL);
}

/* Whether an argument may be evaluated twice: a plain column or a constant. */
static bool
simple_arg(Node *arg)
{
	return IsA(arg, Var) || IsA(arg, Const);
}

/* What the rewrite of one relation's quals needs to know. */
typedef struct RewriteContext
{
	Query	   *query;			/* the query level of the relation */
	Index		rti;			/* the relation's range table index */
} RewriteContext;

/*
 * Whether a top-level condition of the query's WHERE clause gives a column
 * of the relation its values ("col = 5", "col = $1", "col IN (...)"): its
 * own index then finds the few rows, and the policy checks each of them;
 * an index condition over the user's whole reach would only add work.
 */
static bool
column_pinned(RewriteContext *cxt, Node *column)
{
	ListCell   *lc;

	if (!IsA(column, Var) || cxt->query->jointree == NULL ||
		cxt->query->jointree->quals == NULL)
		return false;
	foreach(lc, make_ands_implicit((Expr *) cxt->query->jointree->quals))
		if (planner_support_clause_pins((Node *) lfirst(lc), (Var *) column, InvalidOid))
			return true;
	return false;
}

/* Mutator: policy calls with an exact matrix column become the two reach parts. */
static Node *
rewrite_policy_mutator(Node *node, void *context)
{
	RewriteContext *cxt = (RewriteContext *) context;

	if (node == NULL)
		return NULL;
	if (IsA(node, FuncExpr))
	{
		FuncExpr   *call = (FuncExpr *) node;
		Tier		tier;

		if (call->funcresulttype == BOOLOID && list_length(call->args) >= 3 &&
			planner_support_exact_policy(call->funcid, call->args, &tier) &&
			simple_arg(lsecond(call->args)) && simple_arg(lthird(call->args)) &&
			exprType(lsecond(call->args)) == INT8OID &&
			exprType(lthird(call->args)) == INT8OID &&
			!column_pinned(cxt, lsecond(call->args)) &&
			!column_pinned(cxt, lthird(call->args)))
			return (Node *) makeBoolExpr(OR_EXPR,
										 list_make2(reach_call(fn->reached_account, tier,
															   lsecond(call->args), NULL),
													reach_call(fn->reached_performer, tier,
															   lsecond(call->args),
															   lthird(call->args))),
										 call->location);
	}
	return expression_tree_mutator(node, rewrite_policy_mutator, context);
}

/* Walker: rewrites the row-level security quals of every relation of every query level. */
static bool
rewrite_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *query = (Query *) node;
		ListCell   *lc;
		RewriteContext cxt = {query, 0};

		foreach(lc, query->rtable)
		{
			RangeTblEntry *rte = lfirst_node(RangeTblEntry, lc);

			cxt.rti++;
			if (rte->rtekind == RTE_RELATION && rte->securityQuals != NIL)
				rte->securityQuals = (List *)
					rewrite_policy_mutator((Node *) rte->securityQuals, &cxt);
		}
		return query_tree_walker(query, rewrite_walker, context, 0);
	}
	return expression_tree_walker(node, rewrite_walker, context);
}

/*
 * Replaces, in the row-level security quals of a query about to be planned,
 * every policy call that is exactly a tier test by its two reach parts.
 */
void
reach_rewrite_query(Query *parse)
{
	fn = reach_functions();
	if (fn == NULL)
		return;
	(void) rewrite_walker((Node *) parse, NULL);
}

/* The two parts of "reached_account(t, a) OR reached_performer(t, a, p)", or false. */
static bool
reach_or_parts(Node *node, FuncExpr **account_part, FuncExpr **performer_part)
{
	BoolExpr   *or = (BoolExpr *) node;
	FuncExpr   *a;
	FuncExpr   *p;

	if (!IsA(node, BoolExpr) || or->boolop != OR_EXPR || list_length(or->args) != 2)
		return false;
	a = (FuncExpr *) linitial(or->args);
	p = (FuncExpr *) lsecond(or->args);
	if (!IsA(a, FuncExpr) || !IsA(p, FuncExpr) ||
		a->funcid != fn->reached_account || p->funcid != fn->reached_performer ||
		list_length(a->args) != 2 || list_length(p->args) != 3 ||
		!equal(linitial(a->args), linitial(p->args)) ||
		!equal(lsecond(a->args), lsecond(p->args)))
		return false;
	*account_part = a;
	*performer_part = p;
	return true;
}

/* Walker: whether an expression holds a two-part reach condition. */
static bool
has_parts_walker(Node *node, void *context)
{
	FuncExpr   *a;
	FuncExpr   *p;

	if (node == NULL)
		return false;
	if (reach_or_parts(node, &a, &p))
		return true;
	return expression_tree_walker(node, has_parts_walker, context);
}

/* Mutator: each two-part reach condition becomes one call of reached(). */
static Node *
join_parts_mutator(Node *node, void *context)
{
	FuncExpr   *a;
	FuncExpr   *p;

	if (node == NULL)
		return NULL;
	if (reach_or_parts(node, &a, &p))
		return (Node *) makeFuncExpr(fn->reached, BOOLOID, copyObject(p->args),
									 InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	return expression_tree_mutator(node, join_parts_mutator, context);
}

/* Whether an index qual is "col = ANY (fn(tier))" for that column, function and tier. */
static bool
is_reach_indexqual(Node *qual, Oid fnoid, Node *tier, Node *column)
{
	ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) qual;
	FuncExpr   *call;

	if (!IsA(qual, ScalarArrayOpExpr) || !saop->useOr || list_length(saop->args) != 2)
		return false;
	call = (FuncExpr *) lsecond(saop->args);
	return IsA(call, FuncExpr) && call->funcid == fnoid &&
		list_length(call->args) == 1 && equal(linitial(call->args), tier) &&
		equal(linitial(saop->args), column);
}

/*
 * Whether every row a bitmap returns satisfies the reach condition whose
 * parts are a and p: an index scan whose original conditions include the
 * exact index condition of either part, an AND with one such child, an OR
 * whose children all are.
 */
static bool
bitmap_implies(Plan *plan, FuncExpr *a, FuncExpr *p, bool performer_exact)
{
	ListCell   *lc;

	if (IsA(plan, BitmapOr))
	{
		foreach(lc, ((BitmapOr *) plan)->bitmapplans)
			if (!bitmap_implies((Plan *) lfirst(lc), a, p, performer_exact))
				return false;
		return ((BitmapOr *) plan)->bitmapplans != NIL;
	}
	if (IsA(plan, BitmapAnd))
	{
		foreach(lc, ((BitmapAnd *) plan)->bitmapplans)
			if (bitmap_implies((Plan *) lfirst(lc), a, p, performer_exact))
				return true;
		return false;
	}
	if (IsA(plan, BitmapIndexScan))
	{
		foreach(lc, ((BitmapIndexScan *) plan)->indexqualorig)
		{
			Node	   *q = (Node *) lfirst(lc);

			if (is_reach_indexqual(q, fn->whole_accounts, linitial(a->args), lsecond(a->args)) ||
				(performer_exact &&
				 is_reach_indexqual(q, fn->partial_performers, linitial(p->args),
									lthird(p->args))))
				return true;
		}
	}
	return false;
}

/* Walker: whether an expression contains a call equal to the one given. */
static bool
contains_call_walker(Node *node, void *call)
{
	if (node == NULL)
		return false;
	if (equal(node, call))
		return true;
	return expression_tree_walker(node, contains_call_walker, call);
}

/* Whether an expression contains a call equal to call. */
static bool
contains_call(Node *expr, FuncExpr *call)
{
	return contains_call_walker(expr, call);
}

/* Whether a filter of the scan holds the reach condition a bitmap decides. */
static bool
filter_holds(List *quals, Plan *bitmap)
{
	ListCell   *lc;

	foreach(lc, quals)
	{
		FuncExpr   *a;
		FuncExpr   *p;

		if (reach_or_parts((Node *) lfirst(lc), &a, &p) &&
			bitmap_implies(bitmap, a, p, true))
			return true;
	}
	return false;
}

/*
 * A bitmap AND of the query's own index condition (chart_id = $1) and the
 * reach bitmaps keeps only the former: the reach condition stays in the
 * filter, one lookup per row the query's condition found, where the reach
 * bitmaps would read every row of the user's reach from the indexes (for a
 * supervisor, every row of its accounts).  The plan is then as good for a
 * user of any shape as for the one it was costed for.
 */
static void
drop_reach_from_and(BitmapHeapScan *scan)
{
	BitmapAnd  *and = (BitmapAnd *) scan->scan.plan.lefttree;
	List	   *kept = NIL;
	ListCell   *lc;
	bool		dropped = false;

	if (and == NULL || !IsA(and, BitmapAnd))
		return;
	foreach(lc, and->bitmapplans)
	{
		Plan	   *child = (Plan *) lfirst(lc);

		if (filter_holds(scan->scan.plan.qual, child))
			dropped = true;
		else
			kept = lappend(kept, child);
	}
	if (!dropped || kept == NIL)
		return;
	if (list_length(kept) == 1)
		scan->scan.plan.lefttree = (Plan *) linitial(kept);
	else
		and->bitmapplans = kept;
}

/*
 * A bitmap heap scan's filters that its bitmap decides exactly leave the
 * filter: its recheck (run only on lossy pages) holds the parts the index
 * conditions were made from.
 */
static void
finish_bitmap_scan(BitmapHeapScan *scan, List *rtable)
{
	List	   *kept = NIL;
	ListCell   *lc;
	RangeTblEntry *rte = rt_fetch(scan->scan.scanrelid, rtable);

	drop_reach_from_and(scan);

	foreach(lc, scan->scan.plan.qual)
	{
		Node	   *qual = (Node *) lfirst(lc);
		FuncExpr   *a;
		FuncExpr   *p;
		Var		   *account;
		Var		   *performer;

		if (reach_or_parts(qual, &a, &p) &&
			IsA(lsecond(p->args), Var) && IsA(lthird(p->args), Var))
		{
			account = (Var *) lsecond(p->args);
			performer = (Var *) lthird(p->args);
			if (bitmap_implies(scan->scan.plan.lefttree, a, p,
							   rte->rtekind == RTE_RELATION &&
							   reach_pairs_exact(rte->relid, account->varattno,
										   performer->varattno)))
			{
				/* the recheck holds the parts the index conditions came from */
				if (!contains_call((Node *) scan->bitmapqualorig, a) ||
					!contains_call((Node *) scan->bitmapqualorig, p))
					scan->bitmapqualorig = lappend(scan->bitmapqualorig, qual);
				continue;
			}
		}
		kept = lappend(kept, qual);
	}
	scan->scan.plan.qual = kept;
}

/* Walks a plan tree: bitmap scans first, then every qual joins its reach parts. */
static void
finish_plan_tree(Plan *plan, List *rtable)
{
	ListCell   *lc;

	if (plan == NULL)
		return;
	if (IsA(plan, BitmapHeapScan))
		finish_bitmap_scan((BitmapHeapScan *) plan, rtable);
	if (has_parts_walker((Node *) plan->qual, NULL))
		plan->qual = (List *) join_parts_mutator((Node *) plan->qual, NULL);
	if (IsA(plan, BitmapHeapScan) &&
		has_parts_walker((Node *) ((BitmapHeapScan *) plan)->bitmapqualorig, NULL))
		((BitmapHeapScan *) plan)->bitmapqualorig = (List *)
			join_parts_mutator((Node *) ((BitmapHeapScan *) plan)->bitmapqualorig, NULL);
	finish_plan_tree(plan->lefttree, rtable);
	finish_plan_tree(plan->righttree, rtable);
	switch (nodeTag(plan))
	{
		case T_Append:
			foreach(lc, ((Append *) plan)->appendplans)
				finish_plan_tree((Plan *) lfirst(lc), rtable);
			break;
		case T_MergeAppend:
			foreach(lc, ((MergeAppend *) plan)->mergeplans)
				finish_plan_tree((Plan *) lfirst(lc), rtable);
			break;
		case T_BitmapAnd:
			foreach(lc, ((BitmapAnd *) plan)->bitmapplans)
				finish_plan_tree((Plan *) lfirst(lc), rtable);
			break;
		case T_BitmapOr:
			foreach(lc, ((BitmapOr *) plan)->bitmapplans)
				finish_plan_tree((Plan *) lfirst(lc), rtable);
			break;
		case T_SubqueryScan:
			finish_plan_tree(((SubqueryScan *) plan)->subplan, rtable);
			break;
		case T_CustomScan:
			foreach(lc, ((CustomScan *) plan)->custom_plans)
				finish_plan_tree((Plan *) lfirst(lc), rtable);
			break;
		default:
			break;
	}
}

/*
 * Tidies a finished plan: reach conditions a bitmap already decides leave
 * the filters, the others become one call each (see the file header).
 * Expressions the rewrite left anywhere else (a target list, a join qual)
 * keep their two parts, which are exact on their own.
 */
void
reach_finish_plan(PlannedStmt *stmt)
{
	ListCell   *lc;

	fn = reach_functions();
	if (stmt == NULL || fn == NULL)
		return;
	finish_plan_tree(stmt->planTree, stmt->rtable);
	foreach(lc, stmt->subplans)
		finish_plan_tree((Plan *) lfirst(lc), stmt->rtable);
}
