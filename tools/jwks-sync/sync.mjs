#!/usr/bin/env node
// sync.mjs: keeps the database's keys of an identity provider in step with
// the key set (JWKS) it publishes, through permissions.sync_token_keys().
//
//   node sync.mjs --issuer https://login.example.com/ [--jwks-url URL] [--dry-run]
//
// Without --jwks-url the key set's address comes from the issuer's OpenID
// discovery document (<issuer>/.well-known/openid-configuration, jwks_uri).
// Addresses must be https (http only on the loopback interface, for
// tests); redirects are not followed; a document of more than 1 MB is
// refused.  The database connection comes from the libpq environment
// (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD), as a superuser.
//
// Prints one line per key: its kid, what the database did (added,
// unchanged, republished, retiring, disabled, ignored, refused), why, and
// the key's RFC 7638 thumbprint.  Exit status: 0 when every key was
// applied or ignored, 2 when the database refused a key or disabled one
// because its private part was published (look at it), 1 when the key set
// could not be fetched or synced (nothing changed).  Run it from cron or a
// timer, more often than the issuer's key_grace.
import pg from "pg";
import { calculateJwkThumbprint } from "jose";

const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 10000;

function usage(message) {
  if (message) console.error(`sync.mjs: ${message}`);
  console.error("usage: node sync.mjs --issuer ISSUER [--jwks-url URL] [--dry-run]");
  process.exit(1);
}

function parseArgs(argv) {
  const args = { dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case "--issuer": args.issuer = argv[++i]; break;
      case "--jwks-url": args.jwksUrl = argv[++i]; break;
      case "--dry-run": args.dryRun = true; break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  if (!args.issuer) usage("--issuer is required");
  return args;
}

// https, or http to the loopback interface only: a key set fetched in the
// clear could be replaced on the way, and whoever replaces it signs tokens
function checkUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL: ${text}`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new Error(`${text}: only https addresses are fetched (http only on the loopback interface)`);
  }
  return url;
}

async function fetchJson(text) {
  const url = checkUrl(text);
  const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: { accept: "application/json" } });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  const body = await response.text();
  if (body.length > MAX_BYTES) throw new Error(`${url}: more than ${MAX_BYTES} bytes`);
  try {
    return JSON.parse(body);
  } catch {
    throw new Error(`${url}: not JSON`);
  }
}

async function thumbprint(jwk) {
  try {
    return await calculateJwkThumbprint(jwk);
  } catch {
    return "-";
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let jwksUrl = args.jwksUrl;
  if (!jwksUrl) {
    const discovery = await fetchJson(`${args.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    if (typeof discovery.jwks_uri !== "string") throw new Error("the discovery document has no jwks_uri");
    jwksUrl = discovery.jwks_uri;
  }
  const jwks = await fetchJson(jwksUrl);
  if (jwks === null || typeof jwks !== "object" || !Array.isArray(jwks.keys)) {
    throw new Error(`${jwksUrl}: not a JSON Web Key Set (an object with a "keys" array)`);
  }
  const prints = new Map();
  for (const k of jwks.keys) {
    if (k && typeof k === "object" && typeof k.kid === "string") prints.set(k.kid, await thumbprint(k));
  }

  const client = new pg.Client();
  await client.connect();
  let rows;
  try {
    await client.query("BEGIN");
    rows = (await client.query(
      "SELECT key_id, action, detail FROM permissions.sync_token_keys($1, $2::jsonb)",
      [args.issuer, JSON.stringify(jwks)])).rows;
    await client.query(args.dryRun ? "ROLLBACK" : "COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw new Error(`sync_token_keys: ${e.message}${e.hint ? ` (${e.hint})` : ""}`);
  } finally {
    await client.end();
  }
  let alarming = false;
  for (const r of rows) {
    const kid = r.key_id === null ? "(no kid)" : r.key_id;
    console.log([kid, r.action, r.detail ?? "", prints.get(r.key_id) ?? "-"].join("\t"));
    if (r.action === "refused" || (r.action === "disabled" && /private/.test(r.detail ?? ""))) alarming = true;
  }
  if (args.dryRun) console.log("(dry run: nothing was changed)");
  process.exit(alarming ? 2 : 0);
}

main().catch((e) => {
  console.error(`sync.mjs: ${e.message}`);
  process.exit(1);
});
