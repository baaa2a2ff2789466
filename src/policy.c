/*
 * policy.c
 *		The decision functions row-level security policies and applications
 *		call: tier matrix checks on performer data, organization permissions,
 *		account membership, and the questions a DBA asks about a user.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "access_cache.h"
#include "catalog.h"
#include "matrix.h"

PG_FUNCTION_INFO_V1(access_current_user_id);
PG_FUNCTION_INFO_V1(access_can_view);
PG_FUNCTION_INFO_V1(access_can_create);
PG_FUNCTION_INFO_V1(access_can_edit);
PG_FUNCTION_INFO_V1(access_can_delete);
PG_FUNCTION_INFO_V1(access_holds);
PG_FUNCTION_INFO_V1(access_is_member);
PG_FUNCTION_INFO_V1(access_manages);
PG_FUNCTION_INFO_V1(access_check);
PG_FUNCTION_INFO_V1(access_effective_tier);
PG_FUNCTION_INFO_V1(access_has_permission);
PG_FUNCTION_INFO_V1(access_accessible_performers);
PG_FUNCTION_INFO_V1(access_reachable_performers);
PG_FUNCTION_INFO_V1(access_reachable_accounts);
PG_FUNCTION_INFO_V1(access_current_tier);
PG_FUNCTION_INFO_V1(access_performer_created);
PG_FUNCTION_INFO_V1(access_caller_is_superuser);

/* The bigint argument argno, with NULL read as 0 (matches nothing). */
static int64
id_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? 0 : PG_GETARG_INT64(argno);
}

/* A policy call site whose kind is a constant: the kind, parsed once. */
typedef struct ConstKindMemo
{
	DataKind	kind;
} ConstKindMemo;

/*
 * The kind argument of a policy function.  In a policy it is a constant:
 * parse it once per call site instead of comparing the text on every row.
 */
static DataKind
policy_kind_arg(FunctionCallInfo fcinfo)
{
	ConstKindMemo *memo;

	if (PG_ARGISNULL(0) || !get_fn_expr_arg_stable(fcinfo->flinfo, 0))
		return matrix_kind_arg(fcinfo, 0);
	memo = (ConstKindMemo *) fcinfo->flinfo->fn_extra;
	if (memo == NULL)
	{
		memo = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ConstKindMemo));
		memo->kind = matrix_parse_kind(text_to_cstring(PG_GETARG_TEXT_PP(0)));
		fcinfo->flinfo->fn_extra = memo;
	}
	return memo->kind;
}

/* Decides one action on one row of performer data for the current user. */
static bool
row_allowed(FunctionCallInfo fcinfo, DataAction action, bool has_creator)
{
	DataKind	kind = policy_kind_arg(fcinfo);
	int64		account_id = id_arg(fcinfo, 1);
	int64		performer_id = id_arg(fcinfo, 2);
	AccessCache *c = access_cache_current();
	Tier		tier;

	if (!c->has_user)
		return false;
	tier = access_cache_tier(c, account_id, performer_id);
	switch (matrix_cell(tier, action, kind))
	{
		case CELL_ALL:
			return true;
		case CELL_OWN:
			return has_creator && !PG_ARGISNULL(3) &&
				PG_GETARG_INT64(3) == c->user.id;
		default:
			return false;
	}
}

/*
 * permissions.current_user_id() returns bigint
 *		The user the session acts as, or NULL.
 */
Datum
access_current_user_id(PG_FUNCTION_ARGS)
{
	AccessCache *c = access_cache_current();

	if (!c->has_user)
		PG_RETURN_NULL();
	PG_RETURN_INT64(c->user.id);
}

/* permissions.can_view(kind, account_id, performer_id): policy check. */
Datum
access_can_view(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(row_allowed(fcinfo, ACTION_VIEW, false));
}

/* permissions.can_create(kind, account_id, performer_id): policy check. */
Datum
access_can_create(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(row_allowed(fcinfo, ACTION_CREATE, false));
}

/* permissions.can_edit(kind, account_id, performer_id, created_by): policy check. */
Datum
access_can_edit(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(row_allowed(fcinfo, ACTION_EDIT, true));
}

/* permissions.can_delete(kind, account_id, performer_id, created_by): policy check. */
Datum
access_can_delete(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(row_allowed(fcinfo, ACTION_DELETE, true));
}

/* The permission a call site asked about last, and the name it came from. */
typedef struct PermMemo
{
	Permset		perm;
	char		name[NAMEDATALEN];
} PermMemo;

/* Parses a permission name, remembering it at the call site. */
static Permset
perm_arg(FunctionCallInfo fcinfo, int argno)
{
	PermMemo   *memo = (PermMemo *) fcinfo->flinfo->fn_extra;
	text	   *t;
	int			len;
	char	   *name;
	int			bit;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("permission name must not be null")));
	t = PG_GETARG_TEXT_PP(argno);
	len = VARSIZE_ANY_EXHDR(t);
	if (memo != NULL && len < NAMEDATALEN && memo->name[len] == '\0' &&
		memcmp(memo->name, VARDATA_ANY(t), len) == 0)
		return memo->perm;
	name = text_to_cstring(t);
	bit = permset_lookup(name, len);
	if (bit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown permission \"%s\"", name),
				 errhint("The permission names are listed by permissions.permission_names().")));
	if (memo == NULL)
	{
		memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PermMemo));
		fcinfo->flinfo->fn_extra = memo;
	}
	memo->perm = UINT64CONST(1) << bit;
	memset(memo->name, 0, sizeof(memo->name));
	if (len < NAMEDATALEN)
		memcpy(memo->name, name, len);
	return memo->perm;
}

/*
 * permissions.holds(permission text, account_id bigint) returns boolean
 *		Organization permission of the current user in an account: managers
 *		hold every permission in their subtree, users theirs in their account.
 */
Datum
access_holds(PG_FUNCTION_ARGS)
{
	Permset		perm = perm_arg(fcinfo, 0);
	AccessCache *c = access_cache_current();

	PG_RETURN_BOOL(access_cache_holds(c, perm, id_arg(fcinfo, 1)));
}

/*
 * permissions.is_member(account_id bigint) returns boolean
 *		Whether the current user sees the account's libraries (pinpoints, tags,
 *		journal types): their own account, a managed one, or one they reach.
 */
Datum
access_is_member(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(access_cache_member(access_cache_current(), id_arg(fcinfo, 0)));
}

/*
 * permissions.manages(account_id bigint) returns boolean
 *		Whether the current user is a manager of the account or an ancestor.
 */
Datum
access_manages(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(access_cache_manages(access_cache_current(), id_arg(fcinfo, 0)));
}

/*
 * permissions.current_tier(account_id bigint, performer_id bigint) returns tier
 *		The current user's tier on a performer of the given account.
 */
Datum
access_current_tier(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIER(access_cache_tier(access_cache_current(),
									 id_arg(fcinfo, 0), id_arg(fcinfo, 1)));
}

/*
 * The cache for the user a DBA function asks about: the current user when
 * user_id is NULL, else that user, which only its managers, holders of
 * manage_users over its account, the user itself and superusers may examine.
 */
static AccessCache *
cache_for_arg(FunctionCallInfo fcinfo, int argno)
{
	AccessCache *self = access_cache_current();
	AccessCache *other;
	int64		user_id;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return self;
	user_id = PG_GETARG_INT64(argno);
	if (self->has_user && self->user.id == user_id)
		return self;
	other = access_cache_for_user(user_id, CurrentMemoryContext);
	if (!superuser() &&
		!(other->user.id != 0 &&
		  access_cache_holds(self, PERM_MANAGE_USERS, other->user.account_id)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to examine the access of user %lld",
						(long long) user_id),
				 errdetail("Only superusers, the user itself, and holders of manage_users over the user's account may examine another user's access."),
				 errhint("Leave user_id out to ask about yourself.")));
	return other;
}

/*
 * permissions.check(action, kind, performer_id [, user_id]) returns boolean
 *		Whether the user may take the action on that kind of data of the
 *		performer (an "own" cell counts as allowed: some rows qualify).
 */
Datum
access_check(PG_FUNCTION_ARGS)
{
	DataAction	action = matrix_action_arg(fcinfo, 0);
	DataKind	kind = matrix_kind_arg(fcinfo, 1);
	int64		performer_id = id_arg(fcinfo, 2);
	AccessCache *c = cache_for_arg(fcinfo, 3);

	PG_RETURN_BOOL(matrix_cell(access_cache_performer_tier(c, performer_id),
							   action, kind) != CELL_NOTHING);
}

/*
 * permissions.effective_tier(performer_id [, user_id]) returns tier
 *		The user's effective tier on a performer, after every source and cap.
 */
Datum
access_effective_tier(PG_FUNCTION_ARGS)
{
	int64		performer_id = id_arg(fcinfo, 0);
	AccessCache *c = cache_for_arg(fcinfo, 1);

	PG_RETURN_TIER(access_cache_performer_tier(c, performer_id));
}

/*
 * permissions.has_permission(name [, user_id]) returns boolean
 *		Whether the user holds an organization permission in its own account.
 */
Datum
access_has_permission(PG_FUNCTION_ARGS)
{
	Permset		perm = perm_arg(fcinfo, 0);
	AccessCache *c = cache_for_arg(fcinfo, 1);

	PG_RETURN_BOOL(c->has_user && access_cache_holds(c, perm, c->user.account_id));
}

/* The lowest tier that allows an action on some kind of a performer's data. */
static Tier
action_min_tier(DataAction action)
{
	DataKind	k;
	Tier		best = TIER_1;

	for (k = 0; k < KIND_COUNT; k++)
	{
		Tier		t = matrix_min_tier(action, k);

		if (t < best)
			best = t;
	}
	return best;
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
 * permissions.accessible_performers(action [, user_id]) returns setof bigint
 *		Every performer on which the user may take the action on some kind of
 *		data: view needs tier4, create and edit tier3, delete tier2.
 */
Datum
access_accessible_performers(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;
	int64	   *ids;

	if (SRF_IS_FIRSTCALL())
	{
		MemoryContext old;
		DataAction	action;
		AccessCache *c;
		int			count;
		int64	   *copy;

		/* parsed without the per-call-site memo: fn_extra holds the SRF state */
		if (PG_ARGISNULL(0))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("action must not be null")));
		action = matrix_parse_action(text_to_cstring(PG_GETARG_TEXT_PP(0)));
		funcctx = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(funcctx->multi_call_memory_ctx);
		c = cache_for_arg(fcinfo, 1);
		access_cache_performers(c, action_min_tier(action), &ids, &count);
		copy = palloc(sizeof(int64) * (count > 0 ? count : 1));
		memcpy(copy, ids, sizeof(int64) * count);
		funcctx->user_fctx = copy;
		funcctx->max_calls = count;
		MemoryContextSwitchTo(old);
	}
	funcctx = SRF_PERCALL_SETUP();
	ids = (int64 *) funcctx->user_fctx;
	if (funcctx->call_cntr < funcctx->max_calls)
	{
		/* read before SRF_RETURN_NEXT, which advances call_cntr first */
		Datum		next = Int64GetDatum(ids[funcctx->call_cntr]);

		SRF_RETURN_NEXT(funcctx, next);
	}
	SRF_RETURN_DONE(funcctx);
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

static Datum
reach_array(FunctionCallInfo fcinfo, bool accounts)
{
	Tier		tier = PG_GETARG_TIER(0);
	AccessCache *c = access_cache_current();
	ReachMemo  *memo = (ReachMemo *) fcinfo->flinfo->fn_extra;
	int64	   *ids;
	int			count;
	ArrayType  *copy;

	if (accounts)
		access_cache_accounts(c, tier, &ids, &count);
	else
		access_cache_performers(c, tier, &ids, &count);
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
 * permissions.reachable_performers(min_tier tier) returns bigint[]
 *		Sorted ids of the performers the current user reaches at min_tier or
 *		above; the index condition planner support puts in front of a policy.
 */
Datum
access_reachable_performers(PG_FUNCTION_ARGS)
{
	return reach_array(fcinfo, false);
}

/*
 * permissions.reachable_accounts(min_tier tier) returns bigint[]
 *		Sorted ids of the accounts holding a performer the current user reaches
 *		at min_tier or above: a lossy index condition on account_id.
 */
Datum
access_reachable_accounts(PG_FUNCTION_ARGS)
{
	return reach_array(fcinfo, true);
}

/*
 * permissions.performer_created() trigger, BEFORE INSERT on performers
 *		Lets the creator reach the new performer in the creating statement
 *		(RETURNING, WITH CHECK), before the tier1 grant written for them by
 *		the AFTER trigger is visible.  Refuses to run on any other table, so
 *		it cannot be attached elsewhere to claim arbitrary performers.
 */
Datum
access_performer_created(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;
	AccessCache *c;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		RelationGetRelid(trigdata->tg_relation) != catalog_relid(EXT_PERFORMERS))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("permissions.performer_created() must be a BEFORE INSERT row trigger on permissions.performers")));

	tuple = trigdata->tg_trigtuple;
	desc = RelationGetDescr(trigdata->tg_relation);
	c = access_cache_current();
	d = heap_getattr(tuple, catalog_attnum(EXT_PERFORMERS, "created_by"), desc, &isnull);
	if (c->has_user && !isnull && DatumGetInt64(d) == c->user.id)
	{
		int64		id = DatumGetInt64(heap_getattr(tuple, catalog_attnum(EXT_PERFORMERS, "id"),
													desc, &isnull));
		int64		account = DatumGetInt64(heap_getattr(tuple,
														 catalog_attnum(EXT_PERFORMERS, "account_id"),
														 desc, &isnull));

		access_cache_note_created(id, account);
	}
	return PointerGetDatum(tuple);
}

/*
 * permissions.caller_is_superuser() returns boolean
 *		Whether the role executing the statement (current_user: the owner
 *		inside a SECURITY DEFINER function) is a superuser; the rule triggers
 *		call it on every row, so it is a syscache lookup rather than SQL.
 */
Datum
access_caller_is_superuser(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(superuser());
}
