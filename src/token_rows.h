/*
 * token_rows.h
 *		The rows of the token tables as token*.c read them (token_rows.c),
 *		and the checks made on them at authentication and at every
 *		revalidation of a token identity.
 */
#ifndef PERMISSIONS_TOKEN_ROWS_H
#define PERMISSIONS_TOKEN_ROWS_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "utils/snapshot.h"

#include "role.h"

/* The columns of a token_issuers row that verification uses. */
typedef struct IssuerRow
{
	bool		found;
	bool		has_account;
	int64		account_id;
	int64		max_lifetime;	/* microseconds */
	int64		clock_skew;		/* microseconds */
} IssuerRow;

/* The columns of a token_keys row. */
typedef struct KeyRow
{
	bool		found;
	int64		id;
	char	   *issuer;
	char	   *algorithm;
	char	   *public_key;
	unsigned char *secret;
	int			secret_len;
	char	   *audience;
	bool		enabled;
	bool		has_not_before;
	TimestampTz not_before;
	bool		has_not_after;
	TimestampTz not_after;
	bool		has_retire_at;
	TimestampTz retire_at;
} KeyRow;

/* The columns of a token_subjects row. */
typedef struct SubjectRow
{
	bool		found;
	int64		id;
	char	   *issuer;
	int64		user_id;
	bool		has_creator;
	int64		created_by;
} SubjectRow;

/* The columns of a users row the checks use. */
typedef struct UserInfo
{
	bool		found;
	bool		active;
	PermRole	role;
	int64		account_id;
} UserInfo;

extern const char *time_text(TimestampTz t);
extern void key_callback(HeapTuple tuple, TupleDesc desc, void *arg);
extern void subject_callback(HeapTuple tuple, TupleDesc desc, void *arg);
extern bool account_within(int64 account, int64 root, Snapshot snapshot);
extern void load_user(int64 user_id, Snapshot snapshot, UserInfo *u);
extern void load_issuer(const char *issuer, Snapshot snapshot, IssuerRow *row);
extern const char *mapped_user_problem(const SubjectRow *subject, const IssuerRow *issuer,
									   Snapshot snapshot);
extern const char *key_problem_at(const KeyRow *key, TimestampTz now);
extern TimestampTz key_window_end(const KeyRow *key);
extern void material_digest(const KeyRow *key, unsigned char *out);

#endif							/* PERMISSIONS_TOKEN_ROWS_H */
