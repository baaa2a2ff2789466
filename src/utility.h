/*
 * utility.h
 *		Utility commands on the extension's tables: LOCK TABLE, the COPY of a
 *		restore, DROP EXTENSION.
 */
#ifndef PERMISSIONS_UTILITY_H
#define PERMISSIONS_UTILITY_H

extern void utility_init(void);

#endif							/* PERMISSIONS_UTILITY_H */
