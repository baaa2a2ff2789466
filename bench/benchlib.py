"""bench/benchlib.py: what bench/concurrency and bench/footprint share.

Finding the server (a throwaway cluster when no PG* variable points at one),
the PostgreSQL programs, connections, running SQL files through psql,
running pgbench, and finding the server's log.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys

import psycopg

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")

# Settings of the throwaway cluster, as bench/run uses them.
CLUSTER_OPTS = [
    "shared_buffers=1GB", "work_mem=16MB", "maintenance_work_mem=512MB",
    "max_wal_size=8GB", "checkpoint_timeout=30min", "fsync=off",
    "synchronous_commit=off", "full_page_writes=off", "max_connections=120",
]


def die(prog, msg, code=2):
    """Prints an error in the style of the other bench scripts and exits."""
    print(f"{prog}: {msg}", file=sys.stderr)
    sys.exit(code)


def ensure_server(prog, argv):
    """Reruns the script inside a throwaway cluster unless PG* variables name a server."""
    if any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGDATABASE", "PGSERVICE")):
        return
    if not os.environ.get("PG_CONFIG") and not shutil.which("pg_virtualenv"):
        die(prog, "no PGHOST/PGPORT/PGDATABASE given and pg_virtualenv is not installed\n"
                  "Install postgresql-common, or point the PG* variables at a server.")
    cmd = [os.path.join(REPO, "test", "with-cluster")]
    for o in CLUSTER_OPTS:
        cmd += ["-o", o]
    cmd += [sys.executable, os.path.abspath(argv[0])] + argv[1:]
    os.execv(cmd[0], cmd)


def pg_program(name):
    """The path of a PostgreSQL program: PG_CONFIG's installation first, then PATH."""
    pg_config = os.environ.get("PG_CONFIG")
    if pg_config:
        try:
            bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                    check=True).stdout.strip()
            path = os.path.join(bindir, name)
            if os.access(path, os.X_OK):
                return path
        except (OSError, subprocess.CalledProcessError):
            pass
    path = shutil.which(name)
    if path:
        return path
    path = f"/usr/lib/postgresql/15/bin/{name}"
    if os.access(path, os.X_OK):
        return path
    die("bench", f"{name} not found (install postgresql-15 and postgresql-client-15)")


def connect(dbname=None, autocommit=True):
    """A connection as the benchmark's superuser (libpq's PG* environment)."""
    kw = {"autocommit": autocommit}
    if dbname:
        kw["dbname"] = dbname
    return psycopg.connect(**kw)


def admin_db():
    """The database to connect to for creating and dropping the benchmark's own."""
    return os.environ.get("PGDATABASE") or "postgres"


def check_server(prog, conn):
    """Refuses to run without the extension or without superuser rights."""
    if conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'permissions'").fetchone()[0] != 1:
        die(prog, "the permissions extension is not installed in this server.\n"
                  "Build and install it first: make && make install (needs postgresql-server-dev-15).")
    if not conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
        die(prog, "the benchmark must connect as a superuser (it loads data and creates roles).")


def drop_bench(conn, db, role_prefix):
    """Drops the benchmark's database and every role whose name starts with role_prefix."""
    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    roles = [r[0] for r in conn.execute(
        "SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s)", (role_prefix,))]
    for r in roles:
        try:
            conn.execute(f'DROP ROLE IF EXISTS "{r}"')
        except psycopg.Error:
            pass


def server_log(db=None):
    """The path of the server's log file when this machine can read it, else None.

    The log collector's current file when it runs; else the log that
    test/with-cluster keeps beside the socket of its throwaway cluster.
    """
    try:
        with connect(db) as c:
            current = c.execute("SELECT pg_current_logfile()").fetchone()[0]
            if current:
                path = current if os.path.isabs(current) else os.path.join(
                    c.execute("SHOW data_directory").fetchone()[0], current)
                return path if os.access(path, os.R_OK) else None
    except psycopg.Error:
        return None
    host = os.environ.get("PGHOST", "")
    path = os.path.join(host, "log") if host.startswith("/") else ""
    return path if path and os.access(path, os.R_OK) else None


def psql_file(db, path, variables=None):
    """Runs a SQL file through psql, stopping at the first error."""
    cmd = [pg_program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db]
    for k, v in (variables or {}).items():
        cmd += ["-v", f"{k}={v}"]
    cmd += ["-f", path]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def percentile(values, p):
    """The p-th percentile (0-100) of a list, by nearest rank; None when empty."""
    if not values:
        return None
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return values[k]


def median(values):
    """The median, or None for no values."""
    return statistics.median(values) if values else None


def parse_pgbench(out):
    """tps and counts from pgbench's summary."""
    res = {}
    m = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", out, re.M)
    res["tps"] = float(m.group(1)) if m else None
    m = re.search(r"^number of transactions actually processed: (\d+)", out, re.M)
    res["transactions"] = int(m.group(1)) if m else None
    m = re.search(r"^number of failed transactions: (\d+)", out, re.M)
    res["failed"] = int(m.group(1)) if m else 0
    m = re.search(r"^latency average = ([0-9.]+) ms", out, re.M)
    res["latency_avg_ms"] = float(m.group(1)) if m else None
    return res


def read_pgbench_logs(prefix_dir, prefix):
    """Per-transaction log lines of a pgbench run: (client_id, latency_us, end time in epoch seconds)."""
    rows = []
    for name in os.listdir(prefix_dir):
        if not name.startswith(prefix + "."):
            continue
        with open(os.path.join(prefix_dir, name)) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and parts[2].isdigit():
                    rows.append((int(parts[0]), int(parts[2]), int(parts[4]) + int(parts[5]) / 1e6))
    return rows


def fmt(x, digits=2):
    """A number for a table; '-' for none."""
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.{digits}f}"
