/*
 * permset.c
 *		The permissions.permset type: a set of organization permissions.
 *
 * Text form is a brace-enclosed, comma-separated list of permission names,
 * such as {manage_users,view_audit_logs}.  Output lists the names in bit
 * order without spaces; input accepts names in any order and case, with
 * optional whitespace around them, and ignores duplicates.
 *
 * Besides I/O this file provides the comparison, set and hash operators,
 * the casts to and from text[], and a few helper functions.  Everything
 * that works on two bitmaps cannot fail and is declared LEAKPROOF.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "port/pg_bitutils.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "permset.h"
#include "pg_compat.h"

PG_FUNCTION_INFO_V1(permset_in);
PG_FUNCTION_INFO_V1(permset_out);
PG_FUNCTION_INFO_V1(permset_recv);
PG_FUNCTION_INFO_V1(permset_send);
PG_FUNCTION_INFO_V1(permset_eq);
PG_FUNCTION_INFO_V1(permset_ne);
PG_FUNCTION_INFO_V1(permset_lt);
PG_FUNCTION_INFO_V1(permset_le);
PG_FUNCTION_INFO_V1(permset_gt);
PG_FUNCTION_INFO_V1(permset_ge);
PG_FUNCTION_INFO_V1(permset_cmp);
PG_FUNCTION_INFO_V1(permset_hash);
PG_FUNCTION_INFO_V1(permset_hash_extended);
PG_FUNCTION_INFO_V1(permset_contains);
PG_FUNCTION_INFO_V1(permset_contained);
PG_FUNCTION_INFO_V1(permset_overlaps);
PG_FUNCTION_INFO_V1(permset_union);
PG_FUNCTION_INFO_V1(permset_intersect);
PG_FUNCTION_INFO_V1(permset_minus);
PG_FUNCTION_INFO_V1(permset_from_array);
PG_FUNCTION_INFO_V1(permset_to_array);
PG_FUNCTION_INFO_V1(permset_has);
PG_FUNCTION_INFO_V1(permset_count);
PG_FUNCTION_INFO_V1(permset_names);

/* Permission names, indexed by bit number. */
static const char *const permset_perm_names[PERMSET_NPERMS] = {
	"create_performers",
	"create_groups",
	"manage_pinpoints",
	"manage_teams",
	"manage_users",
	"manage_organization",
	"view_audit_logs",
	"manage_billing",
	"manage_tags",
	"manage_journal_types",
	"manage_profile",
	"view_reporting",
	"manage_org_chart_views",
	"manage_org_reporting_views",
	"manage_sub_accounts",
	"manage_credits",
	"manage_api_credentials",
	"view_usage_reports",
	"manage_reviews",
	"transfer_performers",
};

StaticAssertDecl(PERMSET_NPERMS <= 64, "permset must fit in a uint64");

/* What went wrong while parsing the text form, so input can say so. */
typedef enum PermsetParseResult
{
	PERMSET_PARSE_OK,
	PERMSET_PARSE_NO_LEFT_BRACE,	/* does not start with "{" */
	PERMSET_PARSE_NO_RIGHT_BRACE,	/* ends before the closing "}" */
	PERMSET_PARSE_MISSING_NAME, /* "," or "}" where a name belongs */
	PERMSET_PARSE_MISSING_COMMA,	/* two names not separated by "," */
	PERMSET_PARSE_NESTED_BRACE, /* "{" inside the braces */
	PERMSET_PARSE_JUNK,			/* text after the closing "}" */
	PERMSET_PARSE_UNKNOWN_NAME	/* a word that is not a permission */
} PermsetParseResult;

#define PERMSET_SYNTAX_HINT \
	"Write a permission set as a comma-separated list of permission names in braces, for example {manage_users,view_audit_logs}."
#define PERMSET_NAMES_HINT \
	"Run SELECT permissions.permission_names() to list the valid permission names."

pg_noreturn static void permset_syntax_error(const char *str, const char *detail);

/* Whitespace allowed around names and braces: the set array_in() ignores. */
static inline bool
permset_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' ||
		ch == '\r' || ch == '\v' || ch == '\f';
}

/* Characters that end a permission name in the text form. */
static inline bool
permset_isdelim(char ch)
{
	return ch == '\0' || ch == ',' || ch == '{' || ch == '}' ||
		permset_isspace(ch);
}

/* Map a bit number to its permission name, for output and messages. */
const char *
permset_perm_name(int bit)
{
	if (bit < 0 || bit >= PERMSET_NPERMS)
		return NULL;
	return permset_perm_names[bit];
}

/* Find a permission by name, ASCII case-insensitively, without needing a NUL. */
int
permset_lookup(const char *name, int len)
{
	int			bit;

	if (len <= 0)
		return -1;

	for (bit = 0; bit < PERMSET_NPERMS; bit++)
	{
		const char *candidate = permset_perm_names[bit];
		int			i;

		for (i = 0; i < len; i++)
		{
			char		ch = name[i];

			if (candidate[i] == '\0')
				break;
			if (ch >= 'A' && ch <= 'Z')
				ch += 'a' - 'A';
			if (ch != candidate[i])
				break;
		}
		if (i == len && candidate[len] == '\0')
			return bit;
	}
	return -1;
}

/* Trim permset_isspace() characters from both ends of a counted string. */
static void
permset_trim(const char **str, int *len)
{
	const char *s = *str;
	int			n = *len;

	while (n > 0 && permset_isspace(s[0]))
	{
		s++;
		n--;
	}
	while (n > 0 && permset_isspace(s[n - 1]))
		n--;
	*str = s;
	*len = n;
}

/* The text-form parser behind permset_in() and permset_parse(). */
static PermsetParseResult
permset_parse_internal(const char *str, Permset *result,
					   const char **bad_word, int *bad_len)
{
	const char *p = str;
	Permset		set = PERMSET_EMPTY;

	*bad_word = NULL;
	*bad_len = 0;

	while (permset_isspace(*p))
		p++;
	if (*p != '{')
		return PERMSET_PARSE_NO_LEFT_BRACE;
	p++;
	while (permset_isspace(*p))
		p++;

	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			const char *word;
			int			bit;

			/* expect a name */
			if (*p == '\0')
				return PERMSET_PARSE_NO_RIGHT_BRACE;
			if (*p == ',' || *p == '}')
				return PERMSET_PARSE_MISSING_NAME;
			if (*p == '{')
				return PERMSET_PARSE_NESTED_BRACE;

			word = p;
			while (!permset_isdelim(*p))
				p++;
			bit = permset_lookup(word, (int) (p - word));
			if (bit < 0)
			{
				*bad_word = word;
				*bad_len = (int) (p - word);
				return PERMSET_PARSE_UNKNOWN_NAME;
			}
			set |= UINT64CONST(1) << bit;

			/* then a separator or the end of the list */
			while (permset_isspace(*p))
				p++;
			if (*p == ',')
			{
				p++;
				while (permset_isspace(*p))
					p++;
				continue;
			}
			if (*p == '}')
			{
				p++;
				break;
			}
			if (*p == '\0')
				return PERMSET_PARSE_NO_RIGHT_BRACE;
			if (*p == '{')
				return PERMSET_PARSE_NESTED_BRACE;
			return PERMSET_PARSE_MISSING_COMMA;
		}
	}

	while (permset_isspace(*p))
		p++;
	if (*p != '\0')
		return PERMSET_PARSE_JUNK;

	*result = set;
	return PERMSET_PARSE_OK;
}

/* Parse the text form without raising errors, for callers with their own. */
bool
permset_parse(const char *str, Permset *result,
			  const char **bad_word, int *bad_len)
{
	return permset_parse_internal(str, result, bad_word, bad_len) ==
		PERMSET_PARSE_OK;
}

/* Raise the error for a malformed permset literal, saying what is wrong. */
static void
permset_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					"permset", str),
			 errdetail_internal("%s", detail),
			 errhint(PERMSET_SYNTAX_HINT)));
}

/* Text input function: the type's input routine, with a precise error. */
Datum
permset_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Permset		result = PERMSET_EMPTY;
	const char *bad_word;
	int			bad_len;

	switch (permset_parse_internal(str, &result, &bad_word, &bad_len))
	{
		case PERMSET_PARSE_OK:
			break;
		case PERMSET_PARSE_UNKNOWN_NAME:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"",
							"permset", str),
					 errdetail("Unknown permission \"%s\".",
							   pnstrdup(bad_word, bad_len)),
					 errhint(PERMSET_NAMES_HINT)));
			break;
		case PERMSET_PARSE_NO_LEFT_BRACE:
			permset_syntax_error(str, "Permission set must start with \"{\".");
			break;
		case PERMSET_PARSE_NO_RIGHT_BRACE:
			permset_syntax_error(str, "Permission set must end with \"}\".");
			break;
		case PERMSET_PARSE_MISSING_NAME:
			permset_syntax_error(str, "A permission name is missing before \",\" or \"}\".");
			break;
		case PERMSET_PARSE_MISSING_COMMA:
			permset_syntax_error(str, "Permission names must be separated by \",\".");
			break;
		case PERMSET_PARSE_NESTED_BRACE:
			permset_syntax_error(str, "Unexpected \"{\" inside a permission set.");
			break;
		case PERMSET_PARSE_JUNK:
			permset_syntax_error(str, "Junk after closing right brace.");
			break;
	}

	PG_RETURN_PERMSET(result);
}

/* Text output function: names in bit order, no spaces; "{}" when empty. */
Datum
permset_out(PG_FUNCTION_ARGS)
{
	Permset		set = PG_GETARG_PERMSET(0);
	StringInfoData buf;
	bool		first = true;
	int			bit;

	if (!PermsetIsValid(set))
		elog(ERROR, "invalid value " UINT64_FORMAT " for type permset", set);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (bit = 0; bit < PERMSET_NPERMS; bit++)
	{
		if ((set & (UINT64CONST(1) << bit)) == 0)
			continue;
		if (!first)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, permset_perm_names[bit]);
		first = false;
	}
	appendStringInfoChar(&buf, '}');

	PG_RETURN_CSTRING(buf.data);
}

/* Binary input: a network-order int8 bitmap, rejected if it has unknown bits. */
Datum
permset_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Permset		set = (Permset) pq_getmsgint64(buf);

	if (!PermsetIsValid(set))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type %s", "permset"),
				 errdetail("Bit %d is set, but only bits 0 to %d name permissions.",
						   pg_rightmost_one_pos64(set & ~PERMSET_ALL),
						   PERMSET_NPERMS - 1)));

	PG_RETURN_PERMSET(set);
}

/* Binary output: the bitmap as a network-order int8. */
Datum
permset_send(PG_FUNCTION_ARGS)
{
	Permset		set = PG_GETARG_PERMSET(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, set);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Implements the = operator. */
Datum
permset_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMSET(0) == PG_GETARG_PERMSET(1));
}

/* Implements the <> operator. */
Datum
permset_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMSET(0) != PG_GETARG_PERMSET(1));
}

/* Implements the < operator (bitmap order, only meaningful for sorting). */
Datum
permset_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMSET(0) < PG_GETARG_PERMSET(1));
}

/* Implements the <= operator. */
Datum
permset_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMSET(0) <= PG_GETARG_PERMSET(1));
}

/* Implements the > operator. */
Datum
permset_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMSET(0) > PG_GETARG_PERMSET(1));
}

/* Implements the >= operator. */
Datum
permset_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_PERMSET(0) >= PG_GETARG_PERMSET(1));
}

/* btree support function 1: three-way comparison of the bitmaps. */
Datum
permset_cmp(PG_FUNCTION_ARGS)
{
	Permset		a = PG_GETARG_PERMSET(0);
	Permset		b = PG_GETARG_PERMSET(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

/* Fold a bitmap to 32 bits for hashing (lossless for the bits in use). */
static inline uint32
permset_fold(Permset set)
{
	return (uint32) set ^ (uint32) (set >> 32);
}

/* hash support function 1. */
Datum
permset_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32(permset_fold(PG_GETARG_PERMSET(0)));
}

/* hash support function 2: seeded 64-bit hash, agreeing with permset_hash for seed 0. */
Datum
permset_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended(permset_fold(PG_GETARG_PERMSET(0)),
								(uint64) PG_GETARG_INT64(1));
}

/* Implements @>: does the left set hold every permission of the right? */
Datum
permset_contains(PG_FUNCTION_ARGS)
{
	Permset		a = PG_GETARG_PERMSET(0);
	Permset		b = PG_GETARG_PERMSET(1);

	PG_RETURN_BOOL((a & b) == b);
}

/* Implements <@: is every permission of the left set in the right? */
Datum
permset_contained(PG_FUNCTION_ARGS)
{
	Permset		a = PG_GETARG_PERMSET(0);
	Permset		b = PG_GETARG_PERMSET(1);

	PG_RETURN_BOOL((a & b) == a);
}

/* Implements &&: do the sets share a permission? */
Datum
permset_overlaps(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL((PG_GETARG_PERMSET(0) & PG_GETARG_PERMSET(1)) != 0);
}

/* Implements |: permissions in either set. */
Datum
permset_union(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERMSET(PG_GETARG_PERMSET(0) | PG_GETARG_PERMSET(1));
}

/* Implements &: permissions in both sets. */
Datum
permset_intersect(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERMSET(PG_GETARG_PERMSET(0) & PG_GETARG_PERMSET(1));
}

/* Implements -: permissions in the left set but not the right. */
Datum
permset_minus(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERMSET(PG_GETARG_PERMSET(0) & ~PG_GETARG_PERMSET(1));
}

/* Look up one text permission name (whitespace-trimmed), raising an error if unknown. */
static int
permset_lookup_text(text *name)
{
	const char *str = VARDATA_ANY(name);
	int			len = VARSIZE_ANY_EXHDR(name);
	int			bit;

	permset_trim(&str, &len);
	bit = permset_lookup(str, len);
	if (bit < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown permission \"%s\"", text_to_cstring(name)),
				 errhint(PERMSET_NAMES_HINT)));
	return bit;
}

/* Cast text[] to permset: every element must name a permission. */
Datum
permset_from_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i;
	Permset		set = PERMSET_EMPTY;

	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "permset_from_array expects a text array");

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &nelems);

	for (i = 0; i < nelems; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("permission name must not be null"),
					 errhint("Remove the null elements from the array before casting it to permset.")));
		set |= UINT64CONST(1) << permset_lookup_text(DatumGetTextPP(elems[i]));
	}

	PG_RETURN_PERMSET(set);
}

/* Cast permset to text[]: the names in bit order, empty array when empty. */
Datum
permset_to_array(PG_FUNCTION_ARGS)
{
	Permset		set = PG_GETARG_PERMSET(0);
	Datum		elems[PERMSET_NPERMS];
	int			nelems = 0;
	int			bit;

	for (bit = 0; bit < PERMSET_NPERMS; bit++)
	{
		if (set & (UINT64CONST(1) << bit))
			elems[nelems++] = CStringGetTextDatum(permset_perm_names[bit]);
	}

	if (nelems == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, nelems, TEXTOID,
										  -1, false, TYPALIGN_INT));
}

/* permset_has(set, name): membership test by name, raising an error if unknown. */
Datum
permset_has(PG_FUNCTION_ARGS)
{
	Permset		set = PG_GETARG_PERMSET(0);
	int			bit = permset_lookup_text(PG_GETARG_TEXT_PP(1));

	PG_RETURN_BOOL((set & (UINT64CONST(1) << bit)) != 0);
}

/* permset_count(set): how many permissions the set holds. */
Datum
permset_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(pg_popcount64(PG_GETARG_PERMSET(0)));
}

/* permission_names(): every permission name in bit order, for users and hints. */
Datum
permset_names(PG_FUNCTION_ARGS)
{
	Datum		elems[PERMSET_NPERMS];
	int			bit;

	for (bit = 0; bit < PERMSET_NPERMS; bit++)
		elems[bit] = CStringGetTextDatum(permset_perm_names[bit]);

	PG_RETURN_ARRAYTYPE_P(construct_array(elems, PERMSET_NPERMS, TEXTOID,
										  -1, false, TYPALIGN_INT));
}
