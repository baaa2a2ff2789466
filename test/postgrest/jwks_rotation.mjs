// jwks_rotation.mjs SYNC_PROGRAM
//     The key rotation of an identity provider, end to end: a key set served
//     on 127.0.0.1 by this test (with an OpenID discovery document), the
//     sync program (tools/jwks-sync/sync.mjs) run as a DBA would run it, and
//     tokens signed with jose checked by authenticate_token() as the
//     application role.  Key A; then A and B; then B only: A keeps
//     verifying for the issuer's key_grace, then the next sync disables it.
//     Also: a second run changes nothing, a published private key and a
//     document that is not JSON, an http address off the loopback
//     interface, a dry run, and a caller that is not a superuser.
//     Runs inside test/with-cluster (libpq environment); prints
//     "RESULT: <passed> <failed>".
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import pg from "pg";
import { SignJWT, exportJWK, generateKeyPair } from "jose";

const sync = process.argv[2];
const GRACE_SECONDS = 2;
let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `: ${detail}`}`);
  if (ok) passed++; else failed++;
}

async function keyPair(kid) {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, use: "sig", alg: "EdDSA" };
  return { kid, jwk, privateKey, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

let served = "{}";
const server = createServer((req, res) => {
  const { port } = server.address();
  if (req.url === "/.well-known/openid-configuration") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ issuer: `http://127.0.0.1:${port}`, jwks_uri: `http://127.0.0.1:${port}/jwks.json` }));
  } else if (req.url === "/jwks.json") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(served);
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const serve = (...keys) => { served = JSON.stringify({ keys }); };

// runs the program without blocking this process, which serves its key set
function runProgram(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [sync, ...args], { env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    const timer = setTimeout(() => child.kill(), 60000);
    child.on("close", (status) => { clearTimeout(timer); resolve({ status, out }); });
  });
}
const runSync = (args, env) => runProgram(["--issuer", issuer, ...args], env);
function actions(out) {
  return Object.fromEntries(out.split("\n").filter((l) => l.includes("\t"))
    .map((l) => l.split("\t")).map(([kid, action]) => [kid, action]));
}

const db = new pg.Client();
await db.connect();
await db.query("SET client_min_messages = warning");
await db.query("CREATE EXTENSION IF NOT EXISTS permissions");
await db.query("DROP ROLE IF EXISTS jwks_app");
await db.query("CREATE ROLE jwks_app LOGIN");
await db.query("GRANT permissions_client TO jwks_app");
const account = (await db.query("SELECT permissions.create_account('jwks rotation') AS id")).rows[0].id;
const user = (await db.query("SELECT permissions.create_user($1, 'jwks_user', access => 'none') AS id", [account])).rows[0].id;
await db.query("SELECT permissions.register_token_issuer($1, $2, key_grace => $3)",
  [issuer, account, `${GRACE_SECONDS} seconds`]);
await db.query("SELECT permissions.map_token_subject($1, 'rotating-user', $2)", [issuer, user]);
const auditCount = async () => Number((await db.query("SELECT count(*) AS n FROM permissions.audit_log")).rows[0].n);

async function accepted(key) {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ iss: issuer, sub: "rotating-user", iat: now, exp: now + 300 })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid }).sign(key.privateKey);
  try {
    await db.query("BEGIN");
    await db.query("SET LOCAL ROLE jwks_app");
    const id = (await db.query("SELECT permissions.authenticate_token($1) AS id", [token])).rows[0].id;
    await db.query("COMMIT");
    return Number(id) === Number(user);
  } catch (e) {
    await db.query("ROLLBACK");
    return false;
  }
}

const A = await keyPair("A");
const B = await keyPair("B");
const C = await keyPair("C");

// A (the key set found through the discovery document)
serve(A.jwk);
let r = await runSync([]);
check("A: added", r.status === 0 && actions(r.out).A === "added", r.out);
check("A: tokens of A accepted, of B refused", await accepted(A) && !(await accepted(B)));
const before = await auditCount();
r = await runSync([]);
check("A again: nothing changes, no audit entry", r.status === 0 && actions(r.out).A === "unchanged" &&
  (await auditCount()) === before, r.out);

// A and B
serve(A.jwk, B.jwk);
r = await runSync(["--jwks-url", `${issuer}/jwks.json`]);
check("A+B: B added, A unchanged", r.status === 0 && actions(r.out).B === "added" && actions(r.out).A === "unchanged", r.out);
check("A+B: tokens of both accepted", await accepted(A) && await accepted(B));

// B only: A retires, verifies during the grace period, then is disabled
serve(B.jwk);
r = await runSync([]);
check("B: A retiring", r.status === 0 && actions(r.out).A === "retiring" && actions(r.out).B === "unchanged", r.out);
check("B, within the grace period: tokens of A still accepted", await accepted(A) && await accepted(B));
await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 0.5) * 1000));
check("B, after the grace period: tokens of A refused before any sync", !(await accepted(A)) && await accepted(B));
r = await runSync([]);
check("B, next sync: A disabled", r.status === 0 && actions(r.out).A === "disabled", r.out);
const keys = (await db.query("SELECT key_id, enabled FROM permissions.token_keys WHERE issuer = $1 ORDER BY 1", [issuer])).rows;
check("keys: A disabled, B enabled", JSON.stringify(keys) === JSON.stringify([{ key_id: "A", enabled: false }, { key_id: "B", enabled: true }]),
  JSON.stringify(keys));

// what the program refuses or reports
serve(B.jwk, C.privateJwk);
r = await runSync([]);
check("a published private key: refused, exit 2", r.status === 2 && actions(r.out).C === "refused", r.out);
served = "<html>not a key set</html>";
r = await runSync([]);
check("a document that is not JSON: exit 1, nothing changes", r.status === 1 && /not JSON/.test(r.out), r.out);
r = await runSync(["--jwks-url", "http://idp.example.com/jwks.json"]);
check("an http address off the loopback interface: refused before fetching", r.status === 1 &&
  /only https/.test(r.out), r.out);
serve(B.jwk, C.jwk);
r = await runSync(["--dry-run"]);
const cRows = (await db.query("SELECT count(*) AS n FROM permissions.token_keys WHERE issuer = $1 AND key_id = 'C'", [issuer])).rows[0].n;
check("dry run: reports C added, registers nothing", r.status === 0 && actions(r.out).C === "added" && Number(cRows) === 0, r.out);
r = await runSync([], { PGUSER: "jwks_app" });
check("not a superuser: refused", r.status === 1 && /only a superuser/.test(r.out), r.out);
r = await runSync([]);
check("B+C: C added", r.status === 0 && actions(r.out).C === "added" && await accepted(C), r.out);

await db.query("SELECT permissions.delete_token_issuer($1)", [issuer]);
await db.end();
server.close();
console.log(`RESULT: ${passed} ${failed}`);
process.exit(failed ? 1 : 0);
