/*
 * user_type.h
 *		The permissions.user_type type: what kind of account a user has,
 *		which caps the permissions and tiers they may hold.
 *
 * A user type is stored as a small int32; its btree order is the order of
 * declaration below: full_access, single_performer, read_only.
 */
#ifndef PERMISSIONS_USER_TYPE_H
#define PERMISSIONS_USER_TYPE_H

#include "fmgr.h"

typedef int32 UserType;

#define USER_TYPE_FULL_ACCESS		0
#define USER_TYPE_SINGLE_PERFORMER	1
#define USER_TYPE_READ_ONLY			2

#define USER_TYPE_MIN				USER_TYPE_FULL_ACCESS
#define USER_TYPE_MAX				USER_TYPE_READ_ONLY

#define UserTypeIsValid(u)		((u) >= USER_TYPE_MIN && (u) <= USER_TYPE_MAX)

#define DatumGetUserType(d)		((UserType) DatumGetInt32(d))
#define UserTypeGetDatum(u)		Int32GetDatum(u)
#define PG_GETARG_USERTYPE(n)	DatumGetUserType(PG_GETARG_DATUM(n))
#define PG_RETURN_USERTYPE(x)	return UserTypeGetDatum(x)

/* canonical name ("full_access", ...), or NULL if u is not a valid user type */
extern const char *user_type_name(UserType u);

/* parse a user type name; returns false (without raising an error) if invalid */
extern bool user_type_parse(const char *str, UserType *result);

#endif							/* PERMISSIONS_USER_TYPE_H */
