#!/usr/bin/python3
"""
Mutant self-test of the differential test: can it see each rule?

Each mutant breaks one rule of the model on purpose (model.MUTANTS).  For
each, a short differential pass runs with the broken model against the
database and must find a mismatch that is not already reported
(known_mismatches.txt): the test is then able to see the rule.  A mutant
that survives every seed fails the run: "the test cannot see rule X".

A kill is confirmed: questions and writes are chosen by the unbroken model
(model.unmutated), so a pass with a mutant asks exactly what a pass without
it asks and the database gives the same answers; after the mutants, the
unbroken model is run over the same world up to the furthest kill (that
many comparisons) and must agree with the database on all of them.  So each
kill is the broken rule's doing, not a difference of the database.

    mutants.py [--seed N ...] [--mutant NAME ...] [--ops N]

Seeds: the pass tries each seed in turn (each a world of its own, loaded
once, copied for each mutant) until every mutant is killed; a mutant must
be killed within the seeds given (default SEEDS, chosen with --scan).  The
last line is "RESULT: <killed> <survived>".
"""
import argparse
import os
import random
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import datetime                                                         # noqa: E402

import differential as D                                                # noqa: E402
import model                                                            # noqa: E402
from model import Model, TIERS                                          # noqa: E402
from world import STATE_TABLES, Soon, gen_world, load, now_utc          # noqa: E402

# the mutants a world must make visible in the effective tiers (the first
# questions of a pass, asked as the DBA of every user and performer); the
# others show in the questions every world gets (pairs, the matrix, writes)
# The seeds tried, in order: the first worlds of seeds 1..40 whose effective
# tiers show every world mutant (mutants.py --scan 40 lists them: 8 14 17 21
# 25 29 31 35 36); the first kills every mutant, the others are there should
# a change of the world generator move a feature out of it.
SEEDS = [8, 14, 17]
WORLD_MUTANTS = ['read_only_cap', 'manager_parent', 'expired_grants', 'single_group_grants', 'inactive_users']


def known_classes(path):
    """The entries of known_mismatches.txt (a kill must be a mismatch not among them)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def main():
    """Runs each mutant over the seeds until killed; confirms the kills; reports."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seed', type=int, action='append', help='seeds to try, in order (default 1 2 3)')
    ap.add_argument('--mutant', action='append', choices=sorted(model.MUTANTS), help='only these mutants')
    ap.add_argument('--ops', type=int, default=80, help='writes per pass at most')
    ap.add_argument('--users-first', type=int, default=4,
                    help='users who ask every question before the writes start (the others ask between writes)')
    ap.add_argument('--scan', type=int, metavar='N',
                    help='no database: list which world mutants the worlds of seeds 1..N show (to choose seeds)')
    ap.add_argument('--known', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'known_mismatches.txt'))
    args = ap.parse_args()
    if args.scan:
        scan(args.scan)
        return 0
    seeds = args.seed or SEEDS
    mutants = args.mutant or list(model.MUTANTS)
    known = known_classes(args.known)
    is_known = lambda c: any(c == k or c.startswith(k + ' ') for k in known)
    # a pass as in CI mode, without a time limit (the same questions each time)
    qargs = argparse.Namespace(ops=args.ops, world_seconds=0, reads_per_write=2, functions_every=10, long=False,
                               users_first=args.users_first)
    log = lambda s: print(s, flush=True)
    t0 = time.monotonic()
    admin = D.admin_conn()
    D.make_template(admin)
    killed = {}             # mutant -> (seed, comparisons, class, seconds)
    problems = []
    log('mutant self-test: %d mutants, seeds %s' % (len(mutants), ' '.join(map(str, seeds))))
    roles_made = []
    try:
        for seed in seeds:
            todo = [m for m in mutants if m not in killed]
            if not todo:
                break
            rng = random.Random('%d/0' % seed)
            tag = 'dt%dw0' % seed
            recs, roles = gen_world(rng, tag, size=1.0)
            nobody = '%s_nobody' % tag
            roles_made.append((roles, nobody))
            state = rng.getstate()
            base = 'differential_mutbase_%s_%d' % (D.RUN, seed)
            c = D.fresh_db(admin, base)
            tl = time.monotonic()
            load(c.cursor(), recs, roles, nobody)
            c.close()
            log('seed %d: world of %d rows loaded in %.1fs' % (seed, len(recs), time.monotonic() - tl))
            furthest = 0
            kills_here = []
            try:
                for m in todo:
                    r = run_pass(admin, base, seed, m, state, tag, recs, roles, nobody, qargs, is_known)
                    if r is None:
                        log('  %-22s not killed by seed %d' % (m, seed))
                        continue
                    count, cls, secs = r
                    killed[m] = (seed, count, cls, secs)
                    kills_here.append(m)
                    furthest = max(furthest, count)
                    log('  %-22s killed after %d comparisons (%.1fs): %s' % (m, count, secs, cls))
                if kills_here:
                    # the unbroken model over the same questions, up to the furthest kill
                    r = run_pass(admin, base, seed, None, state, tag, recs, roles, nobody, qargs, is_known,
                                 limit=furthest)
                    if r is not None and r[1] != 'limit':
                        problems.append('seed %d: the unbroken model disagrees with the database after %d '
                                        'comparisons (%s); the kills of this seed are not confirmed' % (seed, r[0], r[1]))
                        for m in kills_here:
                            del killed[m]
                    else:
                        log('  (confirmed: the unbroken model agrees with the database on the first %d comparisons)'
                            % furthest)
            finally:
                D.drop_db(admin, base)
    except Exception:
        problems.append('crash:\n%s' % traceback.format_exc())
    finally:
        for roles, nobody in roles_made:
            for name in list(roles.values()) + [nobody, nobody.replace('_nobody', '_pool')]:
                try:
                    admin.execute('DROP ROLE IF EXISTS %s' % name)
                except Exception:
                    pass
        D.drop_db(admin, D.TEMPLATE)
    log('')
    survivors = [m for m in mutants if m not in killed]
    for m in mutants:
        if m in killed:
            seed, count, cls, secs = killed[m]
            log('killed   %-22s (%s): seed %d, %d comparisons, %.1fs' % (m, model.MUTANTS[m], seed, count, secs))
        else:
            log('SURVIVED %-22s the test cannot see the rule "%s"' % (m, model.MUTANTS[m]))
    for p in problems:
        log('problem: %s' % p)
    log('mutants killed: %d of %d in %.0fs' % (len(killed), len(mutants), time.monotonic() - t0))
    log('RESULT: %d %d' % (len(killed), len(survivors) + len(problems)))
    return 1 if survivors or problems else 0


def world_state(recs):
    """The rows a world's records make, as read_state() would read them after
    loading (soon-expiring grants expired), without a database."""
    now = now_utc()
    st = {t: {} for t in STATE_TABLES}
    for r in recs:
        if r.table not in st:
            continue
        row = dict(r.cols)
        key = r.key[1]
        if r.table == 'users':
            row['permissions'] = frozenset(x for x in row['permissions'].strip('{}').split(',') if x)
            row['access'] = TIERS.index(row['access'])
        if r.table == 'access_grants':
            row['tier'] = TIERS.index(row['tier'])
            e = row['expires_at']
            row['expires_at'] = None if e is None else (
                now - datetime.timedelta(seconds=1) if isinstance(e, Soon) else now + datetime.timedelta(days=30))
        st[r.table][key] = row
    return st


def scan(n):
    """The first seeds (1..n) whose world makes every world mutant change some
    effective tier, so that the DBA's first questions kill it."""
    found = []
    for seed in range(1, n + 1):
        recs, _ = gen_world(random.Random('%d/0' % seed), 'scan', size=1.0)
        st = world_state(recs)
        now = now_utc()
        base = Model(st, now)
        tiers = {(u, p): base.tier(u, p) for u in st['users'] for p in st['performers']}
        seen = []
        for m in WORLD_MUTANTS:
            model.MUTANT = m
            try:
                mm = Model(st, now)
                if any(mm.tier(u, p) != t for (u, p), t in tiers.items()):
                    seen.append(m)
            finally:
                model.MUTANT = None
        print('seed %d: %s' % (seed, ', '.join(seen) if seen else '-'), flush=True)
        if len(seen) == len(WORLD_MUTANTS):
            found.append(seed)
    print('seeds whose world shows every world mutant: %s' % (' '.join(map(str, found)) or 'none'))


def run_pass(admin, base, seed, mutant, state, tag, recs, roles, nobody, qargs, is_known, limit=None):
    """One pass over a copy of the loaded world with the mutant (None: the
    unbroken model, up to limit comparisons).  Returns (comparisons, class,
    seconds) at the first mismatch not already reported, (comparisons,
    'limit', seconds) at the limit, or None when the pass ends without either."""
    name = 'differential_mut_%s_%d' % (D.RUN, seed)
    admin.execute('DROP DATABASE IF EXISTS %s' % name)
    admin.execute('CREATE DATABASE %s TEMPLATE %s' % (name, base))
    conn = D.psycopg.connect(dbname=name, autocommit=True)
    conn.execute('SET client_min_messages = warning')
    conn.execute("SET lock_timeout = '10s'")
    rng = random.Random()
    rng.setstate(state)
    stats = D.Comparisons()
    stats.limit = limit
    t0 = time.monotonic()
    model.MUTANT = mutant
    D.STOP_ON = lambda c: not is_known(c)
    try:
        D.world_questions(admin, conn, name, rng, tag, recs, roles, nobody, qargs, stats,
                          lambda s: None, loaded=True)
        return None
    except D.Stop as s:
        return (s.count, s.mismatch.cls if s.mismatch else 'limit', time.monotonic() - t0)
    finally:
        model.MUTANT = None
        D.STOP_ON = None
        conn.close()
        D.drop_db(admin, name)


if __name__ == '__main__':
    sys.exit(main())
