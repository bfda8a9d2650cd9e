/**
 * The challenge store contract: every ChallengeStore implementation must pass it (contract.ts runs
 * it on the memory store, Redis, Redis Cluster and Sentinel). Expiry uses real, short times
 * because Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, test } from 'node:test';
import type { ChallengeRecord, ChallengeStore } from '../../src/stores/challenges.ts';

const MINUTE = 60_000;

/** A challenge id as the service makes them. */
export const challengeId = (): string => `ch_${randomBytes(16).toString('base64url')}`;

/** A plausible record of `tenant`, valid for `ttlMs` from now and kept `keepMs` longer. */
export function challengeRecord(tenant: string, overrides: Partial<ChallengeRecord> & { ttlMs?: number; keepMs?: number } = {}): ChallengeRecord {
  const { ttlMs = MINUTE, keepMs = MINUTE, ...rest } = overrides;
  const now = Date.now();
  return {
    id: challengeId(),
    tenant,
    clientId: `cl_${randomBytes(16).toString('base64url')}`,
    method: 'signature',
    expected: randomBytes(32).toString('base64'),
    createdAt: new Date(now).toISOString(),
    expiresAtMs: now + ttlMs,
    keepUntilMs: now + ttlMs + keepMs,
    ...rest,
  };
}

/** Runs the contract; `current()` gives the challenge store of the test under way (a fresh one per test). */
export function runChallengeStoreContract(current: () => ChallengeStore): void {
  describe('challenge store', () => {
    let challenges: ChallengeStore;
    beforeEach(() => {
      challenges = current();
    });

    test('a challenge is consumed fresh once, with its record; every later consume answers used', async () => {
      const record = challengeRecord('acme', { method: 'kem' });
      assert.equal(await challenges.create(record), 'stored');
      const first = await challenges.consume('acme', record.id);
      if (first.outcome !== 'fresh') assert.fail(`first consume: ${first.outcome}`);
      assert.deepEqual(first.challenge, record);
      assert.ok(Math.abs(first.atMs - Date.now()) < 5_000, 'atMs is the instant of the decision');
      for (let i = 0; i < 3; i++) {
        const again = await challenges.consume('acme', record.id);
        if (again.outcome !== 'used') assert.fail(`later consume: ${again.outcome}`);
        assert.deepEqual(again.challenge, record);
      }
    });

    test('unknown ids and other tenants find nothing, and use nothing up', async () => {
      const record = challengeRecord('acme');
      await challenges.create(record);
      assert.deepEqual(await challenges.consume('acme', challengeId()), { outcome: 'not-found' });
      assert.deepEqual(await challenges.consume('other', record.id), { outcome: 'not-found' });
      assert.deepEqual(await challenges.consume('acm', record.id), { outcome: 'not-found' });
      assert.equal((await challenges.consume('acme', record.id)).outcome, 'fresh');
    });

    test('an id already stored is taken: nothing is overwritten', async () => {
      const record = challengeRecord('acme');
      assert.equal(await challenges.create(record), 'stored');
      assert.equal(await challenges.create({ ...record, expected: 'AAAA' }), 'taken');
      const got = await challenges.consume('acme', record.id);
      assert.equal(got.outcome !== 'not-found' && got.challenge.expected, record.expected);
      assert.equal(await challenges.create(record), 'taken', 'a used challenge still holds its id');
    });

    test('the same id in two tenants is two challenges', async () => {
      const record = challengeRecord('acme');
      await challenges.create(record);
      await challenges.create({ ...record, tenant: 'other' });
      assert.equal((await challenges.consume('acme', record.id)).outcome, 'fresh');
      assert.equal((await challenges.consume('other', record.id)).outcome, 'fresh');
    });

    test('of 200 concurrent consumes of one challenge, exactly one is fresh and the rest used', async () => {
      const record = challengeRecord('acme');
      await challenges.create(record);
      const results = await Promise.all(Array.from({ length: 200 }, () => challenges.consume('acme', record.id)));
      assert.equal(results.filter((r) => r.outcome === 'fresh').length, 1);
      assert.equal(results.filter((r) => r.outcome === 'used').length, 199);
    });

    test('past its expiry a challenge answers expired and is not used up; after keepUntil it is gone', async () => {
      const record = challengeRecord('acme', { ttlMs: 200, keepMs: 600 });
      const unused = challengeRecord('acme', { ttlMs: 200, keepMs: 600 });
      await challenges.create(record);
      await challenges.create(unused);
      assert.equal((await challenges.consume('acme', record.id)).outcome, 'fresh');
      await sleep(300);
      assert.equal((await challenges.consume('acme', unused.id)).outcome, 'expired');
      assert.equal((await challenges.consume('acme', unused.id)).outcome, 'expired', 'an expired consume uses nothing up');
      assert.equal((await challenges.consume('acme', record.id)).outcome, 'used', 'used stays used after expiry');
      await sleep(700);
      assert.deepEqual(await challenges.consume('acme', unused.id), { outcome: 'not-found' });
      assert.deepEqual(await challenges.consume('acme', record.id), { outcome: 'not-found' });
    });

    test('a record whose times are not whole milliseconds, or kept less than it lives, is refused, nothing stored', async () => {
      const good = challengeRecord('acme');
      for (const bad of [{ expiresAtMs: 1.5 }, { keepUntilMs: Number.NaN }, { keepUntilMs: good.expiresAtMs - 1 }]) {
        await assert.rejects(challenges.create({ ...good, ...bad }), RangeError);
      }
      assert.deepEqual(await challenges.consume('acme', good.id), { outcome: 'not-found' });
    });
  });
}
