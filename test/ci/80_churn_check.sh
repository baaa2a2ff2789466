#!/usr/bin/env bash
# Freshness under churn: while a separate process changes access in other
# tenants, checker sessions change a watched user's access, commit, and
# check that the user's next statement (inside a running READ COMMITTED
# transaction, and in a fresh one) sees exactly the committed state.  Fails
# on any violation, unexpected error or crash, and when the check cannot
# fail (its self-test: a model that misses changes must be caught).  Each
# tenant is changed by one client only (a churn client owns its tenants, a
# checker its watched user), so a failure is the extension's, never a race
# between the test's own clients.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/libpq-env.sh  # bench/concurrency would use the server they name
bench/concurrency --check --self-test --scale tiny --check-duration "${CHURN_CHECK_SECONDS:-30}"
