/*
 * disclosure_plan.c
 *		Plans that count what their row-level security policies disclose.
 *
 * While permissions.read_accounting is on, every plan is finished by
 * replacing each call of the SELECT policy function
 *		permissions.can_view(kind, account_id, performer_id)
 * that a row-level security policy put there (the query's security quals
 * and ON CONFLICT checks, marked before planning: a call the client wrote
 * in its own WHERE clause counts nothing, or anyone could record reads of
 * any table that never happened) in the filter of a scan of a table (and in the ON CONFLICT DO UPDATE
 * check of an existing row) with
 *		permissions.can_view_accounted(kind, account_id, performer_id, <table>)
 * which decides exactly as can_view() does and, when it says yes, counts
 * one row of that table about that performer for the statement
 * (disclosure.c).  Doing it in the plan, once, names the table each call
 * filters, costs nothing while the setting is off, and survives plan
 * caching: changing the setting invalidates every cached plan.
 *
 * Planner support (planner_support.c) keeps the policy as a filter while
 * the setting is on, so every row the policy lets through is counted, even
 * where an index condition alone would have been exact.
 *
 * Counting happens in the backend that runs the statement: the leader of a
 * parallel query cannot see what its workers counted, so while the setting
 * is on, queries planned by roles subject to row-level security get no
 * parallel plans, and a worker that would count refuses (disclosure.c).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/plannodes.h"
#include "optimizer/planner.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "disclosure.h"

static planner_hook_type prev_planner = NULL;

/* The two functions, looked up by name once and again after pg_proc changes. */
static struct
{
	bool		valid;
	bool		registered;
	Oid			can_view;
	Oid			accounted;
} oids;

/* Syscache callback: a function changed; look the OIDs up again. */
static void
oids_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	oids.valid = false;
}

/* Looks up can_view() and can_view_accounted(); false when either is missing. */
static bool
lookup_oids(void)
{
	if (!oids.registered)
	{
		CacheRegisterSyscacheCallback(PROCOID, oids_changed, (Datum) 0);
		oids.registered = true;
	}
	if (!oids.valid)
	{
		Oid			args[4] = {TEXTOID, INT8OID, INT8OID, REGCLASSOID};

		oids.can_view = LookupFuncName(list_make2(makeString("permissions"), makeString("can_view")),
									   3, args, true);
		oids.accounted = LookupFuncName(list_make2(makeString("permissions"),
												   makeString("can_view_accounted")),
										4, args, true);
		oids.valid = true;
	}
	return OidIsValid(oids.can_view) && OidIsValid(oids.accounted);
}

/* Marks the can_view() calls of a policy's expression as the policy's. */
static bool
mark_policy_calls(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == oids.can_view)
		((FuncExpr *) node)->location = DISCLOSURE_POLICY_CALL;
	return expression_tree_walker(node, mark_policy_calls, context);
}

/*
 * Finds the expressions row-level security added to a query and its
 * subqueries (security quals of relations, ON CONFLICT checks of existing
 * rows) and marks their can_view() calls; every other can_view() call was
 * written by the client and is left as it is.
 */
static bool
find_policy_quals(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, find_policy_quals, context,
								 QTW_EXAMINE_RTES_BEFORE);
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION)
			(void) mark_policy_calls((Node *) rte->securityQuals, NULL);
		return false;
	}
	if (IsA(node, WithCheckOption))
	{
		WithCheckOption *wco = (WithCheckOption *) node;

		if (wco->kind == WCO_RLS_CONFLICT_CHECK)
			(void) mark_policy_calls(wco->qual, NULL);
		return false;
	}
	return expression_tree_walker(node, find_policy_quals, context);
}

/* Replaces the policies' can_view() calls in an expression with accounted calls naming a table. */
static Node *
account_mutator(Node *node, Oid *relid)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, FuncExpr) && ((FuncExpr *) node)->funcid == oids.can_view &&
		((FuncExpr *) node)->location == DISCLOSURE_POLICY_CALL &&
		list_length(((FuncExpr *) node)->args) == 3)
	{
		FuncExpr   *f = (FuncExpr *) node;
		FuncExpr   *call = makeNode(FuncExpr);

		*call = *f;
		call->funcid = oids.accounted;
		call->args = lappend((List *) expression_tree_mutator((Node *) f->args, account_mutator, relid),
							 makeConst(REGCLASSOID, -1, InvalidOid, sizeof(Oid),
									   ObjectIdGetDatum(*relid), false, true));
		call->location = DISCLOSURE_PLANNED_CALL;
		return (Node *) call;
	}
	return expression_tree_mutator(node, account_mutator, relid);
}

/* Accounts the policy calls in a list of quals filtering rows of one table. */
static List *
account_quals(List *quals, Oid relid)
{
	if (quals == NIL || !OidIsValid(relid))
		return quals;
	return (List *) account_mutator((Node *) quals, &relid);
}

/* The table a scan reads, or InvalidOid. */
static Oid
scanned_table(Scan *scan, PlannedStmt *stmt)
{
	RangeTblEntry *rte;

	if (scan->scanrelid <= 0 || scan->scanrelid > list_length(stmt->rtable))
		return InvalidOid;
	rte = rt_fetch(scan->scanrelid, stmt->rtable);
	return rte->rtekind == RTE_RELATION ? rte->relid : InvalidOid;
}

static void account_plan(Plan *plan, PlannedStmt *stmt);

/* account_plan() on every plan of a list. */
static void
account_plans(List *plans, PlannedStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, plans)
		account_plan((Plan *) lfirst(lc), stmt);
}

/* Accounts the policy calls of a plan tree: scan filters, ON CONFLICT checks. */
static void
account_plan(Plan *plan, PlannedStmt *stmt)
{
	if (plan == NULL)
		return;
	check_stack_depth();
	switch (nodeTag(plan))
	{
		case T_SeqScan:
		case T_SampleScan:
		case T_IndexScan:
		case T_IndexOnlyScan:
		case T_BitmapHeapScan:
		case T_TidScan:
		case T_TidRangeScan:
			plan->qual = account_quals(plan->qual, scanned_table((Scan *) plan, stmt));
			break;
		case T_ModifyTable:
			{
				ModifyTable *mt = (ModifyTable *) plan;
				ListCell   *rl;
				ListCell   *wl;

				/* an existing row ON CONFLICT DO UPDATE reads is checked against the SELECT policy */
				forboth(rl, mt->resultRelations, wl, mt->withCheckOptionLists)
				{
					RangeTblEntry *rte = rt_fetch(lfirst_int(rl), stmt->rtable);
					ListCell   *lc;

					foreach(lc, (List *) lfirst(wl))
					{
						WithCheckOption *wco = lfirst_node(WithCheckOption, lc);

						if (wco->kind == WCO_RLS_CONFLICT_CHECK)
							wco->qual = account_mutator(wco->qual, &rte->relid);
					}
				}
			}
			break;
		case T_Append:
			account_plans(((Append *) plan)->appendplans, stmt);
			break;
		case T_MergeAppend:
			account_plans(((MergeAppend *) plan)->mergeplans, stmt);
			break;
		case T_BitmapAnd:
			account_plans(((BitmapAnd *) plan)->bitmapplans, stmt);
			break;
		case T_BitmapOr:
			account_plans(((BitmapOr *) plan)->bitmapplans, stmt);
			break;
		case T_SubqueryScan:
			account_plan(((SubqueryScan *) plan)->subplan, stmt);
			break;
		case T_CustomScan:
			account_plans(((CustomScan *) plan)->custom_plans, stmt);
			break;
		default:
			break;
	}
	account_plan(plan->lefttree, stmt);
	account_plan(plan->righttree, stmt);
}

/*
 * planner_hook: no parallel plan for roles subject to row-level security,
 * and the policy calls of the finished plan accounted, while the setting is
 * on.
 */
static PlannedStmt *
disclosure_planner(Query *parse, const char *query_string, int cursorOptions,
				   ParamListInfo boundParams)
{
	bool		accounting = disclosure_accounting();
	PlannedStmt *stmt;

	if (accounting && !superuser())
		cursorOptions &= ~CURSOR_OPT_PARALLEL_OK;
	if (accounting && lookup_oids())
		(void) find_policy_quals((Node *) parse, NULL);
	if (prev_planner)
		stmt = prev_planner(parse, query_string, cursorOptions, boundParams);
	else
		stmt = standard_planner(parse, query_string, cursorOptions, boundParams);
	if (accounting && stmt->commandType != CMD_UTILITY && lookup_oids())
	{
		ListCell   *lc;

		account_plan(stmt->planTree, stmt);
		foreach(lc, stmt->subplans)
			account_plan((Plan *) lfirst(lc), stmt);
	}
	return stmt;
}

/* Installs the planner hook; called once from disclosure_init(). */
void
disclosure_plan_init(void)
{
	prev_planner = planner_hook;
	planner_hook = disclosure_planner;
}
