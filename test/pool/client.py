#!/usr/bin/python3
"""
client.py FIXTURE CONNINFO WORKERS TRANSACTIONS [control]
    The Python client of the pool test (psycopg 3 and PyJWT): WORKERS threads,
    each with its own connection through pgbouncer (transaction pooling), run
    at least TRANSACTIONS transactions between them.  Each round picks a user,
    signs a fresh token for it (EdDSA, ES256 or RS256, at random) and plays
    one of the modes below; after every step it asks the database who the
    session is and which performers it sees.  A leak is a transaction that
    sees a user, or a row, other than the one it authenticated as (or any
    user or row when it authenticated as nobody).  Prints one JSON line.

    With "control", the clients take session-scope identities (the runner
    lets the role have them for this run) and never log out, the mistake the
    extension refuses by default: leaks must then be seen, which shows that
    the leak detector works.

    Behind pgbouncer 1.18, psycopg needs prepare_threshold=None: server
    connections change under the client, so server-side prepared statements
    cannot be used.
"""
import json
import os
import random
import sys
import threading
import time

import jwt
import psycopg
from cryptography.hazmat.primitives import serialization

CONTROL_MODES = [("session_kept", 50), ("forgot", 50)]
MODES = [("token", 30), ("forgot", 15), ("error", 10), ("savepoint", 10), ("session", 8),
         ("credential", 12), ("bad_token", 8), ("autocommit", 7)]
OBSERVE = ("SELECT permissions.current_user_id(), "
           "coalesce((SELECT array_agg(first_name ORDER BY first_name) FROM permissions.performers), '{}'), "
           "pg_backend_pid()")


class Worker:
    def __init__(self, fixture, conninfo, keys, seed, stats, lock, pids):
        self.pids = pids
        self.fixture = fixture
        self.conn = psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)
        self.keys = keys
        self.rnd = random.Random(seed)
        self.stats = stats
        self.lock = lock

    def token(self, user):
        kid, alg, key = self.rnd.choice(self.keys)
        now = int(time.time())
        claims = {"iss": self.fixture["issuer"], "aud": self.fixture["audience"], "sub": user["subject"],
                  "iat": now, "exp": now + 300, "jti": os.urandom(8).hex()}
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})

    def run(self, sql, params=None):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else None

    def count(self, mode, key, n=1):
        with self.lock:
            self.stats.setdefault(mode, {}).setdefault(key, 0)
            self.stats[mode][key] += n

    def observe(self, mode, expected):
        """Checks who the session is and what it sees; counts a leak if anything is not expected's."""
        uid, names, pid = self.run(OBSERVE)[0]
        self.pids.add(pid)
        if expected is None:
            leak = uid is not None or len(names) > 0
            wrong = False
        else:
            leak = uid != expected["id"] or any(not n.startswith(expected["tag"] + "-") for n in names)
            wrong = names != [expected["tag"] + "-p1", expected["tag"] + "-p2"]
        if leak:
            self.count(mode, "leaks")
            print(f"LEAK in {mode}: expected {expected and expected['tag']}, got user {uid} seeing {names}",
                  file=sys.stderr)
        elif wrong:
            self.count(mode, "wrong")
            print(f"WRONG in {mode}: expected {expected['tag']}'s performers, got {names}", file=sys.stderr)

    def expect_error(self, mode, sql, params, sqlstate):
        try:
            self.run(sql, params)
            self.count(mode, "unexpected_success")
        except psycopg.Error as e:
            if e.sqlstate != sqlstate:
                self.count(mode, "unexpected_errors")
                print(f"ERROR in {mode}: {e.sqlstate} {e}", file=sys.stderr)

    def round(self, modes):
        users = self.fixture["users"]
        mode = self.rnd.choices([m for m, _ in modes], [w for _, w in modes])[0]
        u, v = self.rnd.sample(users, 2)
        tx = 1
        if mode == "token":
            self.run("BEGIN")
            self.run("SELECT permissions.authenticate_token(%s)", (self.token(u),))
            self.observe(mode, u)
            self.run("COMMIT")
        elif mode == "forgot":
            self.run("BEGIN")
            self.observe(mode, None)
            self.run("COMMIT")
        elif mode == "error":
            self.run("BEGIN")
            self.run("SELECT permissions.authenticate_token(%s)", (self.token(u),))
            self.observe(mode, u)
            self.expect_error(mode, "SELECT 1 / 0", None, "22012")
            self.run("ROLLBACK")
            self.observe(mode, None)
            tx = 2
        elif mode == "savepoint":
            self.run("BEGIN")
            if self.rnd.random() < 0.5:
                self.run("SELECT permissions.authenticate_token(%s)", (self.token(u),))
                self.run("SAVEPOINT s")
                self.run("SELECT permissions.authenticate_token(%s)", (self.token(v),))
                self.observe(mode, v)
                self.run("ROLLBACK TO SAVEPOINT s")
                self.observe(mode, u)
            else:
                self.run("SAVEPOINT s")
                self.run("SELECT permissions.authenticate_token(%s)", (self.token(u),))
                self.observe(mode, u)
                self.run("ROLLBACK TO SAVEPOINT s")
                self.observe(mode, None)
            self.run("COMMIT")
        elif mode == "session":
            if self.rnd.random() < 0.5:
                self.expect_error(mode, "SELECT permissions.authenticate_token(%s, true)", (self.token(u),), "42501")
            else:
                self.expect_error(mode, "SELECT permissions.authenticate(%s, true)", (u["credential"],), "42501")
            self.observe(mode, None)
            tx = 2
        elif mode == "session_kept":
            self.run("SELECT permissions.authenticate_token(%s, true)", (self.token(u),))
            self.observe(mode, u)
        elif mode == "credential":
            self.run("BEGIN")
            self.run("SELECT permissions.authenticate(%s)", (u["credential"],))
            self.observe(mode, u)
            self.run("COMMIT")
        elif mode == "bad_token":
            self.run("BEGIN")
            self.run("SELECT permissions.authenticate_token(%s)", (self.token(u),))
            good = self.token(v)
            tampered = good[:-6] + ("AAAAAA" if not good.endswith("AAAAAA") else "BBBBBB")
            self.expect_error(mode, "SELECT permissions.authenticate_token(%s)", (tampered,), "28000")
            self.run("ROLLBACK")
            self.observe(mode, None)
            tx = 2
        elif mode == "autocommit":
            # authenticate_token() and the query in separate transactions:
            # the query runs as nobody
            self.run("SELECT permissions.authenticate_token(%s)", (self.token(u),))
            self.observe(mode, None)
            tx = 2
        self.count(mode, "transactions", tx)
        return tx


def main():
    fixture_path, conninfo, workers, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    modes = CONTROL_MODES if sys.argv[5:] == ["control"] else MODES
    with open(fixture_path) as f:
        fixture = json.load(f)
    keys = []
    for k in fixture["keys"]:
        with open(k["path"], "rb") as f:
            keys.append((k["kid"], k["alg"], serialization.load_pem_private_key(f.read(), None)))
    stats, lock, errors, pids = {}, threading.Lock(), [], set()
    done = [0]

    def work(seed):
        try:
            w = Worker(fixture, conninfo, keys, seed, stats, lock, pids)
            while True:
                with lock:
                    if done[0] >= target:
                        return
                n = w.round(modes)
                with lock:
                    done[0] += n
        except Exception as e:  # a lost connection or an unexpected error stops the worker
            errors.append(f"{type(e).__name__}: {e}")
            print(f"worker {seed} stopped: {type(e).__name__}: {e}", file=sys.stderr)

    start = time.time()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = sum(m.get("transactions", 0) for m in stats.values())
    leaks = sum(m.get("leaks", 0) for m in stats.values())
    print(json.dumps({"client": "python", "transactions": total, "leaks": leaks,
                      "wrong": sum(m.get("wrong", 0) for m in stats.values()),
                      "unexpected": sum(m.get("unexpected_errors", 0) + m.get("unexpected_success", 0)
                                        for m in stats.values()) + len(errors),
                      "seconds": round(time.time() - start, 1), "workers": workers,
                      "server_pids": sorted(pids), "modes": stats}))


if __name__ == "__main__":
    main()
