#!/usr/bin/python3
"""
Differential test of the access review functions against check().

Builds random worlds with the differential test's generator
(test/differential/world.py), adds grants across tenants a DBA made, and for
every (user, performer, action, kind) compares:

- who_can(action, kind, performer) with check(action, kind, performer, user):
  the same users, with effective_tier() as the tier, and the routes of
  an independent reading of the rules (below) as via;
- access_review(account) of every top-level account with effective_tier()
  for every (performer, user) reaching at tier4 or above;
- explain_check(action, kind, performer, user): its last row is the
  decision and equals check(); the matrix row's tier equals
  effective_tier(); the highest route row in effect and counted gives that
  tier; the routes at that tier are who_can's via;
- the model of test/differential/model.py: its tier equals effective_tier().

Then, as users of the world, the refusals: who_can and explain_check about
another user give one error, the same for a hidden and a missing performer
(and a missing user); explain_check about oneself says the same for an
unreachable and a missing performer; a reviewer gets the same answer as a
superuser.

    compare.py [--seed N ...] [--worlds K]

Run it against a cluster where the extension is installed (PGHOST, PGPORT,
PGUSER as a superuser).  The last line is "RESULT: <passed> <failed>".
"""
import argparse
import collections
import os
import random
import re
import sys
import time

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'differential'))
from model import Model, TIERS, KINDS, ACTIONS, matrix                  # noqa: E402
from world import gen_world, load, read_state, ensure_role, now_utc, lit  # noqa: E402

ROUTES = ['manager', 'wildcard', 'direct', 'group', 'team', 'team on group']
RUN = '%x' % (os.getpid() & 0xffff)


def tier_index(t):
    return TIERS.index(t)


def cross_tenant_grants(rng, st):
    """Grants a DBA makes across tenants: users and teams of one tenant on
    performers and groups of another (the rules refuse them to anyone else)."""
    acc = st['accounts']

    def root(a):
        seen = set()
        while acc[a]['parent_id'] is not None and a not in seen:
            seen.add(a)
            a = acc[a]['parent_id']
        return a
    users = [u for u, r in st['users'].items() if r['user_type'] != 'single_performer']
    teams = list(st['teams'])
    out = []
    for _ in range(max(2, len(users) // 4)):
        if rng.random() < 0.5 or not st['groups']:
            p = rng.choice(list(st['performers']))
            tgt = ('performer_id', p, st['performers'][p]['account_id'])
        else:
            g = rng.choice(list(st['groups']))
            tgt = ('group_id', g, st['groups'][g]['account_id'])
        if teams and rng.random() < 0.35:
            t = rng.choice(teams)
            if root(st['teams'][t]['account_id']) == root(tgt[2]):
                continue
            who = ('team_id', t)
        else:
            u = rng.choice(users)
            if root(st['users'][u]['account_id']) == root(tgt[2]):
                continue
            who = ('user_id', u)
        exp = 'NULL' if rng.random() < 0.7 else "now() + interval '10 days'"
        out.append("INSERT INTO permissions.access_grants (account_id, %s, %s, tier, expires_at) "
                   "VALUES (%d, %d, %d, %s, %s) ON CONFLICT DO NOTHING" % (
                       who[0], tgt[0], tgt[2], who[1], tgt[1],
                       lit(rng.choice(TIERS[1:])), exp))
    return out


def model_routes(st, M, u, p):
    """The routes by which u reaches p at its effective tier, read from the
    rows directly (not from the extension): the third opinion on via."""
    r = st['users'].get(u)
    perf = st['performers'].get(p)
    if r is None or perf is None or not r['active']:
        return 0, set()
    single = r['user_type'] == 'single_performer'
    tiers = collections.defaultdict(int)
    if M.manages(u, perf['account_id']):
        tiers['manager'] = 4
    if perf['account_id'] == r['account_id'] and not single and r['access'] > 0:
        tiers['wildcard'] = r['access']
    teams = {t for (t, x) in st['team_members'] if x == u}
    groups = {g for (g, x) in st['group_members'] if x == p}
    for g in st['access_grants'].values():
        if not M.live(g):
            continue
        if g['user_id'] == u and g['performer_id'] == p:
            src = 'direct'
        elif g['user_id'] == u and g['group_id'] in groups:
            src = 'group'
        elif g['team_id'] in teams and g['performer_id'] == p:
            src = 'team'
        elif g['team_id'] in teams and g['group_id'] in groups:
            src = 'team on group'
        else:
            continue
        if single and src != 'direct':
            continue
        tiers[src] = max(tiers[src], g['tier'])
    capped = {s: M.cap(u, t) for s, t in tiers.items()}
    eff = max(capped.values(), default=0)
    return eff, {s for s, t in capped.items() if t == eff and eff > 0}


class Result:
    def __init__(self):
        self.counts = collections.Counter()
        self.failures = collections.OrderedDict()

    def check(self, what, ok, detail=''):
        self.counts[what] += 1
        if not ok:
            self.failures.setdefault(what, []).append(detail)


def compare_world(admin, seed, widx, res, log):
    rng = random.Random('review %d/%d' % (seed, widx))
    tag = 'rv%dw%d' % (seed, widx)
    recs, roles = gen_world(rng, tag, size=1.0)
    nobody = '%s_nobody' % tag
    dbname = 'review_compare_%s_%d_%d' % (RUN, seed, widx)
    admin.execute('DROP DATABASE IF EXISTS %s' % dbname)
    admin.execute('CREATE DATABASE %s' % dbname)
    conn = psycopg.connect(dbname=dbname, autocommit=True)
    try:
        conn.execute('SET client_min_messages = warning')
        conn.execute('CREATE EXTENSION permissions')
        cur = conn.cursor()
        load(cur, recs, roles, nobody)
        st = read_state(cur)
        for s in cross_tenant_grants(rng, st):
            cur.execute(s)
        st = read_state(cur)
        M = Model(st, now_utc())
        users = sorted(st['users'])
        perfs = sorted(st['performers'])
        t0 = time.monotonic()

        # check() and effective_tier() for every (user, performer, action, kind), as the DBA
        truth = {}
        tiers = {}
        for u in users:
            for p, a, k, ok, t in cur.execute(
                    "SELECT p.id, a, k, permissions.check(a, k, p.id, %s), permissions.effective_tier(p.id, %s)::text "
                    "FROM permissions.performers p, unnest(%s::text[]) a, unnest(%s::text[]) k",
                    (u, u, ACTIONS, KINDS)).fetchall():
                truth[(u, p, a, k)] = ok
                tiers[(u, p)] = tier_index(t)
        for (u, p), t in tiers.items():
            res.check('model tier = effective_tier()', M.tier(u, p) == t,
                      'user %d performer %d: model %s, db %s' % (u, p, TIERS[M.tier(u, p)], TIERS[t]))

        # who_can against check()
        for p in perfs:
            got_all = collections.defaultdict(dict)
            for a, k, u, t, via in cur.execute(
                    'SELECT a, k, w.user_id, w.tier::text, w.via FROM unnest(%s::text[]) a, unnest(%s::text[]) k, '
                    'LATERAL permissions.who_can(a, k, %s) w', (ACTIONS, KINDS, p)):
                got_all[(a, k)][u] = (tier_index(t), via)
            for a in ACTIONS:
                for k in KINDS:
                    got = got_all[(a, k)]
                    want = {u for u in users if truth[(u, p, a, k)]}
                    res.check('who_can users = check()', set(got) == want,
                              'who_can(%s, %s, %d): extra %s, missing %s' % (
                                  a, k, p, sorted(set(got) - want), sorted(want - set(got))))
                    for u, (t, via) in got.items():
                        res.check('who_can tier = effective_tier()', t == tiers[(u, p)],
                                  'who_can(%s, %s, %d) user %d: %s, effective_tier %s' % (
                                      a, k, p, u, TIERS[t], TIERS[tiers[(u, p)]]))
                        eff, routes = model_routes(st, M, u, p)
                        res.check('who_can via = the routes at the effective tier',
                                  set(via.split(', ')) == routes,
                                  'who_can(%s, %s, %d) user %d: via %r, routes %s' % (a, k, p, u, via, sorted(routes)))

        # access_review of each top-level account against effective_tier()
        for root in [a for a, r in st['accounts'].items() if r['parent_id'] is None]:
            sub = {root}
            changed = True
            while changed:
                changed = False
                for a, r in st['accounts'].items():
                    if r['parent_id'] in sub and a not in sub:
                        sub.add(a)
                        changed = True
            got = {(r[0], r[2]): (tier_index(r[4]), r[1], r[3], r[5]) for r in cur.execute(
                'SELECT performer_id, performer_account_id, user_id, user_account_id, tier::text, via '
                'FROM permissions.access_review(%s)', (root,))}
            want = {(p, u) for (u, p), t in tiers.items()
                    if t > 0 and st['performers'][p]['account_id'] in sub}
            res.check('access_review pairs = effective_tier() > none', set(got) == want,
                      'access_review(%d): extra %s, missing %s' % (
                          root, sorted(set(got) - want)[:5], sorted(want - set(got))[:5]))
            for (p, u), (t, pacc, uacc, via) in got.items():
                res.check('access_review tier and accounts', t == tiers[(u, p)] and
                          pacc == st['performers'][p]['account_id'] and uacc == st['users'][u]['account_id'],
                          'access_review(%d) performer %d user %d' % (root, p, u))
                res.check('access_review via = who_can via', set(via.split(', ')) == model_routes(st, M, u, p)[1],
                          'access_review(%d) performer %d user %d: %r' % (root, p, u, via))

        # explain_check against check()
        for u in users:
            explained = collections.defaultdict(list)
            for p, a, k, src, t, allowed, detail in cur.execute(
                    'SELECT p.id, a, k, e.source, e.tier::text, e.allowed, e.detail '
                    'FROM permissions.performers p, unnest(%s::text[]) a, unnest(%s::text[]) k, '
                    'LATERAL permissions.explain_check(a, k, p.id, %s) WITH ORDINALITY e(source, tier, allowed, detail, n) '
                    'ORDER BY p.id, a, k, e.n', (ACTIONS, KINDS, u)):
                explained[(p, a, k)].append((src, t, allowed, detail))
            for p in perfs:
                for a in ACTIONS:
                    for k in KINDS:
                        rows = explained[(p, a, k)]
                        last = rows[-1]
                        res.check('explain_check decision = check()',
                                  last[0] == 'decision' and last[2] == truth[(u, p, a, k)],
                                  'explain_check(%s, %s, %d, %d): %r, check() %s' % (a, k, p, u, last, truth[(u, p, a, k)]))
                        mrow = [r for r in rows if r[0] == 'matrix']
                        res.check('explain_check matrix row = effective_tier() and check()',
                                  len(mrow) == 1 and tier_index(mrow[0][1]) == tiers[(u, p)]
                                  and mrow[0][2] == truth[(u, p, a, k)],
                                  'explain_check(%s, %s, %d, %d): %r' % (a, k, p, u, mrow))
                        live = [r for r in rows if r[0] in ROUTES
                                and 'not in effect' not in r[3] and 'not counted' not in r[3]]
                        best = max((tier_index(r[1]) for r in live), default=0)
                        ur = st['users'][u]
                        if not ur['active']:
                            best = 0
                        res.check('explain_check routes give effective_tier()', best == tiers[(u, p)],
                                  'explain_check(%s, %s, %d, %d): routes give %s, effective_tier %s: %r' % (
                                      a, k, p, u, TIERS[best], TIERS[tiers[(u, p)]], rows))
                        if best > 0 and a == 'view' and k == 'performer':
                            at = {r[0] for r in live if tier_index(r[1]) == best}
                            res.check('explain_check routes at the tier = who_can via',
                                      at == model_routes(st, M, u, p)[1],
                                      'explain_check(view, performer, %d, %d): %s' % (p, u, sorted(at)))
                        if truth[(u, p, a, k)] and matrix(tiers[(u, p)], a, k, False) != matrix(tiers[(u, p)], a, k, True):
                            res.check('explain_check shows the own-row rule for an "own" cell',
                                      any(r[0] == 'own rows' for r in rows), 'explain_check(%s, %s, %d, %d)' % (a, k, p, u))

        refusals(cur, st, M, roles, nobody, tiers, rng, res)
        credentials(cur, st, M, roles, tag, rng, res)
        log('world %s: %d users, %d performers, %d grants; compared in %.1fs' % (
            tag, len(users), len(perfs), len(st['access_grants']), time.monotonic() - t0))
    finally:
        conn.close()
        admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % dbname)
        for r in list(roles.values()) + [nobody]:
            admin.execute('DROP ROLE IF EXISTS %s' % r)


def error_of(cur, sql, params):
    """The SQLSTATE and message of a statement, ids replaced by N; or its rows."""
    cur.execute('SAVEPOINT s')
    try:
        rows = cur.execute(sql, params).fetchall()
        cur.execute('RELEASE SAVEPOINT s')
        return ('rows', [tuple(re.sub(r'\d+', 'N', str(x)) for x in r) for r in rows])
    except psycopg.Error as e:
        cur.execute('ROLLBACK TO SAVEPOINT s')
        return (e.sqlstate, re.sub(r'\d+', 'N', e.diag.message_primary or ''),
                re.sub(r'\d+', 'N', e.diag.message_detail or ''))


def refusals(cur, st, M, roles, nobody, tiers, rng, res):
    """The answers as users of the world: one refusal for hidden and missing."""
    missing = max(st['performers']) + 1000
    missing_user = max(st['users']) + 1000
    cur.execute('BEGIN')
    try:
        for u in sorted(st['users']):
            r = st['users'][u]
            cur.execute('SET ROLE %s' % roles[u])
            reviews = {p for p, pr in st['performers'].items() if M.holds(u, 'manage_users', pr['account_id'])}
            hidden = [p for p in st['performers'] if p not in reviews]
            if hidden:
                p = rng.choice(hidden)
                a = error_of(cur, 'SELECT * FROM permissions.who_can(%s, %s, %s)', ('view', 'note', p))
                b = error_of(cur, 'SELECT * FROM permissions.who_can(%s, %s, %s)', ('view', 'note', missing))
                res.check('who_can: one refusal for a hidden and a missing performer',
                          a[0] == '42501' and a == b, 'user %d: %r vs %r' % (u, a, b))
                other = rng.choice([x for x in st['users'] if x != u] or [u])
                a = error_of(cur, 'SELECT * FROM permissions.explain_check(%s, %s, %s, %s)', ('view', 'note', p, other))
                b = error_of(cur, 'SELECT * FROM permissions.explain_check(%s, %s, %s, %s)', ('view', 'note', missing, other))
                res.check('explain_check about another user: one refusal for a hidden and a missing performer',
                          a[0] == '42501' and a == b, 'user %d: %r vs %r' % (u, a, b))
            if r['active']:
                unreachable = [p for p in st['performers'] if tiers[(u, p)] == 0 and p not in reviews]
                if unreachable:
                    p = rng.choice(unreachable)
                    a = error_of(cur, 'SELECT source, tier, allowed, detail FROM permissions.explain_check(%s, %s, %s)',
                                 ('view', 'note', p))
                    b = error_of(cur, 'SELECT source, tier, allowed, detail FROM permissions.explain_check(%s, %s, %s)',
                                 ('view', 'note', missing))
                    res.check('explain_check about oneself: the same for an unreachable and a missing performer',
                              a[0] == 'rows' and a == b, 'user %d: %r vs %r' % (u, a, b))
            if reviews:
                p = rng.choice(sorted(reviews))
                mine = error_of(cur, 'SELECT * FROM permissions.who_can(%s, %s, %s)', ('view', 'chart', p))
                cur.execute('RESET ROLE')
                dba = error_of(cur, 'SELECT * FROM permissions.who_can(%s, %s, %s)', ('view', 'chart', p))
                cur.execute('SET ROLE %s' % roles[u])
                res.check('who_can: a reviewer gets what a superuser gets', mine == dba,
                          'user %d performer %d: %r vs %r' % (u, p, mine, dba))
                # a user the reviewer does not manage and who does not reach p, and a missing one
                strangers = [x for x in st['users'] if tiers[(x, p)] == 0 and x != u
                             and not M.holds(u, 'manage_users', st['users'][x]['account_id'])
                             and not any(g['user_id'] == x for g in st['access_grants'].values())
                             and not any(g['team_id'] is not None and (g['team_id'], x) in st['team_members']
                                         for g in st['access_grants'].values())]
                if strangers:
                    x = rng.choice(strangers)
                    a = error_of(cur, 'SELECT * FROM permissions.explain_check(%s, %s, %s, %s)', ('view', 'note', p, x))
                    b = error_of(cur, 'SELECT * FROM permissions.explain_check(%s, %s, %s, %s)',
                                 ('view', 'note', p, missing_user))
                    res.check('explain_check: the same for a user one does not manage and a missing user',
                              a == b and a[0] == 'rows', 'user %d about %d: %r vs %r' % (u, x, a, b))
            cur.execute('RESET ROLE')
        cur.execute('SET ROLE %s' % nobody)
        a = error_of(cur, 'SELECT * FROM permissions.access_review(%s)', (min(st['accounts']),))
        b = error_of(cur, 'SELECT * FROM permissions.access_review(%s)', (max(st['accounts']) + 1000,))
        res.check('access_review: one refusal for a hidden and a missing account', a[0] == '42501' and
                  a[:2] == b[:2], '%r vs %r' % (a, b))
        cur.execute('RESET ROLE')
    finally:
        cur.execute('ROLLBACK')


def credentials(cur, st, M, roles, tag, rng, res):
    """explain_check about oneself through a credential another user made (its
    limits apply): the decision is check()'s, the matrix row effective_tier()'s."""
    users = sorted(st['users'])
    pairs = [(m, t) for t in users for m in users if m != t and st['users'][t]['active'] and
             (M.manages(m, st['users'][t]['account_id']) or
              M.holds(m, 'manage_api_credentials', st['users'][t]['account_id']))]
    pool = '%s_pool' % tag
    ensure_role(cur, pool)
    cur.execute('GRANT permissions_client TO %s' % pool)
    try:
        for m, t in rng.sample(pairs, min(6, len(pairs))):
            cur.execute('BEGIN')
            try:
                cur.execute('SET ROLE %s' % roles[m])
                secret = cur.execute("SELECT permissions.create_api_credential(%s, 'review')", (t,)).fetchone()[0]
                cur.execute('COMMIT')
            except psycopg.Error:
                cur.execute('ROLLBACK')
                continue
            cur.execute('BEGIN')
            try:
                cur.execute('SET ROLE %s' % pool)
                cur.execute('SELECT permissions.authenticate(%s)', (secret,))
                for p in sorted(st['performers']):
                    got = {}
                    for a, k, ok, t_ in cur.execute(
                            'SELECT a, k, permissions.check(a, k, %s), permissions.effective_tier(%s)::text '
                            'FROM unnest(%s::text[]) a, unnest(%s::text[]) k', (p, p, ACTIONS, KINDS)):
                        got[(a, k)] = (ok, tier_index(t_))
                    for a, k, rows in cur.execute(
                            'SELECT a, k, (SELECT array_agg(ARRAY[e.source, e.tier::text, e.allowed::text] ORDER BY e.n) '
                            '  FROM permissions.explain_check(a, k, %s) WITH ORDINALITY e(source, tier, allowed, detail, n)) '
                            'FROM unnest(%s::text[]) a, unnest(%s::text[]) k', (p, ACTIONS, KINDS)):
                        ok, eff = got[(a, k)]
                        last = rows[-1]
                        res.check('explain_check through a limited credential: decision = check()',
                                  last[0] == 'decision' and (last[2] == 'true') == ok,
                                  'credential of %d made by %d: explain_check(%s, %s, %d): %r, check() %s' % (t, m, a, k, p, last, ok))
                        mrow = [r for r in rows if r[0] == 'matrix']
                        res.check('explain_check through a limited credential: matrix row = effective_tier()',
                                  (mrow and tier_index(mrow[0][1]) == eff) or (not mrow and eff == 0),
                                  'credential of %d made by %d: explain_check(%s, %s, %d): %r, effective_tier %s' % (
                                      t, m, a, k, p, rows, TIERS[eff]))
                cur.execute('COMMIT')
            except psycopg.Error as e:
                cur.execute('ROLLBACK')
                res.check('explain_check through a limited credential: runs', False, str(e))
    finally:
        cur.execute('RESET ROLE')
        cur.execute('DROP OWNED BY %s' % pool)
        cur.execute('DROP ROLE %s' % pool)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seed', type=int, action='append', help='seed (repeatable); default 1, 2, 3')
    ap.add_argument('--worlds', type=int, default=1, help='worlds per seed')
    args = ap.parse_args()
    seeds = args.seed or [1, 2, 3]
    admin = psycopg.connect('', autocommit=True)
    res = Result()
    log = lambda s: print(s, flush=True)
    t0 = time.monotonic()
    crashes = 0
    for seed in seeds:
        for w in range(args.worlds):
            try:
                compare_world(admin, seed, w, res, log)
            except Exception as e:
                crashes += 1
                log('CRASH in seed %d world %d: %r' % (seed, w, e))
                import traceback
                traceback.print_exc()
    log('')
    for what in sorted(res.counts):
        n = len(res.failures.get(what, []))
        log('  %-75s %7d compared, %d differ' % (what, res.counts[what], n))
    for what, fails in res.failures.items():
        log('')
        log('== %s (%d times), first ones:' % (what, len(fails)))
        for f in fails[:5]:
            log('   ' + f)
    passed = len([w for w in res.counts if w not in res.failures])
    failed = len(res.failures) + crashes
    log('time: %.0fs' % (time.monotonic() - t0))
    log('RESULT: %d %d' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
