#!/usr/bin/python3
"""
Runs every SQL example of the documentation, as written.

    run_examples.py [FILE.md ...]     (default: README.md and docs/*.md)
    run_examples.py --self-test       (a broken page must fail)
    DOCS_SHOW=1 run_examples.py FILE.md   (also prints what the examples print)

Each ```sql block of a page runs, in page order, in one psql session of its
own database (made fresh, with CREATE EXTENSION permissions unless the page
creates it itself), as a superuser: a page reads as one story, and a block
may use what an earlier one made (psql variables of \\gset included).

- A block must run without an error, except the errors it shows: a comment
  line "-- ERROR:  <message>" in the block says that one statement of the
  block fails with that message (its beginning is enough).  The block's
  errors must be exactly those, in that order: an example that shows a
  refusal is checked to be refused, for the reason it shows.
- An HTML comment that opens with "<!-- sql" on a line of its own and closes
  with "-->" on a line of its own is SQL too, run at its place but not shown
  by a Markdown viewer: the set-up an example needs that its reader has
  already (a login role, a token from an identity provider), or a check of
  what the examples did (a DO block that raises when it is not so).
- Blocks fenced otherwise (``` alone, ```text, ```sh ...) are not SQL and
  are not run.
- psql variable :token holds a token signed, for this run, by the key of
  RFC 8037's example (Ed25519, "kid" k2026-10; issuer
  https://login.example.com/, audience https://api.example.com, subject
  auth0|tess, valid for 10 minutes), for pages that show token identity.
- Login roles a page creates are dropped after it, so each page starts from
  the same cluster.

Run it against a cluster where the extension is installed (PGHOST, PGPORT,
PGUSER as a superuser).  The last line is "RESULT: <passed> <failed>",
counting blocks.
"""
import base64
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# RFC 8037, appendix A.1: the Ed25519 example key (public x, private d).
RFC8037_X = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo'
RFC8037_D = 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A'

ERROR_LINE = re.compile(r'^\s*--\s*ERROR:\s+(.*?)\s*$')


def b64url(data):
    """Base64url without padding, as JOSE writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def example_token():
    """An EdDSA token signed with RFC 8037's example key, for :token."""
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    except ImportError:
        return None
    pad = RFC8037_D + '=' * (-len(RFC8037_D) % 4)
    key = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(pad))
    now = int(time.time())
    header = {'alg': 'EdDSA', 'typ': 'JWT', 'kid': 'k2026-10'}
    claims = {'iss': 'https://login.example.com/', 'sub': 'auth0|tess',
              'aud': 'https://api.example.com', 'iat': now - 5, 'exp': now + 600}
    signing_input = (b64url(json.dumps(header).encode()) + '.' +
                     b64url(json.dumps(claims).encode()))
    return signing_input + '.' + b64url(key.sign(signing_input.encode()))


def blocks(path):
    """The SQL blocks of a page: (first line number, text, expected errors)."""
    out = []
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        fence = re.match(r'^(\s*)```\s*(\S*)\s*$', lines[i])
        hidden = re.match(r'^\s*<!--\s*sql\s*$', lines[i])
        if fence or hidden:
            lang = 'sql' if hidden else fence.group(2).lower()
            end = r'^\s*-->\s*$' if hidden else r'^\s*```\s*$'
            start, body = i + 1, []
            i += 1
            while i < len(lines) and not re.match(end, lines[i]):
                body.append(lines[i])
                i += 1
            if lang == 'sql':
                expected = [m.group(1) for m in map(ERROR_LINE.match, body) if m]
                out.append((start + 1, '\n'.join(body), expected))
        i += 1
    return out


def psql(*args, stdin=None, variables=()):
    """psql as the runner uses it; errors do not stop a script (each is compared)."""
    cmd = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=0']
    for name, value in variables:
        cmd += ['-v', f'{name}={value}']
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True, text=True)


def roles():
    r = psql('-d', 'postgres', '-At', '-c', 'SELECT rolname FROM pg_roles')
    return set(r.stdout.split())


def errors_by_block(stderr, count):
    """The ERROR messages of each block, from psql's stderr and the markers."""
    found = [[] for _ in range(count)]
    current = None
    for line in stderr.split('\n'):
        m = re.match(r'^@@ block (\d+)$', line)
        if m:
            current = int(m.group(1))
            continue
        m = re.match(r'^(?:psql:[^:]*:\d+: )?(ERROR|FATAL|PANIC):\s+(.*)$', line)
        if m and current is not None:
            found[current].append(m.group(2))
        elif re.match(r'^(?:psql:[^:]*:\d+: )?(server closed the connection|connection to server .* failed)', line):
            if current is not None:
                found[current].append(line)
    return found


def run_page(path, keep_roles, variables):
    """Runs a page's blocks; returns (passed, failed, messages)."""
    rel = os.path.relpath(path, ROOT)
    found = blocks(path)
    if not found:
        return 0, 0, []
    db = 'docs_' + re.sub(r'[^a-z0-9]+', '_', rel.lower())[:50]
    psql('-d', 'postgres', '-c', f'DROP DATABASE IF EXISTS {db}')
    r = psql('-d', 'postgres', '-c', f'CREATE DATABASE {db}')
    if r.returncode != 0 or 'ERROR' in r.stderr:
        return 0, len(found), [f'{rel}: cannot create database: {r.stderr.strip()}']
    # a page that creates the extension itself (the README's walk-through) gets a bare database
    script = [] if any(re.search(r'CREATE\s+EXTENSION\s+permissions', t, re.I) for _, t, _ in found) else \
        ['SET client_min_messages = warning;', 'CREATE EXTENSION permissions;', 'RESET client_min_messages;']
    for n, (line, text, _) in enumerate(found):
        script.append(f"\\warn '@@ block {n}'")
        script.append(text)
        script.append(';')
    r = psql('-d', db, stdin='\n'.join(script) + '\n', variables=variables)
    if os.environ.get('DOCS_SHOW'):
        print(r.stdout + r.stderr)
    actual = errors_by_block(r.stderr, len(found))
    passed = failed = 0
    messages = []
    for n, (line, text, expected) in enumerate(found):
        ok = len(actual[n]) == len(expected) and all(
            a.startswith(e) for a, e in zip(actual[n], expected))
        problems = []
        if not ok:
            problems.append('expected ' + (f'the errors {expected}' if expected else 'no error') +
                            ', got ' + (f'{actual[n]}' if actual[n] else 'none'))
        # a page must not depend on a machine: no paths of this machine in examples
        if re.search(r'/(work|opt/pgwt|tmp/permissions)', text):
            problems.append('the example names a path of this machine')
        if problems:
            failed += 1
            messages.append(f'{rel}:{line}: ' + '; '.join(problems))
        else:
            passed += 1
    if r.returncode != 0 and not failed:
        failed += 1
        messages.append(f'{rel}: psql exited with {r.returncode}: {r.stderr.strip()[-500:]}')
    psql('-d', 'postgres', '-c', f'DROP DATABASE IF EXISTS {db} WITH (FORCE)')
    for role in sorted(roles() - keep_roles):
        psql('-d', 'postgres', '-c', f'DROP ROLE IF EXISTS "{role}"')
    return passed, failed, messages


def self_test(keep_roles, variables):
    """The runner must fail a page whose example fails, and one whose shown error does not come."""
    pages = {
        'fails': '```sql\nSELECT 1;\n```\n\n```sql\nSELECT permissions.no_such_function();\n```\n',
        'error not raised': "```sql\nSELECT 'tier1'::permissions.tier;\n-- ERROR:  invalid input syntax\n```\n",
        'another error': "```sql\nSELECT 'x'::permissions.tier;\n-- ERROR:  permission denied\n```\n",
        'hidden check': '<!-- sql\nDO $$ BEGIN RAISE EXCEPTION \'not so\'; END $$;\n-->\n',
        'shown error': "```sql\nSELECT 'x'::permissions.tier;\n-- ERROR:  invalid input syntax for type tier: \"x\"\n```\n",
    }
    ok = True
    with tempfile.TemporaryDirectory() as d:
        for name, text in pages.items():
            path = os.path.join(d, name.replace(' ', '_') + '.md')
            with open(path, 'w') as f:
                f.write(text)
            p, f, msgs = run_page(path, keep_roles, variables)
            must_fail = name != 'shown error'
            if (f > 0) != must_fail:
                ok = False
                print(f'self-test: the page "{name}" was {"passed" if f == 0 else "failed"}: {msgs}')
            else:
                print(f'self-test: the page "{name}" was {"failed" if f else "passed"}, as it must be')
    return ok


def main():
    args = sys.argv[1:]
    keep = roles() | {'permissions_client'}
    token = example_token()
    variables = [('token', token)] if token else []
    if args == ['--self-test']:
        ok = self_test(keep, variables)
        print(f'RESULT: {1 if ok else 0} {0 if ok else 1}')
        return 0 if ok else 1
    pages = args or [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
    passed = failed = 0
    for page in pages:
        p, f, msgs = run_page(page, keep, variables)
        print(f'{os.path.relpath(page, ROOT)}: {p} examples ran, {f} failed')
        for m in msgs:
            print('    ' + m)
        passed += p
        failed += f
    print(f'RESULT: {passed} {failed}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
