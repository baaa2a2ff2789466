/*-------------------------------------------------------------------------
 *
 * tier.c
 *	  The permissions.tier type: input and output, binary send and receive,
 *	  comparison, hashing and the larger/smaller helpers behind max/min.
 *
 * Every comparison and hash function here works on a plain int32 and cannot
 * fail, so they are all declared LEAKPROOF; that lets the planner push them
 * below row-level security quals and use indexes on tier columns.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"

#include "tier.h"

PG_FUNCTION_INFO_V1(tier_in);
PG_FUNCTION_INFO_V1(tier_out);
PG_FUNCTION_INFO_V1(tier_recv);
PG_FUNCTION_INFO_V1(tier_send);
PG_FUNCTION_INFO_V1(tier_eq);
PG_FUNCTION_INFO_V1(tier_ne);
PG_FUNCTION_INFO_V1(tier_lt);
PG_FUNCTION_INFO_V1(tier_le);
PG_FUNCTION_INFO_V1(tier_gt);
PG_FUNCTION_INFO_V1(tier_ge);
PG_FUNCTION_INFO_V1(tier_cmp);
PG_FUNCTION_INFO_V1(tier_hash);
PG_FUNCTION_INFO_V1(tier_hash_extended);
PG_FUNCTION_INFO_V1(tier_larger);
PG_FUNCTION_INFO_V1(tier_smaller);

/* Every spelling tier input accepts, with the tier it stands for. */
typedef struct TierSpelling
{
	const char *name;
	Tier		value;
} TierSpelling;

static const TierSpelling tier_spellings[] = {
	{"none", TIER_NONE},
	{"tier4", TIER_4},
	{"tier3", TIER_3},
	{"tier2", TIER_2},
	{"tier1", TIER_1},
	{"read_only", TIER_4},
	{"read_write", TIER_3},
	{"read_write_delete", TIER_2},
	{"full_control", TIER_1},
};

/* Canonical output names, indexed by tier value. */
static const char *const tier_names[] = {
	"none", "tier4", "tier3", "tier2", "tier1"
};

/* Whitespace skipped around a value: the same set array_in() ignores. */
static inline bool
tier_isspace(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' ||
		ch == '\r' || ch == '\v' || ch == '\f';
}

/* ASCII-only case-insensitive match, so the result never depends on locale. */
static bool
tier_word_matches(const char *word, size_t len, const char *name)
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

/* Map a tier value to its canonical name for output and messages. */
const char *
tier_name(Tier t)
{
	if (!TierIsValid(t))
		return NULL;
	return tier_names[t];
}

/* Parse text into a tier without raising errors, for callers with their own. */
bool
tier_parse(const char *str, Tier *result)
{
	const char *start = str;
	const char *end;
	size_t		i;

	while (tier_isspace(*start))
		start++;
	end = start + strlen(start);
	while (end > start && tier_isspace(end[-1]))
		end--;

	for (i = 0; i < lengthof(tier_spellings); i++)
	{
		if (tier_word_matches(start, end - start, tier_spellings[i].name))
		{
			*result = tier_spellings[i].value;
			return true;
		}
	}
	return false;
}

/* Text input function: the type's input routine. */
Datum
tier_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	Tier		result;

	if (!tier_parse(str, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						"tier", str),
				 errhint("Use one of none, tier4, tier3, tier2, tier1, or the aliases read_only, read_write, read_write_delete, full_control.")));

	PG_RETURN_TIER(result);
}

/* Text output function: always the canonical name. */
Datum
tier_out(PG_FUNCTION_ARGS)
{
	Tier		t = PG_GETARG_TIER(0);
	const char *name = tier_name(t);

	if (name == NULL)
		elog(ERROR, "invalid value %d for type tier", t);

	PG_RETURN_CSTRING(pstrdup(name));
}

/* Binary input: a network-order int4, rejected unless it is a known tier. */
Datum
tier_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		value = (int32) pq_getmsgint(buf, sizeof(int32));

	if (!TierIsValid(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value %d for type %s", value, "tier"),
				 errdetail("A binary tier must be an int4 between %d (none) and %d (tier1).",
						   TIER_MIN, TIER_MAX)));

	PG_RETURN_TIER(value);
}

/* Binary output: the tier as a network-order int4. */
Datum
tier_send(PG_FUNCTION_ARGS)
{
	Tier		t = PG_GETARG_TIER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, (uint32) t);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Implements the = operator. */
Datum
tier_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TIER(0) == PG_GETARG_TIER(1));
}

/* Implements the <> operator. */
Datum
tier_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TIER(0) != PG_GETARG_TIER(1));
}

/* Implements the < operator: "less powerful than". */
Datum
tier_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TIER(0) < PG_GETARG_TIER(1));
}

/* Implements the <= operator. */
Datum
tier_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TIER(0) <= PG_GETARG_TIER(1));
}

/* Implements the > operator: "more powerful than". */
Datum
tier_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TIER(0) > PG_GETARG_TIER(1));
}

/* Implements the >= operator. */
Datum
tier_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_TIER(0) >= PG_GETARG_TIER(1));
}

/* btree support function 1: three-way comparison. */
Datum
tier_cmp(PG_FUNCTION_ARGS)
{
	Tier		a = PG_GETARG_TIER(0);
	Tier		b = PG_GETARG_TIER(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

/* hash support function 1: same hash as int4, since the value is an int4. */
Datum
tier_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_TIER(0));
}

/* hash support function 2: seeded 64-bit hash, agreeing with tier_hash for seed 0. */
Datum
tier_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_TIER(0),
								(uint64) PG_GETARG_INT64(1));
}

/* Transition function of max(tier): the more powerful of two tiers. */
Datum
tier_larger(PG_FUNCTION_ARGS)
{
	Tier		a = PG_GETARG_TIER(0);
	Tier		b = PG_GETARG_TIER(1);

	PG_RETURN_TIER(a > b ? a : b);
}

/* Transition function of min(tier): the less powerful of two tiers. */
Datum
tier_smaller(PG_FUNCTION_ARGS)
{
	Tier		a = PG_GETARG_TIER(0);
	Tier		b = PG_GETARG_TIER(1);

	PG_RETURN_TIER(a < b ? a : b);
}
