#!/usr/bin/env bash
# DDL on the extension's relations: every statement node type of the server
# is classified, and every DDL position of every statement type, naming
# every relation of the extension, is refused by a client while another
# session holds a lock on it, before the client queues for that lock
# (test/ddl_guard/lock_test.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PG_CONFIG=${PG_CONFIG:-pg_config}
test/with-cluster /usr/bin/python3 test/ddl_guard/lock_test.py
