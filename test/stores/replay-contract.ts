/**
 * The replay store contract: every ReplayStore implementation must pass it (contract.ts runs it
 * on the memory store, Redis, Redis Cluster and Sentinel). Expiry uses real, short ttls because
 * Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, test } from 'node:test';
import type { ReplayStore } from '../../src/stores/replay.ts';

const MINUTE = 60_000;

/** Runs the contract; `current()` gives the replay store of the test under way (a fresh one per test). */
export function runReplayStoreContract(current: () => ReplayStore): void {
  describe('replay store', () => {
    let replay: ReplayStore;
    // Fresh scopes per test, so stores that share a backend cannot see each other's claims.
    let scope: string;
    beforeEach(() => {
      replay = current();
      scope = `httpsig:cl_${randomUUID()}`;
    });

    test('a value is fresh once, then replayed while its ttl lasts', async () => {
      assert.equal(await replay.claim(scope, 'nonce-1', MINUTE), 'fresh');
      assert.equal(await replay.claim(scope, 'nonce-1', MINUTE), 'replayed');
      assert.equal(await replay.claim(scope, 'nonce-1', MINUTE), 'replayed');
    });

    test('scopes and values are apart: the same value in another scope, another value in this one, are fresh', async () => {
      assert.equal(await replay.claim(scope, 'nonce-1', MINUTE), 'fresh');
      assert.equal(await replay.claim(`${scope}-other`, 'nonce-1', MINUTE), 'fresh');
      assert.equal(await replay.claim(scope, 'nonce-2', MINUTE), 'fresh');
      assert.equal(await replay.claim(scope, 'Nonce-1', MINUTE), 'fresh', 'values are case-sensitive');
    });

    test('long values (an X-Wing enc in base64) that differ only at the end are different values', async () => {
      const long = 'A'.repeat(1500);
      assert.equal(await replay.claim(scope, `${long}1`, MINUTE), 'fresh');
      assert.equal(await replay.claim(scope, `${long}2`, MINUTE), 'fresh');
      assert.equal(await replay.claim(scope, `${long}1`, MINUTE), 'replayed');
    });

    test('of 50 concurrent claims of one value, exactly one is fresh', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => replay.claim(scope, 'raced', MINUTE)));
      assert.equal(results.filter((r) => r === 'fresh').length, 1);
    });

    test('after its ttl, a value is fresh again; a replay does not extend the window', async () => {
      assert.equal(await replay.claim(scope, 'short', 300), 'fresh');
      await sleep(150);
      assert.equal(await replay.claim(scope, 'short', 60_000), 'replayed');
      await sleep(400);
      assert.equal(await replay.claim(scope, 'short', MINUTE), 'fresh');
    });

    test('a ttl that is not a positive whole number of milliseconds is refused, nothing claimed', async () => {
      for (const ttl of [0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) await assert.rejects(replay.claim(scope, 'v', ttl), RangeError);
      assert.equal(await replay.claim(scope, 'v', MINUTE), 'fresh');
    });
  });
}
