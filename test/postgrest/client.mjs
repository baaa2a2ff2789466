// client.mjs FIXTURE HOST PORT DATABASE REQUESTS SEED
//     The Node side of the PostgREST test (pg, jose): requests sent exactly
//     as PostgREST sends them, one transaction each: the settings (role,
//     request.jwt.claims, request.headers, ...) with set_config(..., true),
//     SELECT permissions.authenticate_request(), the query, COMMIT (or
//     ROLLBACK when the pre-request function raised).  The same cases as
//     client.py, with tokens signed by jose; prints one JSON line.
import { readFileSync } from "node:fs";
import pg from "pg";
import { SignJWT, importPKCS8 } from "jose";

const CASES = ["valid", "valid", "valid", "lowercase", "anonymous", "forged_claims", "claims_of_other",
  "expired", "unknown_issuer", "wrong_key", "kid_of_other_tenant", "subject_of_other_tenant",
  "huge_header", "basic", "anon_key"];
const SETTINGS = "select set_config('search_path', '\"public\"', true), set_config('role', $1, true), " +
  "set_config('request.jwt.claims', $2, true), set_config('request.method', 'GET', true), " +
  "set_config('request.path', '/performers', true), set_config('request.headers', $3, true), " +
  "set_config('request.cookies', '{}', true)";

// a small deterministic generator (mulberry32), so that a seed replays a run
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];

const keyCache = new Map();
async function key(pem, alg) {
  const k = `${alg}:${pem}`;
  if (!keyCache.has(k)) keyCache.set(k, await importPKCS8(pem, alg));
  return keyCache.get(k);
}

async function sign(claims, pem, alg, kid) {
  return new SignJWT(claims).setProtectedHeader({ alg, kid }).sign(await key(pem, alg));
}

// the Authorization header, the claims PostgREST would set, the role, and the expectation
async function request(fx, rnd, kase, user, other) {
  const t = fx.tenants[user.tenant];
  const o = fx.tenants[user.tenant === "north" ? "south" : "north"];
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: t.issuer, sub: user.subject, aud: fx.audience, iat: now, exp: now + 600,
    role: fx.authenticated };
  let [pem, kid, alg, scheme, expect] = [t.private, t.kid, t.alg, "Bearer", ["user", user]];
  switch (kase) {
    case "anonymous": return [null, { role: fx.anon }, fx.anon, ["anonymous"]];
    case "forged_claims": return [null, claims, fx.authenticated, ["anonymous"]];
    case "basic": return ["Basic dXNlcjpwYXNz", { role: fx.anon }, fx.anon, ["refused"]];
    case "anon_key": {
      const secret = new TextEncoder().encode("x".repeat(32));
      const anon = await new SignJWT({ iss: "supabase", role: fx.anon, exp: now + 600 })
        .setProtectedHeader({ alg: "HS256" }).sign(secret);
      return [`Bearer ${anon}`, { role: fx.anon }, fx.anon, ["anonymous"]];
    }
    case "lowercase": scheme = pick(rnd, ["bearer", "BEARER", "bEaReR"]); break;
    case "expired": claims.iat = now - 7200; claims.exp = now - 3600; expect = ["refused"]; break;
    case "unknown_issuer":
      claims.iss = fx.rogue.issuer;
      [pem, kid, alg] = [fx.rogue.private, fx.rogue.kid, fx.rogue.alg];
      expect = ["refused"];
      break;
    case "wrong_key": [pem, alg] = [fx.rogue.private, fx.rogue.alg]; expect = ["refused"]; break;
    case "kid_of_other_tenant": [pem, kid, alg] = [o.private, o.kid, o.alg]; expect = ["refused"]; break;
    case "subject_of_other_tenant":
      claims.sub = fx.users.find((u) => u.tenant !== user.tenant).subject;
      expect = ["refused"];
      break;
    case "huge_header": expect = ["refused"]; break;
  }
  let header = `${scheme} ${await sign(claims, pem, alg, kid)}`;
  if (kase === "huge_header") header += "x".repeat(300000);
  const pgrstClaims = { ...claims };
  if (kase === "claims_of_other") {
    Object.assign(pgrstClaims, { sub: other.subject, iss: fx.tenants[other.tenant].issuer, user_id: other.id });
  }
  return [header, pgrstClaims, fx.authenticated, expect];
}

async function main() {
  const [fixture, host, port, database, requests, seed] = process.argv.slice(2);
  const fx = JSON.parse(readFileSync(fixture, "utf8"));
  const rnd = random(Number(seed));
  const client = new pg.Client({ host, port: Number(port), database, user: fx.authenticator });
  await client.connect();
  const result = { client: "node", requests: 0, wrong: 0, cases: {}, errors: [] };
  const start = Date.now();
  for (let i = 0; i < Number(requests); i++) {
    const kase = pick(rnd, CASES);
    const [user, other] = [pick(rnd, fx.users), pick(rnd, fx.users)];
    const [header, claims, role, [kind, who]] = await request(fx, rnd, kase, user, other);
    const headers = { accept: "application/json", "user-agent": "emulated-postgrest" };
    if (header !== null) headers.authorization = header;
    let outcome;
    try {
      await client.query("BEGIN");
      await client.query(SETTINGS, [role, JSON.stringify(claims), JSON.stringify(headers)]);
      const returned = (await client.query('select "permissions"."authenticate_request"() as id')).rows[0].id;
      const rows = (await client.query("select coalesce(json_agg(t.first_name order by t.first_name), '[]') as r " +
        'from (select first_name from "permissions"."performers") t')).rows[0].r;
      const acting = (await client.query("select permissions.current_user_id() as id")).rows[0].id;
      await client.query("COMMIT");
      outcome = ["ok", returned === null ? null : Number(returned), rows, acting === null ? null : Number(acting)];
    } catch (e) {
      await client.query("ROLLBACK");
      outcome = ["error", e.code, e.message];
    }
    let good;
    if (kind === "user") {
      good = outcome[0] === "ok" && outcome[1] === who.id && outcome[3] === who.id &&
        JSON.stringify(outcome[2]) === JSON.stringify([...who.performers].sort());
    } else if (kind === "anonymous") {
      good = outcome[0] === "ok" && outcome[1] === null && outcome[3] === null && outcome[2].length === 0;
    } else {
      good = outcome[0] === "error" && outcome[1] === "28000" && outcome[2] === "invalid token";
    }
    const c = (result.cases[kase] ??= { requests: 0, wrong: 0 });
    c.requests++;
    result.requests++;
    if (!good) {
      c.wrong++;
      result.wrong++;
      if (result.errors.length < 10) result.errors.push({ case: kase, outcome: JSON.stringify(outcome).slice(0, 300) });
    }
  }
  await client.end();
  result.seconds = Math.round((Date.now() - start) / 100) / 10;
  console.log(JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
