import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobLimiter } from '../../src/crypto/native.ts';

test('JobLimiter runs at most `limit` jobs at once, starts the rest in arrival order, and survives failing jobs', async () => {
  const limiter = new JobLimiter(2);
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const job = (i: number) => async () => {
    started.push(i);
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, 5));
    running--;
    if (i === 1) throw new Error('job 1 fails');
    return i;
  };
  const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limiter.run(job(i))));
  assert.equal(peak, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
  // The slots all came back: two more jobs run side by side.
  peak = 0;
  await Promise.all([limiter.run(job(6)), limiter.run(job(7))]);
  assert.equal(peak, 2);
});
