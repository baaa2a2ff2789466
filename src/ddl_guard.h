/*
 * ddl_guard.h
 *		Utility statements that name the extension's relations, refused
 *		before PostgreSQL takes any lock to roles that do not own them.
 */
#ifndef PERMISSIONS_DDL_GUARD_H
#define PERMISSIONS_DDL_GUARD_H

#include "nodes/nodes.h"

extern void ddl_guard_check(Node *parsetree);

#endif							/* PERMISSIONS_DDL_GUARD_H */
