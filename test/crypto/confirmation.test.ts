/**
 * Key confirmation (crypto/confirmation.ts): HMAC-SHA256(HKDF-SHA256(shared_key, "",
 * "pq-crypto-api/v1/key-confirmation", 32), cipher), computed with @noble/hashes, checked
 * against an independent computation with node:crypto (OpenSSL) and against the client package's own version
 * (packages/client/src/local.ts), and shown to catch what implicit rejection hides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import * as client from '../../packages/client/src/local.ts';
import { fromBase64 } from '../../packages/client/src/encoding.ts';
import { checkKeyConfirmation, KEY_CONFIRMATION_INFO, keyConfirmation } from '../../src/crypto/confirmation.ts';
import { deriveAesKey } from '../../src/crypto/kdf.ts';
import { kemDecapsulate, kemEncapsulate, kemKeygen } from '../../src/crypto/kem.ts';
import { KEM_ALGORITHMS } from '../../src/crypto/algorithms.ts';
import { bytes, isInputError } from '../helpers/crypto.ts';

/** The brief's construction, computed by OpenSSL (the service computes it with @noble/hashes). */
function opensslConfirmation(sharedKey: Uint8Array, cipher: Uint8Array): Uint8Array {
  const macKey = Buffer.from(hkdfSync('sha256', sharedKey, Buffer.alloc(0), Buffer.from('pq-crypto-api/v1/key-confirmation'), 32));
  return new Uint8Array(createHmac('sha256', macKey).update(cipher).digest());
}

const random = (n: number) => new Uint8Array(randomBytes(n));
const flip = (b: Uint8Array, at: number) => {
  const out = Uint8Array.from(b);
  out[at]! ^= 0x01;
  return out;
};

test('the label is the brief\'s and the client\'s', () => {
  assert.equal(KEY_CONFIRMATION_INFO, 'pq-crypto-api/v1/key-confirmation');
  assert.equal(client.CONFIRMATION_INFO, KEY_CONFIRMATION_INFO);
});

test('equals the independent node:crypto (OpenSSL) computation, for ciphertexts of every KEM and of odd lengths', () => {
  const ciphers = [bytes(0), random(1), random(768), random(1088), random(1120), random(1568), random(5000)];
  for (const cipher of ciphers) {
    const sharedKey = random(32);
    const mine = keyConfirmation(sharedKey, cipher);
    assert.equal(mine.length, 32);
    assert.deepEqual(mine, opensslConfirmation(sharedKey, cipher), `cipher of ${cipher.length} bytes`);
  }
});

test('agrees with the client package both ways: the same base64, and each accepts the other\'s', () => {
  for (const alg of KEM_ALGORITHMS) {
    const { cipherText, sharedSecret } = kemEncapsulate(alg, kemKeygen(alg).publicKey);
    const mine = keyConfirmation(sharedSecret, cipherText);
    const theirs = client.keyConfirmation(sharedSecret, cipherText);
    assert.equal(Buffer.from(mine).toString('base64'), theirs, alg);
    assert.equal(client.checkKeyConfirmation(sharedSecret, cipherText, mine), true, alg);
    assert.equal(checkKeyConfirmation(sharedSecret, cipherText, fromBase64(theirs)), true, alg);
  }
});

test('catches what implicit rejection hides: a modified ciphertext decapsulates to another key, whose check fails', () => {
  for (const alg of KEM_ALGORITHMS) {
    const pair = kemKeygen(alg);
    const { cipherText, sharedSecret } = kemEncapsulate(alg, pair.publicKey);
    const confirmation = keyConfirmation(sharedSecret, cipherText);
    assert.equal(checkKeyConfirmation(kemDecapsulate(alg, pair.seed, cipherText), cipherText, confirmation), true, alg);
    const modified = flip(cipherText, 10);
    const rejected = kemDecapsulate(alg, pair.seed, modified); // no error, just another key
    assert.equal(checkKeyConfirmation(rejected, modified, confirmation), false, alg);
    assert.equal(checkKeyConfirmation(sharedSecret, modified, confirmation), false, `${alg}: bound to the ciphertext`);
  }
});

test('false for a flipped bit anywhere, another shared key, or a confirmation of the wrong length (never an error)', () => {
  const sharedKey = random(32);
  const cipher = random(1088);
  const good = keyConfirmation(sharedKey, cipher);
  assert.equal(checkKeyConfirmation(sharedKey, cipher, good), true);
  for (const at of [0, 15, 31]) assert.equal(checkKeyConfirmation(sharedKey, cipher, flip(good, at)), false, `bit in byte ${at}`);
  assert.equal(checkKeyConfirmation(flip(sharedKey, 0), cipher, good), false);
  for (const wrong of [bytes(0), good.subarray(0, 31), Uint8Array.from([...good, 0]), bytes(64)]) {
    assert.equal(checkKeyConfirmation(sharedKey, cipher, wrong), false, `length ${wrong.length}`);
  }
});

test('its key is not the AES key of the same shared key (its own HKDF label)', () => {
  const sharedKey = random(32);
  const cipher = random(32);
  const withAesKey = new Uint8Array(createHmac('sha256', deriveAesKey(sharedKey)).update(cipher).digest());
  assert.notDeepEqual(keyConfirmation(sharedKey, cipher), withAesKey);
});

test("a shared key that is not 32 bytes is refused with CryptoInputError('shared_key'), as the client refuses it", () => {
  for (const len of [0, 16, 31, 33, 64]) {
    assert.throws(() => keyConfirmation(bytes(len), bytes(10)), isInputError('shared_key'), `length ${len}`);
    assert.throws(() => checkKeyConfirmation(bytes(len), bytes(10), bytes(32)), isInputError('shared_key'), `length ${len}`);
    assert.throws(() => client.keyConfirmation(bytes(len), bytes(10)));
  }
});

test('the inputs are left as they were (the derived MAC key is wiped, not the caller\'s bytes)', () => {
  const sharedKey = random(32);
  const cipher = random(100);
  const [k, c] = [Uint8Array.from(sharedKey), Uint8Array.from(cipher)];
  keyConfirmation(sharedKey, cipher);
  assert.deepEqual([sharedKey, cipher], [k, c]);
  assert.deepEqual(keyConfirmation(sharedKey, cipher), keyConfirmation(k, c));
});
