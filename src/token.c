/*
 * token.c
 *		Identity from signed tokens: permissions.authenticate_token() verifies
 *		a compact JWS (a JWT) against keys a DBA registered per issuer, and
 *		makes the transaction (or, where a DBA allowed it, the session) act
 *		as the user its subject is mapped to.
 *
 * A token says who, never what: it names an issuer, a key and a subject;
 * the user, and so the role, permissions and tiers, come from the tables.
 *
 * - permissions.token_issuers: one row per issuer ("iss"), with the longest
 *   token lifetime accepted, the clock skew tolerated, and optionally the
 *   account whose subtree its subjects must belong to.
 * - permissions.token_keys: keys per issuer, chosen by the "kid" header,
 *   each for exactly one algorithm; HS256 secrets only where a DBA asked.
 * - permissions.token_subjects: (issuer, subject) -> user.
 *
 * Every failure is the same error, "invalid token", after every credential
 * and token identity of the session has been ended; the reason goes to the
 * server log only (LOG_SERVER_ONLY, without the statement, which holds the
 * token).
 *
 * A backend remembers, for tokens it verified, that the signature of that
 * exact token checked out with that exact key material, until the token's
 * exp.  Presenting the same token again skips only the signature check:
 * every other check, against the tables under the current snapshot, is done
 * again.  Parsed public keys are kept per key row the same way.
 *
 * Once established, the identity lives in the internal setting like a
 * credential identity (identity.c), and the access cache revalidates it at
 * every rebuild through token_identity_valid(): deleting or disabling the
 * key or its issuer, or deleting or changing the subject mapping, ends it
 * at the session's next statement (those changes move the access epochs).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "identity.h"
#include "jws.h"
#include "pg_compat.h"
#include "role.h"
#include "token.h"

PG_FUNCTION_INFO_V1(token_authenticate);
PG_FUNCTION_INFO_V1(token_public_key);
PG_FUNCTION_INFO_V1(token_shared_secret);
PG_FUNCTION_INFO_V1(token_cache_stats);

#define REMEMBERED_TOKENS 64
#define CACHED_KEYS 16
#define MAX_ACCOUNT_DEPTH 1000
#define UNIX_EPOCH_TO_PG_SECS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)
#define MAX_NUMERIC_DATE 253402300799.0	/* 9999-12-31 23:59:59 UTC */
#define MAX_CLAIM_LEN 1000

/* A token whose signature checked out with one key's material. */
typedef struct RememberedToken
{
	bool		used;
	unsigned char token[JWS_SHA256_LEN];
	int64		key_id;
	unsigned char material[JWS_SHA256_LEN];
	TimestampTz exp;
} RememberedToken;

/* A parsed public key of one key row. */
typedef struct CachedKey
{
	int64		key_id;
	unsigned char material[JWS_SHA256_LEN];
	JwsKey	   *key;
} CachedKey;

static RememberedToken remembered[REMEMBERED_TOKENS];
static int	next_remembered = 0;
static CachedKey cached_keys[CACHED_KEYS];
static int	next_cached_key = 0;

static struct
{
	int64		verified;		/* signatures checked with the key */
	int64		remembered;		/* signatures known good from an earlier check */
	int64		keys_parsed;	/* public keys read from their PEM */
} stats;

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

/*
 * Ends every identity, logs why on the server only, and raises the one
 * error every refused token gets.
 */
pg_noreturn static void
token_refused(const char *reason)
{
	identity_end_all();
	ereport(LOG_SERVER_ONLY,
			(errmsg("permissions: token refused: %s", reason),
			 errhidestmt(true), errhidecontext(true)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("invalid token"),
			 errdetail("The session now has no credential or token identity."),
			 errhint("Obtain a new token from the identity provider; the server log says why this one was refused."),
			 errhidestmt(true)));
}

/* A text column as a palloc'd C string, or NULL. */
static char *
text_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(rel, column), &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* An int8 column; false when NULL. */
static bool
int8_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column, int64 *value)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(rel, column), &isnull);

	if (!isnull)
		*value = DatumGetInt64(d);
	return !isnull;
}

/* A timestamptz column; false when NULL. */
static bool
timestamp_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column,
				 TimestampTz *value)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(rel, column), &isnull);

	if (!isnull)
		*value = DatumGetTimestampTz(d);
	return !isnull;
}

/* An interval column in microseconds (months of 30 days), clamped to [0, a century and more]. */
static int64
interval_column(HeapTuple tuple, TupleDesc desc, ExtRelation rel, const char *column)
{
	bool		isnull;
	Datum		d = catalog_getattr(tuple, desc, catalog_attnum(rel, column), &isnull);
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
	row->has_account = int8_column(tuple, desc, EXT_TOKEN_ISSUERS, "account_id", &row->account_id);
	row->max_lifetime = interval_column(tuple, desc, EXT_TOKEN_ISSUERS, "max_lifetime");
	row->clock_skew = interval_column(tuple, desc, EXT_TOKEN_ISSUERS, "clock_skew");
}

/* Copies a token_keys row. */
static void
key_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	KeyRow	   *row = (KeyRow *) arg;
	bool		isnull;
	Datum		d;

	row->found = true;
	(void) int8_column(tuple, desc, EXT_TOKEN_KEYS, "id", &row->id);
	row->issuer = text_column(tuple, desc, EXT_TOKEN_KEYS, "issuer");
	row->algorithm = text_column(tuple, desc, EXT_TOKEN_KEYS, "algorithm");
	row->public_key = text_column(tuple, desc, EXT_TOKEN_KEYS, "public_key");
	row->audience = text_column(tuple, desc, EXT_TOKEN_KEYS, "audience");
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_TOKEN_KEYS, "secret"), &isnull);
	if (!isnull)
	{
		bytea	   *b = DatumGetByteaPP(d);

		row->secret_len = VARSIZE_ANY_EXHDR(b);
		row->secret = palloc(row->secret_len + 1);
		memcpy(row->secret, VARDATA_ANY(b), row->secret_len);
	}
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_TOKEN_KEYS, "enabled"), &isnull);
	row->enabled = !isnull && DatumGetBool(d);
	row->has_not_before = timestamp_column(tuple, desc, EXT_TOKEN_KEYS, "not_before", &row->not_before);
	row->has_not_after = timestamp_column(tuple, desc, EXT_TOKEN_KEYS, "not_after", &row->not_after);
}

/* Copies a token_subjects row. */
static void
subject_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	SubjectRow *row = (SubjectRow *) arg;

	row->found = true;
	(void) int8_column(tuple, desc, EXT_TOKEN_SUBJECTS, "id", &row->id);
	row->issuer = text_column(tuple, desc, EXT_TOKEN_SUBJECTS, "issuer");
	if (!int8_column(tuple, desc, EXT_TOKEN_SUBJECTS, "user_id", &row->user_id))
		row->found = false;
	row->has_creator = int8_column(tuple, desc, EXT_TOKEN_SUBJECTS, "created_by", &row->created_by);
}

/* Copies the columns of a users row the checks use. */
static void
user_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	UserInfo   *u = (UserInfo *) arg;
	bool		isnull;
	Datum		d;

	u->found = true;
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_USERS, "active"), &isnull);
	u->active = !isnull && DatumGetBool(d);
	d = catalog_getattr(tuple, desc, catalog_attnum(EXT_USERS, "role"), &isnull);
	u->role = isnull ? ROLE_USER : DatumGetPermRole(d);
	if (!int8_column(tuple, desc, EXT_USERS, "account_id", &u->account_id))
		u->found = false;
}

/* Reads parent_id of an accounts row (-1 at the top, -2 when not found). */
static void
parent_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	int64	   *parent = (int64 *) arg;

	if (!int8_column(tuple, desc, EXT_ACCOUNTS, "parent_id", parent))
		*parent = -1;
}

/* True when account is root or lies below it, under snapshot. */
static bool
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
static void
load_user(int64 user_id, Snapshot snapshot, UserInfo *u)
{
	memset(u, 0, sizeof(*u));
	catalog_scan(EXT_USERS, EXT_IDX_USERS_PKEY, catalog_attnum(EXT_USERS, "id"),
				 Int64GetDatum(user_id), F_INT8EQ, snapshot, user_callback, u);
}

/* Looks an issuer up by its "iss" value. */
static void
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
static const char *
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
static const char *
key_problem_at(const KeyRow *key, TimestampTz now)
{
	if (!key->enabled)
		return "the key is disabled";
	if (key->has_not_before && now < key->not_before)
		return "the key is not valid yet";
	if (key->has_not_after && now >= key->not_after)
		return "the key has expired";
	return NULL;
}

/*
 * True while the key and the subject mapping a token identity came from
 * still hold under snapshot (called by the access cache at every rebuild).
 * The token's own expiry is checked by identity_get().
 */
bool
token_identity_valid(const Identity *id, Snapshot snapshot)
{
	KeyRow		key;
	SubjectRow	subject;
	IssuerRow	issuer;

	memset(&key, 0, sizeof(key));
	catalog_scan(EXT_TOKEN_KEYS, EXT_IDX_TOKEN_KEYS_PKEY,
				 catalog_attnum(EXT_TOKEN_KEYS, "id"), Int64GetDatum(id->ref_id),
				 F_INT8EQ, snapshot, key_callback, &key);
	if (!key.found || key.issuer == NULL ||
		key_problem_at(&key, GetCurrentStatementStartTimestamp()) != NULL)
		return false;

	memset(&subject, 0, sizeof(subject));
	catalog_scan(EXT_TOKEN_SUBJECTS, EXT_IDX_TOKEN_SUBJECTS_PKEY,
				 catalog_attnum(EXT_TOKEN_SUBJECTS, "id"), Int64GetDatum(id->ref2_id),
				 F_INT8EQ, snapshot, subject_callback, &subject);
	if (!subject.found || subject.user_id != id->user_id ||
		subject.issuer == NULL || strcmp(subject.issuer, key.issuer) != 0)
		return false;

	load_issuer(key.issuer, snapshot, &issuer);
	return issuer.found && mapped_user_problem(&subject, &issuer, snapshot) == NULL;
}

/*
 * Whether the subject mapping of a token identity was made by another user
 * than the one it maps (a manager), and which: the access cache can then
 * limit the identity to that user's manager subtree, as it does for an API
 * credential made by a manager.
 */
bool
token_identity_creator(const Identity *id, Snapshot snapshot, int64 *created_by)
{
	SubjectRow	subject;

	memset(&subject, 0, sizeof(subject));
	catalog_scan(EXT_TOKEN_SUBJECTS, EXT_IDX_TOKEN_SUBJECTS_PKEY,
				 catalog_attnum(EXT_TOKEN_SUBJECTS, "id"), Int64GetDatum(id->ref2_id),
				 F_INT8EQ, snapshot, subject_callback, &subject);
	if (!subject.found || !subject.has_creator || subject.created_by == subject.user_id)
		return false;
	*created_by = subject.created_by;
	return true;
}

/* Digest of what a signature check depends on besides the token: algorithm and key material. */
static void
material_digest(const KeyRow *key, unsigned char *out)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, key->algorithm);
	appendStringInfoChar(&buf, '\0');
	if (key->public_key)
		appendStringInfoString(&buf, key->public_key);
	if (key->secret)
		appendBinaryStringInfo(&buf, (const char *) key->secret, key->secret_len);
	jws_sha256(buf.data, buf.len, out);
	pfree(buf.data);
}

/* The parsed public key of a key row, read once per backend and key material. */
static JwsKey *
public_key_of(const KeyRow *row, JwsAlg alg, const unsigned char *material)
{
	const char *problem;
	JwsKey	   *key;
	CachedKey  *slot;
	int			i;

	for (i = 0; i < CACHED_KEYS; i++)
		if (cached_keys[i].key != NULL && cached_keys[i].key_id == row->id &&
			memcmp(cached_keys[i].material, material, JWS_SHA256_LEN) == 0)
			return cached_keys[i].key;
	if (row->public_key == NULL)
		return NULL;
	key = jws_key_from_pem(row->public_key, strlen(row->public_key), alg, &problem);
	if (key == NULL)
		return NULL;
	stats.keys_parsed++;
	slot = &cached_keys[next_cached_key];
	next_cached_key = (next_cached_key + 1) % CACHED_KEYS;
	if (slot->key != NULL)
		jws_key_free(slot->key);
	slot->key_id = row->id;
	memcpy(slot->material, material, JWS_SHA256_LEN);
	slot->key = key;
	return key;
}

/* The remembered entry of a token checked with that key material, or NULL. */
static RememberedToken *
find_remembered(const unsigned char *token, int64 key_id, const unsigned char *material,
				TimestampTz now)
{
	int			i;

	for (i = 0; i < REMEMBERED_TOKENS; i++)
	{
		RememberedToken *r = &remembered[i];

		if (r->used && r->exp > now && r->key_id == key_id &&
			memcmp(r->token, token, JWS_SHA256_LEN) == 0 &&
			memcmp(r->material, material, JWS_SHA256_LEN) == 0)
			return r;
	}
	return NULL;
}

/* Remembers that a token's signature checked out with a key's material, until exp. */
static void
remember(const unsigned char *token, int64 key_id, const unsigned char *material,
		 TimestampTz exp, TimestampTz now)
{
	RememberedToken *slot = NULL;
	int			i;

	for (i = 0; i < REMEMBERED_TOKENS && slot == NULL; i++)
		if (!remembered[i].used || remembered[i].exp <= now)
			slot = &remembered[i];
	if (slot == NULL)
	{
		slot = &remembered[next_remembered];
		next_remembered = (next_remembered + 1) % REMEMBERED_TOKENS;
	}
	slot->used = true;
	memcpy(slot->token, token, JWS_SHA256_LEN);
	slot->key_id = key_id;
	memcpy(slot->material, material, JWS_SHA256_LEN);
	slot->exp = exp;
}

/* A NumericDate claim as a timestamp; false when out of range. */
static bool
numeric_date(const JwsField *f, TimestampTz *ts)
{
	double		usecs;

	if (f->kind != JWS_NUMBER || f->num < 0 || f->num > MAX_NUMERIC_DATE)
		return false;
	usecs = (f->num - (double) UNIX_EPOCH_TO_PG_SECS) * USECS_PER_SEC;
	*ts = (TimestampTz) floor(usecs);
	return true;
}

/* Whether the "aud" claim names the key's audience (or both are absent). */
static bool
audience_matches(const JwsField *aud, const char *audience)
{
	int			i;

	if (audience == NULL)
		return aud->kind == JWS_ABSENT;
	if (aud->kind == JWS_STRING)
		return strcmp(aud->str, audience) == 0;
	if (aud->kind == JWS_STRING_ARRAY)
		for (i = 0; i < aud->nitems; i++)
			if (strcmp(aud->items[i], audience) == 0)
				return true;
	return false;
}

/* Header members read. */
enum
{
	H_ALG, H_KID, H_CRIT, H_COUNT
};

/* Claims read. */
enum
{
	C_ISS, C_SUB, C_AUD, C_EXP, C_NBF, C_IAT, C_COUNT
};

/*
 * permissions.authenticate_token(token text, session boolean) returns bigint
 *		Verifies a signed token and makes the transaction (default) or the
 *		session act as the user its subject is mapped to.  Returns the user
 *		id.  Any failure ends every credential and token identity.
 */
Datum
token_authenticate(PG_FUNCTION_ARGS)
{
	bool		session = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	text	   *token_text;
	char	   *token;
	int			token_len;
	JwsParts	parts;
	unsigned char *header,
			   *payload,
			   *sig;
	int			header_len,
				payload_len,
				sig_len;
	JwsField	h[H_COUNT] = {{.name = "alg"}, {.name = "kid"}, {.name = "crit"}};
	JwsField	c[C_COUNT] = {{.name = "iss"}, {.name = "sub"}, {.name = "aud"},
	{.name = "exp"}, {.name = "nbf"}, {.name = "iat"}};
	JwsAlg		alg;
	JwsAlg		key_alg;
	TimestampTz now = GetCurrentStatementStartTimestamp();
	TimestampTz exp = 0,
				nbf = 0,
				iat = 0;
	Snapshot	snapshot;
	IssuerRow	issuer;
	KeyRow		key;
	SubjectRow	subject;
	const char *problem;
	unsigned char token_digest[JWS_SHA256_LEN];
	unsigned char material[JWS_SHA256_LEN];
	Identity	ident;

	if (PG_ARGISNULL(0))
		token_refused("no token");
	token_text = PG_GETARG_TEXT_PP(0);
	token_len = VARSIZE_ANY_EXHDR(token_text);
	if (token_len > JWS_MAX_TOKEN_LEN)
		token_refused("the token is too long");
	token = text_to_cstring(token_text);

	/* the compact serialization and its JSON */
	if (!jws_split(token, token_len, &parts) ||
		!jws_base64url_decode(parts.header, parts.header_len, &header, &header_len) ||
		!jws_base64url_decode(parts.payload, parts.payload_len, &payload, &payload_len) ||
		!jws_base64url_decode(parts.signature, parts.signature_len, &sig, &sig_len))
		token_refused("the token is not a compact JWS in base64url");
	if (!jws_json_fields((char *) header, header_len, h, H_COUNT))
		token_refused("the header is not a JSON object with unique members");
	if (h[H_ALG].kind != JWS_STRING || !jws_alg_parse(h[H_ALG].str, &alg))
		token_refused("the algorithm is missing, \"none\", or not one of EdDSA, ES256, RS256, HS256");
	if (h[H_KID].kind != JWS_STRING || h[H_KID].str_len > MAX_CLAIM_LEN)
		token_refused("the header has no \"kid\"");
	if (h[H_CRIT].kind != JWS_ABSENT)
		token_refused("the header has \"crit\" extensions, none of which are supported");
	if (!jws_json_fields((char *) payload, payload_len, c, C_COUNT))
		token_refused("the claims are not a JSON object with unique members");
	if (c[C_ISS].kind != JWS_STRING || c[C_ISS].str_len > MAX_CLAIM_LEN)
		token_refused("the token has no \"iss\" string");
	if (c[C_SUB].kind != JWS_STRING || c[C_SUB].str_len > MAX_CLAIM_LEN)
		token_refused("the token has no \"sub\" string");
	if (!numeric_date(&c[C_EXP], &exp))
		token_refused("the token has no valid \"exp\"");
	if (c[C_NBF].kind != JWS_ABSENT && !numeric_date(&c[C_NBF], &nbf))
		token_refused("\"nbf\" is not a valid NumericDate");
	if (c[C_IAT].kind != JWS_ABSENT && !numeric_date(&c[C_IAT], &iat))
		token_refused("\"iat\" is not a valid NumericDate");
	if (c[C_AUD].kind != JWS_ABSENT && c[C_AUD].kind != JWS_STRING &&
		c[C_AUD].kind != JWS_STRING_ARRAY)
		token_refused("\"aud\" is neither a string nor an array of strings");

	/* the issuer and the key its "kid" names */
	snapshot = GetTransactionSnapshot();
	load_issuer(c[C_ISS].str, snapshot, &issuer);
	if (!issuer.found)
		token_refused("the issuer is not registered");
	memset(&key, 0, sizeof(key));
	catalog_scan2(EXT_TOKEN_KEYS, EXT_IDX_TOKEN_KEYS_ISSUER_KID,
				  catalog_attnum(EXT_TOKEN_KEYS, "issuer"),
				  CStringGetTextDatum(c[C_ISS].str), F_TEXTEQ,
				  catalog_attnum(EXT_TOKEN_KEYS, "key_id"),
				  CStringGetTextDatum(h[H_KID].str), F_TEXTEQ,
				  snapshot, key_callback, &key);
	if (!key.found)
		token_refused("no key of the issuer has that \"kid\"");
	if (key.algorithm == NULL || !jws_alg_parse(key.algorithm, &key_alg) || key_alg != alg)
		token_refused("the token's algorithm is not the one registered for its key");
	if ((problem = key_problem_at(&key, now)) != NULL)
		token_refused(problem);

	/* the signature, unless this very token checked out with this key before */
	jws_sha256(token, token_len, token_digest);
	material_digest(&key, material);
	if (find_remembered(token_digest, key.id, material, now) != NULL)
		stats.remembered++;
	else
	{
		JwsKey	   *pkey = NULL;

		if (alg != JWS_ALG_HS256 &&
			(pkey = public_key_of(&key, alg, material)) == NULL)
			token_refused("the registered key cannot be read for its algorithm");
		if (!jws_verify(alg, pkey, key.secret, key.secret_len,
						token, parts.signing_input_len, sig, sig_len))
			token_refused("the signature does not verify");
		stats.verified++;
		if (exp > now)
			remember(token_digest, key.id, material, exp, now);
	}

	/* the claims */
	if (exp <= now)
		token_refused("the token has expired");
	if (c[C_NBF].kind != JWS_ABSENT && nbf > now + issuer.clock_skew)
		token_refused("the token is not valid yet (nbf)");
	if (c[C_IAT].kind != JWS_ABSENT && iat > now + issuer.clock_skew)
		token_refused("the token was issued in the future (iat)");
	if (exp - (c[C_IAT].kind != JWS_ABSENT ? iat : now) > issuer.max_lifetime)
		token_refused("the token's lifetime exceeds the issuer's max_lifetime");
	if (!audience_matches(&c[C_AUD], key.audience))
		token_refused(key.audience ? "the token is not for the key's audience"
					  : "the token has an audience but the key has none");

	/* the subject and its user */
	memset(&subject, 0, sizeof(subject));
	catalog_scan2(EXT_TOKEN_SUBJECTS, EXT_IDX_TOKEN_SUBJECTS_ISSUER_SUBJECT,
				  catalog_attnum(EXT_TOKEN_SUBJECTS, "issuer"),
				  CStringGetTextDatum(c[C_ISS].str), F_TEXTEQ,
				  catalog_attnum(EXT_TOKEN_SUBJECTS, "subject"),
				  CStringGetTextDatum(c[C_SUB].str), F_TEXTEQ,
				  snapshot, subject_callback, &subject);
	if (!subject.found)
		token_refused("the subject is not mapped to a user");
	if ((problem = mapped_user_problem(&subject, &issuer, snapshot)) != NULL)
		token_refused(problem);

	if (session)
		identity_check_session_scope();

	memset(&ident, 0, sizeof(ident));
	ident.source = IDENTITY_TOKEN;
	ident.ref_id = key.id;
	ident.ref2_id = subject.id;
	ident.user_id = subject.user_id;
	ident.expires_at = exp;
	if (key.has_not_after && key.not_after < exp)
		ident.expires_at = key.not_after;
	identity_establish(&ident, session);

	PG_RETURN_INT64(subject.user_id);
}

/* The text of a key argument, trimmed of surrounding whitespace. */
static char *
trimmed_argument(text *t, int *len)
{
	char	   *s = text_to_cstring(t);
	char	   *end;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*end = '\0';
	*len = end - s;
	return s;
}

/*
 * permissions.token_public_key(algorithm text, key text) returns text
 *		Internal, for register_token_key(): checks that a PEM or JWK public
 *		key fits an algorithm and returns it as PEM (SubjectPublicKeyInfo).
 */
Datum
token_public_key(PG_FUNCTION_ARGS)
{
	char	   *algname = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			len;
	char	   *keytext = trimmed_argument(PG_GETARG_TEXT_PP(1), &len);
	JwsAlg		alg;
	JwsKey	   *key;
	const char *problem;
	char	   *pem;

	if (!jws_alg_parse(algname, &alg) || alg == JWS_ALG_HS256)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a public-key token algorithm", algname),
				 errhint("Use EdDSA, ES256 or RS256.")));
	if (keytext[0] == '{')
		key = jws_key_from_jwk(keytext, len, alg, &problem);
	else
		key = jws_key_from_pem(keytext, len, alg, &problem);
	if (key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid public key for algorithm %s", algname),
				 errdetail("%s", problem),
				 errhint("Pass the issuer's public key as a PEM block (-----BEGIN PUBLIC KEY-----) or as one JSON Web Key of its JWKS.")));
	pem = jws_key_to_pem(key);
	jws_key_free(key);
	if (pem == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write the public key as PEM")));
	PG_RETURN_TEXT_P(cstring_to_text(pem));
}

/*
 * permissions.token_shared_secret(secret text) returns bytea
 *		Internal, for register_token_key(): the bytes of an HS256 secret,
 *		given as text (its UTF-8 bytes, as JWT libraries take it) or as a
 *		JWK of kty "oct".  Refuses anything that looks like a public key:
 *		a public key used as a shared secret lets anyone sign tokens.
 */
Datum
token_shared_secret(PG_FUNCTION_ARGS)
{
	int			len;
	char	   *s = trimmed_argument(PG_GETARG_TEXT_PP(0), &len);
	unsigned char *bytes = (unsigned char *) s;
	int			nbytes = len;
	bytea	   *result;

	if (strstr(s, "-----BEGIN") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a PEM key cannot be an HS256 secret"),
				 errdetail("Using a public key as a shared secret would let anyone who has the public key sign tokens."),
				 errhint("Register the key with its own algorithm (EdDSA, ES256 or RS256).")));
	if (s[0] == '{')
	{
		JwsField	f[2] = {{.name = "kty"}, {.name = "k"}};

		if (!jws_json_fields(s, len, f, 2) || f[0].kind != JWS_STRING ||
			strcmp(f[0].str, "oct") != 0 || f[1].kind != JWS_STRING ||
			!jws_base64url_decode(f[1].str, f[1].str_len, &bytes, &nbytes))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("an HS256 secret given as a JSON Web Key must have kty \"oct\" and a base64url \"k\""),
					 errdetail("Using a public key as a shared secret would let anyone who has the public key sign tokens.")));
	}
	if (nbytes < JWS_MIN_SECRET_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an HS256 secret must be at least %d bytes long", JWS_MIN_SECRET_LEN),
				 errhint("Generate one with, for example, openssl rand -base64 48.")));
	result = (bytea *) palloc(VARHDRSZ + nbytes);
	SET_VARSIZE(result, VARHDRSZ + nbytes);
	memcpy(VARDATA(result), bytes, nbytes);
	PG_RETURN_BYTEA_P(result);
}

/*
 * permissions.token_cache_stats() returns record
 *		This backend's signature checks since it started: verified with the
 *		key, known good from an earlier check of the same token, and public
 *		keys parsed.
 */
Datum
token_cache_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum(stats.verified);
	values[1] = Int64GetDatum(stats.remembered);
	values[2] = Int64GetDatum(stats.keys_parsed);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
