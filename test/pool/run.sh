#!/usr/bin/env bash
# test/pool/run.sh [transactions per client [workers per client]]
#
# Run inside test/with-cluster (PGHOST, PGPORT, PGUSER, PGDATABASE set): makes
# the fixture (setup.py), starts pgbouncer in transaction mode in front of
# the cluster with fewer server connections than clients, and runs the
# Python client (client.py: psycopg, PyJWT) and the Node client (client.mjs:
# pg, jose; npm ci here) at the same time, every client authenticating per
# transaction with tokens it signs itself, some forgetting to, failing,
# rolling back to savepoints, asking for session scope (refused) or using
# API credentials.  Passes when no transaction saw another user's identity
# or rows, nothing unexpected happened, each client ran its transactions,
# and the server did not crash.  Prints "RESULT: <passed> <failed>".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pgbouncer.sh"
target=${1:-2400}
workers=${2:-4}
work=$(mktemp -d /tmp/permissions-pool.XXXXXX)
cleanup() {
    stop_pgbouncer "$work"
    rm -rf "$work"
}
trap cleanup EXIT

/usr/bin/python3 "$here/setup.py" "$work"

start_pgbouncer "$work" 3 pool_app
port=$PGBOUNCER_PORT

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

echo "pgbouncer (transaction pooling, 3 server connections) on port $port; $workers + $workers clients, $target transactions each"
/usr/bin/python3 "$here/client.py" "$work/fixture.json" \
    "host=127.0.0.1 port=$port dbname=pool user=pool_app" "$workers" "$target" \
    > "$work/python.json" 2> "$work/python.err" &
py=$!
node "$here/client.mjs" "$work/fixture.json" 127.0.0.1 "$port" pool "$workers" "$target" \
    > "$work/node.json" 2> "$work/node.err" &
nd=$!
wait $py || true
wait $nd || true

# the control: with session identities allowed and kept, the detector must see leaks
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT permissions.allow_session_identity('pool_app', 'pool test control run')" >/dev/null
/usr/bin/python3 "$here/client.py" "$work/fixture.json" \
    "host=127.0.0.1 port=$port dbname=pool user=pool_app" "$workers" 400 control \
    > "$work/control.json" 2> /dev/null || true
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT permissions.disallow_session_identity('pool_app')" >/dev/null

crashed=0
grep -q "terminated by signal" "$PGHOST/log" 2>/dev/null && crashed=1
/usr/bin/python3 - "$work" "$target" "$crashed" <<'PY'
import json, sys
work, target, crashed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
passed = failed = 0
servers = set()
for client in ("python", "node"):
    try:
        with open(f"{work}/{client}.json") as f:
            r = json.loads(f.read().strip().splitlines()[-1])
    except Exception as e:
        print(f"{client}: no result ({e})")
        print(open(f"{work}/{client}.err").read()[-3000:])
        failed += 1
        continue
    servers |= set(r["server_pids"])
    print(f"{client}: {r['transactions']} transactions, {r['leaks']} leaks, {r['wrong']} wrong views, "
          f"{r['unexpected']} unexpected errors, {r['workers']} clients over "
          f"{len(r['server_pids'])} server connections, {r['seconds']} s")
    for mode, m in sorted(r["modes"].items()):
        print(f"    {mode:11} {m.get('transactions', 0):6} transactions, {m.get('leaks', 0)} leaks")
    ok = r["leaks"] == 0 and r["wrong"] == 0 and r["unexpected"] == 0 and r["transactions"] >= target
    if not ok:
        print(open(f"{work}/{client}.err").read()[-3000:])
    passed += ok
    failed += not ok
print(f"both clients: {len(servers)} server connections in all")
try:
    with open(f"{work}/control.json") as f:
        c = json.loads(f.read().strip().splitlines()[-1])
    ok = c["leaks"] > 0
    print(f"control (session identities allowed and kept): {c['transactions']} transactions, "
          f"{c['leaks']} leaks seen{'' if ok else ': the detector missed them'}")
except Exception as e:
    print(f"control: no result ({e})")
    ok = False
passed += ok
failed += not ok
if crashed:
    print("the server log shows a crash")
    failed += 1
print(f"RESULT: {passed} {failed}")
sys.exit(1 if failed else 0)
PY
