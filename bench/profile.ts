/**
 * Where our server spends its time under load: starts it with `node --cpu-prof` (WORKERS=1,
 * embedded store, rate limits off, as in `npm run bench`), drives one endpoint with autocannon,
 * stops it (the profile is written at exit) and prints the top functions by self time and the
 * share of each package.
 *
 *   npx tsx bench/profile.ts [encapsulate|sign|verify|decapsulate|healthz] [--node24] [--seconds 5]
 *   npx tsx bench/profile.ts encapsulate --naive     # the naive noble service instead, to compare
 *   npx tsx bench/profile.ts encapsulate --keys 2048 # to 2,048 keys in turn: keys the server has not seen lately
 *   npx tsx bench/profile.ts encapsulate --redis [--token]   # on a throwaway redis-server, rate limits
 *                                                    # on but never binding (as the bench's token rows),
 *                                                    # with the API key or with a token using one attempt a request
 *
 * The .cpuprofile stays in bench/results/profiles/ (open it in Chrome DevTools or speedscope).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { findNode24 } from './lib/node24.ts';
import { ourEntry, startService } from './lib/procs.ts';
import { startRedis } from '../test/helpers/redis.ts';

const argv = process.argv.slice(2);
const target = argv.find((a) => !a.startsWith('--') && !/^\d/.test(a)) ?? 'encapsulate';
const seconds = Number(argv[argv.indexOf('--seconds') + 1] ?? 5) || 5;
const useNode24 = argv.includes('--node24');
const naive = argv.includes('--naive');
const withToken = argv.includes('--token');
// encapsulate: the public keys named in turn (1: one key throughout; 2048: one-off keys, more than a server keeps).
const keys = Number(argv[argv.indexOf('--keys') + 1] ?? 1) || 1;
const redis = argv.includes('--redis') || withToken ? await startRedis() : undefined;
const API_KEY = `bench-key-${randomBytes(24).toString('base64url')}`;

let bin = process.execPath;
if (useNode24) {
  const n24 = findNode24(console.log);
  if (!n24.ok) throw new Error(n24.reason);
  bin = n24.bin;
}
const dir = resolve('bench/results/profiles', `${naive ? 'naive-' : ''}${target}-${useNode24 ? 'node24' : `node${process.versions.node.split('.')[0]}`}-${Date.now()}`);
mkdirSync(dir, { recursive: true });
// Ours from dist/ when built (as `npm run bench` runs it, and with line numbers in the profile), else through tsx.
const ours = ourEntry();
if (!naive && ours.warning) console.log(`warning: ${ours.warning}`);
const entry = naive ? ['--import', 'tsx', useNode24 && argv.includes('--native') ? 'bench/naive-native.ts' : 'bench/naive-noble.ts'] : ours.args;
if (naive && target !== 'encapsulate') throw new Error('--naive profiles encapsulate only');
const spawnedAt = performance.now();
const server = await startService({
  name: 'our server',
  bin,
  args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...entry],
  env: {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    API_KEYS: `bench:${API_KEY}`,
    TOKEN_SECRET: randomBytes(48).toString('base64'),
    MASTER_KEY: randomBytes(32).toString('base64'),
    METRICS_TOKEN: randomBytes(24).toString('base64url'),
    WORKERS: '1',
    ...(redis
      ? { REDIS_URL: redis.url, RATE_LIMIT_PER_TENANT: '1000000', RATE_LIMIT_PER_TOKEN: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000' }
      : { RATE_LIMIT_PER_TENANT: '0', RATE_LIMIT_PER_TOKEN: '0', AUTH_FAILURES_PER_MINUTE: '0' }),
  },
  readyPath: naive ? '/healthz' : '/readyz',
});
/** Samples before the server answered are start-up (module loading, tsx), not the load: left out. */
const startupMs = performance.now() - spawnedAt;

const post = async (path: string, body: unknown) =>
  (await (await fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, string>;
const data = 'x'.repeat(1024);
const specs: Record<string, () => Promise<{ path: string; body?: unknown; bodies?: unknown[] }>> = {
  healthz: async () => ({ path: '/healthz' }),
  encapsulate: async () => ({ path: naive ? '/encapsulate' : '/v1/kem/encapsulate', bodies: Array.from({ length: keys }, () => ({ pk: Buffer.from(ml_kem768.keygen().publicKey).toString('base64') })) }),
  decapsulate: async () => {
    const kp = await post('/v1/kem/keypair', {});
    const enc = await post('/v1/kem/encapsulate', { pk: kp.pk });
    return { path: '/v1/kem/decapsulate', body: { cipher: enc.cipher, key_id: kp.key_id } };
  },
  sign: async () => ({ path: '/v1/dsa/sign', body: { data } }),
  verify: async () => {
    const s = await post('/v1/dsa/sign', { data });
    return { path: '/v1/dsa/verify', body: { data, pk: s.pk, signature: s.signature } };
  },
};
if (!specs[target]) throw new Error(`unknown target ${target}: one of ${Object.keys(specs).join(', ')}`);
const spec = await specs[target]!();
let sent = 0;
const credential = withToken ? (await post('/v1/tokens', { expiry_time: 3600, expire_after_attempts: 1_000_000 })).new_token : API_KEY;
if (!credential) throw new Error('could not mint a token');
const result = await autocannon({
  url: server.url + spec.path,
  method: spec.body === undefined && !spec.bodies ? 'GET' : 'POST',
  connections: 32,
  duration: seconds,
  headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
  ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
  ...(spec.bodies ? { requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(spec.bodies![sent++ % spec.bodies!.length]) }) }] } : {}),
});
await server.stop();
await redis?.stop();
console.log(`${spec.path} on ${bin === process.execPath ? process.version : 'Node 24'}: ${Math.round(result.requests.total / seconds)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`);

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir} (did the server exit cleanly?)`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };
const hitsById = new Map<number, number>();
let t = 0;
profile.samples.forEach((id, i) => {
  t += profile.timeDeltas[i] ?? 0;
  if (t / 1000 >= startupMs) hitsById.set(id, (hitsById.get(id) ?? 0) + 1);
});
const total = [...hitsById.values()].reduce((a, b) => a + b, 0);
const byFrame = new Map<string, number>();
const byPackage = new Map<string, number>();
const where = (url: string, fn: string) => {
  if (fn === '(idle)') return '(idle: no request to work on)';
  if (fn === '(garbage collector)') return '(garbage collector)';
  if (!url) return '(native code, V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node core';
  const src = /\/((src|dist)\/.*)$/.exec(url);
  return src ? 'our src/' : url;
};
for (const n of profile.nodes) {
  const hits = hitsById.get(n.id) ?? 0;
  if (!hits) continue;
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|dist)\//, '$1/');
  const key = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
  byFrame.set(key, (byFrame.get(key) ?? 0) + hits);
  byPackage.set(where(url, functionName), (byPackage.get(where(url, functionName)) ?? 0) + hits);
}
// Inclusive time of our own functions and the middleware: a sample counts for every distinct
// frame on its stack.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
const inclusive = new Map<string, number>();
for (const [id, hits] of hitsById) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const { functionName, url, lineNumber } = nodeById.get(cur)!.callFrame;
    if (!/\/(src|dist)\/|node_modules\/(express|router|body-parser|zod|pino|ioredis)\//.test(url)) continue;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|dist)\//, '$1/')}:${lineNumber + 1}`;
    seen.add(key);
  }
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
}
const pct = (h: number) => `${((100 * h) / total).toFixed(1).padStart(5)}%`;
console.log(`\nSelf time by package (${total} samples after the first ${(startupMs / 1000).toFixed(1)} s of start-up, profile in ${dir}):`);
for (const [k, h] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${pct(h)}  ${k}`);
console.log('\nTop functions by self time:');
for (const [k, h] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 20))) console.log(`  ${pct(h)}  ${k}`);
console.log('\nInclusive time, our src/ and the HTTP middleware (express, router, body-parser, zod, pino):');
for (const [k, h] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 25))) console.log(`  ${pct(h)}  ${k}`);
process.exit(0);
