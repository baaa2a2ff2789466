"""
Random worlds for the differential test, and how they are loaded.

A world is a list of records, each one DBA statement (or two) that inserts
one row with an explicit id, so that ids stay the same when the shrinker
drops records.  Every record names the records it depends on; dropping a
record drops its dependents.  The state the model reads is always the
database's rows as a DBA sees them (read_state), never this list.
"""
import datetime
import time

from model import PERMS, TIERS

# the tables the model knows, the columns it reads, and the key of a row
STATE_TABLES = {
    'accounts': ('id', ['parent_id']),
    'users': ('id', ['account_id', 'username', 'role', 'user_type', 'permissions', 'access', 'active', 'db_role']),
    'performers': ('id', ['account_id', 'first_name', 'created_by']),
    'groups': ('id', ['account_id', 'name']),
    'group_members': (('group_id', 'performer_id'), ['account_id']),
    'teams': ('id', ['account_id', 'name']),
    'team_members': (('team_id', 'user_id'), ['account_id']),
    'access_grants': ('id', ['account_id', 'user_id', 'team_id', 'performer_id', 'group_id',
                             'tier', 'expires_at', 'granted_by']),
    'pinpoints': ('id', ['account_id', 'name', 'goal']),
    'charts': ('id', ['account_id', 'performer_id', 'pinpoint_id', 'title', 'created_by']),
    'measurements': ('id', ['account_id', 'performer_id', 'chart_id', 'count', 'created_by']),
    'conditions': ('id', ['account_id', 'performer_id', 'chart_id', 'label', 'created_by']),
    'notes': ('id', ['account_id', 'performer_id', 'chart_id', 'body', 'created_by']),
    'tags': ('id', ['account_id', 'name']),
    'journal_types': ('id', ['account_id', 'name']),
    'journals': ('id', ['account_id', 'performer_id', 'journal_type_id', 'body', 'created_by']),
    'tag_assignments': ('id', ['account_id', 'tag_id', 'target_kind', 'performer_id', 'chart_id',
                               'journal_id', 'target_user_id', 'pinpoint_id', 'created_by']),
    'chart_views': ('id', ['account_id', 'owner_id', 'name']),
    'reporting_views': ('id', ['account_id', 'owner_id', 'name']),
    'audit_log': ('id', ['account_id']),
    'api_credentials': ('id', ['account_id', 'user_id', 'created_by']),
    'api_credential_uses': ('credential_id', ['last_used_at']),
}

# tables the worlds leave empty: nobody may see a row that is not there, and
# a user never sees more than the DBA
OTHER_TABLES = ['credit_ledger', 'account_credits', 'assessments',
                'reviews', 'review_participants', 'invitations']

ID_TABLES = [t for t, (k, _) in STATE_TABLES.items() if k == 'id' and t not in ('audit_log', 'api_credentials')]


def tier_of(text):
    return TIERS.index(text)


def read_state(cur):
    """Every row of the model's tables, as the DBA sees them."""
    st = {}
    for t, (key, cols) in STATE_TABLES.items():
        kcols = [key] if isinstance(key, str) else list(key)
        sel = []
        for c in kcols + cols:
            if (t, c) in (('users', 'role'), ('users', 'user_type'), ('users', 'permissions'),
                          ('users', 'access'), ('access_grants', 'tier'), ('users', 'db_role')):
                sel.append('%s::text' % c)
            elif (t, c) == ('pinpoints', 'goal'):
                sel.append('goal::float8')
            else:
                sel.append(c)
        cur.execute('SELECT %s FROM permissions.%s' % (', '.join(sel), t))
        rows = {}
        for r in cur.fetchall():
            k = r[0] if isinstance(key, str) else tuple(r[:len(kcols)])
            d = dict(zip(cols, r[len(kcols):]))
            if not isinstance(key, str):
                d.update(zip(kcols, r[:len(kcols)]))
            if t == 'users':
                d['access'] = tier_of(d['access'])
                p = d['permissions'].strip('{}')
                d['permissions'] = frozenset(x for x in p.split(',') if x)
            if t == 'access_grants':
                d['tier'] = tier_of(d['tier'])
            rows[k] = d
        st[t] = rows
    return st


def lit(v):
    """A Python value as an SQL literal (only the simple values worlds use)."""
    if v is None:
        return 'NULL'
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, Raw):
        return v.sql
    return "'" + str(v).replace("'", "''") + "'"


class Raw:
    def __init__(self, sql):
        self._sql = sql

    @property
    def sql(self):
        return self._sql


class Soon(Raw):
    """An expiry a moment ahead (an expiry must be in the future when a grant is
    written); load() waits until it has passed."""
    seconds = 2.0

    @property
    def sql(self):
        return "clock_timestamp() + interval '%g seconds'" % Soon.seconds


SOON = Soon('')
FUTURE = Raw("now() + interval '30 days'")


class Rec:
    """One DBA statement of a world: a row with an explicit id."""

    def __init__(self, table, key, cols, deps, extra=None, soon=False):
        self.table, self.key, self.cols, self.deps = table, key, cols, deps
        self.extra = extra or []
        self.soon = soon

    def sql(self):
        names = list(self.cols)
        stmt = 'INSERT INTO permissions.%s (%s) VALUES (%s);' % (
            self.table, ', '.join(names), ', '.join(lit(self.cols[n]) for n in names))
        return [stmt] + self.extra


def gen_world(rng, tag, size=1.0):
    """A random world: accounts, users of every kind, teams, groups, grants of every
    shape, performer data, libraries, tag assignments and views."""
    recs = []
    ids = {}

    def nid(t):
        ids[t] = ids.get(t, 0) + 1
        return ids[t]

    def add(table, cols, deps=(), extra=None, soon=False, key=None):
        if key is None:
            cols = dict(cols)
            cols = {'id': nid(table), **cols}
            key = (table, cols['id'])
        recs.append(Rec(table, key, cols, list(deps), extra, soon))
        return key[1] if isinstance(key[1], int) else key

    def pick(seq, k):
        seq = list(seq)
        return rng.sample(seq, min(k, len(seq)))

    accounts = {}          # id -> (parent, tenant)
    tenants = []
    for ti in range(rng.randint(2, 3)):
        root = add('accounts', {'parent_id': None, 'name': 'tenant %d' % (ti + 1)})
        accounts[root] = (None, root, 0)
        tenants.append(root)
        members = [root]
        for _ in range(max(1, int(rng.randint(1, 4) * size))):
            par = rng.choice([a for a in members if accounts[a][2] < 3])
            a = add('accounts', {'parent_id': par, 'name': 'sub %d' % (len(accounts) + 1)},
                    deps=[('accounts', par)])
            accounts[a] = (par, root, accounts[par][2] + 1)
            members.append(a)
    tenant_of = {a: v[1] for a, v in accounts.items()}

    def line(a):
        up = []
        x = a
        while x is not None:
            up.append(x)
            x = accounts[x][0]
        down = [b for b in accounts if a in line_up(b)]
        return set(up) | set(down)

    def line_up(b):
        out = []
        while b is not None:
            out.append(b)
            b = accounts[b][0]
        return out

    users = {}             # id -> dict
    for a in accounts:
        n = rng.randint(1, 3) if accounts[a][0] is not None else rng.randint(2, 4)
        for i in range(n):
            if i == 0 and accounts[a][0] is None:
                role, ut = 'manager', 'full_access'
            else:
                role = 'manager' if rng.random() < 0.15 else 'user'
                ut = 'full_access' if role == 'manager' else rng.choice(
                    ['full_access', 'full_access', 'full_access', 'read_only', 'single_performer'])
            if ut == 'full_access' and role == 'user':
                perms = sorted(p for p in PERMS if rng.random() < 0.35)
                access = rng.choice(TIERS)
            else:
                perms = []
                access = rng.choice(['none', 'tier4']) if ut == 'read_only' else (
                    'none' if ut == 'single_performer' else rng.choice(TIERS))
            active = rng.random() < 0.87 or (i == 0 and accounts[a][0] is None)
            uid = nid('users')
            role_name = '%s_u%d' % (tag, uid)
            add('users', {'account_id': a, 'username': 'user %d' % uid, 'role': role,
                          'user_type': ut, 'permissions': '{%s}' % ','.join(perms),
                          'access': access, 'active': active},
                deps=[('accounts', a)], key=('users', uid),
                extra=['UPDATE permissions.users SET db_role = %s WHERE id = %d;' % (lit(role_name), uid)])
            recs[-1].cols = {'id': uid, **recs[-1].cols}
            users[uid] = {'account': a, 'type': ut, 'role': role, 'role_name': role_name}

    performers = {}
    for a in accounts:
        for _ in range(rng.randint(1, 3)):
            p = add('performers', {'account_id': a, 'first_name': 'P%d' % (len(performers) + 1)},
                    deps=[('accounts', a)])
            performers[p] = a

    def acct_users(a):
        return [u for u, d in users.items() if d['account'] == a]

    def acct_perfs(a):
        return [p for p, b in performers.items() if b == a]

    teams, groups = {}, {}
    for a in accounts:
        for _ in range(rng.randint(0, 2)):
            t = add('teams', {'account_id': a, 'name': 'team %d' % (len(teams) + 1)}, deps=[('accounts', a)])
            teams[t] = a
            for u in pick(acct_users(a), rng.randint(0, 3)):
                add('team_members', {'team_id': t, 'user_id': u, 'account_id': a},
                    deps=[('teams', t), ('users', u)], key=('team_members', (t, u)))
        for _ in range(rng.randint(0, 2)):
            g = add('groups', {'account_id': a, 'name': 'group %d' % (len(groups) + 1)}, deps=[('accounts', a)])
            groups[g] = a
            for p in pick(acct_perfs(a), rng.randint(0, 3)):
                add('group_members', {'group_id': g, 'performer_id': p, 'account_id': a},
                    deps=[('groups', g), ('performers', p)], key=('group_members', (g, p)))

    # grants of every shape, within the line of the target's account
    pairs = set()
    single_target = {}
    for _ in range(int(len(users) * 1.6)):
        on_group = groups and rng.random() < 0.3
        if on_group:
            tgt = rng.choice(list(groups))
            ta = groups[tgt]
        else:
            tgt = rng.choice(list(performers))
            ta = performers[tgt]
        ln = line(ta)
        to_team = rng.random() < 0.25 and any(teams[t] in ln for t in teams)
        if to_team:
            gte = rng.choice([t for t in teams if teams[t] in ln])
        else:
            cands = [u for u in users if users[u]['account'] in ln]
            if not cands:
                continue
            gte = rng.choice(cands)
            if users[gte]['type'] == 'single_performer':
                if on_group or single_target.get(gte, tgt) != tgt:
                    continue
                single_target[gte] = tgt
        key = (None if to_team else gte, gte if to_team else None,
               None if on_group else tgt, tgt if on_group else None)
        if key in pairs:
            continue
        pairs.add(key)
        r = rng.random()
        exp = None if r < 0.55 else (FUTURE if r < 0.75 else SOON)
        deps = [('teams' if to_team else 'users', gte), ('groups' if on_group else 'performers', tgt)]
        add('access_grants', {'account_id': ta, 'user_id': key[0], 'team_id': key[1],
                              'performer_id': key[2], 'group_id': key[3],
                              'tier': rng.choice(TIERS[1:]), 'expires_at': exp}, deps=deps,
            soon=exp is SOON)

    pinpoints, tags, jtypes = {}, {}, {}
    for a in accounts:
        for _ in range(rng.randint(1, 2)):
            pinpoints[add('pinpoints', {'account_id': a, 'name': 'pin %d' % (len(pinpoints) + 1),
                                        'goal': rng.randint(1, 50)}, deps=[('accounts', a)])] = a
        for _ in range(rng.randint(1, 2)):
            tags[add('tags', {'account_id': a, 'name': 'tag %d' % (len(tags) + 1)}, deps=[('accounts', a)])] = a
        for _ in range(rng.randint(0, 2)):
            jtypes[add('journal_types', {'account_id': a, 'name': 'jt %d' % (len(jtypes) + 1)},
                       deps=[('accounts', a)])] = a

    def creator(a):
        c = [u for u in users if tenant_of[users[u]['account']] == tenant_of[a]]
        return rng.choice(c) if c and rng.random() < 0.85 else None

    def cdeps(c):
        return [('users', c)] if c else []

    charts, journals = {}, {}
    for p, a in performers.items():
        for _ in range(rng.randint(0, 2)):
            pin = rng.choice([x for x in pinpoints if pinpoints[x] == a])
            c = creator(a)
            ch = add('charts', {'account_id': a, 'performer_id': p, 'pinpoint_id': pin,
                                'title': 'chart', 'created_by': c},
                     deps=[('performers', p), ('pinpoints', pin)] + cdeps(c))
            charts[ch] = (a, p)
            for t, extra in (('measurements', {'measured_on': '2024-01-02', 'count': 5}),
                             ('conditions', {'starts_on': '2024-01-02', 'label': 'baseline'}),
                             ('notes', {'body': 'note'})):
                for _ in range(rng.randint(0, 2)):
                    c = creator(a)
                    add(t, {'account_id': a, 'performer_id': p, 'chart_id': ch, **extra, 'created_by': c},
                        deps=[('charts', ch)] + cdeps(c))
        for _ in range(rng.randint(0, 2)):
            jt_c = [x for x in jtypes if jtypes[x] == a]
            jt = rng.choice(jt_c) if jt_c and rng.random() < 0.7 else None
            c = creator(a)
            j = add('journals', {'account_id': a, 'performer_id': p, 'journal_type_id': jt,
                                 'body': 'journal', 'created_by': c},
                    deps=[('performers', p)] + ([('journal_types', jt)] if jt else []) + cdeps(c))
            journals[j] = (a, p)

    for a in accounts:
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(['performer', 'chart', 'journal', 'user', 'pinpoint'])
            tg = rng.choice([x for x in tags if tags[x] == a])
            cols = {'account_id': a, 'tag_id': tg, 'target_kind': kind}
            deps = [('tags', tg)]
            if kind == 'performer':
                c = acct_perfs(a)
                if not c:
                    continue
                cols['performer_id'] = rng.choice(c)
                deps.append(('performers', cols['performer_id']))
            elif kind == 'chart':
                c = [x for x in charts if charts[x][0] == a]
                if not c:
                    continue
                x = rng.choice(c)
                cols['chart_id'], cols['performer_id'] = x, charts[x][1]
                deps.append(('charts', x))
            elif kind == 'journal':
                c = [x for x in journals if journals[x][0] == a]
                if not c:
                    continue
                x = rng.choice(c)
                cols['journal_id'], cols['performer_id'] = x, journals[x][1]
                deps.append(('journals', x))
            elif kind == 'user':
                c = acct_users(a)
                if not c:
                    continue
                cols['target_user_id'] = rng.choice(c)
                deps.append(('users', cols['target_user_id']))
            else:
                x = rng.choice([x for x in pinpoints if pinpoints[x] == a])
                cols['pinpoint_id'] = x
                deps.append(('pinpoints', x))
            c = creator(a)
            cols['created_by'] = c
            add('tag_assignments', cols, deps=deps + cdeps(c))

    for a in accounts:
        for t in ('chart_views', 'reporting_views'):
            for _ in range(rng.randint(0, 2)):
                au = acct_users(a)
                o = rng.choice(au) if au and rng.random() < 0.6 else None
                add(t, {'account_id': a, 'owner_id': o, 'name': 'view'},
                    deps=[('accounts', a)] + cdeps(o))

    roles = {u: d['role_name'] for u, d in users.items()}
    return recs, roles


def closure(recs, dropped_keys):
    """Records left when the given ones, and everything depending on them, are dropped."""
    gone = set(dropped_keys)
    out = []
    for r in recs:
        if r.key in gone or any(d in gone for d in r.deps):
            gone.add(r.key)
            continue
        out.append(r)
    return out


def sequences_sql():
    """Ids of rows the test's writes create start above the world's explicit ids."""
    return ["SELECT setval(pg_get_serial_sequence('permissions.' || t, 'id'), 1000) FROM unnest('{%s}'::text[]) t;"
            % ','.join(ID_TABLES)]


def load(cur, recs, roles, nobody):
    """Loads a world as the DBA; waits until its soon-expiring grants have expired."""
    for r in roles.values():
        ensure_role(cur, r)
    ensure_role(cur, nobody)
    soon_until = None
    for r in recs:
        for s in r.sql():
            cur.execute(s)
        if r.soon:
            soon_until = time.monotonic() + Soon.seconds + 0.2
    for s in sequences_sql():
        cur.execute(s)
    if soon_until is not None:
        d = soon_until - time.monotonic()
        if d > 0:
            time.sleep(d)


def ensure_role(cur, name):
    cur.execute('SELECT 1 FROM pg_roles WHERE rolname = %s', (name,))
    if not cur.fetchone():
        cur.execute('CREATE ROLE %s LOGIN' % name)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)
