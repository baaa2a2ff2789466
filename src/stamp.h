/*
 * stamp.h
 *		The columns of a row the database decides: ids of the extension's
 *		tables, and created_by.
 */
#ifndef PERMISSIONS_STAMP_H
#define PERMISSIONS_STAMP_H

extern void stamp_init(void);

#endif							/* PERMISSIONS_STAMP_H */
