/**
 * Start-up of the real server process: each failure is one line on stderr naming the cause and
 * the variable or port, with its own exit code, and never a stack trace; in production, a
 * warning when Redis would not keep revocations; with the embedded store, WORKERS > 1 is refused
 * with a message and the service stays one process.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.ts';
import { eventually, signRequest, startChild, type Child } from './child.ts';

const PRODUCTION = {
  NODE_ENV: 'production',
  API_KEYS: `acme:${randomBytes(24).toString('base64url')}`,
  TOKEN_SECRET: randomBytes(48).toString('base64'),
  MASTER_KEY: randomBytes(32).toString('base64'),
  SHUTDOWN_DRAIN_MS: '0',
  METRICS_TOKEN: randomBytes(24).toString('base64'),
};

/** Asserts the process wrote exactly one line to stderr, with no stack trace, and returns it. */
function oneLine(child: Child): string {
  const lines = child.stderr().split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got:\n${child.stderr()}`);
  assert.doesNotMatch(lines[0]!, /^\s+at |Error:|node:internal/);
  return lines[0]!;
}

describe('start-up failures (real process)', () => {
  let busy: Server;
  let busyPort: number;
  before(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it('a busy port: one line naming PORT and the port, exit 2', async () => {
    const child = startChild({ env: { PORT: String(busyPort) } });
    const { code } = await child.exited;
    assert.equal(code, 2);
    const line = oneLine(child);
    assert.match(line, new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is already in use \\(PORT=${busyPort}\\)`));
  });

  it('a bad configuration: one line naming the variable, exit 78', async () => {
    const child = startChild({ env: { API_KEYS: 'no-colon-here' } });
    const { code } = await child.exited;
    assert.equal(code, 78);
    assert.match(oneLine(child), /^Configuration error: API_KEYS entry 1/);
  });

  it('production with /metrics neither guarded (METRICS_TOKEN) nor on loopback (METRICS_PORT): one line naming both, exit 78', async () => {
    const child = startChild({ env: { ...PRODUCTION, METRICS_TOKEN: '' } });
    const { code } = await child.exited;
    assert.equal(code, 78);
    assert.match(oneLine(child), /^Configuration error: METRICS_TOKEN or METRICS_PORT is required when NODE_ENV=production/);
  });

  it('METRICS_PORT: /metrics is served only on 127.0.0.1:METRICS_PORT, and no longer on the API port', async () => {
    const metricsPort = await freePort();
    const child = startChild({ env: { ...PRODUCTION, METRICS_TOKEN: '', METRICS_PORT: String(metricsPort) } });
    try {
      const { url } = await child.listening();
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      assert.equal((await fetch(`${url}/metrics`)).status, 404, 'not on the API port');
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /pqapi_http_requests_total/);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status, 404, 'only /metrics there');
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/v1/audit`)).status, 404);
    } finally {
      child.kill('SIGTERM');
      assert.equal((await child.exited).code, 0);
    }
  });

  it('METRICS_PORT in use: one line naming METRICS_PORT, exit 2', async () => {
    const child = startChild({ env: { METRICS_PORT: String(busyPort) } });
    const { code } = await child.exited;
    assert.equal(code, 2);
    assert.match(oneLine(child), new RegExp(`port ${busyPort} on 127\\.0\\.0\\.1 is already in use \\(METRICS_PORT=${busyPort}\\)`));
  });

  it('a bad number: one line naming the variable, exit 78', async () => {
    const child = startChild({ env: { SHUTDOWN_DRAIN_MS: 'soon' } });
    const { code } = await child.exited;
    assert.equal(code, 78);
    assert.match(oneLine(child), /^Configuration error: SHUTDOWN_DRAIN_MS/);
  });

  it('HOST that is not on this machine: one line naming HOST, exit 2', async () => {
    const child = startChild({ env: { HOST: '192.0.2.1' } });
    const { code } = await child.exited;
    assert.equal(code, 2);
    assert.match(oneLine(child), /address 192\.0\.2\.1 is not on this machine \(HOST=192\.0\.2\.1\)/);
  });

  it('production with an unreachable Redis: one line naming REDIS_URL and where (no password), exit 69', async () => {
    const port = await freePort();
    const started = Date.now();
    const child = startChild({ env: { ...PRODUCTION, REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}` } });
    const { code } = await child.exited;
    assert.equal(code, 69);
    const line = oneLine(child);
    assert.match(line, new RegExp(`^Store unavailable: Redis at 127\\.0\\.0\\.1:${port} \\(REDIS_URL\\) did not answer within 5 s`));
    assert.doesNotMatch(child.stdout() + child.stderr(), /hunter2/);
    assert.ok(Date.now() - started >= 4_500, 'it waited for Redis a few seconds first');
  });

  it('development with an unreachable Redis: starts, says so in the banner, warns, and /readyz is 503', async () => {
    const port = await freePort();
    const child = startChild({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    const { url } = await child.listening();
    assert.ok(child.logs().some((l) => l.level === 40 && /redis does not answer yet/.test(l.msg)));
    assert.match(child.stdout(), new RegExp(`Store: Redis at 127\\.0\\.0\\.1:${port} \\(REDIS_URL\\) DOES NOT ANSWER \\(.*ECONNREFUSED.*\\)\\. Requests that need it get 503`));
    assert.doesNotMatch(child.stdout(), /shared by every instance/);
    assert.equal((await fetch(`${url}/readyz`)).status, 503);
    child.kill('SIGTERM');
    assert.equal((await child.exited).code, 0);
  });

  it('development with an unreachable Redis: reconnect errors are logged with backoff, not at every attempt', async () => {
    const port = await freePort();
    // One process: with workers, each process has its own connection and reports its own errors.
    const child = startChild({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, WORKERS: '1' } });
    const isError = (l: { msg?: unknown }) => l.msg === 'redis connection error';
    // ioredis retries every 0.1, 0.2 ... 1 s: five failed attempts come within a few seconds, and
    // at most three lines can report them (at once, after 1 s, after 2 s more).
    const line = await child.waitForLog((l) => isError(l) && (l.failures as number) >= 5, 60_000);
    const lines = child.logs().filter(isError);
    assert.ok(lines.length <= 3, `${lines.length} lines for ${line.failures as number} failed attempts`);
    assert.deepEqual(lines.map((l) => l.next_report_in_s), [1, 2, 4].slice(0, lines.length));
    assert.match(line.error as string, /ECONNREFUSED/);
    child.kill('SIGTERM');
    assert.equal((await child.exited).code, 0);
  });

  it('production with no secrets: one line naming all three, and METRICS_TOKEN or METRICS_PORT, exit 78', async () => {
    const child = startChild({ env: { NODE_ENV: 'production', API_KEYS: '', TOKEN_SECRET: '', MASTER_KEY: '' } });
    const { code } = await child.exited;
    assert.equal(code, 78);
    assert.match(oneLine(child), /^Configuration error: 4 secrets to fix: API_KEYS is required .*; TOKEN_SECRET is required .*; MASTER_KEY is required .*; METRICS_TOKEN or METRICS_PORT is required /);
  });

  it('production with every secret from a file (X_FILE, as Compose secrets): starts, and the key from the file works', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-secrets-'));
    try {
      const key = randomBytes(32).toString('base64url');
      const write = (name: string, content: string) => {
        writeFileSync(join(dir, name), `${content}\n`);
        return join(dir, name);
      };
      const child = startChild({
        env: {
          ...PRODUCTION,
          API_KEYS: '',
          TOKEN_SECRET: '',
          MASTER_KEY: '',
          API_KEYS_FILE: write('api_keys', `acme:${key}`),
          TOKEN_SECRET_FILE: write('token_secret', randomBytes(48).toString('base64')),
          MASTER_KEY_FILE: write('master_key', randomBytes(32).toString('base64')),
        },
      });
      const { url } = await child.listening();
      const res = await fetch(...signRequest(url, key, 1));
      assert.equal(res.status, 200, await res.text());
      assert.equal((await fetch(...signRequest(url, `${key}x`, 2))).status, 401);
      assert.doesNotMatch(child.stdout() + child.stderr(), new RegExp(key));
      child.kill('SIGTERM');
      assert.equal((await child.exited).code, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('start-up checks (real process)', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => redis.dispose());

  const persistenceWarnings = async (env: Record<string, string>) => {
    const child = startChild({ env: { ...PRODUCTION, REDIS_URL: redis.url, WORKERS: '1', ...env } });
    await child.listening();
    child.kill('SIGTERM');
    await child.exited;
    return child
      .logs()
      .filter((l) => l.level === 40)
      .map((l) => l.msg as string);
  };

  it('production on a Redis without AOF warns that revocations would not survive; with AOF everysec and noeviction, no warning', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const without = await persistenceWarnings({});
      assert.ok(without.some((m) => /append-only file is off.*revoked tokens come back/.test(m)), without.join('\n'));
      assert.ok(without.some((m) => /maxmemory-policy noeviction/.test(m)), without.join('\n'));

      await admin.config('SET', 'appendonly', 'yes');
      await admin.config('SET', 'appendfsync', 'everysec');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      assert.deepEqual(await persistenceWarnings({}), []);

      await admin.config('SET', 'appendfsync', 'no');
      assert.ok((await persistenceWarnings({})).some((m) => /appendfsync no/.test(m)));
    } finally {
      await admin.config('SET', 'appendonly', 'no').catch(() => {});
      admin.disconnect();
    }
  });

  it('WORKERS=2 on a busy port: still one line (not one per worker), exit 2', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const child = startChild({ env: { REDIS_URL: redis.url, WORKERS: '2', PORT: String(port) } });
      const { code } = await child.exited;
      assert.equal(code, 2);
      assert.match(oneLine(child), new RegExp(`port ${port} .*already in use \\(PORT=${port}\\)`));
    } finally {
      busy.close();
    }
  });

  it('outside production, no persistence warning (a throwaway Redis is fine there)', async () => {
    assert.deepEqual(await persistenceWarnings({ NODE_ENV: 'development' }), []);
  });

  it('the embedded store with WORKERS=2: says it stays one process, and is one process', async () => {
    const child = startChild({ env: { WORKERS: '2' } });
    const { url } = await child.listening();
    assert.match(child.stdout(), /WORKERS=2 ignored: the embedded store lives inside one process/);
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${url}/healthz`, { headers: { connection: 'close' } })).status, 200);
    const requests = () => child.logs().filter((l) => l.msg === 'request');
    await eventually(() => requests().length >= 4);
    const pids = new Set(requests().map((l) => l.pid));
    assert.deepEqual([...pids], [child.pid]);
    child.kill('SIGTERM');
    assert.equal((await child.exited).code, 0);
  });
});
