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
 * token), with the values that failed (the "iss", "kid" and "alg" that
 * arrived, exp against the clock, ...), never the token or its signature.
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
 * key or its issuer, its window closing (not_after, retire_at), or deleting
 * or changing the subject mapping, ends it at the session's next statement
 * (those changes move the access epochs).  Key material cannot be updated
 * (a trigger refuses it), and should it change anyway, the identity ends
 * too: the internal setting permissions.token_key, set beside the
 * identity with the same scope, holds the digest of the material the token
 * was verified with, and revalidation compares it with the key row's.
 */
#include "postgres.h"

#include <openssl/crypto.h>

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "access/parallel.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "identity.h"
#include "jws.h"
#include "pg_compat.h"
#include "role.h"
#include "token.h"
#include "token_rows.h"

PG_FUNCTION_INFO_V1(token_authenticate);
PG_FUNCTION_INFO_V1(token_cache_stats);

#define KEY_GUC "permissions.token_key"

#define REMEMBERED_TOKENS 64
#define CACHED_KEYS 16
#define UNIX_EPOCH_TO_PG_SECS ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)
#define MAX_NUMERIC_DATE 253402300799.0	/* 9999-12-31 23:59:59 UTC */
#define MAX_CLAIM_LEN 1000
#define MAX_LOGGED_VALUE 120	/* bytes of a claim value the log shows */

/* A token whose signature checked out with one key's material. */
typedef struct RememberedToken
{
	bool		used;
	unsigned char token[JWS_SHA256_LEN];
	int64		key_id;
	unsigned char material[JWS_SHA256_LEN];
	TimestampTz exp;
} RememberedToken;

/* A parsed public key of one key row, or an HS256 secret found acceptable. */
typedef struct CachedKey
{
	int64		key_id;
	unsigned char material[JWS_SHA256_LEN];
	JwsKey	   *key;
	bool		secret_ok;
} CachedKey;

static RememberedToken remembered[REMEMBERED_TOKENS];
static int	next_remembered = 0;
static CachedKey cached_keys[CACHED_KEYS];
static int	next_cached_key = 0;

/* The internal setting: "<key id>:<hex digest of its material>" of the token identity. */
static char *key_setting = NULL;
static bool key_setting_internal = false;

static struct
{
	int64		verified;		/* signatures checked with the key */
	int64		remembered;		/* signatures known good from an earlier check */
	int64		keys_parsed;	/* public keys read from their PEM */
} stats;


/* What a token said, as far as it was read: the values a refusal logs. */
typedef struct TokenSeen
{
	const char *via;			/* how the token came: a function, a header */
	const char *alg;
	const char *kid;
	const char *iss;
	const char *sub;
} TokenSeen;

/*
 * Appends name "value" to a log line: at most MAX_LOGGED_VALUE bytes, with
 * quotes, backslashes, control characters and non-ASCII bytes escaped, so
 * that a value an attacker chose cannot forge or break log lines.
 */
static void
append_logged_value(StringInfo buf, const char *name, const char *value)
{
	int			i;

	if (value == NULL)
		return;
	appendStringInfo(buf, ", %s \"", name);
	for (i = 0; value[i] != '\0' && i < MAX_LOGGED_VALUE; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (c == '"' || c == '\\')
			appendStringInfo(buf, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			appendStringInfo(buf, "\\x%02x", c);
		else
			appendStringInfoChar(buf, c);
	}
	appendStringInfoString(buf, value[i] != '\0' ? "\"..." : "\"");
}

/*
 * Ends every identity, logs why on the server only (with the values that
 * failed, never the token), and raises the one error every refused token
 * gets.
 */
pg_noreturn static void
token_refused(const TokenSeen *seen, const char *fmt,...)
pg_attribute_printf(2, 3);

static void
token_refused(const TokenSeen *seen, const char *fmt,...)
{
	StringInfoData line;

	identity_end_all();
	initStringInfo(&line);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&line, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&line, needed);
	}
	appendStringInfo(&line, " (token from %s", seen->via);
	append_logged_value(&line, "iss", seen->iss);
	append_logged_value(&line, "kid", seen->kid);
	append_logged_value(&line, "alg", seen->alg);
	append_logged_value(&line, "sub", seen->sub);
	appendStringInfoChar(&line, ')');
	ereport(LOG_SERVER_ONLY,
			(errmsg("permissions: token refused: %s", line.data),
			 errhidestmt(true), errhidecontext(true)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("invalid token"),
			 errdetail("The session now has no credential or token identity."),
			 errhint("Obtain a new token from the identity provider; the server log says why this one was refused."),
			 errhidestmt(true)));
}

/* The value of the internal setting for a key row and its material. */
static char *
key_setting_value(int64 key_id, const unsigned char *material)
{
	char		hex[2 * JWS_SHA256_LEN + 1];
	int			i;

	for (i = 0; i < JWS_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", material[i]);
	return psprintf(INT64_FORMAT ":%s", key_id, hex);
}

/*
 * Refuses every value of permissions.token_key except the empty string, the
 * ones this module sets, and the copy a parallel worker receives.
 */
static bool
key_setting_check_hook(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0' || key_setting_internal ||
		InitializingParallelWorker)
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("parameter \"%s\" cannot be set directly", KEY_GUC);
	GUC_check_errhint("Call permissions.authenticate_token().");
	return false;
}

/* Records the key material of a token identity beside it, with the same scope. */
static void
set_key_setting(const char *value, bool session)
{
	key_setting_internal = true;
	PG_TRY();
	{
		(void) set_config_option(KEY_GUC, value, PGC_SUSET, PGC_S_SESSION,
								 session ? GUC_ACTION_SET : GUC_ACTION_LOCAL,
								 true, 0, false);
	}
	PG_FINALLY();
	{
		key_setting_internal = false;
	}
	PG_END_TRY();
}

/* Defines the internal setting that holds the key material of the token identity. */
void
token_init(void)
{
	DefineCustomStringVariable(KEY_GUC,
							   "Internal: the key and key material the token identity was verified with.",
							   "Set only by permissions.authenticate_token(), beside the identity; any other attempt is refused.",
							   &key_setting,
							   "",
							   PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   key_setting_check_hook, NULL, NULL);
}

/*
 * True while the key and the subject mapping a token identity came from
 * still hold under snapshot (called by the access cache at every rebuild):
 * the key row exists with the very material the token was verified with,
 * and is usable now; *until is when its window closes.  The token's own
 * expiry is checked by identity_get().
 */
bool
token_identity_valid(const Identity *id, Snapshot snapshot, TimestampTz *until)
{
	KeyRow		key;
	SubjectRow	subject;
	IssuerRow	issuer;
	unsigned char material[JWS_SHA256_LEN];

	*until = DT_NOEND;
	memset(&key, 0, sizeof(key));
	catalog_scan(EXT_TOKEN_KEYS, EXT_IDX_TOKEN_KEYS_PKEY,
				 catalog_attnum(EXT_TOKEN_KEYS, "id"), Int64GetDatum(id->ref_id),
				 F_INT8EQ, snapshot, key_callback, &key);
	if (!key.found || key.issuer == NULL ||
		key_problem_at(&key, GetCurrentStatementStartTimestamp()) != NULL)
		return false;
	material_digest(&key, material);
	if (key_setting == NULL || strcmp(key_setting, key_setting_value(key.id, material)) != 0)
		return false;
	*until = key_window_end(&key);

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

/* The cache slot of a key row with that material, or NULL. */
static CachedKey *
cached_key(int64 key_id, const unsigned char *material)
{
	int			i;

	for (i = 0; i < CACHED_KEYS; i++)
		if ((cached_keys[i].key != NULL || cached_keys[i].secret_ok) &&
			cached_keys[i].key_id == key_id &&
			CRYPTO_memcmp(cached_keys[i].material, material, JWS_SHA256_LEN) == 0)
			return &cached_keys[i];
	return NULL;
}

/* Takes the next cache slot for a key row and its material. */
static CachedKey *
new_cached_key(int64 key_id, const unsigned char *material)
{
	CachedKey  *slot = &cached_keys[next_cached_key];

	next_cached_key = (next_cached_key + 1) % CACHED_KEYS;
	if (slot->key != NULL)
		jws_key_free(slot->key);
	slot->key = NULL;
	slot->secret_ok = false;
	slot->key_id = key_id;
	memcpy(slot->material, material, JWS_SHA256_LEN);
	return slot;
}

/*
 * The parsed public key of a key row, read and checked (jws_crypto.c: small
 * order Ed25519 points, weak RSA, ...) once per backend and key material;
 * NULL with the reason in *problem when the stored key is not acceptable.
 */
static JwsKey *
public_key_of(const KeyRow *row, JwsAlg alg, const unsigned char *material, const char **problem)
{
	CachedKey  *slot = cached_key(row->id, material);
	JwsKey	   *key;

	*problem = NULL;
	if (slot != NULL && slot->key != NULL)
		return slot->key;
	if (row->public_key == NULL)
	{
		*problem = "the key has no public key";
		return NULL;
	}
	key = jws_key_from_pem(row->public_key, strlen(row->public_key), alg, problem);
	if (key == NULL)
		return NULL;
	stats.keys_parsed++;
	new_cached_key(row->id, material)->key = key;
	return key;
}

/*
 * Whether the HS256 secret of a key row is acceptable (jws_secret.c: 256
 * bits at least, never a key in any encoding), checked once per backend
 * and key material; the reason in *problem when it is not.
 */
static bool
secret_acceptable(const KeyRow *row, const unsigned char *material, const char **problem)
{
	CachedKey  *slot = cached_key(row->id, material);

	*problem = NULL;
	if (slot != NULL && slot->secret_ok)
		return true;
	if (row->secret == NULL)
		*problem = "the key has no secret";
	else
		*problem = jws_secret_problem(row->secret, row->secret_len);
	if (*problem != NULL)
		return false;
	new_cached_key(row->id, material)->secret_ok = true;
	return true;
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
			CRYPTO_memcmp(r->token, token, JWS_SHA256_LEN) == 0 &&
			CRYPTO_memcmp(r->material, material, JWS_SHA256_LEN) == 0)
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

/* A string claim or header member for a log line (NULL when not a string). */
static const char *
seen_string(const JwsField *f)
{
	return f->kind == JWS_STRING ? f->str : NULL;
}

/*
 * Verifies a signed token and makes the transaction or the session act as
 * the user its subject is mapped to; returns the user id.  Every failure
 * ends every credential and token identity and raises "invalid token";
 * via says, for the server log, where the token came from.
 */
int64
token_authenticate_core(const char *token, int token_len, bool session, const char *via)
{
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
	TokenSeen	seen = {.via = via};

	if (token_len > JWS_MAX_TOKEN_LEN)
		token_refused(&seen, "the token is too long: %d bytes, at most %d accepted",
					  token_len, JWS_MAX_TOKEN_LEN);

	/* the compact serialization and its JSON */
	if (!jws_split(token, token_len, &parts) ||
		!jws_base64url_decode(parts.header, parts.header_len, &header, &header_len) ||
		!jws_base64url_decode(parts.payload, parts.payload_len, &payload, &payload_len) ||
		!jws_base64url_decode(parts.signature, parts.signature_len, &sig, &sig_len))
		token_refused(&seen, "the token is not a compact JWS in base64url (%d bytes)", token_len);
	if (!jws_json_fields((char *) header, header_len, h, H_COUNT))
		token_refused(&seen, "the header is not a JSON object with unique members");
	seen.alg = seen_string(&h[H_ALG]);
	seen.kid = seen_string(&h[H_KID]);
	if (h[H_ALG].kind != JWS_STRING || !jws_alg_parse(h[H_ALG].str, &alg))
		token_refused(&seen, "the algorithm is missing, \"none\", or not one of EdDSA, ES256, RS256, HS256");
	if (h[H_KID].kind != JWS_STRING || h[H_KID].str_len > MAX_CLAIM_LEN)
		token_refused(&seen, "the header has no \"kid\" string of at most %d bytes", MAX_CLAIM_LEN);
	if (h[H_CRIT].kind != JWS_ABSENT)
		token_refused(&seen, "the header has \"crit\" extensions, none of which are supported");
	if (!jws_json_fields((char *) payload, payload_len, c, C_COUNT))
		token_refused(&seen, "the claims are not a JSON object with unique members");
	seen.iss = seen_string(&c[C_ISS]);
	seen.sub = seen_string(&c[C_SUB]);
	if (c[C_ISS].kind != JWS_STRING || c[C_ISS].str_len > MAX_CLAIM_LEN)
		token_refused(&seen, "the token has no \"iss\" string of at most %d bytes", MAX_CLAIM_LEN);
	if (c[C_SUB].kind != JWS_STRING || c[C_SUB].str_len > MAX_CLAIM_LEN)
		token_refused(&seen, "the token has no \"sub\" string of at most %d bytes", MAX_CLAIM_LEN);
	if (!numeric_date(&c[C_EXP], &exp))
		token_refused(&seen, "the token has no valid \"exp\" (a NumericDate from 1970 to 9999)");
	if (c[C_NBF].kind != JWS_ABSENT && !numeric_date(&c[C_NBF], &nbf))
		token_refused(&seen, "\"nbf\" is not a valid NumericDate");
	if (c[C_IAT].kind != JWS_ABSENT && !numeric_date(&c[C_IAT], &iat))
		token_refused(&seen, "\"iat\" is not a valid NumericDate");
	if (c[C_AUD].kind != JWS_ABSENT && c[C_AUD].kind != JWS_STRING &&
		c[C_AUD].kind != JWS_STRING_ARRAY)
		token_refused(&seen, "\"aud\" is neither a string nor an array of strings");

	/* the issuer and the key its "kid" names */
	snapshot = GetTransactionSnapshot();
	load_issuer(c[C_ISS].str, snapshot, &issuer);
	if (!issuer.found)
		token_refused(&seen, "the issuer is not registered");
	memset(&key, 0, sizeof(key));
	catalog_scan2(EXT_TOKEN_KEYS, EXT_IDX_TOKEN_KEYS_ISSUER_KID,
				  catalog_attnum(EXT_TOKEN_KEYS, "issuer"),
				  CStringGetTextDatum(c[C_ISS].str), F_TEXTEQ,
				  catalog_attnum(EXT_TOKEN_KEYS, "key_id"),
				  CStringGetTextDatum(h[H_KID].str), F_TEXTEQ,
				  snapshot, key_callback, &key);
	if (!key.found)
		token_refused(&seen, "no key of the issuer has that \"kid\"");
	if (key.algorithm == NULL || !jws_alg_parse(key.algorithm, &key_alg) || key_alg != alg)
		token_refused(&seen, "the token's algorithm is not the one registered for its key (%s)",
					  key.algorithm ? key.algorithm : "none");
	if ((problem = key_problem_at(&key, now)) != NULL)
		token_refused(&seen, "%s", problem);

	/* the signature, unless this very token checked out with this key before */
	jws_sha256(token, token_len, token_digest);
	material_digest(&key, material);
	if (find_remembered(token_digest, key.id, material, now) != NULL)
		stats.remembered++;
	else
	{
		JwsKey	   *pkey = NULL;

		if (alg == JWS_ALG_HS256 ? !secret_acceptable(&key, material, &problem) :
			(pkey = public_key_of(&key, alg, material, &problem)) == NULL)
			token_refused(&seen, "the registered key is not acceptable for %s: %s",
						  key.algorithm, problem ? problem : "it cannot be read");
		if (!jws_verify(alg, pkey, key.secret, key.secret_len,
						token, parts.signing_input_len, sig, sig_len))
			token_refused(&seen, "the signature does not verify with the key (%d signature bytes)", sig_len);
		stats.verified++;
		if (exp > now)
			remember(token_digest, key.id, material, exp, now);
	}

	/* the claims */
	if (exp <= now)
		token_refused(&seen, "the token has expired: exp %s is not after now %s",
					  time_text(exp), time_text(now));
	if (c[C_NBF].kind != JWS_ABSENT && nbf > now + issuer.clock_skew)
		token_refused(&seen, "the token is not valid yet: nbf %s is after now %s plus the issuer's clock skew",
					  time_text(nbf), time_text(now));
	if (c[C_IAT].kind != JWS_ABSENT && iat > now + issuer.clock_skew)
		token_refused(&seen, "the token was issued in the future: iat %s is after now %s plus the issuer's clock skew",
					  time_text(iat), time_text(now));
	if (exp - (c[C_IAT].kind != JWS_ABSENT ? iat : now) > issuer.max_lifetime)
		token_refused(&seen, "the token's lifetime exceeds the issuer's max_lifetime: exp %s, %s %s",
					  time_text(exp), c[C_IAT].kind != JWS_ABSENT ? "iat" : "now",
					  time_text(c[C_IAT].kind != JWS_ABSENT ? iat : now));
	if (!audience_matches(&c[C_AUD], key.audience))
	{
		StringInfoData aud;

		initStringInfo(&aud);
		append_logged_value(&aud, "the key's audience is", key.audience);
		if (key.audience)
			token_refused(&seen, "the token is not for the key's audience: %s \"aud\" %s%s",
						  c[C_AUD].kind == JWS_ABSENT ? "it has no" : "its",
						  c[C_AUD].kind == JWS_STRING ? "is another string" :
						  c[C_AUD].kind == JWS_STRING_ARRAY ? "array does not name it" : "",
						  aud.data);
		token_refused(&seen, "the token has an audience but the key has none");
	}

	/* the subject and its user */
	memset(&subject, 0, sizeof(subject));
	catalog_scan2(EXT_TOKEN_SUBJECTS, EXT_IDX_TOKEN_SUBJECTS_ISSUER_SUBJECT,
				  catalog_attnum(EXT_TOKEN_SUBJECTS, "issuer"),
				  CStringGetTextDatum(c[C_ISS].str), F_TEXTEQ,
				  catalog_attnum(EXT_TOKEN_SUBJECTS, "subject"),
				  CStringGetTextDatum(c[C_SUB].str), F_TEXTEQ,
				  snapshot, subject_callback, &subject);
	if (!subject.found)
		token_refused(&seen, "the subject is not mapped to a user");
	if ((problem = mapped_user_problem(&subject, &issuer, snapshot)) != NULL)
		token_refused(&seen, "%s (user %lld)", problem, (long long) subject.user_id);

	if (session)
		identity_check_session_scope();

	memset(&ident, 0, sizeof(ident));
	ident.source = IDENTITY_TOKEN;
	ident.ref_id = key.id;
	ident.ref2_id = subject.id;
	ident.user_id = subject.user_id;
	ident.expires_at = Min(exp, key_window_end(&key));
	identity_establish(&ident, session);
	set_key_setting(key_setting_value(key.id, material), session);

	return subject.user_id;
}

/* Refuses a token before any of it was read (a malformed authorization header). */
void
token_refused_unread(const char *via, const char *reason)
{
	TokenSeen	seen = {.via = via};

	token_refused(&seen, "%s", reason);
}

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
	TokenSeen	seen = {.via = "authenticate_token()"};

	if (PG_ARGISNULL(0))
		token_refused(&seen, "no token (NULL)");
	token_text = PG_GETARG_TEXT_PP(0);
	if (VARSIZE_ANY_EXHDR(token_text) > JWS_MAX_TOKEN_LEN)
		token_refused(&seen, "the token is too long: %d bytes, at most %d accepted",
					  (int) VARSIZE_ANY_EXHDR(token_text), JWS_MAX_TOKEN_LEN);
	PG_RETURN_INT64(token_authenticate_core(text_to_cstring(token_text),
											VARSIZE_ANY_EXHDR(token_text), session,
											"authenticate_token()"));
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
