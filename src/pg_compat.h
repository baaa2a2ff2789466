/*
 * pg_compat.h
 *		The differences between the server versions the extension builds
 *		against (PostgreSQL 15 to 18), in one place.
 *
 * The code is written against the newest server's interface; for the older
 * ones this header maps each name back onto what they call it.  Include it
 * after the server's headers.  Dropping support for a version means deleting
 * its block here.
 */
#ifndef PERMISSIONS_PG_COMPAT_H
#define PERMISSIONS_PG_COMPAT_H

#include "utils/rel.h"

/* 16 renamed a relation's RelFileNode to RelFileLocator (rd_locator). */
#if PG_VERSION_NUM < 160000
typedef RelFileNode RelFileLocator;
#define RelFileLocatorEquals(a, b) RelFileNodeEquals(a, b)
#define rd_locator rd_node
#endif

/* 16 moved the varlena macros (VARSIZE, VARDATA ...) out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * 18 replaced the postfix pg_attribute_noreturn() by pg_noreturn, written
 * first (C11's _Noreturn): "pg_noreturn static void f(void);".
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/*
 * 18 dropped ExecutorRun's execute_once argument.  An ExecutorRun hook is
 * declared with EXECUTOR_RUN_PARAMS and passes EXECUTOR_RUN_ARGS on.
 */
#if PG_VERSION_NUM >= 180000
#define EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define EXECUTOR_RUN_ARGS queryDesc, direction, count
#else
#define EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, bool execute_once
#define EXECUTOR_RUN_ARGS queryDesc, direction, count, execute_once
#endif

/* 16 moved the query jumbling header from utils/ to nodes/. */
#if PG_VERSION_NUM >= 160000
#include "nodes/queryjumble.h"
#else
#include "utils/queryjumble.h"
#endif

/*
 * 17 made getIdentitySequence() take the relation (a partition's identity
 * is its parent's) instead of its OID.
 */
#if PG_VERSION_NUM >= 170000
#define IDENTITY_SEQUENCE(rel, attnum) getIdentitySequence((rel), (attnum), false)
#else
#define IDENTITY_SEQUENCE(rel, attnum) getIdentitySequence(RelationGetRelid(rel), (attnum), false)
#endif

#endif							/* PERMISSIONS_PG_COMPAT_H */
