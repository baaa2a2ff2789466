#!/usr/bin/env bash
# Every SQL example of the README and of docs/ runs as written: each page in
# a database of its own, its examples in order, each shown error checked to
# be the error that comes (test/docs/run_examples.py).  First the runner's
# self-test: pages with a failing example, an error shown but not raised,
# another error than the one shown, and a failing hidden check must each
# fail.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
test/with-cluster bash -c '
    /usr/bin/python3 test/docs/run_examples.py --self-test &&
    /usr/bin/python3 test/docs/run_examples.py' 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
passed=0
failed=0
while read -r _ p f; do
    passed=$((passed + p)); failed=$((failed + f))
done < <(grep -E '^RESULT: [0-9]+ [0-9]+$' "$out")
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
