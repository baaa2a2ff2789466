#!/usr/bin/env bash
# A grant revoked on a publisher stops working on a logical replication
# subscriber for every session there, open ones included. A TAP test on
# PostgreSQL::Test::Cluster, t/005_logical_subscriber.pl (docs/testing-
# tap.md).
set -uo pipefail
cd "$(dirname "$0")/../.."
exec test/prove t/005_logical_subscriber.pl
