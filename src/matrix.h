/*
 * matrix.h
 *		The tier matrix: what each tier may do to each kind of performer data.
 */
#ifndef PERMISSIONS_MATRIX_H
#define PERMISSIONS_MATRIX_H

#include "fmgr.h"
#include "tier.h"

typedef enum DataKind
{
	KIND_PERFORMER = 0,
	KIND_CHART,
	KIND_MEASUREMENT,
	KIND_CONDITION,
	KIND_NOTE,
	KIND_TAG,
	KIND_JOURNAL,
	KIND_ACCESS,
	KIND_COUNT
} DataKind;

typedef enum DataAction
{
	ACTION_VIEW = 0,
	ACTION_CREATE,
	ACTION_EDIT,
	ACTION_DELETE,
	ACTION_COUNT
} DataAction;

/* What a cell of the matrix allows. */
typedef enum CellScope
{
	CELL_NOTHING = 0,
	CELL_OWN,					/* rows the user created */
	CELL_ALL
} CellScope;

extern CellScope matrix_cell(Tier tier, DataAction action, DataKind kind);
extern Tier matrix_min_tier(DataAction action, DataKind kind);
extern DataKind matrix_kind_arg(FunctionCallInfo fcinfo, int argno);
extern DataAction matrix_action_arg(FunctionCallInfo fcinfo, int argno);
extern DataKind matrix_parse_kind(const char *name);
extern DataAction matrix_parse_action(const char *name);

#endif							/* PERMISSIONS_MATRIX_H */
