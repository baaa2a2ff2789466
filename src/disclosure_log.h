/*
 * disclosure_log.h
 *		Writing the records of the accounting of disclosures: durable rows of
 *		permissions.disclosure_log on a primary, lines of the server log on a
 *		standby.
 */
#ifndef PERMISSIONS_DISCLOSURE_LOG_H
#define PERMISSIONS_DISCLOSURE_LOG_H

#include "datatype/timestamp.h"

#include "identity.h"
#include "matrix.h"

/*
 * The rows of one table about one performer one user read in one statement.
 * Records that differ only in the performer are written as one row of
 * disclosure_log (arrays of performers and counts).
 */
typedef struct DisclosureRecord
{
	TimestampTz at;				/* start of the statement */
	int64		fingerprint;	/* of the statement */
	int64		account_id;		/* the performer's account */
	int64		performer_id;
	Oid			relid;			/* the table read */
	DataKind	kind;			/* its kind of performer data */
	int64		rows;			/* rows that passed the policy */
	int64		user_id;		/* who read */
	Oid			role;			/* the role the identity belongs to */
	IdentitySource source;		/* how the session acted as the user */
	int64		ref_id;			/* the credential or token key */
} DisclosureRecord;

extern int	disclosure_record_cmp(const void *a, const void *b);
extern void disclosure_log_write(const DisclosureRecord *records, int n);
extern void disclosure_log_server(const DisclosureRecord *records, int n, const char *recorded);

#endif							/* PERMISSIONS_DISCLOSURE_LOG_H */
