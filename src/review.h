/*
 * review.h
 *		Access reviews: who reaches a performer (who_can, access_review) and
 *		why a decision was made (explain_check), with the catalog reads both
 *		share.
 */
#ifndef PERMISSIONS_REVIEW_H
#define PERMISSIONS_REVIEW_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"

#include "access_cache.h"
#include "catalog.h"
#include "tier.h"

/* The routes by which a user reaches a performer, in the order rows list them. */
typedef enum ReachSource
{
	SRC_MANAGER = 0,
	SRC_WILDCARD,
	SRC_DIRECT,
	SRC_GROUP,
	SRC_TEAM,
	SRC_TEAM_GROUP,
	SRC_COUNT
} ReachSource;

/* An access_grants row. */
typedef struct ReviewGrant
{
	int64		id;
	int64		account_id;
	int64		user_id;		/* 0: to a team */
	int64		team_id;		/* 0: to a user */
	int64		performer_id;	/* 0: on a group */
	int64		group_id;		/* 0: on a performer */
	Tier		tier;
	bool		has_expiry;
	TimestampTz expires_at;
} ReviewGrant;

/* A growable list of grants. */
typedef struct ReviewGrants
{
	ReviewGrant *rows;
	int			n;
	int			cap;
} ReviewGrants;

/* Column numbers of the users columns decisions depend on. */
typedef struct UserColumns
{
	AttrNumber	id,
				account_id,
				role,
				user_type,
				permissions,
				access,
				active;
} UserColumns;

/* What review_ids_callback collects: one int8 column of the rows of rel. */
typedef struct IdCollect
{
	ExtRelation rel;
	const char *column;
	int64	   *ids;
	int			n;
	int			cap;
} IdCollect;

extern const char *review_source_name(ReachSource source);
extern void review_user_columns(UserColumns *cols);
extern void review_read_user(HeapTuple tuple, TupleDesc desc, const UserColumns *cols, UserRow *u);
extern void review_ids_callback(HeapTuple tuple, TupleDesc desc, void *arg);
extern Snapshot review_snapshot(void);
extern bool review_load_user(int64 user_id, Snapshot snapshot, UserRow *user);
extern bool review_performer_account(int64 performer_id, Snapshot snapshot, int64 *account_id);
extern int	review_ancestors(int64 account_id, Snapshot snapshot, int64 **ids);
extern char *review_account_name(int64 account_id, Snapshot snapshot);
extern char *review_name(ExtRelation rel, ExtIndex pkey, int64 id, Snapshot snapshot);
extern void review_grants(ExtIndex index, const char *column, int64 key, Snapshot snapshot,
						  ReviewGrants *out);
extern int	review_ids(ExtRelation rel, ExtIndex index, const char *keycol, int64 key,
					   const char *column, Snapshot snapshot, int64 **ids);
extern bool review_grant_live(const ReviewGrant *g, TimestampTz now);
extern bool review_may_review(AccessCache *self, int64 account_id);
extern void review_refuse_performer(int64 performer_id, bool exists);

#endif							/* PERMISSIONS_REVIEW_H */
