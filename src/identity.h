/*
 * identity.h
 *		Who the current session is acting as: the user mapped to the acting
 *		role, or the user an API credential or a signed token named.
 */
#ifndef PERMISSIONS_IDENTITY_H
#define PERMISSIONS_IDENTITY_H

#include "datatype/timestamp.h"

typedef enum IdentitySource
{
	IDENTITY_NONE = 0,			/* nobody: every decision is "no" */
	IDENTITY_CREDENTIAL,		/* permissions.authenticate() with an API credential */
	IDENTITY_TOKEN,				/* permissions.authenticate_token() with a signed token */
	IDENTITY_ROLE				/* users.db_role of the acting role */
} IdentitySource;

typedef struct Identity
{
	IdentitySource source;
	Oid			role;			/* role the identity belongs to */
	int64		user_id;		/* credential and token identities */
	int64		ref_id;			/* credential id, or token key id */
	int64		ref2_id;		/* token: subject mapping id */
	TimestampTz expires_at;		/* token: its exp; DT_NOEND otherwise */
} Identity;

extern void identity_init(void);
extern void identity_get(Identity *id);
extern bool identity_equal(const Identity *a, const Identity *b);
extern void identity_establish(const Identity *id, bool session);
extern void identity_end_all(void);
extern void identity_check_session_scope(void);
extern uint64 identity_generation(void);
extern void identity_note_change(void);

#endif							/* PERMISSIONS_IDENTITY_H */
