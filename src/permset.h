/*
 * permset.h
 *		The permissions.permset type: a set of organization permissions,
 *		stored as a bitmap with one bit per permission.
 *
 * The bit assignment is part of the on-disk format and of the binary
 * send/receive format: new permissions may only be added at the end.
 */
#ifndef PERMISSIONS_PERMSET_H
#define PERMISSIONS_PERMSET_H

#include "fmgr.h"

typedef uint64 Permset;

#define PERM_CREATE_PERFORMERS			(UINT64CONST(1) << 0)
#define PERM_CREATE_GROUPS				(UINT64CONST(1) << 1)
#define PERM_MANAGE_PINPOINTS			(UINT64CONST(1) << 2)
#define PERM_MANAGE_TEAMS				(UINT64CONST(1) << 3)
#define PERM_MANAGE_USERS				(UINT64CONST(1) << 4)
#define PERM_MANAGE_ORGANIZATION		(UINT64CONST(1) << 5)
#define PERM_VIEW_AUDIT_LOGS			(UINT64CONST(1) << 6)
#define PERM_MANAGE_BILLING				(UINT64CONST(1) << 7)
#define PERM_MANAGE_TAGS				(UINT64CONST(1) << 8)
#define PERM_MANAGE_JOURNAL_TYPES		(UINT64CONST(1) << 9)
#define PERM_MANAGE_PROFILE				(UINT64CONST(1) << 10)
#define PERM_VIEW_REPORTING				(UINT64CONST(1) << 11)
#define PERM_MANAGE_ORG_CHART_VIEWS		(UINT64CONST(1) << 12)
#define PERM_MANAGE_ORG_REPORTING_VIEWS	(UINT64CONST(1) << 13)
#define PERM_MANAGE_SUB_ACCOUNTS		(UINT64CONST(1) << 14)
#define PERM_MANAGE_CREDITS				(UINT64CONST(1) << 15)
#define PERM_MANAGE_API_CREDENTIALS		(UINT64CONST(1) << 16)
#define PERM_VIEW_USAGE_REPORTS			(UINT64CONST(1) << 17)
#define PERM_MANAGE_REVIEWS				(UINT64CONST(1) << 18)
#define PERM_TRANSFER_PERFORMERS		(UINT64CONST(1) << 19)

#define PERMSET_NPERMS	20
#define PERMSET_EMPTY	((Permset) 0)
#define PERMSET_ALL		((UINT64CONST(1) << PERMSET_NPERMS) - 1)

#define PermsetIsValid(p)	(((p) & ~PERMSET_ALL) == 0)

#define DatumGetPermset(d)		((Permset) DatumGetInt64(d))
#define PermsetGetDatum(p)		Int64GetDatum((int64) (p))
#define PG_GETARG_PERMSET(n)	DatumGetPermset(PG_GETARG_DATUM(n))
#define PG_RETURN_PERMSET(x)	return PermsetGetDatum(x)

/* name of the permission at bit (0 .. PERMSET_NPERMS - 1), or NULL */
extern const char *permset_perm_name(int bit);

/* bit index of a permission name (case-insensitive, exact length), or -1 */
extern int	permset_lookup(const char *name, int len);

/*
 * Parse the text form "{name,...}" without raising errors.  On success sets
 * *result and returns true.  On failure returns false; if the cause was an
 * unknown permission name, *bad_word and *bad_len point at it inside str,
 * otherwise (a syntax error) *bad_word is NULL and *bad_len is 0.
 */
extern bool permset_parse(const char *str, Permset *result,
						  const char **bad_word, int *bad_len);

#endif							/* PERMISSIONS_PERMSET_H */
