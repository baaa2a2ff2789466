#!/usr/bin/env bash
# The soak, short: writers, login-role readers and pooled clients (API
# credentials and signed tokens) in several tenants at once, every result
# checked against a model of who may see what at that moment.  Fails on any
# violation, unexpected error, backend crash, lock wait over 100 ms across
# tenants, or backend memory beyond the access caches' bound; and when a
# check cannot fail (its self-test: a model that misses commits, a staged
# cross-tenant wait and a terminated backend must each be caught).
# docs/soak.md runs the full one (32 clients, 10 minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
. test/libpq-env.sh  # bench/concurrency would use the server they name
bench/concurrency --soak --self-test --scale tiny --soak-clients "${SOAK_CLIENTS:-12}" \
    --soak-duration "${SOAK_SECONDS:-60}"
