#!/usr/bin/env bash
# A streaming standby serves the same rows under the same rules, and follows a
# revocation. A TAP test on PostgreSQL::Test::Cluster, t/002_replication.pl
# (docs/testing-tap.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec test/prove t/002_replication.pl
