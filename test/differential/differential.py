#!/usr/bin/python3
"""
Randomized differential test of the permissions extension's access rules.

Builds random worlds as a DBA, asks random questions and makes random writes
as random users (SET ROLE to their mapped login roles), and compares every
answer with an independent model of the rules (model.py).  The questions
include (account, performer) pairs that do not belong together (pairs.py);
a write the model refuses must be refused for one of the rules' reasons,
compared by SQLSTATE (ops.py Reason).  A mismatch is shrunk to a small world
and printed as a psql script.  mutants.py checks that the test sees each
rule, by breaking it in the model.

    differential.py [--seed N] [--worlds K] [--ops N] [--long] [--ci]

Run it against a cluster where the extension is installed (PGHOST, PGPORT,
PGUSER as a superuser); it creates and drops its own databases and roles.
The last line is "RESULT: <passed> <failed>", a failure being one class of
mismatch (or a crash); the exit status is 1 when anything failed.
"""
import argparse
import collections
import copy
import os
import random
import sys
import time
import traceback

import psycopg

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Model, TIERS, PERMS, KINDS, ACTIONS, matrix, unmutated   # noqa: E402
from world import (STATE_TABLES, OTHER_TABLES, gen_world, closure, load, read_state,   # noqa: E402
                   sequences_sql, ensure_role, now_utc)
import world                                                            # noqa: E402
from ops import ANY, gen_op                                              # noqa: E402
import pairs                                                            # noqa: E402

RUN = '%x' % (os.getpid() & 0xffff)       # concurrent runs on one cluster keep apart
TEMPLATE = 'differential_template_' + RUN
READ_KIND = {t: 'performer data' for t in ('performers', 'charts', 'measurements', 'conditions', 'notes',
                                           'journals', 'tag_assignments')}
READ_KIND.update({t: 'accounts, users, grants, memberships' for t in ('accounts', 'users', 'access_grants', 'teams',
                                                                      'team_members', 'groups', 'group_members')})
READ_KIND['audit_log'] = 'audit_log'
OPSTATS = collections.Counter()         # (write, mode, model's verdict) -> count
REFUSALS = collections.Counter()        # SQLSTATE of the refusals the model predicted -> count


class Comparisons(collections.Counter):
    """Counts of comparisons by kind; with a limit, a run ends (Stop) once
    that many comparisons were made (worlds and users are not comparisons)."""
    limit = None

    def __init__(self, *a, **k):
        self.total = 0
        super().__init__(*a, **k)

    def __setitem__(self, key, value):
        if key not in ('worlds', 'users'):
            self.total += value - self.get(key, 0)
            if self.limit is not None and self.total > self.limit:
                raise Stop(None, self.total - 1)
        super().__setitem__(key, value)


class Stop(Exception):
    """Ends a run early: at a mismatch of a class STOP_ON selects (a mutant's
    run), or at a number of comparisons (the run of the unbroken model that
    confirms the mutants' kills).  count: comparisons made until then."""

    def __init__(self, mismatch, count):
        super().__init__(mismatch.cls if mismatch else 'limit')
        self.mismatch, self.count = mismatch, count


STOP_ON = None          # a mismatch class -> whether the run stops at it


class Mismatch:
    def __init__(self, cls, pending, user, statement, expected, got, target, kind):
        self.cls, self.pending, self.user, self.statement = cls, pending, user, statement
        self.expected, self.got, self.target, self.kind = expected, got, target, kind


class Checker:
    """Runs questions and writes against one database, compares with the model."""

    def __init__(self, conn, roles, nobody, stats, record=True):
        self.conn = conn
        self.cur = conn.cursor()
        self.roles = roles                  # user id -> role name
        self.nobody = nobody
        self.stats = stats
        self.found = []                     # Mismatch
        self.record = record
        self.committed = []                 # (write, mode) so far, replayed by the shrinker: rolled-back
                                            # and refused writes too, as they use up ids
        self.definers = []                  # (function, owner user or None): SECURITY DEFINER whoami
        self.credentials = []               # (how, creator, user, secret)
        self.pool = None                    # a role that authenticates with credentials
        self.statkey = None
        self.context = ''                   # how the question was asked, when it matters

    # ---- plumbing ----------------------------------------------------------
    def state(self):
        return read_state(self.cur)

    def models(self, st):
        now = now_utc()
        M11, M10 = Model(st, now, True), Model(st, now, False)
        return M11, M10

    def role_of(self, u):
        return self.roles[u] if u is not None else self.nobody

    def as_user(self, u, fn):
        self.cur.execute('SET ROLE %s' % self.role_of(u))
        try:
            return fn()
        finally:
            if self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                self.cur.execute('ROLLBACK')        # also undoes the SET ROLE
            else:
                self.cur.execute('RESET ROLE')

    def q(self, sql, params=None):
        self.cur.execute(sql, params)
        return self.cur.fetchall()

    def mismatch(self, kind, what, user, statement, expected, got, target, m10_agrees):
        """m10_agrees: the database gave the 1.0 answer (True, or the name of the
        1.1 point it has not implemented yet)."""
        pending = bool(m10_agrees)
        point = ' (%s)' % m10_agrees if isinstance(m10_agrees, str) else ''
        cls = '%s%s%s: %s' % ('pending-1.1%s ' % point if pending else '', kind, self.context, what)
        m = Mismatch(cls, pending, user, statement, expected, got, target + (list(self.committed),), self.statkey)
        self.found.append(m)
        if STOP_ON is not None and STOP_ON(cls):
            raise Stop(m, getattr(self.stats, 'total', 0))

    # ---- reads ---------------------------------------------------------------
    def read_all(self, u, st, M11, M10, tables=None, in_txn=False):
        """Every table as user u: the exact set of visible keys against the model.
        in_txn: already inside a transaction as u (after a ROLLBACK TO SAVEPOINT)."""
        tables = tables or list(STATE_TABLES)
        res = {}

        def run():
            for t in tables:
                key = STATE_TABLES[t][0]
                cols = key if isinstance(key, str) else ', '.join(key)
                self.cur.execute('SAVEPOINT r')
                try:
                    rows = self.q('SELECT %s FROM permissions.%s' % (cols, t))
                    res[t] = {r[0] if isinstance(key, str) else tuple(r) for r in rows}
                    self.cur.execute('RELEASE SAVEPOINT r')
                except psycopg.Error as e:
                    self.cur.execute('ROLLBACK TO SAVEPOINT r')
                    res[t] = e
            if not in_txn:
                self.cur.execute('SAVEPOINT r')
                try:
                    res['billing'] = set(self.q('SELECT account_id, users, active_users, performers FROM permissions.billing'))
                    self.cur.execute('RELEASE SAVEPOINT r')
                except psycopg.Error as e:
                    self.cur.execute('ROLLBACK TO SAVEPOINT r')
                    res['billing'] = e
            for t in (OTHER_TABLES if not in_txn else []):
                self.cur.execute('SAVEPOINT r')
                try:
                    res[t] = self.q('SELECT count(*) FROM permissions.%s' % t)[0][0]
                    self.cur.execute('RELEASE SAVEPOINT r')
                except psycopg.Error as e:
                    self.cur.execute('ROLLBACK TO SAVEPOINT r')
                    res[t] = e
        if in_txn:
            run()
        else:
            self.cur.execute('BEGIN')
            try:
                self.as_user(u, run)
            finally:
                self.cur.execute('COMMIT')
        for t in tables:
            got = res[t]
            self.statkey = 'read ' + READ_KIND.get(t, 'libraries and views')
            self.stats[self.statkey] += 1
            if isinstance(got, Exception):
                if u is None:
                    continue            # no identity: refusing the table is seeing nothing
                self.mismatch('read', '%s: error %s' % (t, type(got).__name__), u,
                              'SELECT * FROM permissions.%s' % t, 'rows', str(got).splitlines()[0],
                              ('read', u, t, None, 'error'), False)
                continue
            exp = {k for k, r in st[t].items() if M11.visible(u, t, k, r)}
            if got == exp:
                continue
            exp10 = {k for k, r in st[t].items() if M10.visible(u, t, k, r)}
            for k in sorted(got - exp, key=str)[:3]:
                self.mismatch('read', '%s: row visible that the model hides' % t, u,
                              'SELECT * FROM permissions.%s' % t, 'hidden: %s %s' % (k, st[t].get(k)), 'visible',
                              ('read', u, t, k, 'extra'), k in exp10 and 'membership')
            for k in sorted(exp - got, key=str)[:3]:
                self.mismatch('read', '%s: row hidden that the model shows' % t, u,
                              'SELECT * FROM permissions.%s' % t, 'visible: %s %s' % (k, st[t].get(k)), 'hidden',
                              ('read', u, t, k, 'missing'), k not in exp10 and 'membership')
        if not in_txn:
            # manage_billing: plan, users, active users and performers of each account
            # where the caller holds it, counted over all rows (README Billing)
            self.statkey = 'read billing view'
            self.stats[self.statkey] += 1
            got = res['billing']
            exp = {(a, sum(1 for r in st['users'].values() if r['account_id'] == a),
                    sum(1 for r in st['users'].values() if r['account_id'] == a and r['active']),
                    sum(1 for r in st['performers'].values() if r['account_id'] == a))
                   for a in st['accounts'] if M11.holds(u, 'manage_billing', a)}
            if isinstance(got, Exception):
                if u is not None:
                    self.mismatch('read', 'billing: error', u, 'SELECT * FROM permissions.billing', 'rows',
                                  str(got).splitlines()[0], ('read', u, 'billing', None, 'error'), False)
            elif got != exp:
                self.mismatch('read', 'billing: rows differ', u, 'SELECT * FROM permissions.billing',
                              sorted(exp - got), sorted(got - exp), ('read', u, 'billing', None, 'rows'), False)
        for t in (OTHER_TABLES if not in_txn else []):
            self.statkey = 'read tables the worlds leave empty'
            self.stats[self.statkey] += 1
            got = res[t]
            if isinstance(got, Exception):
                if u is not None:
                    self.mismatch('read', '%s: error' % t, u, 'SELECT count(*) FROM permissions.%s' % t,
                                  'a count', str(got).splitlines()[0], ('read', u, t, None, 'error'), False)
            elif got != 0:
                self.mismatch('read', '%s: rows in a table the world leaves empty' % t, u,
                              'SELECT count(*) FROM permissions.%s' % t, 0, got, ('read', u, t, None, 'count'), False)

    # ---- function questions ------------------------------------------------
    def functions(self, u, st, M11, M10, rng):
        """check, effective_tier, has_permission, accessible_performers, is_member,
        holds, manages, can_* and current_user_id, as user u."""
        perfs = sorted(st['performers']) + [999999]
        accts = sorted(st['accounts']) + [999999]
        out = {}

        def run():
            out['uid'] = self.q('SELECT permissions.current_user_id()')[0][0]
            out['check'] = self.q(
                'SELECT p, a, k, permissions.check(a, k, p) FROM unnest(%s::bigint[]) p, '
                'unnest(%s::text[]) a, unnest(%s::text[]) k', (perfs, ACTIONS, KINDS))
            out['tier'] = self.q('SELECT p, permissions.effective_tier(p)::text FROM unnest(%s::bigint[]) p', (perfs,))
            out['hasperm'] = self.q('SELECT n, permissions.has_permission(n) FROM unnest(%s::text[]) n', (PERMS,))
            out['acc'] = {a: {r[0] for r in self.q('SELECT * FROM permissions.accessible_performers(%s)', (a,))}
                          for a in ACTIONS}
            out['member'] = self.q('SELECT a, permissions.is_member(a) FROM unnest(%s::bigint[]) a', (accts,))
            out['manages'] = self.q('SELECT a, permissions.manages(a) FROM unnest(%s::bigint[]) a', (accts,))
            out['holds'] = self.q('SELECT n, a, permissions.holds(n, a) FROM unnest(%s::text[]) n, unnest(%s::bigint[]) a',
                                  (PERMS, accts))
            pa = [(p, st['performers'][p]['account_id']) for p in sorted(st['performers'])]
            if pa:
                out['canview'] = self.q(
                    'SELECT x.p, k, permissions.can_view(k, x.a, x.p), permissions.can_create(k, x.a, x.p), '
                    'permissions.can_edit(k, x.a, x.p, %s), permissions.can_delete(k, x.a, x.p, %s), '
                    'permissions.can_edit(k, x.a, x.p, -1), permissions.can_delete(k, x.a, x.p, -1) '
                    'FROM unnest(%s::bigint[], %s::bigint[]) x(p, a), unnest(%s::text[]) k',
                    (u, u, [p for p, _ in pa], [a for _, a in pa], KINDS))
            else:
                out['canview'] = []
            # another user's access: answered only to the user itself and manage_users holders
            others = rng.sample(sorted(st['users']), min(2, len(st['users'])))
            out['other'] = []
            for v in others:
                self.cur.execute('SAVEPOINT f')
                try:
                    r = self.q('SELECT p, permissions.effective_tier(p, %s)::text FROM unnest(%s::bigint[]) p', (v, perfs))
                    self.cur.execute('RELEASE SAVEPOINT f')
                    out['other'].append((v, r))
                except psycopg.Error:
                    self.cur.execute('ROLLBACK TO SAVEPOINT f')
                    out['other'].append((v, None))
        self.cur.execute('BEGIN')
        try:
            self.as_user(u, run)
        except psycopg.errors.InsufficientPrivilege:
            if u is not None:
                raise
            # a role mapped to nobody may have no privileges at all (1.1): it asks nothing
            self.stats['function as a role mapped to nobody: refused'] += 1
            return
        finally:
            if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.cur.execute('COMMIT')

        ident = M11.identity(u)

        def cmp(kind, what, args, got, exp, exp10, stmt):
            self.statkey = 'function ' + kind
            self.stats[self.statkey] += 1
            if got != exp:
                self.mismatch('function', '%s: %s' % (kind, what), u, stmt, exp, got,
                              ('fn', u, kind, args), got == exp10 and 'membership')

        cmp('current_user_id', 'identity', (), out['uid'], ident, M10.identity(u),
            'SELECT permissions.current_user_id()')
        for p, a, k, got in out['check']:
            exp = M11.check(ident, a, k, p) if ident else False
            exp10 = M10.check(ident, a, k, p) if ident else False
            cmp('check', '%s %s on tier %s' % (a, k, TIERS[M11.tier(ident, p)] if ident else 'none'),
                (a, k, p), got, exp, exp10, "SELECT permissions.check('%s', '%s', %d)" % (a, k, p))
        for p, got in out['tier']:
            exp = TIERS[M11.tier(ident, p)] if ident else 'none'
            cmp('effective_tier', 'tier', (p,), got, exp, TIERS[M10.tier(ident, p)] if ident else 'none',
                'SELECT permissions.effective_tier(%d)' % p)
        for n, got in out['hasperm']:
            cmp('has_permission', n, (n,), got, M11.has_permission(ident, n), M10.has_permission(ident, n),
                "SELECT permissions.has_permission('%s')" % n)
        for a in ACTIONS:
            exp = M11.accessible(ident, a) if ident else set()
            got = out['acc'][a]
            self.statkey = 'function accessible_performers'
            self.stats[self.statkey] += 1
            if got != exp:
                exp10 = M10.accessible(ident, a) if ident else set()
                for p in sorted(got ^ exp)[:2]:
                    self.mismatch('function', 'accessible_performers(%s): %s' % (a, 'extra' if p in got else 'missing'),
                                  u, "SELECT * FROM permissions.accessible_performers('%s')" % a,
                                  p in exp, p in got, ('fn', u, 'accessible', (a, p)), (p in exp10) == (p in got))
        for a, got in out['member']:
            cmp('is_member', 'membership', (a,), got, M11.member(ident, a), M10.member(ident, a),
                'SELECT permissions.is_member(%d)' % a)
        for a, got in out['manages']:
            cmp('manages', 'manager', (a,), got, M11.manages(ident, a), M10.manages(ident, a),
                'SELECT permissions.manages(%d)' % a)
        for n, a, got in out['holds']:
            cmp('holds', n, (n, a), got, M11.holds(ident, n, a), M10.holds(ident, n, a),
                "SELECT permissions.holds('%s', %d)" % (n, a))
        for row in out['canview']:
            p, k = row[0], row[1]
            t = M11.tier(ident, p) if ident else 0
            t10 = M10.tier(ident, p) if ident else 0
            for name, got, action, own in (('can_view', row[2], 'view', True), ('can_create', row[3], 'create', True),
                                           ('can_edit own', row[4], 'edit', True), ('can_delete own', row[5], 'delete', True),
                                           ('can_edit other', row[6], 'edit', False), ('can_delete other', row[7], 'delete', False)):
                cmp('policy functions', '%s %s on %s' % (name, k, TIERS[t]), (name, k, p), got,
                    matrix(t, action, k, own), matrix(t10, action, k, own),
                    "SELECT permissions.%s('%s', %d, %d%s)" % (name.split()[0], k, st['performers'][p]['account_id'], p,
                                                             '' if name == 'can_view' or name == 'can_create' else
                                                             ', %s' % (u if own else -1)))
        for v, got in out['other']:
            allowed = ident is not None and (v == ident or M11.holds(ident, 'manage_users', st['users'][v]['account_id']))
            self.statkey = 'function effective_tier(p, user)'
            self.stats[self.statkey] += 1
            if (got is not None) != allowed:
                self.mismatch('function', 'effective_tier(p, other user): %s' % ('answered' if got is not None else 'refused'),
                              u, 'SELECT permissions.effective_tier(p, %d)' % v, 'answered' if allowed else 'refused',
                              'answered' if got is not None else 'refused', ('fn', u, 'other', (v,)), False)
                continue
            if got is not None:
                for p, t in got:
                    cmp('effective_tier(p, user)', 'tier', (p, v), t, TIERS[M11.tier(v, p)], TIERS[M10.tier(v, p)],
                        'SELECT permissions.effective_tier(%d, %d)' % (p, v))

    def privileges(self, u, st):
        """Table privileges belong to permissions_client, which a mapped login role
        joins; a role mapped to nobody has none (1.1 Privileges; 1.0: PUBLIC)."""
        oid = self.q("SELECT 'permissions.performers'::regclass::oid")[0][0]

        def run():
            return self.q("SELECT has_table_privilege(current_user, %s::oid, 'SELECT')", (oid,))[0][0]
        self.cur.execute('BEGIN')
        try:
            got = self.as_user(u, run)
        finally:
            self.cur.execute('COMMIT')
        mapped = u is not None
        self.statkey = 'privileges'
        self.stats[self.statkey] += 1
        if got != mapped:
            self.mismatch('privileges', 'SELECT on the tables for a role %s' % ('mapped to a user' if mapped else 'mapped to nobody'),
                          u, "SELECT has_table_privilege(current_user, 'permissions.performers', 'SELECT')",
                          mapped, got, ('fn', u, 'privileges', ()), got is True and 'privileges')

    def make_definers(self, rng, users):
        """SECURITY DEFINER functions owned by a mapped role and by the unmapped one."""
        owners = rng.sample(users, min(2, len(users))) + [None]
        self.install_definers([('public.differential_whoami_%d' % i, o) for i, o in enumerate(owners)])

    def install_definers(self, definers):
        for f, o in definers:
            for stmt in definer_sql(f, self.role_of(o)):
                self.cur.execute(stmt)
            self.definers.append((f, o))

    def definer_identity(self, u, st, M11, M10):
        """Inside a SECURITY DEFINER function owned by a non-superuser, the acting
        role is the owner: its own mapping, never the caller's identity (1.1 Identity;
        1.0: the caller's identity)."""
        for f, owner in self.definers:
            def run():
                self.cur.execute('SAVEPOINT d')
                try:
                    r = self.q('SELECT %s()' % f)[0][0]
                    self.cur.execute('RELEASE SAVEPOINT d')
                    return r
                except psycopg.Error:
                    self.cur.execute('ROLLBACK TO SAVEPOINT d')
                    return 'error'
            self.cur.execute('BEGIN')
            try:
                got = self.as_user(u, run)
            finally:
                self.cur.execute('COMMIT')
            exp = M11.identity(owner)
            exp10 = M10.identity(u)
            if got == 'error' and owner is None:
                got = None          # the unmapped owner may lack privileges: it is nobody either way
            self.statkey = 'identity inside SECURITY DEFINER'
            self.stats[self.statkey] += 1
            if got != exp:
                self.mismatch('identity', 'SECURITY DEFINER function owned by %s' % ('a mapped role' if owner else 'an unmapped role'),
                              u, 'SELECT %s()' % f, exp, got,
                              ('fn', u, 'definer', (f,)), got == exp10 and 'definer')

    def make_credentials(self, rng, st, M11):
        """API credentials: one a user made for itself, one a manager made for a
        user of its subtree, one a DBA made."""
        users = sorted(st['users'])
        pairs = []
        for t in rng.sample(users, min(3, len(users))):
            pairs.append(('self', t, t))
        def reaches_outside(m, t):
            sub = {a for a in st['accounts'] if st['users'][m]['account_id'] in M11.ancestors(a)}
            return any(M11.tier(t, p) > 0 and r['account_id'] not in sub for p, r in st['performers'].items())
        mt = [(m, t) for t in users for m in users if m != t and M11.manages(m, st['users'][t]['account_id'])]
        outside = [x for x in mt if reaches_outside(*x)]
        for m, t in rng.sample(outside, min(3, len(outside))) + rng.sample(mt, min(3, len(mt))):
            pairs.append(('manager', m, t))
        for t in rng.sample(users, min(2, len(users))):
            pairs.append(('dba', None, t))
        for how, creator, t in pairs:
            sql = "SELECT permissions.create_api_credential(%d, 'differential')" % t
            self.cur.execute('BEGIN')
            try:
                if creator is not None:
                    self.cur.execute('SET ROLE %s' % self.role_of(creator))
                secret = self.q(sql)[0][0]
                self.cur.execute('RESET ROLE')
                self.cur.execute('COMMIT')
                self.credentials.append((how, creator, t, secret))
            except psycopg.Error:
                self.cur.execute('ROLLBACK')   # not allowed to create it: nothing to ask

    def credential_questions(self, st, M11, M10):
        """A credential acts as its user; one made by another user (a manager) acts
        only within the creator's current manager subtree, and gives no identity
        once the creator no longer manages the user's account (1.1 Identity)."""
        perfs = sorted(st['performers'])
        accts = sorted(st['accounts'])
        for how, creator, t, secret in self.credentials:
            out = {}
            self.cur.execute('BEGIN')
            try:
                self.cur.execute('SET ROLE %s' % self.pool)
                self.cur.execute('SAVEPOINT a')
                try:
                    self.q('SELECT permissions.authenticate(%s)', (secret,))
                    out['uid'] = self.q('SELECT permissions.current_user_id()')[0][0]
                    out['tier'] = self.q('SELECT p, permissions.effective_tier(p)::text FROM unnest(%s::bigint[]) p', (perfs,))
                    out['member'] = self.q('SELECT a, permissions.is_member(a) FROM unnest(%s::bigint[]) a', (accts,))
                    out['holds'] = self.q("SELECT a, permissions.holds('manage_users', a) FROM unnest(%s::bigint[]) a", (accts,))
                    out['performers'] = {r[0] for r in self.q('SELECT id FROM permissions.performers')}
                except psycopg.Error as e:
                    self.cur.execute('ROLLBACK TO SAVEPOINT a')
                    out['error'] = str(e).splitlines()[0]
            finally:
                self.cur.execute('RESET ROLE')
                self.cur.execute('COMMIT')
            M_noscope = dict(M11.alts)['credential_scope']
            M_nomember = dict(M11.alts)['membership']
            exps = {}
            for M, name in ((M11, '1.1'), (M10, '1.0'), (M_noscope, 'credential_scope'), (M_nomember, 'membership')):
                ident = M.identity(t)
                scope = None
                if M.on('credential_scope') and how == 'manager':
                    if not M.manages(creator, st['users'][t]['account_id']) if t in st['users'] else True:
                        ident = None
                    else:
                        scope = {a for a in accts if st['users'][creator]['account_id'] in M.ancestors(a)}
                inscope = lambda a: scope is None or a in scope
                exp = {'uid': ident,
                       'tier': [(p, TIERS[M.tier(ident, p)] if ident and inscope(st['performers'][p]['account_id']) else 'none') for p in perfs],
                       'member': [(a, bool(ident) and inscope(a) and M.member(ident, a)) for a in accts],
                       'holds': [(a, bool(ident) and inscope(a) and M.holds(ident, 'manage_users', a)) for a in accts],
                       'performers': {p for p in perfs if ident and inscope(st['performers'][p]['account_id'])
                                      and M.tier(ident, p) >= 1}}
                exps[name] = exp
            exp11 = exps['1.1']
            self.statkey = 'credential identity'
            if 'error' in out:
                self.stats[self.statkey] += 1
                if exp11['uid'] is not None:
                    self.mismatch('credential', '%s-made credential: authenticate failed' % how, None,
                                  "SELECT permissions.authenticate('<credential of user %d made by %s>')" % (t, creator or 'a DBA'),
                                  'user %s' % exp11['uid'], out['error'], ('fn', None, 'credential', (how, t)), False)
                continue
            for key in ('uid', 'tier', 'member', 'holds', 'performers'):
                self.stats[self.statkey] += 1
                if out[key] != exp11[key]:
                    if key in ('uid', 'performers'):
                        e, g = exp11[key], out[key]
                        if key == 'performers':
                            e, g = sorted(e - g), sorted(g - e)
                    else:
                        de, dg = dict(exp11[key]), dict(out[key])
                        bad = [k for k in de if de[k] != dg.get(k)][:4]
                        e, g = {k: de[k] for k in bad}, {k: dg.get(k) for k in bad}
                    self.mismatch('credential', '%s-made credential: %s' % (how, key), None,
                                  "SELECT permissions.authenticate('<credential of user %d made by %s>'); -- then %s" % (
                                      t, creator or 'a DBA', key),
                                  e, g,
                                  ('fn', None, 'credential', (how, t, key)),
                                  next((n for n in ('credential_scope', 'membership', '1.0') if out[key] == exps[n][key]), False))

    def maintenance_identity(self, u):
        """During maintenance (here REFRESH MATERIALIZED VIEW, a security-restricted
        operation) there is no identity at all (1.1 Identity): a materialized view
        over the performers, owned by a mapped user and refreshed by it, is empty."""
        role = self.role_of(u)
        self.cur.execute('CREATE MATERIALIZED VIEW public.differential_mv AS '
                         'SELECT id FROM permissions.performers WITH NO DATA')
        self.cur.execute('ALTER MATERIALIZED VIEW public.differential_mv OWNER TO %s' % role)
        try:
            self.cur.execute('BEGIN')
            self.cur.execute('SET ROLE %s' % role)
            try:
                self.cur.execute('REFRESH MATERIALIZED VIEW public.differential_mv')
                got = self.q('SELECT count(*) FROM public.differential_mv')[0][0]
                direct = self.q('SELECT count(*) FROM permissions.performers')[0][0]
            except psycopg.Error as e:
                got, direct = 'error: %s' % str(e).splitlines()[0], None
            finally:
                self.cur.execute('ROLLBACK')
        finally:
            self.cur.execute('DROP MATERIALIZED VIEW public.differential_mv')
        self.statkey = 'identity during maintenance'
        self.stats[self.statkey] += 1
        if got != 0:
            self.mismatch('identity', 'REFRESH MATERIALIZED VIEW sees rows', u,
                          'REFRESH MATERIALIZED VIEW public.differential_mv; SELECT count(*) FROM public.differential_mv',
                          0, got, ('fn', u, 'maintenance', ()), got == direct and 'maintenance')

    DBA_CHECKS = [(a, k) for a in ACTIONS for k in ('measurement', 'journal', 'access')]

    def dba_functions(self, st, M11, M10):
        """As the DBA: effective_tier, and check() for every action on three
        kinds (the cells of the tier matrix), for every user and performer."""
        users = sorted(st['users'])
        perfs = sorted(st['performers'])
        checks = ', '.join("permissions.check('%s', '%s', p, u)" % c for c in self.DBA_CHECKS)
        rows = self.q('SELECT u, p, permissions.effective_tier(p, u)::text, ARRAY[%s] '
                      'FROM unnest(%%s::bigint[]) u, unnest(%%s::bigint[]) p' % checks, (users, perfs))
        for u, p, t, cs in rows:
            self.statkey = 'function effective_tier(p, user) as DBA'
            self.stats[self.statkey] += 1
            if t != TIERS[M11.tier(u, p)]:
                self.mismatch('function', 'effective_tier(p, user) as DBA', None,
                              'SELECT permissions.effective_tier(%d, %d)' % (p, u), TIERS[M11.tier(u, p)], t,
                              ('fn', None, 'dba_tier', (u, p)), t == TIERS[M10.tier(u, p)])
            for (a, k), c in zip(self.DBA_CHECKS, cs):
                self.statkey = 'function check(..., user) as DBA'
                self.stats[self.statkey] += 1
                if c != M11.check(u, a, k, p):
                    self.mismatch('function', 'check(%s, %s, p, user) as DBA' % (a, k), None,
                                  "SELECT permissions.check('%s', '%s', %d, %d)" % (a, k, p, u),
                                  M11.check(u, a, k, p), c, ('fn', None, 'dba_check', (u, p, a, k)),
                                  c == M10.check(u, a, k, p))

    # ---- writes --------------------------------------------------------------
    def check_reason(self, op, pred, err, target, M11):
        """A refused write was refused for one of the reasons the model gives
        (the rules' SQLSTATEs), not by a syntax error, an undefined column, a
        foreign key or unique index the rules do not explain, a lock timeout."""
        code, message = refusal_of(err)
        self.statkey = 'write refusals checked by SQLSTATE'
        self.stats[self.statkey] += 1
        REFUSALS[code or '0 rows'] += 1
        if pred.accepts(code, message, op.sql):
            return
        agrees = False
        for point, Ma in M11.alts:
            pa = op.predict(Ma)
            if not pa.ok and pa.accepts(code, message, op.sql):
                agrees = point
                break
        reasons = sorted({r.name for _, r in pred.reasons})
        self.mismatch('write', '%s: refused for another reason (%s, the model: %s)' % (
                          op.family, code or 'no row', ', '.join(reasons)),
                      op.user, op.sql, 'refused: %s (%s)' % (pred.why, '; '.join(
                          '%s: %s' % (w, '/'.join(r.codes)) for w, r in pred.reasons)),
                      'error %s: %s' % (code, message) if code else 'no row written, no error', target, agrees)

    def run_write(self, op, mode, st):
        """Runs one write as op.user in a transaction; mode is commit, savepoint
        (rolled back to a savepoint, then committed) or rollback."""
        M11, M10 = self.models(st)
        p11, p10 = op.predict(M11), op.predict(M10)
        err = None
        rowcount = None
        self.cur.execute('BEGIN')
        if not op.dba:
            self.cur.execute('SET ROLE %s' % self.role_of(op.user))
        self.cur.execute('SAVEPOINT w')
        post_rows = None
        try:
            self.cur.execute(op.sql)
            rowcount = self.cur.rowcount
            if self.cur.description:
                self.cur.fetchall()
            if op.post_sql and p11.ok:
                self.cur.execute(op.post_sql[0], (op.post_sql[1],))
                post_rows = self.cur.fetchall()
            if mode == 'savepoint':
                self.cur.execute('ROLLBACK TO SAVEPOINT w')
                # in the same transaction, the rolled-back write must be gone
                if not op.dba:
                        self.read_all(op.user, st, M11, M10, tables=['accounts', 'users', 'performers', 'access_grants',
                                                                 'team_members', 'group_members', 'journals'],
                                  in_txn=True)
            else:
                self.cur.execute('RELEASE SAVEPOINT w')
        except psycopg.Error as e:
            err = e
            self.cur.execute('ROLLBACK TO SAVEPOINT w')
        self.cur.execute('RESET ROLE')
        self.cur.execute('ROLLBACK' if mode == 'rollback' else 'COMMIT')
        post = self.state()
        self.stats['write outcome'] += 1
        self.stats['write resulting rows'] += 1
        OPSTATS[(op.name, mode, 'allowed' if p11.ok else 'refused')] += 1
        self.statkey = 'write outcome'

        def outcome_ok(p):
            if op.style == 'nochange':
                return True
            if p.ok:
                return err is None and (op.style == 'func' or rowcount == p.rowcount)
            return err is not None or (op.style == 'dml' and rowcount == 0)

        def expected_post(p):
            if mode != 'commit' or not p.ok or err is not None:
                return st
            e = copy.deepcopy(st)
            p.apply(e)
            return e

        got = 'error %s: %s' % (err.sqlstate, str(err).splitlines()[0]) if err is not None else 'ok (%s rows)' % rowcount
        exp = 'allowed (%s rows)' % p11.rowcount if p11.ok else 'refused: %s' % p11.why
        target = ('write', op, mode)
        if not outcome_ok(p11):
            agrees = outcome_ok(p10)
            for point, Ma in M11.alts:
                if outcome_ok(op.predict(Ma)):
                    agrees = point
                    break
            self.mismatch('write', '%s: %s' % (op.family, 'refused, model allows' if p11.ok else 'allowed, model refuses (%s)' % p11.why),
                          op.user, op.sql, exp, got, target, agrees)
            return post, False
        if not p11.ok and (err is not None or op.style != 'nochange'):
            # refused, as the model says: for one of the rules' reasons?
            self.check_reason(op, p11, err, target, M11)
        if post_rows is not None:
            self.statkey = 'write: the next statement'
            self.stats[self.statkey] += 1
            problem = op.post_check(post_rows)
            if problem:
                self.mismatch('write', '%s: %s' % (op.family, problem.split(':')[0]), op.user,
                              op.sql + '; ' + op.post_sql[0].replace('%s', "'{%s}'" % ','.join(map(str, op.post_sql[1]))),
                              'the new performer at tier1', problem, target, False)
        if not op.compare_rows:
            return post, err is None and mode == 'commit'
        diff = state_diff(expected_post(p11), post)
        self.statkey = 'write resulting rows'
        if diff:
            agrees = not state_diff(expected_post(p10), post)
            for point, Ma in M11.alts:
                if not state_diff(expected_post(op.predict(Ma)), post):
                    agrees = point
                    break
            self.mismatch('write', '%s: resulting rows differ in %s' % (op.family, ', '.join(sorted(diff))),
                          op.user, op.sql, exp + '; ' + describe_diff(diff), got, target, agrees)
            return post, False
        return post, err is None and mode == 'commit'


def refusal_of(err):
    """(SQLSTATE, primary message) of a refusal; (None, '') when no row was written."""
    if err is None:
        return None, ''
    return err.sqlstate, (err.diag.message_primary or str(err).splitlines()[0])


def definer_sql(f, owner_role):
    return ['CREATE FUNCTION %s() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER '
            'AS $$ SELECT permissions.current_user_id() $$;' % f,
            'ALTER FUNCTION %s() OWNER TO %s;' % (f, owner_role),
            'GRANT EXECUTE ON FUNCTION %s() TO PUBLIC;' % f]


def state_diff(exp, got):
    """Tables whose rows differ.  Rows the model adds have keys ('new', n): they
    match any new row of the database with the same columns (ANY matches anything)."""
    out = {}
    mapping = {}            # ('new', n) -> the id the database gave that row

    def subst(r):
        return {c: mapping.get(v, v) if isinstance(v, tuple) else v for c, v in r.items()}
    for t in STATE_TABLES:
        if t in ('audit_log', 'api_credential_uses'):
            continue
        e, g = exp[t], got[t]
        problems = []
        new_e = [(k, subst(r)) for k, r in e.items() if isinstance(k, tuple) and k and k[0] == 'new']
        for k, r in e.items():
            if isinstance(k, tuple) and k and k[0] == 'new':
                continue
            if k not in g:
                problems.append(('missing', k, r))
            elif not row_eq(r, g[k]):
                problems.append(('changed', k, r, g[k]))
        new_g = [(k, r) for k, r in g.items() if k not in e]
        unmatched = list(new_g)
        for nk, r in new_e:
            for i, (k, gr) in enumerate(unmatched):
                if row_eq(r, gr):
                    mapping[nk] = k
                    del unmatched[i]
                    break
            else:
                problems.append(('not created', r))
        for k, r in unmatched:
            problems.append(('unexpected', k, r))
        if problems:
            out[t] = problems
    return out


def row_eq(e, g):
    for c, v in e.items():
        if v is ANY:
            continue
        gv = g.get(c)
        if isinstance(v, float) or isinstance(gv, float):
            if v is None or gv is None or abs(float(v) - float(gv)) > 1e-9:
                return False
        elif v != gv:
            return False
    return True


def describe_diff(diff):
    parts = []
    for t, probs in sorted(diff.items()):
        for p in probs[:3]:
            parts.append('%s %s %s' % (t, p[0], ' '.join(str(x) for x in p[1:])))
    return '; '.join(parts)


# ---- databases ----------------------------------------------------------------
def admin_conn():
    return psycopg.connect('', autocommit=True)


def make_template(admin):
    admin.execute('DROP DATABASE IF EXISTS %s' % TEMPLATE)
    admin.execute('CREATE DATABASE %s' % TEMPLATE)
    with psycopg.connect(dbname=TEMPLATE, autocommit=True) as c:
        c.execute('SET client_min_messages = warning')
        c.execute('CREATE EXTENSION permissions')


def fresh_db(admin, name):
    admin.execute('DROP DATABASE IF EXISTS %s' % name)
    admin.execute('CREATE DATABASE %s TEMPLATE %s' % (name, TEMPLATE))
    c = psycopg.connect(dbname=name, autocommit=True)
    c.execute('SET client_min_messages = warning')
    # a write that waits on a lock fails (55P03), which no rule explains
    c.execute("SET lock_timeout = '10s'")
    return c


def drop_db(admin, name):
    admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


# ---- one world ----------------------------------------------------------------
def run_world(admin, seed, widx, args, stats, log):
    rng = random.Random('%d/%d' % (seed, widx))
    tag = 'dt%dw%d' % (seed, widx)
    recs, roles = gen_world(rng, tag, size=1.0)
    nobody = '%s_nobody' % tag
    dbname = 'differential_%s_%d_%d' % (RUN, seed, widx)
    conn = fresh_db(admin, dbname)
    try:
        return world_questions(admin, conn, dbname, rng, tag, recs, roles, nobody, args, stats, log)
    finally:
        conn.close()
        drop_db(admin, dbname)


def world_questions(admin, conn, dbname, rng, tag, recs, roles, nobody, args, stats, log, loaded=False):
    """Loads the world (unless loaded: a copy of a loaded one), asks every
    question, makes the writes."""
    t0 = time.monotonic()
    if not loaded:
        load(conn.cursor(), recs, roles, nobody)
    # a second session reads after the writes: decisions must be fresh across backends
    conn2 = psycopg.connect(dbname=dbname, autocommit=True)
    try:
        return questions(conn, conn2, rng, tag, recs, roles, nobody, args, stats, log, t0)
    finally:
        conn2.close()


def questions(conn, conn2, rng, tag, recs, roles, nobody, args, stats, log, t0):
    """Every question and write of one loaded world (see world_questions)."""
    ck = Checker(conn, roles, nobody, stats)
    conn2.execute("SET lock_timeout = '10s'")
    ck2 = Checker(conn2, roles, nobody, stats)
    ck2.found, ck2.committed = ck.found, ck.committed
    st = ck.state()
    stats_w = collections.Counter(users=len(st['users']), performers=len(st['performers']),
                                  grants=len(st['access_grants']), accounts=len(st['accounts']))
    log('world %s: %d accounts, %d users, %d performers, %d grants, %d rows loaded in %.1fs' % (
        tag, stats_w['accounts'], stats_w['users'], stats_w['performers'], stats_w['grants'], len(recs),
        time.monotonic() - t0))
    stats['worlds'] += 1
    stats['users'] += len(st['users'])
    all_users = sorted(st['users'])
    # every user (and nobody) reads everything and asks every function once
    M11, M10 = ck.models(st)
    ck.dba_functions(st, M11, M10)
    G = generation_model(st)
    ck.maintenance_identity(rng.choice([x for x in all_users if G.active(x)] or all_users))
    ck.make_definers(rng, all_users)
    ck2.definers = ck.definers
    ck.pool = '%s_pool' % tag
    ensure_role(ck.cur, ck.pool)
    if ck.q("SELECT count(*) FROM pg_roles WHERE rolname = 'permissions_client'")[0][0]:
        ck.cur.execute('GRANT permissions_client TO %s' % ck.pool)
    with unmutated():
        ck.make_credentials(rng, st, G)
    st = ck.state()
    M11, M10 = ck.models(st)
    ck.credential_questions(st, M11, M10)
    askers = all_users + [None]
    if getattr(args, 'users_first', None):
        askers = rng.sample(all_users, min(args.users_first, len(all_users))) + [None]
    for u in askers:
        ck.privileges(u, st)
        ck.definer_identity(u, st, M11, M10)
        ck.read_all(u, st, M11, M10)
        if u is not None or args.long:
            ck.functions(u, st, M11, M10, rng)
        pairs.ask(ck, u, st, M11, rng)
    deadline = time.monotonic() + args.world_seconds if args.world_seconds else None
    for i in range(args.ops):
        if deadline and time.monotonic() > deadline:
            break
        r = rng.random()
        u = None if r < 0.04 else rng.choice(all_users)
        M11, M10 = ck.models(st)
        with unmutated():
            op = gen_op(rng, st, u, st['users'], generation_model(st))
        if op is None:
            continue
        mode = rng.choices(['commit', 'savepoint', 'rollback'], [70, 15, 15])[0]
        # another session, in a transaction open across the write: under REPEATABLE
        # READ it keeps the view of its snapshot; under READ COMMITTED its next
        # statement sees the committed write (README How freshness works)
        watch = rng.random() < 0.3
        if watch:
            v = rng.choice(all_users)
            iso = rng.choice(['REPEATABLE READ', 'READ COMMITTED'])
            tables = [t for t in STATE_TABLES if t != 'audit_log']
            ck2.cur.execute('BEGIN ISOLATION LEVEL %s' % iso)
            ck2.cur.execute('SET ROLE %s' % ck2.role_of(v))
            ck2.read_all(v, st, M11, M10, tables=tables, in_txn=True)
        post, done = ck.run_write(op, mode, st)
        if watch:
            seen = st if iso == 'REPEATABLE READ' else post
            Ms11, Ms10 = ck2.models(seen)
            ck2.context = ' (%s transaction open across a write of another session)' % iso
            try:
                ck2.read_all(v, seen, Ms11, Ms10, tables=tables, in_txn=True)
            finally:
                ck2.context = ''
            ck2.cur.execute('RESET ROLE')
            ck2.cur.execute('COMMIT')
        ck.committed.append((op, mode))
        st = post
        # nothing a refused or rolled-back write did may change what anyone sees
        M11, M10 = ck.models(st)
        for v in rng.sample(all_users, min(args.reads_per_write, len(all_users))):
            rng.choice([ck, ck2]).read_all(v, st, M11, M10)
        if i % args.functions_every == 0:
            ck.functions(rng.choice(all_users), st, M11, M10, rng)
            pairs.ask(rng.choice([ck, ck2]), rng.choice(all_users), st, M11, rng)
            ck.credential_questions(st, M11, M10)
    return ck.found, recs, roles, nobody, ck.definers


def generation_model(st):
    """The model that chooses the questions and writes: never a mutant (use it
    inside unmutated()), so that a run with a broken rule asks what the run
    without it asks."""
    with unmutated():
        return Model(st, now_utc())


# ---- shrinking -----------------------------------------------------------------
class Repro:
    def __init__(self, admin, roles, nobody, seed, definers):
        self.admin, self.roles, self.nobody, self.seed = admin, roles, nobody, seed
        self.definers = definers
        self.n = 0

    def attempt(self, recs, replay, target):
        """Builds the world from recs, replays the earlier writes, asks the target
        question; returns the mismatch classes it shows."""
        self.n += 1
        name = 'differential_shrink_%s_%d' % (RUN, self.seed)
        world.Soon.seconds = 0.5            # small worlds load fast: wait less
        conn = fresh_db(self.admin, name)
        try:
            cur = conn.cursor()
            load(cur, recs, self.roles, self.nobody)
            # a role whose user is not in this world is as a fresh role: not a client
            kept = {r.key[1] for r in recs if r.table == 'users'}
            cur.execute("SELECT count(*) FROM pg_roles WHERE rolname = 'permissions_client'")
            if cur.fetchone()[0]:
                for u, role in self.roles.items():
                    if u not in kept:
                        cur.execute('REVOKE permissions_client FROM %s' % role)
            ck = Checker(conn, self.roles, self.nobody, collections.Counter())
            if kind_of(target) == 'definer':
                ck.install_definers([d for d in self.definers if d[0] == target[3][0]])
            for op, mode in replay:
                ck.cur.execute('BEGIN')
                if not op.dba:
                    ck.cur.execute('SET ROLE %s' % ck.role_of(op.user))
                try:
                    ck.cur.execute(op.sql)
                    ck.cur.execute('RESET ROLE')
                    ck.cur.execute('COMMIT' if mode == 'commit' else 'ROLLBACK')
                except psycopg.Error:
                    ck.cur.execute('ROLLBACK')
            st = ck.state()
            M11, M10 = ck.models(st)
            kind = target[0]
            if kind == 'write':
                ck.run_write(target[1], target[2], st)
            elif kind == 'read':
                ck.read_all(target[1], st, M11, M10, tables=[target[2]] if target[2] in STATE_TABLES else [])
            elif target[2] == 'privileges':
                ck.privileges(target[1], st)
            elif target[2] == 'definer':
                ck.definer_identity(target[1], st, M11, M10)
            elif target[2] == 'maintenance':
                ck.maintenance_identity(target[1])
            elif target[2] == 'pair':
                pairs.ask(ck, target[1], st, M11, None, probe_list=[target[3]])
            else:
                ck.functions(target[1], st, M11, M10, random.Random(0)) if target[1] is not None \
                    else ck.dba_functions(st, M11, M10)
            return ck.found
        finally:
            world.Soon.seconds = 2.0
            conn.close()
            drop_db(self.admin, name)

    def reproduces(self, recs, replay, m):
        for f in self.attempt(recs, replay, m.target):
            if f.cls == m.cls and same_target(f.target, m.target) and (m.target[0] == 'write' or (f.got == m.got and f.expected == m.expected)):
                return f
        return None


def kind_of(target):
    return target[2] if target[0] == 'fn' else target[0]


def same_target(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == 'write':
        return a[1] is b[1]
    return a[:4] == b[:4]


def shrink(rep, recs, m, budget):
    """Drops records (with their dependents) and replayed writes while the
    mismatch persists, chunks first, then one at a time, within budget seconds."""
    end = time.monotonic() + budget
    replay = list(m.target[-1])
    # the acting user, and what its row depends on, stay
    pinned = set()
    if m.user is not None:
        bykey = {r.key: r for r in recs}
        todo = [('users', m.user)]
        while todo:
            k = todo.pop()
            if k in pinned or k not in bykey:
                continue
            pinned.add(k)
            todo.extend(bykey[k].deps)
    items = [('rec', r.key) for r in recs if r.key not in pinned] + [('op', i) for i in range(len(replay))]

    def build(keep):
        kept_ops = {x[1] for x in keep if x[0] == 'op'}
        kept_recs = {x[1] for x in keep if x[0] == 'rec'} | pinned
        rs = closure(recs, [r.key for r in recs if r.key not in kept_recs])
        return rs, [op for i, op in enumerate(replay) if i in kept_ops]

    best = rep.reproduces(*build(items), m)
    if best is None:
        return None, recs, replay
    keep = list(items)
    # the replayed writes first (most mismatches do not need them)
    if any(x[0] == 'op' for x in keep):
        trial = [x for x in keep if x[0] != 'op']
        f = rep.reproduces(*build(trial), m)
        if f is not None:
            keep, best = trial, f
    n = 2
    while len(keep) >= 1 and time.monotonic() < end:
        chunk = max(1, len(keep) // n)
        changed = False
        i = 0
        while i < len(keep) and time.monotonic() < end:
            trial = keep[:i] + keep[i + chunk:]
            rs, ops_ = build(trial)
            # keep the closure consistent: items dropped by dependency leave too
            f = rep.reproduces(rs, ops_, m)
            if f is not None:
                kr = {r.key for r in rs}
                keep = [x for x in trial if x[0] == 'op' or x[1] in kr]
                best = f
                changed = True
            else:
                i += chunk
        if chunk == 1 and not changed:
            break
        if not changed:
            n *= 2
    rs, ops_ = build(keep)
    return best, rs, ops_


def repro_sql(recs, roles, nobody, replay, m, found, definers=()):
    """A psql script that builds the shrunk world and asks the question."""
    out = ['-- permissions differential test: minimal reproduction',
           'SET client_min_messages = warning;',
           'CREATE EXTENSION IF NOT EXISTS permissions;', 'RESET client_min_messages;']
    users = {r.key[1] for r in recs if r.table == 'users'}
    users |= {op.user for op, mode in replay if op.user is not None and not op.dba}
    if found.user is not None:
        users.add(found.user)
    if kind_of(m.target) == 'definer':
        users |= {o for f, o in definers if f == m.target[3][0] and o is not None}
    for u in sorted(users):
        out.append('CREATE ROLE %s LOGIN;' % roles[u])
    out.append('CREATE ROLE %s LOGIN;  -- mapped to no user' % nobody)
    for r in recs:
        out.extend(r.sql())
    out.extend(sequences_sql())
    if any(r.soon for r in recs):
        out.append('SELECT pg_sleep(%g);  -- the grants created with a short expiry have expired' % (world.Soon.seconds + 0.5))
    if replay:
        out.append('-- earlier writes (refused and rolled-back ones too: they use up ids)')
    for op, mode in replay:
        stmt = '%s;' % op.sql if op.dba else 'SET ROLE %s; %s; RESET ROLE;' % (
            roles[op.user] if op.user else nobody, op.sql)
        out.append('BEGIN; %s %s;' % (stmt, 'COMMIT' if mode == 'commit' else 'ROLLBACK'))
    if kind_of(m.target) == 'definer':
        for f, o in definers:
            if f == m.target[3][0]:
                out.extend(definer_sql(f, roles[o] if o is not None else nobody))
    as_dba = m.target[0] == 'fn' and str(m.target[2]).startswith('dba_')
    role = None if as_dba else (roles[found.user] if found.user is not None else nobody)
    if m.target[0] == 'write':
        out.append('BEGIN;')
        if not m.target[1].dba:
            out.append('SET ROLE %s;' % (roles[found.user] if found.user is not None else nobody))
        out.append('%s;' % found.statement)
        out.append('RESET ROLE;')
        out.append({'commit': 'COMMIT;', 'savepoint': 'COMMIT;', 'rollback': 'ROLLBACK;'}[m.target[2]])
    else:
        if role:
            out.append('SET ROLE %s;' % role)
        out.append('%s;' % found.statement)
        if role:
            out.append('RESET ROLE;')
    out.append('-- user: %s' % ('DBA' if as_dba else found.user if found.user is not None else 'none (a role mapped to nobody)'))
    out.append('-- model expects: %s' % (found.expected,))
    out.append('-- database did:  %s' % (found.got,))
    return '\n'.join(out)


# ---- main ----------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seed', type=int, action='append', help='seed (repeatable); default: random')
    ap.add_argument('--worlds', type=int, default=1, help='worlds per seed')
    ap.add_argument('--ops', type=int, default=150, help='writes per world')
    ap.add_argument('--reads-per-write', type=int, default=2)
    ap.add_argument('--functions-every', type=int, default=10)
    ap.add_argument('--world-seconds', type=float, default=0, help='time limit per world (0: none)')
    ap.add_argument('--long', action='store_true', help='12 worlds of 500 writes: millions of comparisons')
    ap.add_argument('--only-world', type=int, help='replay only this world of each seed')
    ap.add_argument('--shrink-seconds', type=float, default=60, help='time to shrink each mismatch class')
    ap.add_argument('--max-shrink', type=int, default=12, help='mismatch classes to shrink')
    ap.add_argument('--verbose', action='store_true', help='per-write counts of allowed and refused')
    ap.add_argument('--ci', action='store_true', help='the short mode of CI: fixed seeds, about a minute')
    ap.add_argument('--known', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'known_mismatches.txt'),
                    help='mismatch classes already reported (listed, not failed)')
    ap.add_argument('--shrink-pending', action='store_true',
                    help='also shrink mismatches on 1.1 points still being implemented')
    ap.add_argument('--strict', action='store_true',
                    help='count mismatches on 1.1 points still being implemented as failures')
    args = ap.parse_args()
    if args.ci:
        args.seed = args.seed or [1, 2, 3, 4]
        args.ops = 250
        args.world_seconds = args.world_seconds or 20
        args.shrink_seconds = min(args.shrink_seconds, 20)
        args.max_shrink = min(args.max_shrink, 2)
    seeds = args.seed or [random.SystemRandom().randrange(1, 10 ** 6)]
    known = []
    if os.path.exists(args.known):
        with open(args.known) as f:
            known = [line.strip() for line in f if line.strip() and not line.startswith('#')]
    if args.long:
        args.ops = max(args.ops, 500)
        args.worlds = max(args.worlds, 12)
    t0 = time.monotonic()
    stats = Comparisons()
    admin = admin_conn()
    make_template(admin)
    found = []
    worlds = []
    crashes = 0
    log = lambda s: print(s, flush=True)
    log('differential test: seeds %s (replay one with --seed N)' % ' '.join(map(str, seeds)))
    for seed in seeds:
        for w in range(args.worlds):
            if args.only_world is not None and w != args.only_world:
                continue
            try:
                f, recs, roles, nobody, definers = run_world(admin, seed, w, args, stats, log)
                found.extend((seed, w, m) for m in f)
                worlds.append((seed, w, recs, roles, nobody, definers))
            except Exception:
                crashes += 1
                log('CRASH in seed %d world %d:\n%s' % (seed, w, traceback.format_exc()))
                admin = admin_conn()
            if args.long and sum(v for k, v in stats.items() if k not in ('worlds', 'users')) >= 100000 \
                    and w + 1 >= args.worlds:
                break
    # classes of mismatch
    classes = collections.OrderedDict()
    for seed, w, m in found:
        classes.setdefault(m.cls, []).append((seed, w, m))
    comparisons = sum(v for k, v in stats.items() if k not in ('worlds', 'users'))
    log('')
    log('summary: %d worlds, %d users, %d comparisons in %.0fs' % (
        stats['worlds'], stats['users'], comparisons, time.monotonic() - t0))
    for k in sorted(stats):
        if k not in ('worlds', 'users'):
            log('  %-45s %8d' % (k, stats[k]))
    allowed = sum(v for k, v in OPSTATS.items() if k[2] == 'allowed')
    log('writes: %d allowed and %d refused by the model' % (allowed, sum(OPSTATS.values()) - allowed))
    questions = sum(v for k, v in stats.items() if k not in ('worlds', 'users') and not k.startswith('write'))
    log('counts: %d questions asked (%d about pairs that do not belong together), %d writes, '
        '%d refusals checked by SQLSTATE (%s)' % (
            questions, stats['pair questions (mismatched pairs)'], sum(OPSTATS.values()),
            stats['write refusals checked by SQLSTATE'],
            ', '.join('%s: %d' % kv for kv in sorted(REFUSALS.items(), key=lambda kv: -kv[1]))))
    if args.verbose:
        per = collections.Counter()
        for (name, mode, verdict), v in OPSTATS.items():
            per[(name, verdict)] += v
        for (name, verdict), v in sorted(per.items()):
            log('  %-80s %-8s %5d' % (name, verdict, v))
    is_known = lambda c: any(c == k or c.startswith(k + ' ') for k in known)
    findings = [c for c in classes if not classes[c][0][2].pending and not is_known(c)]
    knowns = [c for c in classes if not classes[c][0][2].pending and is_known(c)]
    pending = [c for c in classes if classes[c][0][2].pending]
    log('mismatches: %d (%d classes: %d new findings, %d already reported (%s), '
        '%d on 1.1 points still being implemented)' % (
            len(found), len(classes), len(findings), len(knowns), os.path.basename(args.known), len(pending)))
    wmap = {(s, w): (r, ro, n, d) for s, w, r, ro, n, d in worlds}
    shrunk = 0
    # the classes of one known entry are shown (and, outside CI, shrunk) once
    entry_of = lambda c: next(k for k in known if c == k or c.startswith(k + ' '))
    by_entry = collections.OrderedDict()
    for c in knowns:
        by_entry.setdefault(entry_of(c), []).append(c)
    for c in findings + [cs[0] for cs in by_entry.values()] + pending:
        inst = classes[c]
        seed, w, m = inst[0]
        log('')
        if c in knowns:
            same = by_entry[entry_of(c)]
            log('== known: %s  (%d classes, %d times)' % (entry_of(c), len(same),
                                                          sum(len(classes[x]) for x in same)))
            for x in same if args.verbose else []:
                log('   class: %s  (%d times)' % (x, len(classes[x])))
            log('   first: %s  (seed %d world %d)' % (c, seed, w))
        else:
            log('== %s  (%d times; first in seed %d world %d)' % (c, len(inst), seed, w))
        log('   user %s: %s' % (m.user, m.statement))
        log('   model: %s' % (m.expected,))
        log('   db:    %s' % (m.got,))
        if c not in findings and not (c in knowns and not args.ci) and not (c in pending and args.shrink_pending):
            continue            # shrink what is new (and, outside CI, what is known)
        if kind_of(m.target) == 'credential':
            log('   (credential questions are not shrunk: replay with --seed %d --only-world %d)' % (seed, w))
            continue
        if shrunk < args.max_shrink and (seed, w) in wmap and args.shrink_seconds > 0:
            shrunk += 1
            recs, roles, nobody, definers = wmap[(seed, w)]
            rep = Repro(admin, roles, nobody, seed, definers)
            try:
                best, rs, ops_ = shrink(rep, recs, m, args.shrink_seconds)
            except Exception:
                log('   (shrinking crashed: %s)' % traceback.format_exc().splitlines()[-1])
                best = None
            if best is None:
                log('   (does not reproduce on a rebuilt world; not shrunk)')
            else:
                log('   minimal reproduction (%d of %d rows, %d replayed writes, %d attempts):' % (
                    len(rs), len(recs), len(ops_), rep.n))
                for line in repro_sql(rs, roles, nobody, ops_, m, best, definers).splitlines():
                    log('   | ' + line)
    # clean up roles
    for s, w, r, ro, n, d in worlds:
        for name in list(ro.values()) + [n, n.replace('_nobody', '_pool')]:
            try:
                admin.execute('DROP ROLE IF EXISTS %s' % name)
            except psycopg.Error:
                pass
    drop_db(admin, TEMPLATE)
    failed = len(findings) + crashes + (len(pending) if args.strict else 0)
    kinds = [k for k in stats if k not in ('worlds', 'users')]
    failed_kinds = {classes[c][0][2].kind for c in findings}
    passed = len([k for k in kinds if k not in failed_kinds])
    log('')
    if pending and not args.strict:
        log('note: %d mismatch classes match the 1.0 behaviour on points the 1.1 rules change; '
            'they are reported, not failed (--strict fails them)' % len(pending))
    log('time: %.0fs' % (time.monotonic() - t0))
    log('RESULT: %d %d' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
