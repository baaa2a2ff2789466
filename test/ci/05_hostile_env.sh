#!/usr/bin/env bash
# The tests make clusters of their own, whatever libpq settings the calling
# shell has.  With PGHOST, PGPORT, PGDATABASE, PGUSER, PGSERVICE, PGOPTIONS
# and a few more set to values that point at nothing of this test, or would
# change what a session does (test/libpq-env.sh), a cluster of
# test/with-cluster and one of test/clusters.sh must answer with default
# settings.  (scripts/test runs every other step with the same values.)
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/libpq-env.sh

passed=0
failed=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "  ok: $1"; passed=$((passed + 1))
    else
        echo "  FAILED: $1: expected '$2', got: $3"; failed=$((failed + 1))
    fi
}
settings="SELECT current_setting('default_transaction_read_only') || ' ' || current_setting('search_path')"

got=$(env "${libpq_hostile[@]}" test/with-cluster sh -c "psql -X -At -c \"$settings\" 2>&1")
check "test/with-cluster makes and uses its own cluster" 'off "$user", public' "$got"

got=$(env "${libpq_hostile[@]}" bash -c '
    . test/clusters.sh
    cluster_start one
    cluster_use one
    "$PG_BIN/psql" -X -At -d postgres -c "$0" 2>&1' "$settings")
check "test/clusters.sh makes and uses its own cluster" 'off "$user", public' "$got"

# and the same command without forgetting them fails (the check can fail)
got=$(env "${libpq_hostile[@]}" bash -c 'psql -X -At -c "SELECT 1" 2>&1 || echo refused' | tail -1)
check "a psql that keeps them does not reach a server" refused "$got"

echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
