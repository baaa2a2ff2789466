#!/usr/bin/env bash
# A grant revoked on a publisher stops working on a logical replication
# subscriber for every session there, open ones included (round 4 of the
# attacks found it did not).
#
# Freshness rests on hints the committing backend sends (src/hints.c); a
# session whose cache no hint named reads no epoch.  A logical replication
# apply worker writes the replicated rows with session_replication_role =
# replica, where ordinary triggers do not fire: the triggers that move the
# epochs (and send the hints) are ENABLE ALWAYS.  (A hot standby is covered
# apart: hints are not trusted in recovery.)
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/clusters.sh

work=$CLUSTERS_DIR/work
mkdir -p "$work"
passed=0
failed=0
ok() { echo "  ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "  FAILED: $*"; failed=$((failed + 1)); }
q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

cluster_start main "wal_level = logical" "max_wal_senders = 4" "max_replication_slots = 4"
cluster_use main
q -d postgres -c "CREATE DATABASE pub" -c "CREATE DATABASE sub"
q -d pub > /dev/null <<'SQL' || { echo "FAILED: the publisher"; exit 1; }
CREATE EXTENSION permissions;
CREATE ROLE logical_therapist;
SELECT permissions.create_account('logical A') AS a \gset
SELECT permissions.create_user(:a, 'therapist', db_role => 'logical_therapist') AS t \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Lo') RETURNING id AS p \gset
SELECT permissions.grant_access('tier3', user_id => :t, performer_id => :p);
CREATE PUBLICATION access FOR TABLE permissions.accounts, permissions.users, permissions.performers,
    permissions.access_grants, permissions.groups, permissions.group_members, permissions.teams,
    permissions.team_members, permissions.api_credentials, permissions.tenant_epochs;
SELECT pg_create_logical_replication_slot('access', 'pgoutput');
SQL
# the subscriber: the same extension, its tables filled by the subscription
q -d sub > /dev/null <<SQL || { echo "FAILED: the subscriber"; exit 1; }
CREATE EXTENSION permissions;
DELETE FROM permissions.tenant_epochs;
CREATE SUBSCRIPTION access CONNECTION 'dbname=pub host=$(cluster_host main) port=$(cluster_port main) user=postgres'
    PUBLICATION access WITH (create_slot = false, slot_name = 'access');
SQL
synced() { [ "$(q -At -d sub -c "SELECT count(*) = 10 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel")" = t ]; }
for i in $(seq 1 300); do synced && break; sleep 0.2; done
synced || { echo "FAILED: the subscription did not synchronize"; exit 1; }

# a session open on the subscriber, with its access cached
mkfifo "$work/session.in"
"$PG_BIN/psql" -X -q -At -d sub < "$work/session.in" > "$work/session.out" 2>&1 &
session=$!
exec 3> "$work/session.in"
ask() {  # ask TAG SQL: run SQL in the open session, wait for its answer
    echo "$2" >&3
    echo "SELECT 'done $1';" >&3
    local i
    for i in $(seq 1 100); do
        grep -q "^done $1\$" "$work/session.out" && break
        sleep 0.1
    done
    sed -n "/^done $(( $1 - 1 ))\$/,/^done $1\$/p" "$work/session.out" | grep -v '^done '
}
echo "SELECT 'done 0';" >&3
ask 1 "SET ROLE logical_therapist;" > /dev/null
before=$(ask 2 "SELECT count(*) FROM permissions.performers WHERE first_name = 'Lo';")
# other transactions finish: the session's snapshots see every earlier writer done
q -d sub -c "SELECT txid_current()" > /dev/null
q -d sub -c "SELECT txid_current()" > /dev/null
warm=$(ask 3 "SELECT count(*) FROM permissions.performers WHERE first_name = 'Lo';")

q -d pub -c "SELECT count(permissions.revoke_access(g.id)) FROM permissions.access_grants g" > /dev/null
replicated() { [ "$(q -At -d sub -c "SELECT count(*) FROM permissions.access_grants")" = 0 ]; }
for i in $(seq 1 300); do replicated && break; sleep 0.1; done
replicated || { echo "FAILED: the revocation was not replicated"; exit 1; }
after_open=$(ask 4 "SELECT count(*) FROM permissions.performers WHERE first_name = 'Lo';")
after_open2=$(ask 5 "SELECT count(*) FROM permissions.performers WHERE first_name = 'Lo';")
after_new=$(q -At -d sub -c "SET ROLE logical_therapist" -c "SELECT count(*) FROM permissions.performers WHERE first_name = 'Lo'")
exec 3>&-
wait "$session"

if [ "$before" = 1 ] && [ "$warm" = 1 ]; then
    ok "before the revocation the therapist sees the performer on the subscriber"
else
    not_ok "before the revocation the therapist sees the performer on the subscriber: $before, $warm"
fi
if [ "$after_new" = 0 ]; then
    ok "after the revocation is replicated, a new subscriber session no longer sees the performer"
else
    not_ok "after the revocation is replicated, a new subscriber session sees the performer: $after_new"
fi
if [ "$after_open" = 0 ] && [ "$after_open2" = 0 ]; then
    ok "after the revocation is replicated, a subscriber session opened before it no longer sees the performer"
else
    not_ok "after the revocation is replicated, a subscriber session opened before it still sees the performer ($after_open, $after_open2)"
fi

q -d sub -c "SET client_min_messages = warning" -c "DROP SUBSCRIPTION access" > /dev/null
echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
