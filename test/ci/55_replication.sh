#!/usr/bin/env bash
# A streaming standby serves the same rows under the same rules.
#
# A primary with a populated database (the benchmark generator at its
# smallest, an API credential), a standby made with pg_basebackup and
# streaming replication.  On the standby: every table and what every mapped
# login role and the credential see equal the primary's
# (test/dump/fingerprint.sql, which runs read-only); authenticate() and
# authenticate_token() work in its read-only transactions; and a grant revoked on the primary stops
# working on the standby once replayed, for a new session and for a session
# that was open (and had its access cached) before the revocation.
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
on() { local c=$1; shift; PGHOST=$(cluster_host "$c") PGPORT=$(cluster_port "$c") PGUSER=postgres "$@"; }

# wait_replay: until the standby has replayed everything the primary wrote
wait_replay() {
    local lsn i
    lsn=$(on primary q -At -d postgres -c "SELECT pg_current_wal_lsn()")
    for i in $(seq 1 100); do
        [ "$(on standby q -At -d postgres -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && return 0
        sleep 0.1
    done
    echo "  the standby did not replay $lsn in 10 seconds" >&2
    return 1
}

echo "== primary"
cluster_start primary "wal_level = replica" "max_wal_senders = 4"
on primary q -d postgres -c "CREATE DATABASE app"
on primary q -d app -c "CREATE EXTENSION permissions"
on primary q -d app -v accounts=1 -v meas_per_chart=2 -v heavy_grants=0 -v rp=repl_ \
    -f bench/sql/generate.sql > /dev/null || { echo "FAILED: the generator"; exit 1; }
on primary q -d app <<'SQL' || { echo "FAILED: setting up the primary"; exit 1; }
CREATE ROLE repl_app LOGIN;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'permissions_client') THEN
        GRANT permissions_client TO repl_app;
    END IF;
END
$$;
SQL
cred=$(on primary q -At -d app -c "SELECT permissions.create_api_credential(id, 'standby reader') FROM permissions.users WHERE username = 'a1_therapist1'")
# therapist 1's direct tier2 grant on performer 81 (its other performers come through its team)
grant=$(on primary q -At -d app -c "SELECT g.id FROM permissions.access_grants g JOIN permissions.users u ON u.id = g.user_id WHERE u.username = 'a1_therapist1' AND g.performer_id = 81")
[ -n "$cred" ] && [ -n "$grant" ] || { echo "FAILED: no credential or grant to test with"; exit 1; }
# the issuer, key and subject of the signed token test/dump/fingerprint.sql authenticates with
on primary q -d app > /dev/null <<'SQL' || { echo "FAILED: registering the token issuer"; exit 1; }
SELECT permissions.register_token_issuer('https://idp.dump.test', NULL, max_lifetime => '100 years');
SELECT permissions.register_token_key('https://idp.dump.test', 'dump-ed', 'EdDSA',
       '{"kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}');
SELECT permissions.map_token_subject('https://idp.dump.test', 'north-lead', u.id)
  FROM permissions.users u WHERE u.username = 'a1_therapist1';
SQL

echo "== standby (pg_basebackup, streaming)"
cluster_start_standby standby primary "hot_standby = on"
wait_replay || exit 1
if [ "$(on standby q -At -d postgres -c "SELECT pg_is_in_recovery()")" = t ]; then
    ok "the standby is in recovery, streaming from the primary ($(on primary q -At -d postgres -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") sender streaming)"
else
    not_ok "the standby is not in recovery"
fi

fp() { on "$1" q -d app -v cred="$cred" -v credrole=repl_app -f test/dump/fingerprint.sql > "$2" 2> "$2.err"; }
fp primary "$work/primary.fp" || { cat "$work/primary.fp.err"; echo "FAILED: fingerprint of the primary"; exit 1; }
if fp standby "$work/standby.fp"; then
    ok "the fingerprint runs on the standby, read-only ($(wc -l < "$work/standby.fp") facts)"
else
    not_ok "the fingerprint failed on the standby: $(head -3 "$work/standby.fp.err" | tr '\n' ' ')"
fi
for what in "table |every table, row by row" "visible |what each mapped login role sees" "credential|what the API credential sees, authenticated on the standby" "token|what the signed token sees, authenticated on the standby"; do
    prefix=${what%%|*}; label=${what#*|}
    n=$(grep -c "^$prefix" "$work/primary.fp")
    if [ "$n" -gt 0 ] && diff <(grep "^$prefix" "$work/primary.fp") <(grep "^$prefix" "$work/standby.fp") > "$work/diff"; then
        ok "$label: as on the primary ($n compared)"
    else
        not_ok "$label differs from the primary:"
        head -10 "$work/diff" | sed 's/^/      /'
    fi
done

# authenticate() in the standby's read-only transactions
auth=$(on standby q -At -d app <<SQL 2>&1
SET ROLE repl_app;
BEGIN;
SELECT permissions.authenticate('$cred') = (SELECT id FROM permissions.users WHERE username = 'a1_therapist1');
SELECT permissions.current_user_id() IS NOT NULL;
SELECT count(*) > 0 FROM permissions.measurements;
COMMIT;
SELECT permissions.current_user_id() IS NULL;
SQL
)
if [ "$(echo "$auth" | tr -d '\n')" = tttt ]; then
    ok "authenticate() on the standby: the credential's user for the transaction, which sees its rows, and nobody after it"
else
    not_ok "authenticate() on the standby: $auth"
fi

# a session open on the standby since before the revocation, with its access cached
mkfifo "$work/session.in"
on standby "$PG_BIN/psql" -X -q -At -d app < "$work/session.in" > "$work/session.out" 2>&1 &
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
ask 1 "SET ROLE repl_therapist;" > /dev/null
before_open=$(ask 2 "SELECT count(*) FROM permissions.performers WHERE id = 81;")
before_new=$(on standby q -At -d app -c "SET ROLE repl_therapist" -c "SELECT count(*) FROM permissions.performers WHERE id = 81")

echo "== revocation on the primary"
on primary q -d app -c "SELECT permissions.revoke_access($grant)" > /dev/null
wait_replay || exit 1
after_open=$(ask 3 "SELECT count(*) FROM permissions.performers WHERE id = 81;")
after_new=$(on standby q -At -d app -c "SET ROLE repl_therapist" -c "SELECT count(*) FROM permissions.performers WHERE id = 81")
after_cred=$(on standby q -At -d app <<SQL 2>&1
SET ROLE repl_app;
BEGIN;
SELECT permissions.authenticate('$cred') IS NOT NULL;
SELECT count(*) FROM permissions.performers WHERE id = 81;
COMMIT;
SQL
)
exec 3>&-
wait "$session"
if [ "$before_open" = 1 ] && [ "$before_new" = 1 ]; then
    ok "before the revocation the therapist sees performer 81 on the standby"
else
    not_ok "before the revocation the therapist sees performer 81 on the standby: open session $before_open, new session $before_new"
fi
if [ "$after_open" = 0 ]; then
    ok "after replay, a standby session opened before the revocation no longer sees performer 81"
else
    not_ok "after replay, a standby session opened before the revocation still sees performer 81 ($after_open): $(cat "$work/session.out")"
fi
if [ "$after_new" = 0 ]; then
    ok "after replay, a new standby session no longer sees performer 81"
else
    not_ok "after replay, a new standby session sees performer 81: $after_new"
fi
if [ "$(echo "$after_cred" | tr -d '\n')" = t0 ]; then
    ok "after replay, the credential authenticates on the standby and no longer sees performer 81"
else
    not_ok "the credential after replay: $after_cred"
fi

echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
