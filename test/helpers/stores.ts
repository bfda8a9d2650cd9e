/**
 * Runs one HTTP suite against each store: a server on the memory store, then a server on a
 * RedisStore over its own throwaway redis-server. For suites whose promises depend on the store
 * (tokens, key records, attestation keys), so that both stores are held to them.
 */
import { after, before, describe } from 'node:test';
import { MemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import type { Store } from '../../src/stores/store.ts';
import { startRedis, type TestRedis } from './redis.ts';
import { startServer, type TestServer } from './server.ts';

/** Filled in by the suite's `before`: read these inside tests, not while the suite is declared. */
export interface OnStore {
  server: TestServer;
  store: Store;
}

/** One describe per store, titled `${title} (memory store)` and `${title} (redis store)`. */
export function describeOnEachStore(title: string, suite: (on: OnStore) => void): void {
  const kinds: [string, () => Promise<{ store: Store; dispose(): Promise<void> }>][] = [
    ['memory', async () => ({ store: new MemoryStore(), dispose: async () => {} })],
    [
      'redis',
      async () => {
        const redis: TestRedis = await startRedis();
        return { store: new RedisStore({ url: redis.url }), dispose: () => redis.dispose() };
      },
    ],
  ];
  for (const [kind, make] of kinds) {
    describe(`${title} (${kind} store)`, () => {
      const on = {} as OnStore;
      let dispose: () => Promise<void> = async () => {};
      before(async () => {
        const made = await make();
        dispose = made.dispose;
        on.store = made.store;
        on.server = await startServer({ store: made.store });
      });
      after(async () => {
        await on.server?.close();
        await on.store?.close();
        await dispose();
      });
      suite(on);
    });
  }
}
