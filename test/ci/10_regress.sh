#!/usr/bin/env bash
# pg_regress and isolation suites on a fresh install of the current version
# (its install script, built from install/*.sql).  The TAP tests, which
# make installcheck would run too, are steps of their own (test/prove).
set -uo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
test/with-cluster make -s installcheck TAP_TESTS= 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
for d in regression.diffs output_iso/regression.diffs; do
    [ -s "$d" ] && { echo "== $d"; cat "$d"; }
done
test/count-results "$log" || rc=1
rm -f "$log"
exit "$rc"
