/*
 * jws_crypto.c
 *		Keys and signatures of JSON Web Signatures, with OpenSSL's libcrypto
 *		(the library the server itself links).
 *
 * Each algorithm accepts one kind of key only, checked when a key is read
 * (so a key registered for one algorithm is never used for another):
 *
 *	EdDSA	an Ed25519 public key (RFC 8037) of the prime-order subgroup,
 *			canonically encoded (jws_ed25519.c): never one of small order
 *	ES256	an EC public key on P-256; the JWS signature is R || S, 64 bytes
 *	RS256	an RSA public key of 2048 to 16384 bits, PKCS #1 v1.5 padding
 *	HS256	a shared secret of at least 32 bytes (never a public key)
 *
 * Public keys come as PEM (SubjectPublicKeyInfo) or as a JSON Web Key
 * (RFC 7517) and are stored as PEM.  No function here raises an error on
 * bad input, and none returns with an OpenSSL object it allocated still
 * held, except the key it hands back.
 */
#include "postgres.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "common/cryptohash.h"

#include "jws.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384
#define P256_COORD_LEN 32
#define ED25519_KEY_LEN 32

static const char *const alg_names[] = {"EdDSA", "ES256", "RS256", "HS256"};

/* Maps an "alg" value to an algorithm; false for every other value ("none" too). */
bool
jws_alg_parse(const char *name, JwsAlg *alg)
{
	int			i;

	for (i = 0; i < lengthof(alg_names); i++)
		if (strcmp(name, alg_names[i]) == 0)
		{
			*alg = (JwsAlg) i;
			return true;
		}
	return false;
}

/* The "alg" value of an algorithm. */
const char *
jws_alg_name(JwsAlg alg)
{
	return alg_names[alg];
}

/*
 * SHA-256 of a buffer (out holds JWS_SHA256_LEN bytes): the one digest of
 * the extension's secrets and tokens, PostgreSQL's own implementation.
 */
void
jws_sha256(const void *data, size_t len, unsigned char *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, data, len) < 0 ||
		pg_cryptohash_final(ctx, out, JWS_SHA256_LEN) < 0)
	{
		pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a SHA-256 digest")));
	}
	pg_cryptohash_free(ctx);
}

/* Why a key does not fit an algorithm, or NULL when it does. */
static const char *
key_problem(EVP_PKEY *key, JwsAlg alg)
{
	const char *problem = NULL;
	EVP_PKEY_CTX *ctx;

	switch (alg)
	{
		case JWS_ALG_EDDSA:
			if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519)
				problem = "EdDSA needs an Ed25519 public key.";
			else
			{
				unsigned char raw[ED25519_KEY_LEN];
				size_t		rawlen = sizeof(raw);
				const char *why;

				if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1 ||
					rawlen != ED25519_KEY_LEN)
					problem = "The Ed25519 public key cannot be read.";
				else if ((why = jws_ed25519_key_problem(raw)) != NULL)
					problem = psprintf("The Ed25519 public key %s.", why);
			}
			break;
		case JWS_ALG_ES256:
			{
				char		group[64];
				size_t		glen = 0;

				if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
					EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1 ||
					strcmp(group, "prime256v1") != 0)
					problem = "ES256 needs an EC public key on the curve P-256 (prime256v1).";
				break;
			}
		case JWS_ALG_RS256:
			if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
				EVP_PKEY_get_bits(key) < RSA_MIN_BITS ||
				EVP_PKEY_get_bits(key) > RSA_MAX_BITS)
				problem = "RS256 needs an RSA public key of 2048 to 16384 bits.";
			break;
		case JWS_ALG_HS256:
			problem = "HS256 uses a shared secret, never a public key.";
			break;
	}
	if (problem == NULL)
	{
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
		if (ctx == NULL || EVP_PKEY_public_check(ctx) != 1)
			problem = "The public key fails OpenSSL's consistency check.";
		EVP_PKEY_CTX_free(ctx);
	}
	ERR_clear_error();
	return problem;
}

/* A password callback that gives none: a public key never needs one. */
static int
no_password(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

/*
 * Reads a PEM public key (SubjectPublicKeyInfo) for an algorithm; NULL,
 * with the reason in *problem, when it is not one or does not fit.
 */
JwsKey *
jws_key_from_pem(const char *pem, int len, JwsAlg alg, const char **problem)
{
	BIO		   *bio = BIO_new_mem_buf(pem, len);
	EVP_PKEY   *key = NULL;

	*problem = NULL;
	if (bio != NULL)
		key = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (key == NULL)
	{
		*problem = "The key is not a PEM public key (-----BEGIN PUBLIC KEY-----).";
		return NULL;
	}
	*problem = key_problem(key, alg);
	if (*problem != NULL)
	{
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* Decodes a base64url member of a JWK of an expected length (0: any, up to max). */
static bool
jwk_bytes(JwsField *f, int expected, int max, unsigned char **out, int *outlen)
{
	if (f->kind != JWS_STRING ||
		!jws_base64url_decode(f->str, f->str_len, out, outlen))
		return false;
	if (expected > 0 ? *outlen != expected : (*outlen == 0 || *outlen > max))
		return false;
	return true;
}

/* Builds a key from OpenSSL parameters of a key type. */
static EVP_PKEY *
key_from_params(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY   *key = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	return key;
}

/* An RSA public key from its modulus and exponent (big-endian bytes). */
static EVP_PKEY *
rsa_key(const unsigned char *n, int nlen, const unsigned char *e, int elen)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM	   *bn_n = BN_bin2bn(n, nlen, NULL);
	BIGNUM	   *bn_e = BN_bin2bn(e, elen, NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY   *key = NULL;

	if (bld != NULL && bn_n != NULL && bn_e != NULL &&
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1 &&
		(params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
		key = key_from_params("RSA", params);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return key;
}

/* A P-256 public key from its coordinates. */
static EVP_PKEY *
p256_key(const unsigned char *x, const unsigned char *y)
{
	unsigned char point[1 + 2 * P256_COORD_LEN];
	char		group[] = "prime256v1";
	OSSL_PARAM	params[3];

	point[0] = 0x04;			/* uncompressed */
	memcpy(point + 1, x, P256_COORD_LEN);
	memcpy(point + 1 + P256_COORD_LEN, y, P256_COORD_LEN);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	return key_from_params("EC", params);
}

/*
 * Reads a public JSON Web Key (kty OKP with crv Ed25519, EC with crv P-256,
 * or RSA) for an algorithm; NULL, with the reason in *problem, when it is
 * not one, holds a private part, or does not fit.
 */
JwsKey *
jws_key_from_jwk(const char *json, int len, JwsAlg alg, const char **problem)
{
	enum
	{
		F_KTY, F_CRV, F_X, F_Y, F_N, F_E, F_ALG, F_USE,
		F_D, F_K, F_P, F_Q, F_DP, F_DQ, F_QI, F_OTH, NFIELDS
	};
	JwsField	f[NFIELDS] = {
		{.name = "kty"}, {.name = "crv"}, {.name = "x"}, {.name = "y"},
		{.name = "n"}, {.name = "e"}, {.name = "alg"}, {.name = "use"},
		{.name = "d"}, {.name = "k"}, {.name = "p"}, {.name = "q"},
		{.name = "dp"}, {.name = "dq"}, {.name = "qi"}, {.name = "oth"}
	};
	int			i;
	unsigned char *a = NULL,
			   *b = NULL;
	int			alen,
				blen;
	EVP_PKEY   *key = NULL;

	*problem = NULL;
	if (!jws_json_fields(json, len, f, NFIELDS) || f[F_KTY].kind != JWS_STRING)
	{
		*problem = "The key is not a JSON Web Key (a JSON object with \"kty\").";
		return NULL;
	}
	for (i = F_D; i < NFIELDS; i++)
		if (f[i].kind != JWS_ABSENT)
		{
			*problem = psprintf("The JSON Web Key holds private or secret material (\"%s\"); register the public key only.",
								f[i].name);
			return NULL;
		}
	/* RFC 9864 names the Ed25519 algorithm "Ed25519" as well */
	if (f[F_ALG].kind != JWS_ABSENT &&
		(f[F_ALG].kind != JWS_STRING ||
		 (strcmp(f[F_ALG].str, jws_alg_name(alg)) != 0 &&
		  !(alg == JWS_ALG_EDDSA && strcmp(f[F_ALG].str, "Ed25519") == 0))))
	{
		*problem = "The JSON Web Key names another algorithm in \"alg\".";
		return NULL;
	}
	if (f[F_USE].kind != JWS_ABSENT &&
		(f[F_USE].kind != JWS_STRING || strcmp(f[F_USE].str, "sig") != 0))
	{
		*problem = "The JSON Web Key is not for signatures (\"use\" is not \"sig\").";
		return NULL;
	}
	if (strcmp(f[F_KTY].str, "OKP") == 0)
	{
		if (f[F_CRV].kind == JWS_STRING && strcmp(f[F_CRV].str, "Ed25519") == 0 &&
			jwk_bytes(&f[F_X], ED25519_KEY_LEN, 0, &a, &alen))
			key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a, alen);
	}
	else if (strcmp(f[F_KTY].str, "EC") == 0)
	{
		if (f[F_CRV].kind == JWS_STRING && strcmp(f[F_CRV].str, "P-256") == 0 &&
			jwk_bytes(&f[F_X], P256_COORD_LEN, 0, &a, &alen) &&
			jwk_bytes(&f[F_Y], P256_COORD_LEN, 0, &b, &blen))
			key = p256_key(a, b);
	}
	else if (strcmp(f[F_KTY].str, "RSA") == 0)
	{
		if (jwk_bytes(&f[F_N], 0, RSA_MAX_BITS / 8, &a, &alen) &&
			jwk_bytes(&f[F_E], 0, 8, &b, &blen))
			key = rsa_key(a, alen, b, blen);
	}
	ERR_clear_error();
	if (key == NULL)
	{
		*problem = "The JSON Web Key is not an Ed25519 (OKP), P-256 (EC) or RSA public key with valid members.";
		return NULL;
	}
	*problem = key_problem(key, alg);
	if (*problem != NULL)
	{
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

/* The PEM text (SubjectPublicKeyInfo) of a public key, palloc'd; NULL on failure. */
char *
jws_key_to_pem(JwsKey *key)
{
	BIO		   *bio = BIO_new(BIO_s_mem());
	char	   *data;
	long		len;
	char	   *result = NULL;

	if (bio != NULL && PEM_write_bio_PUBKEY(bio, key) == 1)
	{
		len = BIO_get_mem_data(bio, &data);
		if (len > 0)
		{
			result = palloc(len + 1);
			memcpy(result, data, len);
			result[len] = '\0';
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	return result;
}

/* Releases a key. */
void
jws_key_free(JwsKey *key)
{
	EVP_PKEY_free(key);
}

/* Verifies a signature with EVP_DigestVerify (md NULL for Ed25519). */
static bool
digest_verify(EVP_PKEY *key, const EVP_MD *md, const unsigned char *sig, size_t sig_len,
			  const char *input, int input_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool		ok;

	ok = ctx != NULL &&
		EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
		EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *) input, input_len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

/* Verifies an ES256 signature: R || S, converted to the DER form OpenSSL checks. */
static bool
es256_verify(EVP_PKEY *key, const unsigned char *sig, int sig_len,
			 const char *input, int input_len)
{
	ECDSA_SIG  *ecsig;
	BIGNUM	   *r;
	BIGNUM	   *s;
	unsigned char *der = NULL;
	int			der_len;
	bool		ok = false;

	if (sig_len != 2 * P256_COORD_LEN)
		return false;
	ecsig = ECDSA_SIG_new();
	r = BN_bin2bn(sig, P256_COORD_LEN, NULL);
	s = BN_bin2bn(sig + P256_COORD_LEN, P256_COORD_LEN, NULL);
	if (ecsig == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(ecsig, r, s) != 1)
	{
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(ecsig);
		return false;
	}
	der_len = i2d_ECDSA_SIG(ecsig, &der);
	if (der_len > 0)
		ok = digest_verify(key, EVP_sha256(), der, der_len, input, input_len);
	OPENSSL_free(der);
	ECDSA_SIG_free(ecsig);
	return ok;
}

/*
 * Verifies the signature of a JWS signing input with a key of the given
 * algorithm (key for the public-key algorithms, secret for HS256).
 */
bool
jws_verify(JwsAlg alg, JwsKey *key, const unsigned char *secret, int secret_len,
		   const char *input, int input_len, const unsigned char *sig, int sig_len)
{
	bool		ok = false;

	switch (alg)
	{
		case JWS_ALG_EDDSA:
			ok = key != NULL && sig_len == 64 &&
				digest_verify(key, NULL, sig, sig_len, input, input_len);
			break;
		case JWS_ALG_ES256:
			ok = key != NULL && es256_verify(key, sig, sig_len, input, input_len);
			break;
		case JWS_ALG_RS256:
			ok = key != NULL && sig_len == EVP_PKEY_get_size(key) &&
				digest_verify(key, EVP_sha256(), sig, sig_len, input, input_len);
			break;
		case JWS_ALG_HS256:
			{
				unsigned char mac[EVP_MAX_MD_SIZE];
				unsigned int mac_len = 0;

				ok = secret != NULL && secret_len >= JWS_MIN_SECRET_LEN &&
					sig_len == JWS_SHA256_LEN &&
					HMAC(EVP_sha256(), secret, secret_len,
						 (const unsigned char *) input, input_len, mac, &mac_len) != NULL &&
					mac_len == JWS_SHA256_LEN &&
					CRYPTO_memcmp(mac, sig, JWS_SHA256_LEN) == 0;
				break;
			}
	}
	ERR_clear_error();
	return ok;
}
