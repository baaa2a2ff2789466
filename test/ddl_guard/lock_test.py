#!/usr/bin/python3
"""DDL on the extension's relations takes no lock: the whole class, enumerated.

1. Completeness: every statement node type of the running server's headers
   (T_*Stmt in nodes/nodes.h on 15, nodes/nodetags.h from 16 on) is known
   to the classifier (permissions.ddl_guard_statements()), and it knows no
   type the server lacks.
2. No lock, ever: every relation of the extension (tables, views,
   sequences, indexes, enumerated from the catalog) is named in every DDL
   position of every statement type that has one (the templates below), by
   a client role with no identity that owns a schema of its own, while
   another session holds an ACCESS EXCLUSIVE lock on that relation.  The
   client runs with lock_timeout = 200ms.  Pass: refused by the guard
   (SQLSTATE 42501, the guard's detail).  Fail: 55P03 (it queued for
   the lock), success, or any other error (a broken template must not pass).
   Every DDL statement of the database reads the registry of protected
   application tables (permissions.protected_tables) after it ran: while
   that registry is locked, a statement that would pass is refused at once
   instead (SQLSTATE 55006, "the registry of protected application tables
   is locked"), which is accepted in place of success there and nowhere
   else: it did not queue.
   A control query per relation must wait (55P03): it proves the lock is
   held, so a refusal is the guard's and not luck.
3. Statements that name relations without locking them (GRANT, a function's
   signature, DROP OWNED ...) must not wait either, and have a known outcome.

Prints one line per failing case and "RESULT: <passed> <failed>", counting
the completeness check and each template (a template passes when every
relation passed).
"""
import os
import subprocess
import sys
import time

import psycopg

DB = "ddl_guard_test"
CLIENT = "ddl_guard_client"
DBOWNER = "ddl_guard_dbowner"

# (relkinds, statement, expectation, in a transaction)
#   relkinds: which relations it names: r (table, partitioned table),
#             v (view), S (sequence), i (index); '' = runs once
#   expectation: 'guard' (refused by the guard), 'ok' (succeeds, no wait),
#                or a SQLSTATE (PostgreSQL's own error, no wait), or a tuple
#                of these
# Placeholders: {rel} the relation, {col} a column of it, {kw} TABLE, VIEW,
# SEQUENCE or INDEX, {table} an index's table, {idxname} an index of a
# table (unqualified).
T = True
TEMPLATES = [
    # ALTER TABLE: partitions, parents, foreign keys, row types, target
    ("rvSi", "ALTER TABLE ddl_att.p ATTACH PARTITION {rel} FOR VALUES IN (1)", "guard", T),
    ("r", "ALTER TABLE ddl_att.p DETACH PARTITION {rel}", "guard", T),
    ("r", "ALTER TABLE ddl_att.p DETACH PARTITION {rel} CONCURRENTLY", "guard", False),
    ("r", "ALTER TABLE ddl_att.p DETACH PARTITION {rel} FINALIZE", "guard", T),
    ("r", "ALTER TABLE ddl_att.t ADD FOREIGN KEY (id) REFERENCES {rel}", "guard", T),
    ("r", "ALTER TABLE ddl_att.t ADD CONSTRAINT k FOREIGN KEY (id) REFERENCES {rel} ({col}) NOT VALID", "guard", T),
    ("r", "ALTER TABLE ddl_att.t ADD COLUMN r bigint REFERENCES {rel}", "guard", T),
    ("r", "ALTER TABLE ddl_att.t ADD COLUMN r bigint CONSTRAINT k REFERENCES {rel} ({col}) ON DELETE CASCADE", "guard", T),
    ("rvS", "ALTER TABLE ddl_att.t INHERIT {rel}", "guard", T),
    ("r", "ALTER TABLE ddl_att.t NO INHERIT {rel}", "guard", T),
    ("rv", "ALTER TABLE ddl_att.t OF {rel}", "guard", T),
    ("rv", "ALTER TABLE ddl_att.t ADD COLUMN u {rel}", "guard", T),
    ("rv", "ALTER TABLE ddl_att.t ADD COLUMN u {rel}[]", "guard", T),
    ("rv", "ALTER TABLE ddl_att.t ALTER COLUMN v TYPE {rel} USING NULL", "guard", T),
    ("rv", "ALTER TYPE ddl_att.comp ADD ATTRIBUTE u {rel}", "guard", T),
    ("rvSi", "ALTER {kw} {rel} RENAME TO x", "guard", T),
    ("rv", "ALTER {kw} {rel} RENAME COLUMN {col} TO x", "guard", T),
    ("r", "ALTER TABLE {rel} RENAME CONSTRAINT x TO y", "guard", T),
    ("rvS", "ALTER {kw} {rel} SET SCHEMA ddl_att", "guard", T),
    ("rvSi", "ALTER {kw} {rel} OWNER TO " + CLIENT, "guard", T),
    ("r", "ALTER TABLE {rel} ADD COLUMN x int", "guard", T),
    ("r", "ALTER TABLE {rel} DISABLE TRIGGER ALL", "guard", T),
    ("r", "ALTER TABLE {rel} ENABLE ROW LEVEL SECURITY", "guard", T),
    ("r", "ALTER TABLE {rel} ALTER COLUMN {col} SET STATISTICS 100", "guard", T),
    ("r", "ALTER TABLE {rel} SET (fillfactor = 50)", "guard", T),
    ("rv", "ALTER {kw} {rel} ALTER COLUMN {col} SET DEFAULT NULL", "guard", T),
    ("i", "ALTER INDEX {rel} SET (fillfactor = 50)", "guard", T),
    ("i", "ALTER INDEX ddl_att.p_idx ATTACH PARTITION {rel}", "guard", T),
    ("S", "ALTER SEQUENCE {rel} RESTART", "guard", T),
    ("S", "ALTER SEQUENCE {rel} OWNED BY NONE", "guard", T),
    # unqualified names, found through the search path
    ("rvS", "SET LOCAL search_path = ddl_att, permissions; "
            "ALTER TABLE p ATTACH PARTITION {relname} FOR VALUES IN (1)", "guard", T),
    ("r", "SET LOCAL search_path = permissions, ddl_att; "
          "ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES {relname}", "guard", T),
    # CREATE TABLE: PARTITION OF, INHERITS, LIKE, foreign keys, row types, OF
    ("rvSi", "CREATE TABLE ddl_att.c PARTITION OF {rel} FOR VALUES IN (1)", "guard", T),
    ("r", "CREATE TEMP TABLE c PARTITION OF {rel} DEFAULT", "guard", T),
    ("rvSi", "CREATE TABLE ddl_att.c () INHERITS ({rel})", "guard", T),
    ("rvSi", "CREATE TABLE ddl_att.c (LIKE {rel})", "guard", T),
    ("r", "CREATE TABLE ddl_att.c (LIKE {rel} INCLUDING ALL)", "guard", T),
    ("r", "CREATE TABLE ddl_att.c (r bigint REFERENCES {rel})", "guard", T),
    ("r", "CREATE TABLE ddl_att.c (r bigint, FOREIGN KEY (r) REFERENCES {rel} ({col}))", "guard", T),
    ("r", "CREATE TEMP TABLE c (r bigint REFERENCES {rel} ON DELETE CASCADE)", "guard", T),
    ("rv", "CREATE TABLE ddl_att.c OF {rel}", "guard", T),
    ("rv", "CREATE TABLE ddl_att.c (u {rel})", "guard", T),
    ("rv", "CREATE TABLE ddl_att.c (u {rel}[])", "guard", T),
    ("r", "CREATE TABLE IF NOT EXISTS {rel} (x int)", "guard", T),
    # CREATE FOREIGN TABLE
    ("rvSi", "CREATE FOREIGN TABLE ddl_att.f PARTITION OF {rel} FOR VALUES IN (1) SERVER ddl_srv", "guard", T),
    ("rvSi", "CREATE FOREIGN TABLE ddl_att.f () INHERITS ({rel}) SERVER ddl_srv", "guard", T),
    ("rv", "CREATE FOREIGN TABLE ddl_att.f (u {rel}) SERVER ddl_srv", "guard", T),
    # types built on a row type
    ("rv", "CREATE TYPE ddl_att.ct AS (u {rel})", "guard", T),
    ("rv", "CREATE DOMAIN ddl_att.d AS {rel}", "guard", T),
    ("rv", "CREATE TYPE ddl_att.rng AS RANGE (subtype = {rel})", "guard", T),
    # an existing relation as the target of a CREATE
    ("r", "CREATE TABLE IF NOT EXISTS {rel} AS SELECT 1 AS x", "guard", T),
    ("r", "CREATE MATERIALIZED VIEW IF NOT EXISTS {rel} AS SELECT 1 AS x", "guard", T),
    ("r", "EXPLAIN CREATE TABLE IF NOT EXISTS {rel} AS SELECT 1 AS x", "guard", T),
    ("v", "CREATE OR REPLACE VIEW {rel} AS SELECT 1 AS x", "guard", T),
    ("S", "CREATE SEQUENCE IF NOT EXISTS {rel}", "guard", T),
    # sequences owned by a column
    ("r", "CREATE SEQUENCE ddl_att.s2 OWNED BY {rel}.{col}", "guard", T),
    ("r", "ALTER SEQUENCE ddl_att.s OWNED BY {rel}.{col}", "guard", T),
    # indexes, triggers, rules, policies, statistics
    ("r", "CREATE INDEX ON {rel} ({col})", "guard", T),
    ("r", "CREATE INDEX CONCURRENTLY ON {rel} ({col})", "guard", False),
    ("r", "CREATE TRIGGER tr BEFORE INSERT ON {rel} FOR EACH ROW EXECUTE FUNCTION ddl_att.trf()", "guard", T),
    ("v", "CREATE TRIGGER tr INSTEAD OF INSERT ON {rel} FOR EACH ROW EXECUTE FUNCTION ddl_att.trf()", "guard", T),
    ("rv", "CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON ddl_att.t FROM {rel} FOR EACH ROW EXECUTE FUNCTION ddl_att.trf()", "guard", T),
    ("rv", "CREATE RULE r AS ON INSERT TO {rel} DO INSTEAD NOTHING", "guard", T),
    ("r", "CREATE POLICY pol ON {rel} USING (true)", "guard", T),
    ("r", "ALTER POLICY x ON {rel} USING (true)", "guard", T),
    ("r", "ALTER POLICY x ON {rel} RENAME TO y", "guard", T),
    ("r", "CREATE STATISTICS ddl_att.st ON ({col} IS NULL) FROM {rel}", "guard", T),
    ("r", "ALTER TRIGGER x ON {rel} RENAME TO y", "guard", T),
    ("r", "ALTER RULE x ON {rel} RENAME TO y", "guard", T),
    ("r", "ALTER TRIGGER x ON {rel} DEPENDS ON EXTENSION plpgsql", "guard", T),
    ("i", "ALTER INDEX {rel} DEPENDS ON EXTENSION plpgsql", "guard", T),
    # LOCK, directly and through a view of one's own
    ("rvS", "LOCK TABLE {rel} IN ACCESS SHARE MODE", "guard", T),
    ("rv", "LOCK TABLE ddl_att.{relname}_v IN ACCESS SHARE MODE", "guard", T),
    ("rv", "LOCK TABLE ddl_att.{relname}_vv IN ACCESS SHARE MODE", "guard", T),
    # maintenance
    ("r", "TRUNCATE {rel}", "guard", T),
    ("r", "VACUUM {rel}", "guard", False),
    ("r", "VACUUM FULL {rel}", "guard", False),
    ("r", "ANALYZE {rel}", "guard", T),
    ("ri", "CLUSTER {table} USING {idxname}", "guard", T),
    ("r", "REINDEX TABLE {rel}", "guard", T),
    ("r", "REINDEX TABLE CONCURRENTLY {rel}", "guard", False),
    ("i", "REINDEX INDEX {rel}", "guard", T),
    ("r", "REFRESH MATERIALIZED VIEW {rel}", "guard", T),
    # COMMENT and SECURITY LABEL on the relation and on what it holds
    ("rvSi", "COMMENT ON {kw} {rel} IS 'x'", "guard", T),
    ("rv", "COMMENT ON COLUMN {rel}.{col} IS 'x'", "guard", T),
    ("r", "COMMENT ON TRIGGER x ON {rel} IS 'x'", "guard", T),
    ("r", "COMMENT ON POLICY x ON {rel} IS 'x'", "guard", T),
    ("rv", "COMMENT ON RULE x ON {rel} IS 'x'", "guard", T),
    ("r", "COMMENT ON CONSTRAINT x ON {rel} IS 'x'", "guard", T),
    ("rv", "COMMENT ON TYPE {rel} IS 'x'", "guard", T),
    ("rvSi", "SECURITY LABEL ON {kw} {rel} IS 'x'", "guard", T),
    ("rv", "SECURITY LABEL ON COLUMN {rel}.{col} IS 'x'", "guard", T),
    # DROP of the relation and of what it holds, ALTER of its row type
    ("rvSi", "DROP {kw} {rel}", "guard", T),
    ("r", "DROP TRIGGER x ON {rel}", "guard", T),
    ("r", "DROP POLICY x ON {rel}", "guard", T),
    ("rv", "DROP RULE x ON {rel}", "guard", T),
    ("rv", "DROP TYPE {rel}", "guard", T),
    ("rv", "ALTER TYPE {rel} RENAME TO x", "guard", T),
    ("rv", "ALTER TYPE {rel} RENAME ATTRIBUTE {col} TO x", "guard", T),
    ("rv", "ALTER TYPE {rel} SET SCHEMA ddl_att", "guard", T),
    ("rv", "ALTER TYPE {rel} OWNER TO " + CLIENT, "guard", T),
    # extensions, publications, CREATE SCHEMA elements
    ("rvSi", "ALTER EXTENSION plpgsql ADD {kw} {rel}", "guard", T),
    ("rvSi", "ALTER EXTENSION plpgsql DROP {kw} {rel}", "guard", T),
    ("r", "CREATE PUBLICATION ddl_pub2 FOR TABLE {rel}", "guard", T),
    ("r", "ALTER PUBLICATION ddl_pub ADD TABLE {rel}", "guard", T),
    ("r", "ALTER PUBLICATION ddl_pub SET TABLE {rel}", "guard", T),
    ("r", "ALTER PUBLICATION ddl_pub DROP TABLE {rel}", "guard", T),
    ("r", "CREATE SCHEMA ddl_att2 CREATE TABLE c (r bigint REFERENCES {rel})", "guard", T),
    ("rvSi", "CREATE SCHEMA ddl_att2 CREATE TABLE c () INHERITS ({rel})", "guard", T),
    ("r", "CREATE SCHEMA ddl_att2 CREATE TABLE c (LIKE {rel})", "guard", T),
    # GRANT and REVOKE: from 18 on PostgreSQL locks before it checks
    ("rvS", "GRANT SELECT ON {rel} TO " + CLIENT, "guard", T),
    ("rvS", "REVOKE SELECT ON {rel} FROM " + CLIENT, "guard", T),
    # named without a lock: no wait, PostgreSQL's own outcome
    ("rv", "CREATE FUNCTION ddl_att.fn(x {rel}) RETURNS int LANGUAGE sql AS 'SELECT 1'", "ok", T),
    ("rv", "CREATE FUNCTION ddl_att.fn(x {rel}.{col}%TYPE) RETURNS int LANGUAGE sql AS 'SELECT 1'", "ok", T),
    ("rv", "CREATE CAST ({rel} AS ddl_att.comp) WITHOUT FUNCTION", "42501", T),
    ("", "DROP OWNED BY " + CLIENT, "ok", T),
    ("", "REASSIGN OWNED BY " + CLIENT + " TO " + CLIENT, "ok", T),
    ("", "SET CONSTRAINTS ALL DEFERRED", "ok", T),
    # every relation at once
    ("", "ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE pg_default", "guard", T),
    ("", "REINDEX SCHEMA permissions", "guard", T),
    ("", "CREATE PUBLICATION ddl_pub3 FOR TABLES IN SCHEMA permissions", "guard", T),
    ("", "GRANT SELECT ON ALL TABLES IN SCHEMA permissions TO " + CLIENT, "guard", T),
    ("", "REVOKE SELECT ON ALL SEQUENCES IN SCHEMA permissions FROM " + CLIENT, "guard", T),
    ("", "VACUUM", "ok", False),
    ("", "ANALYZE", "ok", T),
    ("", "CLUSTER", "ok", False),
]

# as a role that owns the database: every relation without a list
DBOWNER_TEMPLATES = [
    ("VACUUM FULL", "guard", False),
    ("VACUUM (FULL, ANALYZE)", "guard", False),
    ("REINDEX DATABASE " + DB, "guard", False),
]
# (a plain VACUUM or ANALYZE of the database owner queues for SHARE UPDATE
# EXCLUSIVE on the extension's tables, which no read or write waits for:
# allowed, and not run here)

KEYWORD = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "S": "SEQUENCE", "i": "INDEX"}
GUARD_DETAIL = "every tenant"
REGISTRY = "permissions.protected_tables"
REGISTRY_LOCKED = "the registry of protected application tables is locked"


def classify(exc):
    """The outcome of a statement: 'ok', 'guard', 'registry' (refused at once
    because the registry of protected tables is locked), or a SQLSTATE."""
    if exc is None:
        return "ok"
    if exc.sqlstate == "42501" and GUARD_DETAIL in (exc.diag.message_detail or ""):
        return "guard"
    if exc.sqlstate == "55006" and exc.diag.message_primary == REGISTRY_LOCKED:
        return "registry"
    return exc.sqlstate or "?"


def run(conn, statement, in_txn, timeout="200ms"):
    """Runs a statement (or several, '; '-separated) as the client, in a
    transaction rolled back (unless it cannot run in one); returns the outcome."""
    try:
        with psycopg.ClientCursor(conn) as cur:
            if in_txn:
                cur.execute(f"BEGIN; SET LOCAL lock_timeout = '{timeout}'; {statement}; ROLLBACK")
            else:
                cur.execute(f"SET lock_timeout = '{timeout}'")
                cur.execute(statement)
        return "ok", None
    except psycopg.Error as e:
        conn.rollback()
        return classify(e), e


def run_refused(conn, statement):
    """Runs one statement the guard must refuse, in one round trip (the
    session's lock_timeout is 200ms); one that is not refused is a failure
    anyway, so it need not be rolled back."""
    try:
        conn.execute(statement)
        return "ok", None
    except psycopg.Error as e:
        return classify(e), e


def matches(outcome, expect, registry_locked=False):
    """Whether an outcome is the expected one (or one of them); while the
    registry is locked, its refusal stands for success (nothing queued)."""
    expected = expect if isinstance(expect, tuple) else (expect,)
    return outcome in expected or (registry_locked and outcome == "registry" and "ok" in expected)


def server_statement_tags(conn):
    """T_*Stmt node tags of the running server's headers."""
    version = conn.execute("SHOW server_version_num").fetchone()[0]
    incdir = subprocess.run([os.environ.get("PG_CONFIG", "pg_config"), "--includedir-server"],
                            capture_output=True, text=True, check=True).stdout.strip()
    header = os.path.join(incdir, "nodes", "nodetags.h" if int(version) >= 160000 else "nodes.h")
    tags = set()
    with open(header) as f:
        for line in f:
            line = line.strip()
            if line.startswith("T_"):
                name = line[2:].split()[0].rstrip(",").split("=")[0].strip()
                if name.endswith("Stmt"):
                    tags.add(name)
    return tags, header


def completeness(admin):
    """Every statement node type of the server is known to the classifier."""
    tags, header = server_statement_tags(admin)
    known = {r[0] for r in admin.execute("SELECT statement FROM permissions.ddl_guard_statements()")}
    missing, extra = sorted(tags - known), sorted(known - tags)
    print(f"completeness: {len(tags)} statement node types in {os.path.basename(header)}, "
          f"{len(known)} classified")
    for m in missing:
        print(f"  FAIL not classified: {m}")
    for x in extra:
        print(f"  FAIL classified but not a node type of this server: {x}")
    return not missing and not extra and len(tags) > 50


def setup(admin_url, db_url):
    """The client, its schema and objects, the database owner."""
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        for role in (CLIENT, DBOWNER):
            c.execute(f"DROP ROLE IF EXISTS {role}")
        c.execute(f"CREATE ROLE {DBOWNER} LOGIN")
        c.execute(f"CREATE DATABASE {DB} OWNER {DBOWNER}")
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("SET client_min_messages = warning")
        c.execute("CREATE EXTENSION permissions")
        c.execute(f"CREATE ROLE {CLIENT} LOGIN IN ROLE permissions_client")
        c.execute(f"GRANT permissions_client TO {DBOWNER}")
        c.execute(f"GRANT CREATE ON DATABASE {DB} TO {CLIENT}")
        c.execute(f"CREATE SCHEMA ddl_att AUTHORIZATION {CLIENT}")
        c.execute("CREATE FOREIGN DATA WRAPPER ddl_fdw")
        c.execute("CREATE SERVER ddl_srv FOREIGN DATA WRAPPER ddl_fdw")
        c.execute(f"GRANT USAGE ON FOREIGN SERVER ddl_srv TO {CLIENT}")
    with psycopg.connect(db_url, user=CLIENT, autocommit=True) as c:
        c.execute("CREATE TABLE ddl_att.p (id bigint) PARTITION BY LIST (id)")
        c.execute("CREATE INDEX p_idx ON ddl_att.p (id)")
        c.execute("CREATE TABLE ddl_att.t (id bigint, v text)")
        c.execute("CREATE SEQUENCE ddl_att.s")
        c.execute("CREATE TYPE ddl_att.comp AS (a int)")
        c.execute("CREATE FUNCTION ddl_att.trf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'")
        c.execute("CREATE PUBLICATION ddl_pub")
        # views of one's own over each relation that has a row type
        for (rel, relname) in c.execute(
                "SELECT c.oid::regclass::text, c.relname FROM pg_class c "
                "WHERE c.relnamespace = 'permissions'::regnamespace AND c.relkind IN ('r', 'p', 'v')"):
            c.execute(f"CREATE VIEW ddl_att.{relname}_v AS SELECT * FROM {rel}")
            c.execute(f"CREATE VIEW ddl_att.{relname}_vv AS SELECT * FROM ddl_att.{relname}_v")


def relations(admin):
    """Every relation of the extension: (name, relname, relkind, a column, its table, an index)."""
    return admin.execute("""
        SELECT c.oid::regclass::text, c.relname, c.relkind,
               (SELECT quote_ident(a.attname) FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LIMIT 1),
               coalesce(i.indrelid, c.oid)::regclass::text,
               (SELECT quote_ident(ic.relname) FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid
                 WHERE x.indrelid = c.oid
                 ORDER BY x.indisprimary DESC, x.indexrelid LIMIT 1)
          FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
         WHERE c.relnamespace = 'permissions'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S', 'i')
         ORDER BY c.relkind, c.relname""").fetchall()


def hold(holder, rel, kind, table):
    """The holder's open transaction takes ACCESS EXCLUSIVE on the relation."""
    holder.execute("BEGIN")
    if kind == "S":
        owner = holder.execute(f"SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = '{rel}'::regclass").fetchone()[0]
        holder.execute(f"ALTER SEQUENCE {rel} OWNER TO {owner}")
    elif kind == "i":
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    else:
        holder.execute(f"LOCK TABLE {rel} IN ACCESS EXCLUSIVE MODE")


def main():
    start = time.time()
    admin_url = ""
    db_url = f"dbname={DB}"
    passed = failed = 0
    setup(admin_url, db_url)
    admin = psycopg.connect(db_url, autocommit=True)
    if completeness(admin):
        passed += 1
    else:
        failed += 1

    holder = psycopg.connect(db_url, autocommit=True)
    client = psycopg.connect(db_url, user=CLIENT, autocommit=True)
    client.execute("SET client_min_messages = error")
    client.execute("SET lock_timeout = '200ms'")
    rels = relations(admin)

    # each template is a real statement: run by a superuser (whom the guard
    # lets through) on one relation of each kind, it gets past the parser
    # and, mostly, queues for the lock
    superuser = psycopg.connect(db_url, autocommit=True)
    superuser.execute("SET client_min_messages = error")
    waited = reached = 0
    for kind in ("r", "v", "S", "i"):
        sample = [r for r in rels if r[2] == kind and (kind != "r" or r[1] == "users")][:1]
        for (rel, relname, rkind, col, table, idx) in sample:
            hold(holder, rel, rkind, table)
            for (kinds, template, expect, in_txn) in TEMPLATES:
                if kind not in kinds or ("{idxname}" in template and kind == "r" and idx is None):
                    continue
                stmt = template.format(rel=rel, relname=relname, col=col, kw=KEYWORD[rkind], table=table,
                                       idxname=(relname if kind == "i" else idx))
                outcome, exc = run(superuser, stmt, True, "20ms")
                reached += 1
                waited += outcome == "55P03"
                if outcome in ("guard", "42601") or outcome == "25001" and in_txn:
                    failed += 1
                    print(f"FAIL broken template [{rel}] {stmt}: {outcome} {exc or ''}")
            holder.execute("ROLLBACK")
    superuser.close()
    print(f"templates as a superuser: {reached} run, {waited} queued for the lock")
    template_ok = [True] * len(TEMPLATES)
    tried = 0
    refused_registry = 0
    for (rel, relname, kind, col, table, idx) in rels:
        k = "r" if kind in ("r", "p") else kind
        hold(holder, rel, kind, table)
        # control: a query on it must wait, or the lock is not held
        control = f"SELECT 1 FROM {table if kind == 'i' else rel} LIMIT 0"
        outcome, exc = run(client, control, True, "20ms")
        if outcome != "55P03":
            print(f"FAIL control query did not wait for the lock on {rel}: {outcome} {exc or ''}")
            failed += 1
        for n, (kinds, template, expect, in_txn) in enumerate(TEMPLATES):
            if k not in kinds:
                continue
            if ("{idxname}" in template and k == "r" and idx is None) or ("{col}" in template and col is None):
                continue
            stmt = template.format(rel=rel, relname=relname, col=col, kw=KEYWORD[kind], table=table,
                                   idxname=(relname if k == "i" else idx))
            tried += 1
            if expect == "guard" and "; " not in stmt:
                outcome, exc = run_refused(client, stmt)
            else:
                outcome, exc = run(client, stmt, in_txn)
            if not matches(outcome, expect, rel == REGISTRY):
                template_ok[n] = False
                msg = f"{exc.sqlstate}: {exc.diag.message_primary}" if exc else "succeeded"
                print(f"FAIL [{rel}] {stmt}\n     expected {expect}, got {outcome} ({msg})")
            refused_registry += outcome == "registry"
        holder.execute("ROLLBACK")

    # once, with every relation of the extension locked
    holder.execute("BEGIN")
    for (rel, relname, kind, col, table, idx) in rels:
        if kind in ("r", "p", "v"):
            holder.execute(f"LOCK TABLE {rel} IN ACCESS EXCLUSIVE MODE")
    for n, (kinds, template, expect, in_txn) in enumerate(TEMPLATES):
        if kinds != "":
            continue
        tried += 1
        outcome, exc = run(client, template, in_txn)
        if not matches(outcome, expect, True):
            template_ok[n] = False
            msg = f"{exc.sqlstate}: {exc.diag.message_primary}" if exc else "succeeded"
            print(f"FAIL [client] {template}\n     expected {expect}, got {outcome} ({msg})")
        refused_registry += outcome == "registry"
    dbowner = psycopg.connect(db_url, user=DBOWNER, autocommit=True)
    dbowner.execute("SET client_min_messages = error")
    for (template, expect, in_txn) in DBOWNER_TEMPLATES:
        tried += 1
        outcome, exc = run(dbowner, template, in_txn)
        if matches(outcome, expect):
            passed += 1
        else:
            failed += 1
            msg = f"{exc.sqlstate}: {exc.diag.message_primary}" if exc else "succeeded"
            print(f"FAIL [database owner] {template}\n     expected {expect}, got {outcome} ({msg})")
    holder.execute("ROLLBACK")

    passed += sum(template_ok)
    failed += len(template_ok) - sum(template_ok)
    kinds = {}
    for r in rels:
        kinds[r[2]] = kinds.get(r[2], 0) + 1
    print(f"relations: {len(rels)} ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}); "
          f"templates: {len(TEMPLATES)} + {len(DBOWNER_TEMPLATES)} as the database owner; "
          f"cases tried: {tried}, {refused_registry} of them refused at once while the registry was locked; "
          f"{time.time() - start:.1f}s")
    for c in (client, dbowner, holder, admin):
        c.close()
    with psycopg.connect(admin_url, autocommit=True) as c:
        c.execute(f"DROP DATABASE {DB}")
    print(f"RESULT: {passed} {failed}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
