#!/usr/bin/python3
"""demo/sign_tokens.py: an identity provider for the demo.

Makes an Ed25519 key pair and prints psql \\set lines: the public key (PEM)
to register, a token for subject "idp|tess" valid for ten minutes, the same
token with its payload altered, and an expired one.  Signed with PyJWT.
"""
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ISSUER = "https://login.sunrise.example"
AUDIENCE = "sunrise-api"

key = Ed25519PrivateKey.generate()
pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode()
now = int(time.time())


def sign(sub, iat, exp, **extra):
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": iat, "exp": exp, **extra}
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "demo-2026"})


good = sign("idp|tess", now, now + 600, role="manager")   # a "role" claim changes nothing
head, payload, sig = good.split(".")
forged_payload = jwt.utils.base64url_encode(
    jwt.utils.base64url_decode(payload).replace(b"idp|tess", b"idp|mria")).decode()
print(f"\\set idp_issuer '{ISSUER}'")
print(f"\\set idp_audience '{AUDIENCE}'")
print("\\set idp_pem '" + pem.replace("\n", "\\n") + "'")
print(f"\\set token_tess '{good}'")
print(f"\\set token_forged '{head}.{forged_payload}.{sig}'")
print(f"\\set token_expired '{sign('idp|tess', now - 7200, now - 3600)}'")
