"""
Random writes for the differential test, each with the model's prediction.

An Op is one SQL statement a user runs.  predict(model) says whether the
rules allow it and, when they do, what rows it leaves (a function applied to
a copy of the state).  Every rule cited is from the SPEC, the README or the
1.1 rules.
"""
import model
from model import TIERS, matrix

ANY = object()          # a column whose value the rules do not fix
_new = [0]


def new_key():
    _new[0] += 1
    return ('new', _new[0])


class Reason:
    """How the database says that a rule refused a write: the SQLSTATEs the
    rule raises (read from the extension's SQL), '0 rows' for an UPDATE or
    DELETE whose row a policy's USING clause filters out, and 'SQLSTATE text'
    for an error that must also say text."""

    def __init__(self, name, *codes):
        self.name, self.codes = name, codes

    def accepts(self, sqlstate, message, statement):
        """Is this how the rule refuses (sqlstate None: no error, no row)?"""
        codes = self.codes
        if model.mutant('refusal_reason'):
            codes = tuple('23514' if c == '42501' else c for c in codes)
        for c in codes:
            if c == '0 rows':
                if sqlstate is None and statement.lstrip().upper().startswith(('UPDATE', 'DELETE')):
                    return True
            elif sqlstate is not None and c.split(' ', 1)[0] == sqlstate and (
                    ' ' not in c or c.split(' ', 1)[1] in message):
                return True
        return False

    def __or__(self, other):
        """Either of two reasons (a rule the database answers in two ways)."""
        return Reason('%s or %s' % (self.name, other.name), *(self.codes + other.codes))


# a permission rule: a policy (a new row violates it: 42501; an old row is
# filtered out: 0 rows), a trigger's raise_rule() or a function's check
# (insufficient_privilege), table and schema privileges (42501 too)
PERMISSION = Reason('permission rule', '42501', '0 rows')
# a row the writer cannot see is answered as a missing one: no row, or the
# product's "does not exist or ..." (no_data_found, or foreign_key_violation
# from the triggers that look the target up under the writer's visibility)
HIDDEN = Reason('hidden or missing', '0 rows', 'P0002', '23503 does not exist')
NO_IDENTITY = Reason('no identity', '42501', '0 rows', 'P0002', '23503 does not exist')
# the schema's foreign keys and the library-reference triggers
FOREIGN_KEY = Reason('foreign key', '23503')
UNIQUE = Reason('unique', '23505')
# user types: raise_type_rule() (check_violation)
USER_TYPE = Reason('user type rule', '23514')
NOT_NULL = Reason('not null', '23502')
INVALID = Reason('invalid value', '22023')
# a column the database sets and nobody changes: kept silently, or refused
KEPT = Reason('never changes', '42501', '0 rows')


class Pred:
    """The model's verdict on a write: allowed (with what it does to the rows)
    or refused, with every rule that refuses it (the database may stop at
    any of them first); why is the first, as the model states it."""

    def __init__(self, ok, apply=None, rowcount=1, why='', reasons=()):
        self.ok, self.apply, self.rowcount, self.why = ok, apply, rowcount, why
        self.reasons = list(reasons)

    def accepts(self, sqlstate, message, statement):
        """Was a refusal (sqlstate None: no error) for one of the rules' reasons?"""
        return any(r.accepts(sqlstate, message, statement) for _, r in self.reasons)


def REFUSED(why, reason):
    """A refusal by one rule."""
    return Pred(False, why=why, reasons=[(why, reason)])


class Rules:
    """Collects every rule that refuses a write, in the model's order."""

    def __init__(self):
        self.reasons = []

    def no(self, why, reason):
        """Records a rule that refuses the write."""
        self.reasons.append((why, reason))

    def stop(self, why, reason):
        """A refusal after which the other rules cannot be asked (the row is missing)."""
        self.no(why, reason)
        return self.refused()

    def __bool__(self):
        return bool(self.reasons)

    def refused(self):
        """The verdict: refused, for every rule recorded."""
        return Pred(False, why=self.reasons[0][0], reasons=self.reasons)


class Op:
    """style: 'dml' (refused = error or no row), 'func' (refused = error),
    'nochange' (either outcome, but nothing may change)."""

    def __init__(self, name, user, sql, predict, style='dml', family=None, post_sql=None, post_check=None):
        self.name, self.user, self.sql, self.predict, self.style = name, user, sql, predict, style
        self.family = family or name.split(' (')[0]
        # a statement run after sql in the same transaction, and what its rows
        # must be when the write is allowed (post_check(rows) -> error text or None)
        self.post_sql, self.post_check = post_sql, post_check
        self.compare_rows = True        # False: only allowed or refused is predicted
        self.dba = False                # run by the DBA (no SET ROLE)


def lit(v):
    if v is None:
        return 'NULL'
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


# ---- cascades (the foreign keys of the schema) -------------------------------
def drop_rows(st, table, pred):
    for k in [k for k, r in st[table].items() if pred(k, r)]:
        del st[table][k]


def delete_chart(st, c):
    for t in ('measurements', 'conditions', 'notes'):
        drop_rows(st, t, lambda k, r: r['chart_id'] == c)
    drop_rows(st, 'tag_assignments', lambda k, r: r['chart_id'] == c)
    st['charts'].pop(c, None)


def delete_journal(st, j):
    drop_rows(st, 'tag_assignments', lambda k, r: r['journal_id'] == j)
    st['journals'].pop(j, None)


def delete_performer(st, p):
    for c in [c for c, r in st['charts'].items() if r['performer_id'] == p]:
        delete_chart(st, c)
    for j in [j for j, r in st['journals'].items() if r['performer_id'] == p]:
        delete_journal(st, j)
    drop_rows(st, 'tag_assignments', lambda k, r: r['performer_id'] == p)
    drop_rows(st, 'group_members', lambda k, r: k[1] == p)
    drop_rows(st, 'access_grants', lambda k, r: r['performer_id'] == p)
    st['performers'].pop(p, None)


# ---- helpers ------------------------------------------------------------------
def choose(rng, d):
    return rng.choice(list(d)) if d else None


def grant_key(g):
    return (g['user_id'], g['team_id'], g['performer_id'], g['group_id'])


def find_grant(st, key):
    for gid, g in st['access_grants'].items():
        if grant_key(g) == key:
            return gid
    return None


def unseen(M, u):
    """The reason a row u cannot see refuses a write: hidden, or no identity at all."""
    return HIDDEN if M.identity(u) is not None else NO_IDENTITY


def library_ref_refused(M, u, table, ref, account):
    """A chart's pinpoint, a journal's type, a tag assignment's user or pinpoint
    must belong to the row's account, as the writer can tell: the library row
    visible to it, the user in its own or a managed account (check_library_refs,
    foreign_key_violation "... is not in account ...")."""
    row = M.s[table].get(ref)
    if row is None or row['account_id'] != account or M.identity(u) is None:
        return True
    if table == 'users':
        return not (M.user(u)['account_id'] == account or M.manages(u, account))
    return not M.visible(u, table, ref, row)


def grant_rules(M, u, tier, guser, gteam, perf, group, expires_future, replacing=None, update=False):
    """Every rule that refuses u giving tier to (guser|gteam) on (perf|group)
    (SPEC Granting without escalation; README Granting; 1.1 Grants).  The
    database looks the target up under u's visibility (hidden: "does not
    exist or is not visible"), then u's rights (insufficient_privilege), then
    the grantee: missing or outside the line get one error ("does not exist
    or cannot be granted access"); an expiry in the past is an invalid value;
    the single_performer rules are user-type rules.  update: a change of an
    existing grant (the expiry and single_performer rules are for new ones)."""
    st = M.s
    r = Rules()
    if M.identity(u) is None:
        r.no('no identity', NO_IDENTITY)
    if tier <= 0:
        r.no('tier none', INVALID)
    ta = ga = None
    if perf is not None:
        if perf not in st['performers']:
            r.no('no such performer', HIDDEN)
        else:
            ta = st['performers'][perf]['account_id']
    else:
        if group not in st['groups']:
            r.no('no such group', HIDDEN)
        else:
            ta = st['groups'][group]['account_id']
    if guser is not None:
        if guser not in st['users']:
            r.no('no such grantee', HIDDEN)
        else:
            ga = st['users'][guser]['account_id']
    else:
        if gteam not in st['teams']:
            r.no('no such team', HIDDEN)
        else:
            ga = st['teams'][gteam]['account_id']
    if ta is not None and ga is not None and M.on('grant_line') and not M.in_line(ga, ta):
        r.no('grantee outside the line (1.1)', HIDDEN)
    if guser == u:
        r.no('grant to oneself', PERMISSION)
    if M.on('expiry') and expires_future is False and not update:
        r.no('expiry in the past (1.1)', INVALID)
    if ta is not None and M.identity(u) is not None:
        if perf is not None:
            if M.tier(u, perf) < 1:
                r.no('granting on a performer needs tier1', HIDDEN)
            elif M.tier(u, perf) < 4:
                r.no('granting on a performer needs tier1', PERMISSION)
        else:
            if not M.visible(u, 'groups', group, st['groups'][group]):
                r.no('granting on a group needs manage_users', HIDDEN)
            elif not M.holds(u, 'manage_users', ta):
                r.no('granting on a group needs manage_users', PERMISSION)
            if tier > M.ceiling(u, ta):
                r.no('tier above the wildcard ceiling', PERMISSION)
            if replacing is not None and replacing > M.ceiling(u, ta):
                r.no('replaced grant above the ceiling', PERMISSION)
    if guser is not None and guser in st['users'] and st['users'][guser]['user_type'] == 'single_performer' \
            and not update:
        if group is not None:
            r.no('single_performer: direct grants only', USER_TYPE)
        for g in st['access_grants'].values():
            if g['user_id'] == guser and g['performer_id'] is not None and g['performer_id'] != perf:
                r.no('single_performer: one performer', USER_TYPE)
                break
    return r


def revoke_rule(M, u, g):
    """Revoking a grant on a performer needs tier1 on it (deleting kind "access");
    one on a group needs manage_users in its account.  Silent in the documents:
    no tier ceiling applies, as a revocation gives nobody anything."""
    if M.identity(u) is None:
        return False
    if g['performer_id'] is not None:
        return M.tier(u, g['performer_id']) >= 4
    return M.holds(u, 'manage_users', g['account_id'])


# ---- generators --------------------------------------------------------------
DATA = {
    'measurements': ('measurement', "measured_on, count", "'2024-02-03', %d", 'count'),
    'conditions': ('condition', "starts_on, label", "'2024-02-03', 'phase %d'", 'label'),
    'notes': ('note', "body", "'note %d'", 'body'),
}


def op_data_insert(rng, st, u, users):
    t = rng.choice(list(DATA))
    kind, cols, vals, col = DATA[t]
    c = choose(rng, st['charts'])
    if c is None:
        return None
    ch = st['charts'][c]
    n = rng.randint(1, 99)
    v = rng.choice(['plain', 'plain', 'forge_created_by', 'null_created_by', 'explicit_id',
                    'wrong_account', 'null_performer'])
    acct, perf = ch['account_id'], ch['performer_id']
    extra_c, extra_v = '', ''
    if v == 'forge_created_by':
        other = rng.choice(list(users))
        extra_c, extra_v = ', created_by', ', %d' % other
    elif v == 'null_created_by':
        extra_c, extra_v = ', created_by', ', NULL'
    elif v == 'explicit_id':
        extra_c, extra_v = ', id', ', %d' % (900000 + n)
    elif v == 'wrong_account':
        others = [a for a in st['accounts'] if a != acct]
        acct = rng.choice(others) if others else acct
    elif v == 'null_performer':
        perf = None
    sql = 'INSERT INTO permissions.%s (account_id, performer_id, chart_id, %s%s) VALUES (%s, %s, %d, %s%s) RETURNING id' % (
        t, cols, extra_c, acct, lit(perf), c, vals % n, extra_v)
    value = n if t == 'measurements' else (vals % n).split(', ')[-1].strip("'")

    def predict(M):
        r = Rules()
        if M.identity(u) is None:
            r.no('no identity', NO_IDENTITY)
        if c not in M.s['charts']:
            return r.stop('no such chart', FOREIGN_KEY)
        if v == 'wrong_account' and acct != ch['account_id']:
            r.no('row account is not the chart\'s (foreign key)', FOREIGN_KEY)
        row_perf = perf
        if v == 'null_performer':
            # 1.1 child rows: a row that leaves performer_id out takes it from
            # its chart, read as the writer sees it; a chart the writer cannot
            # see is refused like a missing one
            if not M.on('child_rows'):
                r.no('performer_id is NULL', NOT_NULL)
            elif M.visible(u, 'charts', c, M.s['charts'][c]):
                row_perf = M.s['charts'][c]['performer_id']
            else:
                r.no('the chart that would give performer_id is not visible', FOREIGN_KEY)
        # the policy asks about the row's own (account, performer): a wrong
        # account is a pair that does not belong together
        if not matrix(M.pair_tier(u, acct, row_perf), 'create', kind, True):
            r.no('create %s needs tier3' % kind, PERMISSION)
        if v == 'explicit_id' and M.on('ids'):
            r.no('ids are chosen by the database (1.1)', PERMISSION)
        if r:
            return r.refused()

        def apply(s):
            k = (900000 + n) if v == 'explicit_id' else new_key()
            s[t][k] = {'account_id': ch['account_id'], 'performer_id': ch['performer_id'], 'chart_id': c,
                       col: value, 'created_by': u}
        return Pred(True, apply)
    return Op('insert %s (%s)' % (t, v), u, sql, predict)


def op_data_update(rng, st, u, users):
    t = rng.choice(list(DATA) + ['journals'])
    r = choose(rng, st[t])
    if r is None:
        return None
    kind = 'journal' if t == 'journals' else DATA[t][0]
    col = 'body' if t == 'journals' else DATA[t][3]
    n = rng.randint(100, 999)
    val = n if col == 'count' else 'changed %d' % n
    v = rng.choice(['plain', 'plain', 'plain', 'set_created_by', 'set_id'])
    if v == 'plain':
        sql = 'UPDATE permissions.%s SET %s = %s WHERE id = %d' % (t, col, lit(val), r)
    elif v == 'set_created_by':
        other = rng.choice(list(users))
        sql = 'UPDATE permissions.%s SET created_by = %d WHERE id = %d' % (t, other, r)
        # created_by "is set by the database and cannot be forged or changed" (README)
        return Op('update %s (set created_by)' % t, u, sql, lambda M: REFUSED('created_by never changes', KEPT | HIDDEN),
                  style='nochange')
    else:
        sql = 'UPDATE permissions.%s SET id = %d WHERE id = %d' % (t, 800000 + r, r)

    def predict(M):
        rules = Rules()
        row = M.s[t].get(r)
        if M.identity(u) is None:
            rules.no('no identity', NO_IDENTITY)
        elif row is None or not M.visible(u, t, r, row):
            rules.no('row not visible', HIDDEN)
        elif not matrix(M.tier(u, row['performer_id']), 'edit', kind, row['created_by'] == u):
            rules.no('edit %s not allowed at this tier' % kind, PERMISSION)
        # (the id column is refused before any row is looked at)
        if v == 'set_id' and M.on('ids'):
            rules.no('ids are chosen by the database (1.1)', PERMISSION)
        if rules:
            return rules.refused()
        if v == 'set_id':

            def apply(s):
                rr = s[t].pop(r)
                s[t][800000 + r] = rr
                if t == 'journals':
                    for ta in s['tag_assignments'].values():
                        if ta['journal_id'] == r:
                            ta['journal_id'] = 800000 + r
            return Pred(True, apply)

        def apply(s):
            s[t][r][col] = val
        return Pred(True, apply)
    return Op('update %s (%s)' % (t, v), u, sql, predict)


def op_data_delete(rng, st, u, users):
    t = rng.choice(list(DATA) + ['journals'])
    r = choose(rng, st[t])
    if r is None:
        return None
    kind = 'journal' if t == 'journals' else DATA[t][0]
    sql = 'DELETE FROM permissions.%s WHERE id = %d' % (t, r)

    def predict(M):
        row = M.s[t].get(r)
        if row is None or not M.visible(u, t, r, row):
            return REFUSED('row not visible', HIDDEN | NO_IDENTITY)
        if not matrix(M.tier(u, row['performer_id']), 'delete', kind, row['created_by'] == u):
            return REFUSED('delete %s not allowed at this tier' % kind, PERMISSION)

        def apply(s):
            if t == 'journals':
                delete_journal(s, r)
            else:
                s[t].pop(r)
        return Pred(True, apply)
    return Op('delete %s' % t, u, sql, predict)


def op_journal_insert(rng, st, u, users):
    p = choose(rng, st['performers'])
    if p is None:
        return None
    pa = st['performers'][p]['account_id']
    own = [j for j, r in st['journal_types'].items() if r['account_id'] == pa]
    other = [j for j, r in st['journal_types'].items() if r['account_id'] != pa]
    v = rng.choice(['no type', 'own type', 'other account type'])
    jt = None
    if v == 'own type' and own:
        jt = rng.choice(own)
    elif v == 'other account type' and other:
        jt = rng.choice(other)
    else:
        v = 'no type'
    sql = "INSERT INTO permissions.journals (account_id, performer_id, journal_type_id, body) VALUES (%d, %d, %s, 'entry') RETURNING id" % (
        pa, p, lit(jt))

    def predict(M):
        r = Rules()
        if M.identity(u) is None:
            r.no('no identity', NO_IDENTITY)
        if p not in M.s['performers'] or (jt is not None and jt not in M.s['journal_types']):
            return r.stop('no such performer or journal type', FOREIGN_KEY)
        if not matrix(M.tier(u, p), 'create', 'journal', True):
            r.no('create journal needs tier3', PERMISSION)
        if jt is not None and library_ref_refused(M, u, 'journal_types', jt, pa):
            r.no('journal type of another account (README library references)', FOREIGN_KEY)
        if r:
            return r.refused()

        def apply(s):
            s['journals'][new_key()] = {'account_id': pa, 'performer_id': p, 'journal_type_id': jt,
                                        'body': 'entry', 'created_by': u}
        return Pred(True, apply)
    return Op('insert journal (%s)' % v, u, sql, predict)


def op_chart(rng, st, u, users):
    v = rng.choice(['insert', 'insert', 'insert other pinpoint', 'update', 'delete'])
    if v.startswith('insert'):
        p = choose(rng, st['performers'])
        if p is None:
            return None
        pa = st['performers'][p]['account_id']
        pins = [x for x, r in st['pinpoints'].items() if (r['account_id'] == pa) == (v == 'insert')]
        if not pins:
            return None
        pin = rng.choice(pins)
        sql = "INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id, title) VALUES (%d, %d, %d, 'new chart') RETURNING id" % (pa, p, pin)

        def predict(M):
            r = Rules()
            if M.identity(u) is None:
                r.no('no identity', NO_IDENTITY)
            if p not in M.s['performers'] or pin not in M.s['pinpoints']:
                return r.stop('no such performer or pinpoint', FOREIGN_KEY)
            if M.tier(u, p) < 4:
                r.no('charts need tier1 to create (README decisions)', PERMISSION)
            if library_ref_refused(M, u, 'pinpoints', pin, pa):
                r.no('pinpoint of another account', FOREIGN_KEY)
            if r:
                return r.refused()

            def apply(s):
                s['charts'][new_key()] = {'account_id': pa, 'performer_id': p, 'pinpoint_id': pin,
                                          'title': 'new chart', 'created_by': u}
            return Pred(True, apply)
        return Op('chart %s' % v, u, sql, predict)
    c = choose(rng, st['charts'])
    if c is None:
        return None
    if v == 'update':
        sql = "UPDATE permissions.charts SET title = 'renamed' WHERE id = %d" % c
    else:
        sql = 'DELETE FROM permissions.charts WHERE id = %d' % c

    def predict(M):
        ch = M.s['charts'].get(c)
        if ch is None or not M.visible(u, 'charts', c, ch):
            return REFUSED('not visible', HIDDEN | NO_IDENTITY)
        if not matrix(M.tier(u, ch['performer_id']), 'edit' if v == 'update' else 'delete', 'chart', ch['created_by'] == u):
            return REFUSED('chart %s needs tier1' % v, PERMISSION)

        def apply(s):
            if v == 'update':
                s['charts'][c]['title'] = 'renamed'
            else:
                delete_chart(s, c)
        return Pred(True, apply)
    return Op('chart %s' % v, u, sql, predict)


def op_performer(rng, st, u, users):
    v = rng.choice(['insert', 'insert', 'insert returning', 'insert explicit id', 'insert forged creator',
                    'update', 'delete'])
    if v.startswith('insert'):
        a = choose(rng, st['accounts'])
        if u in st['users'] and rng.random() < 0.5:
            a = st['users'][u]['account_id']
        cols, vals = 'account_id, first_name', "%d, 'New'" % a
        if v == 'insert explicit id':
            cols, vals = cols + ', id', vals + ', %d' % (700000 + rng.randint(1, 9999))
        if v == 'insert forged creator':
            cols, vals = cols + ', created_by', vals + ', %d' % rng.choice(list(users))
        ret = ' RETURNING *' if v == 'insert returning' else ' RETURNING id'
        sql = 'INSERT INTO permissions.performers (%s) VALUES (%s)%s' % (cols, vals, ret)
        # whoever inserts a performer gets a tier1 grant on it from the next statement on (1.1)
        post_sql = ("SELECT count(*), max(permissions.effective_tier(id)::text) FROM permissions.performers "
                    "WHERE first_name = 'New' AND created_by = permissions.current_user_id() "
                    "AND id NOT IN (SELECT unnest(%s::bigint[]))")

        def post_check(rows, known=sorted(st['performers'])):
            return None if rows and rows[0][0] >= 1 and rows[0][1] == 'tier1' else \
                'the next statement does not see the new performer at tier1: %s' % (rows,)

        def predict(M):
            r = Rules()
            if M.identity(u) is None:
                r.no('no identity', NO_IDENTITY)
            if a not in M.s['accounts'] or not M.holds(u, 'create_performers', a):
                r.no('inserting a performer needs create_performers', PERMISSION)
            if v == 'insert explicit id' and M.on('ids'):
                r.no('ids are chosen by the database (1.1)', PERMISSION)
            if r:
                return r.refused()

            def apply(s):
                k = int(vals.split(', ')[-1]) if v == 'insert explicit id' else new_key()
                s['performers'][k] = {'account_id': a, 'first_name': 'New', 'created_by': u}
                # whoever inserts a performer gets a tier1 grant on it
                s['access_grants'][new_key()] = {'account_id': a, 'user_id': u, 'team_id': None,
                                                 'performer_id': k, 'group_id': None, 'tier': 4,
                                                 'expires_at': None, 'granted_by': ANY}
            return Pred(True, apply)
        return Op('performer %s' % v, u, sql, predict, post_sql=(post_sql, sorted(st['performers'])),
                  post_check=post_check)
    p = choose(rng, st['performers'])
    if p is None:
        return None
    if v == 'update':
        sql = "UPDATE permissions.performers SET first_name = 'Renamed' WHERE id = %d" % p
    else:
        sql = 'DELETE FROM permissions.performers WHERE id = %d' % p

    def predict(M):
        row = M.s['performers'].get(p)
        if row is None or not M.visible(u, 'performers', p, row):
            return REFUSED('not visible', HIDDEN | NO_IDENTITY)
        if M.tier(u, p) < 4:
            return REFUSED('performer %s needs tier1' % v, PERMISSION)

        def apply(s):
            if v == 'update':
                s['performers'][p]['first_name'] = 'Renamed'
            else:
                delete_performer(s, p)
        return Pred(True, apply)
    return Op('performer %s' % v, u, sql, predict)


def _pick_grantee(rng, st, u, ta_line_of):
    """A grantee: in the target's line, outside it, oneself, or missing."""
    r = rng.random()
    if r < 0.08:
        return ('user', 999999, 'missing user')
    if r < 0.16 and u in st['users']:
        return ('user', u, 'self')
    if r < 0.35 and st['teams']:
        t = rng.choice(list(st['teams']))
        return ('team', t, 'team in line' if ta_line_of(st['teams'][t]['account_id']) else 'team outside line')
    x = rng.choice(list(st['users']))
    return ('user', x, 'user in line' if ta_line_of(st['users'][x]['account_id']) else 'user outside line')


def op_grant(rng, st, u, users, M11):
    on_group = st['groups'] and rng.random() < 0.35
    bias = rng.random() < 0.6           # a target the user may grant on
    if on_group:
        cands = [g for g, r in st['groups'].items() if M11.holds(u, 'manage_users', r['account_id'])] if bias else []
        tgt = rng.choice(cands or list(st['groups']))
        ta = st['groups'][tgt]['account_id']
    else:
        cands = [p for p in st['performers'] if M11.tier(u, p) >= 4] if bias else []
        tgt = rng.choice(cands) if cands else choose(rng, st['performers'])
        if tgt is None:
            return None
        ta = st['performers'][tgt]['account_id']
    kind, gte, gdesc = _pick_grantee(rng, st, u, lambda a: M11.in_line(a, ta))
    tier = rng.randint(1, 4)
    er = rng.random()
    exp_sql, exp_future, exp_desc = ('NULL', None, 'no expiry') if er < 0.6 else (
        ("now() + interval '10 days'", True, 'future expiry') if er < 0.85 else
        ("now() - interval '1 hour'", False, 'past expiry'))
    guser = gte if kind == 'user' else None
    gteam = gte if kind == 'team' else None
    perf = None if on_group else tgt
    group = tgt if on_group else None
    key = (guser, gteam, perf, group)
    path = rng.choice(['grant_access', 'grant_access', 'insert', 'insert on conflict'])
    if path == 'grant_access':
        sql = 'SELECT permissions.grant_access(%s, %s => %d, %s => %d, expires_at => %s)' % (
            lit(TIERS[tier]), 'user_id' if guser else 'team_id', gte,
            'group_id' if on_group else 'performer_id', tgt, exp_sql)
    else:
        sql = 'INSERT INTO permissions.access_grants (account_id, %s, %s, tier, expires_at) VALUES (%d, %d, %d, %s, %s)' % (
            'user_id' if guser else 'team_id', 'group_id' if on_group else 'performer_id', ta, gte, tgt,
            lit(TIERS[tier]), exp_sql)
        if path == 'insert on conflict':
            sql += ' ON CONFLICT (user_id, team_id, performer_id, group_id) DO UPDATE SET tier = EXCLUDED.tier, expires_at = EXCLUDED.expires_at'
        sql += ' RETURNING id'

    def predict(M):
        existing = find_grant(M.s, key)
        old = M.s['access_grants'][existing] if existing is not None else None
        r = Rules()
        if path == 'insert' and existing is not None:
            r.no('a grant between the two exists (unique)', UNIQUE)
        for why, reason in grant_rules(M, u, tier, guser, gteam, perf, group, exp_future,
                                       replacing=old['tier'] if old and path != 'insert' else None).reasons:
            r.no(why, reason)
        if r:
            return r.refused()

        def apply(s):
            k = existing if existing is not None else new_key()
            row = {'account_id': ta, 'user_id': guser, 'team_id': gteam, 'performer_id': perf,
                   'group_id': group, 'tier': tier, 'expires_at': ANY if exp_future else None,
                   'granted_by': ANY if existing is not None else u}
            s['access_grants'][k] = row
        return Pred(True, apply)
    desc = '%s on %s to %s, %s' % (path, 'group' if on_group else 'performer', gdesc, exp_desc)
    return Op('grant (%s)' % desc, u, sql, predict, style='func' if path == 'grant_access' else 'dml',
              family='grant via %s on a %s to a %s' % (path, 'group' if on_group else 'performer', kind))


def op_revoke(rng, st, u, users):
    g = choose(rng, st['access_grants'])
    if g is None:
        return None
    row = st['access_grants'][g]
    path = rng.choice(['revoke_access', 'delete', 'update tier', 'update expiry'])
    new_tier = rng.randint(1, 4)
    future = rng.random() < 0.5
    if path == 'revoke_access':
        sql = 'SELECT permissions.revoke_access(%d)' % g
    elif path == 'delete':
        sql = 'DELETE FROM permissions.access_grants WHERE id = %d' % g
    elif path == 'update tier':
        sql = 'UPDATE permissions.access_grants SET tier = %s WHERE id = %d' % (lit(TIERS[new_tier]), g)
    else:
        sql = "UPDATE permissions.access_grants SET expires_at = now() %s interval '1 day' WHERE id = %d" % (
            '+' if future else '-', g)

    def predict(M):
        row = M.s['access_grants'].get(g)
        if row is None:
            return REFUSED('no such grant', unseen(M, u))
        if path != 'revoke_access' and not M.visible(u, 'access_grants', g, row):
            return REFUSED('grant not visible', unseen(M, u))
        if path == 'update expiry':
            # rewriting the grant: the rights to make it (its grantee in the
            # line, 1.1); an expiry in the past ends it early, a revocation
            # kept on record (README, decisions), so only a new grant must
            # not start expired
            r = grant_rules(M, u, row['tier'], row['user_id'], row['team_id'], row['performer_id'],
                            row['group_id'], True if future else None, replacing=row['tier'], update=True)
            if r:
                return r.refused()

            def apply(s):
                s['access_grants'][g]['expires_at'] = ANY
                s['access_grants'][g]['granted_by'] = ANY
            return Pred(True, apply)
        if path == 'update tier':
            r = grant_rules(M, u, new_tier, row['user_id'], row['team_id'], row['performer_id'],
                            row['group_id'], None if row['expires_at'] is None else True,
                            replacing=row['tier'], update=True)
            if r:
                return r.refused()

            def apply(s):
                s['access_grants'][g]['tier'] = new_tier
                s['access_grants'][g]['granted_by'] = ANY
            return Pred(True, apply)
        if not revoke_rule(M, u, row):
            # revoke_access() answers a grant one may not revoke as a missing one
            return REFUSED('revoking needs the rights to grant', PERMISSION | unseen(M, u))

        def apply(s):
            s['access_grants'].pop(g)
        return Pred(True, apply)
    return Op('grant %s (%s)' % (path, 'group' if row['group_id'] else 'performer'), u, sql, predict,
              style='func' if path == 'revoke_access' else 'dml')


def op_team_member(rng, st, u, users):
    t = choose(rng, st['teams'])
    if t is None:
        return None
    ta = st['teams'][t]['account_id']
    if rng.random() < 0.35:
        ms = [k for k in st['team_members'] if k[0] == t]
        if not ms:
            return None
        k = rng.choice(ms)
        sql = 'DELETE FROM permissions.team_members WHERE team_id = %d AND user_id = %d' % k

        def predict(M):
            if k not in M.s['team_members'] or not M.visible(u, 'team_members', k, M.s['team_members'][k]):
                return REFUSED('not visible', unseen(M, u))
            if not M.holds(u, 'manage_teams', ta):
                return REFUSED('team membership needs manage_teams', PERMISSION)

            def apply(s):
                s['team_members'].pop(k)
            return Pred(True, apply)
        return Op('team member remove', u, sql, predict)
    r = rng.random()
    if r < 0.15 and u in st['users']:
        m, v = u, 'self'
    else:
        same = [x for x, d in st['users'].items() if d['account_id'] == ta]
        m = rng.choice(same) if same and r < 0.85 else rng.choice(list(st['users']))
        v = 'same account' if st['users'][m]['account_id'] == ta else 'other account'
    ma = st['users'][m]['account_id']
    sql = 'INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (%d, %d, %d)' % (t, m, ta)

    def predict(M):
        r = Rules()
        if M.identity(u) is None:
            r.no('no identity', NO_IDENTITY)
        if t not in M.s['teams'] or m not in M.s['users']:
            return r.stop('no such team or user', FOREIGN_KEY)
        if ma != ta:
            r.no('member of another account (foreign key)', FOREIGN_KEY)
        if (t, m) in M.s['team_members']:
            r.no('already a member', UNIQUE)
        if not M.holds(u, 'manage_teams', ta):
            r.no('team membership needs manage_teams', PERMISSION)
        if m == u and not M.manages(u, ta):
            r.no('nobody but a manager adds themselves to a team', PERMISSION)
        # every grant of the team, expired ones too (silent in the documents; the
        # implementation's stricter reading: the adder could have made each one)
        for g in M.s['access_grants'].values():
            if g['team_id'] != t:
                continue
            if g['performer_id'] is not None and M.tier(u, g['performer_id']) < 4:
                r.no('adder could not make the team grant on a performer', PERMISSION)
                break
            if g['group_id'] is not None and not (M.holds(u, 'manage_users', g['account_id'])
                                                  and g['tier'] <= M.ceiling(u, g['account_id'])):
                r.no('adder could not make the team grant on a group', PERMISSION)
                break
        if r:
            return r.refused()

        def apply(s):
            s['team_members'][(t, m)] = {'account_id': ta}
        return Pred(True, apply)
    return Op('team member add (%s)' % v, u, sql, predict)


def op_group_member(rng, st, u, users):
    g = choose(rng, st['groups'])
    if g is None:
        return None
    ga = st['groups'][g]['account_id']
    if rng.random() < 0.35:
        ms = [k for k in st['group_members'] if k[0] == g]
        if not ms:
            return None
        k = rng.choice(ms)
        sql = 'DELETE FROM permissions.group_members WHERE group_id = %d AND performer_id = %d' % k

        def predict(M):
            if k not in M.s['group_members'] or not M.visible(u, 'group_members', k, M.s['group_members'][k]):
                return REFUSED('not visible', unseen(M, u))
            if not M.holds(u, 'create_groups', ga):
                return REFUSED('group membership needs create_groups', PERMISSION)

            def apply(s):
                s['group_members'].pop(k)
            return Pred(True, apply)
        return Op('group member remove', u, sql, predict)
    same = [x for x, d in st['performers'].items() if d['account_id'] == ga]
    p = rng.choice(same) if same and rng.random() < 0.85 else choose(rng, st['performers'])
    pa = st['performers'][p]['account_id']
    sql = 'INSERT INTO permissions.group_members (group_id, performer_id, account_id) VALUES (%d, %d, %d)' % (g, p, ga)

    def predict(M):
        r = Rules()
        if M.identity(u) is None:
            r.no('no identity', NO_IDENTITY)
        if g not in M.s['groups'] or p not in M.s['performers']:
            return r.stop('no such group or performer', FOREIGN_KEY)
        if pa != ga:
            r.no('performer of another account (foreign key)', FOREIGN_KEY)
        if (g, p) in M.s['group_members']:
            r.no('already a member', UNIQUE)
        if not M.holds(u, 'create_groups', ga):
            r.no('group membership needs create_groups', PERMISSION)
        # the policy asks can_create('access') of the row's (group's account, performer)
        if M.pair_tier(u, ga, p) < 4:
            r.no('adding a performer to a group needs tier1 on it', PERMISSION)
        if r:
            return r.refused()

        def apply(s):
            s['group_members'][(g, p)] = {'account_id': ga}
        return Pred(True, apply)
    return Op('group member add (%s)' % ('same account' if pa == ga else 'other account'), u, sql, predict)


def op_tag_assignment(rng, st, u, users):
    if rng.random() < 0.3:
        x = choose(rng, st['tag_assignments'])
        if x is None:
            return None
        row = st['tag_assignments'][x]
        sql = 'DELETE FROM permissions.tag_assignments WHERE id = %d' % x

        def predict(M):
            row = M.s['tag_assignments'].get(x)
            if row is None or not M.visible(u, 'tag_assignments', x, row):
                return REFUSED('not visible', unseen(M, u))
            if row['target_kind'] in ('performer', 'chart', 'journal'):
                if not matrix(M.tier(u, row['performer_id']), 'delete', 'tag', True):
                    return REFUSED('delete tag needs tier2', PERMISSION)
            elif not M.own_or_managed(u, row['account_id']):
                return REFUSED('user/pinpoint tags need own or managed account (1.1)', PERMISSION)

            def apply(s):
                s['tag_assignments'].pop(x)
            return Pred(True, apply)
        return Op('tag assignment delete (%s)' % row['target_kind'], u, sql, predict)
    kind = rng.choice(['performer', 'chart', 'journal', 'user', 'pinpoint'])
    src = {'performer': 'performers', 'chart': 'charts', 'journal': 'journals', 'user': 'users',
           'pinpoint': 'pinpoints'}[kind]
    tgt = choose(rng, st[src])
    if tgt is None:
        return None
    trow = st[src][tgt]
    ta = trow['account_id']
    same_tags = [x for x, r in st['tags'].items() if r['account_id'] == ta]
    other_tags = [x for x, r in st['tags'].items() if r['account_id'] != ta]
    if same_tags and (rng.random() < 0.85 or not other_tags):
        tag = rng.choice(same_tags)
    elif other_tags:
        tag = rng.choice(other_tags)
    else:
        return None
    tga = st['tags'][tag]['account_id']
    cols = {'account_id': tga, 'tag_id': tag, 'target_kind': kind, 'performer_id': None, 'chart_id': None,
            'journal_id': None, 'target_user_id': None, 'pinpoint_id': None}
    if kind == 'performer':
        cols['performer_id'] = tgt
    elif kind in ('chart', 'journal'):
        cols[kind + '_id'] = tgt
        cols['performer_id'] = trow['performer_id']
    elif kind == 'user':
        cols['target_user_id'] = tgt
    else:
        cols['pinpoint_id'] = tgt
    names = [k for k, v in cols.items() if v is not None]
    sql = 'INSERT INTO permissions.tag_assignments (%s) VALUES (%s) RETURNING id' % (
        ', '.join(names), ', '.join(lit(cols[k]) for k in names))

    def predict(M):
        r = Rules()
        if M.identity(u) is None:
            r.no('no identity', NO_IDENTITY)
        if tgt not in M.s[src] or tag not in M.s['tags']:
            return r.stop('no such target or tag', FOREIGN_KEY)
        if kind in ('performer', 'chart', 'journal'):
            if tga != ta:
                r.no('tag of another account (foreign key)', FOREIGN_KEY)
            # the policy asks about the row's (tag's account, performer)
            if not matrix(M.pair_tier(u, tga, cols['performer_id']), 'create', 'tag', True):
                r.no('create tag needs tier3', PERMISSION)
        else:
            if not M.own_or_managed(u, tga):
                r.no('user/pinpoint tags need own or managed account (1.1)', PERMISSION)
            if library_ref_refused(M, u, src, tgt, tga):
                r.no('target of another account (README library references)', FOREIGN_KEY)
        if r:
            return r.refused()

        def apply(s):
            s['tag_assignments'][new_key()] = dict(cols, created_by=u)
        return Pred(True, apply)
    return Op('tag assignment insert (%s%s)' % (kind, '' if tga == ta else ', other account tag'), u, sql, predict)


LIBS = {'pinpoints': 'manage_pinpoints', 'tags': 'manage_tags', 'journal_types': 'manage_journal_types',
        'groups': 'create_groups', 'teams': 'manage_teams'}


def op_library(rng, st, u, users):
    t = rng.choice(list(LIBS))
    perm = LIBS[t]
    v = rng.choice(['insert', 'insert', 'insert explicit id', 'on conflict', 'update', 'delete', 'delete'])
    if v.startswith('insert') or v == 'on conflict':
        a = choose(rng, st['accounts'])
        if u in st['users'] and rng.random() < 0.5:
            a = st['users'][u]['account_id']
        existing = [r['name'] for r in st[t].values() if r['account_id'] == a]
        name = rng.choice(existing) if v == 'on conflict' and existing and t in ('pinpoints', 'tags') and rng.random() < 0.7 \
            else '%s new %d' % (t, rng.randint(1, 10 ** 6))
        cols, vals = 'account_id, name', '%d, %s' % (a, lit(name))
        if t == 'pinpoints':
            cols, vals = cols + ', goal', vals + ', 77'
        if v == 'insert explicit id':
            cols, vals = cols + ', id', vals + ', %d' % (600000 + rng.randint(1, 9999))
        sql = 'INSERT INTO permissions.%s (%s) VALUES (%s)' % (t, cols, vals)
        conflict = v == 'on conflict' and t in ('pinpoints', 'tags')
        if conflict:
            sql += ' ON CONFLICT (account_id, name) DO ' + (
                'UPDATE SET goal = EXCLUDED.goal' if t == 'pinpoints' else 'NOTHING')
        elif v == 'on conflict':
            v = 'insert'

        def predict(M):
            r = Rules()
            if M.identity(u) is None:
                r.no('no identity', NO_IDENTITY)
            if a not in M.s['accounts'] or not M.holds(u, perm, a):
                r.no('%s needs %s' % (t, perm), PERMISSION)
            if v == 'insert explicit id' and M.on('ids'):
                r.no('ids are chosen by the database (1.1)', PERMISSION)
            dup = [k for k, row in M.s[t].items() if row['account_id'] == a and row['name'] == name] \
                if t in ('pinpoints', 'tags', 'journal_types') else []
            if dup and not conflict:
                r.no('name taken (unique)', UNIQUE)
            if r:
                return r.refused()
            if dup and t == 'tags':
                return Pred(True, lambda s: None, rowcount=0)

            def apply(s):
                if dup:
                    s[t][dup[0]]['goal'] = 77.0
                    return
                k = int(vals.split(', ')[-1]) if v == 'insert explicit id' else new_key()
                row = {'account_id': a, 'name': name}
                if t == 'pinpoints':
                    row['goal'] = 77.0
                s[t][k] = row
            return Pred(True, apply)
        return Op('%s %s' % (t, v), u, sql, predict)
    x = choose(rng, st[t])
    if x is None:
        return None
    if v == 'update':
        sql = 'UPDATE permissions.%s SET name = %s WHERE id = %d' % (t, lit('renamed %d' % rng.randint(1, 10 ** 6)), x)
        newname = sql.split("'")[1]
    else:
        sql = 'DELETE FROM permissions.%s WHERE id = %d' % (t, x)

    def predict(M):
        s0 = M.s
        row = s0[t].get(x)
        if row is None or not M.visible(u, t, x, row):
            return REFUSED('not visible', unseen(M, u))
        if not M.holds(u, perm, row['account_id']):
            return REFUSED('%s needs %s' % (t, perm), PERMISSION)
        if v == 'delete' and t == 'pinpoints' and any(c['pinpoint_id'] == x for c in s0['charts'].values()):
            return REFUSED('pinpoint used by a chart (foreign key)', FOREIGN_KEY)
        if v == 'delete' and t == 'journal_types' and any(j['journal_type_id'] == x for j in s0['journals'].values()):
            return REFUSED('journal type used by a journal (foreign key)', FOREIGN_KEY)

        def apply(s):
            if v == 'update':
                s[t][x]['name'] = newname
                return
            s[t].pop(x)
            if t == 'pinpoints':
                drop_rows(s, 'tag_assignments', lambda k, r: r['pinpoint_id'] == x)
            elif t == 'tags':
                drop_rows(s, 'tag_assignments', lambda k, r: r['tag_id'] == x)
            elif t == 'groups':
                drop_rows(s, 'group_members', lambda k, r: k[0] == x)
                drop_rows(s, 'access_grants', lambda k, r: r['group_id'] == x)
            elif t == 'teams':
                drop_rows(s, 'team_members', lambda k, r: k[0] == x)
                drop_rows(s, 'access_grants', lambda k, r: r['team_id'] == x)
        return Pred(True, apply)
    return Op('%s %s' % (t, v), u, sql, predict)


GENERATORS = [
    (op_data_insert, 5), (op_data_update, 4), (op_data_delete, 3), (op_journal_insert, 3),
    (op_chart, 3), (op_performer, 4), (op_grant, 7), (op_revoke, 4), (op_team_member, 3),
    (op_group_member, 3), (op_tag_assignment, 4), (op_library, 5),
]


def gen_op(rng, st, u, users, M11):
    """A random write; half the time one the model allows (random targets are
    mostly refused, and allowed writes are what change the world)."""
    gens = [g for g, w in GENERATORS for _ in range(w)]
    want_allowed = rng.random() < 0.5
    last = None
    for _ in range(40):
        g = rng.choice(gens)
        if g is op_dba and u is None:
            continue
        op = g(rng, st, u, users, M11) if g is op_grant else g(rng, st, u, users)
        if op is None:
            continue
        last = op
        if not want_allowed or op.predict(M11).ok:
            return op
    return last


# ---- users -------------------------------------------------------------------
def type_rule(role, utype, perms, access):
    """User types (SPEC User types; README: managers must be full_access)."""
    if role == 'manager' and utype != 'full_access':
        return 'managers must be full_access'
    if utype == 'single_performer' and (perms or access != 0):
        return 'single_performer: no permissions, wildcard none'
    if utype == 'read_only' and (perms or access > 1):
        return 'read_only: no permissions, wildcard none or tier4'
    return None


def user_change_rules(M, u, target, new):
    """Every rule that refuses u changing user target to the values in new
    (SPEC Granting without escalation, User types; README Granting without
    escalation, Profiles).  The policy hides the row (no row updated); the
    trigger raises the user-type rules (check_violation) before the
    escalation rules (insufficient_privilege)."""
    s = M.s
    r = Rules()
    if M.identity(u) is None:
        r.no('no identity', NO_IDENTITY)
        return r
    t = s['users'].get(target)
    if t is None:
        r.no('no such user', HIDDEN)
        return r
    if not M.visible(u, 'users', target, t):
        r.no('not visible', HIDDEN)
        return r
    access_fields = {'role', 'user_type', 'permissions', 'access', 'active', 'account_id'}
    changed = {k for k, v in new.items() if t.get(k) != v}
    merged = dict(t, **new)
    why = type_rule(merged['role'], merged['user_type'], merged['permissions'], merged['access'])
    if target == u:
        if changed & access_fields:
            r.no('nobody changes their own role, type, permissions, tier, account or status', PERMISSION)
        if not M.holds(u, 'manage_profile', t['account_id']):
            r.no('editing one\'s own profile needs manage_profile', PERMISSION)
        if r and why:
            r.no(why, USER_TYPE)
        return r
    a = t['account_id']
    if not M.holds(u, 'manage_users', a):
        r.no('managing users needs manage_users', PERMISSION)
    if not M.manages(u, a):
        me = s['users'][u]
        if t['role'] == 'manager' or new.get('role') == 'manager':
            r.no('a non-manager cannot make or change managers', PERMISSION)
        if 'permissions' in changed and not (new['permissions'] - t['permissions']) <= me['permissions']:
            r.no('gives only permissions it holds', PERMISSION)
        if 'access' in changed and new['access'] > me['access']:
            r.no('wildcard tiers up to its own', PERMISSION)
    if why:
        r.no(why, USER_TYPE)
    if merged['user_type'] == 'single_performer' and t['user_type'] != 'single_performer':
        direct = [g for g in s['access_grants'].values() if g['user_id'] == target]
        if len({g['performer_id'] for g in direct if g['performer_id'] is not None}) > 1 or \
                any(g['group_id'] is not None for g in direct):
            r.no('single_performer: one performer, no group', USER_TYPE)
    if t['role'] == 'manager' and t['active'] and (merged['role'] != 'manager' or not merged['active']):
        acct = s['accounts'][a]
        if acct['parent_id'] is None:
            others = [x for x, row in s['users'].items() if x != target and row['account_id'] == a
                      and row['role'] == 'manager' and row['active']]
            if not others:
                r.no('the last active manager of a top-level account stays', PERMISSION)
    return r


def op_users(rng, st, u, users):
    v = rng.choice(['access', 'permissions', 'role', 'active', 'email', 'user_type', 'create_user',
                    'create_user same name'])
    me = st['users'].get(u)
    if v.startswith('create_user'):
        a = me['account_id'] if me and rng.random() < 0.6 else choose(rng, st['accounts'])
        role = rng.choice(['user', 'user', 'user', 'manager'])
        utype = rng.choice(['full_access', 'full_access', 'read_only', 'single_performer'])
        perms = frozenset(rng.sample(['create_performers', 'manage_users', 'manage_tags', 'view_reporting',
                                      'manage_teams'], rng.randint(0, 2))) if utype == 'full_access' and rng.random() < 0.6 else frozenset()
        access = rng.randint(0, 4) if utype == 'full_access' else rng.randint(0, 1)
        if v == 'create_user same name':
            others = [x for x, r in st['users'].items() if r['account_id'] != a]
            name = 'user %d' % rng.choice(others) if others else 'fresh %d' % rng.randint(1, 10 ** 6)
        else:
            name = 'fresh %d' % rng.randint(1, 10 ** 6)
        sql = "SELECT permissions.create_user(%d, %s, role => %s, user_type => %s, permissions => %s, access => %s)" % (
            a, lit(name), lit(role), lit(utype), lit('{%s}' % ','.join(sorted(perms))), lit(TIERS[access]))

        def predict(M):
            r = Rules()
            if M.identity(u) is None:
                r.no('no identity', NO_IDENTITY)
            elif a not in M.s['accounts'] or not M.visible(u, 'accounts', a, M.s['accounts'][a]):
                r.no('managing users needs manage_users', HIDDEN)
            elif not M.holds(u, 'manage_users', a):
                r.no('managing users needs manage_users', PERMISSION)
            if M.identity(u) is not None and not M.manages(u, a):
                if role == 'manager':
                    r.no('a non-manager cannot make managers', PERMISSION)
                if not perms <= M.s['users'][u]['permissions']:
                    r.no('gives only permissions it holds', PERMISSION)
                if access > M.s['users'][u]['access']:
                    r.no('wildcard tiers up to its own', PERMISSION)
            why = type_rule(role, utype, perms, access)
            if why:
                r.no(why, USER_TYPE)
            taken = [x for x, row in M.s['users'].items() if row['username'] == name
                     and (row['account_id'] == a or not M.on('usernames'))]
            if taken:
                r.no('username taken (unique per account in 1.1, across accounts in 1.0)', UNIQUE)
            if r:
                return r.refused()

            def apply(s):
                s['users'][new_key()] = {'account_id': a, 'username': name, 'role': role, 'user_type': utype, 'permissions': perms,
                                         'access': access, 'active': True, 'db_role': None}
            return Pred(True, apply)
        return Op('users %s' % v, u, sql, predict, style='func')
    target = u if me and rng.random() < 0.3 else choose(rng, st['users'])
    t = st['users'][target]
    new = {}
    if v == 'access':
        new['access'] = rng.randint(0, 4)
        sql = 'UPDATE permissions.users SET access = %s WHERE id = %d' % (lit(TIERS[new['access']]), target)
    elif v == 'permissions':
        p = set(t['permissions'])
        x = rng.choice(['create_performers', 'manage_users', 'manage_tags', 'view_reporting', 'view_audit_logs'])
        p ^= {x}
        new['permissions'] = frozenset(p)
        sql = 'UPDATE permissions.users SET permissions = %s WHERE id = %d' % (lit('{%s}' % ','.join(sorted(p))), target)
    elif v == 'role':
        new['role'] = 'user' if t['role'] == 'manager' else 'manager'
        sql = 'UPDATE permissions.users SET role = %s WHERE id = %d' % (lit(new['role']), target)
    elif v == 'active':
        new['active'] = not t['active']
        sql = 'UPDATE permissions.users SET active = %s WHERE id = %d' % ('true' if new['active'] else 'false', target)
    elif v == 'user_type':
        new['user_type'] = rng.choice(['full_access', 'read_only', 'single_performer'])
        sql = 'UPDATE permissions.users SET user_type = %s WHERE id = %d' % (lit(new['user_type']), target)
    else:
        sql = "UPDATE permissions.users SET email = 'changed@example.org' WHERE id = %d" % target

    def predict(M):
        r = user_change_rules(M, u, target, new)
        if r:
            return r.refused()

        def apply(s):
            s['users'][target].update(new)
        return Pred(True, apply)
    return Op('users update %s (%s)' % (v, 'self' if target == u else 'other'), u, sql, predict)


GENERATORS.append((op_users, 5))


def op_data_move(rng, st, u, users):
    """Moves chart data to another chart (maybe another performer or tenant):
    the old row must be editable and the new one too (SPEC tier matrix, on
    every SQL path)."""
    t = rng.choice(list(DATA))
    kind = DATA[t][0]
    r = choose(rng, st[t])
    if r is None:
        return None
    c2 = choose(rng, st['charts'])
    ch2 = st['charts'][c2]
    sql = 'UPDATE permissions.%s SET account_id = %d, performer_id = %d, chart_id = %d WHERE id = %d' % (
        t, ch2['account_id'], ch2['performer_id'], c2, r)

    def predict(M):
        row = M.s[t].get(r)
        if row is None or not M.visible(u, t, r, row) or c2 not in M.s['charts']:
            return REFUSED('not visible', unseen(M, u))
        own = row['created_by'] == u
        r_ = Rules()
        if not matrix(M.tier(u, row['performer_id']), 'edit', kind, own):
            return r_.stop('edit on the old performer', PERMISSION)
        if not matrix(M.tier(u, ch2['performer_id']), 'edit', kind, own):
            return r_.stop('edit on the new performer', PERMISSION)

        def apply(s):
            s[t][r].update(account_id=ch2['account_id'], performer_id=ch2['performer_id'], chart_id=c2)
        return Pred(True, apply)
    return Op('move %s to another chart' % t, u, sql, predict)


def op_performer_transfer(rng, st, u, users):
    """Moving a performer between accounts needs transfer_performers (or being a
    manager) in both accounts, on every SQL path (README).  Only allowed or
    refused is predicted; what follows the performer is not modelled."""
    p = choose(rng, st['performers'])
    a = choose(rng, st['accounts'])
    if p is None or a == st['performers'][p]['account_id']:
        return None
    path = rng.choice(['transfer_performer', 'update'])
    if path == 'update':
        sql = 'UPDATE permissions.performers SET account_id = %d WHERE id = %d' % (a, p)
    else:
        sql = 'SELECT permissions.transfer_performer(%d, %d)' % (p, a)

    def predict(M):
        row = M.s['performers'].get(p)
        if row is None or a not in M.s['accounts'] or M.identity(u) is None:
            return REFUSED('no such performer or account', unseen(M, u))
        if not M.visible(u, 'performers', p, row):
            return REFUSED('not visible', HIDDEN)
        if not (M.holds(u, 'transfer_performers', row['account_id']) and M.holds(u, 'transfer_performers', a)):
            # transfer_performer() answers a performer one may not move as a missing one
            return REFUSED('transfer_performers in both accounts', PERMISSION | HIDDEN)
        return Pred(True, lambda s: None)
    op = Op('performer transfer (%s)' % path, u, sql, predict, style='func' if path != 'update' else 'dml')
    op.compare_rows = False
    return op


GENERATORS.extend([(op_data_move, 2), (op_performer_transfer, 2)])


def op_audit(rng, st, u, users):
    """Nobody can change or delete audit entries, or write one (SPEC Audit)."""
    v = rng.choice(['update', 'delete', 'insert'])
    a = choose(rng, st['accounts'])
    if v == 'update':
        sql = "UPDATE permissions.audit_log SET action = 'forged' WHERE account_id = %d" % a
    elif v == 'delete':
        sql = 'DELETE FROM permissions.audit_log WHERE account_id = %d' % a
    else:
        sql = ("INSERT INTO permissions.audit_log (account_id, actor_id, action, table_name, row_id) "
               "VALUES (%d, %s, 'insert', 'users', 1)" % (a, lit(u)))
    return Op('audit_log %s' % v, u, sql, lambda M: REFUSED('audit_log is append-only, written by the system', PERMISSION))


def op_accounts(rng, st, u, users):
    """Sub-accounts (manage_sub_accounts in the parent), account details
    (manage_organization), plan (DBAs only) (SPEC, README Account administration)."""
    v = rng.choice(['create sub-account', 'create top-level', 'rename', 'update phone', 'update plan'])
    me = st['users'].get(u)
    a = me['account_id'] if me and rng.random() < 0.5 else choose(rng, st['accounts'])
    if v.startswith('create'):
        parent = None if v == 'create top-level' else a
        sql = "SELECT permissions.create_account('new account', parent_id => %s)" % lit(parent)

        def predict(M):
            if M.identity(u) is None:
                return REFUSED('no identity', NO_IDENTITY)
            if parent is None:
                return REFUSED('top-level accounts are for DBAs', PERMISSION)
            if parent not in M.s['accounts'] or not M.holds(u, 'manage_sub_accounts', parent):
                # a parent one cannot see is answered as a missing one
                return REFUSED('needs manage_sub_accounts in the parent', PERMISSION | HIDDEN)

            def apply(s):
                s['accounts'][new_key()] = {'parent_id': parent}
            return Pred(True, apply)
        return Op('accounts %s' % v, u, sql, predict, style='func')
    if v == 'rename':
        sql = "SELECT permissions.rename_account(%d, 'renamed')" % a
    elif v == 'update phone':
        sql = "UPDATE permissions.accounts SET phone = '555-0100' WHERE id = %d" % a
    else:
        sql = "UPDATE permissions.accounts SET plan = 'gold' WHERE id = %d" % a

    def predict(M):
        row = M.s['accounts'].get(a)
        if row is None or M.identity(u) is None:
            return REFUSED('no identity or account', unseen(M, u))
        if v == 'update plan':
            return REFUSED('changing plan is for DBAs', PERMISSION)
        if v == 'update phone' and not M.visible(u, 'accounts', a, row):
            return REFUSED('not visible', HIDDEN)
        ok = M.holds(u, 'manage_organization', a) or (
            row['parent_id'] is not None and M.holds(u, 'manage_sub_accounts', row['parent_id']))
        if not ok:
            # rename_account() answers an account one may not change as a missing one
            return REFUSED('needs manage_organization (or manage_sub_accounts in the parent)', PERMISSION | HIDDEN)
        return Pred(True, lambda s: None)
    return Op('accounts %s' % v, u, sql, predict, style='func' if v == 'rename' else 'dml')


GENERATORS.extend([(op_audit, 1), (op_accounts, 3)])


def op_credential_tamper(rng, st, u, users):
    """api_credentials: user_id, secret_hash, created_by and id never change
    (1.1 Writes).  Rewriting created_by would turn a manager-made credential
    into one of full reach; rewriting user_id would hijack another identity."""
    c = choose(rng, st['api_credentials'])
    if c is None:
        return None
    v = rng.choice(['created_by', 'user_id', 'id'])
    if v == 'created_by':
        sql = 'UPDATE permissions.api_credentials SET created_by = %s WHERE id = %d' % (
            rng.choice(['NULL', str(st['api_credentials'][c]['user_id'])]), c)
    elif v == 'user_id':
        sql = 'UPDATE permissions.api_credentials SET user_id = %d WHERE id = %d' % (rng.choice(list(users)), c)
    else:
        sql = 'UPDATE permissions.api_credentials SET id = %d WHERE id = %d' % (c + 500000, c)
    return Op('api_credentials update %s' % v, u, sql, lambda M: REFUSED('never changes', KEPT | HIDDEN), style='nochange')


GENERATORS.append((op_credential_tamper, 2))


def op_dba(rng, st, u, users):
    """A DBA's change between the users' questions: grants across tenants (DBAs
    may grant anywhere), revocations, tier changes, deactivations and team
    membership.  The DBA is not subject to the rules; what matters is that every
    session sees the change at its next statement, whichever tenant it is in."""
    v = rng.choice(['cross-tenant grant', 'delete grant', 'grant tier', 'toggle active', 'team member'])
    if v == 'cross-tenant grant':
        p = choose(rng, st['performers'])
        if p is None:
            return None
        pa = st['performers'][p]['account_id']
        others = [x for x, r in st['users'].items() if _tenant(st, r['account_id']) != _tenant(st, pa)]
        if not others:
            return None
        g = rng.choice(others)
        if find_grant(st, (g, None, p, None)) is not None or st['users'][g]['user_type'] == 'single_performer':
            return None
        t = rng.randint(1, 4)
        sql = 'INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier) VALUES (%d, %d, %d, %s)' % (
            pa, g, p, lit(TIERS[t]))

        def apply(s):
            s['access_grants'][new_key()] = {'account_id': pa, 'user_id': g, 'team_id': None, 'performer_id': p,
                                             'group_id': None, 'tier': t, 'expires_at': None, 'granted_by': None}
        op = Op('DBA %s' % v, None, sql, lambda M: Pred(True, apply))
    elif v in ('delete grant', 'grant tier'):
        g = choose(rng, st['access_grants'])
        if g is None:
            return None
        if v == 'delete grant':
            sql = 'DELETE FROM permissions.access_grants WHERE id = %d' % g
            op = Op('DBA %s' % v, None, sql, lambda M: Pred(True, lambda s: s['access_grants'].pop(g)))
        else:
            row = st['access_grants'][g]
            if row['expires_at'] is not None:
                return None
            t = rng.randint(1, 4)
            sql = 'UPDATE permissions.access_grants SET tier = %s WHERE id = %d' % (lit(TIERS[t]), g)
            op = Op('DBA %s' % v, None, sql,
                    lambda M: Pred(True, lambda s: s['access_grants'][g].update(tier=t, granted_by=ANY)))
    elif v == 'toggle active':
        x = choose(rng, {k: r for k, r in st['users'].items() if r['role'] != 'manager'})
        if x is None:
            return None
        new = not st['users'][x]['active']
        sql = 'UPDATE permissions.users SET active = %s WHERE id = %d' % ('true' if new else 'false', x)
        op = Op('DBA %s' % v, None, sql, lambda M: Pred(True, lambda s: s['users'][x].update(active=new)))
    else:
        t = choose(rng, st['teams'])
        if t is None:
            return None
        ta = st['teams'][t]['account_id']
        same = [x for x, r in st['users'].items() if r['account_id'] == ta]
        if not same:
            return None
        m = rng.choice(same)
        if (t, m) in st['team_members']:
            sql = 'DELETE FROM permissions.team_members WHERE team_id = %d AND user_id = %d' % (t, m)
            op = Op('DBA team member remove', None, sql, lambda M: Pred(True, lambda s: s['team_members'].pop((t, m))))
        else:
            sql = 'INSERT INTO permissions.team_members (team_id, user_id, account_id) VALUES (%d, %d, %d)' % (t, m, ta)
            op = Op('DBA team member add', None, sql,
                    lambda M: Pred(True, lambda s: s['team_members'].__setitem__((t, m), {'account_id': ta})))
    op.dba = True
    return op


def _tenant(st, a):
    while st['accounts'][a]['parent_id'] is not None:
        a = st['accounts'][a]['parent_id']
    return a


GENERATORS.append((op_dba, 4))
