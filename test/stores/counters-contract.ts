/**
 * The counter port's contract: every Counters implementation must pass it (contract.ts runs it on
 * the memory store, Redis, Redis Cluster and Sentinel). Windows are real, one second long, because
 * Redis keeps its own clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, test } from 'node:test';
import type { Counters } from '../../src/stores/counters.ts';

/** Runs the contract; `current()` gives the counters of the test under way (a fresh store per test). */
export function runCountersContract(current: () => Counters): void {
  describe('counters', () => {
    let counters: Counters;
    // Fresh names per test, so stores that share a backend cannot see each other's counts.
    let key: string;
    beforeEach(() => {
      counters = current();
      key = `tenant:${randomUUID()}`;
    });

    test('of concurrent hits against a limit, exactly the limit is admitted, and remaining counts down to 0', async () => {
      const hits = await Promise.all(Array.from({ length: 25 }, () => counters.hit(key, 1, 10, 60)));
      const admitted = hits.filter((h) => h.allowed);
      assert.equal(admitted.length, 10);
      assert.deepEqual(admitted.map((h) => h.remaining).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (const refused of hits.filter((h) => !h.allowed)) {
        assert.equal(refused.remaining, 0);
        assert.ok(refused.resetMs > 0 && refused.resetMs <= 60_000, `reset in ${refused.resetMs} ms`);
      }
    });

    test('a refused hit counts nothing: the count stays at the limit, not past it', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await counters.hit(key, 1, 3, 60)).allowed, true);
      for (let i = 0; i < 5; i++) assert.equal((await counters.hit(key, 1, 3, 60)).allowed, false);
      assert.equal((await counters.charge(key, 1, 60)).count, 4, '3 admitted + this charge; the 5 refused left no trace');
    });

    test('points: a hit that would pass the limit is refused whole, a smaller one still fits', async () => {
      assert.deepEqual(pick(await counters.hit(key, 3, 5, 60)), { allowed: true, remaining: 2 });
      assert.deepEqual(pick(await counters.hit(key, 3, 5, 60)), { allowed: false, remaining: 2 });
      assert.deepEqual(pick(await counters.hit(key, 2, 5, 60)), { allowed: true, remaining: 0 });
    });

    test('keys count apart', async () => {
      assert.equal((await counters.hit(key, 1, 1, 60)).allowed, true);
      assert.equal((await counters.hit(key, 1, 1, 60)).allowed, false);
      assert.equal((await counters.hit(`${key}-other`, 1, 1, 60)).allowed, true);
    });

    test('the window ends windowSeconds after its first hit, and counting starts again from zero', async () => {
      const first = await counters.hit(key, 1, 2, 1);
      assert.ok(first.resetMs > 0 && first.resetMs <= 1000, `reset in ${first.resetMs} ms`);
      await counters.hit(key, 1, 2, 1);
      const refused = await counters.hit(key, 1, 2, 1);
      assert.equal(refused.allowed, false);
      assert.ok(refused.resetMs <= first.resetMs, 'later hits do not push the window back');
      await sleep(refused.resetMs + 100);
      assert.deepEqual(pick(await counters.hit(key, 1, 2, 1)), { allowed: true, remaining: 1 });
    });

    test('charge never refuses, counts past any limit, and later hits see it', async () => {
      assert.equal((await counters.hit(key, 1, 5, 60)).allowed, true);
      const charged = await Promise.all(Array.from({ length: 20 }, () => counters.charge(key, 2, 60)));
      assert.deepEqual(charged.map((c) => c.count).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => 3 + 2 * i));
      assert.ok(charged.every((c) => c.resetMs > 0 && c.resetMs <= 60_000));
      assert.equal((await counters.hit(key, 1, 5, 60)).allowed, false);
      assert.equal((await counters.hit(key, 1, 100, 60)).allowed, true, 'the count is 41, under 100');
    });

    test('refund gives places back in the window, never below zero', async () => {
      for (let i = 0; i < 4; i++) await counters.hit(key, 1, 4, 60);
      assert.equal((await counters.hit(key, 1, 4, 60)).allowed, false);
      await counters.refund(key, 1);
      assert.deepEqual(pick(await counters.hit(key, 1, 4, 60)), { allowed: true, remaining: 0 });
      await counters.refund(key, 100);
      const again = await Promise.all(Array.from({ length: 6 }, () => counters.hit(key, 1, 4, 60)));
      assert.equal(again.filter((h) => h.allowed).length, 4, 'back to zero, not below: no credit');
    });

    test('a refund without a live window starts none and gives no credit', async () => {
      await counters.refund(key, 5);
      const hits = await Promise.all(Array.from({ length: 5 }, () => counters.hit(key, 1, 3, 60)));
      assert.equal(hits.filter((h) => h.allowed).length, 3);
    });

    test('reserve takes as many as the window has left: all, some, then none, and a reservation of none writes nothing', async () => {
      assert.deepEqual(await pickReservation(counters.reserve(key, 4, 10, 60)), { granted: 4, remaining: 6 });
      assert.deepEqual(await pickReservation(counters.reserve(key, 4, 10, 60)), { granted: 4, remaining: 2 });
      assert.deepEqual(await pickReservation(counters.reserve(key, 4, 10, 60)), { granted: 2, remaining: 0 });
      const none = await counters.reserve(key, 4, 10, 60);
      assert.deepEqual({ granted: none.granted, remaining: none.remaining }, { granted: 0, remaining: 0 });
      assert.ok(none.resetMs > 0 && none.resetMs <= 60_000, `reset in ${none.resetMs} ms`);
      assert.equal((await counters.charge(key, 1, 60)).count, 11, 'the refused reservation left no trace');
    });

    test('of concurrent reservations, together exactly the limit is granted, never more', async () => {
      const granted = await Promise.all(Array.from({ length: 12 }, () => counters.reserve(key, 3, 20, 60)));
      assert.equal(granted.reduce((sum, r) => sum + r.granted, 0), 20);
      assert.equal((await counters.hit(key, 1, 20, 60)).allowed, false, 'hits see the reserved places as taken');
      const another = await counters.reserve(`${key}-other`, 3, 20, 60);
      assert.equal(another.granted, 3, 'keys count apart');
    });

    test('a counter kept with a token family counts like any other, and apart from the same key kept elsewhere', async () => {
      const family = `fam-{${randomUUID()}}`;
      assert.deepEqual(pick(await counters.hit(key, 1, 2, 60, family)), { allowed: true, remaining: 1 });
      assert.deepEqual(pick(await counters.hit(key, 1, 2, 60, family)), { allowed: true, remaining: 0 });
      assert.equal((await counters.hit(key, 1, 2, 60, family)).allowed, false);
      await counters.refund(key, 1, family);
      assert.equal((await counters.charge(key, 1, 60, family)).count, 2);
      assert.equal((await counters.reserve(key, 5, 3, 60, family)).granted, 1);
    });

    test('points, limits and windows must be whole numbers >= 1', async () => {
      await assert.rejects(counters.reserve(key, 0, 5, 60), RangeError);
      await assert.rejects(counters.hit(key, 0, 5, 60), RangeError);
      await assert.rejects(counters.hit(key, 1, 0, 60), RangeError);
      await assert.rejects(counters.hit(key, 1, 5, 0.5), RangeError);
      await assert.rejects(counters.charge(key, -1, 60), RangeError);
      await assert.rejects(counters.refund(key, 1.5), RangeError);
      assert.equal((await counters.hit(key, 1, 1, 60)).allowed, true, 'nothing was counted by the refused calls');
    });
  });
}

const pickReservation = async (reserving: Promise<{ granted: number; remaining: number }>) => {
  const { granted, remaining } = await reserving;
  return { granted, remaining };
};

const pick = ({ allowed, remaining }: { allowed: boolean; remaining: number }) => ({ allowed, remaining });
