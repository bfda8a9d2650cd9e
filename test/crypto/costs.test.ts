/**
 * The cost table (crypto/costs.ts) and the lanes it gives, and the threads of each lane
 * (crypto/select.ts laneSlots): what the scheduler's fairness and the lanes rest on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALGORITHM_NAMES, DSA_ALGORITHMS, KEM_ALGORITHMS, SLH_DSA_ALGORITHMS } from '../../src/crypto/algorithms.ts';
import { COSTS, SLOW_LANE_COST, costOf, laneOf } from '../../src/crypto/costs.ts';
import { laneSlots } from '../../src/crypto/select.ts';

test('the unit is an ML-KEM-768 encapsulation on noble; every algorithm and operation has a measured cost on noble', () => {
  assert.equal(costOf('ML-KEM-768', 'encapsulate', 'noble'), 1);
  for (const a of KEM_ALGORITHMS) for (const op of ['keygen', 'prepare', 'encapsulate', 'decapsulate'] as const) assert.ok(COSTS.noble[a]?.[op], `${a} ${op}`);
  for (const a of DSA_ALGORITHMS) for (const op of ['keygen', 'sign', 'verify'] as const) assert.ok(COSTS.noble[a]?.[op], `${a} ${op}`);
  for (const a of ALGORITHM_NAMES) if (a !== 'X-Wing') for (const op of ['keygen'] as const) assert.ok(COSTS.native[a]?.[op], `native ${a} ${op}`);
  assert.ok(Object.isFrozen(COSTS) && Object.isFrozen(COSTS.noble) && Object.isFrozen(COSTS.noble['ML-KEM-768']));
});

test('SLH-DSA goes to the slow lane on both implementations; ML-KEM, X-Wing, ML-DSA and AES to the fast one', () => {
  for (const impl of ['noble', 'native'] as const) {
    for (const a of SLH_DSA_ALGORITHMS) for (const op of ['keygen', 'sign', 'verify'] as const) assert.equal(laneOf(a, op, impl), 'slow', `${impl} ${a} ${op}`);
    for (const a of KEM_ALGORITHMS) for (const op of ['keygen', 'prepare', 'encapsulate', 'decapsulate'] as const) assert.equal(laneOf(a, op, impl), 'fast', `${impl} ${a} ${op}`);
    for (const a of ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const) for (const op of ['keygen', 'prepare', 'sign', 'verify'] as const) assert.equal(laneOf(a, op, impl), 'fast', `${impl} ${a} ${op}`);
    for (const op of ['seal', 'open'] as const) assert.equal(laneOf('AES-256-GCM', op, impl), 'fast');
  }
  // The "s" sets' signatures cost hundreds to tens of thousands of units: far past the threshold.
  assert.ok(costOf('SLH-DSA-SHAKE-128s', 'sign', 'noble') > 100 * SLOW_LANE_COST);
  assert.ok(costOf('SLH-DSA-SHAKE-128s', 'sign', 'native') > 10 * SLOW_LANE_COST);
});

test('X-Wing is noble everywhere: its native cost is the noble one', () => {
  assert.equal(costOf('X-Wing', 'decapsulate', 'native'), costOf('X-Wing', 'decapsulate', 'noble'));
});

test('lane threads: fast = CRYPTO_THREADS (default cores - 1), slow = half of it, at least 1; native keeps a libuv thread free', () => {
  assert.deepEqual(laneSlots({ threads: 1 }, false), { fast: 1, slow: 1 });
  assert.deepEqual(laneSlots({ threads: 7 }, false), { fast: 7, slow: 3 });
  assert.deepEqual(laneSlots({ threads: 7, slowThreads: 6 }, false), { fast: 7, slow: 6 });
  assert.deepEqual(laneSlots({ threads: 7, slowThreads: 6 }, true), { fast: 7, slow: 3 }, 'libuv has 4 threads by default');
  assert.deepEqual(laneSlots({ threads: 7, slowThreads: 6, libuvThreads: 16 }, true), { fast: 7, slow: 6 });
  assert.deepEqual(laneSlots({ threads: 2, libuvThreads: 1 }, true), { fast: 2, slow: 1 });
  const defaults = laneSlots({}, false);
  assert.ok(defaults.fast >= 1 && defaults.slow >= 1);
});
