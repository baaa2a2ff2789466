/*-------------------------------------------------------------------------
 *
 * user_type.c
 *	  The permissions.user_type type: input and output, binary send and
 *	  receive, comparison and hashing.
 *
 * The comparison and hash functions cannot fail, so they are declared
 * LEAKPROOF and may be used below row-level security quals.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"

#include "user_type.h"

PG_FUNCTION_INFO_V1(user_type_in);
PG_FUNCTION_INFO_V1(user_type_out);
PG_FUNCTION_INFO_V1(user_type_recv);
PG_FUNCTION_INFO_V1(user_type_send);
PG_FUNCTION_INFO_V1(user_type_eq);
PG_FUNCTION_INFO_V1(user_type_ne);
PG_FUNCTION_INFO_V1(user_type_lt);
PG_FUNCTION_INFO_V1(user_type_le);
PG_FUNCTION_INFO_V1(user_type_gt);
PG_FUNCTION_INFO_V1(user_type_ge);
PG_FUNCTION_INFO_V1(user_type_cmp);
PG_FUNCTION_INFO_V1(user_type_hash);
PG_FUNCTION_INFO_V1(user_type_hash_extended);

/* User type names, indexed by user type value. */
static const char *const user_type_names[] = {
	"full_access", "single_performer", "read_only"
};

/* Whitespace skipped around a value: the same set array_in() ignores. */
static inline bool
user_type_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' ||
		ch == '\r' || ch == '\v' || ch == '\f';
}

/* ASCII-only case-insensitive match, so the result never depends on locale. */
static bool
user_type_word_matches(const char *word, size_t len, const char *name)
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

/* Map a user type value to its name for output and messages. */
const char *
user_type_name(UserType u)
{
	if (!UserTypeIsValid(u))
		return NULL;
	return user_type_names[u];
}

/* Parse text into a user type without raising errors, for callers with their own. */
bool
user_type_parse(const char *str, UserType *result)
{
	const char *start = str;
	const char *end;
	UserType	u;

	while (user_type_isspace(*start))
		start++;
	end = start + strlen(start);
	while (end > start && user_type_isspace(end[-1]))
		end--;

	for (u = USER_TYPE_MIN; u <= USER_TYPE_MAX; u++)
	{
		if (user_type_word_matches(start, end - start, user_type_names[u]))
		{
			*result = u;
			return true;
		}
	}
	return false;
}

/* Text input function: the type's input routine. */
Datum
user_type_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	UserType	result;

	if (!user_type_parse(str, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						"user_type", str),
				 errhint("Use one of full_access, single_performer, read_only.")));

	PG_RETURN_USERTYPE(result);
}

/* Text output function. */
Datum
user_type_out(PG_FUNCTION_ARGS)
{
	UserType	u = PG_GETARG_USERTYPE(0);
	const char *name = user_type_name(u);

	if (name == NULL)
		elog(ERROR, "invalid value %d for type user_type", u);

	PG_RETURN_CSTRING(pstrdup(name));
}

/* Binary input: a network-order int4, rejected unless it is a known user type. */
Datum
user_type_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		value = (int32) pq_getmsgint(buf, sizeof(int32));

	if (!UserTypeIsValid(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value %d for type %s", value, "user_type"),
				 errdetail("A binary user_type must be an int4: %d (full_access), %d (single_performer) or %d (read_only).",
						   USER_TYPE_FULL_ACCESS, USER_TYPE_SINGLE_PERFORMER,
						   USER_TYPE_READ_ONLY)));

	PG_RETURN_USERTYPE(value);
}

/* Binary output: the user type as a network-order int4. */
Datum
user_type_send(PG_FUNCTION_ARGS)
{
	UserType	u = PG_GETARG_USERTYPE(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) u);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Implements the = operator. */
Datum
user_type_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_USERTYPE(0) == PG_GETARG_USERTYPE(1));
}

/* Implements the <> operator. */
Datum
user_type_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_USERTYPE(0) != PG_GETARG_USERTYPE(1));
}

/* Implements the < operator (declaration order, for sorting). */
Datum
user_type_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_USERTYPE(0) < PG_GETARG_USERTYPE(1));
}

/* Implements the <= operator. */
Datum
user_type_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_USERTYPE(0) <= PG_GETARG_USERTYPE(1));
}

/* Implements the > operator. */
Datum
user_type_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_USERTYPE(0) > PG_GETARG_USERTYPE(1));
}

/* Implements the >= operator. */
Datum
user_type_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_USERTYPE(0) >= PG_GETARG_USERTYPE(1));
}

/* btree support function 1: three-way comparison. */
Datum
user_type_cmp(PG_FUNCTION_ARGS)
{
	UserType	a = PG_GETARG_USERTYPE(0);
	UserType	b = PG_GETARG_USERTYPE(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

/* hash support function 1: same hash as int4, since the value is an int4. */
Datum
user_type_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_USERTYPE(0));
}

/* hash support function 2: seeded 64-bit hash, agreeing with user_type_hash for seed 0. */
Datum
user_type_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_USERTYPE(0),
								(uint64) PG_GETARG_INT64(1));
}
