#!/usr/bin/env bash
# An updated install and a fresh install have the same catalog, and the
# comparison sees a change of every kind of object. A TAP test on
# PostgreSQL::Test::Cluster, t/003_upgrade_catalog.pl (docs/testing-tap.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec test/prove t/003_upgrade_catalog.pl
