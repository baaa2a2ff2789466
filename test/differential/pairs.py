"""
Questions about (account, performer) pairs, for the differential test.

The policies ask permissions.current_tier(account_id, performer_id) and
can_view/can_create/can_edit/can_delete(kind, account_id, performer_id[,
created_by]) of every row.  On the extension's tables the pair always belongs
together (composite foreign keys), so reads alone never show what the
functions answer for a pair that does not: a performer of another account, of
a sub-account or a parent, of another tenant, a missing id, a NULL.  Here the
functions are asked directly about such pairs, as the user, several calls per
statement (so that anything remembered from one call can leak into the next),
row after row, across statements, through a generic plan; and the
extension's tables are read with a policy function given another account
than the row's, with and without index scans (the planner support turns the
policy functions into index conditions).

Each probe is a tuple that says how to ask it again (the shrinker replays
it): ('calls', how, calls) or ('read', table, account, action, seqscan,
prepared); a call is (function, kind, account, performer, created_by).
"""
import psycopg

from model import Model, TIERS, KINDS, matrix, PERFORMER_DATA, unmutated
from world import now_utc

FUNCS = ['current_tier', 'can_view', 'can_create', 'can_edit', 'can_delete']
MISSING_PERFORMER = 999999
MISSING_ACCOUNT = 999998
READ_TABLES = ['performers', 'charts', 'measurements', 'conditions', 'notes', 'journals']


def category(st, M, a, p):
    """What kind of pair (a, p) is: matched, or how it does not belong together."""
    if a is None:
        return 'NULL account'
    if p is None:
        return 'NULL performer'
    if a not in st['accounts']:
        return 'missing account'
    if p not in st['performers']:
        return 'missing performer'
    pa = st['performers'][p]['account_id']
    if pa == a:
        return 'matched'
    if a in M.ancestors(pa):
        return 'performer of a sub-account'
    if pa in M.ancestors(a):
        return 'performer of a parent account'
    if M.ancestors(a)[-1:] == M.ancestors(pa)[-1:]:
        return 'performer of another account of the tenant'
    return 'performer of another tenant'


def expected(M, u, call):
    """The model's answer to one call as user u (None: no identity)."""
    fn, kind, a, p, cb = call
    t = M.pair_tier(u, a, p) if u is not None else 0
    if fn == 'current_tier':
        return TIERS[t]
    action = fn[len('can_'):]
    own = action in ('edit', 'delete') and cb is not None and cb == u
    return matrix(t, action, kind, own)


def without_account(M, st, u, call):
    """The answer a decision gives when it takes the grants on the performer
    without looking at the account (issue 15 finding 4: a remembered lookup of
    the performer reused for another account), in the direction that is wrong
    for this pair: the grants counted for a pair that does not belong
    together, not counted for one that does.  None when no such answer
    differs from the right one.  Used to label mismatches."""
    fn, kind, a, p, cb = call
    if u is None or not M.active(u) or p not in st['performers']:
        return None
    counted = st['performers'][p]['account_id'] != a
    g = M.cap(u, M.grant_tier(u, p)) if counted else 0
    t = max(M.account_tier(u, a), g)
    if fn == 'current_tier':
        return TIERS[t]
    action = fn[len('can_'):]
    own = action in ('edit', 'delete') and cb is not None and cb == u
    return matrix(t, action, kind, own)


LABEL_GRANTS = 'grants on the performer decided without the account'


def gen_pairs(rng, st, M, u):
    """Pairs to ask about as u: runs of one performer with its own account and
    then with accounts it does not belong to (in either order), and random
    pairs, missing ids and NULLs among them."""
    perfs = sorted(st['performers'])
    accts = sorted(st['accounts'])
    if not perfs:
        return []
    ident = M.identity(u) if u is not None else None
    granted = [p for p in perfs if ident and M.grant_tier(ident, p) > 0]
    runs = []
    for p in rng.sample(granted, min(4, len(granted))) + rng.sample(perfs, min(3, len(perfs))):
        pa = st['performers'][p]['account_id']
        others = [a for a in accts if a != pa] + [MISSING_ACCOUNT, None]
        run = [(pa, p)] + [(a, p) for a in rng.sample(others, min(rng.randint(1, 3), len(others)))]
        if rng.random() < 0.3:
            run.reverse()
        runs.append(run)
    for _ in range(6):
        runs.append([(rng.choice(accts + [MISSING_ACCOUNT, None]),
                      rng.choice(perfs + [MISSING_PERFORMER, None]))])
    rng.shuffle(runs)
    return [x for run in runs for x in run]


def gen_calls(rng, pairs, u):
    """One call of a random policy function (or current_tier) per pair."""
    calls = []
    for a, p in pairs:
        fn = rng.choice(FUNCS + ['current_tier'])
        kind = rng.choice(KINDS) if fn != 'current_tier' else None
        cb = rng.choice([u, u, -1, None]) if fn in ('can_edit', 'can_delete') else None
        calls.append((fn, kind, a, p, cb))
    return calls


def lit(v):
    """A value as an SQL literal."""
    return 'NULL' if v is None else ("'%s'" % v if isinstance(v, str) else str(v))


def call_sql(call, args=None):
    """SQL of one call; args: the placeholders to use instead of literals."""
    fn, kind, a, p, cb = call
    k, a_, p_, cb_ = args if args else (lit(kind), lit(a) + '::bigint', lit(p) + '::bigint', lit(cb) + '::bigint')
    if fn == 'current_tier':
        return 'permissions.current_tier(%s, %s)::text' % (a_, p_)
    if fn in ('can_view', 'can_create'):
        return 'permissions.%s(%s, %s, %s)' % (fn, k, a_, p_)
    return 'permissions.%s(%s, %s, %s, %s)' % (fn, k, a_, p_, cb_)


def probes(rng, st, M, u):
    """The questions one user asks: (probe, statement text)."""
    pairs = gen_pairs(rng, st, M, u)
    out = []
    calls = gen_calls(rng, pairs, u)
    # several calls in one select list
    for i in range(0, len(calls), 6):
        out.append(('calls', 'one statement', tuple(calls[i:i + 6])))
    # row after row
    calls = gen_calls(rng, pairs, u)
    out.append(('calls', 'row after row', tuple(calls)))
    # one call per statement, in one transaction
    calls = gen_calls(rng, pairs[:10], u)
    out.append(('calls', 'statement after statement', tuple(calls)))
    # a prepared statement with a generic plan, executed for each run of pairs
    calls = [(f, k or rng.choice(KINDS), a, p, cb if cb is not None else rng.choice([u, -1, None]))
             for f, k, a, p, cb in gen_calls(rng, pairs[:12], u)]
    out.append(('calls', 'generic plan', tuple(calls)))
    # application-table-like reads with an account argument not the row's
    perfs_acc = [st['performers'][p]['account_id'] for p in st['performers']]
    for _ in range(2):
        t = rng.choice(READ_TABLES)
        a = rng.choice(sorted(st['accounts']) + perfs_acc + [MISSING_ACCOUNT])
        action = rng.choice(['view', 'view', 'edit', 'delete'])
        out.append(('read', t, a, action, rng.random() < 0.5, rng.random() < 0.4))
    # (a join always by sequential scans: forced index scans make its inner side slow)
    out.append(('join', rng.choice(READ_TABLES[1:]), rng.choice(['view', 'edit']), True))
    return out


def read_sql(probe):
    """SQL of a read probe, and its parameters."""
    if probe[0] == 'join':
        _, t, action, seqscan = probe
        kind = PERFORMER_DATA[t]
        cb = ', r.created_by' if action in ('edit', 'delete') else ''
        return ('SELECT r.id, a.id FROM permissions.%s r CROSS JOIN permissions.accounts a '
                "WHERE permissions.can_%s('%s', a.id, r.performer_id%s)" % (t, action, kind, cb)), None
    _, t, a, action, seqscan, prepared = probe
    kind = PERFORMER_DATA[t]
    pcol = 'id' if t == 'performers' else 'performer_id'
    cb = ', created_by' if action in ('edit', 'delete') else ''
    arg = '$1' if prepared else '%d' % a
    return ("SELECT id FROM permissions.%s WHERE permissions.can_%s('%s', %s, %s%s)" % (
        t, action, kind, arg, pcol, cb)), a


def script(probe):
    """The statements of a probe, run in one round trip (and printed as the
    reproduction)."""
    if probe[0] == 'calls':
        how, calls = probe[1], probe[2]
        if how == 'one statement':
            return ['SELECT ' + ', '.join(call_sql(c) for c in calls)]
        if how == 'row after row':
            return [rows_sql(calls)]
        if how == 'statement after statement':
            return ['SELECT ' + call_sql(c) for c in calls]
        return generic_script(calls)
    sql, a = read_sql(probe)
    seqscan = probe[3] if probe[0] == 'join' else probe[4]
    pre = [] if seqscan else ['SET LOCAL enable_seqscan = off', 'SET LOCAL enable_bitmapscan = off']
    post = [] if seqscan else ['SET LOCAL enable_seqscan = on', 'SET LOCAL enable_bitmapscan = on']
    if probe[0] == 'read' and probe[5]:
        body = ['PREPARE dt_read(bigint) AS ' + sql, 'SET LOCAL plan_cache_mode = force_generic_plan',
                'EXECUTE dt_read(%d)' % a, 'DEALLOCATE dt_read', 'SET LOCAL plan_cache_mode = auto']
    else:
        body = [sql]
    return pre + body + post


def statement_text(probe):
    """The probe as one line of SQL (the mismatch report and the reproduction)."""
    return '; '.join(script(probe))


def rows_sql(calls):
    """One call per row, in the order of the calls (the function named by the row)."""
    arr = lambda vals, typ: "'{%s}'::%s[]" % (','.join('NULL' if v is None else str(v) for v in vals), typ)
    return ('SELECT x.i, CASE x.f '
            "WHEN 'current_tier' THEN permissions.current_tier(x.a, x.p)::text "
            "WHEN 'can_view' THEN permissions.can_view(x.k, x.a, x.p)::text "
            "WHEN 'can_create' THEN permissions.can_create(x.k, x.a, x.p)::text "
            "WHEN 'can_edit' THEN permissions.can_edit(x.k, x.a, x.p, x.cb)::text "
            "ELSE permissions.can_delete(x.k, x.a, x.p, x.cb)::text END "
            'FROM unnest(%s, %s, %s, %s, %s) WITH ORDINALITY x(f, k, a, p, cb, i) ORDER BY x.i' % (
                arr([c[0] for c in calls], 'text'), arr([c[1] or 'note' for c in calls], 'text'),
                arr([c[2] for c in calls], 'bigint'), arr([c[3] for c in calls], 'bigint'),
                arr([c[4] for c in calls], 'bigint')))


def generic_script(calls):
    """PREPARE one statement that asks every function about one pair; then
    EXECUTE it for each call's pair under a generic plan."""
    body = ', '.join(call_sql(('%s' % fn, None, None, None, None), ('$1', '$2', '$3', '$4')) for fn in FUNCS)
    stmts = ['PREPARE dt_pair(text, bigint, bigint, bigint) AS SELECT ' + body,
             'SET LOCAL plan_cache_mode = force_generic_plan']
    for fn, kind, a, p, cb in calls:
        stmts.append('EXECUTE dt_pair(%s, %s, %s, %s)' % (lit(kind or 'note'), lit(a), lit(p), lit(cb)))
    return stmts + ['DEALLOCATE dt_pair', 'SET LOCAL plan_cache_mode = auto']


def run_probe(cur, probe):
    """Asks one probe (the caller has set the role, in a transaction), in one
    round trip; returns the answers: for calls a list of answers in order,
    for reads a set of ids (of (row, account) for a join)."""
    cur.execute('; '.join(script(probe)))
    results = []
    while True:
        if cur.description is not None:
            results.append(cur.fetchall())
        if not cur.nextset():
            break
    if probe[0] == 'calls':
        how, calls = probe[1], probe[2]
        if how == 'row after row':
            return [fix(calls[i - 1], v) for i, v in results[0]]
        return [v for rows in results for v in rows[0]]
    rows = results[0]
    if probe[0] == 'join':
        return {tuple(r) for r in rows}
    return {r[0] for r in rows}


def fix(call, v):
    """The rows form answers as text: back to the type of the function's answer."""
    if call[0] == 'current_tier':
        return v
    return {'true': True, 'false': False}.get(v, v)


def expected_read(M, u, st, probe):
    """Rows the model returns for a read probe; the rows returned if the
    account argument were ignored (every row of a performer u reaches); and
    the rows a decision that takes the grants on the performer without the
    account may wrongly add or drop (see without_account)."""
    ident = M.identity(u) if u is not None else None
    if probe[0] == 'join':
        _, t, action, _ = probe
        accts = [a for a, r in st['accounts'].items() if ident and M.visible(ident, 'accounts', a, r)]
    else:
        _, t, a, action, _, _ = probe
        accts = [a]
    kind = PERFORMER_DATA[t]
    exp, ignored, may_add, may_drop = set(), set(), set(), set()
    if ident is None:
        return exp, ignored, may_add, may_drop
    for k, r in st[t].items():
        if not M.visible(ident, t, k, r):
            continue
        p = k if t == 'performers' else r['performer_id']
        own = action in ('edit', 'delete') and r.get('created_by') == ident
        fn = 'can_' + action
        # the table's policy asks about the row's own pair: a decision without
        # the account may hide the row, whatever the account the query names
        hidden = without_account(M, st, ident, ('can_view', kind, r['account_id'], p, None)) is False
        for a in accts:
            key = (k, a) if probe[0] == 'join' else k
            if matrix(M.pair_tier(ident, a, p), action, kind, own):
                exp.add(key)
            if matrix(M.tier(ident, p), action, kind, own):
                ignored.add(key)
            wrong = without_account(M, st, ident, (fn, kind, a, p, ident if own else None))
            if wrong is True:
                may_add.add(key)
            if wrong is False or hidden:
                may_drop.add(key)
    return exp, ignored, may_add, may_drop


def ask(ck, u, st, M11, rng, probe_list=None):
    """Asks the pair probes as user u and compares with the model."""
    if probe_list is None:
        with unmutated():
            plist = probes(rng, st, Model(st, now_utc()), u)
    else:
        plist = probe_list
    answers = []

    def run():
        """Every probe in its own savepoint: an error ends only that probe."""
        for pr in plist:
            ck.cur.execute('SAVEPOINT pq')
            try:
                answers.append(run_probe(ck.cur, pr))
                ck.cur.execute('RELEASE SAVEPOINT pq')
            except psycopg.Error as e:
                ck.cur.execute('ROLLBACK TO SAVEPOINT pq')
                answers.append(e)
    ck.cur.execute('BEGIN')
    try:
        ck.as_user(u, run)
    except psycopg.errors.InsufficientPrivilege:
        if u is not None:
            raise
        return          # a role mapped to nobody may have no privileges at all (1.1)
    finally:
        if ck.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            ck.cur.execute('COMMIT')
        # one statement as the DBA: the session's next user starts afresh, so
        # that what these questions leave behind shows here and not later
        ck.cur.execute('SELECT permissions.current_user_id()')
    ident = M11.identity(u) if u is not None else None
    for pr, got in zip(plist, answers):
        stmt = statement_text(pr)
        if isinstance(got, Exception):
            if u is None:
                continue
            ck.statkey = 'pair questions'
            ck.stats[ck.statkey] += 1
            ck.mismatch('pair', '%s: error %s' % (pr[0], got.sqlstate), u, stmt, 'answers',
                        str(got).splitlines()[0], ('fn', u, 'pair', pr), False)
            continue
        if pr[0] == 'calls':
            compare_calls(ck, u, ident, st, M11, pr, got, stmt)
        else:
            compare_read(ck, u, st, M11, pr, got, stmt)


def compared_calls(pr):
    """The calls whose answers a calls probe returns, in order (a generic plan's
    EXECUTE answers every function for its pair)."""
    if pr[1] == 'generic plan':
        return [(f, c[1], c[2], c[3], c[4]) for c in pr[2] for f in FUNCS]
    return list(pr[2])


def compare_calls(ck, u, ident, st, M, pr, got, stmt):
    """Each answer of a calls probe against the model's."""
    how, calls = pr[1], compared_calls(pr)
    for i, (c, g) in enumerate(zip(calls, got)):
        cat = category(st, M, c[2], c[3])
        ck.statkey = 'pair questions (%s pairs)' % ('matched' if cat == 'matched' else 'mismatched')
        ck.stats[ck.statkey] += 1
        e = expected(M, ident, c)
        if g == e:
            continue
        if g == without_account(M, st, ident, c):
            what = '%s: %s (%s; %s)' % (LABEL_GRANTS, c[0], cat, how)
        else:
            if c[0] == 'current_tier':
                d = 'database above the model' if TIERS.index(g) > TIERS.index(e) else 'database below the model'
            else:
                d = 'database allows, model refuses' if g else 'database refuses, model allows'
            what = '%s (%s; %s): %s' % (c[0], cat, how, d)
        ck.mismatch('pair', what, u, stmt, '%s is %s' % (call_sql(c), e), '%s (call %d of %d)' % (g, i + 1, len(calls)),
                    ('fn', u, 'pair', pr), False)


def compare_read(ck, u, st, M, pr, got, stmt):
    """The rows of a read probe against the model's."""
    ck.statkey = 'pair reads (policy function with another account)'
    ck.stats[ck.statkey] += 1
    exp, ignored, may_add, may_drop = expected_read(M, u, st, pr)
    if got == exp:
        return
    how = '%s, %s%s' % ('a join with accounts' if pr[0] == 'join' else 'a given account',
                        'sequential scan' if (pr[3] if pr[0] == 'join' else pr[4]) else 'index scan',
                        ', generic plan' if pr[0] == 'read' and pr[5] else '')
    extra, missing = got - exp, exp - got
    if extra <= may_add and missing <= may_drop:
        what = '%s: read %s (%s)' % (LABEL_GRANTS, pr[1], how)
    elif not missing and got == ignored:
        what = 'the account argument ignored: read %s (%s)' % (pr[1], how)
    else:
        what = 'read %s (%s): %s' % (pr[1], how, 'rows the model hides' if extra else 'rows hidden that the model shows')
    ck.mismatch('pair', what, u, stmt, 'rows %s' % sorted(exp, key=str)[:8],
                'extra %s, missing %s' % (sorted(extra, key=str)[:8], sorted(missing, key=str)[:8]),
                ('fn', u, 'pair', pr), False)
