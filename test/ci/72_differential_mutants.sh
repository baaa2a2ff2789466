#!/usr/bin/env bash
# Mutant self-test of the differential test: each of several rules of the
# model is broken on purpose (test/differential/model.py MUTANTS) and a short
# differential pass must then find a mismatch; a mutant that survives means
# the test cannot see that rule, and the step fails.  Each kill is confirmed
# by the unbroken model agreeing with the database on the same questions.
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster /usr/bin/python3 test/differential/mutants.py
