#!/usr/bin/env bash
# What ALTER EXTENSION permissions UPDATE says to the DBA: the login roles
# that used the tables through PUBLIC under 1.0 and lost them (by name, with
# the GRANT that gives them back), and the sessions opened before the update
# that keep the 1.0 library until they reconnect.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
test/with-cluster bash -c '
    set -e
    q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
    q -c "CREATE ROLE regress_upd_app LOGIN" -c "CREATE ROLE regress_upd_mapped LOGIN"
    createdb upd
    # a 1.0 database with a mapped user (written directly: the installed
    # library is the new version, which does not run on the tables of 1.0)
    q -d upd -c "CREATE EXTENSION permissions VERSION '\''1.0'\''" \
         -c "SET session_replication_role = replica" \
         -c "INSERT INTO permissions.accounts (id, name) VALUES (1, '\''upd'\'')" \
         -c "INSERT INTO permissions.users (id, account_id, username, db_role) VALUES (1, 1, '\''mapped'\'', '\''regress_upd_mapped'\'')"
    # a session of the application, open across the update
    psql -X -q -d upd -c "SELECT pg_sleep(20)" >/dev/null 2>&1 &
    sleeper=$!
    for _ in $(seq 1 50); do
        [ "$(psql -X -At -d upd -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '\''upd'\'' AND query LIKE '\''SELECT pg_sleep%'\''")" = 1 ] && break
        sleep 0.2
    done
    q -d upd -c "ALTER EXTENSION permissions UPDATE" 2>&1
    psql -X -At -d upd -c "SELECT pg_has_role('\''regress_upd_mapped'\'', '\''permissions_client'\'', '\''MEMBER'\'')"
    psql -X -q -At -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\''upd'\''" >/dev/null
    wait "$sleeper" 2>/dev/null || true
    dropdb upd
    q -c "DROP ROLE regress_upd_app, regress_upd_mapped"
' > "$out" 2>&1
rc=$?
cat "$out"
passed=0
failed=0
check() {
    if grep -qF -- "$2" "$out"; then
        echo "ok: $1"; passed=$((passed + 1))
    else
        echo "FAILED: $1 (no \"$2\" in the output)"; failed=$((failed + 1))
    fi
}
check "the update names the login role that lost its access" "these login roles lost access to them: regress_upd_app"
check "the update says how to give it back" "GRANT permissions_client TO regress_upd_app;"
check "a mapped login role keeps its access (and is not named)" "t"
check "the update tells of sessions that keep the 1.0 library" "sessions of this database opened before the update (1 of them) run the library of permissions 1.0"
check "and says to reconnect them" "Reconnect them"
if grep -q "lost access to them: .*regress_upd_mapped" "$out"; then
    echo "FAILED: the mapped role is named as having lost its access"; failed=$((failed + 1))
else
    echo "ok: the mapped role is not named"; passed=$((passed + 1))
fi
[ "$rc" -eq 0 ] || { echo "FAILED: the update run exited with $rc"; failed=$((failed + 1)); }
echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
