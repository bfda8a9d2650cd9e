/**
 * Token records at the store's edges, on the memory and the Redis store directly (no HTTP):
 * attempts left is the least over a lineage's limited tokens, a token dies at the exact instant
 * of its expiry, and Redis refuses attempt counts that are not whole numbers >= 0 before writing
 * anything. Written to kill mutants StrykerJS found surviving in src/stores (docs/testing.md).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import type { Store } from '../../src/stores/store.ts';
import { startRedis } from '../helpers/redis.ts';

describe('token records', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.dispose());
  const stores: [string, () => Store][] = [
    ['memory', () => new MemoryStore()],
    ['redis', () => new RedisStore({ url: redis.url, keyPrefix: `token-records-${randomBytes(4).toString('hex')}:` })],
  ];

  for (const [name, make] of stores) {
    test(`${name}: attempts left is the least over the limited tokens of the lineage, wherever the least is`, async () => {
      const store = make();
      try {
        const expiresAtMs = Date.now() + 60_000;
        await store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft: 2, expiresAtMs });
        await store.tokens.createToken('F', 'F.child', { tenant: 'alice', attemptsLeft: 5, expiresAtMs });
        assert.deepEqual(await store.tokens.consumeAttempt('F', 'F.child', ['F']), { ok: true, attemptsLeft: 1 });
        assert.equal((await store.tokens.peekToken('F', 'F.child', ['F']))?.attemptsLeft, 1);
        await store.tokens.createToken('G', 'G', { tenant: 'alice', attemptsLeft: 5, expiresAtMs });
        await store.tokens.createToken('G', 'G.child', { tenant: 'alice', attemptsLeft: 2, expiresAtMs });
        assert.deepEqual(await store.tokens.consumeAttempt('G', 'G.child', ['G']), { ok: true, attemptsLeft: 1 });
      } finally {
        await store.close();
      }
    });
  }

  test('memory: a token is dead at the exact instant of its expiry, not a millisecond later', async () => {
    let now = 1_000_000;
    const store = new MemoryStore({ clock: () => now });
    try {
      await store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft: null, expiresAtMs: now + 10 });
      now += 9;
      assert.ok(await store.tokens.peekToken('F', 'F', []));
      now += 1;
      assert.equal(await store.tokens.peekToken('F', 'F', []), undefined);
      assert.deepEqual(await store.tokens.consumeAttempt('F', 'F', []), { ok: false });
    } finally {
      await store.close();
    }
  });

  test('redis: a token record with attempts that are not a whole number >= 0 is refused, and nothing is written', async () => {
    const prefix = `token-records-${randomBytes(4).toString('hex')}:`;
    const store = new RedisStore({ url: redis.url, keyPrefix: prefix });
    const admin = new Redis(redis.url);
    try {
      for (const attemptsLeft of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
        await assert.rejects(store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft, expiresAtMs: Date.now() + 60_000 }), RangeError, String(attemptsLeft));
      }
      assert.deepEqual(await admin.keys(`${prefix}*`), []);
      await store.tokens.createToken('F', 'F', { tenant: 'alice', attemptsLeft: null, expiresAtMs: Date.now() + 60_000 });
      assert.deepEqual(await store.tokens.consumeAttempt('F', 'F', []), { ok: true, attemptsLeft: null });
      // The documented layout: an unlimited token's hash has no `left` field at all.
      const [key] = await admin.keys(`${prefix}*`);
      assert.deepEqual((await admin.hkeys(key!)).sort(), ['anc', 'exp', 'tenant']);
    } finally {
      admin.disconnect();
      await store.close();
    }
  });
});
