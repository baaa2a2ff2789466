/*
 * jws_ed25519.c
 *		Which 32-byte strings are acceptable Ed25519 public keys (RFC 8032).
 *
 * OpenSSL takes any 32 bytes as an Ed25519 public key and verifies with it.
 * A key of small order (the identity, or any of the 8 points of the torsion
 * subgroup) lets the signature R = identity, S = 0 verify claims of the
 * attacker's choosing, and a non-canonical encoding is a second name for
 * some other point.  So a key is accepted only when it is, by computation
 * rather than by a list:
 *
 *	- canonical: y < p, and not x = 0 with the sign bit set;
 *	- on the curve: x^2 = (y^2 - 1) / (d y^2 + 1) has a root;
 *	- not of small order: [8]A is not the identity;
 *	- in the prime-order subgroup: [L]A is the identity (a key made the
 *	  usual way, [a]B, always is; one with a torsion component is not).
 *
 * The arithmetic uses OpenSSL's BIGNUM modulo p in Montgomery form with
 * projective twisted Edwards coordinates and the unified addition law
 * (complete on this curve: a = -1 is a square and d is not), so doubling
 * needs no special case.  It runs once per key read, not per signature.
 */
#include "postgres.h"

#include <openssl/bn.h>
#include <openssl/err.h>

#include "jws.h"

/* p = 2^255 - 19, d = -121665/121666 mod p, L = 2^252 + 27742317777372353535851937790883648493 */
static const char *const P_HEX = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
static const char *const D_HEX = "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";
static const char *const L_HEX = "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed";

/* A point in projective coordinates: x = X/Z, y = Y/Z. */
typedef struct EdPoint
{
	BIGNUM	   *X;
	BIGNUM	   *Y;
	BIGNUM	   *Z;
} EdPoint;

/* The constants and scratch space of one check. */
typedef struct EdCurve
{
	BN_CTX	   *ctx;
	BN_MONT_CTX *mont;			/* Montgomery multiplication modulo p */
	BIGNUM	   *p;
	BIGNUM	   *d;				/* d, in Montgomery form once the point is decoded */
	BIGNUM	   *t[8];
} EdCurve;

/* Allocates the three coordinates of a point from the curve's context. */
static bool
point_init(EdCurve *c, EdPoint *pt)
{
	pt->X = BN_CTX_get(c->ctx);
	pt->Y = BN_CTX_get(c->ctx);
	pt->Z = BN_CTX_get(c->ctx);
	return pt->Z != NULL;
}

/*
 * r = a + b with the unified law, all in Montgomery form (r may be a or b);
 * false on an allocation failure.
 */
static bool
point_add(EdCurve *c, EdPoint *r, const EdPoint *a, const EdPoint *b)
{
	BIGNUM	   *A = c->t[0],
			   *B = c->t[1],
			   *C = c->t[2],
			   *D = c->t[3],
			   *E = c->t[4],
			   *F = c->t[5],
			   *G = c->t[6],
			   *H = c->t[7];
	BN_CTX	   *ctx = c->ctx;
	BN_MONT_CTX *m = c->mont;
	const BIGNUM *p = c->p;

	return BN_mod_mul_montgomery(A, a->Z, b->Z, m, ctx) &&	/* A = Z1 Z2 */
		BN_mod_mul_montgomery(B, A, A, m, ctx) &&	/* B = A^2 */
		BN_mod_mul_montgomery(C, a->X, b->X, m, ctx) &&	/* C = X1 X2 */
		BN_mod_mul_montgomery(D, a->Y, b->Y, m, ctx) &&	/* D = Y1 Y2 */
		BN_mod_mul_montgomery(E, C, D, m, ctx) &&
		BN_mod_mul_montgomery(E, E, c->d, m, ctx) &&	/* E = d C D */
		BN_mod_sub_quick(F, B, E, p) &&	/* F = B - E */
		BN_mod_add_quick(G, B, E, p) &&	/* G = B + E */
		BN_mod_add_quick(H, a->X, a->Y, p) &&
		BN_mod_add_quick(E, b->X, b->Y, p) &&
		BN_mod_mul_montgomery(H, H, E, m, ctx) &&
		BN_mod_sub_quick(H, H, C, p) &&
		BN_mod_sub_quick(H, H, D, p) &&	/* H = (X1 + Y1)(X2 + Y2) - C - D */
		BN_mod_add_quick(D, D, C, p) &&	/* D + C: D - aC with a = -1 */
		BN_mod_mul_montgomery(r->X, A, F, m, ctx) &&
		BN_mod_mul_montgomery(r->X, r->X, H, m, ctx) &&	/* X3 = A F H */
		BN_mod_mul_montgomery(r->Y, A, G, m, ctx) &&
		BN_mod_mul_montgomery(r->Y, r->Y, D, m, ctx) &&	/* Y3 = A G (D + C) */
		BN_mod_mul_montgomery(r->Z, F, G, m, ctx);	/* Z3 = F G */
}

/* Whether a point is the identity (0, 1); Montgomery form maps 0 to 0 and keeps Y = Z. */
static bool
point_is_identity(const EdPoint *pt)
{
	return BN_is_zero(pt->X) && !BN_is_zero(pt->Z) && BN_cmp(pt->Y, pt->Z) == 0;
}

/* r = [k]a by double-and-add from the top bit (k > 0); false on an allocation failure. */
static bool
point_mul(EdCurve *c, EdPoint *r, const EdPoint *a, const BIGNUM *k)
{
	int			i;

	if (!BN_copy(r->X, a->X) || !BN_copy(r->Y, a->Y) || !BN_copy(r->Z, a->Z))
		return false;
	for (i = BN_num_bits(k) - 2; i >= 0; i--)
	{
		if (!point_add(c, r, r, r))
			return false;
		if (BN_is_bit_set(k, i) && !point_add(c, r, r, a))
			return false;
	}
	return true;
}

/*
 * Decodes a public key (RFC 8032 section 5.1.3) into pt; the reason it is
 * not a canonical encoding of a curve point otherwise.
 */
static const char *
decode_point(EdCurve *c, const unsigned char *key, EdPoint *pt)
{
	unsigned char le[32];
	int			sign = key[31] >> 7;
	BIGNUM	   *y2 = c->t[0],
			   *u = c->t[1],
			   *v = c->t[2];

	memcpy(le, key, 32);
	le[31] &= 0x7f;
	if (BN_lebin2bn(le, 32, pt->Y) == NULL)
		return "could not be decoded";
	if (BN_cmp(pt->Y, c->p) >= 0)
		return "is not canonical: its y coordinate is not below p = 2^255 - 19";
	if (!BN_mod_sqr(y2, pt->Y, c->p, c->ctx) ||
		!BN_sub(u, y2, BN_value_one()) ||
		!BN_mod_mul(v, y2, c->d, c->p, c->ctx) ||
		!BN_mod_add(v, v, BN_value_one(), c->p, c->ctx) ||
		!BN_nnmod(u, u, c->p, c->ctx) ||
		BN_mod_inverse(v, v, c->p, c->ctx) == NULL ||
		!BN_mod_mul(u, u, v, c->p, c->ctx))
		return "could not be decoded";
	if (BN_is_zero(u))
	{
		BN_zero(pt->X);
		if (sign)
			return "is not canonical: x is 0 but its sign bit is set";
	}
	else
	{
		if (BN_mod_sqrt(pt->X, u, c->p, c->ctx) == NULL)
			return "is not a point of the curve";
		if (BN_is_odd(pt->X) != sign && !BN_sub(pt->X, c->p, pt->X))
			return "could not be decoded";
	}
	return BN_one(pt->Z) ? NULL : "could not be decoded";
}

/*
 * Why 32 bytes are not an acceptable Ed25519 public key, as the end of a
 * sentence beginning "The Ed25519 public key ", or NULL when they are.
 */
const char *
jws_ed25519_key_problem(const unsigned char *key)
{
	EdCurve		c;
	EdPoint		a,
				r;
	BIGNUM	   *l = NULL;
	BIGNUM	   *eight;
	const char *problem = "could not be checked";
	int			i;

	memset(&c, 0, sizeof(c));
	c.ctx = BN_CTX_new();
	if (c.ctx == NULL)
		return problem;
	BN_CTX_start(c.ctx);
	for (i = 0; i < lengthof(c.t); i++)
		c.t[i] = BN_CTX_get(c.ctx);
	eight = BN_CTX_get(c.ctx);
	if (c.t[lengthof(c.t) - 1] == NULL || eight == NULL ||
		!point_init(&c, &a) || !point_init(&c, &r) ||
		!BN_hex2bn(&c.p, P_HEX) || !BN_hex2bn(&c.d, D_HEX) || !BN_hex2bn(&l, L_HEX) ||
		!BN_set_word(eight, 8) ||
		(c.mont = BN_MONT_CTX_new()) == NULL || !BN_MONT_CTX_set(c.mont, c.p, c.ctx))
		goto done;
	if ((problem = decode_point(&c, key, &a)) != NULL)
		goto done;
	problem = "could not be checked";
	if (!BN_to_montgomery(a.X, a.X, c.mont, c.ctx) || !BN_to_montgomery(a.Y, a.Y, c.mont, c.ctx) ||
		!BN_to_montgomery(a.Z, a.Z, c.mont, c.ctx) || !BN_to_montgomery(c.d, c.d, c.mont, c.ctx))
		goto done;
	if (!point_mul(&c, &r, &a, eight))
		goto done;
	if (point_is_identity(&r))
	{
		problem = "is a point of small order (the identity or a point of the torsion subgroup): the signature R = identity, S = 0 would verify any claims with it";
		goto done;
	}
	if (!point_mul(&c, &r, &a, l))
		goto done;
	problem = point_is_identity(&r) ? NULL :
		"is not in the prime-order subgroup (it has a torsion component), which no key made by RFC 8032 key generation has";
done:
	BN_MONT_CTX_free(c.mont);
	BN_free(c.p);
	BN_free(c.d);
	BN_free(l);
	BN_CTX_end(c.ctx);
	BN_CTX_free(c.ctx);
	ERR_clear_error();
	return problem;
}
