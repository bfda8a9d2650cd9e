/**
 * Two (or more) builds of our server side by side, in alternating rounds: how a change moves the
 * CPU each request costs, measured within one run, so the noise of a shared machine falls on both
 * sides. Each argument is a directory holding a compiled `dist/` (and a `node_modules`), e.g. a
 * copy of an earlier `dist/` and this checkout:
 *
 *   npm run build:dist && cp -r dist /tmp/before/dist && ln -s $PWD/node_modules /tmp/before/
 *   ...change, npm run build:dist...
 *   npx tsx bench/ab.ts /tmp/before . [--node24] [--target encapsulate|healthz|current|token-encapsulate] [--rounds 9] [--seconds 2] [--keys 16]
 *
 * `naive-noble` or `naive-native` in place of a directory runs that baseline of `npm run bench`
 * (bench/naive-*.ts, `POST /encapsulate`) as one of the contenders (`--target encapsulate` only),
 * e.g. `npx tsx bench/ab.ts naive-noble .` for the issue's Node 20 ratio in one quick run.
 *
 * Prints, per build, the median req/s and server CPU µs per request (with min-max over the
 * rounds, and the main thread's share: the rest is V8's helper threads, GC marking and
 * compilation), and each build's median per-round ratio against the first by CPU per request.
 * `--target token-encapsulate` and `current` run on a throwaway redis-server with a token.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { findNode24 } from './lib/node24.ts';
import { ourEnv, roundOrder, startService, type Service } from './lib/procs.ts';
import { startRedis } from '../test/helpers/redis.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback);
const flags = new Set(['--target', '--targets', '--rounds', '--seconds', '--connections', '--env', '--keys']);
const dirs = argv.filter((a, i) => !a.startsWith('--') && !flags.has(argv[i - 1] ?? ''));
if (dirs.length < 1) throw new Error('give directories, each with a dist/main.js (or naive-noble / naive-native)');
// --target one target for every build; --targets a,b: every build once per target (e.g. a token
// against an API key, `--targets apikey-redis,token-encapsulate`), each a server of its own.
const targets = opt('--targets', opt('--target', 'encapsulate')).split(',');
const rounds = Number(opt('--rounds', '9'));
const seconds = Number(opt('--seconds', '2'));
const connections = Number(opt('--connections', '32'));
const extraEnv = Object.fromEntries(
  opt('--env', '')
    .split(',')
    .filter(Boolean)
    .map((kv) => kv.split('=') as [string, string]),
);
let bin = process.execPath;
if (argv.includes('--node24')) {
  const n24 = findNode24(console.log);
  if (!n24.ok) throw new Error(n24.reason);
  bin = n24.bin;
}
const secrets = { apiKey: `bench-key-${randomBytes(24).toString('base64url')}`, tokenSecret: randomBytes(48).toString('base64'), masterKey: randomBytes(32).toString('base64') };
const usesRedis = targets.some((target) => target === 'token-encapsulate' || target === 'current' || target === 'apikey-redis');
const redis = usesRedis ? await startRedis() : undefined;
const servers: Service[] = [];
const isNaive = (dir: string) => dir === 'naive-noble' || dir === 'naive-native';
const contenders = dirs.flatMap((dir) => targets.map((target) => ({ dir, target, label: targets.length > 1 ? `${dir} ${target}` : dir })));
if (contenders.length < 2) throw new Error('nothing to compare: give two directories, or one with --targets a,b');
for (const { dir, target } of contenders) {
  if (isNaive(dir)) {
    if (target !== 'encapsulate') throw new Error(`${dir} answers only --target encapsulate`);
    servers.push(await startService({ name: dir, bin, args: ['--import', 'tsx', `bench/${dir}.ts`], env: { ...process.env, NODE_ENV: 'production' }, readyPath: '/healthz' }));
    continue;
  }
  const env = ourEnv(secrets, { ...(redis ? { REDIS_URL: redis.url } : {}), ...extraEnv });
  servers.push(await startService({ name: dir, bin, args: [resolve(dir, 'dist/main.js')], env, readyPath: '/readyz' }));
}
const auth = (url: string) => ({ authorization: `Bearer ${secrets.apiKey}`, 'content-type': 'application/json' });
const post = async (url: string, path: string, body: unknown, headers = auth(url)) => (await (await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as Record<string, string>;
// The public keys encapsulated to, in turn: 16 by default; more than the servers keep prepared
// (256: native.ts PublicKeys, noble.ts PREPARED_PUBLIC_KEY_ENTRIES), e.g. --keys 1024, and every request
// names a key its server has not seen lately.
const pks = Array.from({ length: Number(opt('--keys', '16')) }, () => Buffer.from(ml_kem768.keygen().publicKey).toString('base64'));

async function specFor(url: string, dir: string, target: string): Promise<autocannon.Options> {
  const base = { url, connections, duration: seconds };
  const bodies = pks.map((pk) => JSON.stringify({ pk }));
  let i = 0;
  if (isNaive(dir)) {
    return { ...base, url: url + '/encapsulate', method: 'POST', headers: { 'content-type': 'application/json' }, requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }] };
  }
  const encapsulate = (authorization: string): autocannon.Options => ({
    ...base,
    url: url + '/v1/kem/encapsulate',
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  });
  switch (target) {
    case 'encapsulate':
    case 'apikey-redis':
      return encapsulate(`Bearer ${secrets.apiKey}`);
    case 'token-encapsulate': {
      const { new_token: token } = await post(url, '/v1/tokens', { expiry_time: 3600, expire_after_attempts: 1_000_000 });
      if (!token) throw new Error('could not mint a token');
      return encapsulate(`Bearer ${token}`);
    }
    case 'current': {
      const { new_token: token } = await post(url, '/v1/tokens', { expiry_time: 3600 });
      if (!token) throw new Error('could not mint a token');
      return { ...base, url: url + '/v1/tokens/current', headers: { authorization: `Bearer ${token}` } };
    }
    case 'healthz':
      return { ...base, url: url + '/healthz' };
    default:
      throw new Error(`unknown target ${target}`);
  }
}
const specs = await Promise.all(servers.map((s, k) => specFor(s.url, contenders[k]!.dir, contenders[k]!.target)));
const idle = async (s: Service) => {
  for (let last = s.cpuSeconds() ?? 0, n = 0; n < 50; n++) {
    await new Promise((r) => setTimeout(r, 100));
    const now = s.cpuSeconds() ?? 0;
    if (now - last < 0.005) return;
    last = now;
  }
};
const results: { rps: number; cpuUs: number; mainUs: number; non2xx: number }[][] = servers.map(() => []);
for (const spec of specs) await autocannon({ ...spec, duration: 1 }); // warm-up
for (let r = 0; r < rounds; r++) {
  // No build always runs first, or always right after the same other one (roundOrder).
  for (const i of roundOrder(servers.length, r)) {
    const s = servers[i]!;
    await idle(s);
    const before = s.cpuSeconds() ?? 0;
    const mainBefore = s.mainThreadCpuSeconds() ?? 0;
    const res = await autocannon(specs[i]!);
    await idle(s);
    const cpu = (s.cpuSeconds() ?? 0) - before;
    const main = (s.mainThreadCpuSeconds() ?? 0) - mainBefore;
    const n = Math.max(1, res.requests.total);
    results[i]!.push({ rps: res.requests.total / seconds, cpuUs: (cpu * 1e6) / n, mainUs: (main * 1e6) / n, non2xx: res.non2xx });
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
console.log(`${targets.join(', ')} on ${bin === process.execPath ? process.version : 'Node 24'}, ${rounds} alternating rounds of ${seconds} s, ${connections} connections`);
for (const [i, { label: dir }] of contenders.entries()) {
  const rs = results[i]!;
  const cpuRatio = median(rs.map((x, r) => results[0]![r]!.cpuUs / x.cpuUs));
  const rpsRatio = median(rs.map((x, r) => x.rps / results[0]![r]!.rps));
  console.log(
    `${dir.padEnd(28)} req/s ${median(rs.map((x) => x.rps)).toFixed(0)} (${range(rs.map((x) => x.rps))})  CPU µs/req ${median(rs.map((x) => x.cpuUs)).toFixed(1)} (${range(rs.map((x) => x.cpuUs))}, main thread ${median(rs.map((x) => x.mainUs)).toFixed(0)})  non-2xx ${rs.reduce((a, x) => a + x.non2xx, 0)}` +
      (i ? `  vs first: ${rpsRatio.toFixed(3)}x req/s, ${cpuRatio.toFixed(3)}x by CPU (first's CPU / this one's)` : ''),
  );
}
for (const s of servers) await s.stop();
await redis?.stop();
process.exit(0);
