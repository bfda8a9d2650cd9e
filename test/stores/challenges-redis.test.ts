/**
 * The challenge port on Redis, beyond its contract: the key layout (one key per challenge under
 * its own hash tag, the tenant in the key, Redis dropping it at keepUntil), a full Redis (creating
 * is refused whole; validating still works, so a full store never turns a right answer away), and
 * a Redis that is down (the HTTP answer is 503, never a verdict).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis.ts';
import { StoreFullError } from '../../src/stores/store.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startServer } from '../helpers/server.ts';
import { registerClient, signChallenge } from '../challenges/support.ts';
import { challengeRecord } from './challenge-contract.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis(['--maxmemory-policy', 'noeviction']);
});
after(async () => {
  await redis.dispose();
});

async function withAdmin<T>(use: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis(redis.url);
  try {
    return await use(admin);
  } finally {
    admin.disconnect();
  }
}

describe('challenges on redis', () => {
  test('layout: one key per challenge, tagged by its id, named with its tenant; Redis drops it at keepUntil', async () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ url: redis.url, keyPrefix });
    try {
      const record = challengeRecord('ac}me');
      await store.challenges.create(record);
      const keys = await withAdmin((admin) => admin.keys(`${keyPrefix}*`));
      assert.deepEqual(keys, [`${keyPrefix}{ch:${record.id}}:ac%7Dme`]);
      assert.equal(await withAdmin((admin) => admin.pexpiretime(keys[0]!)), record.keepUntilMs);
      const fields = await withAdmin((admin) => admin.hgetall(keys[0]!));
      assert.deepEqual(Object.keys(fields).sort(), ['expires', 'record', 'used']);
      assert.equal(fields.used, '');
      await store.challenges.consume('ac}me', record.id);
      assert.notEqual(await withAdmin((admin) => admin.hget(keys[0]!, 'used')), '', 'marked used, with the instant');
    } finally {
      await store.close();
    }
  });

  test('a full redis refuses new challenges whole, and still validates existing ones', async () => {
    const keyPrefix = `test-${randomUUID()}:`;
    const store = new RedisStore({ url: redis.url, keyPrefix });
    try {
      const existing = challengeRecord('acme');
      await store.challenges.create(existing);
      const refused = challengeRecord('acme');
      await withAdmin((admin) => admin.config('SET', 'maxmemory', '1'));
      try {
        await assert.rejects(store.challenges.create(refused), StoreFullError);
        assert.equal((await store.challenges.consume('acme', existing.id)).outcome, 'fresh');
        assert.equal((await store.challenges.consume('acme', existing.id)).outcome, 'used');
      } finally {
        await withAdmin((admin) => admin.config('SET', 'maxmemory', '0'));
      }
      assert.deepEqual(await store.challenges.consume('acme', refused.id), { outcome: 'not-found' }, 'nothing of the refused one was written');
    } finally {
      await store.close();
    }
  });

  test('redis down: creating and validating answer 503, never a verdict; back up, challenges are made again', async () => {
    const store = new RedisStore({ url: redis.url, keyPrefix: `test-${randomUUID()}:` });
    const server = await startServer({ store });
    try {
      const client = await registerClient(store, 'alice');
      const made = (await server.call('POST', '/v1/challenges', { auth: 'alice', body: { client_id: client.id } })).body;
      const response = signChallenge(client, made.challenge);
      await redis.stop();
      try {
        assert.equal((await server.call('POST', '/v1/challenges', { auth: 'alice', body: { client_id: client.id } })).status, 503);
        const down = await server.call('POST', `/v1/challenges/${made.challenge_id}/validate`, { auth: 'alice', body: { response } });
        assert.equal(down.status, 503);
        assert.equal(down.body.valid, undefined);
      } finally {
        await redis.start();
      }
      // This Redis keeps nothing across a restart: register again, and the service recovers by itself.
      for (let i = 0; i < 50; i++) {
        if (await store.ping().then(() => true, () => false)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const again = await registerClient(store, 'alice');
      let status = 0;
      for (let i = 0; i < 50 && status !== 201; i++) {
        status = (await server.call('POST', '/v1/challenges', { auth: 'alice', body: { client_id: again.id } })).status;
        if (status !== 201) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(status, 201);
    } finally {
      await server.close();
      await store.close();
    }
  });
});
