/**
 * GET /v1/keys pages with an opaque cursor. A cursor the route's check lets through but no store
 * made (found by the hostile-input suite: a 503 on Redis until fixed) is answered alike by the
 * memory and the Redis store, and never with a 5xx.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startServer } from '../helpers/server.ts';
import { startApi, type TestServer } from './support.ts';

let api: TestServer;
let redis: TestRedis;
before(async () => {
  api = await startApi();
  redis = await startRedis();
});
after(async () => {
  await api.close();
  await redis.dispose();
});

test('GET /v1/keys: a cursor the route accepts but no store made (an id without its score) is answered alike on both stores, never a 5xx', async () => {
  const store = new RedisStore({ url: redis.url, keyPrefix: 'keys-cursor:' });
  const onRedis = await startServer({ store });
  try {
    // base64url of "kem_" and 22 characters: what the route's cursor check lets through without a score.
    const cursor = Buffer.from('kem_AAAAAAAAAAAAAAAAAAAAAA').toString('base64url');
    const answers = [];
    for (const server of [api, onRedis]) {
      await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: { algorithm: 'ML-KEM-512' } });
      const res = await server.call('GET', `/v1/keys?cursor=${cursor}`, { auth: 'alice' });
      assert.ok(res.status < 500, `${server.store.kind}: ${res.status} ${JSON.stringify(res.body)}`);
      answers.push([res.status, res.body.type]);
    }
    assert.deepEqual(answers[1], answers[0], 'the memory and the Redis store answer the same cursor alike');
  } finally {
    await onRedis.close();
    await store.close();
  }
});
