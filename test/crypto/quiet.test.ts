/**
 * withoutStackTraces (crypto/quiet.ts): no stack trace is captured during the call, the limit is
 * restored however the call ends, and an error leaving it still has a stack to debug with. That it
 * pays is measured, not asserted (bench/floor-cuts.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { withoutStackTraces } from '../../src/crypto/quiet.ts';

function thrower(): never {
  throw new TypeError('made inside');
}

test('no stack trace is captured inside the call, and the limit is restored after it', () => {
  const before = Error.stackTraceLimit;
  const inside = withoutStackTraces(() => new Error('probe').stack!);
  assert.equal(inside.split('\n').length, 1, `no frames inside: ${inside}`);
  assert.equal(Error.stackTraceLimit, before);
  assert.ok(new Error('after').stack!.split('\n').length > 1, 'frames again after it');
});

test('an error thrown inside leaves with its type, message and a stack, and the limit is restored', () => {
  const before = Error.stackTraceLimit;
  let caught: unknown;
  try {
    withoutStackTraces(thrower);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TypeError);
  assert.equal(caught.message, 'made inside');
  assert.match(caught.stack!, /^TypeError: made inside\n\s+at /, 'a stack from where it left');
  assert.equal(Error.stackTraceLimit, before);
});

test('node:crypto\'s own errors come through it unchanged (a malformed key import is still refused)', () => {
  assert.throws(
    () => withoutStackTraces(() => createPublicKey({ key: randomBytes(10), format: 'der', type: 'spki' })),
    (err: Error) => err instanceof Error && err.message.length > 0 && err.stack!.includes('\n    at '),
  );
});

test('nested calls restore the outer limit', () => {
  const before = Error.stackTraceLimit;
  withoutStackTraces(() => {
    withoutStackTraces(() => undefined);
    assert.equal(Error.stackTraceLimit, 0);
  });
  assert.equal(Error.stackTraceLimit, before);
});
