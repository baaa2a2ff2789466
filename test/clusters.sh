# test/clusters.sh: throwaway PostgreSQL clusters for tests that need more
# than one (dump and restore between clusters, a streaming standby).
# Sourced by bash scripts:
#
#   . test/clusters.sh
#   cluster_start main [postgresql.conf line ...]   # initdb + start
#   cluster_use main        # PGHOST, PGPORT, PGUSER for the commands that follow
#   "$PG_BIN/psql" ...      # the binaries of the same installation
#   cluster_stop main
#
# The installation is the one PG_CONFIG names (pg_config on PATH otherwise,
# Debian's postgresql-15).  Clusters live under one temporary directory,
# removed with every cluster at exit.  As root, the servers run as the
# postgres system user.  The PG* variables of the calling shell are
# forgotten (test/libpq-env.sh).

. "$(dirname "${BASH_SOURCE[0]}")/libpq-env.sh"
PG_BIN=$("${PG_CONFIG:-pg_config}" --bindir)
CLUSTERS_DIR=$(mktemp -d /tmp/permissions-clusters.XXXXXX)
_as_pg=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$CLUSTERS_DIR"
    _as_pg=(runuser -u postgres --)
fi
_clusters=()

# Runs a command as the user the servers run as.
as_postgres() { "${_as_pg[@]+"${_as_pg[@]}"}" "$@"; }

# Stops every cluster and removes the directory (an EXIT trap).
clusters_cleanup() {
    local name
    for name in "${_clusters[@]+"${_clusters[@]}"}"; do
        as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTERS_DIR/$name/data" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$CLUSTERS_DIR"
}
trap clusters_cleanup EXIT

# The port of a cluster (each has its own socket directory, so any port does).
cluster_port() { cat "$CLUSTERS_DIR/$1/port"; }
cluster_host() { echo "$CLUSTERS_DIR/$1"; }

# Writes the settings every test cluster has, then the extra lines given.
_cluster_conf() {
    local name=$1; shift
    local dir=$CLUSTERS_DIR/$name
    {
        echo "port = $(cat "$dir/port")"
        echo "unix_socket_directories = '$dir'"
        echo "listen_addresses = ''"
        echo "fsync = off"
        local line
        for line in "$@"; do echo "$line"; done
    } >> "$dir/data/postgresql.conf"
}

# initdb (trust authentication over the socket, user postgres) and start.
cluster_start() {
    local name=$1; shift
    local dir=$CLUSTERS_DIR/$name
    as_postgres mkdir -p "$dir"
    echo $(( 20000 + RANDOM % 20000 )) > "$dir/port"
    as_postgres "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
    _cluster_conf "$name" "$@"
    _clusters+=("$name")
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
}

# A streaming standby of a running cluster, from pg_basebackup, started.
cluster_start_standby() {
    local name=$1 primary=$2; shift 2
    local dir=$CLUSTERS_DIR/$name
    as_postgres mkdir -p "$dir"
    echo $(( 20000 + RANDOM % 20000 )) > "$dir/port"
    as_postgres "$PG_BIN/pg_basebackup" -h "$(cluster_host "$primary")" -p "$(cluster_port "$primary")" \
        -U postgres -D "$dir/data" --write-recovery-conf --checkpoint=fast --wal-method=stream
    # the copied configuration is the primary's: the standby's own settings follow it
    _cluster_conf "$name" "$@"
    _clusters+=("$name")
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w start >/dev/null
}

# Points libpq (psql, pg_dump ...) at a cluster.
cluster_use() {
    export PGHOST=$CLUSTERS_DIR/$1 PGPORT=$(cluster_port "$1") PGUSER=postgres
    unset PGDATABASE
}

cluster_stop() {
    as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTERS_DIR/$1/data" -m fast stop >/dev/null
}

# Prints a cluster's server log (for a failing test).
cluster_log() { cat "$CLUSTERS_DIR/$1/log"; }
