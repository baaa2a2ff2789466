#!/usr/bin/python3
"""
fuzz_tokens.py
    Random and mutated tokens through permissions.authenticate_token(), and
    random and mutated keys through the key readers of register_token_key().

    Three kinds of input, in turn:

    - signed JSON: a header and claims as JSON text, mutated at the byte level
      and at the JSON level (types, escapes, duplicate members, nesting,
      numbers, encodings), then signed with the HS256 secret of the fixture,
      so that every mutation reaches the JSON reader and the claim checks.
      An independent model of the rules in Python (json with strict hooks)
      says whether each token must be accepted; any disagreement fails.
    - mutated tokens: characters of valid EdDSA tokens flipped, dropped,
      repeated, parts swapped; only the untouched token may be accepted.
    - random strings: must be refused.

    Every refusal must be the error "invalid token" (SQLSTATE 28000); any
    other error, or a lost connection, fails.  Keys: mutated JWKs and PEMs
    must be accepted or refused with invalid_parameter_value (22023);
    Ed25519 keys (random bytes, non-canonical, torsion points, valid keys
    with and without a torsion component) are accepted exactly when an
    independent computation in Python (test/tokens/ed25519_points.py) finds
    a canonical point of the prime-order subgroup; random byte strings are
    HS256 secrets only from 32 bytes on.  Web requests: request.headers
    built and mutated at random through authenticate_request() give the
    user, nobody (NULL) or "invalid token" exactly as a model of the
    header rules says.

    Usage: test/fuzz_tokens.py [iterations [seed]]   (libpq environment)
    Prints one line per kind and a summary; exits non-zero on any failure.
"""
import base64
import hashlib
import hmac
import json
import math
import os
import random
import sys
import time

import jwt
import psycopg

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokens"))
import ed25519_points  # noqa: E402
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

ISS = "https://fuzz.regress.test"
AUD = "fuzz-app"
SECRET = b"fuzzing secret, thirty-two bytes or longer"
MAX_NUMERIC_DATE = 253402300799
MAX_CLAIM_LEN = 1000
MAX_DEPTH = 32
MAX_MEMBERS = 64
MAX_ITEMS = 64
MAX_NUMBER = 64
MAX_TOKEN = 16384
SKEW = 60
ED_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))

FRAGMENTS = [b"{", b"}", b"[", b"]", b",", b":", b'"', b"\\", b"\\u", b"\\ud800", b"\\udc00",
             b"\\ud83d\\ude00", b"\\u0000", b"\\u0073", b"null", b"true", b"false", b"1e999",
             b"-0", b"01", b"1.", b".5", b"1e", b"\x00", b"\x1f", b"\x7f", b"\xff", b"\xc0\x80",
             b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xc3\xa9", b" ", b"\t", b"\n",
             b"\r", b"\x0b", b"NaN", b"Infinity", b'"exp":', b'"sub":"alice",', b'"aud":[',
             b'"crit":[]', b"[" * 40, b"]" * 40, b'{"a":' * 40, b"}" * 40, b"9" * 70,
             b"\xef\xbb\xbf"]


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Num:
    """A JSON number with its literal, as the model reads it."""

    def __init__(self, literal):
        self.literal = literal
        self.value = float(literal)


class Refused(Exception):
    pass


def strict_object(pairs):
    names = [k for k, _ in pairs]
    if len(names) != len(set(names)):
        raise Refused("duplicate member")
    return dict(pairs)


def check_strings(value):
    """Refuses strings the C reader refuses and Python's json accepts."""
    if isinstance(value, str):
        if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise Refused("NUL or lone surrogate")
    elif isinstance(value, tuple):
        for k, v in value[1]:
            check_strings(k)
            check_strings(v)
    elif isinstance(value, list):
        for v in value:
            check_strings(v)


def json_object(data):
    """The top-level object as the C reader sees it, or Refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("not UTF-8")
    if text.startswith("\ufeff"):
        raise Refused("byte order mark")

    def constant(name):
        raise Refused("NaN or Infinity")

    try:
        value = json.loads(text, parse_int=Num, parse_float=Num, parse_constant=constant,
                           object_pairs_hook=lambda pairs: ("obj", pairs))
    except RecursionError:
        raise Refused("too deep")
    except ValueError:
        raise Refused("not JSON")

    def build(v, depth):
        # a value at depth d (a top-level member's value is at depth 1) is
        # refused beyond MAX_DEPTH; only the top level refuses repeated names
        if depth > MAX_DEPTH:
            raise Refused("too deep")
        if isinstance(v, tuple):
            return dict((k, build(x, depth + 1)) for k, x in v[1])
        if isinstance(v, list):
            return [build(x, depth + 1) for x in v]
        return v

    if not isinstance(value, tuple):
        raise Refused("not an object")
    check_strings(value)
    pairs = value[1]
    if len(pairs) > MAX_MEMBERS:
        raise Refused("too many members")
    return strict_object([(k, build(v, 1)) for k, v in pairs])


def numeric_date(value):
    if not isinstance(value, Num) or len(value.literal) > MAX_NUMBER:
        raise Refused("not a number")
    if not math.isfinite(value.value) or value.value < 0 or value.value > MAX_NUMERIC_DATE:
        raise Refused("out of range")
    return value.value


def claim_string(value):
    if not isinstance(value, str) or len(value.encode()) > MAX_CLAIM_LEN:
        raise Refused("not a string")
    return value


def model_accepts(header, payload, now):
    """Whether authenticate_token() must accept an HS256 token of the fixture."""
    try:
        h = json_object(header)
        if h.get("alg") != "HS256" or not isinstance(h.get("alg"), str):
            raise Refused("alg")
        claim_string(h.get("kid"))
        if h.get("kid") != "hs1" or "crit" in h:
            raise Refused("kid or crit")
        c = json_object(payload)
        iss = claim_string(c.get("iss"))
        sub = claim_string(c.get("sub"))
        exp = numeric_date(c.get("exp"))
        nbf = numeric_date(c["nbf"]) if "nbf" in c else None
        iat = numeric_date(c["iat"]) if "iat" in c else None
        if "aud" not in c:
            raise Refused("no aud")
        aud = c["aud"]
        if isinstance(aud, str):
            ok = aud == AUD
        elif isinstance(aud, list) and all(isinstance(a, str) for a in aud) and len(aud) <= MAX_ITEMS:
            ok = AUD in aud
        else:
            ok = False
        if not ok or iss != ISS or sub != "alice":
            raise Refused("aud, iss or sub")
        if exp <= now or (nbf is not None and nbf > now + SKEW) or \
                (iat is not None and iat > now + SKEW) or exp - (iat if iat is not None else now) > 3600:
            raise Refused("times")
        return True
    except Refused:
        return False


def sign_hs256(header, payload):
    signing_input = f"{b64(header)}.{b64(payload)}".encode()
    return f"{signing_input.decode()}.{b64(hmac.new(SECRET, signing_input, hashlib.sha256).digest())}"


def mutate_bytes(rnd, data):
    data = bytearray(data)
    for _ in range(rnd.randint(1, 3)):
        op = rnd.random()
        pos = rnd.randint(0, len(data))
        if op < 0.3 and data:
            data[min(pos, len(data) - 1)] = rnd.randrange(256)
        elif op < 0.5 and data:
            del data[min(pos, len(data) - 1):min(pos, len(data) - 1) + rnd.randint(1, 4)]
        else:
            data[pos:pos] = rnd.choice(FRAGMENTS)
    return bytes(data)


def random_value(rnd, depth=0):
    r = rnd.random()
    if depth > 3 or r < 0.3:
        return rnd.choice([None, True, False, 0, -1, 1.5, 10 ** 30, "", "x", "alice", AUD, ISS])
    if r < 0.6:
        return [random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
    return {rnd.choice(["a", "sub", "exp", "aud", "é"]): random_value(rnd, depth + 1)
            for _ in range(rnd.randint(0, 3))}


def claims_text(rnd, now):
    c = {"iss": ISS, "sub": "alice", "aud": AUD, "exp": now + rnd.choice([600, 1800, 3000])}
    if rnd.random() < 0.5:
        c["iat"] = now - rnd.choice([0, 10, 100])
    if rnd.random() < 0.3:
        c["nbf"] = now - 5
    r = rnd.random()
    if r < 0.15:
        c[rnd.choice(list(c))] = random_value(rnd)
    elif r < 0.25:
        c["aud"] = [rnd.choice(["x", AUD, "y"]) for _ in range(rnd.randint(0, 70))]
    elif r < 0.32:
        c["sub"] = "alice" if rnd.random() < 0.5 else "a" * rnd.choice([999, 1000, 1001])
    elif r < 0.4:
        c["extra"] = random_value(rnd)
    elif r < 0.45:
        # the innermost of k nested arrays is at depth k: 32 is the deepest read
        nest = rnd.choice([31, 32, 32, 33, 40])
        c["deep"] = json.loads("[" * nest + "]" * nest)
    elif r < 0.5:
        # 64 members is the most an object may have
        for i in range(rnd.choice([63, 64, 64, 65]) - len(c)):
            c[f"m{i}"] = i
    elif r < 0.55:
        c["extra"] = rnd.choice(["\x00", "\ud800", "\udc00x", "\U0001f600", "\x7f", "\u2028"])
    text = json.dumps(c, ensure_ascii=rnd.random() < 0.5,
                      separators=rnd.choice([(",", ":"), (", ", ": "), (" ,\n", "\t:\r")]))
    r = rnd.random()
    if r < 0.08:
        # a duplicate member, possibly spelled with escapes
        name = rnd.choice(['"sub"', '"\\u0073ub"', '"exp"', '"aud"', '"x"'])
        text = text[:-1] + f',{name}:"carol"}}'
    elif r < 0.12:
        text = text.replace('"alice"', '"\\u0061lice"')
    return text.encode("utf-8", "surrogatepass")


def header_text(rnd):
    h = {"alg": "HS256", "kid": "hs1"}
    r = rnd.random()
    if r < 0.05:
        h["crit"] = ["exp"]
    elif r < 0.1:
        h["alg"] = rnd.choice(["none", "hs256", "HS256 ", "RS256", None, 1])
    elif r < 0.15:
        h["typ"] = random_value(rnd)
    elif r < 0.2:
        del h["kid"]
    return json.dumps(h, separators=rnd.choice([(",", ":"), (", ", ": ")])).encode()


def request_headers(rnd, good):
    """A request.headers text built at random, and what authenticate_request() must do with it."""
    members = [(rnd.choice(["accept", "user-agent", "x-forwarded-for", "cookie", "prefer"]), "v" * rnd.randint(0, 40))
               for _ in range(rnd.randint(0, 6))]
    scheme = rnd.choice(["Bearer", "bearer", "BEARER", "Bearer", "Basic", "Token", "Bearer:", "Bear"])
    token = good
    r = rnd.random()
    if r < 0.15:
        token = good[:-4] + rnd.choice(["AAAA", "BBBB"])               # another signature
    elif r < 0.2:
        token = ""
    elif r < 0.25:
        token = good + " " + good
    value = scheme + rnd.choice([" ", "  ", "\t", ""]) + token
    if rnd.random() < 0.2:
        value = rnd.choice([" ", "\t", ""]) + value + rnd.choice([" ", "\t", ""])
    kind = rnd.random()
    auth = []
    if kind < 0.75:
        auth = [(rnd.choice(["authorization", "authorization", "Authorization", "AUTHORIZATION"]), value)]
    elif kind < 0.85:
        auth = [("authorization", value), (rnd.choice(["authorization", "Authorization"]), value)]
    elif kind < 0.9:
        auth = [("authorization", rnd.choice([1, None, True, [value], {"v": value}]))]
    pairs = members + auth
    rnd.shuffle(pairs)
    text = "{" + ", ".join(json.dumps(k) + ": " + json.dumps(v) for k, v in pairs) + "}"
    malformed = rnd.random() < 0.05
    if malformed:
        text = rnd.choice([text[:-1], text + "}", "[" + text + "]", text.replace(":", "", 1) if pairs else "x"])
    # the model
    if malformed:
        return text, "refused"
    named = [v for k, v in pairs if k.lower() == "authorization"]
    if not named:
        return text, "nobody"
    if len(named) > 1 or not isinstance(named[0], str):
        return text, "refused"
    v = named[0].strip(" \t")
    if v == "":
        return text, "nobody"
    parts = v.split(" ", 1)
    if len(parts) != 2 or parts[0].lower() != "bearer" or "\t" in parts[0]:
        return text, "refused"
    t = parts[1].lstrip(" ")
    if t == "" or " " in t or "\t" in t:
        return text, "refused"
    return text, "alice" if t == good else "refused"


class Fuzzer:
    def __init__(self, conn):
        self.conn = conn
        self.passed = 0
        self.failed = 0
        self.accepted = 0

    def authenticate(self, token):
        """True when accepted, False when refused with "invalid token"; raises otherwise."""
        try:
            with self.conn.cursor() as cur:
                cur.execute("SELECT permissions.authenticate_token(%s)", (token,))
                cur.fetchone()
            return True
        except psycopg.errors.InvalidAuthorizationSpecification as e:
            if e.diag.message_primary != "invalid token":
                raise
            return False

    def check(self, kind, token, expected, note):
        try:
            got = self.authenticate(token)
        except psycopg.OperationalError:
            print(f"FAIL {kind}: the connection was lost (a crash?) with {token[:200]!r}")
            self.failed += 1
            raise
        except psycopg.Error as e:
            print(f"FAIL {kind}: unexpected error {e.sqlstate} {e} with {token[:200]!r}")
            self.failed += 1
            return
        self.accepted += got
        if expected is not None and got != expected:
            print(f"FAIL {kind}: {'accepted' if got else 'refused'}, the model says "
                  f"{'accept' if expected else 'refuse'}: {note[:300]!r}")
            self.failed += 1
        else:
            self.passed += 1

    def check_key(self, function, args):
        try:
            with self.conn.cursor() as cur:
                cur.execute(f"SELECT permissions.{function}", args)
                cur.fetchone()
            self.passed += 1
        except psycopg.errors.InvalidParameterValue:
            self.passed += 1
        except psycopg.OperationalError:
            print(f"FAIL keys: the connection was lost (a crash?) with {args!r:.200}")
            self.failed += 1
            raise
        except psycopg.Error as e:
            print(f"FAIL keys: unexpected error {e.sqlstate} {e} with {args!r:.200}")
            self.failed += 1


def setup(conn):
    pem = ED_KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with conn.cursor() as cur:
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION IF NOT EXISTS permissions")
        cur.execute("SELECT permissions.create_account('fuzz account')")
        acct = cur.fetchone()[0]
        cur.execute("SELECT permissions.create_user(%s, 'fuzz_alice', access => 'tier4')", (acct,))
        alice = cur.fetchone()[0]
        cur.execute("SELECT permissions.register_token_issuer(%s, %s, max_lifetime => '1 hour', "
                    "clock_skew => '1 minute')", (ISS, acct))
        cur.execute("SELECT permissions.register_token_key(%s, 'hs1', 'HS256', %s, %s, "
                    "allow_shared_secret => true)", (ISS, SECRET.decode(), AUD))
        cur.execute("SELECT permissions.register_token_key(%s, 'ed1', 'EdDSA', %s, %s)", (ISS, pem, AUD))
        cur.execute("SELECT permissions.map_token_subject(%s, 'alice', %s)", (ISS, alice))
        cur.execute("DROP ROLE IF EXISTS regress_fuzz_app")
        cur.execute("CREATE ROLE regress_fuzz_app")
        cur.execute("GRANT permissions_client TO regress_fuzz_app")
    return pem


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 42
    rnd = random.Random(seed)
    conn = psycopg.connect(autocommit=True)
    pem = setup(conn)
    conn.execute("SET ROLE regress_fuzz_app")
    f = Fuzzer(conn)
    start = time.time()

    # signed JSON against the model
    n = iterations // 2
    agreed_accept = 0
    for i in range(n):
        now = int(time.time())
        header = header_text(rnd)
        payload = claims_text(rnd, now)
        if rnd.random() < 0.6:
            if rnd.random() < 0.5:
                header = mutate_bytes(rnd, header)
            else:
                payload = mutate_bytes(rnd, payload)
        token = sign_hs256(header, payload)
        expected = model_accepts(header, payload, time.time()) if len(token) <= MAX_TOKEN else False
        agreed_accept += expected
        f.check("signed JSON", token, expected, header + b"." + payload)
    print(f"signed JSON: {n} tokens, {agreed_accept} valid by the model, {f.failed} disagreements")

    # mutated EdDSA tokens: only the token itself may pass
    failed_before = f.failed
    n = iterations // 4
    for i in range(n):
        now = int(time.time())
        good = jwt.encode({"iss": ISS, "sub": "alice", "aud": AUD, "exp": now + 600}, ED_KEY,
                          algorithm="EdDSA", headers={"kid": "ed1"})
        chars = list(good)
        r = rnd.random()
        if r < 0.4:
            for _ in range(rnd.randint(1, 3)):
                chars[rnd.randrange(len(chars))] = rnd.choice("AQgw-_.=+/ \x00é" + good)
        elif r < 0.6:
            p = rnd.randrange(len(chars))
            del chars[p:p + rnd.randint(1, 8)]
        elif r < 0.8:
            p = rnd.randrange(len(chars))
            chars[p:p] = list(rnd.choice([".", "..", "A", "AA", good[:20], "=", "\n"]))
        else:
            parts = good.split(".")
            rnd.shuffle(parts)
            chars = list(".".join(parts))
        token = "".join(chars).replace("\x00", "")
        f.check("mutated token", token, True if token == good else False, token)
    print(f"mutated tokens: {n} tokens, {f.failed - failed_before} failures")

    # random strings
    failed_before = f.failed
    n = iterations // 8
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    for i in range(n):
        length = rnd.choice([0, 1, 2, 3, 10, 100, 1000, 16384, 16385])
        if rnd.random() < 0.8:
            token = "".join(rnd.choice(alphabet) for _ in range(length))
        else:
            token = "".join(chr(rnd.randint(1, 0x2FF)) for _ in range(length))
        f.check("random", token, False, token)
    print(f"random strings: {n} strings, {f.failed - failed_before} failures")

    # keys: mutated JWKs and PEMs through the readers of register_token_key()
    conn.execute("RESET ROLE")
    failed_before = f.failed
    n = iterations // 8
    raw = ED_KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwks = [json.dumps({"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}),
            '{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",'
            '"y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}',
            '{"kty":"RSA","e":"AQAB","n":"' + "A" * 342 + '"}',
            '{"kty":"oct","k":"' + b64(SECRET) + '"}']
    for i in range(n):
        base = rnd.choice(jwks + [pem])
        text = mutate_bytes(rnd, base.encode()).decode("utf-8", "replace").replace("\x00", "")
        alg = rnd.choice(["EdDSA", "ES256", "RS256"])
        if rnd.random() < 0.8:
            f.check_key("token_public_key(%s, %s)", (alg, text))
        else:
            f.check_key("token_shared_secret(%s)", (text,))
    print(f"keys: {n} keys, {f.failed - failed_before} failures")

    # Ed25519 keys against the Python computation
    failed_before = f.failed
    n = max(iterations // 80, 10)
    valid = torsion = 0
    points = ed25519_points.torsion_points()
    for i in range(n):
        r = rnd.random()
        if r < 0.3:
            key = bytes(rnd.getrandbits(8) for _ in range(32))
        elif r < 0.5:
            key = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        elif r < 0.7:
            good = ed25519_points.decode(ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw))
            key = ed25519_points.encode(ed25519_points.add(good, rnd.choice(points)))
        elif r < 0.85:
            key = ed25519_points.encode(rnd.choice(points), rnd.randint(0, 1))
        else:
            y = ed25519_points.P + rnd.randrange(19) if rnd.random() < 0.5 else rnd.randrange(2 ** 255)
            key = (y | (rnd.randint(0, 1) << 255)).to_bytes(32, "little")
        pt = ed25519_points.decode(key)
        canonical = int.from_bytes(key, "little") & ((1 << 255) - 1) < ed25519_points.P and \
            not (pt is not None and pt[0] == 0 and key[31] >> 7)
        expected = canonical and pt is not None and ed25519_points.mul(8, pt) != ed25519_points.IDENTITY \
            and ed25519_points.mul(ed25519_points.L, pt) == ed25519_points.IDENTITY
        valid += expected
        torsion += pt is not None and ed25519_points.mul(8, pt) == ed25519_points.IDENTITY
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT permissions.token_public_key('EdDSA', %s)",
                            (json.dumps({"kty": "OKP", "crv": "Ed25519", "x": b64(key)}),))
            got = True
        except psycopg.errors.InvalidParameterValue:
            got = False
        if got != expected:
            print(f"FAIL ed25519: {'accepted' if got else 'refused'} {key.hex()}, the model says "
                  f"{'accept' if expected else 'refuse'}")
            f.failed += 1
        else:
            f.passed += 1
    print(f"ed25519 keys: {n} keys, {valid} valid by the model, {torsion} of small order, "
          f"{f.failed - failed_before} disagreements")

    # HS256 secrets: random bytes, short and long
    failed_before = f.failed
    n = max(iterations // 80, 10)
    for i in range(n):
        secret = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([0, 1, 16, 31, 32, 33, 64, 200])))
        with conn.cursor() as cur:
            cur.execute("SELECT permissions.token_secret_problem(%s)", (secret,))
            problem = cur.fetchone()[0]
        if (problem is None) != (len(secret) >= 32):
            print(f"FAIL secret: {secret.hex()}: {problem}")
            f.failed += 1
        else:
            f.passed += 1
    print(f"secrets: {n} random byte strings, {f.failed - failed_before} failures")

    # web requests: request.headers through authenticate_request()
    failed_before = f.failed
    n = iterations // 8
    outcomes = {}
    conn.execute("SET ROLE regress_fuzz_app")
    for i in range(n):
        now = int(time.time())
        good = jwt.encode({"iss": ISS, "sub": "alice", "aud": AUD, "exp": now + 600}, ED_KEY,
                          algorithm="EdDSA", headers={"kid": "ed1"})
        headers, expected = request_headers(rnd, good)
        try:
            with conn.transaction():
                with conn.cursor() as cur:
                    cur.execute("SELECT set_config('request.headers', %s, true)", (headers,))
                    cur.execute("SELECT permissions.authenticate_request()")
                    got = "alice" if cur.fetchone()[0] is not None else "nobody"
                    cur.execute("SELECT permissions.current_user_id()")
                    if (cur.fetchone()[0] is None) != (got == "nobody"):
                        got = "inconsistent"
        except psycopg.errors.InvalidAuthorizationSpecification:
            got = "refused"
        except psycopg.OperationalError:
            print(f"FAIL request: the connection was lost (a crash?) with {headers[:200]!r}")
            f.failed += 1
            raise
        except psycopg.Error as e:
            got = f"{e.sqlstate} {e}"
        outcomes[got] = outcomes.get(got, 0) + 1
        if got != expected:
            print(f"FAIL request: {got}, the model says {expected}: {headers[:300]!r}")
            f.failed += 1
        else:
            f.passed += 1
    conn.execute("RESET ROLE")
    print(f"web requests: {n} headers ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}), "
          f"{f.failed - failed_before} disagreements")

    # the backend is still there, and still verifies
    with conn.cursor() as cur:
        cur.execute("SELECT verified, remembered, keys_parsed FROM permissions.token_cache_stats()")
        verified, remembered, parsed = cur.fetchone()
    print(f"backend alive: {verified} signatures verified, {remembered} remembered, "
          f"{f.accepted} tokens accepted, {time.time() - start:.1f} s")
    print(f"token fuzz: {f.passed + f.failed} inputs, {f.failed} failures")
    return 0 if f.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
