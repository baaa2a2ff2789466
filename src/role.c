/*
 * role.c
 *		The permissions.role type: its names, and the functions the shared
 *		enum-like type code provides (enum_type.c).
 *
 * The comparison and hash functions cannot fail, so they are declared
 * LEAKPROOF and may be used below row-level security quals.
 */
#include "postgres.h"

#include "enum_type.h"
#include "role.h"

/* Role names, indexed by role value. */
static const char *const role_names[] = {
	"user", "manager"
};

StaticAssertDecl(lengthof(role_names) == ROLE_MAX - ROLE_MIN + 1,
				 "role_names must name every role");

/* How the shared enum-like type code sees permissions.role. */
static const EnumTypeDesc role_type = {
	.type_name = "role",
	.names = role_names,
	.min_value = ROLE_MIN,
	.max_value = ROLE_MAX,
	.input_hint = "Use one of user, manager.",
	.recv_detail = "A binary role must be an int4, either "
		CppAsString2(ROLE_USER) " (user) or " CppAsString2(ROLE_MANAGER) " (manager).",
};

/* role_in, role_out, role_recv, role_send, role_eq ... role_hash_extended */
ENUM_TYPE_SQL_FUNCTIONS(role, role_type);

/* Map a role value to its name for output and messages. */
const char *
role_name(PermRole r)
{
	return enum_type_name(&role_type, r);
}

/* Parse text into a role without raising errors, for callers with their own. */
bool
role_parse(const char *str, PermRole *result)
{
	return enum_type_parse(&role_type, str, result);
}
