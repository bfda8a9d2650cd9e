/**
 * The store contract: every Store implementation passes each port's contract suite
 * (key-contract.ts, token-contract.ts, counters-contract.ts, replay-contract.ts, client-contract.ts, challenge-contract.ts; the audit port has its own runners) on a fresh store per
 * test. memory.test.ts, redis.test.ts, redis-cluster.test.ts and redis-sentinel.test.ts run it.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Store } from '../../src/stores/store.ts';
import { runCountersContract } from './counters-contract.ts';
import { runKeyStoreContract } from './key-contract.ts';
import { runTokenStoreContract } from './token-contract.ts';
import { runReplayStoreContract } from './replay-contract.ts';
import { runClientStoreContract } from './client-contract.ts';
import { runSessionStoreContract } from './session-contract.ts';
import { runChallengeStoreContract } from './challenge-contract.ts';

export { keyId, storedKey } from './key-contract.ts';
export { tokenRecord } from './token-contract.ts';
export { clientId, clientRecord } from './client-contract.ts';

export interface StoreUnderTest {
  readonly store: Store;
  /** Releases whatever makeStore set up (closes the store, among others). */
  cleanup(): Promise<void>;
}

/** Runs every port's contract against a fresh store per test (makeStore must give each an empty one). */
export function runStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name} store contract`, () => {
    let underTest: StoreUnderTest;
    beforeEach(async () => {
      underTest = await makeStore();
    });
    afterEach(async () => {
      await underTest.cleanup();
    });

    runKeyStoreContract(() => underTest.store.keys);
    runTokenStoreContract(() => underTest.store.tokens);
    runReplayStoreContract(() => underTest.store.replay);
    runClientStoreContract(() => underTest.store.clients);
    runSessionStoreContract(() => underTest.store.sessions);
    runChallengeStoreContract(() => underTest.store.challenges);
    runCountersContract(() => underTest.store.counters);

    test('ping resolves', async () => {
      await underTest.store.ping();
    });
  });
}
