/*
 * token.c
 *		Identity from signed tokens.  Placeholder until token verification
 *		lands: no token identity is ever valid.
 */
#include "postgres.h"

#include "token.h"

/* No token identity is valid yet. */
bool
token_identity_valid(const Identity *id, Snapshot snapshot)
{
	return false;
}
