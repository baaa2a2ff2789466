#!/usr/bin/env bash
# Randomized differential test of the access rules (short mode): random
# worlds, questions and writes as random users, each answer compared with an
# independent model of the rules in test/differential/model.py.  Fixed seeds;
# fails on any mismatch not listed as already reported.
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster /usr/bin/python3 test/differential/differential.py --ci
