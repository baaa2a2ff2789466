/*
 * planning.h
 *		Whether the code running now is the planner or the executor: the
 *		planner evaluates the policies' id arrays only to estimate them.
 */
#ifndef PERMISSIONS_PLANNING_H
#define PERMISSIONS_PLANNING_H

extern void planning_init(void);
extern bool planning_estimating(void);
extern uint64 planning_invocation(void);

#endif							/* PERMISSIONS_PLANNING_H */
