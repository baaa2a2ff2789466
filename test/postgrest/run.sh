#!/usr/bin/env bash
# test/postgrest/run.sh [requests per client]
#
# Run inside test/with-cluster with the logging collector on: makes the
# fixture (setup.py: the roles, tenants and keys docs/postgrest.md
# describes), then sends requests exactly as PostgREST does from two Python
# (psycopg) and two Node (pg, jose; npm ci here) clients at once, each over
# its own connection as the authenticator role; then checks what the server
# log says about refused tokens (log_check.py).  Passes when every request
# had its expected outcome and saw exactly its user's rows, and the server
# did not crash.  Prints "RESULT: <passed> <failed>".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
requests=${1:-300}
work=$(mktemp -d /tmp/permissions-postgrest.XXXXXX)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 "$here/setup.py" "$work"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

conninfo="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=pgrst_authenticator"
/usr/bin/python3 "$here/client.py" "$work/fixture.json" "$conninfo" "$requests" 1 > "$work/py1.json" 2> "$work/py1.err" &
p1=$!
/usr/bin/python3 "$here/client.py" "$work/fixture.json" "$conninfo" "$requests" 2 > "$work/py2.json" 2> "$work/py2.err" &
p2=$!
node "$here/client.mjs" "$work/fixture.json" "$PGHOST" "$PGPORT" "$PGDATABASE" "$requests" 3 > "$work/node1.json" 2> "$work/node1.err" &
n1=$!
node "$here/client.mjs" "$work/fixture.json" "$PGHOST" "$PGPORT" "$PGDATABASE" "$requests" 4 > "$work/node2.json" 2> "$work/node2.err" &
n2=$!
for pid in $p1 $p2 $n1 $n2; do wait "$pid" || true; done

set +e
/usr/bin/python3 "$here/log_check.py" "$work/fixture.json" > "$work/log.out" 2>&1
set -e
/usr/bin/python3 - "$work" "$requests" <<'PY'
import json, sys
work, target = sys.argv[1], int(sys.argv[2])
passed = failed = 0
for name in ("py1", "py2", "node1", "node2"):
    try:
        r = json.loads(open(f"{work}/{name}.json").read().strip().splitlines()[-1])
    except Exception as e:
        print(f"{name}: no result ({e})")
        print(open(f"{work}/{name}.err").read()[-3000:])
        failed += 1
        continue
    cases = ", ".join(f"{k} {v['requests']}" for k, v in sorted(r["cases"].items()))
    print(f"{name} ({r['client']}): {r['requests']} requests, {r['wrong']} wrong, {r['seconds']} s; {cases}")
    for e in r["errors"]:
        print(f"    wrong: {e}")
    ok = r["wrong"] == 0 and r["requests"] == target and len(r["cases"]) == 13
    passed += ok
    failed += not ok
log = open(f"{work}/log.out").read()
print(log.rstrip())
for line in log.splitlines():
    if line.startswith("RESULT: "):
        _, p, f = line.split()
        passed += int(p)
        failed += int(f)
print(f"RESULT: {passed} {failed}")
sys.exit(1 if failed else 0)
PY
