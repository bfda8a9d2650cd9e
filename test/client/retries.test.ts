/**
 * The client's retries on 429 and 503: against a real server whose Redis is stopped (503
 * store-unavailable with Retry-After, then success once Redis is back), and against a scripted
 * HTTP peer for what this server version cannot be made to answer on demand (429 with
 * Retry-After as seconds or an HTTP date, quota-exceeded, a Retry-After too long to wait).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PqcClient, QuotaExceededError, RateLimitedError, retryAfterMs, ServiceUnavailableError } from '../../packages/client/src/index.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startServer, TENANTS, type TestServer } from '../helpers/server.ts';

const problem = (status: number, type: string) =>
  JSON.stringify({ type: `urn:pq-crypto-api:problem:${type}`, title: type, status, detail: `a ${type} answer` });

/** An HTTP peer answering each request with the next scripted answer; records when each came. */
async function scripted(answers: ((res: ServerResponse) => void)[]) {
  const times: number[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    times.push(Date.now());
    req.resume();
    const answer = answers.shift() ?? ((r: ServerResponse) => r.writeHead(500).end());
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, times, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const ok = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
const refuse = (status: number, type: string, headers: Record<string, string> = {}) => (res: ServerResponse) =>
  res.writeHead(status, { 'content-type': 'application/problem+json', ...headers }).end(problem(status, type));

describe('retries against a scripted peer', () => {
  test('429 with Retry-After: 1 is retried after at least a second, then succeeds', async () => {
    const peer = await scripted([refuse(429, 'rate-limited', { 'retry-after': '1' }), ok]);
    try {
      const started = Date.now();
      assert.deepEqual(await new PqcClient({ baseUrl: peer.url, token: 't' }).health(), { status: 'ok' });
      assert.equal(peer.times.length, 2);
      assert.ok(peer.times[1]! - peer.times[0]! >= 990, `waited ${peer.times[1]! - peer.times[0]!} ms`);
      assert.ok(Date.now() - started < 3000);
    } finally {
      await peer.close();
    }
  });

  test('Retry-After as an HTTP date is honoured too', async () => {
    const peer = await scripted([(res) => refuse(429, 'rate-limited', { 'retry-after': new Date(Date.now() + 2000).toUTCString() })(res), ok]);
    try {
      await new PqcClient({ baseUrl: peer.url }).health();
      // An HTTP date has whole seconds: the wait is between 1 and 2 seconds.
      assert.ok(peer.times[1]! - peer.times[0]! >= 900, `waited ${peer.times[1]! - peer.times[0]!} ms`);
    } finally {
      await peer.close();
    }
  });

  test('503 without Retry-After backs off and gives up after `retries`, throwing ServiceUnavailableError', async () => {
    const peer = await scripted([refuse(503, 'store-unavailable'), refuse(503, 'store-unavailable'), refuse(503, 'store-unavailable'), ok]);
    try {
      const error = await new PqcClient({ baseUrl: peer.url, retries: 2, backoffMs: 20 }).health().catch((e: unknown) => e);
      assert.ok(error instanceof ServiceUnavailableError, String(error));
      assert.equal(peer.times.length, 3, 'one try and two retries');
      assert.ok(peer.times[2]! - peer.times[1]! >= peer.times[1]! - peer.times[0]!, 'the backoff grows');
    } finally {
      await peer.close();
    }
  });

  test('a Retry-After longer than maxRetryDelayMs throws at once, carrying the wait', async () => {
    const peer = await scripted([refuse(429, 'rate-limited', { 'retry-after': '120' }), ok]);
    try {
      const error = await new PqcClient({ baseUrl: peer.url, maxRetryDelayMs: 5000 }).health().catch((e: unknown) => e);
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 120_000);
      assert.equal(peer.times.length, 1);
    } finally {
      await peer.close();
    }
  });

  test('429 quota-exceeded is not retried (waiting does not free a quota)', async () => {
    const peer = await scripted([refuse(429, 'quota-exceeded', { 'retry-after': '1' }), ok]);
    try {
      await assert.rejects(new PqcClient({ baseUrl: peer.url }).health(), QuotaExceededError);
      assert.equal(peer.times.length, 1);
    } finally {
      await peer.close();
    }
  });

  test('retries: 0 turns retrying off', async () => {
    const peer = await scripted([refuse(429, 'rate-limited', { 'retry-after': '0' }), ok]);
    try {
      await assert.rejects(new PqcClient({ baseUrl: peer.url, retries: 0 }).health(), RateLimitedError);
      assert.equal(peer.times.length, 1);
    } finally {
      await peer.close();
    }
  });

  test('an abort during the wait rejects at once', async () => {
    const peer = await scripted([refuse(503, 'store-unavailable', { 'retry-after': '10' }), ok]);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('stop')), 100);
      const started = Date.now();
      await assert.rejects(new PqcClient({ baseUrl: peer.url }).health({ signal: controller.signal }), /stop/);
      assert.ok(Date.now() - started < 2000);
    } finally {
      await peer.close();
    }
  });

  test('an abort during the request rejects with the abort reason, not a TransportError', async () => {
    const peer = await scripted([(res) => setTimeout(() => ok(res), 2000)]);
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('user gave up')), 100);
      await assert.rejects(new PqcClient({ baseUrl: peer.url }).health({ signal: controller.signal }), /user gave up/);
    } finally {
      await peer.close();
    }
  });

  test('retryAfterMs reads delay-seconds and HTTP dates, and ignores junk', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});

describe('retries against a real server whose Redis goes away', () => {
  let redis: TestRedis;
  let store: RedisStore;
  let server: TestServer;
  before(async () => {
    redis = await startRedis();
    store = new RedisStore({ url: redis.url });
    server = await startServer({ store });
  });
  after(async () => {
    await server.close();
    await store.close();
    await redis.dispose();
  });

  test('503 store-unavailable (Retry-After: 1) is retried; the call succeeds once Redis is back', async () => {
    const client = new PqcClient({ baseUrl: server.url, token: TENANTS.alice, retries: 6 });
    await client.kem.keypair();
    await redis.stop();
    const seen: number[] = [];
    const watching = new PqcClient({
      baseUrl: server.url,
      token: TENANTS.alice,
      retries: 6,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        seen.push(res.status);
        return res;
      },
    });
    const call = watching.kem.keypair();
    setTimeout(() => void redis.start(), 300);
    const pair = await call;
    assert.match(pair.key_id, /^kem_/);
    assert.equal(seen[0], 503, `answers seen: ${seen.join(', ')}`);
    assert.equal(seen.at(-1), 201);
  });

  test('with retries off, the 503 is a ServiceUnavailableError carrying Retry-After', async () => {
    await redis.stop();
    try {
      const error = await new PqcClient({ baseUrl: server.url, token: TENANTS.alice, retries: 0 }).kem.keypair().catch((e: unknown) => e);
      assert.ok(error instanceof ServiceUnavailableError, String(error));
      assert.equal(error.problemType, 'store-unavailable');
      assert.equal(error.retryAfterMs, 1000);
    } finally {
      await redis.start();
    }
  });
});
