# test/libpq-env.sh: forgets the libpq settings of the calling shell.
#
# Sourced by the scripts that make clusters of their own (test/with-cluster,
# test/clusters.sh, scripts/test, the CI steps that run bench/): PGHOST,
# PGPORT, PGDATABASE, PGUSER, PGSERVICE, PGOPTIONS, PGHOSTADDR, PGSSLMODE and
# every other PG* variable libpq, psql and pg_ctl read would otherwise point
# their commands somewhere else, or change what a test connects with.
# PG_CONFIG (which installation to use) stays.
for _libpq_var in $(compgen -e); do
    [[ $_libpq_var =~ ^PG[A-Z][A-Z_]*$ ]] && unset "$_libpq_var"
done
unset _libpq_var

# Values that point at nothing of the tests, or change what a session does:
# scripts/test runs every step with them (env "${libpq_hostile[@]}" ...), so
# a step that forgets to forget them fails.
libpq_hostile=(
    PGHOST=/nonexistent PGHOSTADDR=127.0.0.2 PGPORT=1 PGDATABASE=nonexistent
    PGUSER=nonexistent PGSERVICE=nonexistent PGSERVICEFILE=/nonexistent
    "PGOPTIONS=-c default_transaction_read_only=on -c search_path=nonexistent"
    PGSSLMODE=require PGCONNECT_TIMEOUT=2 PGTZ=Pacific/Chatham PGDATA=/nonexistent
)
