#!/usr/bin/env bash
# An updated install and a fresh install have the same catalog.
#
# One database gets version 1.0 and ALTER EXTENSION permissions UPDATE (the
# hand-written update scripts), another a fresh CREATE EXTENSION permissions
# (the install script of the current version, built from install/*.sql);
# test/upgrade/catalog.sql lists, with OIDs turned into names, every member
# object, column, constraint, index, policy, trigger, event trigger, rule,
# function, privilege, comment, sequence, database setting and config-dump
# setting of each, and any difference fails with a diff.  Then small
# changes of every kind, each in a rolled-back transaction, must each show
# up in the comparison (so it can fail), the released 1.0 script must be
# the file that was released, and a fresh install must refuse a schema
# "permissions" that holds objects of someone else.
set -euo pipefail
cd "$(dirname "$0")/../.."

# sha256 of permissions--1.0.sql as released (the file of commit b7d4e2c)
released_sha256=9cc0450f45dcf4b4b5b1fc63fe8ae2179769f56da768cfadd50bb46e829b0430

failed=0
passed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "FAILED: $*"; failed=$((failed + 1)); }

actual=$(sha256sum permissions--1.0.sql | cut -d' ' -f1)
if [ "$actual" = "$released_sha256" ]; then
    ok "permissions--1.0.sql is the released file"
else
    not_ok "permissions--1.0.sql changed since its release (sha256 $actual, released $released_sha256); 1.0 never changes: put changes in install/ and upgrade/<version>/"
fi

# a fresh install runs the full script of the current version, the one
# built from install/ (without it, CREATE EXTENSION would run 1.0 and the
# updates, and the comparison would compare the update with itself)
version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" permissions.control)
installed="$("${PG_CONFIG:-pg_config}" --sharedir)/extension/permissions--$version.sql"
if [ -f "$installed" ] && cmp -s "$installed" "permissions--$version.sql" &&
        cmp -s "$installed" <(cat install/*.sql); then
    ok "a fresh install runs permissions--$version.sql, built from install/*.sql"
else
    not_ok "the installed permissions--$version.sql is missing or is not install/*.sql (run make install)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WORK=$work

test/with-cluster bash -c '
    set -euo pipefail
    q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
    createdb upgraded
    createdb fresh
    q -d upgraded -c "CREATE EXTENSION permissions VERSION '\''1.0'\''" -c "ALTER EXTENSION permissions UPDATE"
    q -d fresh -c "CREATE EXTENSION permissions"
    q -At -d upgraded -c "SELECT extversion FROM pg_extension WHERE extname = '\''permissions'\''" > "$WORK/version.upgraded"
    q -At -d fresh -c "SELECT extversion FROM pg_extension WHERE extname = '\''permissions'\''" > "$WORK/version.fresh"
    # the library of the new version with the tables of 1.0 (files
    # installed, ALTER EXTENSION not yet run): a policy refuses to decide
    createdb stale
    q -d stale -c "CREATE EXTENSION permissions VERSION '\''1.0'\''" -c "CREATE ROLE regress_stale_reader"
    psql -X -q -d stale -c "SET ROLE regress_stale_reader" \
        -c "SELECT count(*) FROM permissions.performers" > "$WORK/stale.txt" 2>&1 || true
    q -d stale -c "DROP EXTENSION permissions" -c "DROP ROLE regress_stale_reader"
    # a fresh install into a schema that holds objects of someone else
    createdb strays
    q -d strays -c "CREATE SCHEMA permissions" -c "CREATE TABLE permissions.mine (x int)" \
        -c "CREATE FUNCTION permissions.my_function() RETURNS int LANGUAGE sql AS '\''SELECT 1'\''"
    psql -X -q -d strays -c "CREATE EXTENSION permissions" > "$WORK/strays.txt" 2>&1 || true
    q -At -d strays -c "SELECT count(*) FROM pg_extension WHERE extname = '\''permissions'\''" >> "$WORK/strays.txt"
    q -At -d upgraded -f test/upgrade/catalog.sql > "$WORK/upgraded.txt"
    q -At -d fresh -f test/upgrade/catalog.sql > "$WORK/fresh.txt"

    # the same comparison must see each of these changes (made in the
    # updated database and rolled back)
    while IFS="|" read -r section change; do
        [ -n "$section" ] || continue
        { echo "BEGIN;"; echo "$change;"; cat test/upgrade/catalog.sql; echo "ROLLBACK;"; } |
            q -At -d upgraded > "$WORK/perturbed.txt"
        diff "$WORK/upgraded.txt" "$WORK/perturbed.txt" > "$WORK/perturbed.diff" || true
        if grep -qF -e "< $section | " -e "> $section | " "$WORK/perturbed.diff"; then
            echo "detected|$section|$change"
        else
            echo "missed|$section|$change"
        fi
    done > "$WORK/perturbations" <<'\''EOF'\''
comment|COMMENT ON COLUMN permissions.users.email IS '\''changed'\''
policy|ALTER POLICY users_select ON permissions.users USING (true)
policy|ALTER POLICY users_select ON permissions.users TO pg_monitor
function|ALTER FUNCTION permissions.current_tier(bigint, bigint) VOLATILE
function|ALTER FUNCTION permissions.raise_rule(text, text, text) SET work_mem = '\''1MB'\''
function|ALTER FUNCTION permissions.tier_eq(permissions.tier, permissions.tier) NOT LEAKPROOF
function|ALTER FUNCTION permissions.holds(text, bigint) PARALLEL RESTRICTED
function|ALTER FUNCTION permissions.user_in_account(bigint, bigint) SECURITY INVOKER
function|GRANT EXECUTE ON FUNCTION permissions.lock_tenant(bigint) TO PUBLIC
function body|CREATE OR REPLACE FUNCTION permissions.raise_rule(rule text, detail text, hint text) RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $f$ BEGIN RAISE EXCEPTION '\''%'\'', rule; END $f$
relation|GRANT SELECT ON permissions.tenant_epochs TO PUBLIC
column|GRANT UPDATE (email) ON permissions.users TO pg_monitor
column|ALTER TABLE permissions.performers ALTER COLUMN last_name SET DEFAULT '\''x'\''
column|ALTER TABLE permissions.performers ALTER COLUMN birth_date SET NOT NULL
trigger|ALTER TABLE permissions.audit_log DISABLE TRIGGER audit_log_no_truncate
trigger|ALTER TABLE permissions.users ENABLE TRIGGER users_80_audit
trigger|ALTER TABLE permissions.users ENABLE REPLICA TRIGGER users_10_rules
comment|COMMENT ON POLICY users_select ON permissions.users IS '\''changed'\''
comment|COMMENT ON TRIGGER users_10_rules ON permissions.users IS '\''changed'\''
column|ALTER TABLE permissions.users ALTER COLUMN id SET GENERATED ALWAYS
column|ALTER TABLE permissions.notes ALTER COLUMN body SET STORAGE EXTERNAL
relation|ALTER TABLE permissions.tags SET (fillfactor = 50)
relation|ALTER TABLE permissions.tenant_epochs RESET (vacuum_truncate)
relation|ALTER TABLE permissions.notes SET (toast.vacuum_truncate = off)
rule|CREATE RULE regress_rule AS ON DELETE TO permissions.tags DO INSTEAD NOTHING
statistics|CREATE STATISTICS permissions.regress_stats ON account_id, name FROM permissions.tags
view|CREATE OR REPLACE VIEW permissions.billing AS SELECT account_id, parent_id, name, plan, users, active_users, performers FROM permissions.billing_summary() WHERE false
schema|GRANT CREATE ON SCHEMA permissions TO permissions_client
init privs|DELETE FROM pg_init_privs WHERE objoid = '\''permissions.users'\''::regclass AND objsubid = 0
type|ALTER TYPE permissions.tier OWNER TO pg_monitor
operator|ALTER OPERATOR permissions.= (permissions.tier, permissions.tier) SET (RESTRICT = NONE)
operator class|ALTER OPERATOR CLASS permissions.tier_ops USING hash OWNER TO pg_monitor
cast|UPDATE pg_cast SET castcontext = '\''e'\'' WHERE castsource = '\''text[]'\''::regtype AND casttarget = '\''permissions.permset'\''::regtype
aggregate|UPDATE pg_aggregate SET agginitval = '\''none'\'' WHERE aggfnoid = '\''permissions.max(permissions.tier)'\''::regprocedure
database setting|DO $$ BEGIN EXECUTE format('\''ALTER DATABASE %I RESET session_preload_libraries'\'', current_database()); END $$
default acl|ALTER DEFAULT PRIVILEGES IN SCHEMA permissions GRANT SELECT ON TABLES TO pg_monitor
extension|UPDATE pg_extension SET extrelocatable = true WHERE extname = '\''permissions'\''
relation|ALTER TABLE permissions.accounts NO FORCE ROW LEVEL SECURITY
constraint|ALTER TABLE permissions.accounts ADD CONSTRAINT regress_extra CHECK (name <> '\''x'\'')
index|CREATE INDEX regress_extra ON permissions.users (email)
sequence|ALTER SEQUENCE permissions.access_epoch_seq INCREMENT 2
config dump|UPDATE pg_extension SET extconfig = array_append(coalesce(extconfig, '\''{}'\''), '\''permissions.tenant_epochs'\''::regclass::oid), extcondition = array_append(coalesce(extcondition, '\''{}'\''), '\''WHERE false'\'') WHERE extname = '\''permissions'\''
member|ALTER EXTENSION permissions DROP FUNCTION permissions.raise_rule(text, text, text)
not a member|CREATE TABLE permissions.regress_stray (x int)
table rows|UPDATE permissions.tenant_epochs SET epoch = epoch + 1
event trigger|ALTER EVENT TRIGGER permissions_protection DISABLE
EOF
'

if grep -q 'ERROR:' "$work/stale.txt" && grep -q 'ALTER EXTENSION permissions UPDATE' "$work/stale.txt"; then
    ok "the new library with the tables of 1.0 refuses to decide and says to update"
else
    not_ok "the new library with the tables of 1.0 did not refuse: $(head -3 "$work/stale.txt")"
fi

if grep -q 'ERROR:  schema "permissions" already holds objects' "$work/strays.txt" &&
        grep -q 'Found: function my_function(), table mine.' "$work/strays.txt" &&
        [ "$(tail -1 "$work/strays.txt")" = 0 ]; then
    ok "a fresh install refuses a schema permissions that holds objects of someone else, and names them"
else
    not_ok "a fresh install into a schema holding other objects did not refuse: $(head -3 "$work/strays.txt")"
fi

upgraded_version=$(cat "$work/version.upgraded")
fresh_version=$(cat "$work/version.fresh")
if [ "$upgraded_version" = "$fresh_version" ]; then
    ok "both databases are at version $fresh_version"
else
    not_ok "updated database is at version $upgraded_version, fresh one at $fresh_version"
fi

echo "compared $(wc -l < "$work/fresh.txt") facts of the fresh install with $(wc -l < "$work/upgraded.txt") of the updated one:"
sed 's/ | .*//' "$work/fresh.txt" | sort | uniq -c |
    awk '{n = $1; sub(/^ *[0-9]+ /, ""); printf "%s%s %s", sep, n, $0; sep = ", "} END {print ""}' | fold -s -w 76 | sed 's/^/  /'
if diff -u --label "fresh install ($fresh_version)" --label "1.0 + ALTER EXTENSION UPDATE" \
        "$work/fresh.txt" "$work/upgraded.txt" > "$work/catalog.diff"; then
    ok "updated catalog equals the fresh one"
else
    not_ok "updated catalog differs from the fresh one ('-' fresh, '+' updated):"
    cat "$work/catalog.diff"
fi

# every kind of object the extension has is in the comparison (a section
# that came out empty would compare nothing)
empty=""
for section in extension member schema relation column constraint index policy trigger view sequence \
        'table rows' function 'function body' aggregate type operator 'operator class' \
        'operator family member' cast 'init privs' comment 'database setting' 'config dump' \
        'event trigger'; do
    grep -q "^$section | " "$work/fresh.txt" || empty="$empty${empty:+, }$section"
done
if [ -z "$empty" ]; then
    ok "the comparison has facts of every kind of object the extension makes"
else
    not_ok "the comparison has no facts of: $empty"
fi

strays=$(grep '^not a member | ' "$work/fresh.txt" || true)
if [ -z "$strays" ]; then
    ok "every object of schema permissions belongs to the extension"
else
    not_ok "objects of schema permissions that are not members of the extension (pg_dump would dump them apart, and DROP EXTENSION would leave them):"
    echo "$strays"
fi

while IFS='|' read -r outcome section change; do
    if [ "$outcome" = detected ]; then
        ok "the comparison detects a change of $section ($change)"
    else
        not_ok "the comparison misses a change of $section: $change"
    fi
done < "$work/perturbations"

echo "RESULT: $passed $failed"
[ "$failed" -eq 0 ]
