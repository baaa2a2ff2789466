/*-------------------------------------------------------------------------
 *
 * role.c
 *	  The permissions.role type: input and output, binary send and receive,
 *	  comparison and hashing.
 *
 * The comparison and hash functions cannot fail, so they are declared
 * LEAKPROOF and may be used below row-level security quals.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"

#include "role.h"

PG_FUNCTION_INFO_V1(role_in);
PG_FUNCTION_INFO_V1(role_out);
PG_FUNCTION_INFO_V1(role_recv);
PG_FUNCTION_INFO_V1(role_send);
PG_FUNCTION_INFO_V1(role_eq);
PG_FUNCTION_INFO_V1(role_ne);
PG_FUNCTION_INFO_V1(role_lt);
PG_FUNCTION_INFO_V1(role_le);
PG_FUNCTION_INFO_V1(role_gt);
PG_FUNCTION_INFO_V1(role_ge);
PG_FUNCTION_INFO_V1(role_cmp);
PG_FUNCTION_INFO_V1(role_hash);
PG_FUNCTION_INFO_V1(role_hash_extended);

/* Role names, indexed by role value. */
static const char *const role_names[] = {
	"user", "manager"
};

/* Whitespace skipped around a value: the same set array_in() ignores. */
static inline bool
role_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' ||
		ch == '\r' || ch == '\v' || ch == '\f';
}

/* ASCII-only case-insensitive match, so the result never depends on locale. */
static bool
role_word_matches(const char *word, size_t len, const char *name)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		char		ch = word[i];

		if (name[i] == '\0')
			return false;
		if (ch >= 'A' && ch <= 'Z')
			ch += 'a' - 'A';
		if (ch != name[i])
			return false;
	}
	return name[len] == '\0';
}

/* Map a role value to its name for output and messages. */
const char *
role_name(PermRole r)
{
	if (!PermRoleIsValid(r))
		return NULL;
	return role_names[r];
}

/* Parse text into a role without raising errors, for callers with their own. */
bool
role_parse(const char *str, PermRole *result)
{
	const char *start = str;
	const char *end;
	PermRole	r;

	while (role_isspace(*start))
		start++;
	end = start + strlen(start);
	while (end > start && role_isspace(end[-1]))
		end--;

	for (r = ROLE_MIN; r <= ROLE_MAX; r++)
	{
		if (role_word_matches(start, end - start, role_names[r]))
		{
			*result = r;
			return true;
		}
	}
	return false;
}

/* Text input function: the type's input routine. */
Datum
role_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	PermRole	result;

	if (!role_parse(str, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						"role", str),
				 errhint("Use one of user, manager.")));

	PG_RETURN_PERMROLE(result);
}

/* Text output function. */
Datum
role_out(PG_FUNCTION_ARGS)
{
	PermRole	r = PG_GETARG_PERMROLE(0);
	const char *name = role_name(r);

	if (name == NULL)
		elog(ERROR, "invalid value %d for type role", r);

	PG_RETURN_CSTRING(pstrdup(name));
}

/* Binary input: a network-order int4, rejected unless it is a known role. */
Datum
role_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		value = (int32) pq_getmsgint(buf, sizeof(int32));

	if (!PermRoleIsValid(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value %d for type %s", value, "role"),
				 errdetail("A binary role must be an int4, either %d (user) or %d (manager).",
						   ROLE_USER, ROLE_MANAGER)));

	PG_RETURN_PERMROLE(value);
}

/* Binary output: the role as a network-order int4. */
Datum
role_send(PG_FUNCTION_ARGS)
{
	PermRole	r = PG_GETARG_PERMROLE(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) r);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Implements the = operator. */
Datum
role_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMROLE(0) == PG_GETARG_PERMROLE(1));
}

/* Implements the <> operator. */
Datum
role_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMROLE(0) != PG_GETARG_PERMROLE(1));
}

/* Implements the < operator. */
Datum
role_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMROLE(0) < PG_GETARG_PERMROLE(1));
}

/* Implements the <= operator. */
Datum
role_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMROLE(0) <= PG_GETARG_PERMROLE(1));
}

/* Implements the > operator. */
Datum
role_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMROLE(0) > PG_GETARG_PERMROLE(1));
}

/* Implements the >= operator. */
Datum
role_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMROLE(0) >= PG_GETARG_PERMROLE(1));
}

/* btree support function 1: three-way comparison. */
Datum
role_cmp(PG_FUNCTION_ARGS)
{
	PermRole	a = PG_GETARG_PERMROLE(0);
	PermRole	b = PG_GETARG_PERMROLE(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

/* hash support function 1: same hash as int4, since the value is an int4. */
Datum
role_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_PERMROLE(0));
}

/* hash support function 2: seeded 64-bit hash, agreeing with role_hash for seed 0. */
Datum
role_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_PERMROLE(0),
								(uint64) PG_GETARG_INT64(1));
}
