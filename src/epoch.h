/*
 * epoch.h
 *		Per-tenant access epochs: how a backend knows, from its snapshot
 *		alone, whether what it cached about a tenant's access still holds.
 */
#ifndef PERMISSIONS_EPOCH_H
#define PERMISSIONS_EPOCH_H

#include "utils/snapshot.h"

/* The tenant whose epoch moves with changes no single tenant owns. */
#define GLOBAL_TENANT	0

/*
 * What a cache saw of one tenant's epochs: all its rows the snapshot sees,
 * as a fingerprint.  The highest epoch alone would not do: epochs are drawn
 * when a change is made and seen when it commits, so a transaction that
 * drew a lower one can commit after one that drew a higher one.
 */
typedef struct EpochSeen
{
	int64		tenant;
	int64		epoch;			/* the highest (0: no row) */
	int64		rows;			/* how many */
	uint64		digest;			/* the sum of a mix of each epoch */
} EpochSeen;

extern void epoch_init(void);
extern void epoch_read(int64 tenant, Snapshot snapshot, EpochSeen *seen);
extern bool epoch_unchanged(const EpochSeen *seen, Snapshot snapshot);
extern void epoch_touch(int64 tenant);
extern PGDLLIMPORT uint64 epoch_local_change_count;

/* How many access changes (and rollbacks) this backend has made. */
static inline uint64
epoch_local_changes(void)
{
	return epoch_local_change_count;
}

#endif							/* PERMISSIONS_EPOCH_H */
