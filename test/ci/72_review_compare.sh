#!/usr/bin/env bash
# Differential test of the access review functions: on random worlds (the
# differential test's generator, with grants across tenants a DBA made),
# who_can(), access_review() and explain_check() agree with check() and
# effective_tier() for every (user, performer, action, kind), also through
# limited credentials, and refuse hidden and missing performers alike.
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster /usr/bin/python3 test/review/compare.py --seed 1 --seed 2 --seed 3 --seed 4 --seed 5
