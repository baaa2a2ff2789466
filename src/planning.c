/*
 * planning.c
 *		Tells the planner from the executor.
 *
 * The index conditions planner support adds to a policy hold calls such as
 * permissions.reachable_performers(), which are STABLE: the executor
 * evaluates them once per scan, and the planner evaluates them too, but only
 * to estimate the condition's selectivity (estimate_expression_value folds
 * stable functions; nothing else in the planner runs them, so no value the
 * planner gets ends up in a plan).  Knowing which of the two is running lets
 * those functions give the planner a small sample instead of building an
 * array of every reachable id at plan time.
 *
 * Planning and execution nest (a function run by the executor may plan a
 * query, the planner may run an immutable function that executes one), so
 * the innermost of the two is tracked on a stack.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "optimizer/planner.h"

#include "pg_compat.h"
#include "planning.h"
#include "reach.h"

#define MAX_NESTING 256

typedef enum
{
	RUNNING_PLANNER,
	RUNNING_EXECUTOR
} Running;

typedef struct Frame
{
	Running		what;
	uint64		id;				/* planner frames: a number never used again */
} Frame;

static Frame stack[MAX_NESTING];
static int	depth = 0;
static int	overflow = 0;
static uint64 invocations = 0;

static planner_hook_type prev_planner = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorRun_hook_type prev_ExecutorRun = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;

/* Enters a planner or executor frame. */
static void
push(Running what)
{
	if (depth < MAX_NESTING)
	{
		stack[depth].what = what;
		stack[depth].id = what == RUNNING_PLANNER ? ++invocations : 0;
		depth++;
	}
	else
		overflow++;
}

/* Leaves the innermost frame. */
static void
pop(void)
{
	if (overflow > 0)
		overflow--;
	else if (depth > 0)
		depth--;
}

/* Whether the planner (not the executor) is the innermost code running. */
bool
planning_estimating(void)
{
	return overflow == 0 && depth > 0 && stack[depth - 1].what == RUNNING_PLANNER;
}

/*
 * The innermost planner invocation running, as a number no other invocation
 * ever has (0 outside the planner): memos of one planning compare it.
 */
uint64
planning_invocation(void)
{
	int			i;

	if (overflow > 0)
		return 0;
	for (i = depth - 1; i >= 0; i--)
		if (stack[i].what == RUNNING_PLANNER)
			return stack[i].id;
	return 0;
}

/* planner_hook: a planner frame around planning. */
static PlannedStmt *
planning_planner(Query *parse, const char *query_string, int cursorOptions,
				 ParamListInfo boundParams)
{
	PlannedStmt *result;

	push(RUNNING_PLANNER);
	PG_TRY();
	{
		reach_rewrite_query(parse);
		if (prev_planner)
			result = prev_planner(parse, query_string, cursorOptions, boundParams);
		else
			result = standard_planner(parse, query_string, cursorOptions, boundParams);
		reach_finish_plan(result);
	}
	PG_FINALLY();
	{
		pop();
	}
	PG_END_TRY();
	return result;
}

static void
planning_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	push(RUNNING_EXECUTOR);
	PG_TRY();
	{
		if (prev_ExecutorStart)
			prev_ExecutorStart(queryDesc, eflags);
		else
			standard_ExecutorStart(queryDesc, eflags);
	}
	PG_FINALLY();
	{
		pop();
	}
	PG_END_TRY();
}

static void
planning_ExecutorRun(EXECUTOR_RUN_PARAMS)
{
	push(RUNNING_EXECUTOR);
	PG_TRY();
	{
		if (prev_ExecutorRun)
			prev_ExecutorRun(EXECUTOR_RUN_ARGS);
		else
			standard_ExecutorRun(EXECUTOR_RUN_ARGS);
	}
	PG_FINALLY();
	{
		pop();
	}
	PG_END_TRY();
}

static void
planning_ExecutorFinish(QueryDesc *queryDesc)
{
	push(RUNNING_EXECUTOR);
	PG_TRY();
	{
		if (prev_ExecutorFinish)
			prev_ExecutorFinish(queryDesc);
		else
			standard_ExecutorFinish(queryDesc);
	}
	PG_FINALLY();
	{
		pop();
	}
	PG_END_TRY();
}

/* The stack never outlives its transaction (an error may skip a pop). */
static void
planning_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		depth = 0;
		overflow = 0;
	}
}

/* Installs the hooks; called once from _PG_init. */
void
planning_init(void)
{
	prev_planner = planner_hook;
	planner_hook = planning_planner;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = planning_ExecutorStart;
	prev_ExecutorRun = ExecutorRun_hook;
	ExecutorRun_hook = planning_ExecutorRun;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = planning_ExecutorFinish;
	RegisterXactCallback(planning_xact_callback, NULL);
}
