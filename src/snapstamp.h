/*
 * snapstamp.h
 *		What is remembered of a snapshot to know a later one sees exactly
 *		the same: the caches and the decision functions' memos compare it.
 */
#ifndef PERMISSIONS_SNAPSTAMP_H
#define PERMISSIONS_SNAPSTAMP_H

#include "utils/snapshot.h"

/* A snapshot's fingerprint. */
typedef struct SnapStamp
{
	uint64		count;			/* snapXactCompletionCount */
	CommandId	curcid;
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	Snapshot	ptr;
} SnapStamp;

/* Records a snapshot's fingerprint. */
static inline void
snapstamp_set(SnapStamp *stamp, Snapshot s)
{
	stamp->count = s->snapXactCompletionCount;
	stamp->curcid = s->curcid;
	stamp->xmin = s->xmin;
	stamp->xmax = s->xmax;
	stamp->xcnt = s->xcnt;
	stamp->ptr = s;
}

/*
 * True when the snapshot sees exactly what the recorded one saw; without a
 * completion count, only the very same snapshot is known equal.
 */
static inline bool
snapstamp_matches(const SnapStamp *stamp, Snapshot s)
{
	if (s->snapXactCompletionCount != stamp->count ||
		s->curcid != stamp->curcid ||
		s->xmin != stamp->xmin || s->xmax != stamp->xmax ||
		s->xcnt != stamp->xcnt)
		return false;
	return s->snapXactCompletionCount != 0 || s == stamp->ptr;
}

#endif							/* PERMISSIONS_SNAPSTAMP_H */
