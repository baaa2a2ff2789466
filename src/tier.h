/*
 * tier.h
 *		The permissions.tier type: how much a user may do with a performer's
 *		data, from none (nothing) up to tier1 (everything).
 *
 * A tier is stored as a small int32.  Larger values are more powerful, so
 * plain integer comparison gives the order none < tier4 < tier3 < tier2 <
 * tier1 and the highest of several tiers is simply their maximum.
 */
#ifndef PERMISSIONS_TIER_H
#define PERMISSIONS_TIER_H

#include "fmgr.h"

typedef int32 Tier;

#define TIER_NONE	0
#define TIER_4		1
#define TIER_3		2
#define TIER_2		3
#define TIER_1		4

#define TIER_MIN	TIER_NONE
#define TIER_MAX	TIER_1

#define TierIsValid(t)		((t) >= TIER_MIN && (t) <= TIER_MAX)

#define DatumGetTier(d)		((Tier) DatumGetInt32(d))
#define TierGetDatum(t)		Int32GetDatum(t)
#define PG_GETARG_TIER(n)	DatumGetTier(PG_GETARG_DATUM(n))
#define PG_RETURN_TIER(x)	return TierGetDatum(x)

/* canonical name ("none", "tier4", ...), or NULL if t is not a valid tier */
extern const char *tier_name(Tier t);

/* parse a tier name or alias; returns false (without raising an error) if invalid */
extern bool tier_parse(const char *str, Tier *result);

#endif							/* PERMISSIONS_TIER_H */
