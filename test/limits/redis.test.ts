import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RateLimits } from '../../src/limits/rate-limits.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { StoreFullError, StoreUnavailableError, type Store } from '../../src/stores/store.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { runRateLimitContract } from './contract.ts';

let redis: TestRedis;
const stores: Store[] = [];
before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const store of stores) await store.close();
  await redis.dispose();
});

runRateLimitContract('redis', {
  makeStore: async () => {
    const store = new RedisStore({ url: redis.url });
    stores.push(store);
    await store.ping();
    return store;
  },
});

describe('rate limits on redis fail closed', () => {
  test('on a Redis past maxmemory a counter is refused whole (StoreFullError, 507), and counts again once there is room', async () => {
    const store = new RedisStore({ url: redis.url });
    stores.push(store);
    await store.ping();
    const admin = new Redis(redis.url);
    const limits = new RateLimits(store.counters, { perTenant: 1000, perToken: 50, authFailuresPerMinute: 60 });
    try {
      await limits.admit({ tenant: 'warm', token: { id: 'warm' } }); // the script is loaded
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
      await assert.rejects(limits.admit({ tenant: 'full-tenant' }), StoreFullError);
      await assert.rejects(limits.admit({ tenant: 'warm', token: { id: 'warm' } }), StoreFullError);
      await assert.rejects(limits.authFailed('10.9.9.9'), StoreFullError);
      assert.equal(await admin.exists('pqapi:rl:tenant:full-tenant'), 0, 'nothing written');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
    }
    await limits.admit({ tenant: 'full-tenant' });
  });

  test('when Redis is gone, a request is refused as unavailable, never let through', async () => {
    const store = new RedisStore({ url: redis.url, operationTimeoutMs: 500 });
    stores.push(store);
    await store.ping();
    const limits = new RateLimits(store.counters, { perTenant: 1000, perToken: 50, authFailuresPerMinute: 60 });
    await limits.admit({ tenant: 'acme' });
    await redis.stop();
    try {
      await assert.rejects(limits.admit({ tenant: 'acme' }), StoreUnavailableError);
      await assert.rejects(limits.authFailed('127.0.0.1'), StoreUnavailableError);
    } finally {
      await redis.start();
    }
  });
});
