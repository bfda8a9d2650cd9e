/**
 * The replay and client ports on Redis, beyond their contracts: the key layout (one hash tag per
 * atomic step; expiry set by Redis), claims from two instances, and failing closed on a full
 * Redis (a claim or a registration is refused whole; deleting a client still works).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis.ts';
import { StoreFullError } from '../../src/stores/store.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { clientId, clientRecord } from './contract.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis(['--maxmemory-policy', 'noeviction']);
});
after(async () => {
  await redis.dispose();
});

const hashTag = (key: string) => /\{([^}]+)\}/.exec(key)?.[1] ?? key;

async function withAdmin<T>(use: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis(redis.url);
  try {
    return await use(admin);
  } finally {
    admin.disconnect();
  }
}

describe('replay and clients on redis', () => {
  test('layout: a client under its tenant tag and its id tag, a claim under its scope tag; Redis holds the expiries', async () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ url: redis.url, keyPrefix });
    try {
      const id = clientId();
      const expiresAtMs = Date.now() + 3_600_000;
      await store.clients.put(clientRecord('ac}me', id, { expiresAtMs }), 0);
      await store.replay.claim('httpsig:sc{o}pe', 'n'.repeat(2000), 60_000);
      const keys = await withAdmin((admin) => admin.keys(`${keyPrefix}*`));
      // record, listing index, expiry index, global id index; one claim
      assert.equal(keys.length, 5, keys.join('\n'));
      assert.deepEqual([...new Set(keys.map(hashTag))].sort(), [`c:${id}`, 'r:httpsig%3Asc%7Bo%7Dpe', 't:ac%7Dme']);
      assert.ok(keys.every((k) => k.length < 200), 'claimed values are hashed, not stored');
      for (const key of keys.filter((k) => k.endsWith(`client:${id}`) || k.endsWith(':tenant'))) {
        assert.equal(await withAdmin((admin) => admin.pexpiretime(key)), expiresAtMs);
      }
      const claim = keys.find((k) => hashTag(k).startsWith('r:'))!;
      const ttl = await withAdmin((admin) => admin.pttl(claim));
      assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
    } finally {
      await store.close();
    }
  });

  test('two instances on one redis: of 200 concurrent claims of one nonce, exactly one is fresh', async () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const a = new RedisStore({ url: redis.url, keyPrefix });
    const b = new RedisStore({ url: redis.url, keyPrefix });
    try {
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).replay.claim('httpsig:cl_x', 'nonce', 60_000)));
      assert.equal(results.filter((r) => r === 'fresh').length, 1);
      // And a client registered through one is found, then deleted, through the other.
      const client = clientRecord('acme', clientId());
      await a.clients.put(client, 0);
      assert.deepEqual(await b.clients.find(client.id), client);
      assert.equal(await b.clients.delete('acme', client.id), true);
      assert.equal(await a.clients.find(client.id), undefined);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a full redis refuses claims and registrations whole (StoreFullError), and still deletes clients', async () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ url: redis.url, keyPrefix });
    try {
      const existing = clientRecord('acme', clientId());
      await store.clients.put(existing, 0);
      await store.replay.claim('warm', 'up', 1_000);
      await store.clients.delete('acme', clientRecord('acme', clientId()).id);
      await withAdmin((admin) => admin.config('SET', 'maxmemory', '1'));
      try {
        await assert.rejects(store.replay.claim('httpsig:cl_y', 'nonce', 60_000), StoreFullError);
        const refused = clientRecord('acme', clientId());
        await assert.rejects(store.clients.put(refused, 0), StoreFullError);
        assert.equal(await store.clients.delete('acme', existing.id), true);
        assert.equal(await store.clients.find(existing.id), undefined);
        assert.equal(await store.clients.find(refused.id), undefined);
      } finally {
        await withAdmin((admin) => admin.config('SET', 'maxmemory', '0'));
      }
      assert.equal(await store.replay.claim('httpsig:cl_y', 'nonce', 60_000), 'fresh', 'nothing was claimed while full');
      const keys = await withAdmin((admin) => admin.keys(`${keyPrefix}*`));
      assert.deepEqual(keys.filter((k) => k.includes('client')), [], 'nothing of either client is left');
    } finally {
      await store.close();
    }
  });
});
