/**
 * Request ids and /metrics over real HTTP: X-Request-Id kept or made, in every log line of the
 * request and in every problem body; the Prometheus counters and histograms moving as requests,
 * crypto, attempts and store failures happen; METRICS_TOKEN; one registry per app.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Metrics } from '../../src/observability/metrics.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import type { Store } from '../../src/stores/store.ts';
import { freePort } from '../helpers/redis.ts';
import { call, SHARED_ENV, TENANTS, type CallOptions, type CallResult } from '../helpers/server.ts';
import { assertOk, assertProblem, checkInvariants } from './support.ts';

interface Harness {
  readonly url: string;
  readonly metrics: Metrics;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  scrape(headers?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

/** The app on an ephemeral port with a logger that keeps its lines. */
async function start(opts: { env?: Record<string, string>; store?: Store } = {}): Promise<Harness> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = loadConfig({ ...SHARED_ENV, LOG_LEVEL: 'info', ...opts.env });
  const store = opts.store ?? new MemoryStore();
  const { app, metrics } = buildApp({ config, store, logger: pino({ level: 'info' }, sink) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    metrics,
    logs,
    call: (method, path, o) => call(url, method, path, o),
    async scrape(headers = {}) {
      const res = await fetch(`${url}/metrics`, { headers });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return res.text();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

/** The value of the sample `name{labels}` in Prometheus text (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) {
      total += Number(match[3]);
      found = true;
    }
  }
  return found ? total : 0;
}

describe('X-Request-Id', () => {
  let h: Harness;
  before(async () => {
    h = await start();
  });
  after(() => h.close());

  test('every answer has one: a fresh random id per request when none is sent', async () => {
    const ids = new Set<string>();
    for (const [method, path] of [['GET', '/healthz'], ['GET', '/nope'], ['POST', '/v1/dsa/sign'], ['GET', '/metrics'], ['GET', '/openapi.json']] as const) {
      const res = await h.call(method, path);
      const id = res.headers.get('x-request-id');
      assert.match(id ?? '', /^[0-9a-f-]{36}$/, `${method} ${path}`);
      ids.add(id!);
    }
    assert.equal(ids.size, 5);
  });

  test('a sane incoming id is kept, up to 128 characters of A-Z a-z 0-9 . _ : -', async () => {
    for (const id of ['abc', 'lb-7f3a:2026.12.01_x', 'A'.repeat(128), '0']) {
      const res = await h.call('GET', '/healthz', { headers: { 'x-request-id': id } });
      assert.equal(res.headers.get('x-request-id'), id);
    }
  });

  test('anything else is replaced by a new id, never echoed', async () => {
    for (const id of ['', 'A'.repeat(129), 'has space', 'semi;colon', '<script>', 'ünïcode', 'a,b', '"quoted"']) {
      const res = await h.call('GET', '/healthz', { headers: { 'x-request-id': id } });
      const answered = res.headers.get('x-request-id')!;
      assert.notEqual(answered, id, JSON.stringify(id));
      assert.match(answered, /^[0-9a-f-]{36}$/);
    }
  });

  test('every problem body carries it as request_id', async () => {
    const cases: [string, string, CallOptions][] = [
      ['POST', '/v1/dsa/sign', {}],
      ['POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 5 } }],
      ['GET', '/v1/kem/keypair', { auth: 'alice' }],
      ['GET', '/nope', { headers: { 'x-request-id': 'mine-1' } }],
      ['POST', '/v1/kem/keypair', { auth: 'alice', raw: '{', headers: { 'content-type': 'application/json', 'x-request-id': 'mine-2' } }],
    ];
    for (const [method, path, o] of cases) {
      const res = await h.call(method, path, o);
      checkInvariants(method, path, res);
      assert.ok(res.status >= 400);
      assert.equal(res.body.request_id, res.headers.get('x-request-id'));
      if (o.headers?.['x-request-id']) assert.equal(res.body.request_id, o.headers['x-request-id']);
    }
  });

  test("it is in every log line of the request, including the error handler's", async () => {
    const dead = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, operationTimeoutMs: 300 });
    const broken = await start({ store: dead });
    try {
      const res = await broken.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {}, headers: { 'x-request-id': 'trace-me-42' } });
      assertProblem(res, 503, 'store-unavailable');
      assert.equal(res.body.request_id, 'trace-me-42');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const mine = broken.logs.filter((l) => l.request_id === 'trace-me-42');
      // The failed audit write of the failed keypair is logged too (the store is down for both).
      assert.deepEqual(mine.map((l) => l.msg).sort(), ['audit entry not written', 'request', 'store unavailable: failing closed']);
      const request = mine.find((l) => l.msg === 'request')!;
      assert.equal(request.route, '/v1/kem/keypair');
      assert.equal(request.status, 503);
      assert.equal(request.tenant, 'alice');
      // No line of the app is about a request without saying which.
      for (const line of broken.logs) if (line.path !== undefined) assert.equal(typeof line.request_id, 'string', JSON.stringify(line));
    } finally {
      await broken.close();
    }
  });
});

describe('/metrics', () => {
  let h: Harness;
  before(async () => {
    h = await start();
  });
  after(() => h.close());

  test('is Prometheus text without any credential, with the runtime metrics and the event-loop delay', async () => {
    const text = await h.scrape();
    for (const name of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_seconds', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes']) {
      assert.ok(text.includes(`\n${name} `) || text.startsWith(`${name} `) || text.includes(`\n${name}{`), name);
    }
    for (const name of ['pqapi_http_requests_total', 'pqapi_http_request_duration_seconds', 'pqapi_crypto_operations_total', 'pqapi_token_attempts_total', 'pqapi_rate_limited_total', 'pqapi_store_operation_duration_seconds', 'pqapi_store_errors_total', 'pqapi_audit_writes_total', 'pqapi_refused_requests_total']) {
      assert.ok(text.includes(`# TYPE ${name} `), name);
    }
  });

  test('requests are counted by declared route template, method and status, never by raw URL', async () => {
    const t = await h.call('POST', '/v1/tokens', { auth: 'alice', body: {} });
    assertOk(t, 201);
    assert.equal((await h.call('DELETE', `/v1/tokens/${t.body.token_id}`, { auth: 'alice' })).status, 204);
    assert.equal((await h.call('DELETE', `/v1/tokens/${t.body.token_id}`, { auth: 'alice' })).status, 404);
    assert.equal((await h.call('GET', '/v1/no/such/thing/zq12345xk', { auth: 'alice' })).status, 404);
    assert.equal((await h.call('GET', '/v1/kem/keypair', { auth: 'alice' })).status, 405);
    const text = await h.scrape();
    assert.equal(sample(text, 'pqapi_http_requests_total', { route: '/v1/tokens', method: 'POST', status: '201' }), 1);
    assert.equal(sample(text, 'pqapi_http_requests_total', { route: '/v1/tokens/{token_id}', method: 'DELETE', status: '204' }), 1);
    assert.equal(sample(text, 'pqapi_http_requests_total', { route: '/v1/tokens/{token_id}', method: 'DELETE', status: '404' }), 1);
    assert.equal(sample(text, 'pqapi_http_requests_total', { route: '/v1/kem/keypair', method: 'GET', status: '405' }), 1);
    assert.ok(sample(text, 'pqapi_http_requests_total', { route: 'unmatched', status: '404' }) >= 1);
    assert.equal(sample(text, 'pqapi_http_request_duration_seconds_count', { route: '/v1/tokens', method: 'POST', status: '201' }), 1);
    assert.ok(!text.includes(t.body.token_id), 'a token id in the metrics');
    // A path part no sample value can hold (the digits alone, 12345, once matched a duration).
    assert.ok(!text.includes('zq12345xk') && !text.includes('/no/such'), 'a raw URL in the metrics');
  });

  test('a request whose connection closes before its answer is counted as status "aborted"', async () => {
    const { hostname, port } = new URL(h.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /v1/dsa/sign HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TENANTS.alice}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"data":"`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
      socket.on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await h.scrape();
    assert.equal(sample(text, 'pqapi_http_requests_total', { route: '/v1/dsa/sign', method: 'POST', status: 'aborted' }), 1);
    assert.ok(h.logs.some((l) => l.msg === 'request aborted' && l.route === '/v1/dsa/sign' && typeof l.request_id === 'string'));
  });

  test('an unauthenticated request to a route is counted under that route as 401', async () => {
    const before = sample(await h.scrape(), 'pqapi_http_requests_total', { route: '/v1/kem/decapsulate', status: '401' });
    assert.equal((await h.call('POST', '/v1/kem/decapsulate', { body: {} })).status, 401);
    assert.equal(sample(await h.scrape(), 'pqapi_http_requests_total', { route: '/v1/kem/decapsulate', status: '401' }), before + 1);
  });

  test('crypto operations are counted by algorithm, backend and operation', async () => {
    const key = await h.call('POST', '/v1/kem/keypair', { auth: 'alice', body: { algorithm: 'ML-KEM-512' } });
    assertOk(key, 201);
    const enc = await h.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: key.body.pk } });
    assertOk(enc);
    assertOk(await h.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { key_id: key.body.key_id, cipher: enc.body.cipher } }));
    assertOk(await h.call('POST', '/v1/aes/encrypt', { auth: 'alice', body: { unencrypted: 'x', key: enc.body.shared_key } }));
    const text = await h.scrape();
    // The backend label names what each family runs on here (CRYPTO_BACKEND=auto: it depends on the runtime).
    const { crypto } = (await h.call('GET', '/readyz')).body as { crypto: Record<string, string> };
    const op = (algorithm: string, backend: string | undefined, operation: string) =>
      sample(text, 'pqapi_crypto_operations_total', { algorithm, backend: backend!, operation });
    assert.equal(op('ML-KEM-512', crypto.ml_kem, 'kem.keygen'), 1);
    assert.equal(op('ML-KEM-512', crypto.ml_kem, 'kem.encapsulate'), 1);
    assert.equal(op('ML-KEM-512', crypto.ml_kem, 'kem.decapsulate'), 1);
    assert.ok(op('ML-DSA-65', crypto.ml_dsa, 'dsa.sign') >= 1, 'the attestation signature');
    assert.ok(op('AES-256-GCM', crypto.aes_gcm, 'aes.encrypt') >= 1);
  });

  test('attempts: each request on a limited token is used or refused; GET /v1/tokens/current counts neither', async () => {
    const t = await h.call('POST', '/v1/tokens', { auth: 'alice', body: { expire_after_attempts: 2 } });
    const before = await h.scrape();
    const used = sample(before, 'pqapi_token_attempts_total', { outcome: 'used' });
    const refused = sample(before, 'pqapi_token_attempts_total', { outcome: 'refused' });
    assertOk(await h.call('GET', '/v1/tokens/current', { auth: t.body.new_token }));
    for (let i = 0; i < 4; i++) await h.call('POST', '/v1/dsa/verify', { auth: t.body.new_token, body: {} });
    await h.call('POST', '/v1/dsa/verify', { auth: 'alice', body: {} }); // an API key uses no attempt
    const text = await h.scrape();
    assert.equal(sample(text, 'pqapi_token_attempts_total', { outcome: 'used' }) - used, 2);
    assert.equal(sample(text, 'pqapi_token_attempts_total', { outcome: 'refused' }) - refused, 2);
  });

  test('store operations are timed by operation; audit writes counted', async () => {
    const text = await h.scrape();
    assert.ok(sample(text, 'pqapi_store_operation_duration_seconds_count', { operation: 'keys.put', outcome: 'ok' }) >= 1);
    assert.ok(sample(text, 'pqapi_store_operation_duration_seconds_count', { operation: 'tokens.consumeAttempt', outcome: 'ok' }) >= 1);
    assert.ok(sample(text, 'pqapi_store_operation_duration_seconds_count', { operation: 'audit.append', outcome: 'ok' }) >= 1);
    assert.ok(sample(text, 'pqapi_audit_writes_total', { outcome: 'ok' }) >= 3);
    assert.equal(sample(text, 'pqapi_store_errors_total'), 0);
  });

  test('the rate limiter has a counter to call (rateLimited(kind))', async () => {
    h.metrics.rateLimited('token');
    h.metrics.rateLimited('token');
    h.metrics.rateLimited('tenant');
    const text = await h.scrape();
    assert.equal(sample(text, 'pqapi_rate_limited_total', { kind: 'token' }), 2);
    assert.equal(sample(text, 'pqapi_rate_limited_total', { kind: 'tenant' }), 1);
  });

  test('refused signed and sealed requests are counted by the reason their uniform answer hides', async () => {
    const before = await h.scrape();
    const signed = await h.call('POST', '/v1/dsa/verify', { body: {}, headers: { 'signature-input': 'sig1=("@method");keyid="cl_nobody";alg="ml-dsa-65"', signature: 'sig1=:AAAA:' } });
    assert.equal(signed.status, 401);
    const sealed = await h.call('POST', '/ohttp', { raw: 'not a sealed request', headers: { 'content-type': 'message/ohttp-req' } });
    assert.equal(sealed.status, 400);
    const text = await h.scrape();
    const delta = (labels: Record<string, string>) => sample(text, 'pqapi_refused_requests_total', labels) - sample(before, 'pqapi_refused_requests_total', labels);
    assert.equal(delta({ kind: 'signed-request' }), 1);
    assert.equal(delta({ kind: 'sealed-request' }), 1);
    assert.equal(delta({ kind: 'sealed-request', reason: 'malformed' }), 1);
    // The reason is the operator's: the answers say nothing of it.
    assert.ok(!JSON.stringify(sealed.body).includes('malformed'));
  });

  test('two apps in one process keep separate registries', async () => {
    const other = await start();
    try {
      for (let i = 0; i < 3; i++) await other.call('GET', '/healthz');
      assert.equal(sample(await other.scrape(), 'pqapi_http_requests_total', { route: '/healthz' }), 3);
      assert.equal(sample(await h.scrape(), 'pqapi_http_requests_total', { route: '/healthz' }), 0);
    } finally {
      await other.close();
    }
  });

  test('an unreachable store shows as store errors and 503s', async () => {
    const dead = new RedisStore({ url: `redis://127.0.0.1:${await freePort()}`, operationTimeoutMs: 300 });
    const broken = await start({ store: dead });
    try {
      assertProblem(await broken.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} }), 503, 'store-unavailable');
      assert.equal((await broken.call('GET', '/readyz')).status, 503);
      const text = await broken.scrape();
      assert.ok(sample(text, 'pqapi_store_errors_total', { operation: 'keys.put' }) >= 1);
      assert.ok(sample(text, 'pqapi_store_errors_total', { operation: 'ping' }) >= 1);
      assert.ok(sample(text, 'pqapi_store_operation_duration_seconds_count', { operation: 'keys.put', outcome: 'error' }) >= 1);
      assert.equal(sample(text, 'pqapi_http_requests_total', { route: '/v1/kem/keypair', status: '503' }), 1);
    } finally {
      await broken.close();
    }
  });
});

describe('METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef';
  let h: Harness;
  before(async () => {
    h = await start({ env: { METRICS_TOKEN: token } });
  });
  after(() => h.close());

  test('guards /metrics: without it, with a wrong one or with an API key, 401; with it, 200', async () => {
    const apiKey = SHARED_ENV.API_KEYS.split(',')[0]!.split(':')[1]!;
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${token}x` }, { authorization: `Bearer ${token.slice(0, -1)}` }, { authorization: `Bearer ${apiKey}` }, { authorization: token }];
    for (const headers of attempts) {
      const res = await h.call('GET', '/metrics', { headers });
      assertProblem(res, 401, 'unauthorized');
      assert.equal(res.body.request_id, res.headers.get('x-request-id'));
    }
    assert.match(await h.scrape({ authorization: `Bearer ${token}` }), /pqapi_http_requests_total/);
  });

  test('a weak METRICS_TOKEN is a configuration error naming it', () => {
    assert.throws(() => loadConfig({ ...SHARED_ENV, METRICS_TOKEN: 'short' }), /METRICS_TOKEN/);
    assert.throws(() => loadConfig({ ...SHARED_ENV, METRICS_TOKEN: 'has spaces in it, sixteen+' }), /METRICS_TOKEN/);
  });
});
