#!/usr/bin/python3
"""
Runs every SQL example of the documentation, as written.

    run_examples.py [FILE.md ...]     (default: README.md and docs/*.md)

Each ```sql block of a page runs, in page order, in one psql session of its
own database (made fresh, with CREATE EXTENSION permissions unless the page
creates it itself), as a superuser: a page reads as one story.  A block must succeed; an example
that shows a refusal catches it (DO ... EXCEPTION) or expects nothing of
the outcome.  Blocks fenced otherwise (``` alone, ```text, ```bash ...)
are not SQL and are not run.

Run it against a cluster where the extension is installed (PGHOST, PGPORT,
PGUSER as a superuser).  The last line is "RESULT: <passed> <failed>",
counting blocks.
"""
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def blocks(path):
    """The ```sql blocks of a page: (first line number, text)."""
    out = []
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^(\s*)```\s*(\S*)\s*$', lines[i])
        if m:
            lang, start, body = m.group(2).lower(), i + 1, []
            i += 1
            while i < len(lines) and not re.match(r'^\s*```\s*$', lines[i]):
                body.append(lines[i])
                i += 1
            if lang == 'sql':
                out.append((start + 1, '\n'.join(body)))
        i += 1
    return out


def psql(*args, stdin=None):
    return subprocess.run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1'] + list(args),
                          input=stdin, capture_output=True, text=True)


def run_page(path):
    """Runs a page's blocks; returns (passed, failed, messages)."""
    found = blocks(path)
    if not found:
        return 0, 0, []
    db = 'docs_' + re.sub(r'[^a-z0-9]+', '_', os.path.relpath(path, ROOT).lower())[:50]
    psql('-d', 'postgres', '-c', f'DROP DATABASE IF EXISTS {db}')
    r = psql('-d', 'postgres', '-c', f'CREATE DATABASE {db}')
    if r.returncode != 0:
        return 0, len(found), [f'{path}: cannot create database: {r.stderr.strip()}']
    # a page that creates the extension itself (the README's walk-through) gets a bare database
    script = [] if any(re.search(r'CREATE\s+EXTENSION\s+permissions', t, re.I) for _, t in found) else \
        ['SET client_min_messages = warning;', 'CREATE EXTENSION permissions;', 'RESET client_min_messages;']
    for n, (line, text) in enumerate(found):
        script.append(f"\\echo '@@ block {n} line {line}'")
        script.append(text)
        script.append(';')
    r = psql('-d', db, stdin='\n'.join(script) + '\n')
    done = len(re.findall(r'^@@ block ', r.stdout, re.M))
    messages = []
    if r.returncode == 0:
        passed, failed = len(found), 0
    else:
        passed, failed = done - 1, len(found) - done + 1
        line = found[done - 1][0] if done else found[0][0]
        err = [x for x in r.stderr.strip().split('\n') if x][-6:]
        messages.append(f'{os.path.relpath(path, ROOT)}:{line}: the example fails '
                        f'(and the {len(found) - done} after it were not run):\n    ' + '\n    '.join(err))
    for (line, text) in found:
        # a page must not depend on a machine: no paths of this machine in examples
        if re.search(r'/(work|opt/pgwt|tmp/permissions)', text):
            messages.append(f'{os.path.relpath(path, ROOT)}:{line}: the example names a path of this machine')
            failed += 1
    psql('-d', 'postgres', '-c', f'DROP DATABASE IF EXISTS {db}')
    return passed, failed, messages


def main():
    pages = sys.argv[1:] or [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
    passed = failed = 0
    for page in pages:
        p, f, msgs = run_page(page)
        print(f'{os.path.relpath(page, ROOT)}: {p} examples ran, {f} failed')
        for m in msgs:
            print(m)
        passed += p
        failed += f
    print(f'RESULT: {passed} {failed}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
