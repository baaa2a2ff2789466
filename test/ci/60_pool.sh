#!/usr/bin/env bash
# Real clients through a real pooler: Python (psycopg) and Node (pg) clients
# behind pgbouncer in transaction mode, each authenticating per transaction
# with tokens signed by PyJWT and jose; no transaction may see another
# user's identity or rows (test/pool/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster test/pool/run.sh "${POOL_TRANSACTIONS:-2400}"
