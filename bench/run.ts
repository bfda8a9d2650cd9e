/**
 * Benchmarks: each operation over HTTP (autocannon against a real server in a child process, so
 * the load generator and the server do not share a core) against the same operation called
 * in-process, measured in one run. Absolute rates on shared machines are noisy; the ratios are the
 * figures to compare between runs. Results go to stdout as a Markdown table.
 *
 *   npm run bench                  # embedded store
 *   npm run bench -- --redis       # also the token path on a throwaway redis-server
 *   BENCH_SECONDS=5 npm run bench  # longer runs
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { aeadSeal } from '../src/crypto/aead.ts';
import { dsaKeygen, dsaSign, dsaVerify } from '../src/crypto/dsa.ts';
import { encodeBase64, encodeUtf8 } from '../src/crypto/encoding.ts';
import { deriveAesKey } from '../src/crypto/kdf.ts';
import { kemDecapsulate, kemEncapsulate, kemKeygen } from '../src/crypto/kem.ts';
import { freePort, startRedis, type TestRedis } from '../test/helpers/redis.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const API_KEY = `bench-key-${randomBytes(24).toString('base64url')}`;

/** Calls `fn` repeatedly for `seconds`; operations per second. */
function inProcess(fn: () => unknown, seconds = Math.min(SECONDS, 2)): number {
  for (let i = 0; i < 5; i++) fn(); // warm-up
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    fn();
    n++;
  }
  return n / seconds;
}

async function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      API_KEYS: `bench:${API_KEY}`,
      TOKEN_SECRET: randomBytes(48).toString('base64'),
      MASTER_KEY: randomBytes(32).toString('base64'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

async function post(url: string, path: string, body: unknown, auth = API_KEY) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, string>>;
}

interface HttpResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function overHttp(url: string, method: 'GET' | 'POST', path: string, body?: unknown, auth = API_KEY): Promise<HttpResult> {
  const result = await autocannon({
    url: url + path,
    method,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

async function main() {
  const withRedis = process.argv.includes('--redis');
  const pair = kemKeygen('ML-KEM-768');
  const enc = kemEncapsulate(pair.publicKey);
  const dsa = dsaKeygen('ML-DSA-65');
  const message = encodeUtf8('x'.repeat(1024));
  const signature = dsaSign('ML-DSA-65', dsa.seed, message);

  let redis: TestRedis | undefined;
  const servers: { name: string; env: Record<string, string> }[] = [{ name: 'memory', env: {} }];
  if (withRedis) {
    redis = await startRedis();
    servers.push({ name: 'redis', env: { REDIS_URL: redis.url } });
  }

  console.log(`# Benchmarks (${SECONDS} s per HTTP run, ${CONNECTIONS} connections, Node ${process.version})\n`);
  for (const { name, env } of servers) {
    const { url, child } = await startServer(env);
    try {
      const kp = await post(url, '/v1/kem/keypair', {});
      const cipher = (await post(url, '/v1/kem/encapsulate', { pk: kp.pk })).cipher!;
      const sharedKey = encodeBase64(enc.sharedSecret);
      const token = (await post(url, '/v1/tokens', { expiry_time: 3600, expire_after_attempts: 1_000_000 })).new_token!;
      const unlimited = (await post(url, '/v1/tokens', { expiry_time: 3600 })).new_token!;
      const verifyBody = { data: 'x'.repeat(1024), pk: encodeBase64(dsa.publicKey), signature: encodeBase64(signature) };

      const rows: [string, number | undefined, HttpResult][] = [];
      const run = async (label: string, local: (() => unknown) | undefined, method: 'GET' | 'POST', path: string, body?: unknown, auth?: string) => {
        const http = await overHttp(url, method, path, body, auth);
        rows.push([label, local ? inProcess(local) : undefined, http]);
      };
      await run('GET /healthz (HTTP floor)', undefined, 'GET', '/healthz');
      await run('GET /v1/tokens/current, API key', undefined, 'GET', '/v1/tokens/current');
      await run('GET /v1/tokens/current, token (store read)', undefined, 'GET', '/v1/tokens/current', undefined, token);
      await run('POST /v1/kem/encapsulate ML-KEM-768', () => kemEncapsulate(pair.publicKey), 'POST', '/v1/kem/encapsulate', { pk: kp.pk });
      await run('POST /v1/kem/decapsulate ML-KEM-768 (store + unseal)', () => kemDecapsulate('ML-KEM-768', pair.seed, enc.cipherText), 'POST', '/v1/kem/decapsulate', { cipher, key_id: kp.key_id });
      await run('POST /v1/dsa/sign ML-DSA-65, 1 KiB', () => dsaSign('ML-DSA-65', dsa.seed, message), 'POST', '/v1/dsa/sign', { data: 'x'.repeat(1024) });
      await run('POST /v1/dsa/verify ML-DSA-65, 1 KiB', () => dsaVerify(dsa.publicKey, message, signature), 'POST', '/v1/dsa/verify', verifyBody);
      await run('POST /v1/dsa/verify, token with attempts (atomic consume)', () => dsaVerify(dsa.publicKey, message, signature), 'POST', '/v1/dsa/verify', verifyBody, token);
      await run('POST /v1/dsa/verify, time-only token', () => dsaVerify(dsa.publicKey, message, signature), 'POST', '/v1/dsa/verify', verifyBody, unlimited);
      await run('POST /v1/aes/encrypt 1 KiB', () => aeadSeal(deriveAesKey(enc.sharedSecret), message), 'POST', '/v1/aes/encrypt', { unencrypted: 'x'.repeat(1024), key: sharedKey });

      console.log(`## ${name} store\n`);
      console.log('| operation | in-process ops/s | HTTP req/s | HTTP / in-process | p50 ms | p99 ms | non-2xx |');
      console.log('|---|---:|---:|---:|---:|---:|---:|');
      for (const [label, local, http] of rows) {
        const ratio = local ? `${(http.rps / local).toFixed(2)}` : '-';
        console.log(`| ${label} | ${local ? fmt(local) : '-'} | ${fmt(http.rps)} | ${ratio} | ${http.p50} | ${http.p99} | ${http.errors} |`);
      }
      console.log('');
    } finally {
      child.kill('SIGTERM');
    }
  }
  await redis?.dispose();
}

await main();
