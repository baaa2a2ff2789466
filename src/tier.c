/*
 * tier.c
 *		The permissions.tier type: its names and aliases, the functions the
 *		shared enum-like type code provides (enum_type.c), and the
 *		larger/smaller helpers behind max/min.
 *
 * Every comparison and hash function here works on a plain int32 and cannot
 * fail, so they are all declared LEAKPROOF; that lets the planner push them
 * below row-level security quals and use indexes on tier columns.
 */
#include "postgres.h"

#include "enum_type.h"
#include "tier.h"

PG_FUNCTION_INFO_V1(tier_larger);
PG_FUNCTION_INFO_V1(tier_smaller);

/* Canonical names, indexed by tier value. */
static const char *const tier_names[] = {
	"none", "tier4", "tier3", "tier2", "tier1"
};

/* Other spellings tier input accepts, with the tier each stands for. */
static const EnumTypeAlias tier_aliases[] = {
	{"read_only", TIER_4},
	{"read_write", TIER_3},
	{"read_write_delete", TIER_2},
	{"full_control", TIER_1},
};

StaticAssertDecl(lengthof(tier_names) == TIER_MAX - TIER_MIN + 1,
				 "tier_names must name every tier");

/* How the shared enum-like type code sees permissions.tier. */
static const EnumTypeDesc tier_type = {
	.type_name = "tier",
	.names = tier_names,
	.min_value = TIER_MIN,
	.max_value = TIER_MAX,
	.aliases = tier_aliases,
	.num_aliases = lengthof(tier_aliases),
	.input_hint = "Use one of none, tier4, tier3, tier2, tier1, or the aliases read_only, read_write, read_write_delete, full_control.",
	.recv_detail = "A binary tier must be an int4 between "
		CppAsString2(TIER_MIN) " (none) and " CppAsString2(TIER_MAX) " (tier1).",
};

/* tier_in, tier_out, tier_recv, tier_send, tier_eq ... tier_hash_extended */
ENUM_TYPE_SQL_FUNCTIONS(tier, tier_type);

/* Map a tier value to its canonical name for output and messages. */
const char *
tier_name(Tier t)
{
	return enum_type_name(&tier_type, t);
}

/* Parse text into a tier without raising errors, for callers with their own. */
bool
tier_parse(const char *str, Tier *result)
{
	return enum_type_parse(&tier_type, str, result);
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
