// client.mjs FIXTURE HOST PORT DATABASE WORKERS TRANSACTIONS
//
// The Node client of the pool test (pg and jose from npm; npm ci in this
// directory): WORKERS connections through pgbouncer (transaction pooling)
// run at least TRANSACTIONS transactions between them, in the same modes as
// client.py.  Each round signs a fresh token (EdDSA, ES256 or RS256, at
// random) for a random user; after every step the client asks the database
// who the session is and which performers it sees.  A leak is a transaction
// that sees a user, or a row, other than the one it authenticated as (or
// any when it authenticated as nobody).  Prints one JSON line.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SignJWT, importPKCS8 } from 'jose';

const MODES = [['token', 30], ['forgot', 15], ['error', 10], ['savepoint', 10], ['session', 8],
  ['credential', 12], ['bad_token', 8], ['autocommit', 7]];
const OBSERVE = 'SELECT permissions.current_user_id() AS uid, ' +
  "coalesce((SELECT array_agg(first_name ORDER BY first_name) FROM permissions.performers), '{}') AS names, " +
  'pg_backend_pid() AS pid';

const [fixturePath, host, port, database, workersArg, targetArg] = process.argv.slice(2);
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
const workers = Number(workersArg);
const target = Number(targetArg);
const stats = {};
const errors = [];
const pids = new Set();
let done = 0;

// Counts an event of a mode.
function count(mode, key, n = 1) {
  stats[mode] ??= {};
  stats[mode][key] = (stats[mode][key] ?? 0) + n;
}

// A small deterministic generator per worker (mulberry32).
function generator(seed) {
  let a = seed + 0x9e3779b9;
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keys = await Promise.all(fixture.keys.map(async (k) =>
  ({ kid: k.kid, alg: k.alg, key: await importPKCS8(readFileSync(k.path, 'utf8'), k.alg) })));

class Worker {
  constructor(seed) {
    this.rnd = generator(seed);
    this.client = new pg.Client({ host, port: Number(port), database, user: fixture.role });
  }

  pick(list) { return list[Math.floor(this.rnd() * list.length)]; }

  async token(user) {
    const k = this.pick(keys);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: randomBytes(8).toString('hex') })
      .setProtectedHeader({ alg: k.alg, kid: k.kid })
      .setIssuer(fixture.issuer).setAudience(fixture.audience).setSubject(user.subject)
      .setIssuedAt(now).setExpirationTime(now + 300)
      .sign(k.key);
  }

  async observe(mode, expected) {
    const { rows: [{ uid, names, pid }] } = await this.client.query(OBSERVE);
    pids.add(pid);
    const id = uid === null ? null : Number(uid);
    let leak, wrong = false;
    if (expected === null) {
      leak = id !== null || names.length > 0;
    } else {
      leak = id !== expected.id || names.some((n) => !n.startsWith(`${expected.tag}-`));
      wrong = names.join(',') !== `${expected.tag}-p1,${expected.tag}-p2`;
    }
    if (leak) {
      count(mode, 'leaks');
      console.error(`LEAK in ${mode}: expected ${expected?.tag}, got user ${uid} seeing ${names}`);
    } else if (wrong) {
      count(mode, 'wrong');
      console.error(`WRONG in ${mode}: expected ${expected.tag}'s performers, got ${names}`);
    }
  }

  async expectError(mode, sql, params, sqlstate) {
    try {
      await this.client.query(sql, params);
      count(mode, 'unexpected_success');
    } catch (e) {
      if (e.code !== sqlstate) {
        count(mode, 'unexpected_errors');
        console.error(`ERROR in ${mode}: ${e.code} ${e.message}`);
      }
    }
  }

  async round() {
    const users = fixture.users;
    const total = MODES.reduce((s, [, w]) => s + w, 0);
    let r = this.rnd() * total;
    const mode = MODES.find(([, w]) => (r -= w) < 0)[0];
    const u = this.pick(users);
    let v = this.pick(users);
    while (v === u) v = this.pick(users);
    const c = this.client;
    let tx = 1;
    switch (mode) {
      case 'token':
        await c.query('BEGIN');
        await c.query('SELECT permissions.authenticate_token($1)', [await this.token(u)]);
        await this.observe(mode, u);
        await c.query('COMMIT');
        break;
      case 'forgot':
        await c.query('BEGIN');
        await this.observe(mode, null);
        await c.query('COMMIT');
        break;
      case 'error':
        await c.query('BEGIN');
        await c.query('SELECT permissions.authenticate_token($1)', [await this.token(u)]);
        await this.observe(mode, u);
        await this.expectError(mode, 'SELECT 1 / 0', [], '22012');
        await c.query('ROLLBACK');
        await this.observe(mode, null);
        tx = 2;
        break;
      case 'savepoint':
        await c.query('BEGIN');
        if (this.rnd() < 0.5) {
          await c.query('SELECT permissions.authenticate_token($1)', [await this.token(u)]);
          await c.query('SAVEPOINT s');
          await c.query('SELECT permissions.authenticate_token($1)', [await this.token(v)]);
          await this.observe(mode, v);
          await c.query('ROLLBACK TO SAVEPOINT s');
          await this.observe(mode, u);
        } else {
          await c.query('SAVEPOINT s');
          await c.query('SELECT permissions.authenticate_token($1)', [await this.token(u)]);
          await this.observe(mode, u);
          await c.query('ROLLBACK TO SAVEPOINT s');
          await this.observe(mode, null);
        }
        await c.query('COMMIT');
        break;
      case 'session':
        if (this.rnd() < 0.5) {
          await this.expectError(mode, 'SELECT permissions.authenticate_token($1, true)', [await this.token(u)], '42501');
        } else {
          await this.expectError(mode, 'SELECT permissions.authenticate($1, true)', [u.credential], '42501');
        }
        await this.observe(mode, null);
        tx = 2;
        break;
      case 'credential':
        await c.query('BEGIN');
        await c.query('SELECT permissions.authenticate($1)', [u.credential]);
        await this.observe(mode, u);
        await c.query('COMMIT');
        break;
      case 'bad_token': {
        await c.query('BEGIN');
        await c.query('SELECT permissions.authenticate_token($1)', [await this.token(u)]);
        const good = await this.token(v);
        const tampered = good.slice(0, -6) + (good.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
        await this.expectError(mode, 'SELECT permissions.authenticate_token($1)', [tampered], '28000');
        await c.query('ROLLBACK');
        await this.observe(mode, null);
        tx = 2;
        break;
      }
      case 'autocommit':
        // authenticate_token() and the query in separate transactions: the
        // query runs as nobody
        await c.query('SELECT permissions.authenticate_token($1)', [await this.token(u)]);
        await this.observe(mode, null);
        tx = 2;
        break;
    }
    count(mode, 'transactions', tx);
    return tx;
  }
}

const start = Date.now();
await Promise.all(Array.from({ length: workers }, async (_, i) => {
  const w = new Worker(i + 1000);
  try {
    await w.client.connect();
    while (done < target) {
      const n = await w.round();
      done += n;
    }
  } catch (e) {
    errors.push(String(e));
    console.error(`worker ${i} stopped: ${e}`);
  } finally {
    await w.client.end().catch(() => {});
  }
}));

const sum = (key) => Object.values(stats).reduce((s, m) => s + (m[key] ?? 0), 0);
console.log(JSON.stringify({
  client: 'node', transactions: sum('transactions'), leaks: sum('leaks'), wrong: sum('wrong'),
  unexpected: sum('unexpected_errors') + sum('unexpected_success') + errors.length,
  seconds: Math.round((Date.now() - start) / 100) / 10, workers,
  server_pids: [...pids].sort((a, b) => a - b), modes: stats,
}));
