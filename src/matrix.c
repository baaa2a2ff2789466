/*
 * matrix.c
 *		The tier matrix of the specification, and parsing of its kind and
 *		action names with a per-call-site cache.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "matrix.h"
#include "pg_compat.h"

static const char *const kind_names[KIND_COUNT] = {
	"performer", "chart", "measurement", "condition", "note", "tag", "journal", "access"
};

static const char *const action_names[ACTION_COUNT] = {
	"view", "create", "edit", "delete"
};

/* Kinds tier2 and tier3 may create, edit and delete (journals: own only). */
static bool
is_data_entry_kind(DataKind kind)
{
	return kind == KIND_MEASUREMENT || kind == KIND_CONDITION ||
		kind == KIND_NOTE || kind == KIND_TAG;
}

/* One cell of the tier matrix. */
CellScope
matrix_cell(Tier tier, DataAction action, DataKind kind)
{
	if (tier >= TIER_1)
		return CELL_ALL;
	if (tier <= TIER_NONE)
		return CELL_NOTHING;

	switch (action)
	{
		case ACTION_VIEW:
			return kind == KIND_ACCESS ? CELL_NOTHING : CELL_ALL;
		case ACTION_CREATE:
			if (tier < TIER_3)
				return CELL_NOTHING;
			return (is_data_entry_kind(kind) || kind == KIND_JOURNAL) ? CELL_ALL : CELL_NOTHING;
		case ACTION_EDIT:
		case ACTION_DELETE:
			if (tier < TIER_3 || (action == ACTION_DELETE && tier < TIER_2))
				return CELL_NOTHING;
			if (is_data_entry_kind(kind))
				return CELL_ALL;
			return kind == KIND_JOURNAL ? CELL_OWN : CELL_NOTHING;
		default:
			return CELL_NOTHING;
	}
}

/* The lowest tier whose cell for (action, kind) is not empty. */
Tier
matrix_min_tier(DataAction action, DataKind kind)
{
	Tier		t;

	for (t = TIER_4; t <= TIER_1; t++)
		if (matrix_cell(t, action, kind) != CELL_NOTHING)
			return t;
	return TIER_1;
}

/* Looks a kind name up; errors on an unknown one. */
DataKind
matrix_parse_kind(const char *name)
{
	int			i;

	for (i = 0; i < KIND_COUNT; i++)
		if (pg_strcasecmp(name, kind_names[i]) == 0)
			return (DataKind) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown kind of performer data: \"%s\"", name),
			 errhint("Use one of performer, chart, measurement, condition, note, tag, journal, access.")));
	return KIND_PERFORMER;		/* keep compiler quiet */
}

/* Looks an action name up; errors on an unknown one. */
DataAction
matrix_parse_action(const char *name)
{
	int			i;

	for (i = 0; i < ACTION_COUNT; i++)
		if (pg_strcasecmp(name, action_names[i]) == 0)
			return (DataAction) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown action: \"%s\"", name),
			 errhint("Use one of view, create, edit, delete.")));
	return ACTION_VIEW;			/* keep compiler quiet */
}

/* Remembers the last name parsed at a call site. */
typedef struct NameMemo
{
	int			value[2];
	char		name[2][32];
} NameMemo;

/* Parses a text argument once per distinct value at this call site. */
static int
memo_parse(FunctionCallInfo fcinfo, int argno, int slot, bool is_kind)
{
	NameMemo   *memo = (NameMemo *) fcinfo->flinfo->fn_extra;
	text	   *t;
	int			len;
	char		buf[32];

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", is_kind ? "kind" : "action")));
	t = PG_GETARG_TEXT_PP(argno);
	len = VARSIZE_ANY_EXHDR(t);
	if (memo == NULL)
	{
		memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(NameMemo));
		fcinfo->flinfo->fn_extra = memo;
	}
	if (len < (int) sizeof(buf) && memo->name[slot][0] != '\0' &&
		strncmp(memo->name[slot], VARDATA_ANY(t), len) == 0 &&
		memo->name[slot][len] == '\0')
		return memo->value[slot];

	if (len >= (int) sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, VARDATA_ANY(t), len);
	buf[len] = '\0';
	memo->value[slot] = is_kind ? (int) matrix_parse_kind(buf) : (int) matrix_parse_action(buf);
	strlcpy(memo->name[slot], buf, sizeof(memo->name[slot]));
	return memo->value[slot];
}

/* The kind named by a text argument. */
DataKind
matrix_kind_arg(FunctionCallInfo fcinfo, int argno)
{
	return (DataKind) memo_parse(fcinfo, argno, 0, true);
}

/* The action named by a text argument. */
DataAction
matrix_action_arg(FunctionCallInfo fcinfo, int argno)
{
	return (DataAction) memo_parse(fcinfo, argno, 1, false);
}
