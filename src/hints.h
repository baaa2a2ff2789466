/*
 * hints.h
 *		Freshness hints: which tenants a committing transaction changed,
 *		told to every backend before the change is visible.
 */
#ifndef PERMISSIONS_HINTS_H
#define PERMISSIONS_HINTS_H

#include "utils/snapshot.h"

/* Receives the tenants (their hint keys) of a hint whose transaction finished, or all. */
typedef void (*hints_mark_fn) (const uint32 *tenants, int ntenants, bool all);

extern void hints_init(void);
extern uint32 hints_tenant_key(int64 tenant);
extern void hints_send(const int64 *tenants, int ntenants);
extern void hints_apply(Snapshot snapshot, hints_mark_fn mark);
extern bool hints_vouch_for(Snapshot snapshot, const uint32 *keys, int nkeys);

#endif							/* PERMISSIONS_HINTS_H */
