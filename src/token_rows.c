/*
 * token_rows.c
 *		Reading the rows of token_issuers, token_keys, token_subjects and the
 *		users they map to, and the checks made on them both when a token is
 *		verified (token.c) and whenever a token identity is revalidated: the
 *		key usable now, the mapped user active and inside the issuer's
 *		account subtree, a mapping made by a manager still backed by one.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "jws.h"
#include "token_rows.h"

#define MAX_ACCOUNT_DEPTH 1000

/* A timestamp as text for a log line. */
const char *
time_text(TimestampTz t)
{
	return pstrdup(timestamptz_to_str(t));
}

/* A text column as a palloc'd C string, or NULL. */
static char *
text_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column)
{
	bool		isnull;
	Datum		d = catalog_column(tuple, desc, rel, column, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* A timestamptz column; false when NULL. */
static bool
timestamp_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column,
				 TimestampTz *value)
{
	bool		isnull;
	Datum		d = catalog_column(tuple, desc, rel, column, &isnull);

	if (!isnull)
		*value = DatumGetTimestampTz(d);
	return !isnull;
}

/* An interval column in microseconds (months of 30 days), clamped to [0, a century and more]. */
static int64
interval_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column)
{
	bool		isnull;
	Datum		d = catalog_column(tuple, desc, rel, column, &isnull);
	Interval   *iv;
	double		usecs;

	if (isnull)
		return 0;
	iv = DatumGetIntervalP(d);
	usecs = (double) iv->time + (double) iv->day * USECS_PER_DAY +
		(double) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
	if (usecs < 0)
		return 0;
	if (usecs > (double) (PG_INT64_MAX / 4))
		return PG_INT64_MAX / 4;
	return (int64) usecs;
}

/* Copies a token_issuers row. */
static void
issuer_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	IssuerRow  *row = (IssuerRow *) arg;

	row->found = true;
	row->has_account = catalog_int8(tuple, desc, EXT_TOKEN_ISSUERS, "account_id", &row->account_id);
	row->max_lifetime = interval_column(tuple, desc, EXT_TOKEN_ISSUERS, "max_lifetime");
	row->clock_skew = interval_column(tuple, desc, EXT_TOKEN_ISSUERS, "clock_skew");
}

/* Copies a token_keys row. */
void
key_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	KeyRow	   *row = (KeyRow *) arg;
	bool		isnull;
	Datum		d;

	row->found = true;
	(void) catalog_int8(tuple, desc, EXT_TOKEN_KEYS, "id", &row->id);
	row->issuer = text_column(tuple, desc, EXT_TOKEN_KEYS, "issuer");
	row->algorithm = text_column(tuple, desc, EXT_TOKEN_KEYS, "algorithm");
	row->public_key = text_column(tuple, desc, EXT_TOKEN_KEYS, "public_key");
	row->audience = text_column(tuple, desc, EXT_TOKEN_KEYS, "audience");
	d = catalog_column(tuple, desc, EXT_TOKEN_KEYS, "secret", &isnull);
	if (!isnull)
	{
		bytea	   *b = DatumGetByteaPP(d);

		row->secret_len = VARSIZE_ANY_EXHDR(b);
		row->secret = palloc(row->secret_len + 1);
		memcpy(row->secret, VARDATA_ANY(b), row->secret_len);
	}
	d = catalog_column(tuple, desc, EXT_TOKEN_KEYS, "enabled", &isnull);
	row->enabled = !isnull && DatumGetBool(d);
	row->has_not_before = timestamp_column(tuple, desc, EXT_TOKEN_KEYS, "not_before", &row->not_before);
	row->has_not_after = timestamp_column(tuple, desc, EXT_TOKEN_KEYS, "not_after", &row->not_after);
	row->has_retire_at = timestamp_column(tuple, desc, EXT_TOKEN_KEYS, "retire_at", &row->retire_at);
}

/* Copies a token_subjects row. */
void
subject_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	SubjectRow *row = (SubjectRow *) arg;

	row->found = true;
	(void) catalog_int8(tuple, desc, EXT_TOKEN_SUBJECTS, "id", &row->id);
	row->issuer = text_column(tuple, desc, EXT_TOKEN_SUBJECTS, "issuer");
	if (!catalog_int8(tuple, desc, EXT_TOKEN_SUBJECTS, "user_id", &row->user_id))
		row->found = false;
	row->has_creator = catalog_int8(tuple, desc, EXT_TOKEN_SUBJECTS, "created_by", &row->created_by);
}

/* Copies the columns of a users row the checks use. */
static void
user_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	UserInfo   *u = (UserInfo *) arg;
	bool		isnull;
	Datum		d;

	u->found = true;
	d = catalog_column(tuple, desc, EXT_USERS, "active", &isnull);
	u->active = !isnull && DatumGetBool(d);
	d = catalog_column(tuple, desc, EXT_USERS, "role", &isnull);
	u->role = isnull ? ROLE_USER : DatumGetPermRole(d);
	if (!catalog_int8(tuple, desc, EXT_USERS, "account_id", &u->account_id))
		u->found = false;
}

/* Reads parent_id of an accounts row (-1 at the top, -2 when not found). */
static void
parent_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	int64	   *parent = (int64 *) arg;

	if (!catalog_int8(tuple, desc, EXT_ACCOUNTS, "parent_id", parent))
		*parent = -1;
}

/* True when account is root or lies below it, under snapshot. */
bool
account_within(int64 account, int64 root, Snapshot snapshot)
{
	int			depth;

	for (depth = 0; depth < MAX_ACCOUNT_DEPTH && account >= 0; depth++)
	{
		int64		parent = -2;

		if (account == root)
			return true;
		catalog_scan(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PKEY,
					 catalog_attnum(EXT_ACCOUNTS, "id"), Int64GetDatum(account),
					 F_INT8EQ, snapshot, parent_callback, &parent);
		account = parent;
	}
	return false;
}

/* Looks a user up by id. */
void
load_user(int64 user_id, Snapshot snapshot, UserInfo *u)
{
	memset(u, 0, sizeof(*u));
	catalog_scan(EXT_USERS, EXT_IDX_USERS_PKEY, catalog_attnum(EXT_USERS, "id"),
				 Int64GetDatum(user_id), F_INT8EQ, snapshot, user_callback, u);
}

/* Looks an issuer up by its "iss" value. */
void
load_issuer(const char *issuer, Snapshot snapshot, IssuerRow *row)
{
	memset(row, 0, sizeof(*row));
	catalog_scan(EXT_TOKEN_ISSUERS, EXT_IDX_TOKEN_ISSUERS_ISSUER,
				 catalog_attnum(EXT_TOKEN_ISSUERS, "issuer"),
				 CStringGetTextDatum(issuer), F_TEXTEQ, snapshot, issuer_callback, row);
}

/*
 * Why a mapped user may not act through a token now, or NULL when it may:
 * the user exists and is active, lies in the issuer's account subtree (when
 * the issuer has one), and a mapping made by another user is still backed
 * by that user being an active manager over the user's account.
 */
const char *
mapped_user_problem(const SubjectRow *subject, const IssuerRow *issuer, Snapshot snapshot)
{
	UserInfo	u;

	load_user(subject->user_id, snapshot, &u);
	if (!u.found)
		return "the mapped user does not exist";
	if (!u.active)
		return "the mapped user is inactive";
	if (issuer->has_account && !account_within(u.account_id, issuer->account_id, snapshot))
		return "the mapped user is outside the issuer's account subtree";
	if (subject->has_creator && subject->created_by != subject->user_id)
	{
		UserInfo	creator;

		load_user(subject->created_by, snapshot, &creator);
		if (!creator.found || !creator.active || creator.role != ROLE_MANAGER ||
			!account_within(u.account_id, creator.account_id, snapshot))
			return "the user who mapped the subject is no longer an active manager of the user's account";
	}
	return NULL;
}

/* Why a key row may not be used at time now, or NULL when it may. */
const char *
key_problem_at(const KeyRow *key, TimestampTz now)
{
	if (!key->enabled)
		return "the key is disabled";
	if (key->has_not_before && now < key->not_before)
		return psprintf("the key is not valid yet: its not_before %s is after now %s",
						time_text(key->not_before), time_text(now));
	if (key->has_not_after && now >= key->not_after)
		return psprintf("the key has expired: its not_after %s is not after now %s",
						time_text(key->not_after), time_text(now));
	if (key->has_retire_at && now >= key->retire_at)
		return psprintf("the key was withdrawn from its issuer's key set and its grace period ended at %s (now %s)",
						time_text(key->retire_at), time_text(now));
	return NULL;
}

/* The end of a key row's window (not_after, retire_at), or DT_NOEND. */
TimestampTz
key_window_end(const KeyRow *key)
{
	TimestampTz end = DT_NOEND;

	if (key->has_not_after && key->not_after < end)
		end = key->not_after;
	if (key->has_retire_at && key->retire_at < end)
		end = key->retire_at;
	return end;
}

/* Digest of what a signature check depends on besides the token: algorithm and key material. */
void
material_digest(const KeyRow *key, unsigned char *out)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, key->algorithm ? key->algorithm : "");
	appendStringInfoChar(&buf, '\0');
	if (key->public_key)
		appendStringInfoString(&buf, key->public_key);
	if (key->secret)
		appendBinaryStringInfo(&buf, (const char *) key->secret, key->secret_len);
	jws_sha256(buf.data, buf.len, out);
	pfree(buf.data);
}
