/**
 * The crypto scheduler (crypto/scheduler.ts) on its own, with tasks the test controls: deficit
 * round robin by cost across tenants, slots per lane, the per-tenant queue bound and the start
 * deadline (CryptoBusyError), aborts and beforeStart. test/crypto/lanes.test.ts runs it with real
 * crypto.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CryptoBusyError } from '../../src/crypto/errors.ts';
import { CryptoScheduler, type Lane } from '../../src/crypto/scheduler.ts';

/** A task the test finishes by hand, recording when it starts. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

function recorder() {
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  const task = (name: string, hold: Promise<void> = Promise.resolve(), fail = false) => async () => {
    started.push(name);
    running++;
    peak = Math.max(peak, running);
    await hold;
    await new Promise((r) => setImmediate(r));
    running--;
    if (fail) throw new Error(`${name} fails`);
    return name;
  };
  return { started, task, peak: () => peak, resetPeak: () => (peak = 0) };
}

const busy = (reason: CryptoBusyError['reason'], lane: Lane) => (err: unknown) => {
  assert.ok(err instanceof CryptoBusyError, `expected CryptoBusyError, got ${String(err)}`);
  assert.equal(err.reason, reason);
  assert.equal(err.lane, lane);
  assert.ok(Number.isInteger(err.retryAfterSeconds) && err.retryAfterSeconds >= 1, `retryAfterSeconds ${err.retryAfterSeconds}`);
  return true;
};

describe('deficit round robin by cost', () => {
  test("tenant B's cheap jobs start before tenant A's 100 queued costly ones, right after the one running", async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 }, tenantQueueCost: Infinity });
    const r = recorder();
    const first = gate();
    const a = Array.from({ length: 100 }, (_, i) => s.run({ lane: 'slow', cost: 50 }, { tenant: 'A' }, r.task(`A${i}`, i === 0 ? first.opened : undefined)));
    const b = Array.from({ length: 5 }, (_, i) => s.run({ lane: 'slow', cost: 1 }, { tenant: 'B' }, r.task(`B${i}`)));
    first.open();
    await Promise.all(b);
    assert.deepEqual(r.started.slice(0, 6), ['A0', 'B0', 'B1', 'B2', 'B3', 'B4'], 'FIFO would have run all of A first');
    await Promise.all(a);
    assert.equal(r.started.length, 105);
  });

  test('equal costs alternate between tenants; a tenant queueing more gets no more than its share', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 }, tenantQueueCost: Infinity });
    const r = recorder();
    const runs = [
      ...Array.from({ length: 20 }, (_, i) => s.run({ lane: 'fast', cost: 1 }, { tenant: 'A' }, r.task(`A${i}`))),
      ...Array.from({ length: 5 }, (_, i) => s.run({ lane: 'fast', cost: 1 }, { tenant: 'B' }, r.task(`B${i}`))),
    ];
    await Promise.all(runs);
    const firstTwelve = r.started.slice(0, 12);
    assert.equal(firstTwelve.filter((n) => n.startsWith('B')).length, 5, `B's 5 jobs within the first 12 starts: ${firstTwelve.join(' ')}`);
    // Strict alternation once both are queued: never two B in a row, never more than two A in a row before B is done.
    assert.doesNotMatch(firstTwelve.join(' '), /A\d+ A\d+ A\d+/);
  });

  test('shares follow cost: a tenant of 4-unit jobs starts about one for every four 1-unit jobs of another', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 }, tenantQueueCost: Infinity });
    const r = recorder();
    const runs = [
      ...Array.from({ length: 10 }, (_, i) => s.run({ lane: 'fast', cost: 4 }, { tenant: 'heavy' }, r.task(`H${i}`))),
      ...Array.from({ length: 40 }, (_, i) => s.run({ lane: 'fast', cost: 1 }, { tenant: 'light' }, r.task(`L${i}`))),
    ];
    await Promise.all(runs);
    const window = r.started.slice(0, 25);
    const heavy = window.filter((n) => n.startsWith('H')).length;
    assert.ok(heavy >= 4 && heavy <= 7, `${heavy} heavy jobs among the first 25 starts (about 5 expected): ${window.join(' ')}`);
  });

  test('one tenant alone is served in arrival order, at most `slots` at once, and failing jobs give their slot back', async () => {
    const s = new CryptoScheduler({ slots: { fast: 2, slow: 1 } });
    const r = recorder();
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => s.run({ lane: 'fast', cost: 1 }, undefined, r.task(`${i}`, undefined, i === 1))));
    assert.equal(r.peak(), 2);
    assert.deepEqual(r.started, ['0', '1', '2', '3', '4', '5']);
    assert.deepEqual(results.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    r.resetPeak();
    await Promise.all([s.run({ lane: 'fast', cost: 1 }, undefined, r.task('6')), s.run({ lane: 'fast', cost: 1 }, undefined, r.task('7'))]);
    assert.equal(r.peak(), 2, 'both slots came back');
  });
});

describe('lanes', () => {
  test('a saturated slow lane leaves the fast lane its own slots', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 }, tenantQueueCost: Infinity });
    const r = recorder();
    const held = gate();
    const slow = Array.from({ length: 5 }, (_, i) => s.run({ lane: 'slow', cost: 30_000 }, { tenant: 'A' }, r.task(`S${i}`, held.opened)));
    assert.equal(await s.run({ lane: 'fast', cost: 1 }, { tenant: 'B' }, r.task('F')), 'F');
    assert.deepEqual(r.started, ['S0', 'F']);
    assert.deepEqual({ running: s.snapshot().slow.running, queued: s.snapshot().slow.queued }, { running: 1, queued: 4 });
    held.open();
    await Promise.all(slow);
  });
});

describe('refusals', () => {
  test("past the tenant's queued-cost bound work is refused at once with CryptoBusyError; other tenants still queue", async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 }, tenantQueueCost: 10 });
    const r = recorder();
    const held = gate();
    const running = s.run({ lane: 'fast', cost: 4 }, { tenant: 'A' }, r.task('A0', held.opened));
    const queued = [s.run({ lane: 'fast', cost: 4 }, { tenant: 'A' }, r.task('A1')), s.run({ lane: 'fast', cost: 4 }, { tenant: 'A' }, r.task('A2'))];
    await assert.rejects(s.run({ lane: 'fast', cost: 4 }, { tenant: 'A' }, r.task('A3')), busy('tenant-queue-full', 'fast'));
    const other = s.run({ lane: 'fast', cost: 4 }, { tenant: 'B' }, r.task('B0'));
    // The bound is per lane: A's slow work is not refused for its fast queue.
    const slowA = s.run({ lane: 'slow', cost: 4 }, { tenant: 'A' }, r.task('S0'));
    held.open();
    await Promise.all([running, ...queued, other, slowA]);
    assert.ok(!r.started.includes('A3'), 'the refused job never ran');
  });

  test('a tenant with nothing queued may queue one job however costly', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 }, tenantQueueCost: 10 });
    const r = recorder();
    const held = gate();
    const running = s.run({ lane: 'slow', cost: 1 }, { tenant: 'X' }, r.task('X0', held.opened));
    const big = s.run({ lane: 'slow', cost: 50_000 }, { tenant: 'A' }, r.task('A0'));
    await assert.rejects(s.run({ lane: 'slow', cost: 1 }, { tenant: 'A' }, r.task('A1')), busy('tenant-queue-full', 'slow'));
    held.open();
    assert.deepEqual(await Promise.all([running, big]), ['X0', 'A0']);
  });

  test('a job that cannot start within the queue deadline is refused with CryptoBusyError and never runs; the lane goes on', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 }, queueTimeoutMs: 100 });
    const r = recorder();
    const held = gate();
    const running = s.run({ lane: 'fast', cost: 1 }, { tenant: 'A' }, r.task('A0', held.opened));
    const t0 = performance.now();
    await assert.rejects(s.run({ lane: 'fast', cost: 1 }, { tenant: 'B' }, r.task('B0')), busy('queue-timeout', 'fast'));
    assert.ok(performance.now() - t0 >= 90, 'not before the deadline');
    assert.equal(s.snapshot().fast.queued, 0);
    held.open();
    await running;
    assert.equal(await s.run({ lane: 'fast', cost: 1 }, { tenant: 'B' }, r.task('B1')), 'B1');
    assert.deepEqual(r.started, ['A0', 'B1']);
  });

  test('a queued job whose signal fires leaves the queue and never runs; an already-fired signal refuses at once', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 } });
    const r = recorder();
    const held = gate();
    const running = s.run({ lane: 'fast', cost: 1 }, { tenant: 'A' }, r.task('A0', held.opened));
    const controller = new AbortController();
    const dropped = s.run({ lane: 'fast', cost: 1 }, { tenant: 'B', signal: controller.signal }, r.task('B0'));
    const kept = s.run({ lane: 'fast', cost: 1 }, { tenant: 'C' }, r.task('C0'));
    controller.abort(new Error('client went away'));
    await assert.rejects(dropped, /client went away/);
    assert.equal(s.snapshot().fast.queued, 1);
    await assert.rejects(s.run({ lane: 'fast', cost: 1 }, { tenant: 'B', signal: AbortSignal.abort() }, r.task('B1')), { name: 'AbortError' });
    held.open();
    await Promise.all([running, kept]);
    assert.deepEqual(r.started, ['A0', 'C0']);
  });

  test('beforeStart runs when the job reaches the front, not before; if it throws, the job fails with that error, the task never runs and the slot is freed', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 } });
    const r = recorder();
    const held = gate();
    const checks: string[] = [];
    const running = s.run({ lane: 'fast', cost: 1 }, { tenant: 'A' }, r.task('A0', held.opened));
    const gone = new Error('the key was deleted');
    const refused = s.run({ lane: 'fast', cost: 1 }, { tenant: 'B', beforeStart: async () => {
      checks.push('B0');
      throw gone;
    } }, r.task('B0'));
    const refusal = refused.then(() => undefined, (err: unknown) => err);
    const next = s.run({ lane: 'fast', cost: 1 }, { tenant: 'C', beforeStart: async () => void checks.push('C0') }, r.task('C0'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(checks, [], 'nothing checked while A0 holds the slot');
    held.open();
    await running;
    await next;
    assert.deepEqual(checks, ['B0', 'C0']);
    assert.equal(await refusal, gone);
    assert.deepEqual(r.started, ['A0', 'C0'], 'B0 never ran');
  });

  test('close() refuses what waits and what comes later; what runs finishes', async () => {
    const s = new CryptoScheduler({ slots: { fast: 1, slow: 1 } });
    const r = recorder();
    const held = gate();
    const running = s.run({ lane: 'fast', cost: 1 }, undefined, r.task('A0', held.opened));
    const waiting = s.run({ lane: 'fast', cost: 1 }, undefined, r.task('A1'));
    s.close();
    await assert.rejects(waiting, /closed/);
    await assert.rejects(s.run({ lane: 'slow', cost: 1 }, undefined, r.task('A2')), /closed/);
    held.open();
    assert.equal(await running, 'A0');
    assert.deepEqual(r.started, ['A0']);
  });
});
