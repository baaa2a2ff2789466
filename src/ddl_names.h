/*
 * ddl_names.h
 *		Checks of the relations a utility statement names (ddl_names.c), for
 *		the classifier of utility statements (ddl_guard.c).
 */
#ifndef PERMISSIONS_DDL_NAMES_H
#define PERMISSIONS_DDL_NAMES_H

#include "nodes/parsenodes.h"

/* Where a statement names a relation; each has its sentence in the error. */
typedef enum GuardPosition
{
	POS_TARGET,
	POS_PARENT,
	POS_PARTITION,
	POS_REFERENCED,
	POS_LIKE,
	POS_ROWTYPE,
	POS_CONSTRAINT_FROM,
	POS_OWNED_BY,
	POS_PUBLISHED,
	POS_STATISTICS,
	POS_LOCKED
} GuardPosition;

/* What one check is about: the statement and the extension's schema. */
typedef struct GuardContext
{
	const char *command;
	Oid			schema;
} GuardContext;

extern void guard_check_rangevar(GuardContext *ctx, RangeVar *rv, GuardPosition pos,
								 List *columns, bool pin);
extern void guard_check_names(GuardContext *ctx, List **names, int trailing, GuardPosition pos);
extern void guard_check_type(GuardContext *ctx, TypeName *type, GuardPosition pos);
extern void guard_check_schema_name(GuardContext *ctx, const char *name);
extern void guard_check_object(GuardContext *ctx, ObjectType type, Node **object);
extern void guard_check_constraint(GuardContext *ctx, Constraint *con, bool pin);
extern void guard_check_column(GuardContext *ctx, ColumnDef *col, bool pin);
extern void guard_check_table_elements(GuardContext *ctx, List *elements);
extern void guard_check_created(GuardContext *ctx, RangeVar *rv);
extern void guard_check_sequence_options(GuardContext *ctx, List *options);
extern void guard_check_locked(Node *stmt, GuardContext *ctx);
extern bool guard_reaches_every_relation(void);
extern void guard_refuse_unknown(GuardContext *ctx);
extern void guard_refuse_every_relation(GuardContext *ctx);

#endif							/* PERMISSIONS_DDL_NAMES_H */
