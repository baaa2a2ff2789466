#!/usr/bin/env bash
# What ALTER EXTENSION permissions UPDATE says to the DBA: the login roles
# that lost access, and the sessions that keep the 1.0 library. A TAP test on
# PostgreSQL::Test::Cluster, t/004_upgrade_messages.pl (docs/testing-tap.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec test/prove t/004_upgrade_messages.pl
