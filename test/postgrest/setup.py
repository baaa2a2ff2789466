#!/usr/bin/python3
"""
setup.py WORKDIR
    The fixture of the PostgREST test, made as the DBA over a direct
    connection (libpq environment), configured as docs/postgrest.md says:
    the roles PostgREST uses (an authenticator that logs in and switches to
    anon or authenticated, both members of permissions_client), two
    tenants with an identity provider each (north: Ed25519, bound to North;
    south: P-256, bound to South), three users per tenant with two
    performers only each of them sees, and their subjects mapped.  A third
    key, registered nowhere, signs the tokens of an unknown issuer and the
    forged ones.  Writes WORKDIR/fixture.json (private keys as PEM) for the
    clients.
"""
import json
import os
import sys

import psycopg
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

AUTHENTICATOR = "pgrst_authenticator"
ANON = "pgrst_anon"
AUTHENTICATED = "pgrst_authenticated"


def pem_pair(key):
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def main():
    workdir = sys.argv[1]
    tenants = {
        "north": {"issuer": "https://north.idp.test", "kid": "north-1", "alg": "EdDSA",
                  "key": ed25519.Ed25519PrivateKey.generate()},
        "south": {"issuer": "https://south.idp.test", "kid": "south-1", "alg": "ES256",
                  "key": ec.generate_private_key(ec.SECP256R1())},
    }
    rogue_private, _ = pem_pair(ed25519.Ed25519PrivateKey.generate())
    users = []
    with psycopg.connect(autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        conn.execute("CREATE EXTENSION IF NOT EXISTS permissions")
        for role in (AUTHENTICATOR, ANON, AUTHENTICATED):
            conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {AUTHENTICATOR} LOGIN NOINHERIT")
        conn.execute(f"CREATE ROLE {ANON} NOLOGIN")
        conn.execute(f"CREATE ROLE {AUTHENTICATED} NOLOGIN")
        conn.execute(f"GRANT permissions_client TO {ANON}, {AUTHENTICATED}")
        conn.execute(f"GRANT {ANON}, {AUTHENTICATED} TO {AUTHENTICATOR}")
        for name, t in tenants.items():
            account = conn.execute("SELECT permissions.create_account(%s)", (f"pgrst {name}",)).fetchone()[0]
            t["private"], public = pem_pair(t.pop("key"))
            conn.execute("SELECT permissions.register_token_issuer(%s, %s, max_lifetime => '1 hour')",
                         (t["issuer"], account))
            conn.execute("SELECT permissions.register_token_key(%s, %s, %s, %s, 'pgrst-app')",
                         (t["issuer"], t["kid"], t["alg"], public))
            for n in range(3):
                tag = f"{name}{n}"
                uid = conn.execute("SELECT permissions.create_user(%s, %s, access => 'none')",
                                   (account, f"pgrst_{tag}")).fetchone()[0]
                performers = []
                for p in (1, 2):
                    first = f"{tag}-p{p}"
                    pid = conn.execute("INSERT INTO permissions.performers (account_id, first_name) "
                                       "VALUES (%s, %s) RETURNING id", (account, first)).fetchone()[0]
                    conn.execute("SELECT permissions.grant_access('tier4', user_id => %s, performer_id => %s)",
                                 (uid, pid))
                    performers.append(first)
                subject = f"auth0|{tag}"
                conn.execute("SELECT permissions.map_token_subject(%s, %s, %s)", (t["issuer"], subject, uid))
                users.append({"id": uid, "tenant": name, "subject": subject, "performers": performers})
    fixture = {"authenticator": AUTHENTICATOR, "anon": ANON, "authenticated": AUTHENTICATED,
               "audience": "pgrst-app", "tenants": tenants, "users": users,
               "rogue": {"issuer": "https://rogue.idp.test", "kid": "rogue-1", "alg": "EdDSA",
                         "private": rogue_private}}
    with open(os.path.join(workdir, "fixture.json"), "w") as f:
        json.dump(fixture, f, indent=1)


if __name__ == "__main__":
    main()
