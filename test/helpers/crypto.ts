/** Small helpers shared by the crypto core's tests. */
import assert from 'node:assert/strict';
import { CryptoInputError } from '../../src/crypto/errors.ts';

/** For assert.throws: a CryptoInputError naming `field`. */
export function isInputError(field: string) {
  return (err: unknown) => {
    assert.ok(err instanceof CryptoInputError, `expected CryptoInputError, got ${String(err)}`);
    assert.equal(err.field, field);
    return true;
  };
}

export const bytes = (length: number, fill = 0) => new Uint8Array(length).fill(fill);
export const utf8 = (s: string) => new TextEncoder().encode(s);
