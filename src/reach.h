/*
 * reach.h
 *		Policies planned as exact reach conditions: one generic plan right
 *		and fast for every shape of user (see reach.c).
 */
#ifndef PERMISSIONS_REACH_H
#define PERMISSIONS_REACH_H

#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"

#include "access_cache.h"
#include "tier.h"

/* The OIDs of the reach functions (reach.c looks them up by name). */
typedef struct ReachFunctions
{
	bool		valid;
	bool		callback;
	Oid			tier_type;
	Oid			reached_account;
	Oid			reached_performer;
	Oid			reached;
	Oid			whole_accounts;
	Oid			partial_performers;
} ReachFunctions;

/* reach.c */
extern const ReachFunctions *reach_functions(void);
extern bool reach_pairs_exact(Oid relid, AttrNumber account_att, AttrNumber performer_att);
extern bool reach_support(Node *rawreq, Node **answer);
extern Datum reach_id_array(FunctionCallInfo fcinfo, AccessIds what);

/* reach_plan.c */
extern void reach_rewrite_query(Query *parse);
extern void reach_finish_plan(PlannedStmt *stmt);

/* planner_support.c */
extern bool planner_support_exact_policy(Oid funcid, List *args, Tier *min_tier);
extern bool planner_support_clause_pins(Node *clause, Var *var, Oid opfamily);
extern Node *planner_support_any(Node *arg, Oid opfamily, Oid fnoid, Tier min_tier);

#endif							/* PERMISSIONS_REACH_H */
