/*
 * token.h
 *		Identity from signed tokens (JWS compact serialization) verified in
 *		the database: token.c verifies and revalidates, token_request.c
 *		reads the token of a web request, token_admin.c serves registration.
 */
#ifndef PERMISSIONS_TOKEN_H
#define PERMISSIONS_TOKEN_H

#include "utils/snapshot.h"

#include "identity.h"
#include "pg_compat.h"

/* Defines the internal setting that records the key material of a token identity. */
extern void token_init(void);

/*
 * True while the key (with the material the token was verified with) and
 * the subject mapping a token identity came from still hold; *until is when
 * the key's window closes.
 */
extern bool token_identity_valid(const Identity *id, Snapshot snapshot, TimestampTz *until);

/* Whether another user than its own made the subject mapping of a token identity, and who. */
extern bool token_identity_creator(const Identity *id, Snapshot snapshot, int64 *created_by);

/* Verifies a token and establishes its identity; returns the user id or raises "invalid token". */
extern int64 token_authenticate_core(const char *token, int token_len, bool session,
									 const char *via);

/* Raises "invalid token" (ending every identity) for a token that could not even be read. */
pg_noreturn extern void token_refused_unread(const char *via, const char *reason);

#endif							/* PERMISSIONS_TOKEN_H */
