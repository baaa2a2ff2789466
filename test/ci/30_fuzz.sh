#!/usr/bin/env bash
# Random and hostile strings through every type input function.
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster test/fuzz_types.sh "${FUZZ_ITERATIONS:-100000}"
