#!/usr/bin/env bash
# Key rotation end to end: the JWKS sync program (tools/jwks-sync) fetches
# a key set served on 127.0.0.1 by the test and applies it with
# permissions.sync_token_keys(): key A; A and B; B only (A verifies for the
# grace period, then is disabled); tokens signed with jose checked after
# each step (test/postgrest/jwks_sync.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
test/with-cluster test/postgrest/jwks_sync.sh
