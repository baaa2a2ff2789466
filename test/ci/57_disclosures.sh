#!/usr/bin/env bash
# The accounting of disclosures across crashes, sessions and a standby.
#
# A primary with permissions.read_accounting on for database app (ALTER
# DATABASE), synchronous_commit off and a lazy WAL writer, so that nothing
# but the accounting's own flush puts a read-only transaction's WAL on disk:
#
# - a read, then an immediate stop (a crash): the record is there after
#   restart; also for a transaction that rolled back, and a statement that
#   failed after reading; a committed insert of the same moment is lost
#   (the control: the crash does lose unflushed WAL);
# - a failing write (recorded at the session's next statement) whose session
#   disconnects: the record is written as the session ends; one whose
#   session stays idle until a crash: the record is in the server log;
# - a client that asks for accounting off in its startup packet
#   (PGOPTIONS) is refused and still recorded;
# - a hot standby records nothing in the table (it cannot write) and logs
#   one line per record, JSON, in its server log; it shows the primary's
#   records, those of rolled-back transactions included.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/clusters.sh

passed=0
failed=0
ok() { echo "  ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "  FAILED: $*"; failed=$((failed + 1)); }
q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
on() { local c=$1; shift; PGHOST=$(cluster_host "$c") PGPORT=$(cluster_port "$c") PGUSER=postgres "$@"; }
as_reader() { local c=$1; shift; PGHOST=$(cluster_host "$c") PGPORT=$(cluster_port "$c") PGUSER=acc_reader "$@"; }
records() { on "$1" q -At -d app -c "SELECT count(*) FROM permissions.disclosures WHERE $2"; }
crash_restart() {
    as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTERS_DIR/primary/data" -m immediate stop > /dev/null
    as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTERS_DIR/primary/data" -l "$CLUSTERS_DIR/primary/log" -w start > /dev/null
}

echo "== primary"
cluster_start primary "wal_level = replica" "max_wal_senders = 4" "synchronous_commit = off" \
    "wal_writer_delay = 10s" "wal_writer_flush_after = 1GB" "log_min_messages = warning"
on primary q -d postgres -c "CREATE DATABASE app"
on primary q -d app > /dev/null <<'SQL' || { echo "FAILED: setting up the primary"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION permissions;
CREATE ROLE acc_reader LOGIN;
CREATE TABLE public.control (x int);
GRANT ALL ON public.control TO acc_reader;
DO $$
DECLARE
    acct bigint := permissions.create_account('Clinic');
    reader bigint := permissions.create_user(acct, 'reader', access => 'tier2', db_role => 'acc_reader');
    pin bigint;
    p bigint;
    c bigint;
BEGIN
    INSERT INTO permissions.pinpoints (account_id, name) VALUES (acct, 'claps') RETURNING id INTO pin;
    FOR i IN 1 .. 3 LOOP
        INSERT INTO permissions.performers (account_id, first_name) VALUES (acct, 'P' || i) RETURNING id INTO p;
        INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (acct, p, pin) RETURNING id INTO c;
        INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
        SELECT acct, p, c, date '2024-01-01' + j, j FROM generate_series(1, 10) j;
        INSERT INTO permissions.notes (account_id, performer_id, chart_id, body) VALUES (acct, p, c, 'note ' || i);
    END LOOP;
END
$$;
ALTER DATABASE app SET permissions.read_accounting = on;
CHECKPOINT;
SQL

# a read-only statement, then a crash at once
as_reader primary q -d app -c "SELECT count(*) FROM permissions.measurements" > /dev/null
crash_restart
n=$(records primary "kind = 'measurement' AND row_count = 10")
[ "$n" = 3 ] && ok "a read, then a crash: its 3 records (one per performer) are on disk" \
             || not_ok "a read, then a crash: $n records instead of 3"

# a transaction that rolls back, then a crash
as_reader primary q -d app -c "BEGIN" -c "SELECT count(*) FROM permissions.notes" -c "ROLLBACK" > /dev/null
crash_restart
n=$(records primary "kind = 'note'")
[ "$n" = 3 ] && ok "a read in a transaction that rolled back, then a crash: its 3 records stay" \
             || not_ok "a rolled-back read, then a crash: $n records instead of 3"

# a statement that fails after reading rows, then a crash
as_reader primary q -d app -c "SELECT count, 1 / (count - 4) FROM permissions.measurements ORDER BY performer_id, count" > /dev/null 2>&1
crash_restart
n=$(records primary "kind = 'measurement' AND row_count < 10")
[ "$n" -ge 1 ] && ok "a read that failed after reading rows, then a crash: recorded ($n records)" \
               || not_ok "a read that failed after reading rows, then a crash: no record"

# the control: a committed insert of the same moment (synchronous_commit off) is lost
as_reader primary q -d app -c "INSERT INTO public.control VALUES (1)"
crash_restart
n=$(on primary q -At -d app -c "SELECT count(*) FROM public.control")
[ "$n" = 0 ] && ok "control: an insert committed just before the same crash is lost (the crash loses WAL nobody flushed)" \
             || not_ok "control: the insert survived the crash, so the crash tests above prove nothing (WAL was flushed anyway)"

# a failing write, recorded at the session's next statement: the session disconnects instead
before=$(records primary "kind = 'note'")
as_reader primary q -d app -c "UPDATE permissions.notes SET body = body WHERE body::int > 0" > /dev/null 2>&1
after=$(records primary "kind = 'note'")
[ "$after" -gt "$before" ] && ok "a failing write whose session then disconnects: recorded as the session ends" \
                           || not_ok "a failing write whose session then disconnects: no record"

# ... or stays idle until a crash: the server log has it
mkfifo "$CLUSTERS_DIR/idle.in"
as_reader primary "$PG_BIN/psql" -X -q -d app < "$CLUSTERS_DIR/idle.in" > /dev/null 2>&1 &
idle=$!
exec 3> "$CLUSTERS_DIR/idle.in"
echo "SELECT body::int FROM permissions.notes WHERE body = 'note 2' AND body::int > 0 FOR UPDATE;" >&3
sleep 1
crash_restart 3>&-
exec 3>&-
wait $idle 2>/dev/null
if grep -q 'permissions disclosure: {.*"kind": "note".*"recorded": "deferred"}' "$CLUSTERS_DIR/primary/log"; then
    ok "a failing row-locking read whose session stays idle until a crash: its record is in the server log ($(grep -c 'permissions disclosure:' "$CLUSTERS_DIR/primary/log") lines)"
else
    not_ok "a failing row-locking read whose session stays idle until a crash: not in the server log"
fi

# a client asking for accounting off in its startup packet
before=$(records primary "kind = 'performer'")
PGOPTIONS="-c permissions.read_accounting=off" as_reader primary "$PG_BIN/psql" -X -At -d app \
    -c "SHOW permissions.read_accounting" -c "SELECT count(*) FROM permissions.performers" \
    > "$CLUSTERS_DIR/pgoptions.out" 2> "$CLUSTERS_DIR/pgoptions.err"
after=$(records primary "kind = 'performer'")
if grep -q 'permission denied to set parameter' "$CLUSTERS_DIR/pgoptions.err" &&
   [ "$(head -1 "$CLUSTERS_DIR/pgoptions.out")" = on ] && [ "$after" -gt "$before" ]; then
    ok "PGOPTIONS=-c permissions.read_accounting=off is refused, and the read is recorded"
else
    not_ok "PGOPTIONS turned the accounting off: $(cat "$CLUSTERS_DIR/pgoptions.out" "$CLUSTERS_DIR/pgoptions.err" | tr '\n' ' '), records $before -> $after"
fi

echo "== standby"
cluster_start_standby standby primary "hot_standby = on" "log_min_messages = warning"
lsn=$(on primary q -At -d postgres -c "SELECT pg_current_wal_lsn()")
for i in $(seq 1 100); do
    [ "$(on standby q -At -d postgres -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] && break
    sleep 0.1
done
p=$(records primary "true")
s=$(records standby "true")
[ "$p" = "$s" ] && [ "$s" -gt 0 ] && ok "the standby shows the primary's $s records (rolled-back reads included)" \
                               || not_ok "the standby shows $s records, the primary $p"
out=$(as_reader standby q -At -d app -c "SELECT count(*) FROM permissions.measurements WHERE performer_id = (SELECT min(id) FROM permissions.performers)" 2>&1)
s2=$(records standby "true")
lines=$(grep -c 'permissions disclosure: {.*"recorded": "standby"}' "$CLUSTERS_DIR/standby/log")
if [ "$out" = 10 ] && [ "$s2" = "$s" ] && [ "$lines" -ge 2 ] &&
   grep 'permissions disclosure: ' "$CLUSTERS_DIR/standby/log" | grep -q '"performer_ids": \[[0-9]*\], "row_counts": \[10\], "kind": "measurement", "relation": "permissions.measurements", "user_id": [0-9]*, "login_role": "acc_reader"'; then
    ok "a read on the standby: nothing written, one JSON line per record in its server log ($lines lines)"
else
    not_ok "a read on the standby: answer '$out', records $s -> $s2, $lines log lines"
    grep 'permissions disclosure' "$CLUSTERS_DIR/standby/log" | head -3
fi
out=$(as_reader standby q -At -d app -c "SELECT count, 1 / (count - 2) FROM permissions.measurements ORDER BY performer_id, count" 2>&1)
if echo "$out" | grep -q 'division by zero' && [ "$(grep -c 'permissions disclosure: ' "$CLUSTERS_DIR/standby/log")" -gt "$lines" ]; then
    ok "a read that fails on the standby is logged too"
else
    not_ok "a read that fails on the standby: $out"
fi

echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
