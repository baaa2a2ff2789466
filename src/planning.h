/*
 * planning.h
 *		Whether the code running now is the planner or the executor: the
 *		planner evaluates the policies' id arrays only to estimate them.
 */
#ifndef PERMISSIONS_PLANNING_H
#define PERMISSIONS_PLANNING_H

/*
 * What the planner gets when it folds a reach array to estimate an index
 * condition: at most this many ids, evenly spaced over the sorted array
 * (policy.c).  It estimates such a condition by one operator selectivity
 * call per element; the policy's own row estimate comes from the cache's
 * counts (planner_support.c), so a sample only makes the index condition
 * look more selective than it is.
 */
#define PLANNING_SAMPLE 32

extern void planning_init(void);
extern bool planning_estimating(void);
extern uint64 planning_invocation(void);

#endif							/* PERMISSIONS_PLANNING_H */
