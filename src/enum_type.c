/*
 * enum_type.c
 *		Text and binary input and output shared by the enum-like types tier,
 *		role and user_type (see enum_type.h).
 *
 * Text input accepts a canonical name or an alias in any ASCII case, with
 * whitespace around it; matching never depends on the locale.  Output is
 * always the canonical name.  The binary form is the value as a
 * network-order int4, and receive rejects values outside the type's range.
 */
#include "postgres.h"

#include "libpq/pqformat.h"

#include "enum_type.h"

/* Whitespace skipped around a value: the same set array_in() ignores. */
static inline bool
enum_type_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' ||
		ch == '\r' || ch == '\v' || ch == '\f';
}

/* ASCII-only case-insensitive match, so the result never depends on locale. */
static bool
enum_type_word_matches(const char *word, size_t len, const char *name)
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

/* Map a value to its canonical name for output and messages, NULL if invalid. */
const char *
enum_type_name(const EnumTypeDesc *desc, int32 value)
{
	if (!EnumTypeIsValid(desc, value))
		return NULL;
	return desc->names[value - desc->min_value];
}

/* Parse a name or alias without raising errors, for callers with their own. */
bool
enum_type_parse(const EnumTypeDesc *desc, const char *str, int32 *result)
{
	const char *start = str;
	const char *end;
	int32		v;
	int			i;

	while (enum_type_isspace(*start))
		start++;
	end = start + strlen(start);
	while (end > start && enum_type_isspace(end[-1]))
		end--;

	for (v = desc->min_value; v <= desc->max_value; v++)
	{
		if (enum_type_word_matches(start, end - start,
								   desc->names[v - desc->min_value]))
		{
			*result = v;
			return true;
		}
	}
	for (i = 0; i < desc->num_aliases; i++)
	{
		if (enum_type_word_matches(start, end - start, desc->aliases[i].name))
		{
			*result = desc->aliases[i].value;
			return true;
		}
	}
	return false;
}

/* Text input function: rejects anything that is not a name or alias. */
Datum
enum_type_in(const EnumTypeDesc *desc, FunctionCallInfo fcinfo)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32		result;

	if (!enum_type_parse(desc, str, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						desc->type_name, str),
				 errhint("%s", desc->input_hint)));

	PG_RETURN_INT32(result);
}

/* Text output function: always the canonical name. */
Datum
enum_type_out(const EnumTypeDesc *desc, FunctionCallInfo fcinfo)
{
	int32		value = PG_GETARG_INT32(0);
	const char *name = enum_type_name(desc, value);

	if (name == NULL)
		elog(ERROR, "invalid value %d for type %s", value, desc->type_name);

	PG_RETURN_CSTRING(pstrdup(name));
}

/* Binary input: a network-order int4, rejected unless it is a valid value. */
Datum
enum_type_recv(const EnumTypeDesc *desc, FunctionCallInfo fcinfo)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		value = (int32) pq_getmsgint(buf, sizeof(int32));

	if (!EnumTypeIsValid(desc, value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value %d for type %s",
						value, desc->type_name),
				 errdetail("%s", desc->recv_detail)));

	PG_RETURN_INT32(value);
}

/* Binary output: the value as a network-order int4. */
Datum
enum_type_send(const EnumTypeDesc *desc, FunctionCallInfo fcinfo)
{
	int32		value = PG_GETARG_INT32(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) value);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
