#!/usr/bin/env bash
# The SQL of docs/compliance.md runs as written: its ```sql blocks, in order,
# in psql as a superuser in a new database with the extension.  The one error
# the document shows (a manager of another tenant refused by who_can()) must
# be the only one; and the reads it makes are in the accounting.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk '/^```sql$/ {on = 1; next} /^```$/ {on = 0} on' docs/compliance.md > "$work/doc.sql"
cat >> "$work/doc.sql" <<'SQL'
SELECT 'CHECK records ' || count(*) FROM permissions.disclosures;
SQL
export WORK=$work
test/with-cluster bash -c '
    psql -X -q -c "CREATE DATABASE compliance_doc" &&
    psql -X -q -d compliance_doc -c "SET client_min_messages = warning" -c "CREATE EXTENSION permissions" &&
    psql -X -d compliance_doc -f "$WORK/doc.sql" > "$WORK/out.txt" 2>&1
    psql -X -q -d postgres -c "DROP DATABASE compliance_doc" 2>/dev/null
    for r in cmp_maria cmp_tess cmp_paul cmp_nina cmp_hank; do psql -X -q -d postgres -c "DROP ROLE IF EXISTS $r" 2>/dev/null; done
    true'
passed=0
failed=0
errors=$(grep -c 'ERROR:' "$work/out.txt")
if [ "$errors" = 1 ] && grep -q 'ERROR:  performer [0-9]* does not exist or you cannot review who reaches it' "$work/out.txt"; then
    echo "ok: the SQL of docs/compliance.md runs; its one error is the refusal it shows"
    passed=$((passed + 1))
else
    echo "FAILED: docs/compliance.md: $errors errors:"
    grep -B2 'ERROR:' "$work/out.txt" | head -30
    failed=$((failed + 1))
fi
records=$(sed -n 's/^ *CHECK records \([0-9]*\)$/\1/p' "$work/out.txt")
if [ "${records:-0}" -gt 0 ]; then
    echo "ok: the reads of docs/compliance.md are in the accounting ($records records)"
    passed=$((passed + 1))
else
    echo "FAILED: no records after the reads of docs/compliance.md"
    failed=$((failed + 1))
fi
echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
