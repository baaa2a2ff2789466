/*
 * identity.h
 *		Who the current session is acting as: an API credential's user or
 *		the user mapped to the current login role.
 */
#ifndef PERMISSIONS_IDENTITY_H
#define PERMISSIONS_IDENTITY_H

typedef enum IdentitySource
{
	IDENTITY_NONE = 0,			/* nobody: every decision is "no" */
	IDENTITY_CREDENTIAL,		/* permissions.authenticate() with an API credential */
	IDENTITY_ROLE				/* users.db_role of the current outer role */
} IdentitySource;

typedef struct Identity
{
	IdentitySource source;
	Oid			role;			/* outer role the identity belongs to */
	int64		user_id;		/* credential identities only */
	int64		credential_id;	/* credential identities only */
} Identity;

extern void identity_init(void);
extern void identity_get(Identity *id);
extern bool identity_equal(const Identity *a, const Identity *b);

#endif							/* PERMISSIONS_IDENTITY_H */
