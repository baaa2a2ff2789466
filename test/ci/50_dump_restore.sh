#!/usr/bin/env bash
# Nothing lost in a dump and restore: custom, parallel, plain, pg_dumpall, and
# into a cluster lacking a mapped role. A TAP test on
# PostgreSQL::Test::Cluster, t/001_dump_restore.pl (docs/testing-tap.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec test/prove t/001_dump_restore.pl
