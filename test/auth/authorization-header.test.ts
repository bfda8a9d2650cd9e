/**
 * The Authorization header carries one Bearer credential (RFC 6750 section 2.1; the scheme is
 * case-insensitive, RFC 9110 section 11.1) of at most 8,192 characters, with nothing before or
 * after it. Written to kill mutants StrykerJS found surviving in its anchors, spacing and limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerCredential } from '../../src/auth/authenticate.ts';

test('the Authorization header: one Bearer credential of at most 12288 characters (the longest ML-DSA-87 token fits), nothing before or after it', () => {
  const key = 'k'.repeat(40);
  assert.equal(bearerCredential(`Bearer ${key}`), key);
  assert.equal(bearerCredential(`bearer   ${key}`), key);
  assert.equal(bearerCredential(`Bearer ${key}  `), key);
  assert.equal(bearerCredential(undefined), undefined);
  assert.equal(bearerCredential(''), undefined);
  assert.equal(bearerCredential(`xBearer ${key}`), undefined);
  assert.equal(bearerCredential(`Token Bearer ${key}`), undefined);
  assert.equal(bearerCredential(`Bearer ${key} extra`), undefined);
  assert.equal(bearerCredential(`Bearer ${key}\textra`), undefined);
  assert.equal(bearerCredential(`Bearer${key}`), undefined);
  assert.equal(bearerCredential(`Bearer ${'a'.repeat(12_288)}`), 'a'.repeat(12_288));
  assert.equal(bearerCredential(`Bearer ${'a'.repeat(12_289)}`), undefined);
});
