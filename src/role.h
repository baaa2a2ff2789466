/*
 * role.h
 *		The permissions.role type: whether a user is an ordinary user or a
 *		manager of their account.
 *
 * A role is stored as a small int32, ordered user < manager.  The C name
 * is PermRole so that it cannot be confused with PostgreSQL's own roles.
 */
#ifndef PERMISSIONS_ROLE_H
#define PERMISSIONS_ROLE_H

#include "fmgr.h"

typedef int32 PermRole;

#define ROLE_USER		0
#define ROLE_MANAGER	1

#define ROLE_MIN		ROLE_USER
#define ROLE_MAX		ROLE_MANAGER

#define PermRoleIsValid(r)		((r) >= ROLE_MIN && (r) <= ROLE_MAX)

#define DatumGetPermRole(d)		((PermRole) DatumGetInt32(d))
#define PermRoleGetDatum(r)		Int32GetDatum(r)
#define PG_GETARG_PERMROLE(n)	DatumGetPermRole(PG_GETARG_DATUM(n))
#define PG_RETURN_PERMROLE(x)	return PermRoleGetDatum(x)

/* canonical name ("user" or "manager"), or NULL if r is not a valid role */
extern const char *role_name(PermRole r);

/* parse a role name; returns false (without raising an error) if invalid */
extern bool role_parse(const char *str, PermRole *result);

#endif							/* PERMISSIONS_ROLE_H */
