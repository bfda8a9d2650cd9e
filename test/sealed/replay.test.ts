/**
 * The pure replay pieces (src/sealed/replay.ts): HTTP-date in its three RFC 9110 section 5.6.7
 * formats (the RFC's own example instant), strictness, and the Date window of sealed requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isFreshRequest, isWithinWindow, parseHttpDate } from '../../src/sealed/replay.ts';

const EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37); // RFC 9110 section 5.6.7

test('the three HTTP-date formats of RFC 9110 give the same instant', () => {
  assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), EXAMPLE);
  assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), EXAMPLE);
  assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), EXAMPLE);
  assert.equal(parseHttpDate(new Date(1_800_000_000_000).toUTCString()), 1_800_000_000_000, 'what Date#toUTCString makes (IMF-fixdate)');
});

test('anything else is not a date', () => {
  for (const bad of [
    '',
    'Sun, 06 Nov 1994 08:49:37 UTC',
    'Sun, 6 Nov 1994 08:49:37 GMT',
    'sun, 06 nov 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 08:49:37 GMT ',
    'Sun, 31 Feb 1994 08:49:37 GMT',
    'Sun, 06 Nov 1994 24:00:00 GMT',
    '1994-11-06T08:49:37Z',
    '784111777',
    'Sun, 06 Nov 1994 08:49:37 +0000',
  ]) {
    assert.equal(parseHttpDate(bad), undefined, bad);
  }
});

test('the window holds on both sides, inclusive, and not past it', () => {
  const now = 1_800_000_000_000;
  assert.ok(isWithinWindow(now, now, 60));
  assert.ok(isWithinWindow(now - 60_000, now, 60));
  assert.ok(isWithinWindow(now + 60_000, now, 60));
  assert.ok(!isWithinWindow(now - 61_000, now, 60));
  assert.ok(!isWithinWindow(now + 61_000, now, 60));
});

test('a sealed request is fresh only with exactly one valid date within the window', () => {
  const now = 1_800_000_000_000;
  const date = (ms: number) => ['date', new Date(ms).toUTCString()] as [string, string];
  assert.ok(isFreshRequest([date(now - 30_000)], now, 60));
  assert.ok(!isFreshRequest([date(now - 120_000)], now, 60), 'stale');
  assert.ok(!isFreshRequest([], now, 60), 'no date');
  assert.ok(!isFreshRequest([date(now), date(now)], now, 60), 'two dates');
  assert.ok(!isFreshRequest([['date', 'yesterday']], now, 60), 'not a date');
});
