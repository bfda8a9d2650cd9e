/**
 * A Redis that stays down: its connection errors are logged with backoff (src/startup.ts
 * redisErrorReporter), not at every reconnect attempt (ioredis retries about once a second, more
 * often at first): the first at once, then 1, 2, 4 ... up to 60 s apart, each with the count of
 * failed attempts; the recovery is said once, and the next outage starts over.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { redisErrorReporter } from '../../src/startup.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  return { logger, lines };
}

describe('redis connection errors, reported with backoff', () => {
  it('an error every 400 ms for an hour: reported at 0, 1, 3, 7 ... s apart up to 60 s, each with the count so far', () => {
    const { logger, lines } = capture();
    let t = 0;
    const reporter = redisErrorReporter(logger, () => t);
    const at: number[] = [];
    for (; t <= 3_600_000; t += 400) {
      const before = lines.length;
      reporter.error(new Error('connect ECONNREFUSED 127.0.0.1:1'));
      if (lines.length > before) at.push(t);
    }
    const gaps = at.slice(1).map((x, i) => x - at[i]!);
    // Each gap is the interval rounded up to the next attempt (every 400 ms).
    const intervals = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000];
    gaps.forEach((gap, i) => {
      const want = intervals[Math.min(i, intervals.length - 1)]!;
      assert.ok(gap >= want && gap < want + 400, `gap ${i}: ${gap} ms, want ${want}`);
    });
    assert.equal(at[0], 0);
    // 9,001 failed attempts in the hour, about 65 lines instead of 9,001.
    assert.ok(lines.length < 70 && lines.length > 55, `${lines.length} lines`);
    for (const [i, line] of lines.entries()) {
      assert.equal(line.msg, 'redis connection error');
      assert.equal(line.level, 40);
      assert.equal(line.failures, at[i]! / 400 + 1);
      assert.equal(line.error, 'connect ECONNREFUSED 127.0.0.1:1');
    }
  });

  it('back again: one line with the count, and the next outage is reported at once', () => {
    const { logger, lines } = capture();
    let t = 0;
    const reporter = redisErrorReporter(logger, () => t);
    for (; t < 10_000; t += 100) reporter.error(new Error('down'));
    const during = lines.length;
    reporter.ready();
    assert.deepEqual(
      { msg: lines[during]!.msg, failures: lines[during]!.failures },
      { msg: 'redis connection is back', failures: 100 },
    );
    t += 100;
    reporter.error(new Error('down again'));
    assert.equal(lines.length, during + 2);
    assert.deepEqual({ error: lines.at(-1)!.error, failures: lines.at(-1)!.failures }, { error: 'down again', failures: 1 });
    // A ready with nothing failed before says nothing.
    reporter.ready();
    reporter.ready();
    assert.equal(lines.length, during + 3);
  });
});
