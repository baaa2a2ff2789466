#!/usr/bin/env bash
# Random and mutated tokens through authenticate_token(), checked against an
# independent model of the rules, and mutated keys through the key readers.
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster /usr/bin/python3 test/fuzz_tokens.py "${FUZZ_TOKEN_ITERATIONS:-20000}"
