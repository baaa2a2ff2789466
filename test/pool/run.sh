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
# and the server did not crash: its log (found for a cluster of
# test/with-cluster and of pg_virtualenv; a test that cannot find it fails)
# reports no server process ended by a signal, and a session opened before
# the clients is still connected after them (a crashed backend makes the
# postmaster end every other one).  POOL_TEST_CRASH=1 kills a backend
# during the run, to show that the crash check fails.  Prints
# "RESULT: <passed> <failed>".
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

# server_log: the log file of the cluster the libpq environment points at
server_log() {
    if [ -f "$PGHOST/log" ]; then
        echo "$PGHOST/log"  # test/with-cluster on a private installation
    elif [ -n "${PG_CLUSTER_CONF_ROOT:-}" ] && command -v pg_lsclusters >/dev/null; then
        # pg_virtualenv: the cluster of postgresql-common listening on PGPORT
        pg_lsclusters -h | awk -v port="$PGPORT" '$3 == port { print $7 }' | head -1
    fi
}
log=$(server_log)
if [ -z "$log" ] || [ ! -f "$log" ]; then
    echo "FAILED: the server log was not found (PGHOST=$PGHOST, PGPORT=$PGPORT): cannot check for crashes"
    echo "RESULT: 0 1"
    exit 1
fi
log_start=$(wc -c < "$log")

# a session open across the run: it survives only if no backend crashed
PGAPPNAME=pool_crash_sentinel psql -X -q -c "SELECT pg_sleep(3600)" > "$work/sentinel.out" 2>&1 &
sentinel=$!
sentinel_pid=
for _ in $(seq 1 100); do
    sentinel_pid=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pool_crash_sentinel'")
    [ -n "$sentinel_pid" ] && break
    sleep 0.1
done
[ -n "$sentinel_pid" ] || { echo "FAILED: the sentinel session did not start"; echo "RESULT: 0 1"; exit 1; }

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
if [ -n "${POOL_TEST_CRASH:-}" ]; then
    # the crash check's control: a backend ended by a signal
    sleep 2
    victim=$(psql -X -At -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> 'pool_crash_sentinel' LIMIT 1")
    echo "POOL_TEST_CRASH: killing backend $victim"
    [ -n "$victim" ] && kill -KILL "$victim"
fi
wait $py || true
wait $nd || true

# the control: with session identities allowed and kept, the detector must see leaks
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT permissions.allow_session_identity('pool_app', 'pool test control run')" >/dev/null
/usr/bin/python3 "$here/client.py" "$work/fixture.json" \
    "host=127.0.0.1 port=$port dbname=pool user=pool_app" "$workers" 400 control \
    > "$work/control.json" 2> /dev/null || true
psql -X -q -v ON_ERROR_STOP=1 -c "SELECT permissions.disallow_session_identity('pool_app')" >/dev/null

crashed=0
if [ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE pid = $sentinel_pid AND application_name = 'pool_crash_sentinel'" 2>&1)" != 1 ]; then
    echo "the session open since before the clients was ended: $(tail -2 "$work/sentinel.out" | tr '\n' ' ')"
    crashed=1
fi
psql -X -q -At -c "SELECT pg_terminate_backend($sentinel_pid)" > /dev/null 2>&1 || true
wait "$sentinel" 2>/dev/null || true
if tail -c +"$((log_start + 1))" "$log" | grep -E "terminated by signal|was terminated by exception|database system was interrupted|all server processes terminated"; then
    crashed=1
fi
echo "server log checked for crashes: $log"
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
    print("the server crashed (see above)")
    failed += 1
print(f"RESULT: {passed} {failed}")
sys.exit(1 if failed else 0)
PY
