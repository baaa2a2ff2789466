# test/pool/pgbouncer.sh: sourced by test/pool/run.sh and bench/tokens.
#
# start_pgbouncer WORKDIR POOL_SIZE ROLE...
#   Starts pgbouncer in transaction pooling mode on a free TCP port of
#   127.0.0.1, in front of the cluster of the libpq environment (PGHOST,
#   PGPORT, PGDATABASE), as database "pool", with POOL_SIZE server
#   connections per role; the ROLEs log in to the cluster with the password
#   "pool-test" (test roles only), and to pgbouncer without one.  Sets PGBOUNCER_PORT.  As root it runs pgbouncer as
#   postgres (pgbouncer refuses to run as root).  stop_pgbouncer WORKDIR
#   stops it.

start_pgbouncer() {
    local work=$1 size=$2 role
    shift 2
    PGBOUNCER_PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat > "$work/pgbouncer.ini" <<INI
[databases]
pool = host=$PGHOST port=$PGPORT dbname=$PGDATABASE

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = $size
max_client_conn = 100
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
    : > "$work/userlist.txt"
    for role in "$@"; do
        echo "\"$role\" \"pool-test\"" >> "$work/userlist.txt"
    done
    local as_pg=()
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$work" "$work/pgbouncer.ini" "$work/userlist.txt"
        as_pg=(runuser -u postgres --)
    fi
    "${as_pg[@]+"${as_pg[@]}"}" pgbouncer -d -q "$work/pgbouncer.ini"
    for _ in $(seq 1 50); do
        /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $PGBOUNCER_PORT), 1)" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "pgbouncer did not start; its log:" >&2
    cat "$work/pgbouncer.log" >&2 || true
    return 1
}

stop_pgbouncer() {
    [ -s "$1/pgbouncer.pid" ] && kill "$(cat "$1/pgbouncer.pid")" 2>/dev/null || true
}
