#!/usr/bin/env bash
# The benchmark at tiny scale: every variant must return the rows of the
# hand-written query, and the timing of the accounting of disclosures runs.
# Its timing targets are information, not failures.
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/libpq-env.sh  # bench/run would use the server they name
bench/run --scale tiny --smoke --accounting
