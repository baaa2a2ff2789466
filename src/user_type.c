/*
 * user_type.c
 *		The permissions.user_type type: its names, and the functions the
 *		shared enum-like type code provides (enum_type.c).
 *
 * The comparison and hash functions cannot fail, so they are declared
 * LEAKPROOF and may be used below row-level security quals.
 */
#include "postgres.h"

#include "enum_type.h"
#include "user_type.h"

/* User type names, indexed by user type value. */
static const char *const user_type_names[] = {
	"full_access", "single_performer", "read_only"
};

StaticAssertDecl(lengthof(user_type_names) == USER_TYPE_MAX - USER_TYPE_MIN + 1,
				 "user_type_names must name every user type");

/* How the shared enum-like type code sees permissions.user_type. */
static const EnumTypeDesc user_type_type = {
	.type_name = "user_type",
	.names = user_type_names,
	.min_value = USER_TYPE_MIN,
	.max_value = USER_TYPE_MAX,
	.input_hint = "Use one of full_access, single_performer, read_only.",
	.recv_detail = "A binary user_type must be an int4: "
		CppAsString2(USER_TYPE_FULL_ACCESS) " (full_access), "
		CppAsString2(USER_TYPE_SINGLE_PERFORMER) " (single_performer) or "
		CppAsString2(USER_TYPE_READ_ONLY) " (read_only).",
};

/* user_type_in, user_type_out, ... user_type_hash_extended */
ENUM_TYPE_SQL_FUNCTIONS(user_type, user_type_type);

/* Map a user type value to its name for output and messages. */
const char *
user_type_name(UserType u)
{
	return enum_type_name(&user_type_type, u);
}

/* Parse text into a user type without raising errors, for callers with their own. */
bool
user_type_parse(const char *str, UserType *result)
{
	return enum_type_parse(&user_type_type, str, result);
}
