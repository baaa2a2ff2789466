/*
 * policy.c
 *		The decision functions row-level security policies and applications
 *		call: tier matrix checks on performer data, organization permissions,
 *		account membership, and the questions a DBA asks about a user.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "access_cache.h"
#include "acting_role.h"
#include "catalog.h"
#include "matrix.h"
#include "planning.h"
#include "policy.h"
#include "reach.h"

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
PG_FUNCTION_INFO_V1(access_in_account);
PG_FUNCTION_INFO_V1(access_caller_is_dba);
PG_FUNCTION_INFO_V1(access_restoring);
PG_FUNCTION_INFO_V1(access_limit_holder);

/* The bigint argument argno, with NULL read as 0 (matches nothing). */
static int64
id_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? 0 : PG_GETARG_INT64(argno);
}

/* The permission a call site asked about last, and the name it came from. */
typedef struct PermMemo
{
	Permset		perm;
	char		name[NAMEDATALEN];
} PermMemo;

/*
 * What one call site of a decision function keeps for the statement: the
 * cache it found valid (see DecisionMemo), the kind when its argument is a
 * constant (as in every policy), and the permission name it parsed last.
 */
typedef struct CallMemo
{
	DecisionMemo cache;
	bool		kind_checked;
	bool		kind_fixed;
	DataKind	kind;
	bool		has_perm;
	PermMemo	perm;
} CallMemo;

/* The call site's memo, made on first use. */
static CallMemo *
call_memo(FunctionCallInfo fcinfo)
{
	CallMemo   *m = (CallMemo *) fcinfo->flinfo->fn_extra;

	if (m == NULL)
	{
		m = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CallMemo));
		fcinfo->flinfo->fn_extra = m;
	}
	return m;
}

/* The current cache, checked once per statement at this call site. */
static AccessCache *
current_cache(FunctionCallInfo fcinfo)
{
	return access_cache_memo(&call_memo(fcinfo)->cache);
}

/*
 * The kind argument of a policy function.  When the call site passes a
 * constant (every policy does) it is parsed once; any other kind is parsed
 * on every call, so a kind that changes from call to call is always right.
 */
static DataKind
policy_kind_arg(FunctionCallInfo fcinfo, CallMemo *m)
{
	if (!m->kind_checked)
	{
		Node	   *expr = fcinfo->flinfo->fn_expr;
		List	   *args = (expr && IsA(expr, FuncExpr)) ? ((FuncExpr *) expr)->args : NIL;

		m->kind_checked = true;
		if (args != NIL && IsA(linitial(args), Const) && !((Const *) linitial(args))->constisnull)
		{
			m->kind = matrix_parse_kind(TextDatumGetCString(((Const *) linitial(args))->constvalue));
			m->kind_fixed = true;
		}
	}
	if (m->kind_fixed)
		return m->kind;
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("kind must not be null")));
	return matrix_parse_kind(text_to_cstring(PG_GETARG_TEXT_PP(0)));
}

/*
 * The performer being inserted right now, recorded by the BEFORE INSERT
 * trigger so that the WITH CHECK of INSERT ... RETURNING can see the new
 * row before the creator's tier1 grant exists.  It names one row of one
 * command of one subtransaction of one user, and confers view on that id
 * only while no row with that id exists at all (not even an uncommitted
 * one): it can never reach an existing performer.
 */
static struct
{
	bool		valid;
	int64		performer_id;
	int64		account_id;
	int64		user_id;
	CommandId	cid;
	SubTransactionId subxid;
} inserting;

/* Forgets the performer being inserted when its (sub)transaction ends. */
static void
policy_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB || event == SUBXACT_EVENT_COMMIT_SUB)
		inserting.valid = false;
}

/* Forgets the performer being inserted when its transaction ends. */
static void
policy_xact_callback(XactEvent event, void *arg)
{
	inserting.valid = false;
}

/* Registers the callbacks; called once from _PG_init. */
void
policy_init(void)
{
	RegisterXactCallback(policy_xact_callback, NULL);
	RegisterSubXactCallback(policy_subxact_callback, NULL);
}

/* Notes that a performers row with this id exists in any state. */
static void
exists_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	*(bool *) arg = true;
}

/*
 * Whether the row being checked is the performer this user is inserting in
 * this very command: only then may its creator see it before its grant.
 */
static bool
is_performer_being_inserted(AccessCache *c, int64 account_id, int64 performer_id)
{
	SnapshotData dirty;
	bool		exists = false;

	if (!inserting.valid || inserting.performer_id != performer_id ||
		inserting.account_id != account_id || inserting.user_id != c->user.id ||
		inserting.cid != GetCurrentCommandId(false) ||
		inserting.subxid != GetCurrentSubTransactionId() ||
		!access_cache_holds(c, PERM_CREATE_PERFORMERS, account_id))
		return false;
	InitDirtySnapshot(dirty);
	catalog_scan(EXT_PERFORMERS, EXT_IDX_PERFORMERS_PKEY,
				 catalog_attnum(EXT_PERFORMERS, "id"), Int64GetDatum(performer_id),
				 F_INT8EQ, &dirty, exists_callback, &exists);
	return !exists;
}

/* Decides one action on one row of performer data for the current user. */
static bool
row_allowed(FunctionCallInfo fcinfo, DataAction action, bool has_creator)
{
	CallMemo   *m = call_memo(fcinfo);
	DataKind	kind = policy_kind_arg(fcinfo, m);
	int64		account_id = id_arg(fcinfo, 1);
	int64		performer_id = id_arg(fcinfo, 2);
	AccessCache *c = access_cache_memo(&m->cache);
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
			return action == ACTION_VIEW && kind == KIND_PERFORMER &&
				is_performer_being_inserted(c, account_id, performer_id);
	}
}

/*
 * permissions.current_user_id() returns bigint
 *		The user the session acts as, or NULL.
 */
Datum
access_current_user_id(PG_FUNCTION_ARGS)
{
	AccessCache *c = current_cache(fcinfo);

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

/* Parses a permission name, remembering it at the call site. */
static Permset
perm_arg(FunctionCallInfo fcinfo, int argno)
{
	CallMemo   *m = call_memo(fcinfo);
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
	if (m->has_perm && len < NAMEDATALEN && m->perm.name[len] == '\0' &&
		memcmp(m->perm.name, VARDATA_ANY(t), len) == 0)
		return m->perm.perm;
	name = text_to_cstring(t);
	bit = permset_lookup(name, len);
	if (bit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown permission \"%s\"", name),
				 errhint("The permission names are listed by permissions.permission_names().")));
	m->perm.perm = UINT64CONST(1) << bit;
	memset(m->perm.name, 0, sizeof(m->perm.name));
	if (len < NAMEDATALEN)
		memcpy(m->perm.name, name, len);
	m->has_perm = len < NAMEDATALEN;
	return m->perm.perm;
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
	AccessCache *c = current_cache(fcinfo);

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
	PG_RETURN_BOOL(access_cache_member(current_cache(fcinfo), id_arg(fcinfo, 0)));
}

/*
 * permissions.manages(account_id bigint) returns boolean
 *		Whether the current user is a manager of the account or an ancestor.
 */
Datum
access_manages(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(access_cache_manages(current_cache(fcinfo), id_arg(fcinfo, 0)));
}

/*
 * permissions.current_tier(account_id bigint, performer_id bigint) returns tier
 *		The current user's tier on a performer of the given account.
 */
Datum
access_current_tier(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIER(access_cache_tier(current_cache(fcinfo),
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
	other = access_cache_for_user(user_id);
	if (!acting_role_is_superuser() &&
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
		access_cache_ids(c, ARRAY_ALL_PERFORMERS, action_min_tier(action), &ids, &count);
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
 * permissions.reachable_performers(min_tier tier) returns bigint[]
 *		Sorted ids of the performers the current user reaches at min_tier or
 *		above; the index condition planner support puts in front of a policy.
 */
Datum
access_reachable_performers(PG_FUNCTION_ARGS)
{
	return reach_id_array(fcinfo, ARRAY_ALL_PERFORMERS);
}

/*
 * permissions.reachable_accounts(min_tier tier) returns bigint[]
 *		Sorted ids of the accounts holding a performer the current user reaches
 *		at min_tier or above: a lossy index condition on account_id.
 */
Datum
access_reachable_accounts(PG_FUNCTION_ARGS)
{
	return reach_id_array(fcinfo, ARRAY_ANY_ACCOUNTS);
}

/*
 * permissions.performer_created() trigger, BEFORE INSERT on performers
 *		Records the performer this user is inserting, so that the WITH CHECK
 *		of INSERT ... RETURNING lets its creator see the new row (see
 *		is_performer_being_inserted).  Refuses to run on any other table.
 */
Datum
access_performer_created(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	TupleDesc	desc;
	bool		isnull;
	bool		idnull;
	Datum		creator;
	Datum		id;
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
	inserting.valid = false;
	c = access_cache_current();
	creator = heap_getattr(tuple, catalog_attnum(EXT_PERFORMERS, "created_by"), desc, &isnull);
	id = heap_getattr(tuple, catalog_attnum(EXT_PERFORMERS, "id"), desc, &idnull);
	if (c->has_user && !isnull && !idnull && DatumGetInt64(creator) == c->user.id)
	{
		Datum		account = heap_getattr(tuple, catalog_attnum(EXT_PERFORMERS, "account_id"),
										   desc, &isnull);

		if (!isnull)
		{
			inserting.performer_id = DatumGetInt64(id);
			inserting.account_id = DatumGetInt64(account);
			inserting.user_id = c->user.id;
			inserting.cid = GetCurrentCommandId(false);
			inserting.subxid = GetCurrentSubTransactionId();
			inserting.valid = true;
		}
	}
	return PointerGetDatum(tuple);
}

/*
 * permissions.caller_is_superuser() returns boolean
 *		Whether the role executing the current statement is a superuser
 *		(current_user: the owner inside a SECURITY DEFINER function).  The
 *		rule triggers run with the rights of whoever writes, so a DBA, and
 *		the extension's own definer functions after they checked their
 *		caller, are not held to the escalation rules; they call it on every
 *		row, so it is a syscache lookup rather than SQL.
 */
Datum
access_caller_is_superuser(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(superuser());
}

/*
 * permissions.caller_is_dba() returns boolean
 *		Whether the acting role is a superuser: the test the extension's
 *		SECURITY DEFINER functions make of their caller (inside them
 *		current_user is always their owner, and is_superuser describes the
 *		session, not a definer function that may have called them).
 */
Datum
access_caller_is_dba(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(acting_role_is_superuser());
}

/*
 * permissions.in_account(account_id bigint) returns boolean
 *		Whether the account is the current user's own or one it manages: the
 *		test for writes that only members of an account may make (a grant
 *		reaching one of its performers makes one a reader, not a member).
 */
Datum
access_in_account(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(access_cache_in_account(current_cache(fcinfo), id_arg(fcinfo, 0)));
}

/*
 * permissions.limit_holder() returns bigint
 *		The user whose limits bind every identity the session mints (an API
 *		credential, a token subject mapping, an invitation): the user who
 *		made the credential or mapping the session acts through, when that
 *		was another user (the session acts only within that user's limits);
 *		the acting user otherwise; NULL when the session acts as nobody.
 *		Every minting path records it as the new identity's creator, so a
 *		limited identity can only mint identities limited the same way.
 */
Datum
access_limit_holder(PG_FUNCTION_ARGS)
{
	AccessCache *c = current_cache(fcinfo);

	if (!c->has_user)
		PG_RETURN_NULL();
	PG_RETURN_INT64(c->limit_creator != 0 ? c->limit_creator : c->user.id);
}

/*
 * permissions.restoring() returns boolean
 *		Whether the session is loading data as a superuser with row_security
 *		off, as pg_dump's output does: then the triggers that derive rows
 *		(audit entries, creator grants, credit balances, recorded uses) leave
 *		the restored rows exactly as they were dumped.  Superusers only: a
 *		role with BYPASSRLS is not trusted to write unaudited rows.
 */
Datum
access_restoring(PG_FUNCTION_ARGS)
{
	Oid			role = acting_role();

	PG_RETURN_BOOL(!row_security && superuser() && OidIsValid(role) && superuser_arg(role));
}
