/**
 * Several API instances on one Redis behave as one service, and fail closed when Redis goes away.
 * Real redis-server (throwaway, free port), two real HTTP servers, real concurrent requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTwoInstances, type TwoInstances } from '../helpers/instances.ts';
import type { TestRedis } from '../helpers/redis.ts';
import type { CallResult, TestServer } from '../helpers/server.ts';
import { countBy } from './scenarios.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two instances sharing one Redis', () => {
  let redis: TestRedis;
  let a: TestServer;
  let b: TestServer;
  let instances: TwoInstances;

  before(async () => {
    instances = await startTwoInstances();
    ({ redis, a, b } = instances);
  });
  after(() => instances.close());

  const mint = async (server: TestServer, body: Record<string, unknown>) => {
    const res = await server.call('POST', '/v1/tokens', { auth: 'alice', body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body as { new_token: string; token_id: string };
  };

  test('200 concurrent requests split over both instances on a 5-attempt token: exactly 5 pass', async () => {
    const t = await mint(a, { expire_after_attempts: 5, scopes: ['dsa:verify'] });
    // An invalid body: any answer but 401 means the request got past authentication.
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).call('POST', '/v1/dsa/verify', { auth: t.new_token, body: {} })),
    );
    assert.deepEqual(countBy(results), { 401: 195, 422: 5 });
    for (const s of [a, b]) assert.equal((await s.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
  });

  test('a key made on one instance is used on the other', async () => {
    const kp = (await a.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
    const enc = (await b.call('POST', '/v1/kem/encapsulate', { auth: 'alice', body: { pk: kp.pk } })).body;
    const dec = await b.call('POST', '/v1/kem/decapsulate', { auth: 'alice', body: { cipher: enc.cipher, key_id: kp.key_id } });
    assert.equal(dec.status, 200);
    assert.equal(dec.body.shared_key, enc.shared_key);
    // Both instances sign with the same tenant key.
    const pkA = (await a.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' } })).body.pk;
    const pkB = (await b.call('POST', '/v1/dsa/sign', { auth: 'alice', body: { data: 'x' } })).body.pk;
    assert.equal(pkA, pkB);
  });

  test('revocation on one instance is seen by the other at once', async () => {
    const t = await mint(a, {});
    assert.equal((await b.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 200);
    assert.equal((await a.call('DELETE', `/v1/tokens/${t.token_id}`, { auth: 'alice' })).status, 204);
    assert.equal((await b.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
    assert.equal((await b.call('POST', '/v1/dsa/verify', { auth: t.new_token, body: {} })).status, 401);
  });

  test('Redis stopped mid-run: 503 problem+json, never a grant; Redis back: recovers by itself', async () => {
    const t = await mint(a, { expire_after_attempts: 1000, scopes: ['dsa:verify', 'kem:keypair'] });
    // Requests in flight while Redis dies: each one either passed authentication before (422) or
    // is refused with 503; none may be granted after the store is gone, none may be a 500.
    const inFlight: Promise<CallResult>[] = [];
    for (let i = 0; i < 40; i++) inFlight.push((i % 2 ? a : b).call('POST', '/v1/dsa/verify', { auth: t.new_token, body: {} }));
    await redis.stop();
    const during = await Promise.all(inFlight);
    for (const r of during) assert.ok(r.status === 422 || r.status === 503, `status ${r.status}`);

    const stopped = Date.now();
    for (const s of [a, b]) {
      const denied = await s.call('POST', '/v1/dsa/verify', { auth: t.new_token, body: {} });
      assert.equal(denied.status, 503);
      assert.match(denied.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(denied.body.type, 'urn:pq-crypto-api:problem:store-unavailable');
      assert.equal((await s.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 503);
      assert.equal((await s.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).status, 503);
      assert.equal((await s.call('POST', '/v1/tokens', { auth: 'alice', body: {} })).status, 503);
      assert.equal((await s.call('GET', '/readyz')).status, 503);
      assert.equal((await s.call('GET', '/healthz')).status, 200, 'liveness never touches the store');
    }
    assert.ok(Date.now() - stopped < 15_000, 'refusals come fast, not after long timeouts');

    await redis.start();
    const deadline = Date.now() + 15_000;
    for (const s of [a, b]) {
      while ((await s.call('GET', '/readyz')).status !== 200) {
        assert.ok(Date.now() < deadline, 'instance did not recover within 15 s');
        await sleep(100);
      }
    }
    // This throwaway Redis keeps nothing on disk, so the old token died with it (fail closed);
    // a production Redis with persistence keeps it. New tokens work on both instances again.
    assert.equal((await a.call('GET', '/v1/tokens/current', { auth: t.new_token })).status, 401);
    const fresh = await mint(b, { expire_after_attempts: 2 });
    assert.equal((await a.call('POST', '/v1/dsa/verify', { auth: fresh.new_token, body: {} })).status, 422);
    assert.equal((await b.call('GET', '/v1/tokens/current', { auth: fresh.new_token })).body.attempts_left, 1);
  });
});
