/*
 * token.h
 *		Identity from signed tokens (JWS compact serialization) verified in
 *		the database.
 */
#ifndef PERMISSIONS_TOKEN_H
#define PERMISSIONS_TOKEN_H

#include "utils/snapshot.h"

#include "identity.h"

/* True while the key and the subject mapping a token identity came from still hold. */
extern bool token_identity_valid(const Identity *id, Snapshot snapshot);

/* Whether another user than its own made the subject mapping of a token identity, and who. */
extern bool token_identity_creator(const Identity *id, Snapshot snapshot, int64 *created_by);

#endif							/* PERMISSIONS_TOKEN_H */
