#!/usr/bin/python3
"""
setup.py WORKDIR
    The fixture of the pool test, made as the DBA over a direct connection
    (libpq environment): an identity provider with an Ed25519, a P-256 and an
    RSA key (private keys written to WORKDIR/keys, public keys registered),
    two tenants of six users each, every user with two performers only it
    can see (direct tier4 grants, wildcard tier none), a subject mapping and
    an API credential per user, and the login role the clients connect as
    (not allowed session identities).  Writes WORKDIR/fixture.json for the
    clients.
"""
import json
import os
import sys

import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISSUER = "https://idp.pool.test"
AUDIENCE = "pool-app"
APP_ROLE = "pool_app"


def write_key(workdir, name, key):
    path = os.path.join(workdir, "keys", name + ".pem")
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return path, key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def main():
    workdir = sys.argv[1]
    os.makedirs(os.path.join(workdir, "keys"), exist_ok=True)
    keys = []
    for kid, alg, key in (("pool-ed", "EdDSA", ed25519.Ed25519PrivateKey.generate()),
                          ("pool-es", "ES256", ec.generate_private_key(ec.SECP256R1())),
                          ("pool-rs", "RS256", rsa.generate_private_key(65537, 2048))):
        path, public = write_key(workdir, kid, key)
        keys.append({"kid": kid, "alg": alg, "path": path, "public": public})

    users = []
    with psycopg.connect(autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute("CREATE EXTENSION IF NOT EXISTS permissions")
        conn.execute(f"DROP ROLE IF EXISTS {APP_ROLE}")
        conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD 'pool-test'")
        conn.execute(f"GRANT permissions_client TO {APP_ROLE}")
        for tenant in ("north", "south"):
            account = conn.execute("SELECT permissions.create_account(%s)", (f"pool {tenant}",)).fetchone()[0]
            for n in range(6):
                tag = f"{tenant}{n}"
                uid = conn.execute("SELECT permissions.create_user(%s, %s, access => 'none')",
                                   (account, f"pool_{tag}")).fetchone()[0]
                for p in (1, 2):
                    pid = conn.execute("INSERT INTO permissions.performers (account_id, first_name) "
                                       "VALUES (%s, %s) RETURNING id", (account, f"{tag}-p{p}")).fetchone()[0]
                    conn.execute("SELECT permissions.grant_access('tier4', user_id => %s, performer_id => %s)",
                                 (uid, pid))
                credential = conn.execute("SELECT permissions.create_api_credential(%s, 'pool')",
                                          (uid,)).fetchone()[0]
                users.append({"id": uid, "tag": tag, "subject": f"sub-{tag}", "credential": credential})
            if tenant == "north":
                conn.execute("SELECT permissions.register_token_issuer(%s, NULL, max_lifetime => '10 minutes')",
                             (ISSUER,))
                for k in keys:
                    conn.execute("SELECT permissions.register_token_key(%s, %s, %s, %s, %s)",
                                 (ISSUER, k["kid"], k["alg"], k["public"], AUDIENCE))
        for u in users:
            conn.execute("SELECT permissions.map_token_subject(%s, %s, %s)", (ISSUER, u["subject"], u["id"]))
    for k in keys:
        del k["public"]
    with open(os.path.join(workdir, "fixture.json"), "w") as f:
        json.dump({"issuer": ISSUER, "audience": AUDIENCE, "role": APP_ROLE, "keys": keys,
                   "users": users}, f, indent=1)


if __name__ == "__main__":
    main()
