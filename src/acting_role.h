/*
 * acting_role.h
 *		Which role's identity applies to the code running now: the role the
 *		session set (SET ROLE), the owner of a non-superuser SECURITY DEFINER
 *		function, or nobody during maintenance.
 */
#ifndef PERMISSIONS_ACTING_ROLE_H
#define PERMISSIONS_ACTING_ROLE_H

extern void acting_role_init(void);
extern Oid	acting_role(void);
extern bool acting_role_is_superuser(void);
extern void acting_role_sync_for_workers(void);

#endif							/* PERMISSIONS_ACTING_ROLE_H */
