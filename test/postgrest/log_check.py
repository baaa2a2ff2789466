#!/usr/bin/python3
"""
log_check.py FIXTURE
    What the server log says about refused tokens (read with
    pg_read_file(pg_current_logfile()), so the cluster runs with
    logging_collector on): for each refusal, a LOG line that names the
    values that failed (the "iss" that arrived, the kid, the alg, the
    subject, exp against the clock) and where the token came from; never
    the token, its payload or its signature, also for values an attacker
    filled with newlines and quotes.  Prints "RESULT: <passed> <failed>".
"""
import json
import sys
import time

import jwt
import psycopg

fx = json.load(open(sys.argv[1]))
north = fx["tenants"]["north"]
now = int(time.time())
base = {"iss": north["issuer"], "sub": "auth0|north0", "aud": fx["audience"], "iat": now, "exp": now + 600}


def signed(claims, key=north["private"], alg="EdDSA", kid=north["kid"]):
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


cases = [
    ("expired", signed(dict(base, iat=now - 7200, exp=now - 3600)),
     ["the token has expired: exp ", " is not after now ", 'iss "https://north.idp.test"', 'kid "north-1"',
      'alg "EdDSA"', 'sub "auth0|north0"', "token from the authorization header"]),
    ("unknown issuer", signed(dict(base, iss="https://rogue.idp.test"), fx["rogue"]["private"]),
     ["the issuer is not registered", 'iss "https://rogue.idp.test"']),
    ("unknown kid", signed(base, kid="north-9"), ["no key of the issuer has that \"kid\"", 'kid "north-9"']),
    ("wrong signature", signed(base, fx["rogue"]["private"]), ["the signature does not verify"]),
    ("log injection", signed(dict(base, iss='x"\nLOG:  permissions: forged line\\'), fx["rogue"]["private"]),
     ['iss "x\\"\\x0aLOG:  permissions: forged line\\\\"']),
    ("another scheme", None, ["the authorization header is not \"Bearer <token>\""]),
]
passed = failed = 0
with psycopg.connect(autocommit=True) as conn:
    logfile = conn.execute("SELECT pg_current_logfile()").fetchone()[0]
    if logfile is None:
        print("the cluster does not run the logging collector: run with -o logging_collector=on")
        print("RESULT: 0 1")
        sys.exit(1)
    start = len(conn.execute("SELECT pg_read_file(pg_current_logfile())").fetchone()[0])
    for name, token, expected in cases:
        header = f"Bearer {token}" if token else "Basic dXNlcjpwYXNz"
        try:
            with conn.transaction():
                conn.execute("SELECT set_config('role', %s, true), set_config('request.headers', %s, true)",
                             (fx["authenticated"], json.dumps({"authorization": header})))
                conn.execute("SELECT permissions.authenticate_request()")
            print(f"FAIL {name}: accepted")
            failed += 1
            continue
        except psycopg.Error as e:
            if e.sqlstate != "28000":
                print(f"FAIL {name}: {e.sqlstate} {e}")
                failed += 1
                continue
        time.sleep(0.3)
        log = conn.execute("SELECT pg_read_file(pg_current_logfile())").fetchone()[0][start:]
        start += len(log)
        lines = [l for l in log.splitlines() if "permissions: token refused" in l]
        ok = len(lines) == 1 and all(x in lines[0] for x in expected)
        if token:
            h, p, s = token.split(".")
            leaked = [part for part in (token, p, s) if part in log]
            ok = ok and not leaked
        forged = [l for l in log.splitlines() if l.startswith("LOG:  permissions: forged line")]
        ok = ok and not forged
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {lines[0] if lines else '(no line)'}"[:400])
        passed += ok
        failed += not ok
print(f"RESULT: {passed} {failed}")
sys.exit(1 if failed else 0)
