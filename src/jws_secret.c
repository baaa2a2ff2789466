/*
 * jws_secret.c
 *		Which byte strings may be HS256 secrets: at least 256 bits, and never
 *		a key that is (or could be) public.
 *
 * Whoever holds an HS256 secret signs tokens.  A public key registered as a
 * secret, in whatever encoding it was pasted, therefore lets everyone who
 * has the public key sign tokens (the classic algorithm confusion).  A
 * secret is refused when it, or anything it decodes to, reads as a key:
 *
 *	- decodings tried, nested up to MAX_DEPTH deep: the bytes themselves,
 *	  base64 and base64url (padded or not, whitespace and newlines ignored),
 *	  hex, and the "k" of a JSON Web Key of kty "oct";
 *	- what counts as a key: PEM armour of any kind, anything OpenSSL's
 *	  decoders read as a key in any of their formats (DER SubjectPublicKeyInfo,
 *	  PKCS #1, PKCS #8, type-specific, MSBLOB, PVK), an X.509 certificate, an
 *	  OpenSSH public key line, a JSON Web Key or key set of any other kty,
 *	  an uncompressed EC point of a named curve.
 *
 * A raw Ed25519 public key is 32 bytes like any random secret, so it cannot
 * be told apart by its form; jws_secret_holds_key() compares a secret with
 * the keys already registered instead (token_keys triggers use it both
 * ways).
 */
#include "postgres.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "jws.h"

#define MAX_DEPTH 3
#define MAX_CANDIDATES 64
#define MAX_RAW_FORMS 8

/* One reading of the secret, and how it was reached. */
typedef struct Candidate
{
	const unsigned char *data;
	int			len;
	const char *how;			/* "", "base64", "hex", ... (for messages) */
} Candidate;

typedef struct CandidateList
{
	Candidate	items[MAX_CANDIDATES];
	int			n;
} CandidateList;

/* Whether a byte is JSON/base64 whitespace. */
static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The bytes without whitespace, palloc'd and NUL-terminated. */
static char *
strip_spaces(const unsigned char *s, int len, int *outlen)
{
	char	   *out = palloc(len + 1);
	int			n = 0;
	int			i;

	for (i = 0; i < len; i++)
		if (!is_space(s[i]))
			out[n++] = (char) s[i];
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* Decodes base64 of either alphabet, padded or not; false when it is neither. */
static bool
decode_base64_any(const char *s, int len, unsigned char **out, int *outlen)
{
	char	   *t;
	int			i;
	bool		std = false,
				url = false;

	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len < 4)
		return false;
	t = palloc(len + 1);
	for (i = 0; i < len; i++)
	{
		char		ch = s[i];

		if (ch == '+' || ch == '/')
		{
			std = true;
			ch = (ch == '+') ? '-' : '_';
		}
		else if (ch == '-' || ch == '_')
			url = true;
		t[i] = ch;
	}
	if (std && url)
		return false;
	return jws_base64url_decode(t, len, out, outlen);
}

/* The value of a hex digit, or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex of at least 32 bytes; false otherwise. */
static bool
decode_hex(const char *s, int len, unsigned char **out, int *outlen)
{
	unsigned char *buf;
	int			i;

	if (len < 2 * JWS_MIN_SECRET_LEN || len % 2 != 0)
		return false;
	buf = palloc(len / 2 + 1);
	for (i = 0; i < len; i += 2)
	{
		int			hi = hex_value(s[i]),
					lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		buf[i / 2] = (unsigned char) (hi << 4 | lo);
	}
	*out = buf;
	*outlen = len / 2;
	return true;
}

/* Adds a reading and every reading nested in it, depth first. */
static void
collect(CandidateList *list, const unsigned char *data, int len, const char *how, int depth)
{
	char	   *stripped;
	int			slen;
	unsigned char *dec;
	int			declen;

	if (list->n == MAX_CANDIDATES || len <= 0)
		return;
	list->items[list->n].data = data;
	list->items[list->n].len = len;
	list->items[list->n].how = how;
	list->n++;
	if (depth >= MAX_DEPTH)
		return;
	stripped = strip_spaces(data, len, &slen);
	if (decode_base64_any(stripped, slen, &dec, &declen))
		collect(list, dec, declen, depth == 0 ? "base64" : psprintf("%s of %s", "base64", how), depth + 1);
	if (decode_hex(stripped, slen, &dec, &declen))
		collect(list, dec, declen, depth == 0 ? "hex" : psprintf("%s of %s", "hex", how), depth + 1);
	if (slen > 0 && stripped[0] == '{')
	{
		JwsField	f[2] = {{.name = "kty"}, {.name = "k"}};

		if (jws_json_fields(stripped, slen, f, 2) && f[0].kind == JWS_STRING &&
			strcmp(f[0].str, "oct") == 0 && f[1].kind == JWS_STRING &&
			jws_base64url_decode(f[1].str, f[1].str_len, &dec, &declen))
			collect(list, dec, declen, "the \"k\" of a JSON Web Key", depth + 1);
	}
}

/* Whether data starts with prefix. */
static bool
starts_with(const unsigned char *data, int len, const char *prefix)
{
	int			plen = strlen(prefix);

	return len >= plen && CRYPTO_memcmp(data, prefix, plen) == 0;
}

/* Whether data contains needle. */
static bool
contains(const unsigned char *data, int len, const void *needle, int nlen)
{
	int			i;

	if (nlen <= 0 || nlen > len)
		return false;
	for (i = 0; i + nlen <= len; i++)
		if (CRYPTO_memcmp(data + i, needle, nlen) == 0)
			return true;
	return false;
}

/* Whether OpenSSL's decoders read the bytes as a key of any type, in any format. */
static bool
decodes_as_key(const unsigned char *data, int len)
{
	EVP_PKEY   *pkey = NULL;
	OSSL_DECODER_CTX *dctx;
	const unsigned char *p = data;
	size_t		plen = len;
	bool		found;

	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL,
										 0,	/* any selection: public, private, parameters */
										 NULL, NULL);
	found = dctx != NULL && OSSL_DECODER_from_data(dctx, &p, &plen) == 1 && pkey != NULL;
	EVP_PKEY_free(pkey);
	OSSL_DECODER_CTX_free(dctx);
	ERR_clear_error();
	return found;
}

/* Whether the bytes are a DER X.509 certificate. */
static bool
decodes_as_certificate(const unsigned char *data, int len)
{
	const unsigned char *p = data;
	X509	   *cert = d2i_X509(NULL, &p, len);
	bool		found = cert != NULL;

	X509_free(cert);
	ERR_clear_error();
	return found;
}

/* Whether the bytes are an uncompressed point of a named prime curve. */
static bool
decodes_as_ec_point(const unsigned char *data, int len)
{
	static const struct
	{
		const char *group;
		int			len;
	}			curves[] = {
		{"prime256v1", 65}, {"secp384r1", 97}, {"secp521r1", 133}, {"secp256k1", 65}
	};
	int			i;

	if (len < 65 || data[0] != 0x04)
		return false;
	for (i = 0; i < lengthof(curves); i++)
	{
		OSSL_PARAM	params[3];
		EVP_PKEY_CTX *ctx;
		EVP_PKEY   *key = NULL;
		bool		found;

		if (len != curves[i].len)
			continue;
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
													 (char *) curves[i].group, 0);
		params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
													  (void *) data, len);
		params[2] = OSSL_PARAM_construct_end();
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		found = ctx != NULL && EVP_PKEY_fromdata_init(ctx) == 1 &&
			EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
		EVP_PKEY_CTX_free(ctx);
		if (found)
		{
			EVP_PKEY_CTX *check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

			found = check != NULL && EVP_PKEY_public_check(check) == 1;
			EVP_PKEY_CTX_free(check);
		}
		EVP_PKEY_free(key);
		ERR_clear_error();
		if (found)
			return true;
	}
	return false;
}

/* What kind of key one reading is, or NULL. */
static const char *
key_form(const Candidate *c)
{
	if (contains(c->data, c->len, "-----BEGIN", 10))
		return "a PEM block";
	if (starts_with(c->data, c->len, "ssh-") || starts_with(c->data, c->len, "ecdsa-sha2-") ||
		starts_with(c->data, c->len, "sk-ssh-") || starts_with(c->data, c->len, "sk-ecdsa-"))
		return "an OpenSSH public key";
	if (c->len > 0 && (c->data[0] == '{' || is_space(c->data[0])))
	{
		int			slen;
		char	   *s = strip_spaces(c->data, c->len, &slen);
		JwsField	f[2] = {{.name = "kty"}, {.name = "keys"}};

		if (slen > 0 && s[0] == '{' && jws_json_fields(s, slen, f, 2) &&
			(f[1].kind != JWS_ABSENT ||
			 (f[0].kind != JWS_ABSENT && !(f[0].kind == JWS_STRING && strcmp(f[0].str, "oct") == 0))))
			return "a JSON Web Key";
	}
	if (decodes_as_key(c->data, c->len))
		return "a DER or binary key";
	if (decodes_as_certificate(c->data, c->len))
		return "an X.509 certificate";
	if (decodes_as_ec_point(c->data, c->len))
		return "an elliptic-curve public point";
	return NULL;
}

/*
 * Why bytes may not be an HS256 secret, as a sentence, or NULL when they
 * may: shorter than 256 bits, or a key in some encoding.
 */
const char *
jws_secret_problem(const unsigned char *secret, int len)
{
	CandidateList list;
	int			i;

	if (len < JWS_MIN_SECRET_LEN)
		return psprintf("The secret has %d bytes; an HS256 secret needs at least %d (256 bits).",
						len, JWS_MIN_SECRET_LEN);
	list.n = 0;
	collect(&list, secret, len, "", 0);
	for (i = 0; i < list.n; i++)
	{
		const char *form = key_form(&list.items[i]);

		if (form != NULL)
			return list.items[i].how[0] == '\0' ?
				psprintf("The secret is %s: a key, which whoever has its public part could use to sign tokens.", form) :
				psprintf("The secret, read as %s, is %s: a key, which whoever has its public part could use to sign tokens.",
						 list.items[i].how, form);
	}
	return NULL;
}

/* Adds a byte string to a key's raw forms. */
static void
add_form(unsigned char **forms, int *lens, int *n, unsigned char *data, int len)
{
	if (*n < MAX_RAW_FORMS && data != NULL && len >= 16)
	{
		forms[*n] = data;
		lens[*n] = len;
		(*n)++;
	}
}

/* The byte strings that are a public key's material: raw key, coordinates, modulus, DER. */
static int
raw_forms(JwsKey *key, unsigned char **forms, int *lens)
{
	int			n = 0;
	size_t		len = 0;
	unsigned char *buf;
	unsigned char *der = NULL;
	int			derlen;
	BIGNUM	   *bn = NULL;

	switch (EVP_PKEY_get_base_id(key))
	{
		case EVP_PKEY_ED25519:
			buf = palloc(64);
			len = 64;
			if (EVP_PKEY_get_raw_public_key(key, buf, &len) == 1)
				add_form(forms, lens, &n, buf, len);
			break;
		case EVP_PKEY_EC:
			buf = palloc(160);
			if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
												buf, 160, &len) == 1 && len > 1)
			{
				add_form(forms, lens, &n, buf, len);
				add_form(forms, lens, &n, buf + 1, (len - 1) / 2);
				add_form(forms, lens, &n, buf + 1 + (len - 1) / 2, (len - 1) / 2);
			}
			break;
		case EVP_PKEY_RSA:
			if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &bn) == 1)
			{
				buf = palloc(BN_num_bytes(bn) + 1);
				len = BN_bn2bin(bn, buf);
				add_form(forms, lens, &n, buf, len);
			}
			BN_free(bn);
			break;
	}
	derlen = i2d_PUBKEY(key, &der);
	if (derlen > 0)
	{
		buf = palloc(derlen);
		memcpy(buf, der, derlen);
		add_form(forms, lens, &n, buf, derlen);
	}
	OPENSSL_free(der);
	ERR_clear_error();
	return n;
}

/* base64url (unpadded) of bytes, palloc'd. */
static char *
encode_base64url(const unsigned char *data, int len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char	   *out = palloc(len * 4 / 3 + 4);
	int			n = 0;
	uint32		acc = 0;
	int			bits = 0;
	int			i;

	for (i = 0; i < len; i++)
	{
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 6)
		{
			bits -= 6;
			out[n++] = alphabet[(acc >> bits) & 0x3F];
		}
	}
	if (bits > 0)
		out[n++] = alphabet[(acc << (6 - bits)) & 0x3F];
	out[n] = '\0';
	return out;
}

/* hex of bytes, palloc'd, in lower or upper case. */
static char *
encode_hex(const unsigned char *data, int len, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char	   *out = palloc(len * 2 + 1);
	int			i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 0xF];
	}
	out[len * 2] = '\0';
	return out;
}

/*
 * Whether a secret holds the material of a public key: the key's raw bytes,
 * coordinates, modulus or DER inside any reading of the secret, or their
 * base64, base64url or hex text inside the secret as given.
 */
bool
jws_secret_holds_key(const unsigned char *secret, int len, JwsKey *key)
{
	unsigned char *forms[MAX_RAW_FORMS];
	int			lens[MAX_RAW_FORMS];
	int			nforms = raw_forms(key, forms, lens);
	CandidateList list;
	int			i,
				j;

	list.n = 0;
	collect(&list, secret, len, "", 0);
	for (j = 0; j < nforms; j++)
	{
		char	   *url = encode_base64url(forms[j], lens[j]);
		char	   *std = pstrdup(url);
		char	   *k;

		for (k = std; *k; k++)
			*k = (*k == '-') ? '+' : (*k == '_') ? '/' : *k;
		/* the last base64 digit depends on what follows: leave it out */
		if (contains(secret, len, url, strlen(url) - 1) ||
			contains(secret, len, std, strlen(std) - 1) ||
			contains(secret, len, encode_hex(forms[j], lens[j], false), lens[j] * 2) ||
			contains(secret, len, encode_hex(forms[j], lens[j], true), lens[j] * 2))
			return true;
		for (i = 0; i < list.n; i++)
			if (contains(list.items[i].data, list.items[i].len, forms[j], lens[j]))
				return true;
	}
	return false;
}
