#!/usr/bin/env bash
# Nothing lost in a dump and restore.
#
# Builds a populated database (the benchmark generator at a small scale, then
# test/dump/build.sql: sub-accounts and a deleted one, an invitation, API
# credentials, credits and transfers, assessments, reviews, tags, notes, an
# application table under protect_table() ...), takes its fingerprint
# (test/dump/fingerprint.sql: every table row by row, every sequence, what
# each mapped login role sees, what the kept API credential sees, the
# application table's policies), and round-trips it four ways:
#
#   custom    pg_dump -Fc, pg_restore into a new database
#   parallel  the same with pg_restore -j 3, the extension's rows first
#   plain     pg_dump | psql into a new database
#   dumpall   pg_dumpall into a fresh second cluster
#   lost role pg_restore into a fresh cluster lacking one mapped role: every
#             table but users must be identical, users identical but for
#             db_role; what becomes of that mapping is reported
#
# First a byte copy of the source (CREATE DATABASE ... TEMPLATE) must pass
# every check, so that a failure below is the restore's, not the harness's.
# Each restored database must have the source's fingerprint, restore without
# errors, and go on working (test/dump/after_restore.sql: sequences ahead of
# the ids, a new row in every table through the extension's functions).
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/clusters.sh

work=$CLUSTERS_DIR/work
mkdir -p "$work"
passed=0
failed=0
ok() { echo "  ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "  FAILED: $*"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { local what=$1; shift; if "$@" > /dev/null 2>&1; then ok "$what"; else not_ok "$what"; fi; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
summary=()

# fingerprint DB OUT: the fingerprint of a database of the current cluster
fingerprint() {
    q -d "$1" -v cred="$cred" -v credrole=dump_app -f test/dump/fingerprint.sql > "$2" 2> "$2.err"
}

# compare LABEL TARGET_FP [KEYS_TO_SKIP_REGEX]: the fingerprint of a restored
# database against the source's, check by check
compare() {
    local label=$1 target=$2 skip=${3:-'^$'}
    LC_ALL=C join -t $'\t' -a1 -a2 -e '(missing)' -o 0,1.2,2.2 \
        <(grep -Ev "$skip" "$work/source.fp" | LC_ALL=C sort -t $'\t' -k1,1) \
        <(grep -Ev "$skip" "$target" | LC_ALL=C sort -t $'\t' -k1,1) > "$work/$label.joined"
    awk -F '\t' '$2 != $3' "$work/$label.joined" > "$work/$label.mismatch"
    local what pattern n total
    while IFS='|' read -r what pattern; do
        total=$(grep -cE "$pattern" "$work/$label.joined")
        n=$(grep -cE "$pattern" "$work/$label.mismatch")
        if [ "$total" -eq 0 ]; then
            not_ok "$label: nothing to compare for $what"
        elif [ "$n" -eq 0 ]; then
            ok "$label: $what identical ($total compared)"
        else
            not_ok "$label: $what: $n of $total differ (source | restored):"
            grep -E "$pattern" "$work/$label.mismatch" | head -12 |
                awk -F '\t' '{ printf "      %s: %s | %s\n", $1, $2, $3 }'
            [ "$n" -gt 12 ] && echo "      ... and $((n - 12)) more"
        fi
    done <<'EOF'
tables (every row)|^table permissions\.
the audit log|^table permissions\.audit_log\b
sequences|^sequence 
what each mapped user sees (SET ROLE)|^(visible|mapped role) 
what the kept API credential sees|^credential
what the signed token sees|^token
the application table, its rows and policies|^(app |table app\.|sequence app\.)
EOF
    if [ -s "$target.err" ]; then
        echo "      fingerprint stopped: $(head -3 "$target.err" | tr '\n' ' ')"
    fi
}

# after_restore LABEL DB: the restored database goes on working
after_restore() {
    local label=$1 db=$2 behind
    if q -d "$db" -f test/dump/after_restore.sql > "$work/$label.after" 2> "$work/$label.after.err"; then :; fi
    behind=$(awk -F '\t' '$1 ~ /^next id / && $2 != "ok"' "$work/$label.after")
    if [ -z "$behind" ] && grep -q '^next id ' "$work/$label.after"; then
        ok "$label: every sequence is ahead of its ids ($(grep -c '^next id ' "$work/$label.after") checked)"
    else
        not_ok "$label: sequences behind their ids:"
        echo "${behind:-      (no sequence checked)}" | head -10 | sed 's/^/      /'
    fi
    if grep -q $'^new rows\tok$' "$work/$label.after"; then
        ok "$label: new rows in every table, fresh ids, through the extension's functions and triggers"
    else
        not_ok "$label: writing new rows failed: $(grep -m1 ERROR "$work/$label.after.err")"
    fi
}

# restore_errors LABEL FILE [IGNORED_REGEX]: errors a restore printed
restore_errors() {
    local label=$1 file=$2 ignore=${3:-'^$'} errors
    errors=$(grep -E 'ERROR|error:' "$file" | grep -Ev "$ignore" | grep -v 'errors ignored on restore')
    if [ -z "$errors" ]; then
        ok "$label: restored without errors"
    else
        not_ok "$label: the restore printed $(echo "$errors" | wc -l) errors:"
        echo "$errors" | head -8 | sed 's/^/      /'
    fi
}

echo "== source database"
t0=$(now)
cluster_start main
cluster_use main
q -d postgres -c "CREATE DATABASE src"
q -d src -c "CREATE EXTENSION permissions"
q -d src -v accounts=2 -v meas_per_chart=5 -v heavy_grants=300 -v rp=dump_ \
    -f bench/sql/generate.sql > /dev/null || { echo "FAILED: the generator"; exit 1; }
q -d src -v credfile="$work/credential" -f test/dump/build.sql > /dev/null || { echo "FAILED: test/dump/build.sql"; exit 1; }
cred=$(cat "$work/credential")
fingerprint src "$work/source.fp" || { cat "$work/source.fp.err"; echo "FAILED: fingerprint of the source"; exit 1; }
tables=$(grep '^table ' "$work/source.fp" | grep -vc 'without db_role')
rows=$(grep '^table ' "$work/source.fp" | grep -v 'without db_role' | sed -n 's/.*\trows=\([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s }')
visible=$(grep '^visible ' "$work/source.fp" | sed -n 's/.*\trows=\([0-9]*\) .*/\1/p' | awk '{ s += $1 } END { print s }')
echo "  $tables tables with $rows rows, $(grep -c '^sequence ' "$work/source.fp") sequences," \
     "$(grep -c '^mapped role ' "$work/source.fp") mapped roles seeing $visible rows in all," \
     "$(grep -c '^app policy ' "$work/source.fp") policies of the application table; built in $(secs "$t0" "$(now)")s"
echo "  not compared (internal): $(grep '^ignored ' "$work/source.fp" | cut -f1 | sed 's/^ignored //' | paste -sd ' ')"
grep -q $'^credential\tacts as user' "$work/source.fp" || { echo "FAILED: the kept credential does not work in the source"; exit 1; }

echo "== control: CREATE DATABASE ... TEMPLATE src, a byte copy (the comparison must find nothing)"
q -d postgres -c "CREATE DATABASE control TEMPLATE src"
fingerprint control "$work/control.fp"
compare control "$work/control.fp"
after_restore control control
q -d postgres -c "DROP DATABASE control"

echo "== dumps"
t=$(now); "$PG_BIN/pg_dump" -Fc -f "$work/src.dump" src; dump_custom=$(secs "$t" "$(now)")
t=$(now); "$PG_BIN/pg_dump" -f "$work/src.sql" src; dump_plain=$(secs "$t" "$(now)")
t=$(now); "$PG_BIN/pg_dumpall" -f "$work/all.sql"; dump_all=$(secs "$t" "$(now)")
"$PG_BIN/pg_dumpall" --globals-only -f "$work/globals.sql"
echo "  pg_dump -Fc ${dump_custom}s ($(du -k "$work/src.dump" | cut -f1) kB), pg_dump ${dump_plain}s, pg_dumpall ${dump_all}s"

echo "== custom: pg_dump -Fc, pg_restore into a new database"
q -d postgres -c "CREATE DATABASE restored_custom"
t=$(now)
"$PG_BIN/pg_restore" -d restored_custom "$work/src.dump" > "$work/custom.log" 2>&1
restore=$(secs "$t" "$(now)")
restore_errors custom "$work/custom.log"
fingerprint restored_custom "$work/custom.fp"
compare custom "$work/custom.fp"
after_restore custom restored_custom
summary+=("custom|$dump_custom|$restore|$(wc -l < "$work/custom.mismatch")")

echo "== parallel: pg_restore -j 3, the extension's rows first and in order"
# pg_restore -j loads the rows of different tables at once, ignoring the
# order the extension's foreign keys need; the README's recipe restores the
# extension's rows alone first, then everything else in parallel
q -d postgres -c "CREATE DATABASE restored_parallel"
t=$(now)
{
    "$PG_BIN/pg_restore" -d restored_parallel --section=pre-data "$work/src.dump" &&
    "$PG_BIN/pg_restore" -d restored_parallel --section=data -n permissions "$work/src.dump" &&
    "$PG_BIN/pg_restore" -d restored_parallel -j 3 --section=data -N permissions "$work/src.dump" &&
    "$PG_BIN/pg_restore" -d restored_parallel -j 3 --section=post-data "$work/src.dump"
} > "$work/parallel.log" 2>&1
restore=$(secs "$t" "$(now)")
restore_errors parallel "$work/parallel.log"
fingerprint restored_parallel "$work/parallel.fp"
compare parallel "$work/parallel.fp"
after_restore parallel restored_parallel
summary+=("parallel|$dump_custom|$restore|$(wc -l < "$work/parallel.mismatch")")

echo "== plain: pg_dump | psql into a new database"
q -d postgres -c "CREATE DATABASE restored_plain"
t=$(now)
"$PG_BIN/psql" -X -q -d restored_plain -f "$work/src.sql" > "$work/plain.log" 2>&1
restore=$(secs "$t" "$(now)")
restore_errors plain "$work/plain.log"
fingerprint restored_plain "$work/plain.fp"
compare plain "$work/plain.fp"
after_restore plain restored_plain
summary+=("plain|$dump_plain|$restore|$(wc -l < "$work/plain.mismatch")")

echo "== dumpall: pg_dumpall into a fresh second cluster"
cluster_start second
cluster_use second
t=$(now)
"$PG_BIN/psql" -X -q -d postgres -f "$work/all.sql" > "$work/dumpall.log" 2>&1
restore=$(secs "$t" "$(now)")
restore_errors dumpall "$work/dumpall.log" 'role "postgres" already exists'
fingerprint src "$work/dumpall.fp"
compare dumpall "$work/dumpall.fp"
after_restore dumpall src
summary+=("dumpall|$dump_all|$restore|$(wc -l < "$work/dumpall.mismatch")")

echo "== lost role: pg_restore into a fresh cluster without the role dump_gone"
cluster_start third
cluster_use third
grep -vw dump_gone "$work/globals.sql" | "$PG_BIN/psql" -X -q -d postgres > "$work/lost.globals.log" 2>&1
q -d postgres -c "CREATE DATABASE src"
t=$(now)
"$PG_BIN/pg_restore" -d src "$work/src.dump" > "$work/lost.log" 2>&1
restore=$(secs "$t" "$(now)")
fingerprint src "$work/lost.fp"
# users are compared without db_role (a user manager sees it too); the lost
# role neither sees nor is seen
compare lost "$work/lost.fp" $'^(table permissions\\.users\t|visible dump_gone |mapped role dump_gone\t|visible dump_manager permissions\\.users\t)'
mapping=$(q -At -d src -c "SELECT coalesce(db_role::text, 'NULL') || ' ' || coalesce(db_role_name::text, 'NULL') FROM permissions.users WHERE username = 'a1_therapist2'" 2>&1)
echo "  what the restore did with the mapping of user a1_therapist2 (role dump_gone in the source): db_role db_role_name = ${mapping:-(no such user)}"
check "lost: the user is restored unmapped, the role's name kept" test "$mapping" = "NULL dump_gone"
echo "  what pg_restore printed:"
grep -E 'ERROR|error|WARNING' "$work/lost.log" | head -6 | sed 's/^/      /'
[ -s "$work/lost.log" ] || echo "      (nothing)"
# once the role exists, one call maps the user again, who then sees what it saw
q -d postgres -c "CREATE ROLE dump_gone"
q -At -d src -c "SELECT username || ' ' || mapped FROM permissions.restore_role_mappings()" > "$work/remap.log" 2>&1
check "lost: restore_role_mappings() maps the user again" grep -q 'a1_therapist2 t' "$work/remap.log"
fingerprint src "$work/remapped.fp"
grep -E $'^(visible dump_gone |mapped role dump_gone\t)' "$work/source.fp" | LC_ALL=C sort > "$work/remapped.want"
grep -E $'^(visible dump_gone |mapped role dump_gone\t)' "$work/remapped.fp" | LC_ALL=C sort > "$work/remapped.got"
if [ -s "$work/remapped.want" ] && cmp -s "$work/remapped.want" "$work/remapped.got"; then
    ok "remapped: what the user of role dump_gone sees identical ($(wc -l < "$work/remapped.want") compared)"
else
    not_ok "remapped: what the user of role dump_gone sees differs"
    diff "$work/remapped.want" "$work/remapped.got" | head -6 | sed 's/^/      /'
fi
after_restore lost src
summary+=("lost role|$dump_custom|$restore|$(wc -l < "$work/lost.mismatch")")

echo
echo "path        dump (s)  restore (s)  facts differing (of $(wc -l < "$work/source.fp"))"
for s in "${summary[@]}"; do
    IFS='|' read -r path d r m <<<"$s"
    printf '%-11s %8s  %11s  %s\n' "$path" "$d" "$r" "$m"
done
echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
