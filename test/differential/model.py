"""
An independent model of the access rules of the permissions extension.

Written from the SPEC, the README and the 1.1 rules only (not from the C or
SQL of the extension), so that the differential test compares two
implementations of the same rules.  Every decision cites the rule it comes
from; where the documents are silent the model says so ("silent:") and
records the choice it makes.

The model is a pure function of a State (the rows of the tables, as a DBA
reads them), the time and the rule version (v11=True: the 1.1 rules;
v11=False: the 1.0 behaviour on the points 1.1 changes, used only to label
mismatches on points still being implemented).
"""

TIERS = ['none', 'tier4', 'tier3', 'tier2', 'tier1']      # index = power
TIER = {n: i for i, n in enumerate(TIERS)}

PERMS = ['create_performers', 'create_groups', 'manage_pinpoints', 'manage_teams',
         'manage_users', 'manage_organization', 'view_audit_logs', 'manage_billing',
         'manage_tags', 'manage_journal_types', 'manage_profile', 'view_reporting',
         'manage_org_chart_views', 'manage_org_reporting_views', 'manage_sub_accounts',
         'manage_credits', 'manage_api_credentials', 'view_usage_reports', 'manage_reviews',
         'transfer_performers']

KINDS = ['performer', 'chart', 'measurement', 'condition', 'note', 'tag', 'journal', 'access']
ACTIONS = ['view', 'create', 'edit', 'delete']

# accessible_performers(action): "view needs tier4, create and edit tier3, delete tier2"
ACCESSIBLE_MIN = {'view': 1, 'create': 2, 'edit': 2, 'delete': 3}

# the points on which 1.1 changes 1.0 and the model can answer either way
POINTS_11 = ['membership', 'tag_own', 'grant_line', 'expiry', 'ids', 'usernames',
             'credential_scope', 'definer', 'privileges', 'child_rows']

# Mutants: rules broken on purpose, one at a time (differential.py --mutants).
# The test must notice each: a run of the broken model against the database
# must find a mismatch, or the test cannot see the rule.
MUTANTS = {
    'read_only_cap': 'read_only users are not capped at tier4',
    'manager_parent': "a manager's subtree includes the parent of its account",
    'expired_grants': 'expired grants still count',
    'single_group_grants': 'single_performer users count grants on groups and to teams',
    'pair_performer_only': 'a pair that does not belong together is answered by the performer alone',
    'inactive_users': 'inactive users keep their access',
    'tier3_deletes': 'tier3 deletes chart data (the tier matrix)',
    'refusal_reason': 'the permission rules refuse with check_violation (23514), not insufficient_privilege',
}
MUTANT = None           # the rule broken in this run, or None


def mutant(name):
    """Is this rule the one broken in this run?"""
    return MUTANT == name


class unmutated:
    """A block in which no rule is broken: questions and writes are chosen by
    the unbroken model, so that a run with a mutant asks exactly what the run
    without it asks (and the database answers the same)."""

    def __enter__(self):
        global MUTANT
        self.saved, MUTANT = MUTANT, None

    def __exit__(self, *exc):
        global MUTANT
        MUTANT = self.saved


# tables whose rows are performer data, and the kind that governs them
PERFORMER_DATA = {'performers': 'performer', 'charts': 'chart', 'measurements': 'measurement',
                  'conditions': 'condition', 'notes': 'note', 'journals': 'journal'}


def matrix(tier, action, kind, own):
    """The tier matrix of the SPEC ("Tiers on performer data")."""
    if tier >= 4:                       # tier1: all kinds, all actions
        return True
    if tier <= 0:                       # none: nothing
        return False
    if action == 'view':                # tier2..tier4: every kind but access
        return kind != 'access'
    if tier == 1:                       # tier4: view only
        return False
    if mutant('tier3_deletes') and tier == 2 and action == 'delete' and kind in ('measurement', 'condition', 'note'):
        return True
    data = kind in ('measurement', 'condition', 'note', 'tag')
    if action == 'create':              # tier2, tier3: measurement, condition, note, tag, journal
        return data or kind == 'journal'
    if action == 'delete' and tier == 2:    # tier3: delete nothing
        return False
    # edit (tier2, tier3) and delete (tier2): data kinds all, journals own
    if data:
        return True
    if kind == 'journal':
        return own
    return False


class Model:
    """Answers every question the test asks, for one state and one moment."""

    def __init__(self, state, now, v11=True, off=frozenset()):
        self.s = state
        self.now = now
        self.v11 = v11
        self.off = off              # 1.1 points answered the 1.0 way (to label mismatches)
        acc = state['accounts']
        self.anc = {}
        for a in acc:
            chain, x, seen = [], a, set()
            while x is not None and x in acc and x not in seen:
                chain.append(x)
                seen.add(x)
                x = acc[x]['parent_id']
            self.anc[a] = chain
        self.teams_of = {}
        for (t, u) in state['team_members']:
            self.teams_of.setdefault(u, set()).add(t)
        self.groups_of = {}
        for (g, p) in state['group_members']:
            self.groups_of.setdefault(p, set()).add(g)
        self.members_of_group = {}
        for (g, p) in state['group_members']:
            self.members_of_group.setdefault(g, set()).add(p)
        self._tier = {}
        self._gtier = {}
        self._member = {}

    @property
    def alts(self):
        """Models with one 1.1 point at a time answered the 1.0 way: the database
        may have some points of 1.1 and not others yet."""
        if not hasattr(self, '_alts'):
            self._alts = [(p, Model(self.s, self.now, True, off=frozenset([p]))) for p in POINTS_11]
        return self._alts

    def on(self, point):
        """Is this 1.1 point (one of POINTS_11) in force?"""
        return self.v11 and point not in self.off

    # ---- users -------------------------------------------------------------
    def user(self, u):
        return self.s['users'].get(u) if u is not None else None

    def active(self, u):
        """Inactive users have no identity and nothing (1.1 Identity)."""
        r = self.user(u)
        return r is not None and (r['active'] or mutant('inactive_users'))

    def identity(self, u):
        """current_user_id(): the mapped user, NULL when inactive (1.1)."""
        return u if self.active(u) else None

    def ancestors(self, a):
        return self.anc.get(a, [])

    def in_line(self, a, b):
        """a is b, one of its ancestors or one of its sub-accounts (1.1 Grants)."""
        return a in self.ancestors(b) or b in self.ancestors(a)

    def manages(self, u, a):
        """Active manager of the account or an ancestor (SPEC Roles; managers are full_access)."""
        r = self.user(u)
        if r is None or not self.active(u) or r['role'] != 'manager' or r['user_type'] != 'full_access':
            return False
        if mutant('manager_parent') and a == self.s['accounts'].get(r['account_id'], {}).get('parent_id'):
            return True
        return r['account_id'] in self.ancestors(a)

    def holds(self, u, perm, a):
        """1.1 Organization permissions."""
        r = self.user(u)
        if r is None or not self.active(u):
            return False
        if self.manages(u, a):
            return True
        return (a == r['account_id'] and r['user_type'] == 'full_access'
                and perm in r['permissions'])

    def has_permission(self, u, perm):
        """has_permission(): the permission in the user's own account (README Functions)."""
        r = self.user(u)
        return r is not None and self.holds(u, perm, r['account_id'])

    # ---- tiers -------------------------------------------------------------
    def live(self, g):
        """Unexpired: expires_at NULL or later than the statement's start."""
        return g['expires_at'] is None or g['expires_at'] > self.now or mutant('expired_grants')

    def grant_tier(self, u, p):
        """Highest unexpired grant that counts for u on p, before the cap."""
        key = (u, p)
        if key in self._gtier:
            return self._gtier[key]
        r = self.user(u)
        t = 0
        if r is not None:
            single = r['user_type'] == 'single_performer'
            teams = self.teams_of.get(u, set())
            groups = self.groups_of.get(p, set())
            for g in self.s['access_grants'].values():
                if not self.live(g):
                    continue
                if g['performer_id'] == p and g['user_id'] == u:
                    t = max(t, g['tier'])
                elif single and not mutant('single_group_grants'):
                    # single_performer users count only direct grants to themselves
                    continue
                elif g['user_id'] == u and g['group_id'] in groups:
                    t = max(t, g['tier'])
                elif g['team_id'] in teams and (g['performer_id'] == p or g['group_id'] in groups):
                    t = max(t, g['tier'])
        self._gtier[key] = t
        return t

    def cap(self, u, t):
        r = self.user(u)
        if r is None or not self.active(u):
            return 0
        if r['user_type'] == 'read_only' and not mutant('read_only_cap'):
            return min(t, 1)
        return t

    def tier(self, u, p):
        """Effective tier of u on p (SPEC, restated in the 1.1 rules)."""
        key = (u, p)
        if key in self._tier:
            return self._tier[key]
        r = self.user(u)
        perf = self.s['performers'].get(p)
        t = 0
        if r is not None and self.active(u) and perf is not None:
            if self.manages(u, perf['account_id']):
                t = 4
            if perf['account_id'] == r['account_id'] and r['user_type'] != 'single_performer':
                t = max(t, r['access'])
            t = max(t, self.grant_tier(u, p))
            t = self.cap(u, t)
        self._tier[key] = t
        return t

    def account_tier(self, u, a):
        """The tier u holds on every performer of account a as a whole: tier1
        as its manager (or an ancestor's), its wildcard tier in its own account
        (not for single_performer users), capped by its user type."""
        r = self.user(u)
        if r is None or not self.active(u) or a not in self.s['accounts']:
            return 0
        t = 4 if self.manages(u, a) else 0
        if a == r['account_id'] and r['user_type'] != 'single_performer':
            t = max(t, r['access'])
        return self.cap(u, t)

    def pair_tier(self, u, a, p):
        """current_tier(a, p): the tier of u on a row of account a about
        performer p (what the policies ask of every row).  silent: for a pair
        that does not belong together (p is not a performer of a, or either is
        NULL or missing) the documents say nothing; the model answers with
        what u holds on account a as a whole (a row filed under a is a's row:
        a manager of a reaches it, as it reaches a performer being inserted
        into a or moved to a) and counts the grants on p only when p belongs
        to a (issue 15 finding 4: a grant on p never reaches a row of
        another account)."""
        r = self.user(u)
        if r is None or not self.active(u):
            return 0
        t = self.account_tier(u, a)
        perf = self.s['performers'].get(p)
        if perf is not None and (perf['account_id'] == a or mutant('pair_performer_only')):
            t = max(t, self.cap(u, self.grant_tier(u, p)))
        return t

    def check(self, u, action, kind, p):
        """check(): "own" cells count as allowed."""
        return matrix(self.tier(u, p), action, kind, True)

    def accessible(self, u, action):
        need = ACCESSIBLE_MIN[action]
        return {p for p in self.s['performers'] if self.tier(u, p) >= need}

    # ---- membership --------------------------------------------------------
    def member(self, u, a):
        """is_member(account) (1.1 Membership)."""
        key = (u, a)
        if key in self._member:
            return self._member[key]
        r = self.user(u)
        res = False
        if r is not None and self.active(u):
            if a == r['account_id'] or self.manages(u, a):
                res = True
            elif self.on('membership'):
                # the account of every performer u reaches at tier4 or above through grants
                for p, perf in self.s['performers'].items():
                    if perf['account_id'] == a and self.cap(u, self.grant_tier(u, p)) >= 1:
                        res = True
                        break
            else:
                # 1.0: any grant's account (to u or a team of u) made u a member
                teams = self.teams_of.get(u, set())
                for g in self.s['access_grants'].values():
                    if g['account_id'] == a and (g['user_id'] == u or g['team_id'] in teams):
                        res = True
                        break
        self._member[key] = res
        return res

    def own_or_managed(self, u, a):
        """Tag assignments on users and pinpoints (1.1): own account or a managed one."""
        r = self.user(u)
        if r is None or not self.active(u):
            return False
        if not self.on('tag_own'):
            return self.member(u, a)    # 1.0: membership was enough (README decisions)
        return a == r['account_id'] or self.manages(u, a)

    def ceiling(self, u, a):
        """Tier up to which u may grant on a group of account a: its wildcard tier there
        (managers hold tier1 on every performer of their subtree)."""
        r = self.user(u)
        if r is None or not self.active(u):
            return 0
        if self.manages(u, a):
            return 4
        if a == r['account_id'] and r['user_type'] != 'single_performer':
            return self.cap(u, r['access'])
        return 0

    # ---- reads -------------------------------------------------------------
    def visible(self, u, table, row_id, row):
        """May u read this row?  One rule per table; see VISIBILITY_NOTES."""
        if not self.active(u):
            return False            # no identity: no rows
        if table == 'accounts':
            # is_member (1.1 Membership); and the sub-accounts a holder of
            # manage_sub_accounts changes and deletes (SPEC Accounts, README
            # Sub-accounts: "needs manage_sub_accounts in its parent")
            return self.member(u, row_id) or (row['parent_id'] is not None and
                                              self.holds(u, 'manage_sub_accounts', row['parent_id']))
        if table == 'users':
            # README decisions: own row; manage_users holders see the accounts they manage
            return row_id == u or self.holds(u, 'manage_users', row['account_id'])
        if table in PERFORMER_DATA:
            p = row_id if table == 'performers' else row['performer_id']
            return matrix(self.tier(u, p), 'view', PERFORMER_DATA[table], True)
        if table in ('groups', 'teams', 'team_members', 'pinpoints', 'tags', 'journal_types'):
            return self.member(u, row['account_id'])
        if table == 'group_members':
            # silent: a membership row names a performer; the model shows it to
            # those who may view the performer
            return self.tier(u, row['performer_id']) >= 1
        if table == 'access_grants':
            # README decisions: grantees see the grants made to them; viewing the
            # kind "access" of a performer (tier1) shows its grants.  silent:
            # whether the members of a grantee team see its grants (the model:
            # no, the team is the grantee); grants on a group are seen by
            # manage_users holders in the group's account (who may make them)
            if row['user_id'] == u:
                return True
            if row['performer_id'] is not None:
                return self.tier(u, row['performer_id']) >= 4
            return self.holds(u, 'manage_users', row['account_id'])
        if table == 'tag_assignments':
            if row['target_kind'] in ('performer', 'chart', 'journal'):
                return self.tier(u, row['performer_id']) >= 1
            return self.member(u, row['account_id'])
        if table == 'chart_views':
            # silent: one's own views; organization defaults for members of the account
            if row['owner_id'] is not None:
                return row['owner_id'] == u
            return (self.member(u, row['account_id'])
                    or self.holds(u, 'manage_org_chart_views', row['account_id']))
        if table == 'reporting_views':
            # view_reporting gates the reporting section; organization defaults are
            # also read by holders of manage_org_reporting_views (README decisions)
            a = row['account_id']
            if row['owner_id'] is not None:
                return row['owner_id'] == u and self.holds(u, 'view_reporting', a)
            return (self.holds(u, 'view_reporting', a)
                    or self.holds(u, 'manage_org_reporting_views', a))
        if table == 'api_credentials':
            # silent: a user sees its own credentials; manage_api_credentials
            # holders see those of the accounts where they hold it
            return row['user_id'] == u or self.holds(u, 'manage_api_credentials', row['account_id'])
        if table == 'api_credential_uses':
            c = self.s['api_credentials'].get(row_id)
            return c is not None and self.visible(u, 'api_credentials', row_id, c)
        if table == 'audit_log':
            return row['account_id'] is not None and self.holds(u, 'view_audit_logs', row['account_id'])
        raise KeyError(table)
