/*
 * disclosure.c
 *		The accounting of disclosures: with permissions.read_accounting on,
 *		every statement that reads performer data records, per performer and
 *		table, who read how many rows, when, and the statement's fingerprint.
 *
 * Counting.  The SELECT policies call can_view(); while accounting is on,
 * plans call can_view_accounted() instead (disclosure_plan.c), which adds
 * one to a per-backend table keyed by (user, role, table, performer)
 * whenever the policy lets a row through.  Rows counted are rows that
 * passed the policy: a statement may return fewer (a LIMIT, a join, an
 * aggregate).  Counting is a hash lookup per row (rows of one performer come
 * in runs: the last entry is remembered).  The table is bounded
 * (permissions.read_accounting_buffer entries): when it is full its records
 * are written and it starts again, so a statement that reaches many
 * performers writes several records for some of them, never none.
 *
 * Writing.  At the end of each top-level executor call (the run of a
 * statement, each FETCH of a cursor, each Execute of a portal, the finish and
 * the end of a statement) the counted rows become one record per (user,
 * performer, table), written durably (disclosure_log.c: one row per user,
 * table and account, with arrays of performers and counts) before the call
 * returns: a cursor never closed has recorded every FETCH, and a transaction
 * that rolls back keeps its records.
 *
 * Failing statements.  A read whose rows stream to the client (a query, a
 * FETCH, COPY TO) runs in an internal subtransaction: if it fails after rows
 * (or an error message quoting them) may have left, the subtransaction is
 * rolled back, the records are written in the transaction, and only then
 * does the error go on.  Any other statement that fails (writes with
 * RETURNING buffer their rows until they end; row-locking reads, which
 * would take a subtransaction id each) has its records written to the server
 * log at once and to the table at the session's next statement, or when the
 * session ends.
 *
 * Who is counted.  The user is the identity the policy decided for (its
 * role, and how it acts: role, API credential, token).  Superusers and roles
 * with BYPASSRLS are not subject to the policies and are not counted.
 *
 * The setting can only be changed by superusers.  A client cannot turn it
 * off for its session: SET, set_config(), ALTER ROLE, function SET clauses
 * are refused; a value passed in the startup packet (PGOPTIONS) is refused
 * too, but since the library defines the setting only after the session
 * started, the refused value would also hide the database's value: the
 * settings of pg_db_role_setting are then read again and applied (see
 * restore_settings()).
 */
#include "postgres.h"

#include <limits.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_db_role_setting.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "access_cache.h"
#include "acting_role.h"
#include "disclosure.h"
#include "disclosure_log.h"
#include "matrix.h"
#include "pg_compat.h"

PG_FUNCTION_INFO_V1(disclosure_can_view);

/* The SELECT policy function (policy.c). */
extern Datum access_can_view(PG_FUNCTION_ARGS);

#define ACCOUNTING_GUC "permissions.read_accounting"

static bool read_accounting = false;
static int	read_accounting_buffer = 65536;
static GucSource accounting_source = PGC_S_DEFAULT;
static bool settings_checked = false;

static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;
static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* What rows are counted under. */
typedef struct CountKey
{
	int64		user_id;
	int64		performer_id;
	Oid			relid;
	Oid			role;
} CountKey;

typedef struct CountEntry
{
	CountKey	key;
	int64		account_id;
	DataKind	kind;
	IdentitySource source;
	int64		ref_id;
	int64		rows;
} CountEntry;

static MemoryContext accounting_cxt = NULL;
static HTAB *counts = NULL;		/* the running statement's rows, not yet written */
static CountEntry *last_entry = NULL;

/* Records of failed statements, not yet written (the first ndeferred_logged in the server log). */
static DisclosureRecord *deferred = NULL;
static int	ndeferred = 0;
static int	ndeferred_logged = 0;
static int	deferred_cap = 0;

/* The top-level statement the counts belong to. */
static int	depth = 0;			/* executor calls running (run, finish, end) */
static TimestampTz stmt_at = 0;
static int64 stmt_fingerprint = 0;

static void restore_settings(void);
static void add_deferred(const DisclosureRecord *records, int n);

/*
 * Whether accounting is on for this session (the first call in a
 * transaction makes sure a refused client value did not hide the
 * database's: see restore_settings()).
 */
bool
disclosure_accounting(void)
{
	if (!settings_checked && IsTransactionState())
		restore_settings();
	return read_accounting;
}

/* Check hook of the setting: remembers where the value in force came from. */
static bool
accounting_check(bool *newval, void **extra, GucSource source)
{
	if (source != PGC_S_TEST)
		accounting_source = source;
	return true;
}

/*
 * Assign hook: plans made under the other value are dropped (they count, or
 * keep a policy filter, as that value wanted), and statements get a
 * fingerprint from now on.
 */
static void
accounting_assign(bool newval, void *extra)
{
	if (newval != read_accounting)
	{
		ResetPlanCache();
		if (newval)
			EnableQueryId();
	}
}

/*
 * When nothing set the setting in this session (its value is the default),
 * applies the database's and the role's values from pg_db_role_setting, as
 * PostgreSQL would have at connection: a refused startup-packet value
 * (PGOPTIONS) hides them, since the library defines the setting after the
 * session started.  Most specific first: this database and role, the role,
 * the database.
 */
static void
restore_settings(void)
{
	Oid			pairs[3][2] = {{MyDatabaseId, GetSessionUserId()}, {InvalidOid, GetSessionUserId()},
	{MyDatabaseId, InvalidOid}};
	Relation	rel;
	int			i;

	settings_checked = true;
	if (accounting_source != PGC_S_DEFAULT || !IsTransactionState() || !OidIsValid(MyDatabaseId))
		return;
	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	for (i = 0; i < 3; i++)
	{
		ScanKeyData keys[2];
		SysScanDesc scan;
		HeapTuple	tuple;
		bool		found = false;

		ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(pairs[i][0]));
		ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(pairs[i][1]));
		scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true, NULL, 2, keys);
		while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			bool		isnull;
			Datum		d = heap_getattr(tuple, Anum_pg_db_role_setting_setconfig,
										 RelationGetDescr(rel), &isnull);
			ArrayType  *a;
			Datum	   *items;
			int			n;
			int			j;

			if (isnull)
				continue;
			a = DatumGetArrayTypeP(d);
			deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &items, NULL, &n);
			for (j = 0; j < n; j++)
			{
				char	   *item = TextDatumGetCString(items[j]);
				char	   *eq = strchr(item, '=');

				if (eq && eq - item == (int) strlen(ACCOUNTING_GUC) &&
					strncmp(item, ACCOUNTING_GUC, eq - item) == 0)
				{
					(void) set_config_option(ACCOUNTING_GUC, eq + 1, PGC_SUSET,
											 i == 2 ? PGC_S_DATABASE : (i == 0 ? PGC_S_DATABASE_USER : PGC_S_USER),
											 GUC_ACTION_SET, true, WARNING, false);
					found = true;
				}
			}
		}
		systable_endscan(scan);
		if (found)
			break;
	}
	table_close(rel, AccessShareLock);
}

/* ---------------------------------------------------------------------
 * Counting
 * ---------------------------------------------------------------------
 */

/* The counts table, made on first use. */
static HTAB *
count_table(void)
{
	if (counts == NULL)
	{
		HASHCTL		ctl;

		if (accounting_cxt == NULL)
			accounting_cxt = AllocSetContextCreate(TopMemoryContext, "permissions disclosures",
												   ALLOCSET_DEFAULT_SIZES);
		ctl.keysize = sizeof(CountKey);
		ctl.entrysize = sizeof(CountEntry);
		ctl.hcxt = accounting_cxt;
		counts = hash_create("permissions disclosure counts", 256, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return counts;
}

/* The statement's fingerprint: its query id, or a hash of its text. */
static int64
fingerprint(QueryDesc *qd)
{
	if (qd->plannedstmt != NULL && qd->plannedstmt->queryId != UINT64CONST(0))
		return (int64) qd->plannedstmt->queryId;
	if (qd->sourceText != NULL)
		return (int64) hash_bytes_extended((const unsigned char *) qd->sourceText,
										   strlen(qd->sourceText), 0);
	return 0;
}

/* The counted rows as records of the current statement; empties the table. */
static DisclosureRecord *
take_counts(int *n)
{
	DisclosureRecord *records;
	HASH_SEQ_STATUS st;
	CountEntry *e;
	int			i = 0;

	*n = counts ? (int) hash_get_num_entries(counts) : 0;
	if (*n == 0)
		return NULL;
	records = MemoryContextAlloc(accounting_cxt, sizeof(DisclosureRecord) * *n);
	hash_seq_init(&st, counts);
	while ((e = hash_seq_search(&st)) != NULL)
	{
		DisclosureRecord *r = &records[i++];

		r->at = stmt_at ? stmt_at : GetCurrentStatementStartTimestamp();
		r->fingerprint = stmt_fingerprint;
		r->account_id = e->account_id;
		r->performer_id = e->key.performer_id;
		r->relid = e->key.relid;
		r->kind = e->kind;
		r->rows = e->rows;
		r->user_id = e->key.user_id;
		r->role = e->key.role;
		r->source = e->source;
		r->ref_id = e->ref_id;
	}
	hash_destroy(counts);
	counts = NULL;
	last_entry = NULL;
	qsort(records, *n, sizeof(DisclosureRecord), disclosure_record_cmp);
	return records;
}

/* Whether records can be written now: a transaction in progress on a primary. */
static bool
can_write(void)
{
	return IsTransactionState() && !IsAbortedTransactionBlockState() && !IsParallelWorker();
}

/*
 * Writes the counted rows of the statement: rows of disclosure_log on a
 * primary, server log lines on a standby.  When they cannot be written now
 * (the transaction is failing), they wait for the next statement.
 */
static void
write_counts(void)
{
	DisclosureRecord *records;
	int			n;

	if (counts == NULL || hash_get_num_entries(counts) == 0)
		return;
	if (!can_write())
		return;					/* the abort callback defers them */
	if (RecoveryInProgress())
	{
		records = take_counts(&n);
		disclosure_log_server(records, n, "standby");
		pfree(records);
		return;
	}
	records = take_counts(&n);
	PG_TRY();
	{
		disclosure_log_write(records, n);
	}
	PG_CATCH();
	{
		/* not written: they wait for the next statement (the abort logs them) */
		add_deferred(records, n);
		PG_RE_THROW();
	}
	PG_END_TRY();
	pfree(records);
}

/* Appends records to the deferred ones. */
static void
add_deferred(const DisclosureRecord *records, int n)
{
	MemoryContext old = MemoryContextSwitchTo(accounting_cxt);
	int			i;

	for (i = 0; i < n; i++)
	{
		if (ndeferred == deferred_cap)
		{
			deferred_cap = deferred_cap ? deferred_cap * 2 : 64;
			deferred = deferred ? repalloc(deferred, deferred_cap * sizeof(DisclosureRecord))
				: palloc(deferred_cap * sizeof(DisclosureRecord));
		}
		deferred[ndeferred++] = records[i];
	}
	MemoryContextSwitchTo(old);
}

/*
 * Moves the counted rows of a failing statement to the deferred records,
 * and writes every deferred record not yet there to the server log at once
 * (on a standby, the log is where they stay).
 */
static void
defer_counts(void)
{
	DisclosureRecord *records;
	int			n;

	records = take_counts(&n);
	if (n > 0)
	{
		add_deferred(records, n);
		pfree(records);
	}
	if (ndeferred > ndeferred_logged)
	{
		disclosure_log_server(deferred + ndeferred_logged, ndeferred - ndeferred_logged,
							  RecoveryInProgress() ? "standby" : "deferred");
		ndeferred_logged = ndeferred;
	}
	if (RecoveryInProgress())
		ndeferred = ndeferred_logged = 0;
}

/* Writes the records of failed statements, when a transaction can take them. */
static void
write_deferred(void)
{
	int			n = ndeferred;

	if (n == 0 || !can_write() || RecoveryInProgress())
		return;
	qsort(deferred, n, sizeof(DisclosureRecord), disclosure_record_cmp);
	disclosure_log_write(deferred, n);
	/* written: forgotten (a failure leaves all of them) */
	ndeferred = ndeferred_logged = 0;
}

/* Counts one row of a table about a performer, for the user the policy decided for. */
static void
count_row(DecisionMemo *memo, DataKind kind, int64 account_id, int64 performer_id, Oid relid)
{
	AccessCache *c = access_cache_memo(memo);
	CountKey	key;
	CountEntry *e;
	bool		found;

	if (IsParallelWorker())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("performer data cannot be read by a parallel worker while reads are accounted"),
				 errdetail("With permissions.read_accounting on, the backend that runs a statement counts what it discloses; a parallel worker cannot report its counts."),
				 errhint("Call the function that reads performer data outside a parallel query, or mark it PARALLEL RESTRICTED.")));
	memset(&key, 0, sizeof(key));
	key.user_id = c->user.id;
	key.performer_id = performer_id;
	key.relid = relid;
	key.role = c->ident.role;
	if (last_entry != NULL && memcmp(&last_entry->key, &key, sizeof(key)) == 0)
	{
		last_entry->rows++;
		return;
	}
	e = hash_search(count_table(), &key, HASH_ENTER, &found);
	if (!found)
	{
		e->account_id = account_id;
		e->kind = kind;
		e->source = c->ident.source;
		e->ref_id = c->ident.ref_id;
		e->rows = 0;
	}
	e->rows++;
	last_entry = e;
	/* full: write what the statement has read so far, and go on */
	if (!found && hash_get_num_entries(counts) >= read_accounting_buffer && can_write())
		write_counts();
}

/* What one call site of can_view_accounted() keeps for the statement. */
typedef struct AccountedCall
{
	FmgrInfo	flinfo;			/* can_view(), with its own call-site memo */
	FunctionCallInfo inner;
	bool		planned;		/* made by the planner: its rows count */
	bool		kind_fixed;
	DataKind	kind;
	DecisionMemo memo;
} AccountedCall;

/*
 * permissions.can_view_accounted(kind, account_id, performer_id, relation)
 *		returns boolean
 *		can_view(kind, account_id, performer_id), and when it is true in a
 *		plan's policy filter, one row of relation about the performer counted
 *		for the statement.  Plans call it in place of can_view() while
 *		permissions.read_accounting is on; called directly it is can_view().
 */
Datum
disclosure_can_view(PG_FUNCTION_ARGS)
{
	AccountedCall *ac = (AccountedCall *) fcinfo->flinfo->fn_extra;
	Datum		result;
	int			i;

	if (ac == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		Node	   *expr = fcinfo->flinfo->fn_expr;
		List	   *args = (expr && IsA(expr, FuncExpr)) ? ((FuncExpr *) expr)->args : NIL;

		ac = palloc0(sizeof(AccountedCall));
		ac->flinfo.fn_addr = access_can_view;
		ac->flinfo.fn_oid = InvalidOid;
		ac->flinfo.fn_nargs = 3;
		ac->flinfo.fn_strict = false;
		ac->flinfo.fn_retset = false;
		ac->flinfo.fn_stats = TRACK_FUNC_OFF;
		ac->flinfo.fn_mcxt = fcinfo->flinfo->fn_mcxt;
		if (list_length(args) == 4)
			ac->flinfo.fn_expr = (Node *) makeFuncExpr(InvalidOid, BOOLOID, list_truncate(list_copy(args), 3),
													   InvalidOid, fcinfo->fncollation, COERCE_EXPLICIT_CALL);
		ac->inner = palloc0(SizeForFunctionCallInfo(3));
		InitFunctionCallInfoData(*ac->inner, &ac->flinfo, 3, fcinfo->fncollation, NULL, NULL);
		ac->planned = expr && IsA(expr, FuncExpr) &&
			((FuncExpr *) expr)->location == DISCLOSURE_PLANNED_CALL;
		if (args != NIL && IsA(linitial(args), Const) && !((Const *) linitial(args))->constisnull)
		{
			ac->kind = matrix_parse_kind(TextDatumGetCString(((Const *) linitial(args))->constvalue));
			ac->kind_fixed = true;
		}
		fcinfo->flinfo->fn_extra = ac;
		MemoryContextSwitchTo(old);
	}
	for (i = 0; i < 3; i++)
		ac->inner->args[i] = fcinfo->args[i];
	ac->inner->isnull = false;
	result = FunctionCallInvoke(ac->inner);
	if (DatumGetBool(result) && ac->planned && read_accounting && !PG_ARGISNULL(2) && !PG_ARGISNULL(3))
	{
		DataKind	kind = ac->kind_fixed ? ac->kind :
			matrix_parse_kind(text_to_cstring(PG_GETARG_TEXT_PP(0)));

		count_row(&ac->memo, kind, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1),
				  PG_GETARG_INT64(2), PG_GETARG_OID(3));
	}
	PG_RETURN_DATUM(result);
}

/* ---------------------------------------------------------------------
 * Statements
 * ---------------------------------------------------------------------
 */

/*
 * An executor call at the top: the records of a failed statement are
 * written first, and the statement the counts will belong to is noted.
 */
static void
begin_top(QueryDesc *qd)
{
	if (!disclosure_accounting() && ndeferred == 0)
		return;
	write_deferred();
	stmt_at = GetCurrentStatementStartTimestamp();
	stmt_fingerprint = read_accounting ? fingerprint(qd) : 0;
}

/* Whether rows of this run go to the client as they are made. */
static bool
streams_to_client(QueryDesc *qd)
{
	CommandDest d = qd->dest->mydest;

	return d == DestRemote || d == DestRemoteExecute || d == DestRemoteSimple || d == DestCopyOut;
}

/*
 * Whether a top-level run is a read streaming to the client that must be
 * recorded even if it fails: a plain query (no row locks, no writes: those
 * would take a subtransaction id), by a role subject to the policies.
 */
static bool
guard_run(QueryDesc *qd)
{
	return read_accounting && can_write() && !IsInParallelMode() && !RecoveryInProgress() &&
		streams_to_client(qd) && qd->operation == CMD_SELECT &&
		qd->plannedstmt->rowMarks == NIL && !qd->plannedstmt->hasModifyingCTE &&
		!acting_role_is_superuser();
}

/* The previous ExecutorRun. */
static void
run(EXECUTOR_RUN_PARAMS)
{
	if (prev_ExecutorRun)
		prev_ExecutorRun(EXECUTOR_RUN_ARGS);
	else
		standard_ExecutorRun(EXECUTOR_RUN_ARGS);
}

/*
 * Runs a streaming read in an internal subtransaction.  The resources the
 * run takes stay the portal's (a cursor keeps its scan between FETCHes).
 * When the run fails, the subtransaction is rolled back (releasing the
 * locks and state of the failed code), the statement's records are written,
 * and the error goes on.
 */
static void
run_guarded(EXECUTOR_RUN_PARAMS)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	depth++;
	PG_TRY();
	{
		run(EXECUTOR_RUN_ARGS);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		depth--;
		HOLD_INTERRUPTS();
		write_counts();
		RESUME_INTERRUPTS();
		ReThrowError(edata);
	}
	PG_END_TRY();
	depth--;
	ReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}

/* ExecutorRun hook: a top-level run writes what it read before it returns. */
static void
disclosure_ExecutorRun(EXECUTOR_RUN_PARAMS)
{
	bool		top = depth == 0;

	if (top)
		begin_top(queryDesc);
	if (top && guard_run(queryDesc))
		run_guarded(EXECUTOR_RUN_ARGS);
	else
	{
		depth++;
		PG_TRY();
		{
			run(EXECUTOR_RUN_ARGS);
		}
		PG_FINALLY();
		{
			depth--;
		}
		PG_END_TRY();
	}
	if (top)
		write_counts();
}

/* ExecutorFinish hook: what AFTER triggers read is written with the statement. */
static void
disclosure_ExecutorFinish(QueryDesc *qd)
{
	bool		top = depth == 0;

	if (top)
		begin_top(qd);
	depth++;
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(qd);
		else
			standard_ExecutorFinish(qd);
	}
	PG_FINALLY();
	{
		depth--;
	}
	PG_END_TRY();
	if (top)
		write_counts();
}

/* ExecutorEnd hook: anything left of the statement is written. */
static void
disclosure_ExecutorEnd(QueryDesc *qd)
{
	bool		top = depth == 0;

	depth++;
	PG_TRY();
	{
		if (prev_ExecutorEnd)
			prev_ExecutorEnd(qd);
		else
			standard_ExecutorEnd(qd);
	}
	PG_FINALLY();
	{
		depth--;
	}
	PG_END_TRY();
	if (top)
		write_counts();
}

/* ProcessUtility hook: the records of a failed statement are written at the next one. */
static void
disclosure_ProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
						  ProcessUtilityContext context, ParamListInfo params,
						  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (depth == 0)
	{
		(void) disclosure_accounting();
		write_deferred();
	}
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

/*
 * A failing transaction keeps its statement's counts as deferred records; a
 * failing subtransaction too, when no statement is running (a statement
 * that catches an error of its own goes on counting).
 */
static void
disclosure_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			write_counts();
			break;
		case XACT_EVENT_ABORT:
			defer_counts();
			depth = 0;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PREPARE:
			depth = 0;
			last_entry = NULL;
			break;
		default:
			break;
	}
}

/* See disclosure_xact_callback. */
static void
disclosure_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && depth == 0)
		defer_counts();
}

/* At the end of the session: the records still waiting are written. */
static void
disclosure_exit(int code, Datum arg)
{
	if ((ndeferred == 0 && (counts == NULL || hash_get_num_entries(counts) == 0)) ||
		!OidIsValid(MyDatabaseId) || IsParallelWorker())
		return;
	AbortOutOfAnyTransaction();
	if (RecoveryInProgress())
		return;
	PG_TRY();
	{
		StartTransactionCommand();
		write_deferred();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* they are in the server log already */
		EmitErrorReport();
		FlushErrorState();
	}
	PG_END_TRY();
}

/* Defines the settings and installs the hooks; called once from _PG_init. */
void
disclosure_init(void)
{
	DefineCustomBoolVariable(ACCOUNTING_GUC,
							 "Records, per performer and table, every read of performer data.",
							 "Each statement that reads rows of performer data through the policies writes one record per performer and table to permissions.disclosure_log: who read, how many rows, when, and a fingerprint of the statement. Only superusers change it; set it with ALTER DATABASE.",
							 &read_accounting, false, PGC_SUSET, 0,
							 accounting_check, accounting_assign, NULL);
	DefineCustomIntVariable("permissions.read_accounting_buffer",
							"Performer and table pairs one statement counts before it writes their records.",
							"A statement reaching more pairs writes their records in batches of this many.",
							&read_accounting_buffer, 65536, 16, INT_MAX / 2, PGC_SUSET, 0,
							NULL, NULL, NULL);
	disclosure_plan_init();
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = disclosure_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = disclosure_ExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = disclosure_ExecutorEnd;
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = disclosure_ProcessUtility;
	RegisterXactCallback(disclosure_xact_callback, NULL);
	RegisterSubXactCallback(disclosure_subxact_callback, NULL);
	before_shmem_exit(disclosure_exit, (Datum) 0);
}
