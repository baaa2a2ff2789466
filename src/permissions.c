/*
 * permissions.c
 *		Entry point of the permissions extension: a multi-tenant permission
 *		system enforced by row-level security policies that call C functions.
 */
#include "postgres.h"

#include "fmgr.h"

#include "access_cache.h"
#include "acting_role.h"
#include "catalog.h"
#include "disclosure.h"
#include "epoch.h"
#include "hints.h"
#include "identity.h"
#include "planning.h"
#include "policy.h"
#include "stamp.h"
#include "token.h"
#include "utility.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Initializes each module of the extension. */
void
_PG_init(void)
{
	catalog_init();
	/* before identity_init(), which reserves the prefix of the settings */
	disclosure_init();
	acting_role_init();
	identity_init();
	token_init();
	epoch_init();
	hints_init();
	access_cache_init();
	policy_init();
	planning_init();
	stamp_init();
	utility_init();
}
