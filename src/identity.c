/*
 * identity.c
 *		The identity a session acts as, and the only ways to obtain one.
 *
 * Three sources exist.  A login role mapped by users.db_role is that user
 * whenever it is the acting role (see acting_role.c: the role after SET
 * ROLE, the owner of a non-superuser SECURITY DEFINER function, nobody
 * during maintenance).  A pooled connection calls permissions.authenticate()
 * with an API credential, or permissions.authenticate_token() with a signed
 * token (token.c), instead.
 *
 * A credential or token identity is kept in the internal setting
 * permissions.identity so that the GUC machinery gives it the expected
 * lifetime: SET LOCAL scope by default (it ends at commit, rollback and
 * savepoint rollback), session scope where a DBA allowed it for the role,
 * cleared by RESET ALL and DISCARD ALL, and copied into parallel workers.
 * Its check hook refuses every value that does not come from this module,
 * so SET, set_config(), PGOPTIONS, ALTER ROLE ... SET and function SET
 * clauses cannot forge one.  Each identity carries a nonce; logout() and a
 * failed authentication kill every nonce issued so far, so a rollback that
 * restores an old setting cannot bring the identity back.  An identity
 * belongs to the role that authenticated and applies only while that role
 * is the acting role.
 */
#include "postgres.h"

#include <limits.h>

#include <openssl/crypto.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "common/sha2.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "acting_role.h"
#include "catalog.h"
#include "identity.h"
#include "jws.h"

#define IDENTITY_GUC "permissions.identity"
#define CREDENTIAL_PREFIX "pm_"
#define SECRET_BYTES 32

PG_FUNCTION_INFO_V1(identity_authenticate);
PG_FUNCTION_INFO_V1(identity_logout);
PG_FUNCTION_INFO_V1(identity_new_secret);
PG_FUNCTION_INFO_V1(identity_hash_secret);

static char *identity_setting = NULL;
static bool identity_setting_internal = false;
static uint64 next_nonce = 1;
static uint64 revoked_below = 1;
static bool pending_clear = false;

/* Parsed form of the last setting seen, so parsing happens once per value. */
static char parsed_value[192];
static Identity parsed_identity;
static uint64 parsed_nonce;

static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/* Moves whenever the identity setting or the acting role may have changed. */
uint64		identity_generation_count = 1;

/*
 * Parses "nonce:kind:ref:ref2:user:role:expires" (kind c for a credential,
 * t for a token); false when the value is not of that form.
 */
static bool
parse_setting(const char *value, uint64 *nonce, Identity *id)
{
	unsigned long long n,
				r1,
				r2,
				u,
				r;
	long long	exp;
	char		kind;
	int			used = 0;

	if (sscanf(value, "%llu:%c:%llu:%llu:%llu:%llu:%lld%n",
			   &n, &kind, &r1, &r2, &u, &r, &exp, &used) != 7 ||
		value[used] != '\0' || (kind != 'c' && kind != 't') ||
		r > UINT_MAX || r1 > PG_INT64_MAX || r2 > PG_INT64_MAX || u > PG_INT64_MAX)
		return false;
	*nonce = n;
	id->source = kind == 'c' ? IDENTITY_CREDENTIAL : IDENTITY_TOKEN;
	id->ref_id = (int64) r1;
	id->ref2_id = (int64) r2;
	id->user_id = (int64) u;
	id->role = (Oid) r;
	id->expires_at = (TimestampTz) exp;
	return true;
}

/*
 * Refuses every value of permissions.identity except the empty string, the
 * ones this module sets, and the copy a parallel worker receives.
 */
static bool
identity_check_hook(char **newval, void **extra, GucSource source)
{
	uint64		nonce;
	Identity	id;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!identity_setting_internal && !InitializingParallelWorker)
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("parameter \"%s\" cannot be set directly", IDENTITY_GUC);
		GUC_check_errdetail("The identity of a session comes only from its login role, an API credential or a signed token.");
		GUC_check_errhint("Call permissions.authenticate() or permissions.authenticate_token().");
		return false;
	}
	return parse_setting(*newval, &nonce, &id);
}

/* Any new value of the setting (also one a rollback or RESET restores). */
static void
identity_assign_hook(const char *newval, void *extra)
{
	identity_generation_count++;
}

/* Notes that the acting role may have changed. */
void
identity_note_change(void)
{
	identity_generation_count++;
}

/* Sets permissions.identity from inside this module. */
static void
set_identity_setting(const char *value, bool local)
{
	identity_setting_internal = true;
	PG_TRY();
	{
		(void) set_config_option(IDENTITY_GUC, value, PGC_SUSET, PGC_S_SESSION,
								 local ? GUC_ACTION_LOCAL : GUC_ACTION_SET,
								 true, 0, false);
	}
	PG_FINALLY();
	{
		identity_setting_internal = false;
	}
	PG_END_TRY();
}

/* Ends every credential identity issued so far, whatever a rollback restores. */
static void
revoke_all_identities(void)
{
	revoked_below = next_nonce;
	pending_clear = true;
}

/* True when the setting holds an identity that logout() or a failure ended. */
static bool
identity_setting_dead(void)
{
	uint64		nonce;
	Identity	id;

	return identity_setting != NULL && identity_setting[0] != '\0' &&
		(!parse_setting(identity_setting, &nonce, &id) || nonce < revoked_below);
}

/*
 * Before a statement runs: clears a dead identity from the setting, so that
 * parallel workers never inherit an identity the leader no longer has (a
 * rollback can restore a dead value after it was cleared once, so the value
 * itself is checked), and tells parallel workers the acting role.
 */
static void
identity_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	if ((pending_clear || identity_setting_dead()) &&
		identity_setting && identity_setting[0] != '\0' &&
		!IsInParallelMode())
	{
		set_identity_setting("", false);
		pending_clear = false;
	}
	acting_role_sync_for_workers();
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* Defines the internal setting and installs the executor hook. */
void
identity_init(void)
{
	DefineCustomStringVariable(IDENTITY_GUC,
							   "Internal: the credential or token identity of this session.",
							   "Set only by permissions.authenticate() and permissions.authenticate_token(); any other attempt is refused.",
							   &identity_setting,
							   "",
							   PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   identity_check_hook, identity_assign_hook, NULL);
	MarkGUCPrefixReserved("permissions");

	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = identity_ExecutorStart;
}

/* Resolves the current identity; cheap enough to call for every row. */
void
identity_get(Identity *id)
{
	Oid			acting = acting_role();

	memset(id, 0, sizeof(*id));
	id->expires_at = DT_NOEND;
	if (!OidIsValid(acting))
	{
		id->source = IDENTITY_NONE;
		return;
	}
	if (identity_setting != NULL && identity_setting[0] != '\0' &&
		acting == GetOuterUserId())
	{
		if (strcmp(parsed_value, identity_setting) != 0)
		{
			if (strlen(identity_setting) >= sizeof(parsed_value) ||
				!parse_setting(identity_setting, &parsed_nonce, &parsed_identity))
			{
				parsed_value[0] = '\0';
				id->source = IDENTITY_NONE;
				id->role = acting;
				return;
			}
			strlcpy(parsed_value, identity_setting, sizeof(parsed_value));
		}
		/* in a parallel worker the leader has already vetted the nonce */
		if ((parsed_nonce >= revoked_below || IsParallelWorker()) &&
			parsed_identity.role == acting)
		{
			*id = parsed_identity;
			if (id->expires_at <= GetCurrentStatementStartTimestamp())
			{
				memset(id, 0, sizeof(*id));
				id->source = IDENTITY_NONE;
				id->role = acting;
				id->expires_at = DT_NOEND;
			}
			return;
		}
	}
	id->source = IDENTITY_ROLE;
	id->role = acting;
}

/* True when two identities denote the same user through the same source. */
bool
identity_equal(const Identity *a, const Identity *b)
{
	return a->source == b->source && a->role == b->role &&
		a->user_id == b->user_id && a->ref_id == b->ref_id &&
		a->ref2_id == b->ref2_id && a->expires_at == b->expires_at;
}

/*
 * Makes the session act as a credential or token identity, for the
 * transaction or (where allowed) the session.  The identity belongs to the
 * role acting now.
 */
void
identity_establish(const Identity *id, bool session)
{
	char		value[192];

	Assert(id->source == IDENTITY_CREDENTIAL || id->source == IDENTITY_TOKEN);
	snprintf(value, sizeof(value), UINT64_FORMAT ":%c:" INT64_FORMAT ":" INT64_FORMAT
			 ":" INT64_FORMAT ":%u:" INT64_FORMAT,
			 next_nonce, id->source == IDENTITY_CREDENTIAL ? 'c' : 't',
			 id->ref_id, id->ref2_id, id->user_id, GetOuterUserId(),
			 (int64) id->expires_at);
	next_nonce++;
	set_identity_setting(value, !session);
	pending_clear = false;
}

/* Ends every credential and token identity at once; a rollback keeps it ended. */
void
identity_end_all(void)
{
	revoke_all_identities();
	set_identity_setting("", false);
	pending_clear = false;
}

/* Notes whether a session_identity_roles row names the role. */
static void
session_role_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	*(bool *) arg = true;
}

/*
 * Refuses a session-scope identity unless a DBA allowed it for the role that
 * authenticates: behind a pool, a session outlives the client that
 * authenticated on it, and the next client would inherit the identity.
 */
void
identity_check_session_scope(void)
{
	Oid			role = GetOuterUserId();
	char	   *rolename = GetUserNameFromId(role, false);
	NameData	key;
	bool		allowed = false;

	namestrcpy(&key, rolename);
	catalog_scan(EXT_SESSION_IDENTITY_ROLES, EXT_IDX_SESSION_IDENTITY_ROLES_PKEY,
				 catalog_attnum(EXT_SESSION_IDENTITY_ROLES, "role_name"),
				 NameGetDatum(&key), F_NAMEEQ, GetTransactionSnapshot(),
				 session_role_callback, &allowed);
	if (!allowed)
	{
		identity_end_all();
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("session-scope identities are not allowed for role \"%s\"", rolename),
				 errdetail("A session identity outlives the transaction; behind a connection pool the next client of this connection would act as the same user. The session now has no credential or token identity."),
				 errhint("Authenticate per transaction (leave session out), or ask a DBA to run SELECT permissions.allow_session_identity('%s').", rolename)));
	}
}

/* Raises the one error every bad credential gets, after ending identities. */
static void
credential_refused(void)
{
	revoke_all_identities();
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errmsg("invalid API credential"),
			 errdetail("The credential is malformed, unknown, deleted, or its secret does not match; the session now has no credential identity."),
			 errhint("Use the full credential string returned by permissions.create_api_credential().")));
}

/* Hex digit value, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

typedef struct CredentialRow
{
	bool		found;
	int64		user_id;
	uint8		hash[PG_SHA256_DIGEST_LENGTH];
	bool		hash_ok;
} CredentialRow;

/* Copies the interesting columns of an api_credentials row. */
static void
credential_row_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	CredentialRow *row = (CredentialRow *) arg;
	bool		isnull;
	Datum		d;

	row->found = true;
	row->user_id = 0;
	(void) catalog_int8(tuple, desc, EXT_API_CREDENTIALS, "user_id", &row->user_id);
	d = catalog_column(tuple, desc, EXT_API_CREDENTIALS, "secret_hash", &isnull);
	if (!isnull)
	{
		bytea	   *b = DatumGetByteaPP(d);

		if (VARSIZE_ANY_EXHDR(b) == PG_SHA256_DIGEST_LENGTH)
		{
			memcpy(row->hash, VARDATA_ANY(b), PG_SHA256_DIGEST_LENGTH);
			row->hash_ok = true;
		}
	}
}

/* Notes whether a users row is active. */
static void
user_active_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	bool		isnull;
	Datum		d = catalog_column(tuple, desc, EXT_USERS, "active", &isnull);

	*(bool *) arg = !isnull && DatumGetBool(d);
}

/*
 * Records a use of a credential in api_credential_uses.last_used_at, through
 * permissions.touch_api_credential() run as a superuser (the function is not
 * executable by PUBLIC).  The update never waits for a row lock and moves
 * neither the access epoch nor the audit log.  It is skipped where it could
 * fail: read-only transactions, hot standbys, and transactions with a
 * transaction snapshot, where a concurrent use would be a serialization
 * failure.
 */
static void
record_credential_use(int64 cred_id)
{
	static SPIPlanPtr plan = NULL;

	if (XactReadOnly || RecoveryInProgress() || IsolationUsesXactSnapshot() ||
		IsInParallelMode())
		return;
	catalog_run_as_superuser(&plan, "SELECT permissions.touch_api_credential($1)",
							 cred_id, SPI_OK_SELECT);
}

/*
 * permissions.authenticate(credential text, session boolean) returns bigint
 *		Makes the session act as the credential's user, for the transaction
 *		(default) or the session.  Any failure ends every credential identity.
 */
Datum
identity_authenticate(PG_FUNCTION_ARGS)
{
	text	   *cred_text;
	char	   *cred;
	bool		session = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	char	   *p;
	char	   *endp;
	int64		cred_id;
	uint8		secret[SECRET_BYTES];
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	CredentialRow row = {0};
	bool		active = false;
	Snapshot	snapshot;
	Identity	ident;
	int			i;

	if (PG_ARGISNULL(0))
		credential_refused();
	cred_text = PG_GETARG_TEXT_PP(0);
	cred = text_to_cstring(cred_text);

	/* pm_<id>_<64 hex digits> */
	if (strncmp(cred, CREDENTIAL_PREFIX, strlen(CREDENTIAL_PREFIX)) != 0)
		credential_refused();
	p = cred + strlen(CREDENTIAL_PREFIX);
	if (*p < '1' || *p > '9')
		credential_refused();
	errno = 0;
	cred_id = strtoll(p, &endp, 10);
	if (errno != 0 || *endp != '_' || cred_id <= 0)
		credential_refused();
	p = endp + 1;
	if (strlen(p) != SECRET_BYTES * 2)
		credential_refused();
	for (i = 0; i < SECRET_BYTES; i++)
	{
		int			hi = hexval(p[2 * i]);
		int			lo = hexval(p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			credential_refused();
		secret[i] = (uint8) ((hi << 4) | lo);
	}

	snapshot = GetTransactionSnapshot();
	catalog_scan(EXT_API_CREDENTIALS, EXT_IDX_API_CREDENTIALS_PKEY,
				 catalog_attnum(EXT_API_CREDENTIALS, "id"),
				 Int64GetDatum(cred_id), F_INT8EQ, snapshot,
				 credential_row_callback, &row);
	jws_sha256(secret, SECRET_BYTES, digest);
	if (!row.found || !row.hash_ok ||
		CRYPTO_memcmp(digest, row.hash, PG_SHA256_DIGEST_LENGTH) != 0)
		credential_refused();

	catalog_scan(EXT_USERS, EXT_IDX_USERS_PKEY,
				 catalog_attnum(EXT_USERS, "id"),
				 Int64GetDatum(row.user_id), F_INT8EQ, snapshot,
				 user_active_callback, &active);
	if (!active)
	{
		revoke_all_identities();
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("user of API credential %lld is inactive", (long long) cred_id),
				 errdetail("Inactive users have no identity; the session now has no credential identity."),
				 errhint("Ask a user manager to reactivate the user.")));
	}

	if (session)
		identity_check_session_scope();

	record_credential_use(cred_id);

	memset(&ident, 0, sizeof(ident));
	ident.source = IDENTITY_CREDENTIAL;
	ident.ref_id = cred_id;
	ident.user_id = row.user_id;
	ident.expires_at = DT_NOEND;
	identity_establish(&ident, session);

	PG_RETURN_INT64(row.user_id);
}

/*
 * permissions.logout() returns void
 *		Ends the credential or token identity at once; a later rollback does
 *		not undo it.
 */
Datum
identity_logout(PG_FUNCTION_ARGS)
{
	identity_end_all();
	PG_RETURN_VOID();
}

/*
 * permissions.new_api_secret() returns text
 *		A fresh random secret in hex, for create_api_credential().
 */
Datum
identity_new_secret(PG_FUNCTION_ARGS)
{
	uint8		buf[SECRET_BYTES];
	char		hex[SECRET_BYTES * 2 + 1];
	int			i;

	if (!pg_strong_random(buf, sizeof(buf)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random API secret")));
	for (i = 0; i < SECRET_BYTES; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}

/*
 * permissions.hash_api_secret(secret text) returns bytea
 *		SHA-256 of a hex secret, the only form of it that is stored.
 */
Datum
identity_hash_secret(PG_FUNCTION_ARGS)
{
	char	   *hex = text_to_cstring(PG_GETARG_TEXT_PP(0));
	uint8		secret[SECRET_BYTES];
	bytea	   *result;
	int			i;

	if (strlen(hex) != SECRET_BYTES * 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("API secret must be %d hexadecimal digits", SECRET_BYTES * 2),
				 errhint("Use permissions.new_api_secret() to make one.")));
	for (i = 0; i < SECRET_BYTES; i++)
	{
		int			hi = hexval(hex[2 * i]);
		int			lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("API secret must be %d lowercase hexadecimal digits", SECRET_BYTES * 2),
					 errhint("Use permissions.new_api_secret() to make one.")));
		secret[i] = (uint8) ((hi << 4) | lo);
	}
	result = (bytea *) palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	SET_VARSIZE(result, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	jws_sha256(secret, SECRET_BYTES, (uint8 *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}
