/**
 * `npm run bench:sealed`: what sealing a request (Oblivious HTTP with a post-quantum KEM,
 * docs/sealed.md) costs against sending it plainly, on the machine's Node and on Node 24
 * (lib/node24.ts), as ratios within one run: one server (embedded store, one process), the same
 * request, POST /v1/kem/encapsulate to an ML-KEM-768 public key, sent plainly and sealed (X-Wing,
 * AES-256-GCM, the client package's own sealing) in alternating rounds (plain, sealed, plain, ...)
 * so that machine noise falls on both; the medians of the rounds' ratios are the figures:
 *
 *   - by rate: plain requests per second over sealed ones (how many times slower sealed is);
 *   - by CPU: the server's CPU per sealed request over per plain request (what the gateway adds:
 *     decapsulation, HKDF, two AEAD passes, Binary HTTP, the replay claim, the in-process dispatch).
 *
 * Each round sends BENCH_AMOUNT requests (default 400), BENCH_CONNECTIONS at a time (default 16),
 * closed loop over fetch. Sealed requests are sealed before their round starts (each is accepted
 * once: replay protection), so the client's sealing is not in the figures; the answers of a few
 * are opened and checked (inner 200). Servers are child processes (dist/main.js when built, else
 * src/main.ts via tsx; NODE_ENV=production, rate limits off). Writes bench/results/sealed.json.
 *
 *   npm run bench:sealed
 *   BENCH_ROUNDS=11 BENCH_AMOUNT=800 npm run bench:sealed
 *   BENCH_RUNTIME="Node 24" npm run bench:sealed       # one runtime
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { parseKeyConfigs, sealRequest, type OhttpKeyConfig } from '../packages/client/src/sealed.ts';
import { findNode24, hasNativePq } from './lib/node24.ts';
import { ourEntry, ourEnv, startService, type Service } from './lib/procs.ts';

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 7));
const AMOUNT = Number(process.env.BENCH_AMOUNT ?? 400);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const API_KEY = `bench-key-${randomBytes(24).toString('base64url')}`;
const SECRETS = { apiKey: API_KEY, tokenSecret: randomBytes(48).toString('base64'), masterKey: randomBytes(32).toString('base64') };
const BODIES = Array.from({ length: 32 }, () => JSON.stringify({ pk: Buffer.from(ml_kem768.keygen().publicKey).toString('base64') }));
const log = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length === 0 ? NaN : v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

interface Sample {
  readonly rps: number;
  readonly cpuMs: number | null;
  readonly bad: number;
}

/** Sends `inits` (one request each), CONNECTIONS at a time; the server's CPU per request from its process group. */
async function measure(s: Service, path: string, inits: RequestInit[], check?: (i: number, res: Response, body: Uint8Array) => boolean | Promise<boolean>): Promise<Sample> {
  await settle(s);
  const cpu0 = s.cpuSeconds();
  let next = 0;
  let bad = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (let i = next++; i < inits.length; i = next++) {
        const res = await fetch(s.url + path, inits[i]);
        const body = new Uint8Array(await res.arrayBuffer());
        if (res.status !== 200 || (check && !(await check(i, res, body)))) bad++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = s.cpuSeconds();
  return { rps: inits.length / seconds, cpuMs: cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) * 1000) / inits.length : null, bad };
}

/** Waits for the server's CPU to go quiet (the previous round's stragglers). */
async function settle(s: Service): Promise<void> {
  let last = s.cpuSeconds();
  if (last === null) return void (await sleep(300));
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    await sleep(100);
    const now = s.cpuSeconds()!;
    if (now - last <= 0.01) return;
    last = now;
  }
}

const plainInits = (): RequestInit[] =>
  Array.from({ length: AMOUNT }, (_, i) => ({ method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: BODIES[i % BODIES.length] }));

async function sealedInits(configs: OhttpKeyConfig[], authority: string) {
  // The client's sealing is async (its HPKE is the hpke library).
  const sealed = await Promise.all(Array.from({ length: AMOUNT }, (_, i) =>
    sealRequest(configs, {
      method: 'POST',
      path: '/v1/kem/encapsulate',
      authority,
      headers: [
        ['authorization', `Bearer ${API_KEY}`],
        ['content-type', 'application/json'],
        ['date', new Date().toUTCString()],
      ],
      body: new TextEncoder().encode(BODIES[i % BODIES.length]!),
    }),
  ));
  const inits = sealed.map((m): RequestInit => ({ method: 'POST', headers: { 'content-type': 'message/ohttp-req' }, body: new Uint8Array(m.message) }));
  // Every 25th answer is opened: the inner request must have answered 200.
  const check = async (i: number, _res: Response, body: Uint8Array) => i % 25 !== 0 || (await sealed[i]!.open(body)).status === 200;
  return { inits, check };
}

interface Row {
  readonly runtime: string;
  readonly what: string;
  /** Plain req/s over sealed req/s, median of the rounds' ratios. */
  readonly byRate: number;
  /** Server CPU per sealed request over per plain request, median of the rounds' ratios. */
  readonly byCpu: number;
  readonly rounds: readonly number[];
  readonly rps: { readonly plain: number; readonly sealed: number };
  readonly cpuMs: { readonly plain: number | null; readonly sealed: number | null };
}

async function runtime(label: string, bin: string): Promise<Row> {
  const entry = ourEntry();
  if (entry.warning) log(`  WARNING: ${entry.warning}`);
  const server = await startService({ name: `our server (${label})`, bin, args: entry.args, readyPath: '/readyz', env: ourEnv(SECRETS) });
  try {
    const configs = parseKeyConfigs(new Uint8Array(await (await fetch(`${server.url}/ohttp-keys`)).arrayBuffer()));
    const authority = new URL(server.url).host;
    // Warm-up: both paths, once.
    await measure(server, '/v1/kem/encapsulate', plainInits().slice(0, 50));
    await measure(server, '/ohttp', (await sealedInits(configs, authority)).inits.slice(0, 50));
    const plain: Sample[] = [];
    const sealed: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await measure(server, '/v1/kem/encapsulate', plainInits()));
      const s = await sealedInits(configs, authority); // sealed just before the round: fresh Dates, unseen encs
      sealed.push(await measure(server, '/ohttp', s.inits, s.check));
    }
    const bad = [...plain, ...sealed].reduce((n, s) => n + s.bad, 0);
    if (bad > 0) log(`  WARNING ${label}: ${bad} requests failed`);
    const rounds = plain.map((p, i) => p.rps / sealed[i]!.rps);
    const cpu = plain.map((p, i) => (p.cpuMs && sealed[i]!.cpuMs ? sealed[i]!.cpuMs! / p.cpuMs : NaN));
    const row: Row = {
      runtime: label,
      what: 'POST /v1/kem/encapsulate (ML-KEM-768), sealed (X-Wing, AES-256-GCM) vs plain',
      byRate: median(rounds),
      byCpu: median(cpu),
      rounds,
      rps: { plain: median(plain.map((s) => s.rps)), sealed: median(sealed.map((s) => s.rps)) },
      cpuMs: { plain: median(plain.map((s) => s.cpuMs ?? NaN)), sealed: median(sealed.map((s) => s.cpuMs ?? NaN)) },
    };
    log(
      `  ${label}: sealed/plain ${row.byRate.toFixed(2)}x by rate (rounds ${rounds.map((x) => x.toFixed(2)).join(' ')}), ${row.byCpu.toFixed(2)}x by server CPU; ` +
        `${row.rps.sealed.toFixed(0)} vs ${row.rps.plain.toFixed(0)} req/s, ${row.cpuMs.sealed?.toFixed(2)} vs ${row.cpuMs.plain?.toFixed(2)} ms CPU/request`,
    );
    return row;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const runtimes = [{ label: `Node ${process.versions.node.split('.')[0]}`, bin: process.execPath, native: hasNativePq(process.version) }];
  const n24 = findNode24(log);
  if (n24.ok && n24.bin !== process.execPath) runtimes.push({ label: `Node ${n24.version.replace(/^v/, '').split('.')[0]}`, bin: n24.bin, native: true });
  else if (!n24.ok) log(`Node 24 rows are SKIPPED: ${n24.reason}`);
  const only = process.env.BENCH_RUNTIME;
  const rows: Row[] = [];
  for (const rt of runtimes.filter((r) => !only || r.label === only)) {
    log(`${rt.label} (${rt.native ? 'native' : 'noble'} ML-KEM / X-Wing for HPKE), ${ROUNDS} rounds of ${AMOUNT} requests each way, ${CONNECTIONS} at a time`);
    rows.push(await runtime(rt.label, rt.bin));
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/sealed.json', JSON.stringify({ when: new Date().toISOString(), rounds: ROUNDS, amount: AMOUNT, connections: CONNECTIONS, rows }, null, 2) + '\n');
  log('\n| runtime | request | sealed / plain by rate | by server CPU | req/s sealed / plain | CPU ms/request sealed / plain |\n|---|---|---:|---:|---:|---:|');
  for (const r of rows) log(`| ${r.runtime} | ${r.what} | ${r.byRate.toFixed(2)}x | ${r.byCpu.toFixed(2)}x | ${r.rps.sealed.toFixed(0)} / ${r.rps.plain.toFixed(0)} | ${r.cpuMs.sealed?.toFixed(2)} / ${r.cpuMs.plain?.toFixed(2)} |`);
  log('\nwrote bench/results/sealed.json');
}

await main();
process.exit(0);
