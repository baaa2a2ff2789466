#!/usr/bin/env bash
# test/valgrind.sh [fuzz iterations]
#
# Runs regression tests (REGRESS, the token tests and the core decision
# tests by default; ISOLATION, a few specs by default) and a token fuzz pass
# against a throwaway cluster whose server runs under valgrind (memcheck),
# then reports every memcheck error whose stack passes through the
# extension (permissions.so).  Not a CI step (valgrind makes the server 20
# to 50 times slower); run it by hand after changing the C code, e.g.
# REGRESS="planner_support" ISOLATION= test/valgrind.sh 0.  Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-3000}
bindir=$("${PG_CONFIG:-pg_config}" --bindir)
dir=$(mktemp -d /tmp/permissions-valgrind.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    as_pg=(runuser -u postgres --)
fi
port=$(( 20000 + RANDOM % 20000 ))
cleanup() {
    "${as_pg[@]+"${as_pg[@]}"}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
"${as_pg[@]+"${as_pg[@]}"}" "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
cat >> "$dir/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$dir'
listen_addresses = ''
fsync = off
max_connections = 20
CONF
"${as_pg[@]+"${as_pg[@]}"}" valgrind --quiet --trace-children=yes --error-limit=no \
    --num-callers=30 --log-file="$dir/memcheck.%p.log" \
    "$bindir/postgres" -D "$dir/data" >"$dir/server.log" 2>&1 &
export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres
for _ in $(seq 1 120); do "$bindir/pg_isready" -q && break; sleep 1; done
make -s installcheck TAP_TESTS= \
    REGRESS="${REGRESS-token_algorithms token_refusals token_lifetime token_subjects token_clock token_keys token_admin token_request token_sync attack_side_effects attack_borrowed_identity planner_support prepared_identity identity_lifetime access_sources app_tables}" \
    ISOLATION="${ISOLATION-kept_caches tenant_invalidation revocation}" || true
[ "$iterations" -gt 0 ] && { /usr/bin/python3 test/fuzz_tokens.py "$iterations" || true; }
cleanup
trap - EXIT
# an error report is a block that starts with "==pid== " and a message, then
# its stack; keep the blocks that mention the extension
reports=$(awk '/^==[0-9]+== [A-Z]/ { if (block ~ /permissions\.so/) print block; block = $0; next }
               /^==[0-9]+== / { block = block "\n" $0 }
               END { if (block ~ /permissions\.so/) print block }' "$dir"/memcheck.*.log)
total=$(cat "$dir"/memcheck.*.log | grep -cE '^==[0-9]+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and dest)' || true)
if [ -n "$reports" ]; then
    echo "$reports"
    echo "memcheck: errors through permissions.so (logs in $dir)"
    exit 1
fi
echo "memcheck: no error through permissions.so ($total elsewhere in the server; logs in $dir)"
