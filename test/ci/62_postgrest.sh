#!/usr/bin/env bash
# PostgREST's per-request protocol, emulated exactly from psycopg and from
# Node's pg: settings, permissions.authenticate_request() as the
# db-pre-request function, then the query, in one transaction; two
# tenants, forged claims, missing headers, expired and foreign tokens; and
# what the server log says about refused tokens (test/postgrest/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster -o logging_collector=on \
    test/postgrest/run.sh "${POSTGREST_REQUESTS:-300}"
