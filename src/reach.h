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

extern void reach_rewrite_query(Query *parse);
extern void reach_finish_plan(PlannedStmt *stmt);
extern bool reach_support(Node *rawreq, Node **answer);
extern Datum reach_id_array(FunctionCallInfo fcinfo, AccessIds what);

/* planner_support.c */
extern bool planner_support_exact_policy(Oid funcid, List *args, Tier *min_tier);
extern Node *planner_support_any(Node *arg, Oid opfamily, Oid fnoid, Tier min_tier);

#endif							/* PERMISSIONS_REACH_H */
