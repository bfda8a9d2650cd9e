/**
 * Where RedisStore puts its keys: under `pqapi:` by default, each tenant's keys in its own hash
 * slot `{t:<tenant>}`; a prefix holding a brace would put every tenant in one slot (or break the
 * slot), so it is refused. Written to kill mutants StrykerJS found surviving in src/stores.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis.ts';
import { startRedis } from '../helpers/redis.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
before(async () => {
  redis = await startRedis();
});
after(() => redis.dispose());

test('redis: keys live under pqapi: by default, and a prefix with a brace (a hash tag for everybody) is refused', async () => {
  const store = new RedisStore({ url: redis.url });
  const admin = new Redis(redis.url);
  try {
    const tenant = `t-${randomBytes(4).toString('hex')}`;
    const createdAt = new Date().toISOString();
    await store.keys.getOrPutRoleKey(tenant, 'attestation', { id: 'att_x', tenant, type: 'dsa', algorithm: 'ML-DSA-65', createdAt, expiresAtMs: null, versions: [{ version: 1, publicKey: 'AA==', sealedSeed: 'AA==', createdAt }] });
    assert.deepEqual(await admin.keys(`*${tenant}*`), [`pqapi:{t:${tenant}}:attestation`]);
  } finally {
    admin.disconnect();
    await store.close();
  }
  for (const keyPrefix of ['a{b:', 'x}', '{']) {
    assert.throws(() => new RedisStore({ url: redis.url, keyPrefix }), (err: unknown) => err instanceof TypeError && /\{ or \}/.test(err.message));
  }
});
