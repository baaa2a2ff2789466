#!/usr/bin/python3
"""
regress_tokens.py
    Prints the keys and signed tokens the pg_regress files sql/token_*.sql
    (and test/dump/) use, as psql \\set lines.  The keys are fixed test keys (below), the
    tokens are signed with PyJWT (python3-jwt) or, for the attacks PyJWT
    refuses to produce, by hand with python3-cryptography.  Times are fixed
    (exp in 2100, expired ones in 2020), so the expected output never
    changes; ES256 signatures are randomized, so a rerun prints other (equally
    valid) ES256 tokens.

    Usage: test/tokens/regress_tokens.py              print every value
           test/tokens/regress_tokens.py FILE...      rewrite, in place, the
                                                      \\set lines of FILEs
                                                      whose names it knows
"""
import base64
import hashlib
import hmac
import json
import re
import sys

import datetime
import os

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ed25519_points  # noqa: E402

ISS = "https://idp.regress.test"
SHORT = "https://short.regress.test"
A_ISS = "https://a.regress.test"
AUD = "regress-app"
EXP = 4102444800          # 2100-01-01
PAST = 1600000000         # 2020-09-13
LATER = 4000000000        # 2096-10-02
HS_SECRET = "regress shared secret: thirty-two bytes or more!"

# Fixed test keys: never use them for anything else.
ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
EC_KEY = ec.derive_private_key(0x5EC0_0DE5_1234_5678_9ABC_DEF0_1122_3344_5566_7788_99AA_BBCC_DDEE_FF00_1357_9BDF,
                               ec.SECP256R1())
RSA_KEY = serialization.load_pem_private_key(b"""-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDodQnGchdQkwBD
KT8F4u539dPH2k/CWS9EQBdA7LK2SCA9Mr6f/EZuXxAndHUg0p/7IhVWUtjAWN2X
O0VcGuVdigt5YQjRN+fDW4m3VohEOF4SWQb8b1JvbnjAlBehCZLy/IlH1upfLlMC
OD4bNzqNAIkdcluYF8F7u/gK7awbRzO9ixiFLEVNZrejRYTRUNLBdOyc4y5xmnVH
/nxm7JaWLrtIee16zkg57H0JE5/YNmWgptwbU9ozVaqVGxohihZhOrjnEiKfGx+V
sIdKc5kl6TMTtOD/j/OYRS/Tvt26FrMTdWQU70pSJhP+WHL+OyQZVWbvlAbp26pO
rTBv/McXAgMBAAECggEAGu6ccFJ9owc1C5L2y07MhDeGDuybOxAsKsMmLo598iKP
IagEb/LBkj4PWBLlEyV0BZugTz0QAdEJ82CZm58+HcVFqQ12AQ9yGa88WHJ9HTJO
q9+GsK6RJXnuIZnG1xCN5vsdSKZ8xwRN977eazbN4NJEEJZUSF3QO+6+QT3iJ9Ky
gst2YzE+qG5aEI3tYlDd3/QOzCkwfJCR63JbfYbGNWTo9h2lhbN8ZcAJ7pxj9mrG
J96wjT3IDK9o1zG9hs3JW8hbYpKdbfgqGLKV1Gra7jT8xmMSAoDPE300Fyul5I+T
fwE8NoepxFUSPofv871EDO4+Qk0mSIkWAH6+wtC1mQKBgQD3LrqT8spLDhDfed5w
nHD9p2SI+NBGHBn4Qba7/ioITP2EJsIEptqTEd/K46hQTRmB5g9NUnUJPKMTaC+u
/6FT2/thq8zgCU2LTwklFWwm7D/27MgBOSilC56pJ2o+Zu7dXBtoMQx7HfQZIcwG
WHVTKpuOm+cidF1U9PK0exncTQKBgQDwv9Zgz8HEhCXZ0SLoo2JwXd4gz1S7THbc
+kSvhZPefSS6jY2TR9TA8uZODq8pA2r0bhBHJFzERV+iHNFdsggKyW3lV/72tMRw
rWUdh3CXpadhmNq40IY0RnIlj4NIOzOzX96UJ/63MuLDac8ys7CVJhOWstb7qmn8
J28N9WBS8wKBgHY8xwkASV3vo4iSriGl47KiAMg4ZMA0rwN+w59Xa9m+okI1m/dH
rSROl4NgtOF8j+gAGW++MrexZrxgyPZn107a2nuVB5JfQNWTf+daQPq5ZbuC9gUH
x3ZzgXienwasjDQc3AtR8wttf5cKAKNEaxLWPcTQtJZZnU+HQBWvEOa9AoGBAKky
ec0CVjDxmtRxWfJb2XQVVGaEsA0OWT9GmH0vCNRF6Uk+8LAAvLJ6Q4e6ZDoTz9hH
fiMxmAzMoMCDNlV+KI7EL/sOE/943dI+2qCdLnE1l+RMk/NtgdQ9aj2hleduzBAV
oY1IaoiAN8SUmW0Nwl2gLAYuXE703pW7dR4/RFonAoGBAJWFGvV6R5fIivupGXTi
gs8X8ghUfVQFAJkepeSnBOSm1PJmy5cxQMJdsGzfd6yiooiGrLvYBckJh9HZ45Ve
jH37gyX9LcxxxAP4qCB96KIG2SwO4O5Hi+rdQvU2TxynIyvW51Tf/T4koEFd8GIG
j82Kz5A1VGSXkwaVK4kC0cup
-----END PRIVATE KEY-----""", None)


SMALL_RSA_KEY = rsa.generate_private_key(65537, 1024)  # only its public key is printed
ED_KEY_B = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))
RANDOM32 = hashlib.sha256(b"regress: 32 random bytes").digest()


def pub_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_ed(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def der(key):
    return key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def jwk_of(key, **extra):
    """The public JWK of a key (OKP, EC or RSA), with extra members."""
    pub = key.public_key()
    if isinstance(pub, ed25519.Ed25519PublicKey):
        j = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw_ed(key))}
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        n = pub.public_numbers()
        size = (pub.curve.key_size + 7) // 8
        j = {"kty": "EC", "crv": {"secp256r1": "P-256", "secp384r1": "P-384"}[pub.curve.name],
             "x": b64(n.x.to_bytes(size, "big")), "y": b64(n.y.to_bytes(size, "big"))}
    else:
        n = pub.public_numbers()
        j = {"kty": "RSA", "n": b64(n.n.to_bytes((n.n.bit_length() + 7) // 8, "big")),
             "e": b64(n.e.to_bytes(3, "big"))}
    j.update(extra)
    return j


def oct_jwk(data):
    return json.dumps({"kty": "oct", "k": b64(data)})


def certificate_der():
    """A self-signed certificate of the RSA key, signed by the Ed25519 key (deterministic)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regress")])
    when = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(RSA_KEY.public_key()).serial_number(1)
            .not_valid_before(when).not_valid_after(when + datetime.timedelta(days=1))
            .sign(ED_KEY, None))
    return cert.public_bytes(serialization.Encoding.DER)


def secret_attacks():
    """(what, secret text, expected) for register_token_key(..., 'HS256', secret)."""
    out = []
    std = lambda d: base64.b64encode(d).decode()
    for name, key in (("Ed25519", ED_KEY), ("P-256", EC_KEY), ("RSA", RSA_KEY)):
        d = der(key)
        pem = pub_pem(key)
        body = "".join(pem.strip().split("\n")[1:-1])
        jwk = json.dumps(jwk_of(key))
        out += [
            (f"{name}: PEM", pem, "refused"),
            (f"{name}: PEM body with its newlines, no armour", "\n".join(pem.strip().split("\n")[1:-1]), "refused"),
            (f"{name}: PEM body on one line (base64 DER)", body, "refused"),
            (f"{name}: base64 DER without padding", std(d).rstrip("="), "refused"),
            (f"{name}: base64url DER", b64(d), "refused"),
            (f"{name}: hex DER", d.hex(), "refused"),
            (f"{name}: HEX DER", d.hex().upper(), "refused"),
            (f"{name}: JWK", jwk, "refused"),
            (f"{name}: base64url of the JWK", b64(jwk.encode()), "refused"),
            (f"{name}: base64 of the JWK, padded", std(jwk.encode()), "refused"),
            (f"{name}: a JWKS", json.dumps({"keys": [jwk_of(key)]}), "refused"),
            (f"{name}: oct JWK whose k is the DER", oct_jwk(d), "refused"),
            (f"{name}: base64 of the base64 DER", std(std(d).encode()), "refused"),
            (f"{name}: OpenSSH public key", key.public_key().public_bytes(
                serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode(), "refused"),
        ]
    cert = certificate_der()
    ed_x = raw_ed(ED_KEY)
    ec_point = EC_KEY.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint)
    rsa_n = RSA_KEY.public_key().public_numbers().n.to_bytes(256, "big")
    out += [
        ("certificate, PEM", "-----BEGIN CERTIFICATE-----\n" + std(cert) + "\n-----END CERTIFICATE-----\n", "refused"),
        ("certificate, base64 DER", std(cert), "refused"),
        ("Ed25519 private key, PKCS #8 PEM", ED_KEY.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode(), "refused"),
        ("RSA private key, base64 PKCS #8 DER", std(RSA_KEY.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())), "refused"),
        ("P-256 point, uncompressed, as an oct JWK", oct_jwk(ec_point), "refused"),
        ("P-256 point, uncompressed, hex", ec_point.hex(), "refused"),
        ("registered Ed25519 key, raw 32 bytes as an oct JWK", oct_jwk(ed_x), "refused"),
        ("registered Ed25519 key, its JWK \"x\" text", b64(ed_x), "refused"),
        ("registered Ed25519 key, its JWK \"x\" member", '"x": "%s"' % b64(ed_x), "refused"),
        ("registered Ed25519 key, hex", ed_x.hex(), "refused"),
        ("registered P-256 key, x || y as an oct JWK", oct_jwk(ec_point[1:]), "refused"),
        ("registered RSA key, its JWK \"n\" text", b64(rsa_n), "refused"),
        ("registered RSA key, modulus as an oct JWK", oct_jwk(rsa_n), "refused"),
        ("31 bytes of text", "thirty-one bytes are not enough", "refused"),
        ("16 random bytes as an oct JWK", oct_jwk(RANDOM32[:16]), "refused"),
        ("32 random bytes as an oct JWK", oct_jwk(RANDOM32), "accepted"),
        ("32 random bytes, hex text", RANDOM32.hex(), "accepted"),
        ("32 random bytes, base64url text", b64(RANDOM32), "accepted"),
        ("a passphrase of 48 characters", "correct horse battery staple, and then some more", "accepted"),
    ]
    return out


def bad_ed25519_keys():
    """Every Ed25519 key a verifier must refuse, as JWK and as PEM."""
    prefix = der(ED_KEY)[:-32]
    out = []
    for label, raw in ed25519_points.bad_public_keys(raw_ed(ED_KEY)):
        out.append({"label": label,
                    "jwk": json.dumps({"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}),
                    "pem": "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(prefix + raw).decode()
                           + "\n-----END PUBLIC KEY-----\n"})
    return out


def forgeries():
    """Small-order keys and the R = identity, S = 0 tokens that verify with them under OpenSSL."""
    prefix = der(ED_KEY)[:-32]
    out = []
    points = {ed25519_points.order(p): p for p in ed25519_points.torsion_points()}
    for n in (1, 2, 4, 8):
        raw = ed25519_points.encode(points[n])
        token, msg, sig = ed25519_points.forged_token(raw, f"small{n}", claims(iss=SHORT, aud=None))
        assert ed25519_points.openssl_accepts(raw, msg, sig), "OpenSSL alone must accept the forgery"
        out.append({"order": n, "kid": f"small{n}", "token": token,
                    "pem": "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(prefix + raw).decode()
                           + "\n-----END PUBLIC KEY-----\n"})
    return out


def claims(**extra):
    c = {"iss": ISS, "sub": "alice", "aud": AUD, "exp": EXP}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}


def sign(key, alg, kid, **extra):
    return jwt.encode(claims(**extra), key, algorithm=alg, headers={"kid": kid})


def raw_hs256(secret, header, payload):
    """A token signed with HMAC-SHA256 over hand-made JSON (PyJWT would refuse the inputs)."""
    h = b64(header.encode() if isinstance(header, str) else json.dumps(header).encode())
    p = b64(payload.encode() if isinstance(payload, str) else json.dumps(payload).encode())
    sig = hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64(sig)}"


def raw_ed25519(header, payload):
    """A token signed with the Ed25519 key over hand-made JSON."""
    h = b64(header.encode())
    p = b64(payload.encode())
    return f"{h}.{p}.{b64(ED_KEY.sign(f'{h}.{p}'.encode()))}"


def jwk_ec():
    n = EC_KEY.public_key().public_numbers()
    return json.dumps({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256",
                       "x": b64(n.x.to_bytes(32, "big")), "y": b64(n.y.to_bytes(32, "big"))})


def main():
    out = {}
    out["pem_ed"] = pub_pem(ED_KEY)
    out["pem_rs"] = pub_pem(RSA_KEY)
    out["jwk_es"] = jwk_ec()
    out["jwk_ed"] = json.dumps({"kty": "OKP", "crv": "Ed25519",
                                "x": b64(ED_KEY.public_key().public_bytes(
                                    serialization.Encoding.Raw, serialization.PublicFormat.Raw))})
    out["hs_secret"] = HS_SECRET
    out["pem_rs1024"] = pub_pem(SMALL_RSA_KEY)
    out["pem_p384"] = pub_pem(ec.derive_private_key(12345, ec.SECP384R1()))
    out["jwk_ed_private"] = json.dumps({"kty": "OKP", "crv": "Ed25519", "d": b64(bytes(range(32))),
                                        "x": b64(ED_KEY.public_key().public_bytes(
                                            serialization.Encoding.Raw, serialization.PublicFormat.Raw))})

    # the happy path, one per algorithm
    out["ok_eddsa"] = sign(ED_KEY, "EdDSA", "ed1")
    out["ok_es256"] = sign(EC_KEY, "ES256", "es1")
    out["ok_rs256"] = sign(RSA_KEY, "RS256", "rs1")
    out["ok_hs256"] = sign(HS_SECRET, "HS256", "hs1")
    out["ok_aud_array"] = sign(ED_KEY, "EdDSA", "ed1", aud=["other-app", AUD])
    out["ok_times"] = sign(ED_KEY, "EdDSA", "ed1", nbf=PAST, iat=PAST)
    out["ok_dave"] = sign(ED_KEY, "EdDSA", "ed1", sub="dave")
    out["ok_erin"] = sign(ED_KEY, "EdDSA", "ed1", sub="erin")
    out["ok_del"] = sign(ED_KEY, "EdDSA", "del1")
    out["ok_bound_a"] = sign(ED_KEY, "EdDSA", "ka", iss=A_ISS, sub="a1-user", aud=None)
    # the token test/dump/fingerprint.sql authenticates with, before and after a restore
    out["dump_token"] = sign(ED_KEY, "EdDSA", "dump-ed", iss="https://idp.dump.test", sub="north-lead", aud=None)
    out["ok_no_aud_key"] = sign(ED_KEY, "EdDSA", "ed3", aud=None)
    # a token says who, never what: claims of roles or permissions are ignored
    out["ok_claims_lie"] = sign(ED_KEY, "EdDSA", "ed1", role="manager", access="tier1",
                                permissions=["manage_users"], user_id=1, account_id=1)

    # claims refused
    out["expired"] = sign(ED_KEY, "EdDSA", "ed1", exp=PAST)
    out["not_yet"] = sign(ED_KEY, "EdDSA", "ed1", nbf=LATER)
    out["iat_future"] = sign(ED_KEY, "EdDSA", "ed1", iat=LATER)
    out["wrong_aud"] = sign(ED_KEY, "EdDSA", "ed1", aud="other-app")
    out["no_aud"] = sign(ED_KEY, "EdDSA", "ed1", aud=None)
    out["aud_not_wanted"] = sign(ED_KEY, "EdDSA", "ed3")
    out["unknown_iss"] = sign(ED_KEY, "EdDSA", "ed1", iss="https://evil.test")
    out["other_iss_kid"] = sign(ED_KEY, "EdDSA", "ed1", iss=SHORT, aud=None)
    out["no_exp"] = sign(ED_KEY, "EdDSA", "ed1", exp=None)
    out["no_sub"] = sign(ED_KEY, "EdDSA", "ed1", sub=None)
    out["no_iss"] = sign(ED_KEY, "EdDSA", "ed1", iss=None)
    out["unknown_subject"] = sign(ED_KEY, "EdDSA", "ed1", sub="carol")
    out["inactive_user"] = sign(ED_KEY, "EdDSA", "ed1", sub="bob")
    out["too_long_iat"] = sign(ED_KEY, "EdDSA", "ed1", iat=0)
    out["too_long_noiat"] = sign(ED_KEY, "EdDSA", "ed1", exp=253402300799)
    out["exp_string"] = raw_ed25519('{"alg":"EdDSA","kid":"ed1"}',
                                    '{"iss":"%s","sub":"alice","aud":"%s","exp":"%d"}' % (ISS, AUD, EXP))
    out["dup_sub"] = raw_ed25519('{"alg":"EdDSA","kid":"ed1"}',
                                 '{"iss":"%s","sub":"carol","aud":"%s","exp":%d,"sub":"alice"}' % (ISS, AUD, EXP))
    out["crit"] = raw_ed25519('{"alg":"EdDSA","kid":"ed1","crit":["exp"]}',
                              json.dumps(claims()))

    # signatures and keys refused
    ok = out["ok_eddsa"]
    h, p, s = ok.split(".")
    flipped = s[:10] + ("A" if s[10] != "A" else "B") + s[11:]
    out["bad_signature"] = f"{h}.{p}.{flipped}"
    out["other_payload"] = f"{h}.{b64(json.dumps(claims(sub='dave')).encode())}.{s}"
    out["no_signature"] = f"{h}.{p}."
    none_header = b64(json.dumps({"alg": "none", "kid": "ed1"}).encode())
    out["alg_none"] = f"{none_header}.{p}."
    out["alg_none_sig"] = f"{none_header}.{p}.{s}"
    # algorithm confusion: HS256 with the RS256 public key (as PEM text) as the secret
    out["confusion"] = raw_hs256(out["pem_rs"].encode(), {"alg": "HS256", "kid": "rs1"}, claims())
    out["unknown_kid"] = sign(ED_KEY, "EdDSA", "nope")
    out["no_kid"] = jwt.encode(claims(), ED_KEY, algorithm="EdDSA")
    out["wrong_alg_for_kid"] = sign(EC_KEY, "ES256", "ed1")
    out["hs_wrong_secret"] = sign(HS_SECRET + "x", "HS256", "hs1")
    out["rs512"] = jwt.encode(claims(), RSA_KEY, algorithm="RS512", headers={"kid": "rs1"})

    # the keys of the keys mechanism (sql/token_keys.sql)
    out["secret_attacks"] = json.dumps([{"what": w, "secret": t, "expected": e} for w, t, e in secret_attacks()])
    out["bad_ed25519_keys"] = json.dumps(bad_ed25519_keys())
    out["forgeries"] = json.dumps(forgeries())
    out["pem_ed_b"] = pub_pem(ED_KEY_B)
    out["raw_ed_b_oct"] = oct_jwk(raw_ed(ED_KEY_B))
    out["ok_short_b"] = sign(ED_KEY_B, "EdDSA", "swap", iss=SHORT, aud=None)
    out["ok_short_a"] = sign(ED_KEY, "EdDSA", "swap", iss=SHORT, aud=None)
    out["hs_random"] = oct_jwk(RANDOM32)
    out["ok_short_hs"] = sign(RANDOM32, "HS256", "hs-random", iss=SHORT, aud=None)
    # tokens of web requests (sql/token_request.sql)
    out["req_alice"] = sign(ED_KEY, "EdDSA", "ed1")
    out["req_bob"] = sign(ED_KEY, "EdDSA", "ed1", sub="bob")
    out["req_expired"] = sign(ED_KEY, "EdDSA", "ed1", exp=PAST)
    out["req_anon"] = jwt.encode({"iss": "supabase", "role": "anon", "exp": EXP}, RANDOM32, algorithm="HS256")
    out["req_anon_forged"] = jwt.encode({"iss": ISS, "role": "authenticated", "exp": EXP, "aud": AUD},
                                        b"not the issuer's key, thirty-two bytes", algorithm="HS256",
                                        headers={"kid": "ed1"})
    out["req_other_iss"] = sign(ED_KEY, "EdDSA", "ed1", iss="https://evil.test")
    # key sets (sql/token_sync.sql)
    out["jwk_a"] = json.dumps(jwk_of(ED_KEY, kid="A", use="sig", alg="EdDSA"))
    out["jwk_b"] = json.dumps(jwk_of(ED_KEY_B, kid="B", alg="Ed25519"))
    out["jwk_es"] = jwk_ec()
    out["jwk_es_kid"] = json.dumps(jwk_of(EC_KEY, kid="E", alg="ES256", key_ops=["verify"]))
    out["jwk_rs_kid"] = json.dumps(jwk_of(RSA_KEY, kid="R", use="sig", alg="RS256"))
    out["jwk_rs1024"] = json.dumps(jwk_of(SMALL_RSA_KEY, kid="R1024", alg="RS256"))
    out["jwk_a_private"] = json.dumps(dict(jwk_of(ED_KEY, kid="A"), d=b64(bytes(range(32)))))
    out["jwk_rs_private"] = json.dumps(dict(jwk_of(RSA_KEY, kid="RP"), p="AQAB", q="AQAB"))
    out["jwk_oct"] = json.dumps({"kty": "oct", "kid": "S", "k": b64(RANDOM32)})
    out["jwk_enc"] = json.dumps(jwk_of(RSA_KEY, kid="ENC", use="enc", alg="RSA-OAEP"))
    out["jwk_x25519"] = json.dumps({"kty": "OKP", "crv": "X25519", "kid": "X", "x": b64(
        x25519.X25519PrivateKey.from_private_bytes(bytes(range(32))).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw))})
    out["jwk_p384"] = json.dumps(jwk_of(ec.derive_private_key(12345, ec.SECP384R1()), kid="P384", alg="ES384"))
    out["jwk_small"] = json.dumps({"kty": "OKP", "crv": "Ed25519", "kid": "SMALL", "x": b64(bytes([1]) + bytes(31))})
    out["jwk_a_as_es"] = json.dumps(jwk_of(EC_KEY, kid="A", alg="ES256"))
    out["jwk_a_other"] = json.dumps(jwk_of(ED_KEY_B, kid="A"))
    out["jwk_sign_only"] = json.dumps(jwk_of(ED_KEY_B, kid="OPS", key_ops=["sign"]))
    out["tok_a"] = sign(ED_KEY, "EdDSA", "A", iss=A_ISS, sub="a-user", aud=None)
    out["tok_b"] = sign(ED_KEY_B, "EdDSA", "B", iss=A_ISS, sub="a-user", aud=None)

    lines = {}
    for name, value in out.items():
        quoted = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
        lines[name] = f"\\set {name} '{quoted}'"
    if len(sys.argv) == 1:
        print("\n".join(lines.values()))
        return
    for path in sys.argv[1:]:
        with open(path) as f:
            text = f.read().split("\n")
        for i, line in enumerate(text):
            m = re.match(r"\\set (\w+) '", line)
            if m and m.group(1) in lines:
                text[i] = lines[m.group(1)]
        with open(path, "w") as f:
            f.write("\n".join(text))


if __name__ == "__main__":
    main()
