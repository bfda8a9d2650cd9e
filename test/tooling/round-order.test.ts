/**
 * The benches' round order (bench/lib/procs.ts roundOrder): every round measures each contender
 * once, none is always first, and none always follows the same other one, which a plain rotation
 * (A B C, B C A, C A B) did: B always right after A.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundOrder } from '../../bench/lib/procs.ts';

test('each round is an order of every contender', () => {
  for (const n of [2, 3, 5]) {
    for (let r = 0; r < 10; r++) assert.deepEqual([...roundOrder(n, r)].sort(), Array.from({ length: n }, (_, k) => k), `n=${n} round ${r}`);
  }
});

test('over 2n rounds each contender is first equally often, and right after more than one other', () => {
  for (const n of [2, 3, 4, 5]) {
    const first = new Map<number, number>();
    const after = new Map<number, Set<number>>();
    for (let r = 0; r < 2 * n; r++) {
      const order = roundOrder(n, r);
      first.set(order[0]!, (first.get(order[0]!) ?? 0) + 1);
      for (let k = 1; k < n; k++) {
        if (!after.has(order[k]!)) after.set(order[k]!, new Set());
        after.get(order[k]!)!.add(order[k - 1]!);
      }
    }
    for (let c = 0; c < n; c++) {
      assert.equal(first.get(c), 2, `n=${n}: contender ${c} first twice in ${2 * n} rounds`);
      // With two, each follows the other; with more, each follows both its neighbours in the ring.
      assert.equal(after.get(c)?.size, Math.min(n - 1, 2), `n=${n}: contender ${c} right after ${Math.min(n - 1, 2)} others`);
    }
  }
});
