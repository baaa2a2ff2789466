#!/usr/bin/env bash
# The pg_regress and isolation suites again, on databases where version 1.0
# was installed and then updated with ALTER EXTENSION permissions UPDATE.
set -uo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
test/with-cluster bash -c '
    set -e
    for db in contrib_regression isolation_regression; do
        createdb "$db"
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
            -c "CREATE EXTENSION permissions VERSION '\''1.0'\''" \
            -c "ALTER EXTENSION permissions UPDATE" \
            -c "SELECT '\''upgraded '\'' || current_database() || '\'' to '\'' || extversion FROM pg_extension WHERE extname = '\''permissions'\''" -At
    done
    make -s installcheck TAP_TESTS= EXTRA_REGRESS_OPTS=--use-existing' 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
for d in regression.diffs output_iso/regression.diffs; do
    [ -s "$d" ] && { echo "== $d"; cat "$d"; }
done
test/count-results "$log" || rc=1
rm -f "$log"
exit "$rc"
