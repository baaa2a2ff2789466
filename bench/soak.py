"""bench/soak.py: the soak of bench/concurrency (--soak).

Many clients for many minutes, in several tenants at once, each read checked
against a model of who may see what at that moment:

- a writer per soak tenant (its manager's login role) owns every access
  change of that tenant: grants and revocations, team and group membership,
  team grant tiers, wildcard tiers, users switched off and on, e-mail
  changes, a performer moving between the account and its sub-account, API
  credentials rotated; nobody else changes that tenant's access, so the
  writer knows each state the tenant goes through;
- login-role readers, each in one tenant, act as its users in turn (SET ROLE
  to their login roles): short transactions that read and write performer
  data, READ COMMITTED transactions that read several times, REPEATABLE READ
  transactions that must keep their first view;
- pooled clients, on one shared application role, act per transaction as
  any user of any soak tenant, through API credentials
  (permissions.authenticate) or signed tokens (permissions.authenticate_token,
  EdDSA and ES256), sometimes with a credential the writer already deleted.

The model.  The writer announces a state as "pending" before it sends
COMMIT and as the tenant's next version once COMMIT returns.  A reader notes
the tenant's version (and pending state) before a statement and again after
it; the statement's snapshot was taken in between, so the committed state it
saw is one of the versions in that range or one of the two pending states.
A result that matches none of them is a violation: a stale decision (a
revoked grant, a deleted credential or a deactivated user still working at
the next statement after COMMIT returned), a leak (anything of another
tenant), or a refusal the model does not explain.

Besides the violations it counts errors (each is classified: refusals the
model expects are counted apart), backend crashes (server log, lost
connections, a restarted server), heavyweight lock waits over 100 ms between
sessions of different tenants (pg_locks sampled every 20 ms, sessions
attributed by application_name), and the memory of every client's backend
(permissions.cache_stats() and pg_backend_memory_contexts) at its start,
its end and its highest, against the bound of the access caches.
"""

import json
import os
import random
import re
import sys
import threading
import time

import psycopg

import benchlib as bl

TIERS = ["none", "tier4", "tier3", "tier2", "tier1"]
KINDS = ["mgr", "u1", "u2", "u3", "u4", "ro", "sp"]
USERS = ["u1", "u2", "u3", "u4"]
ISSUER = "https://idp.soak.test"
AUDIENCE = "soak-app"
# The extension keeps this many identities' access caches per backend
# (KEPT_CACHES in src/access_cache.c), plus one for questions about other users.
KEPT_CACHES = 8
CRASH_PATTERNS = re.compile(r"terminated by signal|was terminated by|server process .* exited with exit code"
                            r"|all server processes terminated|terminating any other active server processes"
                            r"|PANIC:")
WAIT_LIMIT_MS = 100.0


def tmax(a, b):
    """The higher of two tiers."""
    return a if TIERS.index(a) >= TIERS.index(b) else b


def tmin(a, b):
    """The lower of two tiers."""
    return a if TIERS.index(a) <= TIERS.index(b) else b


class ConnectionLost(Exception):
    """The client's session ended under it (a backend crash or a server restart)."""


def lost(conn, e):
    """Whether an error means the session is gone (rather than a statement failed)."""
    return conn.broken or conn.closed or getattr(e, "sqlstate", None) is None


def first_line(e):
    """An error's sqlstate and first line."""
    return f"{getattr(e, 'sqlstate', None)}: {str(e).splitlines()[0] if str(e) else type(e).__name__}"


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------

class State:
    """One committed state of a soak tenant's access data (copied on change)."""

    FIELDS = ("active", "wild", "direct", "ugroup", "tmembers", "tgrants", "gmembers", "home", "creds")

    def copy(self):
        """A copy whose dicts and sets can be changed without touching this one."""
        s = State()
        for f in self.FIELDS:
            v = getattr(self, f)
            setattr(s, f, dict(v) if isinstance(v, dict) else set(v))
        return s

    def cred_valid(self, uid, secret):
        """Whether secret is the user's current API credential."""
        c = self.creds.get(uid)
        return c is not None and c[1] == secret


class Tenant:
    """A soak tenant: its ids, and the states its writer committed, by version."""

    def __init__(self, s, top, sub, users, perfs, sets):
        self.s = s
        self.top, self.sub = top, sub
        self.users = users                    # kind -> (id, role)
        self.kind_of = {uid: k for k, (uid, _) in users.items()}
        self.perfs = perfs                    # j -> (id, chart)
        self.sets = sets                      # g1, g2, t1, t2 -> id
        self.lock = threading.Lock()
        self.history = []
        self.pending = None
        self.revoked = []                     # (uid, secret) of deleted credentials
        self.label = f"t{s}"

    def uid(self, kind):
        """The user id of one of the tenant's users."""
        return self.users[kind][0]

    def current(self):
        """The latest committed state."""
        with self.lock:
            return self.history[-1]

    def mark(self):
        """What a reader notes before and after a statement: (version, pending state)."""
        with self.lock:
            return len(self.history) - 1, self.pending

    def states(self, before, after):
        """The states a statement between two marks may have seen."""
        with self.lock:
            out = self.history[before[0]:after[0] + 1]
        return out + [p for p in (before[1], after[1]) if p is not None]

    def set_pending(self, state):
        """The writer is about to commit state."""
        with self.lock:
            self.pending = state

    def committed(self, state):
        """The writer's COMMIT returned (state) or failed (None)."""
        with self.lock:
            if state is not None:
                self.history.append(state)
            self.pending = None

    def last_inactive(self, uid, version):
        """When the user was last inactive up to a version, for the reports of violations."""
        with self.lock:
            for v in range(min(version, len(self.history) - 1), -1, -1):
                if not self.history[v].active[uid]:
                    return f"user last inactive at version {v}"
        return "user never inactive"

    def expected(self, st, uid):
        """Performer id -> effective tier of user uid under state st (tiers above none only)."""
        if not st.active[uid]:
            return {}
        kind = self.kind_of[uid]
        if kind == "mgr":
            return {p: "tier1" for p, _ in self.perfs.values()}
        best = {}

        def give(p, t):
            """Raises p's tier to at least t."""
            best[p] = tmax(best.get(p, "none"), t)

        if st.wild[uid] != "none":
            for p, acct in st.home.items():
                if acct == self.top:
                    give(p, st.wild[uid])
        for (u, p), t in st.direct.items():
            if u == uid:
                give(p, t)
        for (u, g), t in st.ugroup.items():
            if u == uid:
                for g2, p in st.gmembers:
                    if g2 == g:
                        give(p, t)
        for team, u in st.tmembers:
            if u != uid:
                continue
            for (tm, what, target), t in st.tgrants.items():
                if tm != team:
                    continue
                if what == "p":
                    give(target, t)
                else:
                    for g2, p in st.gmembers:
                        if g2 == target:
                            give(p, t)
        if kind == "ro":
            best = {p: tmin(t, "tier4") for p, t in best.items()}
        return {p: t for p, t in best.items() if t != "none"}


def load_tenants(conn):
    """The soak tenants as setup left them, with their first state read from the tables."""
    tenants = []
    for s, top, sub in conn.execute("SELECT s, top, sub FROM bench_cc.soak_tenants ORDER BY s").fetchall():
        users = {k: (i, r) for k, i, r in conn.execute(
            "SELECT kind, id, role FROM bench_cc.soak_users WHERE s = %s", (s,))}
        perfs = {j: (i, c) for j, i, c in conn.execute(
            "SELECT j, id, chart FROM bench_cc.soak_perfs WHERE s = %s", (s,))}
        sets = dict(conn.execute("SELECT name, id FROM bench_cc.soak_sets WHERE s = %s", (s,)).fetchall())
        t = Tenant(s, top, sub, users, perfs, sets)
        uids = [u for u, _ in users.values()]
        pids = [p for p, _ in perfs.values()]
        st = State()
        st.active, st.wild = {}, {}
        for uid, access, active in conn.execute(
                "SELECT id, access::text, active FROM permissions.users WHERE id = ANY(%s)", (uids,)):
            st.active[uid], st.wild[uid] = active, access
        st.direct, st.ugroup, st.tgrants = {}, {}, {}
        for user_id, team_id, performer_id, group_id, tier in conn.execute(
                "SELECT user_id, team_id, performer_id, group_id, tier::text FROM permissions.access_grants "
                "WHERE account_id IN (%s, %s) AND expires_at IS NULL", (top, sub)):
            if user_id is not None and performer_id is not None:
                st.direct[(user_id, performer_id)] = tier
            elif user_id is not None:
                st.ugroup[(user_id, group_id)] = tier
            else:
                st.tgrants[(team_id, "p" if performer_id is not None else "g",
                            performer_id if performer_id is not None else group_id)] = tier
        st.tmembers = set(conn.execute("SELECT team_id, user_id FROM permissions.team_members "
                                       "WHERE account_id = %s", (top,)).fetchall())
        st.gmembers = set(conn.execute("SELECT group_id, performer_id FROM permissions.group_members "
                                       "WHERE account_id = %s", (top,)).fetchall())
        st.home = dict(conn.execute("SELECT id, account_id FROM permissions.performers WHERE id = ANY(%s)",
                                    (pids,)).fetchall())
        st.creds = {}
        t.history.append(st)
        tenants.append(t)
    return tenants


# --------------------------------------------------------------------------
# Setup: credentials, token keys, the pooled role
# --------------------------------------------------------------------------

def setup_identities(conn, tenants, rp):
    """Keys, subject mappings and first credentials; returns the signing keys."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    conn.execute("SET client_min_messages = warning")
    pool_role = rp + "pool"
    conn.execute(f'CREATE ROLE "{pool_role}" LOGIN')
    conn.execute(f'GRANT permissions_client TO "{pool_role}"')
    conn.execute("SELECT permissions.register_token_issuer(%s, NULL, max_lifetime => '10 minutes')", (ISSUER,))
    keys = {}
    for kid, alg, key in (("soak-ed", "EdDSA", ed25519.Ed25519PrivateKey.generate()),
                          ("soak-es", "ES256", ec.generate_private_key(ec.SECP256R1()))):
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        conn.execute("SELECT permissions.register_token_key(%s, %s, %s, %s, %s)",
                     (ISSUER, kid, alg, public, AUDIENCE))
        keys[alg] = (kid, key)
    for t in tenants:
        st = t.history[0]
        for kind, (uid, _) in t.users.items():
            conn.execute("SELECT permissions.map_token_subject(%s, %s, %s)", (ISSUER, f"s{t.s}-{kind}", uid))
            secret = conn.execute("SELECT permissions.create_api_credential(%s, 'soak')", (uid,)).fetchone()[0]
            cid = conn.execute("SELECT max(id) FROM permissions.api_credentials WHERE user_id = %s",
                               (uid,)).fetchone()[0]
            st.creds[uid] = (cid, secret)
    return pool_role, keys


# --------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------

class Client(threading.Thread):
    """What every soak client shares: a session, counters, memory samples."""

    def __init__(self, soak, name, role, seed):
        super().__init__(name=name)
        self.soak = soak
        self.role = role
        self.rng = random.Random(seed)
        self.counts = {"statements": 0, "checks": 0, "transactions": 0, "expected_refusals": 0}
        self.violations = []
        self.errors = []
        self.crashes = 0
        self.memory = []          # (seconds since start, cache bytes, backend bytes, bytes by context name)
        self.context = ""         # how the client acts now, for the reports of violations
        self.pid = None
        self.conn = None

    def connect(self, app_name):
        """The client's session: a superuser connection acting as self.role."""
        self.conn = bl.connect(self.soak.db)
        self.conn.execute("SELECT set_config('application_name', %s, false)", (app_name,))
        self.pid = self.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.conn.execute(f'SET ROLE "{self.role}"')

    def sample_memory(self):
        """Records this backend's access-cache and total memory (outside a transaction)."""
        c = self.conn
        c.execute("RESET ROLE")
        row = c.execute("SELECT (SELECT memory_bytes FROM permissions.cache_stats()), "
                        "(SELECT sum(total_bytes) FROM pg_backend_memory_contexts)::bigint, "
                        "(SELECT json_object_agg(name, b) FROM (SELECT name, sum(total_bytes) AS b "
                        "FROM pg_backend_memory_contexts GROUP BY name) x)").fetchone()
        c.execute(f'SET ROLE "{self.role}"')
        by_name = row[2] if isinstance(row[2], dict) else json.loads(row[2])
        self.memory.append((time.time() - self.soak.started, row[0], row[1], by_name))

    def violation(self, text):
        """A result the model does not allow."""
        self.violations.append(f"{self.name}: {text}")

    def error(self, where, e):
        """An error the model does not explain."""
        self.errors.append(f"{self.name} {where}: {first_line(e)}")

    def rollback(self):
        """Ends a failed transaction."""
        self.conn.execute("ROLLBACK")

    def run(self):
        """Runs the client's transactions until the deadline, sampling its memory."""
        try:
            self.setup()
            next_sample = 0.0
            first = True
            while time.time() < self.soak.deadline:
                self.step()
                if first or time.time() >= next_sample:
                    self.sample_memory()
                    next_sample = time.time() + self.soak.memory_every
                    first = False
            self.sample_memory()
            self.conn.close()
        except psycopg.Error as e:
            if self.conn is None or lost(self.conn, e):
                self.crashes += 1
                self.errors.append(f"{self.name}: connection lost: {first_line(e)}")
            else:
                self.errors.append(f"{self.name}: {first_line(e)}")
        except Exception as e:  # a bug of the harness must not pass as a clean run
            self.errors.append(f"{self.name}: harness error: {type(e).__name__}: {e}")

    # -- the checks every reader makes -----------------------------------

    def read_performers(self, t, uid, valid=None):
        """Reads the performers and their tiers as the acting user; checks them; returns (result, states)."""
        before = t.mark()
        rows = self.conn.execute("SELECT id, permissions.effective_tier(id)::text FROM permissions.performers "
                                 "ORDER BY id").fetchall()
        after = t.mark()
        self.counts["statements"] += 1
        self.counts["checks"] += 1
        got = dict(rows)
        states = t.states(before, after)
        if not any(got == self.expect(t, st, uid, valid) for st in states):
            want = [sorted(self.expect(t, st, uid, valid).items()) for st in states]
            self.violation(f"{t.label} user {uid} ({t.kind_of[uid]}) sees {sorted(got.items())}; "
                           f"the model allows {' or '.join(map(str, want))} (versions {before[0]}-{after[0]}, "
                           f"{self.context}; {t.last_inactive(uid, before[0])}); {self.diagnose()}")
        return got

    def diagnose(self):
        """What the session says about itself right after a violation (same transaction)."""
        try:
            row = self.conn.execute(
                "SELECT permissions.current_user_id(), current_user, (SELECT count(*) FROM permissions.performers), "
                "(SELECT row_to_json(s)::text FROM permissions.cache_stats() s)").fetchone()
            return (f"then: current_user_id() {row[0]}, current_user {row[1]}, {row[2]} performers, "
                    f"cache_stats {row[3]}")
        except psycopg.Error as e:
            if lost(self.conn, e):
                raise
            return f"then: {first_line(e)}"

    def expect(self, t, st, uid, valid):
        """What uid sees under st; valid (a function of the state) says whether its identity holds."""
        if valid is not None and not valid(st):
            return {}
        return t.expected(st, uid)

    def insert_measurement(self, t, uid, valid=None, savepoint=False):
        """A measurement insert as the acting user: allowed exactly at tier3 or above."""
        j = self.rng.choice([1, 2, 3, 4, 5, 6, 7, 9, 10])   # not performer 8, which moves
        pid, chart = t.perfs[j]
        acct = t.top if j <= 8 else t.sub
        before = t.mark()
        if savepoint:
            self.conn.execute("SAVEPOINT probe")
        try:
            self.conn.execute("INSERT INTO permissions.measurements (account_id, performer_id, chart_id, "
                              "measured_on, count, errors) VALUES (%s, %s, %s, current_date, %s, 0)",
                              (acct, pid, chart, self.rng.randint(0, 99)))
            ok, err = True, None
        except psycopg.Error as e:
            if lost(self.conn, e):
                raise
            ok, err = False, e
        after = t.mark()
        self.counts["statements"] += 1
        self.counts["checks"] += 1
        states = t.states(before, after)
        allowed = [TIERS.index(self.expect(t, st, uid, valid).get(pid, "none")) >= TIERS.index("tier3")
                   for st in states]
        if ok:
            if not any(allowed):
                self.violation(f"{t.label} user {uid} ({t.kind_of[uid]}) inserted a measurement of performer "
                               f"{pid}; the model refuses it")
            elif savepoint:
                self.conn.execute("RELEASE SAVEPOINT probe")
            return True
        if savepoint:
            self.conn.execute("ROLLBACK TO SAVEPOINT probe")
        if err.sqlstate == "42501":
            if all(allowed):
                self.violation(f"{t.label} user {uid} ({t.kind_of[uid]}) was refused a measurement of performer "
                               f"{pid}; the model allows it")
            else:
                self.counts["expected_refusals"] += 1
        else:
            self.error("insert", err)
        return False

    def read_measurements(self, t, uid, valid=None):
        """Measurements of every soak tenant as the acting user: only of performers it may see."""
        before = t.mark()
        rows = self.conn.execute("SELECT DISTINCT performer_id FROM permissions.measurements "
                                 "WHERE account_id = ANY(%s)", (self.soak.accounts,)).fetchall()
        after = t.mark()
        self.counts["statements"] += 1
        self.counts["checks"] += 1
        states = t.states(before, after)
        seen = {r[0] for r in rows}
        allowed = set()
        for st in states:
            allowed |= set(self.expect(t, st, uid, valid))
        if seen - allowed:
            self.violation(f"{t.label} user {uid} ({t.kind_of[uid]}) sees measurements of performers "
                           f"{sorted(seen - allowed)}")


class Writer(Client):
    """The one client that changes a tenant's access, as its manager; keeps the tenant's model."""

    def __init__(self, soak, t, seed):
        super().__init__(soak, f"writer {t.label}", t.users["mgr"][1], seed)
        self.t = t
        self.changes = 0
        self.period = 1.0 / soak.args.soak_churn_rate if soak.args.soak_churn_rate > 0 else 0

    def setup(self):
        """The writer's session, as the tenant's manager."""
        self.connect(f"soak {self.t.label} writer")

    def step(self):
        """One transaction of one or two access changes; the model learns its state before and after COMMIT."""
        t, c = self.t, self.conn
        st = t.current().copy()
        ops = 2 if self.rng.random() < 0.2 else 1
        started = time.time()
        try:
            c.execute("BEGIN")
            for _ in range(ops):
                self.change(st)
            if self.changes % 40 == 39:
                # keep the soak tenants' measurements few: readers read them all
                c.execute("DELETE FROM permissions.measurements m WHERE m.account_id IN (%s, %s) AND m.id < "
                          "(SELECT min(x.id) FROM (SELECT id FROM permissions.measurements "
                          "WHERE account_id IN (%s, %s) ORDER BY id DESC LIMIT 200) x)",
                          (t.top, t.sub, t.top, t.sub))
                self.counts["statements"] += 1
        except psycopg.Error as e:
            t.committed(None)
            if lost(c, e):
                raise
            self.error("change", e)
            self.rollback()
            return
        t.set_pending(st)
        try:
            c.execute("COMMIT")
        except psycopg.Error as e:
            # a failed COMMIT rolled back (a lost connection leaves it unknown: the run fails anyway)
            t.committed(None)
            if lost(c, e):
                raise
            self.error("commit", e)
            return
        if self.soak.fault and self.counts["transactions"] % 5 == 4:
            # (--self-test: a model that misses every fifth commit)
            st = t.current()
        t.committed(st)
        if getattr(st, "_revoked", None):
            with t.lock:
                t.revoked.extend(st._revoked)
                del t.revoked[:-20]
            del st._revoked
        self.changes += ops
        self.counts["transactions"] += 1
        if self.period:
            time.sleep(max(0.0, self.rng.uniform(0.5, 1.5) * self.period * ops - (time.time() - started)))

    def change(self, st):
        """One access change in the open transaction, applied to st too."""
        t, c, rng = self.t, self.conn, self.rng
        self.counts["statements"] += 1
        inactive = [k for k in KINDS[1:] if not st.active[t.uid(k)]]
        op = rng.choice(["direct"] * 4 + ["sp", "ugroup", "tmember", "tmember", "tgrant", "gmember", "gmember",
                         "wild", "wild", "active", "email", "move", "cred", "cred"])
        if inactive and rng.random() < 0.3:
            op = "active"
        if op == "direct":
            kind = rng.choice(USERS + ["ro"])
            uid = t.uid(kind)
            pid = t.perfs[rng.choice([1, 2, 3, 4, 5, 6, 7, 9, 10])][0]
            tier = rng.choice([None, None, "tier4", "tier3", "tier2", "tier1"])
            if tier is None:
                c.execute("DELETE FROM permissions.access_grants WHERE user_id = %s AND performer_id = %s",
                          (uid, pid))
                st.direct.pop((uid, pid), None)
            else:
                c.execute("SELECT permissions.grant_access(%s::permissions.tier, user_id => %s, performer_id => %s)",
                          (tier, uid, pid))
                st.direct[(uid, pid)] = tier
        elif op == "sp":
            # the parent's one performer changes, or goes
            uid = t.uid("sp")
            c.execute("DELETE FROM permissions.access_grants WHERE user_id = %s", (uid,))
            for k in [k for k in st.direct if k[0] == uid]:
                del st.direct[k]
            if rng.random() < 0.8:
                pid = t.perfs[rng.choice([1, 2, 3, 4, 5, 6, 7, 9, 10])][0]
                tier = rng.choice(["tier4", "tier3"])
                c.execute("SELECT permissions.grant_access(%s::permissions.tier, user_id => %s, performer_id => %s)",
                          (tier, uid, pid))
                st.direct[(uid, pid)] = tier
        elif op == "ugroup":
            uid = t.uid(rng.choice(USERS))
            g = t.sets[rng.choice(["g1", "g2"])]
            tier = rng.choice([None, "tier4", "tier3", "tier2"])
            if tier is None:
                c.execute("DELETE FROM permissions.access_grants WHERE user_id = %s AND group_id = %s", (uid, g))
                st.ugroup.pop((uid, g), None)
            else:
                c.execute("SELECT permissions.grant_access(%s::permissions.tier, user_id => %s, group_id => %s)",
                          (tier, uid, g))
                st.ugroup[(uid, g)] = tier
        elif op == "tmember":
            team = t.sets[rng.choice(["t1", "t2"])]
            uid = t.uid(rng.choice(USERS + ["ro"]))
            if (team, uid) in st.tmembers:
                c.execute("DELETE FROM permissions.team_members WHERE team_id = %s AND user_id = %s", (team, uid))
                st.tmembers.discard((team, uid))
            else:
                c.execute("INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (%s, %s, %s)",
                          (team, uid, t.top))
                st.tmembers.add((team, uid))
        elif op == "tgrant":
            key = rng.choice(sorted(st.tgrants))
            tier = rng.choice(["tier4", "tier3", "tier2", "tier1"])
            team, what, target = key
            col = "performer_id" if what == "p" else "group_id"
            c.execute(f"UPDATE permissions.access_grants SET tier = %s::permissions.tier "
                      f"WHERE team_id = %s AND {col} = %s", (tier, team, target))
            st.tgrants[key] = tier
        elif op == "gmember":
            g, j = rng.choice([("g1", 3), ("g2", 5), ("g2", 6)])
            g, pid = t.sets[g], t.perfs[j][0]
            if (g, pid) in st.gmembers:
                c.execute("DELETE FROM permissions.group_members WHERE group_id = %s AND performer_id = %s", (g, pid))
                st.gmembers.discard((g, pid))
            else:
                c.execute("INSERT INTO permissions.group_members (group_id, performer_id, account_id) "
                          "VALUES (%s, %s, %s)", (g, pid, t.top))
                st.gmembers.add((g, pid))
        elif op == "wild":
            kind = rng.choice(USERS + ["ro"])
            tier = rng.choice(["none", "tier4"] if kind == "ro" else ["none", "tier4", "tier3", "tier2"])
            uid = t.uid(kind)
            c.execute("UPDATE permissions.users SET access = %s::permissions.tier WHERE id = %s", (tier, uid))
            st.wild[uid] = tier
        elif op == "active":
            kind = rng.choice(inactive) if inactive and rng.random() < 0.5 else rng.choice(KINDS[1:])
            uid = t.uid(kind)
            c.execute("UPDATE permissions.users SET active = %s WHERE id = %s", (not st.active[uid], uid))
            st.active[uid] = not st.active[uid]
        elif op == "email":
            uid = t.uid(rng.choice(KINDS))
            c.execute("UPDATE permissions.users SET email = %s WHERE id = %s",
                      (f"soak{t.s}.{self.changes}.{uid}@example.org", uid))
        elif op == "move":
            pid = t.perfs[8][0]
            dest = t.sub if st.home[pid] == t.top else t.top
            c.execute("UPDATE permissions.performers SET account_id = %s WHERE id = %s", (dest, pid))
            st.home[pid] = dest
        else:
            # a new credential for the user, the old one deleted
            uid = t.uid(rng.choice(KINDS))
            secret = c.execute("SELECT permissions.create_api_credential(%s, 'soak')", (uid,)).fetchone()[0]
            cid = c.execute("SELECT max(id) FROM permissions.api_credentials WHERE user_id = %s",
                            (uid,)).fetchone()[0]
            old = st.creds.get(uid)
            if old is not None:
                c.execute("SELECT permissions.delete_api_credential(%s)", (old[0],))
                st._revoked = getattr(st, "_revoked", []) + [(uid, old[1])]
            st.creds[uid] = (cid, secret)
            self.counts["statements"] += 2


class LoginReader(Client):
    """Acts as the users of one tenant in turn (SET ROLE), and checks what each sees."""

    def __init__(self, soak, t, n, seed):
        super().__init__(soak, f"login {t.label}.{n}", t.users["u1"][1], seed)
        self.t = t
        self.n = n
        self.kind = "u1"
        self.since_switch = 0

    def setup(self):
        """The reader's session, as the tenant's first user."""
        self.connect(f"soak {self.t.label} login{self.n}")

    def step(self):
        """One transaction as the current user: short, READ COMMITTED or REPEATABLE READ."""
        t, c, rng = self.t, self.conn, self.rng
        if self.since_switch >= 20:
            # an identity switch on the same backend
            self.kind = rng.choice(KINDS)
            self.role = t.users[self.kind][1]
            c.execute(f'SET ROLE "{self.role}"')
            self.since_switch = 0
        self.since_switch += 1
        uid = t.uid(self.kind)
        mode = rng.random()
        self.context = f"login role {self.role}, " + ("short" if mode < 0.5 else "read committed" if mode < 0.75
                                                      else "repeatable read") + " transaction"
        try:
            if mode < 0.5:
                c.execute("BEGIN")
                self.read_performers(t, uid)
                ok = self.insert_measurement(t, uid)
                c.execute("COMMIT" if ok else "ROLLBACK")
            elif mode < 0.75:
                c.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
                for _ in range(3):
                    self.read_performers(t, uid)
                    time.sleep(rng.uniform(0.005, 0.03))
                self.insert_measurement(t, uid, savepoint=True)
                self.read_measurements(t, uid)
                c.execute("COMMIT")
            else:
                c.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                first = self.read_performers(t, uid)
                for _ in range(3):
                    time.sleep(rng.uniform(0.005, 0.03))
                    rows = dict(c.execute("SELECT id, permissions.effective_tier(id)::text "
                                          "FROM permissions.performers ORDER BY id").fetchall())
                    self.counts["statements"] += 1
                    self.counts["checks"] += 1
                    if rows != first:
                        self.violation(f"{t.label} user {uid}: a REPEATABLE READ transaction saw "
                                       f"{sorted(rows.items())} after {sorted(first.items())}")
                c.execute("COMMIT")
            self.counts["transactions"] += 1
        except psycopg.Error as e:
            if lost(self.conn, e):
                raise
            self.error("read", e)
            self.rollback()


class PooledClient(Client):
    """One pooled application connection: each transaction authenticates as a user of any soak tenant."""

    def __init__(self, soak, n, seed):
        super().__init__(soak, f"pool {n}", soak.pool_role, seed)
        self.n = n
        self.tokens = {}

    def setup(self):
        """The pooled connection, as the application role."""
        # between transactions the connection acts as nobody: a tenant of its own
        self.connect(f"soak nobody pool{self.n}")

    def token(self, t, kind, alg):
        """A signed token for a user: a fresh one, or one signed in the last two minutes."""
        import jwt
        key = (t.s, kind, alg)
        now = int(time.time())
        old = self.tokens.get(key)
        if old and old[0] > now - 120 and self.rng.random() < 0.5:
            return old[1]
        kid, private = self.soak.keys[alg]
        tok = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": f"s{t.s}-{kind}", "iat": now, "exp": now + 300,
                          "jti": "%016x" % self.rng.getrandbits(64)}, private, algorithm=alg, headers={"kid": kid})
        self.tokens[key] = (now, tok)
        return tok

    def step(self):
        """One transaction: authenticate as a user of some tenant, read, maybe write, COMMIT."""
        t = self.rng.choice(self.soak.tenants)
        kind = self.rng.choice(KINDS)
        uid = t.uid(kind)
        c = self.conn
        method = self.rng.choice(["credential", "credential", "EdDSA", "ES256"])
        if method == "credential":
            st = t.current()
            secret = st.creds[uid][1]
            with t.lock:
                stale = [s for u, s in t.revoked if u == uid]
            if stale and self.rng.random() < 0.15:
                secret = stale[-1]

            def valid(s, uid=uid, secret=secret):
                """The credential identity holds under s."""
                return s.cred_valid(uid, secret) and s.active[uid]
            call, arg = "SELECT permissions.authenticate(%s)", secret
        else:
            def valid(s, uid=uid):
                """The token identity holds under s."""
                return s.active[uid]
            call, arg = "SELECT permissions.authenticate_token(%s)", self.token(t, kind, method)
        self.context = f"pooled, {method}"
        try:
            c.execute("BEGIN")
            c.execute("SELECT set_config('application_name', %s, true)", (f"soak {t.label} pool{self.n}",))
            before = t.mark()
            try:
                got_uid = c.execute(call, (arg,)).fetchone()[0]
                ok, err = True, None
            except psycopg.Error as e:
                if lost(self.conn, e):
                    raise
                ok, err = False, e
            after = t.mark()
            self.counts["statements"] += 1
            self.counts["checks"] += 1
            states = t.states(before, after)
            oks = [valid(s) for s in states]
            if not ok:
                self.rollback()
                if err.sqlstate != "28000":
                    self.error(f"{method} authentication", err)
                elif all(oks):
                    self.violation(f"{t.label} user {uid} ({kind}): {method} authentication refused "
                                   f"({first_line(err)}); the model accepts it")
                else:
                    self.counts["expected_refusals"] += 1
                self.counts["transactions"] += 1
                return
            if not any(oks):
                self.violation(f"{t.label} user {uid} ({kind}): {method} authentication accepted; the model "
                               f"refuses it (deleted credential or inactive user)")
            if got_uid != uid:
                self.violation(f"{t.label} user {uid} ({kind}): {method} authentication made the session user "
                               f"{got_uid}")
            self.context = f"pooled, {method}, authenticated at versions {before[0]}-{after[0]}"
            self.read_performers(t, uid, valid)
            r = self.rng.random()
            if r < 0.4:
                self.insert_measurement(t, uid, valid, savepoint=True)
            elif r < 0.6:
                self.read_measurements(t, uid, valid)
            c.execute("COMMIT")
            self.counts["transactions"] += 1
        except psycopg.Error as e:
            if lost(self.conn, e):
                raise
            self.error("pooled transaction", e)
            self.rollback()
            return
        if self.counts["transactions"] % 8 == 0:
            # the identity ends with the transaction: the next one, without authenticating, is nobody
            row = c.execute("SELECT permissions.current_user_id(), (SELECT count(*) FROM permissions.performers)"
                            ).fetchone()
            self.counts["statements"] += 1
            self.counts["checks"] += 1
            if row != (None, 0):
                self.violation(f"after COMMIT, without authenticating: user {row[0]}, {row[1]} performers "
                               f"(the identity outlived its transaction)")


# --------------------------------------------------------------------------
# Lock waits and the server log
# --------------------------------------------------------------------------

def tenant_of(pid, app_name, backend_type):
    """The tenant a session worked for, from its application_name; or what else it is.

    A churn client (pgbench) owns tenants no other client changes: each is a
    tenant of its own here.  A pooled connection between transactions acts
    as nobody, a tenant of its own too.
    """
    m = re.match(r"soak (t\d+|nobody) ", app_name or "")
    if m:
        return m.group(1)
    if app_name == "pgbench":
        return f"churn{pid}"
    if backend_type and backend_type != "client backend":
        return backend_type
    return None


class LockMonitor(threading.Thread):
    """Samples heavyweight lock waits in the soak's database every 20 ms."""

    def __init__(self, soak):
        super().__init__(name="lock monitor")
        self.soak = soak
        self.waits = {}           # (pid, waitstart) -> dict
        self.samples = 0
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        """Samples the lock waits until told to stop."""
        try:
            conn = bl.connect(self.soak.db)
            conn.execute("SELECT set_config('application_name', 'soak monitor', false)")
            while not self.stop.is_set():
                rows = conn.execute("""
                    SELECT w.pid, l.waitstart, w.application_name, w.backend_type,
                           extract(epoch FROM clock_timestamp() - l.waitstart) * 1000,
                           l.locktype, l.mode, coalesce(l.relation::regclass::text, ''),
                           (SELECT coalesce(json_agg(json_build_array(b.pid, b.application_name, b.backend_type,
                                                                      left(b.query, 120))), '[]')
                              FROM pg_stat_activity b WHERE b.pid = ANY(pg_blocking_pids(w.pid))),
                           left(w.query, 120)
                      FROM pg_locks l JOIN pg_stat_activity w ON w.pid = l.pid
                     WHERE NOT l.granted AND l.waitstart IS NOT NULL""").fetchall()
                self.samples += 1
                for pid, ws, app, btype, ms, locktype, mode, rel, blockers, query in rows:
                    blockers = blockers if isinstance(blockers, list) else json.loads(blockers)
                    w = self.waits.setdefault((pid, ws), {
                        "ms": 0.0, "waiter": tenant_of(pid, app, btype), "app": app, "blockers": {},
                        "what": f"{mode} on {locktype} {rel}", "query": query})
                    w["ms"] = max(w["ms"], float(ms))
                    for bpid, bapp, btype2, bquery in blockers:
                        w["blockers"].setdefault(bpid, (tenant_of(bpid, bapp, btype2), bapp, bquery))
                self.stop.wait(0.02)
            conn.close()
        except psycopg.Error as e:
            self.errors.append(f"lock monitor: {first_line(e)}")

    def kinds(self, descs):
        """How many waits of each lock (as in the descriptions of summary())."""
        out = {}
        for d in descs:
            m = re.search(r" for (.*?) \(", d)
            k = m.group(1) if m else "?"
            out[k] = out.get(k, 0) + 1
        return ", ".join(f"{n} {k}" for k, n in sorted(out.items(), key=lambda x: -x[1]))

    def summary(self):
        """Waits over the limit: (same tenant, across tenants, unattributed, other) lists."""
        same, cross, unattributed, other = [], [], [], []
        for (pid, _), w in self.waits.items():
            if w["ms"] <= WAIT_LIMIT_MS:
                continue
            tenants = {b[0] for b in w["blockers"].values()}
            desc = (f"{w['app']} waited {w['ms']:.0f} ms for {w['what']} ({w['query']!r}) behind "
                    + ", ".join(f"{b[1] or '?'} ({b[2]!r})" for b in w["blockers"].values()))
            labels = tenants | {w["waiter"]}
            clients = {x for x in labels if x is None or x.startswith(("t", "churn", "nobody"))}
            server = labels - clients       # autovacuum and the server's other processes
            if " on extend " in w["what"]:
                # a table's page allocation, which every inserter of a shared
                # table takes in turn (PostgreSQL's, whoever waits): apart
                other.append(desc)
            elif len(clients - {None}) > 1:
                cross.append(desc)
            elif None in clients and (len(clients) > 1 or not server):
                unattributed.append(desc)
            elif server:
                other.append(desc)
            else:
                same.append(desc)
        return same, cross, unattributed, other


def read_log(path, offset):
    """The server log written since offset, or None when it cannot be read."""
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def log_size(path):
    """The server log's size now (where this run's part begins)."""
    try:
        return os.path.getsize(path) if path else 0
    except OSError:
        return 0


# --------------------------------------------------------------------------
# The run and its report
# --------------------------------------------------------------------------

class Soak:
    """One soak run: the tenants' models, the clients, and what they found."""

    def __init__(self, args, db, rp):
        self.args = args
        self.db = db
        self.rp = rp
        self.memory_every = max(2.0, min(15.0, args.soak_duration / 10))
        self.fault = False

    def run(self, prog, churn_runner, command):
        """Runs the soak; prints the report; returns the exit status."""
        args = self.args
        with bl.connect(self.db) as c:
            self.tenants = load_tenants(c)
            self.accounts = [a for t in self.tenants for a in (t.top, t.sub)]
            self.pool_role, self.keys = setup_identities(c, self.tenants, self.rp)
            started_at = c.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
            server_version = c.execute("SHOW server_version").fetchone()[0]
            ext_version = c.execute("SELECT extversion FROM pg_extension WHERE extname = 'permissions'").fetchone()[0]
            empty = c.execute("SELECT memory_bytes FROM permissions.cache_stats()").fetchone()[0]
        log_path = bl.server_log(self.db)
        log_start = log_size(log_path)
        n = args.soak_clients
        writers = len(self.tenants)
        pooled = max(1, (n - writers) // 2)
        login = max(1, n - writers - pooled)
        seed = args.seed if args.seed is not None else random.randrange(1 << 30)
        print(f"{prog}: soak for {args.soak_duration:g}s: {writers} writer(s), {login} login-role reader(s), "
              f"{pooled} pooled client(s) in {len(self.tenants)} tenants; churn in other tenants at "
              f"{args.churn_rate:g}/s (seed {seed})", file=sys.stderr)
        clients = [Writer(self, t, seed + i) for i, t in enumerate(self.tenants)]
        clients += [LoginReader(self, self.tenants[i % len(self.tenants)], i // len(self.tenants) + 1,
                                seed + 100 + i) for i in range(login)]
        clients += [PooledClient(self, i + 1, seed + 200 + i) for i in range(pooled)]
        monitor = LockMonitor(self)
        monitor.start()
        load = [os.getloadavg()]
        self.started = time.time()
        self.deadline = self.started + args.soak_duration
        churn = churn_runner.start_churn(args.soak_duration + 1) if args.churn_rate > 0 else None
        for cl in clients:
            cl.start()
        while any(cl.is_alive() for cl in clients):
            time.sleep(1.0)
            if int(time.time() - self.started) % 15 == 0:
                load.append(os.getloadavg())
        elapsed = time.time() - self.started
        churn_res = churn_runner.finish_churn(churn) if churn else None
        monitor.stop.set()
        monitor.join()
        load.append(os.getloadavg())
        try:
            with bl.connect(self.db) as c:
                restarted = c.execute("SELECT pg_postmaster_start_time()").fetchone()[0] != started_at
        except psycopg.Error:
            restarted = True
        log = read_log(log_path, log_start)
        crash_lines = [ln for ln in (log or "").splitlines() if CRASH_PATTERNS.search(ln)]
        logged_waits = len(re.findall(r"still waiting for", log or ""))

        violations = [v for cl in clients for v in cl.violations]
        errors = [e for cl in clients for e in cl.errors] + monitor.errors
        lost = sum(cl.crashes for cl in clients)
        crashes = len(crash_lines) + lost + (1 if restarted else 0)
        same, cross, unattributed, other = monitor.summary()
        bound = empty + KEPT_CACHES * self.soak_cache_size() + self.soak_cache_size()
        mem_rows, over, largest = [], [], (0, "-")
        warm_up = max(30.0, args.soak_duration / 4)
        growth_checked = args.soak_duration >= 2 * warm_up
        for cl in clients:
            if not cl.memory:
                continue
            cache = [m[1] for m in cl.memory]
            total = [m[2] for m in cl.memory]
            mem_rows.append((cl.name, cl.pid, cache[0], cache[-1], max(cache), total[0], total[-1], max(total)))
            if max(cache) > bound:
                over.append(f"{cl.name}: access caches reached {max(cache):,} bytes (bound {bound:,})")
            # the backend as a whole: after its warm-up (plans of every statement
            # its work runs, catalog caches) it grows by no more than its caches do
            warm = [m for m in cl.memory if m[0] >= warm_up] or cl.memory[-1:]
            growth = (warm[-1][2] - warm[0][2]) - (warm[-1][1] - warm[0][1])
            largest = max(largest, (growth, cl.name))
            if growth_checked and growth > self.args.soak_growth_limit:
                a, b = warm[0][3], warm[-1][3]
                top = sorted(((b.get(k, 0) - a.get(k, 0), k) for k in set(a) | set(b)), reverse=True)[:4]
                over.append(f"{cl.name}: backend memory grew by {growth:,} bytes besides its access caches "
                            f"(from {warm[0][2]:,} to {warm[-1][2]:,} after warm-up; most in "
                            + ", ".join(f"{k} +{d:,}" for d, k in top) + ")")
        tot = lambda k: sum(cl.counts[k] for cl in clients)  # noqa: E731
        changes = sum(cl.changes for cl in clients if isinstance(cl, Writer))
        versions = sum(len(t.history) - 1 for t in self.tenants)
        L = [f"# permissions soak: {args.soak_clients} clients, {args.soak_duration:g} s",
             "",
             f"Command: `{command}` (seed {seed})",
             "",
             f"PostgreSQL {server_version}, extension {ext_version}. {len(self.tenants)} soak tenants, each with one "
             f"writer; {login} login-role readers; {pooled} pooled clients switching identity every transaction "
             f"(API credentials, EdDSA and ES256 tokens); churn in {args.churn_tenants} other tenants. "
             f"Ran {elapsed:.0f} s; load average (1 min) {min(x[0] for x in load):.1f} to "
             f"{max(x[0] for x in load):.1f} on {os.cpu_count()} CPUs.",
             "",
             "| must be 0 | count |",
             "|---|--:|",
             f"| violations against the model | {len(violations)} |",
             f"| unexpected errors | {len(errors)} |",
             f"| backend crashes (server log: {len(crash_lines) if log is not None else 'not readable'}; lost "
             f"connections: {lost}; server restarted: {'yes' if restarted else 'no'}) | {crashes} |",
             f"| lock waits over {WAIT_LIMIT_MS:g} ms across tenants{' (' + monitor.kinds(cross) + ')' if cross else ''}"
             f" | {len(cross)} |",
             f"| lock waits over {WAIT_LIMIT_MS:g} ms not attributable to a tenant | {len(unattributed)} |",
             f"| backends whose memory grew beyond the bound | {len(over)} |",
             "",
             "| work | count |",
             "|---|--:|",
             f"| transactions (all clients) | {tot('transactions'):,} |",
             f"| statements (all clients) | {tot('statements'):,} |",
             f"| checked results (reads, inserts, authentications) | {tot('checks'):,} |",
             f"| access changes committed by the writers | {changes:,} ({versions:,} commits; "
             f"{versions / elapsed:.1f}/s) |",
             f"| churn in other tenants | {bl.fmt(churn_res['tps'], 1) if churn_res and churn_res.get('tps') else '-'}"
             f" changes/s |",
             f"| expected refusals (42501 where the model refuses; 28000 for a deleted credential or an inactive "
             f"user) | {tot('expected_refusals'):,} |",
             f"| lock waits over {WAIT_LIMIT_MS:g} ms within one tenant | {len(same)} |",
             f"| lock waits over {WAIT_LIMIT_MS:g} ms behind autovacuum, other processes, or a table's page allocation"
             f"{' (' + monitor.kinds(other) + ')' if other else ''} | {len(other)} |",
             f"| lock waits sampled (every 20 ms, {monitor.samples:,} samples) | {len(monitor.waits):,} |",
             f"| lock waits over {WAIT_LIMIT_MS:g} ms in the server log (log_lock_waits) | "
             f"{logged_waits if log is not None else 'not readable'} |",
             "",
             f"Memory per client backend (bytes; access caches: permissions.cache_stats().memory_bytes, bound "
             f"{bound:,} = {empty:,} for {KEPT_CACHES} empty caches + {KEPT_CACHES + 1} caches of "
             f"{self.soak_cache_size():,} for the soak's largest reach; backend: pg_backend_memory_contexts; growth "
             + (f"besides the caches allowed after {warm_up:g} s of warm-up: {self.args.soak_growth_limit:,}; "
                f"the largest: {largest[0]:,}, {largest[1]}):"
                if growth_checked else f"not checked: the run is shorter than {2 * warm_up:g} s):"),
             "",
             "| client | pid | caches start | caches end | caches max | backend start | backend end | backend max |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
        for r in mem_rows:
            L.append(f"| {r[0]} | {r[1]} | " + " | ".join(f"{x:,}" for x in r[2:]) + " |")
        for title, items in (("violation", violations), ("error", errors), ("crash", crash_lines),
                             ("cross-tenant wait", cross), ("unattributed wait", unattributed),
                             ("memory", over), ("wait within a tenant", same), ("other wait", other)):
            if items:
                L.append("")
                for x in items[:20]:
                    L.append(f"- {title}: {x}")
                if len(items) > 20:
                    L.append(f"- ... and {len(items) - 20} more")
        ok = not (violations or errors or crashes or cross or unattributed or over) and tot("checks") > 0
        if args.self_test and not restarted:
            print(f"{prog}: self-test: a model that misses every fifth commit, a wait staged across two "
                  f"tenants, a backend terminated", file=sys.stderr)
            found = self.self_test(seed + 1000)
            caught = found["violations"] > 0 and found["cross"] > 0 and found["lost"] > 0
            L.append("")
            L.append(f"Self-test (the checks must be able to fail): {found['violations']} violations found with a "
                     f"model that misses every fifth commit; {found['cross']} cross-tenant wait(s) found of one "
                     f"staged; {found['lost']} lost connection(s) found of one backend terminated: "
                     + ("as it must" if caught else "a check cannot fail: FAILED"))
            ok = ok and caught
        L.append("")
        L.append("Outcome: " + ("passed" if ok else "FAILED"))
        report = "\n".join(L)
        print(report)
        os.makedirs(bl.OUT, exist_ok=True)
        with open(os.path.join(bl.OUT, "soak.md"), "w") as f:
            f.write(report + "\n")
        return 0 if ok else 1

    def self_test(self, seed):
        """Shows the checks can fail: a faulty model, a staged cross-tenant wait, a killed backend."""
        self.fault = True
        self.started = time.time()
        self.deadline = self.started + 300.0      # set below, once the staged faults are done
        clients = [Writer(self, t, seed + i) for i, t in enumerate(self.tenants)]
        clients += [LoginReader(self, t, 9, seed + 100 + i) for i, t in enumerate(self.tenants)]
        victim = PooledClient(self, 99, seed + 200)
        monitor = LockMonitor(self)
        monitor.start()
        for cl in clients + [victim]:
            cl.start()
        a, b = bl.connect(self.db), bl.connect(self.db)
        a.execute(f"SELECT set_config('application_name', 'soak {self.tenants[0].label} self-test', false)")
        b.execute(f"SELECT set_config('application_name', 'soak {self.tenants[1].label} self-test', false)")
        b_pid = b.execute("SELECT pg_backend_pid()").fetchone()[0]
        a.execute("BEGIN")
        a.execute("SELECT pg_advisory_xact_lock(4242)")

        def release():
            """Ends the staged wait once the monitor saw it over the limit: a fixed hold can fall between samples."""
            time.sleep(0.4)
            end = time.time() + 20.0
            while time.time() < end and not any(k[0] == b_pid and w["ms"] > WAIT_LIMIT_MS
                                                for k, w in list(monitor.waits.items())):
                time.sleep(0.02)
            a.execute("COMMIT")
        releaser = threading.Thread(target=release)
        releaser.start()
        b.execute("SELECT pg_advisory_lock(4242)")
        b.execute("SELECT pg_advisory_unlock(4242)")
        releaser.join()
        a.close()
        b.close()
        # the victim must have a backend to lose: its connection can take
        # seconds on a loaded machine (60 s at most)
        end = time.time() + 60.0
        while time.time() < end and victim.is_alive() and not victim.memory:
            time.sleep(0.05)
        with bl.connect(self.db) as c:
            c.execute("SELECT pg_terminate_backend(%s)", (victim.pid,))
        # a left-out commit that does not show (a tier set to what it was) is
        # caught later: go on until the readers find a violation, 60 s at most
        self.deadline = time.time() + 60.0
        while time.time() < self.deadline and not any(cl.violations for cl in clients):
            time.sleep(0.1)
        self.deadline = time.time()
        for cl in clients + [victim]:
            cl.join()
        monitor.stop.set()
        monitor.join()
        self.fault = False
        return {"violations": sum(len(cl.violations) for cl in clients),
                "cross": len(monitor.summary()[1]), "lost": victim.crashes}

    def soak_cache_size(self):
        """Bytes of the largest access cache of one soak identity (each measured alone in a new backend)."""
        if not hasattr(self, "_cache_size"):
            sizes = []
            for t in self.tenants[:2]:
                for kind in KINDS:
                    with bl.connect(self.db) as c:
                        empty = c.execute("SELECT memory_bytes FROM permissions.cache_stats()").fetchone()[0]
                        c.execute(f'SET ROLE "{t.users[kind][1]}"')
                        c.execute("SELECT count(*) FROM permissions.performers").fetchone()
                        c.execute("RESET ROLE")
                        sizes.append(c.execute("SELECT memory_bytes FROM permissions.cache_stats()").fetchone()[0]
                                     - empty)
            self._cache_size = max(sizes)
        return self._cache_size
