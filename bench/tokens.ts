/**
 * `npm run bench:tokens`: what ML-DSA-signed tokens (TOKEN_SIGNING=ML-DSA-65) cost against HS256,
 * through Redis, on the machine's Node and on Node 24 (lib/node24.ts), as ratios within one run:
 * two servers (HS256 and ML-DSA-65) on one Redis, measured in alternating rounds (A B, A B, ...)
 * so that machine noise falls on both; the median of the rounds' ratios is the figure.
 *
 *   1. POST /v1/kem/encapsulate presenting a token with attempts (one attempt used in Redis per
 *      request; the signature is checked once, then found in the verified-token cache);
 *   2. GET /v1/tokens/current presenting such a token (no crypto: the token path alone);
 *   3. GET /v1/tokens/current presenting tokens the server has never seen, each once (every
 *      request checks a signature: the cache-miss cost, e.g. many clients each with its token);
 *   4. POST /v1/tokens (minting: one signature per request).
 *
 *   npm run bench:tokens                        # about 3 minutes per runtime
 *   BENCH_ROUNDS=9 BENCH_SECONDS=2 npm run bench:tokens
 *
 * Servers are child processes (dist/main.js when built, else src/main.ts via tsx; NODE_ENV=
 * production, WORKERS=1, rate limits off), autocannon runs here, CPU per request is the server's
 * (its process group's user + system time over the requests sent). Writes bench/results/tokens.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { startRedis } from '../test/helpers/redis.ts';
import { findNode24, hasNativePq } from './lib/node24.ts';
import { ourEntry, ourEnv, startService, type Service } from './lib/procs.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1.5);
const ROUNDS = Math.max(7, Number(process.env.BENCH_ROUNDS ?? 7));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Fresh tokens per server per round for the cache-miss rows. */
const FRESH = Number(process.env.BENCH_FRESH_TOKENS ?? 300);
const API_KEY = `bench-key-${randomBytes(24).toString('base64url')}`;
const TOKEN_SECRET = randomBytes(48).toString('base64');
const MASTER_KEY = randomBytes(32).toString('base64');
const KEM_KEYS = Array.from({ length: 32 }, () => JSON.stringify({ pk: Buffer.from(ml_kem768.keygen().publicKey).toString('base64') }));
const log = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  readonly rps: number;
  /** Server CPU milliseconds per request sent. */
  readonly cpuMs: number | null;
  readonly bad: number;
}

async function settle(s: Service): Promise<void> {
  let last = s.cpuSeconds();
  if (last === null) return void (await sleep(500));
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    await sleep(100);
    const now = s.cpuSeconds()!;
    if (now - last <= 0.01) return;
    last = now;
  }
}

interface Spec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly bodies?: readonly string[];
  /** Credentials used in turn (one per request when `amount` is their number). */
  readonly auths: readonly string[];
  /** Exactly this many requests instead of SECONDS. */
  readonly amount?: number;
}

async function measure(s: Service, spec: Spec): Promise<Sample> {
  let i = 0;
  let j = 0;
  const cpu0 = s.cpuSeconds();
  const started = performance.now();
  const r = await autocannon({
    url: s.url + spec.path,
    method: spec.method,
    connections: spec.amount ? Math.min(CONNECTIONS, spec.amount) : CONNECTIONS,
    ...(spec.amount ? { amount: spec.amount } : { duration: SECONDS }),
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          headers: { ...req.headers, authorization: `Bearer ${spec.auths[i++ % spec.auths.length]}` },
          ...(spec.bodies ? { body: spec.bodies[j++ % spec.bodies.length] } : {}),
        }),
      },
    ],
  });
  const seconds = spec.amount ? (performance.now() - started) / 1000 : r.duration || SECONDS;
  await settle(s);
  const cpu1 = s.cpuSeconds();
  const sent = r.requests.sent || r.requests.total;
  return { rps: r.requests.total / seconds, cpuMs: cpu0 !== null && cpu1 !== null && sent > 0 ? ((cpu1 - cpu0) * 1000) / sent : null, bad: r.non2xx + r.errors + r.timeouts };
}

async function post(url: string, path: string, body: unknown, auth = API_KEY): Promise<Record<string, unknown>> {
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** `n` tokens minted with the API key, a few requests at a time. */
async function mintMany(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, n - out.length) }, () => post(url, '/v1/tokens', { expiry_time: 3600, expire_after_attempts: 1000 })));
    out.push(...batch.map((b) => String(b.new_token)));
  }
  return out;
}

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length === 0 ? NaN : v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};

interface Row {
  readonly runtime: string;
  readonly what: string;
  /** ML-DSA-65 requests per second over HS256's, median of the rounds' ratios. */
  readonly ratio: number;
  /** HS256 CPU per request over ML-DSA-65's (the throughput-equivalent ratio by CPU), median. */
  readonly byCpu: number;
  readonly rounds: readonly number[];
  readonly rps: { readonly hs256: number; readonly mldsa: number };
  readonly cpuMs: { readonly hs256: number; readonly mldsa: number };
}

async function runtime(label: string, bin: string, redisUrl: string): Promise<Row[]> {
  const entry = ourEntry();
  const start = (signing: string) =>
    startService({
      name: `our server (${label}, ${signing})`,
      bin,
      args: entry.args,
      readyPath: '/readyz',
      env: ourEnv({ apiKey: API_KEY, tokenSecret: TOKEN_SECRET, masterKey: MASTER_KEY }, { REDIS_URL: redisUrl, TOKEN_SIGNING: signing, QUOTA_LIVE_TOKENS: '0' }),
    });
  const hs = await start('HS256');
  const ml = await start('ML-DSA-65');
  try {
    const servers = [hs, ml] as const;
    const tokens = await Promise.all(servers.map(async (s) => String((await post(s.url, '/v1/tokens', { expiry_time: 3600, expire_after_attempts: 1_000_000 })).new_token)));
    const specs: [string, (k: 0 | 1) => Promise<Spec>][] = [
      ['POST /v1/kem/encapsulate, a token with attempts (signature cached)', async (k) => ({ method: 'POST', path: '/v1/kem/encapsulate', bodies: KEM_KEYS, auths: [tokens[k]!] })],
      ['GET /v1/tokens/current, a token (signature cached)', async (k) => ({ method: 'GET', path: '/v1/tokens/current', auths: [tokens[k]!] })],
      [`GET /v1/tokens/current, ${FRESH} tokens never seen, each once (every request checks a signature)`, async (k) => {
        const fresh = await mintMany(servers[k]!.url, FRESH);
        // Minted on this server: its cache knows them. A twin server (same secrets, same Redis) does not.
        return { method: 'GET', path: '/v1/tokens/current', auths: fresh, amount: FRESH };
      }],
      ['POST /v1/tokens (mint: one signature per request)', async () => ({ method: 'POST', path: '/v1/tokens', bodies: [JSON.stringify({ expiry_time: 60 })], auths: [API_KEY] })],
    ];
    // Cache-miss rows are measured on twins that have never seen the tokens.
    const twins = [await start('HS256'), await start('ML-DSA-65')] as const;
    const rows: Row[] = [];
    try {
      for (const [what, make] of specs) {
        const coldRow = what.includes('never seen');
        const samples: Sample[][] = [[], []];
        for (let round = 0; round < ROUNDS; round++) {
          for (const k of [0, 1] as const) {
            const spec = await make(k);
            const target = coldRow ? twins[k] : servers[k];
            if (round === 0 && !coldRow) await measure(target, spec); // warm-up
            samples[k]!.push(await measure(target, spec));
          }
        }
        const bad = samples.flat().reduce((n, s) => n + s.bad, 0);
        if (bad > 0) log(`  WARNING ${label} ${what}: ${bad} requests failed`);
        const ratios = samples[1]!.map((m, i) => m.rps / samples[0]![i]!.rps);
        const cpu = samples[1]!.map((m, i) => (m.cpuMs && samples[0]![i]!.cpuMs ? samples[0]![i]!.cpuMs! / m.cpuMs : NaN));
        const row: Row = {
          runtime: label,
          what,
          ratio: median(ratios),
          byCpu: median(cpu),
          rounds: ratios,
          rps: { hs256: median(samples[0]!.map((s) => s.rps)), mldsa: median(samples[1]!.map((s) => s.rps)) },
          cpuMs: { hs256: median(samples[0]!.map((s) => s.cpuMs ?? NaN)), mldsa: median(samples[1]!.map((s) => s.cpuMs ?? NaN)) },
        };
        log(`  ${label}: ${what}: ML-DSA-65/HS256 ${row.ratio.toFixed(2)}x by rate (rounds ${ratios.map((x) => x.toFixed(2)).join(' ')}), ${row.byCpu.toFixed(2)}x by CPU; ${row.rps.mldsa.toFixed(0)} vs ${row.rps.hs256.toFixed(0)} req/s, ${row.cpuMs.mldsa.toFixed(2)} vs ${row.cpuMs.hs256.toFixed(2)} ms CPU/request`);
        rows.push(row);
      }
    } finally {
      await Promise.all(twins.map((t) => t.stop()));
    }
    return rows;
  } finally {
    await hs.stop();
    await ml.stop();
  }
}

async function main(): Promise<void> {
  const runtimes = [{ label: `Node ${process.versions.node.split('.')[0]}`, bin: process.execPath, native: hasNativePq(process.version) }];
  const n24 = findNode24(log);
  if (n24.ok && n24.bin !== process.execPath) runtimes.push({ label: `Node ${n24.version.replace(/^v/, '').split('.')[0]}`, bin: n24.bin, native: true });
  else if (!n24.ok) log(`Node 24 rows are SKIPPED: ${n24.reason}`);
  const only = process.env.BENCH_RUNTIME; // e.g. "Node 24": one runtime per run
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    for (const rt of runtimes.filter((r) => !only || r.label === only)) {
      log(`${rt.label} (${rt.native ? 'jose over WebCrypto ML-DSA' : 'noble on the worker pool'} for ML-DSA tokens), ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections`);
      rows.push(...(await runtime(rt.label, rt.bin, redis.url)));
    }
  } finally {
    await redis.dispose();
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/tokens.json', JSON.stringify({ when: new Date().toISOString(), seconds: SECONDS, rounds: ROUNDS, connections: CONNECTIONS, fresh: FRESH, rows }, null, 2) + '\n');
  log('\n| runtime | request | ML-DSA-65 / HS256 by rate | by CPU | req/s ML-DSA / HS256 | CPU ms/request ML-DSA / HS256 |\n|---|---|---:|---:|---:|---:|');
  for (const r of rows) log(`| ${r.runtime} | ${r.what} | ${r.ratio.toFixed(2)}x | ${r.byCpu.toFixed(2)}x | ${r.rps.mldsa.toFixed(0)} / ${r.rps.hs256.toFixed(0)} | ${r.cpuMs.mldsa.toFixed(2)} / ${r.cpuMs.hs256.toFixed(2)} |`);
  log('\nwrote bench/results/tokens.json');
}

await main();
process.exit(0);
