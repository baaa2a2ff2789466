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

#endif							/* PERMISSIONS_TOKEN_H */
