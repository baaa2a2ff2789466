/*
 * catalog.h
 *		Where the extension's own tables live, and index scans over them that
 *		bypass row-level security (the access decisions are made from them).
 */
#ifndef PERMISSIONS_CATALOG_H
#define PERMISSIONS_CATALOG_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/spi.h"
#include "utils/snapshot.h"

/* The relations the C code reads, by role. */
typedef enum ExtRelation
{
	EXT_ACCOUNTS = 0,
	EXT_USERS,
	EXT_API_CREDENTIALS,
	EXT_TENANT_EPOCHS,
	EXT_PERFORMERS,
	EXT_GROUP_MEMBERS,
	EXT_TEAM_MEMBERS,
	EXT_ACCESS_GRANTS,
	EXT_SESSION_IDENTITY_ROLES,
	EXT_TOKEN_KEYS,
	EXT_TOKEN_SUBJECTS,
	EXT_TEAMS,
	EXT_TOKEN_ISSUERS,
	EXT_GROUPS,
	EXT_DISCLOSURE_LOG,
	EXT_NUM_RELATIONS
} ExtRelation;

/* The indexes the C code scans. */
typedef enum ExtIndex
{
	EXT_IDX_ACCOUNTS_PKEY = 0,
	EXT_IDX_ACCOUNTS_PARENT,
	EXT_IDX_USERS_PKEY,
	EXT_IDX_USERS_DB_ROLE,
	EXT_IDX_API_CREDENTIALS_PKEY,
	EXT_IDX_TENANT_EPOCHS_PKEY,
	EXT_IDX_PERFORMERS_PKEY,
	EXT_IDX_PERFORMERS_ACCOUNT,
	EXT_IDX_GROUP_MEMBERS_GROUP,
	EXT_IDX_TEAM_MEMBERS_USER,
	EXT_IDX_ACCESS_GRANTS_USER,
	EXT_IDX_ACCESS_GRANTS_TEAM,
	EXT_IDX_SESSION_IDENTITY_ROLES_PKEY,
	EXT_IDX_TOKEN_KEYS_PKEY,
	EXT_IDX_TOKEN_SUBJECTS_PKEY,
	EXT_IDX_TEAMS_PKEY,
	EXT_IDX_TOKEN_ISSUERS_ISSUER,
	EXT_IDX_TOKEN_KEYS_ISSUER_KID,
	EXT_IDX_TOKEN_SUBJECTS_ISSUER_SUBJECT,
	EXT_IDX_USERS_ACCOUNT,
	EXT_IDX_ACCESS_GRANTS_PERFORMER,
	EXT_IDX_ACCESS_GRANTS_GROUP,
	EXT_IDX_ACCESS_GRANTS_ACCOUNT,
	EXT_IDX_GROUP_MEMBERS_PERFORMER,
	EXT_IDX_TEAM_MEMBERS_TEAM,
	EXT_IDX_GROUPS_PKEY,
	EXT_NUM_INDEXES
} ExtIndex;

/* Called for each row an index scan returns. */
typedef void (*ext_row_callback) (HeapTuple tuple, TupleDesc desc, void *arg);

extern void catalog_init(void);
extern Oid	catalog_relid(ExtRelation rel);
extern Oid	catalog_relid_if_exists(ExtRelation rel);
extern Oid	catalog_indexid(ExtIndex index);
extern AttrNumber catalog_attnum(ExtRelation rel, const char *column);
extern int	catalog_scan(ExtRelation rel, ExtIndex index, AttrNumber attnum,
						 Datum key, RegProcedure eqproc, Snapshot snapshot,
						 ext_row_callback callback, void *arg);
extern int	catalog_scan2(ExtRelation rel, ExtIndex index,
						  AttrNumber attnum1, Datum key1, RegProcedure eqproc1,
						  AttrNumber attnum2, Datum key2, RegProcedure eqproc2,
						  Snapshot snapshot, ext_row_callback callback, void *arg);
extern Datum catalog_getattr(HeapTuple tuple, TupleDesc desc, AttrNumber attnum,
							 bool *isnull);
extern Datum catalog_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel,
							const char *column, bool *isnull);
extern bool catalog_int8(HeapTuple tuple, TupleDesc desc, ExtRelation rel,
						 const char *column, int64 *value);

extern Oid	catalog_function_oid(const char *name, int nargs, const Oid *argtypes);
extern Oid	catalog_type_oid(const char *name);
extern void catalog_run_as_superuser(SPIPlanPtr *slot, const char *sql, int64 arg,
									 int expected);

#endif							/* PERMISSIONS_CATALOG_H */
