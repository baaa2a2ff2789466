/*
 * planner_support.c
 *		Planner support for the policy functions.
 *
 * A policy such as permissions.can_view('measurement', account_id,
 * performer_id) is opaque to the planner: without help it becomes a filter
 * evaluated on every row of a sequential scan.  For an index on performer_id
 * the support function offers the index condition
 *		performer_id = ANY (permissions.reachable_performers(<min tier>))
 * and for an index on account_id
 *		account_id = ANY (permissions.reachable_accounts(<min tier>)),
 * both supersets of the rows the policy accepts (the function stays as a
 * filter).  The arrays are computed once per cache and evaluated at executor
 * start, so a generic plan stays correct for any identity.  Selectivity comes
 * from the share of performers the current user reaches.
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "utils/syscache.h"

#include "access_cache.h"
#include "catalog.h"
#include "matrix.h"

PG_FUNCTION_INFO_V1(access_support);

/* Argument positions shared by can_view/can_create/can_edit/can_delete. */
#define ARG_KIND		0
#define ARG_ACCOUNT		1
#define ARG_PERFORMER	2

/* Which action a policy function decides, from its name. */
static bool
policy_action(Oid funcid, DataAction *action)
{
	char	   *name = get_func_name(funcid);

	if (name == NULL)
		return false;
	if (strcmp(name, "can_view") == 0)
		*action = ACTION_VIEW;
	else if (strcmp(name, "can_create") == 0)
		*action = ACTION_CREATE;
	else if (strcmp(name, "can_edit") == 0)
		*action = ACTION_EDIT;
	else if (strcmp(name, "can_delete") == 0)
		*action = ACTION_DELETE;
	else
		return false;
	return true;
}

/* The lowest tier the call can accept, when its kind is a constant. */
static bool
call_min_tier(FuncExpr *call, Tier *min_tier)
{
	DataAction	action;
	Node	   *kindarg;
	Const	   *kc;
	char	   *kind;

	if (!policy_action(call->funcid, &action) || list_length(call->args) <= ARG_PERFORMER)
		return false;
	kindarg = (Node *) linitial(call->args);
	if (!IsA(kindarg, Const) || ((Const *) kindarg)->constisnull ||
		((Const *) kindarg)->consttype != TEXTOID)
		return false;
	kc = (Const *) kindarg;
	kind = TextDatumGetCString(kc->constvalue);
	*min_tier = matrix_min_tier(action, matrix_parse_kind(kind));
	return true;
}

/* OID of permissions.<name>(tier), the array builders. */
static Oid
array_function(const char *name)
{
	List	   *names = list_make2(makeString("permissions"), makeString(pstrdup(name)));

	return LookupFuncName(names, -1, NULL, true);
}

/* Builds "arg = ANY (permissions.<fname>(min_tier))". */
static Node *
any_condition(Node *arg, Oid opfamily, const char *fname, Tier min_tier)
{
	Oid			eqop = get_opfamily_member(opfamily, INT8OID, INT8OID,
										   BTEqualStrategyNumber);
	Oid			fnoid = array_function(fname);
	Oid			tiertype;
	FuncExpr   *call;
	ScalarArrayOpExpr *saop;

	if (!OidIsValid(eqop) || !OidIsValid(fnoid))
		return NULL;
	{
		Oid		   *argtypes;
		int			nargs;

		(void) get_func_signature(fnoid, &argtypes, &nargs);
		if (nargs != 1)
			return NULL;
		tiertype = argtypes[0];
	}
	call = makeFuncExpr(fnoid, INT8ARRAYOID,
						list_make1(makeConst(tiertype, -1, InvalidOid, sizeof(int32),
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

/* Estimated number of performers, from the planner statistics. */
static double
performer_count(void)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(catalog_relid(EXT_PERFORMERS)));
	double		n = 0;

	if (HeapTupleIsValid(tup))
	{
		n = ((Form_pg_class) GETSTRUCT(tup))->reltuples;
		ReleaseSysCache(tup);
	}
	return n;
}

/*
 * permissions.access_support(internal) returns internal
 *		Index conditions and selectivity for the policy functions.
 */
Datum
access_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);

	if (IsA(rawreq, SupportRequestIndexCondition))
	{
		SupportRequestIndexCondition *req = (SupportRequestIndexCondition *) rawreq;
		FuncExpr   *call = (FuncExpr *) req->node;
		Tier		min_tier;
		Node	   *cond = NULL;

		if (!IsA(call, FuncExpr) || !call_min_tier(call, &min_tier) ||
			req->index->relam != BTREE_AM_OID)
			PG_RETURN_POINTER(NULL);
		if (exprType(list_nth(call->args, req->indexarg)) != INT8OID)
			PG_RETURN_POINTER(NULL);
		if (req->indexarg == ARG_PERFORMER)
			cond = any_condition(list_nth(call->args, ARG_PERFORMER), req->opfamily,
								 "reachable_performers", min_tier);
		else if (req->indexarg == ARG_ACCOUNT)
			cond = any_condition(list_nth(call->args, ARG_ACCOUNT), req->opfamily,
								 "reachable_accounts", min_tier);
		if (cond == NULL)
			PG_RETURN_POINTER(NULL);
		req->lossy = true;
		PG_RETURN_POINTER(list_make1(cond));
	}

	if (IsA(rawreq, SupportRequestSelectivity))
	{
		SupportRequestSelectivity *req = (SupportRequestSelectivity *) rawreq;
		FuncExpr	call;
		Tier		min_tier;
		double		total = performer_count();
		double		sel = 0.005;

		if (req->is_join)
			PG_RETURN_POINTER(NULL);
		call.funcid = req->funcid;
		call.args = req->args;
		if (call_min_tier(&call, &min_tier) && total > 0)
		{
			int64	   *ids;
			int			count;

			access_cache_performers(access_cache_current(), min_tier, &ids, &count);
			sel = (count + 0.5) / total;
		}
		CLAMP_PROBABILITY(sel);
		req->selectivity = sel;
		PG_RETURN_POINTER(req);
	}

	PG_RETURN_POINTER(NULL);
}
