#!/usr/bin/env bash
# test/postgrest/jwks_sync.sh
#
# Run inside test/with-cluster: installs the sync program's and the test's
# Node packages (npm ci from their lockfiles) and runs jwks_rotation.mjs
# against the program.  Prints "RESULT: <passed> <failed>".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tool=$(cd "$here/../../tools/jwks-sync" && pwd)
(cd "$tool" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
node "$here/jwks_rotation.mjs" "$tool/sync.mjs"
