/**
 * A token's key_ids list is bounded and checked before the store is read: 8,000 copies of one id
 * cost no key lookup, and a repeated id is looked up once. Attack 4 of 2026-11-23 (issue 6),
 * replayed over real HTTP as the hostile third party ran it, on both stores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../src/stores/store.ts';
import { describeOnEachStore } from '../helpers/stores.ts';

describeOnEachStore('a token restricted to key_ids', (on) => {
  test('8,000 copies of a key id are refused before any store read', async () => {
    const { server, store } = on;
    const { key_id } = (await server.call('POST', '/v1/kem/keypair', { auth: 'alice', body: {} })).body;
    const reads = countKeyReads(store);
    try {
      const started = performance.now();
      const res = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids: Array(8000).fill(key_id) } });
      const ms = performance.now() - started;
      assert.equal(res.status, 422);
      assert.deepEqual(res.body.errors.map((e: { pointer: string }) => e.pointer), ['/key_ids']);
      assert.equal(reads.count, 0, 'no key read for an oversized list');
      assert.ok(ms < 500, `took ${ms} ms`);
      // 64 distinct-or-not ids are looked up once each at most.
      const ok = await server.call('POST', '/v1/tokens', { auth: 'alice', body: { key_ids: Array(64).fill(key_id) } });
      assert.equal(ok.status, 201);
      assert.equal(reads.count, 1, 'a repeated id is read once');
    } finally {
      reads.restore();
    }
  });
});

/** Counts getKey calls on a store (the key lookups a route makes), until restored. */
function countKeyReads(store: Store): { count: number; restore(): void } {
  const keys = store.keys;
  const original = keys.get;
  const counter = {
    count: 0,
    restore: () => {
      keys.get = original;
    },
  };
  keys.get = function (this: typeof keys, ...args: Parameters<typeof keys.get>) {
    counter.count++;
    return original.apply(this, args);
  };
  return counter;
}
