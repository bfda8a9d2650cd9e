/**
 * `npm run bench`: one run that measures, on the machine's Node and on Node 24 (found or installed
 * from the npm registry, see lib/node24.ts):
 *
 *   1. every endpoint of our service over HTTP against the same operation in-process;
 *   2. ML-KEM-768 encapsulate of our service against two naive services kept here
 *      (naive-noble.ts, naive-native.ts), all started together and measured in alternating rounds
 *      so that machine noise hits them alike: once to 64 keys in turn (each server has them
 *      prepared after the first round: native.ts PublicKeys, noble.ts PREPARED_PUBLIC_KEY_ENTRIES), and
 *      once to 2,048 keys in turn (one-off keys: none prepared);
 *   3. /healthz latency while POST /v1/dsa/sign is saturated, and while the slow lane is (SLH-DSA);
 *   4. a temporary token through Redis against an API key on the same endpoint, rate limits on
 *      (not binding), with WORKERS=1 and, on the last runtime, WORKERS=2 alongside;
 *
 * and prints the ratios the performance issue sets targets for. Writes bench/results/latest.json,
 * bench/results/chart.svg and the generated part of docs/performance.md.
 *
 *   npm run bench                      # about 10 minutes (ROUNDS=9 for more rounds)
 *   BENCH_SEALED=0 npm run bench       # without the sealed-request rows (bench/sealed.ts)
 *   BENCH_SECONDS=6 npm run bench      # longer measurements (default 2.5 s each)
 *   CRYPTO_BACKEND=noble npm run bench # passed through to our server and the in-process runs
 *   npm run bench -- --no-write        # print only
 *   npm run bench -- --render          # redo the chart and docs from bench/results/latest.json
 *
 * Every server runs in its own child process (NODE_ENV=production, WORKERS=1, rate limits off) and
 * the load generator (autocannon, BENCH_CONNECTIONS connections, default 32) runs here, the same
 * for every row. Absolute rates on a shared 2-core machine move by tens of percent between runs;
 * the ratios within one run are the figures to compare.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { startRedis, type TestRedis } from '../test/helpers/redis.ts';
import { findNode24, hasNativePq } from './lib/node24.ts';
import { ourEntry, ourEnv, roundOrder, startService, type Service } from './lib/procs.ts';
import { renderChart, renderMarkdown, renderRatios, renderTables, replaceGenerated } from './lib/report.ts';
import type { BenchResult, EndpointRow, Load, NaiveRow, Ratio, RedisRow, Runtime, SaturationRow } from './lib/types.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2.5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 0.5);
const INPROCESS_SECONDS = Number(process.env.BENCH_INPROCESS_SECONDS ?? Math.min(1, SECONDS / 5));
/** At least 7: a target counts as met by the median of the rounds (and by CPU per request). */
const ROUNDS = Math.max(Number(process.env.BENCH_ROUNDS ?? process.env.ROUNDS ?? 7), 1);
/** Seconds per round of an alternating comparison: more, shorter rounds make a steadier median. */
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? SECONDS / 2);
const WRITE = !process.argv.includes('--no-write');
const API_KEY = `bench-key-${randomBytes(24).toString('base64url')}`;
const TOKEN_SECRET = randomBytes(48).toString('base64');
const MASTER_KEY = randomBytes(32).toString('base64');
/** Distinct public keys the encapsulate requests name in turn (the same list for every service). */
const KEM_KEYS = Array.from({ length: 64 }, () => Buffer.from(ml_kem768.keygen().publicKey).toString('base64'));
// Keys a server has not seen lately (more than either backend keeps prepared: 256 imported
// KeyObjects native, 512 prepared keys noble): the cost of encapsulating to one-off keys.
const ONE_OFF_KEM_KEYS = Array.from({ length: 2048 }, () => Buffer.from(ml_kem768.keygen().publicKey).toString('base64'));
const started = Date.now();
const log = (line: string) => process.stdout.write(line + '\n');
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

// ---------------------------------------------------------------------------------------------
// Load

interface LoadSpec {
  method?: 'GET' | 'POST';
  path: string;
  /** A body, or a list of bodies sent in turn. */
  body?: unknown;
  auth?: string;
  connections?: number;
  seconds?: number;
  warmup?: number;
  /** The server's CPU seconds so far, to report its CPU per request. */
  cpu?: () => number | null;
}

async function fire(url: string, spec: LoadSpec, seconds: number): Promise<autocannon.Result> {
  const bodies = spec.body === undefined ? undefined : (Array.isArray(spec.body) ? spec.body : [spec.body]).map((b) => JSON.stringify(b));
  let i = 0;
  return autocannon({
    url: url + spec.path,
    method: spec.method ?? (bodies ? 'POST' : 'GET'),
    connections: spec.connections ?? CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${spec.auth ?? API_KEY}`, 'content-type': 'application/json' },
    ...(bodies && bodies.length > 1
      ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies[i++ % bodies.length]! }) }] }
      : bodies
        ? { body: bodies[0]! }
        : {}),
  });
}

/**
 * Waits until the server has finished the requests a run left in flight (autocannon closes its
 * connections at the end, the server still computes what it had read: 32 queued signatures are
 * seconds of work), so that they burden neither the next measurement nor the next server.
 */
async function settle(cpu: (() => number | null) | undefined): Promise<void> {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  let last = cpu?.() ?? null;
  if (last === null) return void (await sleep(300));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await sleep(100);
    const now = cpu!();
    if (now === null) return;
    if (now - last <= 0.01) return; // at most one 10 ms tick in 100 ms: idle
    last = now;
  }
}

async function load(url: string, spec: LoadSpec): Promise<Load> {
  const warm = spec.warmup ?? WARMUP;
  if (warm > 0) {
    await fire(url, spec, warm);
    await settle(spec.cpu);
  }
  const cpu0 = spec.cpu?.() ?? null;
  const r = await fire(url, spec, spec.seconds ?? SECONDS);
  await settle(spec.cpu);
  const cpu1 = spec.cpu?.() ?? null;
  const seconds = r.duration || (spec.seconds ?? SECONDS);
  // CPU is read after the server settled, so it covers every request sent, answered in time or not.
  const sent = r.requests.sent || r.requests.total;
  return {
    rps: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    requests: r.requests.total,
    bad: r.non2xx + r.errors + r.timeouts,
    cpuMs: cpu0 !== null && cpu1 !== null && sent > 0 ? ((cpu1 - cpu0) * 1000) / sent : null,
  };
}

async function post(url: string, path: string, body: unknown, auth = API_KEY): Promise<Record<string, unknown>> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new Error(`expected a string ${what}, got ${JSON.stringify(v)}`);
  return v;
};

// ---------------------------------------------------------------------------------------------
// Services

const ENTRY = ourEntry();
const ourEnvFor = (extra: Record<string, string>) => ourEnv({ apiKey: API_KEY, tokenSecret: TOKEN_SECRET, masterKey: MASTER_KEY }, extra);

interface Ours extends Service {
  readyz: Record<string, unknown>;
  backend: string;
}

/** Any string field named like "backend" in the /readyz answer, or 'unknown' when it names none. */
function findBackend(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (/backend/i.test(key) && typeof v === 'string') return v;
    const inner = findBackend(v);
    if (inner) return inner;
  }
  return undefined;
}

async function startOurs(rt: Runtime, extra: Record<string, string> = {}): Promise<Ours> {
  const service = await startService({ name: `our server (${rt.label})`, bin: rt.bin, args: ENTRY.args, env: ourEnvFor(extra), readyPath: '/readyz' });
  const readyz = (await (await fetch(service.url + '/readyz')).json()) as Record<string, unknown>;
  return { ...service, readyz, backend: findBackend(readyz) ?? 'unknown' };
}

function startNaive(rt: Runtime, kind: 'noble' | 'native'): Promise<Service> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PORT;
  return startService({ name: `naive ${kind} (${rt.label})`, bin: rt.bin, args: ['--import', 'tsx', `bench/naive-${kind}.ts`], env });
}

// ---------------------------------------------------------------------------------------------
// Runtimes and in-process rates

function runtimes(): { list: Runtime[]; skipped: string | undefined } {
  const machine: Runtime = { label: `Node ${process.versions.node.split('.')[0]}`, bin: process.execPath, version: process.version, native: hasNativePq(process.version), source: 'the machine node' };
  const list = [machine];
  const n24 = findNode24(log);
  if (!n24.ok) return { list, skipped: n24.reason };
  if (n24.bin !== machine.bin) list.push({ label: `Node ${n24.version.replace(/^v/, '').split('.')[0]}`, bin: n24.bin, version: n24.version, native: true, source: n24.source });
  return { list, skipped: undefined };
}

interface InProcess {
  rates: Record<string, number | null>;
  cpuMs: Record<string, number | null>;
  notes: string[];
}

function inProcess(rt: Runtime): InProcess {
  const run = spawnSync(rt.bin, ['--import', 'tsx', 'bench/inprocess.ts', String(INPROCESS_SECONDS), String(CONNECTIONS)], { encoding: 'utf8', timeout: 180_000 });
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as InProcess;
  } catch {
    return { rates: {}, cpuMs: {}, notes: [`in-process run failed on ${rt.label}: ${(run.stderr || run.error?.message || '').slice(-500)}`] };
  }
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(): Promise<void> {
  const { list, skipped } = runtimes();
  // On a machine whose node already is a Node 24, that one runtime is both.
  const [base, n24] = [list[0]!, list.find((r) => r.native)];
  log(`# npm run bench: ${SECONDS} s per measurement, ${CONNECTIONS} connections, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(`Runtimes: ${list.map((r) => `${r.label} ${r.version} (${r.source})`).join('; ')}`);
  if (skipped) log(`Node 24 rows are SKIPPED: ${skipped}`);
  log(`Our server: ${ENTRY.entry}, CRYPTO_BACKEND=${process.env.CRYPTO_BACKEND ?? '(unset: the server default)'}`);
  if (ENTRY.warning) log(`WARNING: ${ENTRY.warning}`);

  const result: BenchResult = {
    date: new Date().toISOString(),
    settings: { seconds: SECONDS, connections: CONNECTIONS, warmupSeconds: WARMUP, inProcessSeconds: INPROCESS_SECONDS, rounds: ROUNDS, roundSeconds: ROUND_SECONDS, kemKeys: KEM_KEYS.length, oneOffKemKeys: ONE_OFF_KEM_KEYS.length },
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavgAtStart: loadavg(), platform: `${process.platform} ${process.arch}` },
    loadGenerator: `autocannon in the bench process, ${process.version}`,
    entry: ENTRY.entry,
    cryptoBackendEnv: process.env.CRYPTO_BACKEND ?? null,
    runtimes: list,
    node24Skipped: skipped ?? null,
    inProcess: {},
    inProcessCpuMs: {},
    endpoints: [],
    naive: [],
    naiveOneOff: [],
    saturation: [],
    redis: [],
    redisSkipped: null,
    ratios: [],
    notes: [],
  };

  // 1. In-process rates, before any server runs.
  for (const rt of list) {
    log(`[${elapsed()}] in-process, ${rt.label} ...`);
    const r = inProcess(rt);
    result.inProcess[rt.label] = r.rates;
    result.inProcessCpuMs[rt.label] = r.cpuMs;
    for (const n of r.notes) result.notes.push(`${rt.label} in-process: ${n}`);
  }

  // 2. Encapsulate: every service up at once, measured in alternating rounds.
  log(`[${elapsed()}] encapsulate: ours against the naive services, ${ROUNDS} rounds ...`);
  const ours = new Map<string, Ours>();
  const contenders: { rt: Runtime; service: NaiveRow['service']; url: string; path: string; cpu: () => number | null; stop?: () => Promise<void> }[] = [];
  for (const rt of list) {
    const o = await startOurs(rt);
    ours.set(rt.label, o);
    rt.backend = o.backend;
    rt.readyz = o.readyz;
    const noble = await startNaive(rt, 'noble');
    contenders.push({ rt, service: 'naive noble', url: noble.url, path: '/encapsulate', cpu: noble.cpuSeconds, stop: noble.stop });
    contenders.push({ rt, service: 'ours', url: o.url, path: '/v1/kem/encapsulate', cpu: o.cpuSeconds });
    if (rt.native) {
      const native = await startNaive(rt, 'native');
      contenders.push({ rt, service: 'naive native', url: native.url, path: '/encapsulate', cpu: native.cpuSeconds, stop: native.stop });
    }
  }
  const bodies = KEM_KEYS.map((pk) => ({ pk }));
  const rounds = await alternate(contenders.map((c) => ({ url: c.url, spec: { path: c.path, body: bodies, cpu: c.cpu } })));
  log(`[${elapsed()}] encapsulate to one-off keys: the same services, ${ROUNDS} rounds ...`);
  const oneOffBodies = ONE_OFF_KEM_KEYS.map((pk) => ({ pk }));
  const oneOffRounds = await alternate(contenders.map((c) => ({ url: c.url, spec: { path: c.path, body: oneOffBodies, cpu: c.cpu } })));
  for (const [i, c] of contenders.entries()) {
    result.naive.push({ runtime: c.rt.label, service: c.service, rounds: rounds[i]!, load: median(rounds[i]!) });
    result.naiveOneOff!.push({ runtime: c.rt.label, service: c.service, rounds: oneOffRounds[i]!, load: median(oneOffRounds[i]!) });
    await c.stop?.();
  }

  // 3. Each endpoint of ours, HTTP against in-process; then /healthz under saturated signing.
  for (const rt of list) {
    const server = ours.get(rt.label)!;
    log(`[${elapsed()}] endpoints, ${rt.label} (backend ${server.backend}) ...`);
    try {
      await endpoints(rt, server, result);
      log(`[${elapsed()}] /healthz while dsa/sign is saturated, ${rt.label} ...`);
      result.saturation.push(await saturation(rt, server));
      log(`[${elapsed()}] /healthz while the slow lane is saturated (SLH-DSA), ${rt.label} ...`);
      result.saturation.push(await slowLane(rt, server));
    } finally {
      await server.stop();
    }
  }

  // 4. Tokens through Redis against API keys.
  let redis: TestRedis | undefined;
  try {
    redis = await startRedis();
  } catch (err) {
    result.redisSkipped = (err as Error).message;
    log(`Redis rows are SKIPPED: ${result.redisSkipped}`);
  }
  if (redis) {
    try {
      for (const rt of list) {
        const alsoTwo = rt === list.at(-1);
        log(`[${elapsed()}] Redis store, WORKERS=1${alsoTwo ? ' and WORKERS=2' : ''}, ${rt.label} ...`);
        result.redis.push(...(await tokensThroughRedis(rt, redis.url, alsoTwo)));
      }
    } finally {
      await redis.dispose();
    }
  }

  result.ratios = ratios(result, base, n24);
  result.durationSeconds = (Date.now() - started) / 1000;

  log('');
  log(renderTables(result));
  log('## Ratios against the targets\n');
  log(renderRatios(result.ratios, 'text'));
  for (const n of result.notes) log(`note: ${n}`);
  if (WRITE) {
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/latest.json', JSON.stringify(result, null, 2) + '\n');
    writeFileSync('bench/results/chart.svg', renderChart(result));
    const doc = 'docs/performance.md';
    if (existsSync(doc)) writeFileSync(doc, replaceGenerated(readFileSync(doc, 'utf8'), renderMarkdown(result)));
    log(`\nWrote bench/results/latest.json, bench/results/chart.svg and docs/performance.md (${elapsed()} in all).`);
  }
}

/**
 * Measures several targets in alternating rounds (A B C, A C B, C A B, C B A, ...: roundOrder), so
 * that a burst of load from elsewhere on the machine falls on all of them rather than on one, and
 * none is always measured first or right after the same other one; warm-up in the first round only.
 */
async function alternate(targets: { url: string; spec: LoadSpec }[], rounds = ROUNDS): Promise<Load[][]> {
  const out: Load[][] = targets.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const i of roundOrder(targets.length, round)) {
      const t = targets[i]!;
      out[i]!.push(await load(t.url, { seconds: ROUND_SECONDS, ...t.spec, warmup: round === 0 ? Math.max(WARMUP, 1) : 0 }));
    }
  }
  return out;
}

/** The median of each figure over the rounds (a round disturbed by other work moves it least). */
function median(loads: Load[]): Load {
  const med = (f: (l: Load) => number | null) => {
    const v = loads.map(f).filter((x): x is number => x !== null).sort((a, b) => a - b);
    if (v.length === 0) return null;
    const m = Math.floor(v.length / 2);
    return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  };
  return {
    rps: med((l) => l.rps)!,
    p50: med((l) => l.p50)!,
    p99: med((l) => l.p99)!,
    max: Math.max(...loads.map((l) => l.max)),
    requests: loads.reduce((s, l) => s + l.requests, 0),
    bad: loads.reduce((s, l) => s + l.bad, 0),
    cpuMs: med((l) => l.cpuMs),
  };
}

async function endpoints(rt: Runtime, server: Ours, result: BenchResult): Promise<void> {
  const url = server.url;
  const local = result.inProcess[rt.label] ?? {};
  const kp = await post(url, '/v1/kem/keypair', {});
  const pk = str(kp.pk, 'pk');
  const cipher = str((await post(url, '/v1/kem/encapsulate', { pk })).cipher, 'cipher');
  const sharedKey = str((await post(url, '/v1/kem/encapsulate', { pk })).shared_key, 'shared_key');
  const data = 'x'.repeat(1024);
  const signed = await post(url, '/v1/dsa/sign', { data });
  const aes = str((await post(url, '/v1/aes/encrypt', { unencrypted: data, key: sharedKey })).ciphertext, 'ciphertext');
  const token = str((await post(url, '/v1/tokens', { expiry_time: 3600 })).new_token, 'new_token');

  const row = async (label: string, op: string | null, spec: LoadSpec) => {
    const http = await load(url, { ...spec, cpu: server.cpuSeconds });
    const inProcess = op ? (local[op] ?? null) : null;
    const r: EndpointRow = { runtime: rt.label, backend: server.backend, label, op, inProcess, inProcessCpuMs: op ? (result.inProcessCpuMs[rt.label]?.[op] ?? null) : null, http };
    result.endpoints.push(r);
  };
  await row('GET /healthz (HTTP floor)', null, { path: '/healthz' });
  await row('GET /v1/tokens/current, API key', null, { path: '/v1/tokens/current' });
  await row('GET /v1/tokens/current, token', null, { path: '/v1/tokens/current', auth: token });
  await row('POST /v1/kem/keypair ML-KEM-768 (+ ML-DSA-65 signature of pk)', 'kem.keypair', { path: '/v1/kem/keypair', body: {} });
  const enc = result.naive.find((n) => n.runtime === rt.label && n.service === 'ours');
  if (enc) result.endpoints.push({ runtime: rt.label, backend: server.backend, label: 'POST /v1/kem/encapsulate ML-KEM-768', op: 'kem.encapsulate', inProcess: local['kem.encapsulate'] ?? null, inProcessCpuMs: result.inProcessCpuMs[rt.label]?.['kem.encapsulate'] ?? null, http: enc.load });
  await row('POST /v1/kem/decapsulate ML-KEM-768 (stored key)', 'kem.decapsulate', { path: '/v1/kem/decapsulate', body: { cipher, key_id: kp.key_id } });
  await row('POST /v1/dsa/sign ML-DSA-65, 1 KiB (stored key)', 'dsa.sign', { path: '/v1/dsa/sign', body: { data } });
  await row('POST /v1/dsa/verify ML-DSA-65, 1 KiB', 'dsa.verify', { path: '/v1/dsa/verify', body: { data, pk: signed.pk, signature: signed.signature } });
  await row('POST /v1/aes/encrypt 1 KiB', 'aes.encrypt', { path: '/v1/aes/encrypt', body: { unencrypted: data, key: sharedKey } });
  await row('POST /v1/aes/decrypt 1 KiB', 'aes.decrypt', { path: '/v1/aes/decrypt', body: { ciphertext: aes, key: sharedKey } });
  await row('POST /v1/tokens (mint)', null, { path: '/v1/tokens', body: { expiry_time: 60 } });
}

async function saturation(rt: Runtime, server: Ours): Promise<SaturationRow> {
  const sign = load(server.url, { path: '/v1/dsa/sign', body: { data: 'x'.repeat(1024) }, seconds: SECONDS + 2, warmup: 0 });
  await new Promise((r) => setTimeout(r, 750)); // let the sign queue fill
  const healthz = await probe(server.url + '/healthz', SECONDS);
  return { runtime: rt.label, backend: server.backend, load: 'signing', sign: await sign, healthz };
}

/**
 * /healthz while the slow lane is saturated (the fairness issue's load): 8 connections each
 * signing with SLH-DSA-SHA2-128f (always the slow lane: crypto/costs.ts laneOf) one signature
 * after another, so the slow lane's threads are always busy and work waits for them.
 */
async function slowLane(rt: Runtime, server: Ours): Promise<SaturationRow> {
  const key = str((await post(server.url, '/v1/dsa/keypair', { algorithm: 'SLH-DSA-SHA2-128f' })).key_id, 'key_id');
  const sign = load(server.url, { path: '/v1/dsa/sign', body: { data: 'x'.repeat(1024), key_id: key }, connections: 8, seconds: SECONDS + 2, warmup: 0, cpu: server.cpuSeconds });
  await new Promise((r) => setTimeout(r, 750));
  const healthz = await probe(server.url + '/healthz', SECONDS);
  return { runtime: rt.label, backend: server.backend, load: 'slow lane', sign: await sign, healthz };
}

/**
 * /healthz as a health checker sees it: 2 probes in a loop for `seconds`, each latency recorded,
 * and the probes still waiting at the end awaited (up to 10 s) rather than dropped, so a blocked
 * event loop shows up as the long latency it is, never as "no samples".
 */
async function probe(url: string, seconds: number): Promise<Load> {
  const latencies: number[] = [];
  let bad = 0;
  const end = performance.now() + seconds * 1000;
  const lane = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (!res.ok) bad++;
      } catch {
        bad++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all([lane(), lane()]);
  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return { rps: (sorted.length * 1000) / (performance.now() - t0), p50: pct(50), p99: pct(99), max: sorted.at(-1) ?? 0, requests: sorted.length, bad, cpuMs: null };
}

/**
 * Rate limits on for the Redis rows (the production default is on), high enough never to refuse:
 * so a request pays what the limits cost in store round trips (a token: its one admission script;
 * an API key: a reservation per batch of its tenant's places), not what they refuse.
 */
const REDIS_LIMITS = { RATE_LIMIT_PER_TENANT: '1000000', RATE_LIMIT_PER_TOKEN: '1000000', AUTH_FAILURES_PER_MINUTE: '1000' };

async function tokensThroughRedis(rt: Runtime, redisUrl: string, alsoTwoWorkers: boolean): Promise<RedisRow[]> {
  const servers = new Map<number, Ours>();
  const rows: RedisRow[] = [];
  try {
    for (const workers of alsoTwoWorkers ? [1, 2] : [1]) servers.set(workers, await startOurs(rt, { REDIS_URL: redisUrl, WORKERS: String(workers), ...REDIS_LIMITS }));
    const one = servers.get(1)!;
    const attempts = str((await post(one.url, '/v1/tokens', { expiry_time: 3600, expire_after_attempts: 1_000_000 })).new_token, 'new_token');
    const timeOnly = str((await post(one.url, '/v1/tokens', { expiry_time: 3600 })).new_token, 'new_token');
    const bodies = KEM_KEYS.map((pk) => ({ pk }));
    // Each group is measured in ROUNDS alternating rounds, every contender up.
    const group = async (cases: [Ours, number, string, RedisRow['auth'], LoadSpec][]) => {
      const loads = await alternate(cases.map(([server, , , , spec]) => ({ url: server.url, spec: { ...spec, cpu: server.cpuSeconds } })));
      cases.forEach(([server, workers, label, auth], i) => rows.push({ runtime: rt.label, backend: server.backend, workers, label, auth, rounds: loads[i]!, http: median(loads[i]!) }));
    };
    const ENC = 'POST /v1/kem/encapsulate';
    const GET = 'GET /v1/tokens/current';
    const enc = (auth?: string): LoadSpec => ({ path: '/v1/kem/encapsulate', body: bodies, ...(auth ? { auth } : {}) });
    await group([...servers].flatMap(([workers, server]): [Ours, number, string, RedisRow['auth'], LoadSpec][] => [[server, workers, ENC, 'API key', enc()], [server, workers, ENC, 'token with attempts', enc(attempts)]]));
    await group([[one, 1, ENC, 'time-only token', enc(timeOnly)], [one, 1, GET, 'API key', { path: '/v1/tokens/current' }], [one, 1, GET, 'token', { path: '/v1/tokens/current', auth: timeOnly }]]);
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  return rows;
}

/** The median of the per-round ratios a_i / b_i: each round's pair was measured minutes apart at most, under the same noise. */
function pairedRatio(a: Load[], b: Load[], by: 'rps' | 'cpu' = 'rps'): { value: number; perRound: number[] } | null {
  // By CPU, the throughput-equivalent ratio is b's CPU per request over a's.
  const one = (x: Load, y: Load | undefined) => (!y ? NaN : by === 'rps' ? x.rps / y.rps : x.cpuMs && y.cpuMs ? y.cpuMs / x.cpuMs : NaN);
  const perRound = a.map((l, i) => one(l, b[i])).filter((x) => Number.isFinite(x));
  if (perRound.length === 0) return null;
  const sorted = [...perRound].sort((x, y) => x - y);
  const m = Math.floor(sorted.length / 2);
  return { value: sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2, perRound };
}

const spreadOf = (xs: number[]): [number, number] => [Math.min(...xs), Math.max(...xs)];
const range = ([lo, hi]: [number, number], digits = 2) => `${lo.toFixed(digits)} to ${hi.toFixed(digits)}`;

function ratios(result: BenchResult, base: Runtime, n24: Runtime | undefined): Ratio[] {
  const enc = (rt: Runtime | undefined, service: NaiveRow['service'], rows = result.naive) => (rt ? rows.find((n) => n.runtime === rt.label && n.service === service) : undefined);
  const oneOff = result.naiveOneOff ?? [];
  const out: Ratio[] = [];
  const skip = result.node24Skipped ?? 'no Node 24';
  // Met only when the median of the rounds' req/s ratios AND the median by CPU per request meet it.
  const ratio = (label: string, a: NaiveRow | undefined, b: NaiveRow | undefined, target: number | null, why = 'not measured') => {
    const r = a && b ? pairedRatio(a.rounds, b.rounds) : null;
    const c = a && b ? pairedRatio(a.rounds, b.rounds, 'cpu') : null;
    out.push({
      label,
      value: r?.value ?? null,
      unit: 'x',
      target: target === null ? 'informative' : `>= ${target}x`,
      met: r && target !== null ? r.value >= target && c !== null && c.value >= target : null,
      byCpu: c?.value ?? null,
      spread: r ? spreadOf(r.perRound) : null,
      detail: r
        ? `${r.perRound.length} rounds, ratios ${range(spreadOf(r.perRound))} (median ${r.value.toFixed(2)}); by CPU ${c ? `${range(spreadOf(c.perRound))} (median ${c.value.toFixed(2)})` : '-'}; median req/s ${fmt(a!.load.rps)} / ${fmt(b!.load.rps)}`
        : why,
    });
  };
  ratio(`${base.label}: our encapsulate / naive noble`, enc(base, 'ours'), enc(base, 'naive noble'), 0.9);
  ratio(`Node 24: our encapsulate / naive noble on ${base.label}`, enc(n24, 'ours'), enc(base, 'naive noble'), null, skip);
  ratio('Node 24: our encapsulate / naive native on Node 24', enc(n24, 'ours'), enc(n24, 'naive native'), 0.8, skip);
  ratio(`${base.label}: (one-off keys) our encapsulate / naive noble`, enc(base, 'ours', oneOff), enc(base, 'naive noble', oneOff), null);
  ratio('Node 24: (one-off keys) our encapsulate / naive native on Node 24', enc(n24, 'ours', oneOff), enc(n24, 'naive native', oneOff), null, skip);
  for (const rt of [...new Set([base, n24])]) {
    for (const kind of ['signing', 'slow lane'] as const) {
      const s = rt && result.saturation.find((x) => x.runtime === rt.label && (x.load ?? 'signing') === kind);
      const label = `${rt?.label ?? 'Node 24'}: /healthz p99 while ${kind === 'signing' ? 'dsa/sign (ML-DSA-65)' : 'the slow lane (SLH-DSA-SHA2-128f signing)'} is saturated`;
      out.push(
        s
          ? { label, value: s.healthz.p99, unit: 'ms', target: '< 50 ms', met: s.healthz.p99 < 50, detail: `p50 ${fmt(s.healthz.p50)} ms, max ${fmt(s.healthz.max)} ms, ${s.healthz.requests} probes; sign ${fmt(s.sign.rps)} req/s meanwhile` }
          : { label, value: null, unit: 'ms', target: '< 50 ms', met: null, detail: skip },
      );
    }
  }
  const COST = 15;
  for (const rt of [...new Set([base, n24])]) {
    for (const workers of [1, 2]) {
      const find = (auth: RedisRow['auth'], path: string) => result.redis.find((r) => r.runtime === rt?.label && r.workers === workers && r.auth === auth && r.label === path);
      const key = find('API key', 'POST /v1/kem/encapsulate');
      const tok = find('token with attempts', 'POST /v1/kem/encapsulate');
      if (workers === 2 && !(key && tok)) continue;
      const label = `${rt?.label ?? 'Node 24'}${workers === 2 ? ', WORKERS=2' : ''}: temporary token through Redis vs API key, POST /v1/kem/encapsulate`;
      const r = key && tok ? pairedRatio(tok.rounds, key.rounds) : null;
      const cost = r ? (1 - r.value) * 100 : null;
      const c = key && tok ? pairedRatio(tok.rounds, key.rounds, 'cpu') : null;
      const cpuCost = c ? (1 - c.value) * 100 : null;
      const costs = (xs: number[]) => spreadOf(xs.map((x) => (1 - x) * 100)).sort((x, y) => x - y) as [number, number];
      out.push({
        label,
        value: cost,
        unit: '% cost',
        target: workers === 1 ? `<= ${COST}% cost` : 'informative',
        met: cost === null || workers !== 1 ? null : cost <= COST && cpuCost !== null && cpuCost <= COST,
        byCpu: cpuCost,
        spread: r ? costs(r.perRound) : null,
        detail: r
          ? `token (one attempt used per request) / API key, rate limits on; ${r.perRound.length} rounds, cost ${range(costs(r.perRound), 1)}% (median ${cost!.toFixed(1)}%); by CPU ${c ? `${range(costs(c.perRound), 1)}%` : '-'}; median req/s ${fmt(tok!.http.rps)} / ${fmt(key!.http.rps)}`
          : rt ? (result.redisSkipped ?? 'not measured') : skip,
      });
    }
    // WORKERS=2 against WORKERS=1, both up together on one Redis: what a second process costs per request.
    const w = (workers: number) => result.redis.find((r) => r.runtime === rt?.label && r.workers === workers && r.auth === 'API key' && r.label === 'POST /v1/kem/encapsulate');
    const [w1, w2] = [w(1), w(2)];
    if (w1 && w2) {
      const r = pairedRatio(w2.rounds, w1.rounds);
      const c = pairedRatio(w2.rounds, w1.rounds, 'cpu');
      if (r) {
        out.push({
          label: `${rt!.label}: WORKERS=2 / WORKERS=1, POST /v1/kem/encapsulate with an API key, Redis store`,
          value: r.value,
          unit: 'x',
          target: 'informative',
          met: null,
          byCpu: c?.value ?? null,
          spread: spreadOf(r.perRound),
          detail: `${r.perRound.length} rounds, ratios ${range(spreadOf(r.perRound))}; by CPU per request ${c ? `${range(spreadOf(c.perRound))} (median ${c.value.toFixed(2)}: below 1, a request costs more CPU in two processes)` : '-'}; CPU ms/request ${w2.http.cpuMs?.toFixed(3) ?? '-'} / ${w1.http.cpuMs?.toFixed(3) ?? '-'}`,
        });
      }
    }
    const gKey = result.redis.find((r) => r.runtime === rt?.label && r.workers === 1 && r.auth === 'API key' && r.label === 'GET /v1/tokens/current');
    const gTok = result.redis.find((r) => r.runtime === rt?.label && r.workers === 1 && r.auth === 'token' && r.label === 'GET /v1/tokens/current');
    if (gKey && gTok) {
      const r = pairedRatio(gTok.rounds, gKey.rounds);
      const c = pairedRatio(gTok.rounds, gKey.rounds, 'cpu');
      if (r) {
        out.push({
          label: `${rt!.label}: (worst case, no crypto) token through Redis vs API key, GET /v1/tokens/current`,
          value: (1 - r.value) * 100,
          unit: '% cost',
          target: 'informative',
          met: null,
          byCpu: c ? (1 - c.value) * 100 : null,
          spread: spreadOf(r.perRound.map((x) => (1 - x) * 100)),
          detail: `${r.perRound.length} rounds; median req/s ${fmt(gTok.http.rps)} vs ${fmt(gKey.http.rps)}`,
        });
      }
    }
  }
  return out;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

/** `--render`: rewrites the chart and the generated part of docs/performance.md from latest.json, measuring nothing. */
function render(): void {
  const result = JSON.parse(readFileSync('bench/results/latest.json', 'utf8')) as BenchResult;
  writeFileSync('bench/results/chart.svg', renderChart(result));
  writeFileSync('docs/performance.md', replaceGenerated(readFileSync('docs/performance.md', 'utf8'), renderMarkdown(result)));
  log('Rendered bench/results/chart.svg and docs/performance.md from bench/results/latest.json.');
}

if (process.argv.includes('--render')) render();
else {
  await main();
  // The sealed (OHTTP) path against the plain one, on both runtimes (bench/sealed.ts): part of
  // every `npm run bench` unless BENCH_SEALED=0.
  if (process.env.BENCH_SEALED !== '0') {
    log('\n--- sealed requests against plain ones (bench/sealed.ts)');
    const sealed = spawnSync('npx', ['tsx', 'bench/sealed.ts'], { stdio: 'inherit', env: process.env });
    if (sealed.status !== 0) process.exitCode = sealed.status ?? 1;
  }
}
// autocannon and fetch keep-alive sockets could hold the loop open.
process.exit(process.exitCode ?? 0);
