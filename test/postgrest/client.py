#!/usr/bin/python3
"""
client.py FIXTURE CONNINFO REQUESTS SEED
    Requests sent to the database exactly as PostgREST sends them, with
    psycopg: one transaction per request, in which one statement sets
    search_path, role (SET LOCAL ROLE: anon, or authenticated when the token
    says so), request.jwt.claims, request.method, request.path,
    request.headers and request.cookies with set_config(..., true); then
    SELECT permissions.authenticate_request() (db-pre-request); then the
    request's query; then COMMIT (ROLLBACK when the pre-request function
    raised, as PostgREST does: it answers 403).

    Each request is one case, drawn at random: a user's valid token (of
    either tenant, "Bearer" in any case), no Authorization header, forged
    request.jwt.claims without a token, a valid token with forged claims
    naming another user, and tokens that must be refused (expired, of an
    unknown issuer, signed with another key, a kid of the other tenant, a
    subject of the other tenant, a huge header, another scheme) or give no
    identity (an anon key without "sub").  For each it checks the outcome
    and that the query saw exactly the rows of the user the token names
    (none for anonymous and refused requests).  Prints one JSON line.
"""
import json
import random
import sys
import time

import jwt
import psycopg

CASES = ["valid", "valid", "valid", "lowercase", "anonymous", "forged_claims", "claims_of_other",
         "expired", "unknown_issuer", "wrong_key", "kid_of_other_tenant", "subject_of_other_tenant",
         "huge_header", "basic", "anon_key"]
SETTINGS = ("select set_config('search_path', '\"public\"', true), set_config('role', %s, true), "
            "set_config('request.jwt.claims', %s, true), set_config('request.method', 'GET', true), "
            "set_config('request.path', '/performers', true), set_config('request.headers', %s, true), "
            "set_config('request.cookies', '{}', true)")


def token(fx, rnd, case, user, other):
    """The Authorization header, the claims PostgREST would set, the role, and the expectation."""
    t = fx["tenants"][user["tenant"]]
    o = fx["tenants"]["south" if user["tenant"] == "north" else "north"]
    now = int(time.time())
    claims = {"iss": t["issuer"], "sub": user["subject"], "aud": fx["audience"], "iat": now, "exp": now + 600,
              "role": fx["authenticated"]}
    key, kid, alg, scheme, expect = t["private"], t["kid"], t["alg"], "Bearer", ("user", user)
    if case == "anonymous":
        return None, {"role": fx["anon"]}, fx["anon"], ("anonymous", None)
    if case == "forged_claims":
        return None, claims, fx["authenticated"], ("anonymous", None)
    if case == "basic":
        return "Basic dXNlcjpwYXNz", {"role": fx["anon"]}, fx["anon"], ("refused", None)
    if case == "anon_key":
        anon = jwt.encode({"iss": "supabase", "role": fx["anon"], "exp": now + 600}, "x" * 32, algorithm="HS256")
        return "Bearer " + anon, {"role": fx["anon"]}, fx["anon"], ("anonymous", None)
    if case == "lowercase":
        scheme = rnd.choice(["bearer", "BEARER", "bEaReR"])
    elif case == "expired":
        claims.update(iat=now - 7200, exp=now - 3600)
        expect = ("refused", None)
    elif case == "unknown_issuer":
        claims["iss"] = fx["rogue"]["issuer"]
        key, kid, alg = fx["rogue"]["private"], fx["rogue"]["kid"], fx["rogue"]["alg"]
        expect = ("refused", None)
    elif case == "wrong_key":
        key, alg = fx["rogue"]["private"], fx["rogue"]["alg"]
        expect = ("refused", None)
    elif case == "kid_of_other_tenant":
        key, kid, alg = o["private"], o["kid"], o["alg"]
        expect = ("refused", None)
    elif case == "subject_of_other_tenant":
        claims["sub"] = next(u for u in fx["users"] if u["tenant"] != user["tenant"])["subject"]
        expect = ("refused", None)
    elif case == "huge_header":
        expect = ("refused", None)
    header = f"{scheme} {jwt.encode(claims, key, algorithm=alg, headers={'kid': kid})}"
    if case == "huge_header":
        header = header + "x" * 300000
    pgrst_claims = dict(claims)
    if case == "claims_of_other":
        pgrst_claims.update(sub=other["subject"], iss=fx["tenants"][other["tenant"]]["issuer"], user_id=other["id"])
    return header, pgrst_claims, fx["authenticated"], expect


def main():
    fx = json.load(open(sys.argv[1]))
    conninfo, requests, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rnd = random.Random(seed)
    result = {"client": "python", "requests": 0, "wrong": 0, "cases": {}, "errors": []}
    start = time.time()
    with psycopg.connect(conninfo) as conn:
        for _ in range(requests):
            case = rnd.choice(CASES)
            user, other = rnd.choice(fx["users"]), rnd.choice(fx["users"])
            header, claims, role, (kind, who) = token(fx, rnd, case, user, other)
            headers = {"accept": "application/json", "user-agent": "emulated-postgrest"}
            if header is not None:
                headers["authorization"] = header
            outcome = None
            try:
                with conn.transaction():
                    with conn.cursor() as cur:
                        cur.execute(SETTINGS, (role, json.dumps(claims), json.dumps(headers)))
                        cur.execute('select "permissions"."authenticate_request"()')
                        returned = cur.fetchone()[0]
                        cur.execute("select coalesce(json_agg(t.first_name order by t.first_name), '[]') "
                                    "from (select first_name from \"permissions\".\"performers\") t")
                        rows = cur.fetchone()[0]
                        acting = cur.execute("select permissions.current_user_id()").fetchone()[0]
                outcome = ("ok", returned, rows, acting)
            except psycopg.Error as e:
                outcome = ("error", e.sqlstate, str(e).splitlines()[0])
            good = False
            if kind == "user":
                good = outcome[0] == "ok" and outcome[1] == who["id"] and outcome[3] == who["id"] \
                    and outcome[2] == sorted(who["performers"])
            elif kind == "anonymous":
                good = outcome[0] == "ok" and outcome[1] is None and outcome[3] is None and outcome[2] == []
            else:
                good = outcome[0] == "error" and outcome[1] == "28000" and outcome[2] == "invalid token"
            c = result["cases"].setdefault(case, {"requests": 0, "wrong": 0})
            c["requests"] += 1
            result["requests"] += 1
            if not good:
                c["wrong"] += 1
                result["wrong"] += 1
                if len(result["errors"]) < 10:
                    result["errors"].append({"case": case, "outcome": repr(outcome)[:300]})
    result["seconds"] = round(time.time() - start, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
