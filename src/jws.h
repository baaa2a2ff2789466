/*
 * jws.h
 *		JSON Web Signatures (RFC 7515, compact serialization): splitting a
 *		token, strict base64url, a strict JSON reader that extracts the
 *		top-level members a caller asks for (jws.c), the keys and
 *		signature algorithms of RFC 7518 and RFC 8037 (jws_crypto.c), which
 *		Ed25519 points are acceptable keys (jws_ed25519.c), and which byte
 *		strings may be HS256 secrets (jws_secret.c).
 *		Nothing here raises an error on bad input: every function reports
 *		it by returning false or NULL.
 */
#ifndef PERMISSIONS_JWS_H
#define PERMISSIONS_JWS_H

/* Longest token accepted, in bytes. */
#define JWS_MAX_TOKEN_LEN 16384

/* What a requested member turned out to hold. */
typedef enum JwsValueKind
{
	JWS_ABSENT = 0,				/* the member is not there */
	JWS_STRING,
	JWS_NUMBER,
	JWS_STRING_ARRAY,			/* an array whose elements are all strings */
	JWS_OTHER					/* true, false, null, an object, a mixed array */
} JwsValueKind;

/* One top-level member a caller wants: name in, value out. */
typedef struct JwsField
{
	const char *name;
	JwsValueKind kind;
	char	   *str;			/* JWS_STRING: decoded, NUL-terminated */
	int			str_len;
	double		num;			/* JWS_NUMBER */
	char	  **items;			/* JWS_STRING_ARRAY */
	int			nitems;
} JwsField;

/* The three parts of a compact JWS, pointing into the token. */
typedef struct JwsParts
{
	const char *header;
	int			header_len;
	const char *payload;
	int			payload_len;
	const char *signature;
	int			signature_len;
	int			signing_input_len;	/* header '.' payload, from the start */
} JwsParts;

/* The signature algorithms accepted ("alg" header values). */
typedef enum JwsAlg
{
	JWS_ALG_EDDSA = 0,			/* Ed25519 */
	JWS_ALG_ES256,				/* ECDSA on P-256 with SHA-256 */
	JWS_ALG_RS256,				/* RSASSA-PKCS1-v1_5 with SHA-256 */
	JWS_ALG_HS256				/* HMAC with SHA-256: a shared secret */
} JwsAlg;

#define JWS_SHA256_LEN 32
#define JWS_MIN_SECRET_LEN 32	/* RFC 7518 3.2: at least the hash size */

/* An OpenSSL public key (EVP_PKEY), kept opaque to the callers. */
struct evp_pkey_st;
typedef struct evp_pkey_st JwsKey;

extern bool jws_split(const char *token, int len, JwsParts *parts);
extern bool jws_base64url_decode(const char *in, int len, unsigned char **out, int *outlen);
extern bool jws_json_fields(const char *json, int len, JwsField *fields, int nfields);
extern bool jws_json_member(const char *json, int len, const char *name, JwsField *field,
							int *count);

extern bool jws_alg_parse(const char *name, JwsAlg *alg);
extern const char *jws_alg_name(JwsAlg alg);
extern void jws_sha256(const void *data, size_t len, unsigned char *out);
extern JwsKey *jws_key_from_pem(const char *pem, int len, JwsAlg alg, const char **problem);
extern JwsKey *jws_key_from_jwk(const char *json, int len, JwsAlg alg, const char **problem);
extern char *jws_key_to_pem(JwsKey *key);
extern void jws_key_free(JwsKey *key);
extern const char *jws_ed25519_key_problem(const unsigned char *key);
extern const char *jws_secret_problem(const unsigned char *secret, int len);
extern bool jws_secret_holds_key(const unsigned char *secret, int len, JwsKey *key);
extern bool jws_verify(JwsAlg alg, JwsKey *key,
					   const unsigned char *secret, int secret_len,
					   const char *input, int input_len,
					   const unsigned char *sig, int sig_len);

#endif							/* PERMISSIONS_JWS_H */
