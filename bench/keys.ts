/**
 * `npm run bench:keys`: what keys as resources cost and save, measured in one run per runtime
 * (the machine's Node, and Node 24 when found, see lib/node24.ts), as ratios within that run:
 *
 *   1. batch: signatures (and encryptions) per second as batches of BATCH items against single
 *      requests, with as many operations in flight either way;
 *   2. sign by key_id (a stored ML-DSA-65 key) against the default key;
 *   3. AES-256-GCM encrypt under a stored shared key (key_id: a store read and an encryption
 *      counted) against a key given in the request, on the embedded store and on Redis;
 *   4. verify by key_id (a store read) against verify by pk.
 *
 *   npm run bench:keys                  # about a minute per runtime
 *   BENCH_SECONDS=5 npm run bench:keys  # longer measurements (default 2 s each)
 *
 * Writes bench/results/keys.json. Servers run as child processes (dist/main.js when built,
 * NODE_ENV=production, WORKERS=1, rate limits off); autocannon runs here. Absolute rates on a shared
 * 2-core machine move by tens of percent between runs; compare the ratios.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { startRedis, type TestRedis } from '../test/helpers/redis.ts';
import { findNode24, hasNativePq } from './lib/node24.ts';
import { ourEntry, ourEnv, startService, type Service } from './lib/procs.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const API_KEY = `bench-key-${randomBytes(24).toString('base64url')}`;
// One deployment: every server of the run shares these (and so the keys it stored in Redis).
const TOKEN_SECRET = randomBytes(48).toString('base64');
const MASTER_KEY = randomBytes(32).toString('base64');
const log = (line: string) => process.stdout.write(line + '\n');

interface Row {
  readonly runtime: string;
  readonly store: string;
  readonly what: string;
  readonly baseline: string;
  readonly rps: number;
  readonly baselineRps: number;
  /** Operations per second of `what` over those of `baseline` (batches count their items). */
  readonly ratio: number;
}

/**
 * Waits until the server has finished what a run left in flight (autocannon stops sending, the
 * server still computes the requests it has read: a backlog of batches is seconds of work), so it
 * does not burden the next measurement.
 */
async function settle(s: Service): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let last = s.cpuSeconds();
  if (last === null) {
    await sleep(2000);
    return;
  }
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    await sleep(200);
    const now = s.cpuSeconds()!;
    if (now - last <= 0.02) return;
    last = now;
  }
}

/**
 * Operations per second: requests per second times `items` (a batch's items). A batch carries
 * `items` operations per request, so it runs on CONNECTIONS / items connections (at least 1): the
 * same number of operations in flight as the single requests have.
 */
async function rate(s: Service, path: string, body: unknown, items = 1): Promise<number> {
  const run = (duration: number) =>
    autocannon({
      url: s.url + path,
      method: 'POST',
      connections: Math.max(1, Math.round(CONNECTIONS / items)),
      duration,
      timeout: 60,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await run(0.5); // warm-up: JIT, prepared-key cache, connection pool
  await settle(s);
  const r = await run(SECONDS);
  await settle(s);
  if (r.non2xx + r.errors + r.timeouts > 0) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return (r.requests.total / (r.duration || SECONDS)) * items;
}

async function post(url: string, path: string, body: unknown): Promise<Record<string, string>> {
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, string>;
}

const ENTRY = ourEntry();

function server(bin: string, extra: Record<string, string>): Promise<Service> {
  // No key quota: the run makes keys in every measurement.
  const env = ourEnv({ apiKey: API_KEY, tokenSecret: TOKEN_SECRET, masterKey: MASTER_KEY }, { QUOTA_KEYS: '0', ...extra });
  return startService({ name: 'our server', bin, args: ENTRY.args, readyPath: '/readyz', env });
}

async function measure(runtime: string, bin: string, store: string, extra: Record<string, string>): Promise<Row[]> {
  const s = await server(bin, extra);
  try {
    const url = s.url;
    const rows: Row[] = [];
    const row = (what: string, baseline: string, rps: number, baselineRps: number) => {
      const r = { runtime, store, what, baseline, rps, baselineRps, ratio: rps / baselineRps };
      log(`  ${runtime} ${store}: ${what} ${rps.toFixed(0)}/s vs ${baseline} ${baselineRps.toFixed(0)}/s = ${r.ratio.toFixed(2)}x`);
      rows.push(r);
    };
    const signed = await post(url, '/v1/dsa/sign', { data: 'x' });
    const key = await post(url, '/v1/dsa/keypair', {});
    const kem = await post(url, '/v1/kem/keypair', {});
    const stored = await post(url, '/v1/kem/encapsulate', { pk: kem.pk, store: true });
    const given = await post(url, '/v1/kem/encapsulate', { pk: kem.pk });

    const single = await rate(s, '/v1/dsa/sign', { data: 'bench message' });
    const batch = await rate(s, '/v1/dsa/sign', { batch_input: Array.from({ length: BATCH }, () => ({ data: 'bench message' })) }, BATCH);
    row(`sign, batches of ${BATCH}`, 'sign, single requests', batch, single);
    row('sign by key_id', 'sign with the default key', await rate(s, '/v1/dsa/sign', { data: 'bench message', key_id: key.key_id }), single);
    const aesGiven = await rate(s, '/v1/aes/encrypt', { unencrypted: 'bench message', key: given.shared_key });
    const aesBatch = await rate(s, '/v1/aes/encrypt', { batch_input: Array.from({ length: BATCH }, () => ({ unencrypted: 'bench message', key: given.shared_key })) }, BATCH);
    row(`encrypt, batches of ${BATCH}`, 'encrypt, single requests', aesBatch, aesGiven);
    row('encrypt by key_id (stored shared key)', 'encrypt with key given', await rate(s, '/v1/aes/encrypt', { unencrypted: 'bench message', key_id: stored.shared_key_id }), aesGiven);
    const verifyPk = await rate(s, '/v1/dsa/verify', { data: 'x', pk: signed.pk, signature: signed.signature });
    row('verify by key_id', 'verify by pk', await rate(s, '/v1/dsa/verify', { data: 'x', key_id: signed.key_id, signature: signed.signature }), verifyPk);
    return rows;
  } finally {
    await s.stop();
  }
}

async function main(): Promise<void> {
  const runtimes = [{ label: `Node ${process.versions.node.split('.')[0]}`, bin: process.execPath, native: hasNativePq(process.version) }];
  const n24 = findNode24(log);
  if (n24.ok && n24.bin !== process.execPath) runtimes.push({ label: `Node ${n24.version.replace(/^v/, '').split('.')[0]}`, bin: n24.bin, native: true });
  if (ENTRY.warning) log(`WARNING: ${ENTRY.warning}`);
  let redis: TestRedis | undefined;
  const rows: Row[] = [];
  try {
    redis = await startRedis();
    for (const rt of runtimes) {
      log(`${rt.label} (${rt.native ? 'native' : 'noble'} post-quantum crypto), ${SECONDS} s per measurement, ${CONNECTIONS} connections`);
      rows.push(...(await measure(rt.label, rt.bin, 'embedded store', {})));
      rows.push(...(await measure(rt.label, rt.bin, 'Redis', { REDIS_URL: redis.url })));
    }
  } finally {
    await redis?.dispose();
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/keys.json', JSON.stringify({ when: new Date().toISOString(), seconds: SECONDS, connections: CONNECTIONS, batch: BATCH, rows }, null, 2) + '\n');
  log('\n| runtime | store | operation | ops/s | baseline | ops/s | ratio |\n|---|---|---|---:|---|---:|---:|');
  for (const r of rows) log(`| ${r.runtime} | ${r.store} | ${r.what} | ${r.rps.toFixed(0)} | ${r.baseline} | ${r.baselineRps.toFixed(0)} | ${r.ratio.toFixed(2)}x |`);
  log('\nwrote bench/results/keys.json');
}

await main();
