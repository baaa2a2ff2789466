"""
ed25519_points.py
    Ed25519 arithmetic in plain Python integers, to build the keys an
    attacker would register and the tokens that forge with them:

    - torsion_points(): the 8 points of the torsion subgroup, computed (as
      [L]P for points P until one of order 8 appears, then its multiples),
      not copied from a list;
    - bad_public_keys(): every encoding of them (both sign bits), every
      non-canonical encoding (y >= p), a y that is not on the curve, and a
      key with a torsion component (a valid key plus a point of order 8);
    - forged_token(): R = identity, S = 0 for a key of small order, with a
      nonce claim chosen so that [h]A is the identity: OpenSSL alone would
      verify it (checked here with python3-cryptography, which uses OpenSSL).
"""
import base64
import hashlib
import json

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
IDENTITY = (0, 1)


def add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    x3 = (x1 * y2 + y1 * x2) * pow(1 + t, P - 2, P) % P
    y3 = (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P
    return (x3, y3)


def mul(k, a):
    r = IDENTITY
    while k:
        if k & 1:
            r = add(r, a)
        a = add(a, a)
        k >>= 1
    return r


def sqrt_mod(u):
    """A square root of u mod P, or None (P = 5 mod 8: Atkin's formula)."""
    x = pow(u, (P + 3) // 8, P)
    if x * x % P == u % P:
        return x
    x = x * pow(2, (P - 1) // 4, P) % P
    return x if x * x % P == u % P else None


def x_for(y, sign=0):
    u = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = sqrt_mod(u)
    if x is None:
        return None
    if x & 1 != sign:
        x = (P - x) % P
    return x


def encode(pt, sign=None):
    x, y = pt
    s = (x & 1) if sign is None else sign
    return (y | (s << 255)).to_bytes(32, "little")


def decode(raw):
    v = int.from_bytes(raw, "little")
    y, sign = v & ((1 << 255) - 1), v >> 255
    x = x_for(y % P, sign)
    return (x, y % P) if x is not None else None


def order(pt):
    for n in (1, 2, 4, 8):
        if mul(n, pt) == IDENTITY:
            return n
    return None


def torsion_points():
    y = 2
    while True:
        x = x_for(y)
        if x is not None:
            t = mul(L, (x, y))
            if order(t) == 8:
                pts = [mul(k, t) for k in range(8)]
                assert len(set(pts)) == 8
                return pts
        y += 1


def bad_public_keys(valid_raw):
    """(label, 32 bytes) for every key a verifier must refuse."""
    out = []
    seen = set()
    for pt in torsion_points():
        n = order(pt)
        for sign in (0, 1):
            raw = encode(pt, sign)
            if raw in seen:
                continue
            seen.add(raw)
            label = f"order {n} point {raw[:4].hex()}...{raw[-2:].hex()}"
            if pt[0] == 0 and sign == 1:
                label += " (x = 0 with the sign bit: non-canonical)"
            out.append((label, raw))
    for y in range(P, 2 ** 255):
        for sign in (0, 1):
            out.append((f"non-canonical y = p + {y - P}, sign bit {sign}", (y | (sign << 255)).to_bytes(32, "little")))
    y = 2
    while x_for(y) is not None:
        y += 1
    out.append((f"y = {y}: not on the curve", y.to_bytes(32, "little")))
    a = decode(valid_raw)
    t8 = next(t for t in torsion_points() if order(t) == 8)
    out.append(("a valid key plus a point of order 8 (torsion component)", encode(add(a, t8))))
    return out


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def h_scalar(r, a, msg):
    return int.from_bytes(hashlib.sha512(r + a + msg).digest(), "little") % L


def forged_token(key_raw, kid, claims):
    """A token with R = identity, S = 0 whose [h]A is the identity, and the nonce used."""
    a = decode(key_raw)
    n = order(a)
    r_enc = encode(IDENTITY)
    head = b64(json.dumps({"alg": "EdDSA", "kid": kid}).encode())
    for nonce in range(10000):
        body = b64(json.dumps(dict(claims, jti=str(nonce))).encode())
        msg = f"{head}.{body}".encode()
        if h_scalar(r_enc, key_raw, msg) % n == 0:
            sig = r_enc + bytes(32)
            return f"{head}.{body}.{b64(sig)}", msg, sig
    raise RuntimeError("no nonce found")


def openssl_accepts(key_raw, msg, sig):
    """Whether OpenSSL's Ed25519 (through python3-cryptography) verifies the signature."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(key_raw).verify(sig, msg)
        return True
    except InvalidSignature:
        return False
