/*
 * token_admin.c
 *		What registration asks of key material, for the SQL functions and
 *		triggers of token_keys: a public key read (PEM or JSON Web Key),
 *		checked for its algorithm and stored as PEM; an HS256 secret taken
 *		as bytes and refused when it is short or a key in any encoding; and
 *		whether a secret holds a public key's material.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "jws.h"
#include "pg_compat.h"

PG_FUNCTION_INFO_V1(token_public_key);
PG_FUNCTION_INFO_V1(token_shared_secret);
PG_FUNCTION_INFO_V1(token_secret_problem);
PG_FUNCTION_INFO_V1(token_secret_holds_key);

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

/* Reads a PEM or JWK public key for an algorithm, raising a clear error when it does not fit. */
static JwsKey *
read_public_key(const char *algname, text *keyarg)
{
	int			len;
	char	   *keytext = trimmed_argument(keyarg, &len);
	JwsAlg		alg;
	JwsKey	   *key;
	const char *problem;

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
	return key;
}

/*
 * permissions.token_public_key(algorithm text, key text) returns text
 *		Internal, for the token_keys trigger: checks that a PEM or JWK public
 *		key fits an algorithm (an Ed25519 key of the prime-order subgroup, a
 *		P-256 point, RSA of 2048 bits or more) and returns it as PEM
 *		(SubjectPublicKeyInfo).
 */
Datum
token_public_key(PG_FUNCTION_ARGS)
{
	char	   *algname = text_to_cstring(PG_GETARG_TEXT_PP(0));
	JwsKey	   *key = read_public_key(algname, PG_GETARG_TEXT_PP(1));
	char	   *pem = jws_key_to_pem(key);

	jws_key_free(key);
	if (pem == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write the public key as PEM")));
	PG_RETURN_TEXT_P(cstring_to_text(pem));
}

/* Raises the error of a secret that may not be an HS256 secret. */
static void
refuse_secret(const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unacceptable HS256 secret"),
			 errdetail("%s", problem),
			 errhint("Register public keys with their own algorithm (EdDSA, ES256 or RS256); generate a secret with, for example, openssl rand -base64 48.")));
}

/*
 * permissions.token_shared_secret(secret text) returns bytea
 *		Internal, for register_token_key(): the bytes of an HS256 secret,
 *		given as text (its UTF-8 bytes, as JWT libraries take it) or as a
 *		JWK of kty "oct".  Refuses anything short or that reads as a key
 *		(jws_secret.c): a public key used as a shared secret lets anyone
 *		sign tokens.
 */
Datum
token_shared_secret(PG_FUNCTION_ARGS)
{
	int			len;
	char	   *s = trimmed_argument(PG_GETARG_TEXT_PP(0), &len);
	unsigned char *bytes = (unsigned char *) s;
	int			nbytes = len;
	const char *problem;
	bytea	   *result;

	if (s[0] == '{')
	{
		JwsField	f[2] = {{.name = "kty"}, {.name = "k"}};

		if (jws_json_fields(s, len, f, 2) && f[0].kind == JWS_STRING &&
			strcmp(f[0].str, "oct") == 0 && f[1].kind == JWS_STRING &&
			jws_base64url_decode(f[1].str, f[1].str_len, &bytes, &nbytes))
			;					/* the secret is the "k" of an oct JWK */
		else
			refuse_secret("A JSON object given as an HS256 secret must be a JSON Web Key of kty \"oct\" with a base64url \"k\"; any other JSON Web Key is a public or private key.");
	}
	if ((problem = jws_secret_problem(bytes, nbytes)) != NULL)
		refuse_secret(problem);
	result = (bytea *) palloc(VARHDRSZ + nbytes);
	SET_VARSIZE(result, VARHDRSZ + nbytes);
	memcpy(VARDATA(result), bytes, nbytes);
	PG_RETURN_BYTEA_P(result);
}

/*
 * permissions.token_secret_problem(secret bytea) returns text
 *		Internal, for the token_keys trigger: why bytes may not be an HS256
 *		secret, or NULL when they may.
 */
Datum
token_secret_problem(PG_FUNCTION_ARGS)
{
	bytea	   *secret = PG_GETARG_BYTEA_PP(0);
	const char *problem = jws_secret_problem((unsigned char *) VARDATA_ANY(secret),
											 VARSIZE_ANY_EXHDR(secret));

	if (problem == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(problem));
}

/*
 * permissions.token_secret_holds_key(secret bytea, algorithm text, public_key text) returns boolean
 *		Internal, for the token_keys trigger: whether an HS256 secret holds
 *		the material of a registered public key in some encoding (a raw
 *		Ed25519 key is 32 bytes like any secret, so only a comparison finds
 *		it).  False for a public key that cannot be read.
 */
Datum
token_secret_holds_key(PG_FUNCTION_ARGS)
{
	bytea	   *secret = PG_GETARG_BYTEA_PP(0);
	char	   *algname = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *pem = text_to_cstring(PG_GETARG_TEXT_PP(2));
	JwsAlg		alg;
	JwsKey	   *key;
	const char *problem;
	bool		holds;

	if (!jws_alg_parse(algname, &alg) || alg == JWS_ALG_HS256 ||
		(key = jws_key_from_pem(pem, strlen(pem), alg, &problem)) == NULL)
		PG_RETURN_BOOL(false);
	holds = jws_secret_holds_key((unsigned char *) VARDATA_ANY(secret),
								 VARSIZE_ANY_EXHDR(secret), key);
	jws_key_free(key);
	PG_RETURN_BOOL(holds);
}
