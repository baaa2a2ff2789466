/*
 * disclosure.h
 *		The accounting of disclosures: which user read which rows of which
 *		performer, statement by statement (permissions.read_accounting).
 */
#ifndef PERMISSIONS_DISCLOSURE_H
#define PERMISSIONS_DISCLOSURE_H

/*
 * The location a call of permissions.can_view_accounted() made by the
 * planner carries (disclosure_plan.c); a call a client wrote never has it
 * (the parser gives locations from 0, stored rules -1), so only the
 * policies' calls count disclosures.
 */
#define DISCLOSURE_PLANNED_CALL	(-7)

/*
 * The location a can_view() call of a row-level security policy is given
 * before planning (disclosure_plan.c): only those calls are accounted, not
 * can_view() calls a client wrote in its own query, which would otherwise
 * record reads that never happened.
 */
#define DISCLOSURE_POLICY_CALL	(-8)

extern void disclosure_init(void);
extern void disclosure_plan_init(void);
extern bool disclosure_accounting(void);

#endif							/* PERMISSIONS_DISCLOSURE_H */
