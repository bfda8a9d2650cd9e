import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { AES_KEY_INFO, deriveAesKey } from '../../src/crypto/kdf.ts';

/** Written out here, not imported, so that a change of the label in kdf.ts fails these tests. */
const INFO = 'pq-crypto-api/v1/aes-256-gcm';

const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** The reference: OpenSSL's HKDF through node:crypto, independent of @noble/hashes. */
function nodeHkdf(ikm: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), INFO, 32));
}

describe('deriveAesKey: HKDF-SHA256, empty salt, info "pq-crypto-api/v1/aes-256-gcm", 32 bytes', () => {
  test('the exported label is pq-crypto-api/v1/aes-256-gcm', () => {
    assert.equal(AES_KEY_INFO, INFO);
  });

  test('a fixed shared secret 00 01 .. 1f derives the known key (computed once with node:crypto hkdfSync)', () => {
    const ikm = Uint8Array.from({ length: 32 }, (_, i) => i);
    assert.deepEqual(deriveAesKey(ikm), fromHex('718910d1bb61b820673c07f43dba5ad5366cc4322bf36c641537f3fb353a990a'));
  });

  const inputs: [string, Uint8Array][] = [
    ['32 zero bytes', new Uint8Array(32)],
    ['32 0xff bytes', new Uint8Array(32).fill(0xff)],
    ['32 random bytes', new Uint8Array(randomBytes(32))],
    ['a 1-byte input', Uint8Array.of(7)],
    ['a 64-byte input (exactly one SHA-256 block)', new Uint8Array(randomBytes(64))],
    ['a 100-byte input (longer than the SHA-256 block, so HMAC hashes the key)', new Uint8Array(randomBytes(100))],
  ];
  for (const [name, ikm] of inputs) {
    test(`for ${name}, equals node:crypto hkdfSync('sha256', ikm, empty salt, info, 32)`, () => {
      const key = deriveAesKey(ikm);
      assert.equal(key.length, 32);
      assert.deepEqual(key, nodeHkdf(ikm));
    });
  }

  test('different shared secrets give different keys, and the key is not the shared secret itself', () => {
    const a = new Uint8Array(randomBytes(32));
    const b = Uint8Array.from(a);
    b[0]! ^= 1;
    assert.notDeepEqual(deriveAesKey(a), deriveAesKey(b));
    assert.notDeepEqual(deriveAesKey(a), a);
  });

  test('deriving does not modify the shared secret', () => {
    const ikm = new Uint8Array(randomBytes(32));
    const copy = Uint8Array.from(ikm);
    deriveAesKey(ikm);
    assert.deepEqual(ikm, copy);
  });
});
