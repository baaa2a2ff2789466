/*
 * policy.h
 *		The decision functions row-level security policies call.
 */
#ifndef PERMISSIONS_POLICY_H
#define PERMISSIONS_POLICY_H

extern void policy_init(void);

#endif							/* PERMISSIONS_POLICY_H */
