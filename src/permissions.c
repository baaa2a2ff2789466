/*
 * permissions.c
 *		Entry point of the permissions extension: a multi-tenant permission
 *		system enforced by row-level security policies that call C functions.
 */
#include "postgres.h"

#include "fmgr.h"

#include "access_cache.h"
#include "catalog.h"
#include "identity.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Initializes each module of the extension. */
void
_PG_init(void)
{
	catalog_init();
	identity_init();
	access_cache_init();
}
