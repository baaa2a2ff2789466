#!/usr/bin/python3
"""
tokens.py FIXTURE PGBOUNCER_PORT ROUNDS
    The measurements of bench/tokens (which makes the fixture and starts
    pgbouncer).  The variants are interleaved (inside the server: batches of
    BATCH calls, in a new random order each round; through pgbouncer: one
    transaction of each variant in turn, in a new random order each time),
    every call or transaction is timed on its own, and the median of each
    variant is reported, with ratios between variants of the same run: the
    machine is shared, and medians of interleaved samples resist its noise.
"""
import json
import os
import random
import statistics
import sys
import time

import jwt
import psycopg
from cryptography.hazmat.primitives import serialization

BATCH = 50               # authenticate_token() calls per variant and round
TX_PER_ROUND = 50        # transactions per variant and round
HS_SECRET = "benchmark secret, thirty-two bytes or more"


def main():
    fixture_path, port, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(fixture_path) as f:
        fx = json.load(f)
    user = fx["users"][0]
    keys = {}
    for k in fx["keys"]:
        with open(k["path"], "rb") as f:
            keys[k["alg"]] = (k["kid"], serialization.load_pem_private_key(f.read(), None))
    keys["HS256"] = ("pool-hs", HS_SECRET)

    def token(alg):
        kid, key = keys[alg]
        now = int(time.time())
        return jwt.encode({"iss": fx["issuer"], "aud": fx["audience"], "sub": user["subject"], "iat": now,
                           "exp": now + 600, "jti": os.urandom(8).hex()}, key, algorithm=alg,
                          headers={"kid": kid})

    # 1. inside the server, per call
    direct = psycopg.connect(autocommit=True)
    direct.execute("SET ROLE pool_app")
    direct.execute("""
        CREATE FUNCTION pg_temp.bench_tokens(tokens text[]) RETURNS double precision[]
        LANGUAGE plpgsql AS $$
        DECLARE t timestamptz; samples double precision[] := '{}'; tok text;
        BEGIN
            FOREACH tok IN ARRAY tokens LOOP
                t := clock_timestamp();
                PERFORM permissions.authenticate_token(tok);
                samples := samples || extract(epoch FROM clock_timestamp() - t) * 1e6;
            END LOOP;
            RETURN samples;
        END $$""")
    direct.execute("""
        CREATE FUNCTION pg_temp.bench_credential(credential text, n int) RETURNS double precision[]
        LANGUAGE plpgsql AS $$
        DECLARE t timestamptz; samples double precision[] := '{}';
        BEGIN
            FOR i IN 1..n LOOP
                t := clock_timestamp();
                PERFORM permissions.authenticate(credential);
                samples := samples || extract(epoch FROM clock_timestamp() - t) * 1e6;
            END LOOP;
            RETURN samples;
        END $$""")
    calls = {name: [] for name in ("EdDSA", "ES256", "RS256", "HS256", "repeated token", "API credential")}
    same = token("EdDSA")
    direct.execute("SELECT pg_temp.bench_tokens(%s)", ([same] + [token(a) for a in ("ES256", "RS256", "HS256")],))
    rnd = random.Random(1)
    for r in range(rounds * 4):
        order = list(calls)
        rnd.shuffle(order)
        for name in order:
            if name == "API credential":
                samples = direct.execute("SELECT pg_temp.bench_credential(%s, %s)",
                                         (user["credential"], BATCH)).fetchone()[0]
            else:
                tokens = [same] * BATCH if name == "repeated token" else [token(name) for _ in range(BATCH)]
                samples = direct.execute("SELECT pg_temp.bench_tokens(%s)", (tokens,)).fetchone()[0]
            calls[name].extend(samples)
    stats = direct.execute("SELECT * FROM permissions.token_cache_stats()").fetchone()
    direct.close()

    print(f"## authenticate_token(), inside the server ({len(calls['EdDSA'])} calls each, interleaved; median)\n")
    print("| call | microseconds | / repeated token |")
    print("|---|--:|--:|")
    base = statistics.median(calls["repeated token"])
    for name, values in calls.items():
        m = statistics.median(values)
        label = f"first verification, {name}" if name in ("EdDSA", "ES256", "RS256", "HS256") else name
        print(f"| {label} | {m:.1f} | {m / base:.1f} |")
    print(f"\n(backend: {stats[0]} signatures verified, {stats[1]} remembered, {stats[2]} keys parsed)\n")

    # 2. whole transactions through pgbouncer
    conninfo = f"host=127.0.0.1 port={port} dbname=pool"
    app = psycopg.connect(conninfo + " user=pool_app", autocommit=True, prepare_threshold=None)
    mapped = psycopg.connect(conninfo + " user=pool_mapped", autocommit=True, prepare_threshold=None)
    select = "SELECT first_name FROM permissions.performers"

    def tx(conn, auth=None, arg=None):
        t = time.perf_counter()
        conn.execute("BEGIN")
        if auth:
            conn.execute(auth, (arg,))
        rows = conn.execute(select).fetchall()
        conn.execute("COMMIT")
        return time.perf_counter() - t, len(rows)

    def tx_pipelined(t):
        # BEGIN, authenticate_token(), the query and COMMIT sent together
        start = time.perf_counter()
        with app.pipeline():
            app.execute("BEGIN")
            app.execute("SELECT permissions.authenticate_token(%s)", (t,))
            cur = app.execute(select)
            app.execute("COMMIT")
        rows = cur.fetchall()
        return time.perf_counter() - start, len(rows)

    variants = {
        "no authentication (nobody: no rows)": lambda _: tx(app),
        "no authentication (login role mapped to the user)": lambda _: tx(mapped),
        "authenticate_token(), new EdDSA token each time": lambda t: tx(app, "SELECT permissions.authenticate_token(%s)", t),
        "authenticate_token(), new RS256 token each time": lambda t: tx(app, "SELECT permissions.authenticate_token(%s)", t),
        "authenticate_token(), the same token again": lambda _: tx(app, "SELECT permissions.authenticate_token(%s)", same),
        "authenticate() with an API credential": lambda _: tx(app, "SELECT permissions.authenticate(%s)", user["credential"]),
        "authenticate_token(), new EdDSA token, one round trip (pipeline)": tx_pipelined,
    }
    times = {name: [] for name in variants}
    rows_seen = {}
    for _ in range(3):              # warm up every path
        for name, run in variants.items():
            run(token("RS256" if "RS256" in name else "EdDSA"))
    for _ in range(rounds * TX_PER_ROUND):
        order = list(variants)
        rnd.shuffle(order)
        for name in order:
            t = token("RS256" if "RS256" in name else "EdDSA")
            elapsed, n = variants[name](t)
            times[name].append(elapsed * 1e6)
            rows_seen[name] = n
    print(f"## BEGIN; [authenticate]; SELECT; COMMIT through pgbouncer ({rounds * TX_PER_ROUND} transactions each, "
          "one client, interleaved; median)\n")
    print("| transaction | rows | microseconds | / nobody | / mapped role |")
    print("|---|--:|--:|--:|--:|")
    nobody = statistics.median(times["no authentication (nobody: no rows)"])
    role = statistics.median(times["no authentication (login role mapped to the user)"])
    for name, values in times.items():
        m = statistics.median(values)
        print(f"| {name} | {rows_seen[name]} | {m:.0f} | {m / nobody:.2f} | {m / role:.2f} |")


if __name__ == "__main__":
    main()
