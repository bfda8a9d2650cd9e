/**
 * Every input the crypto core refuses is a CryptoInputError (or, for a failed tag, a
 * DecryptionError) naming the field, what was expected and what came: these messages are the 422
 * details clients read. Written to kill mutants StrykerJS found surviving (docs/testing.md): with
 * a length check removed, the same field still failed, but for a wrong reason.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { aeadOpen, aeadSeal } from '../../src/crypto/aead.ts';
import { dsaKeygen, dsaSecretKey, dsaSign, dsaSignWithSecretKey, dsaVerify } from '../../src/crypto/dsa.ts';
import { CryptoInputError, DecryptionError } from '../../src/crypto/errors.ts';
import { kemDecapsulate, kemDecapsulateWithSecretKey, kemEncapsulate, kemKeygen, kemSecretKey } from '../../src/crypto/kem.ts';

/**
 * Rejects (sync throw or async rejection alike, so this holds if the core becomes async) with a
 * CryptoInputError naming `field`, whose message matches `detail`.
 */
async function refuses(run: () => unknown, field: string, detail: RegExp): Promise<void> {
  await assert.rejects(
    async () => run(),
    (err: unknown) => {
      assert.ok(err instanceof CryptoInputError, `expected a CryptoInputError, got ${String(err)}`);
      assert.equal(err.name, 'CryptoInputError');
      assert.equal(err.field, field);
      assert.match(err.message, detail);
      return true;
    },
  );
}

describe('crypto input errors say what was expected and what came', () => {
  test('ML-KEM: public key, randomness, seed, ciphertext and decapsulation key', async () => {
    const pair = kemKeygen('ML-KEM-768');
    await refuses(() => kemEncapsulate('ML-KEM-768', new Uint8Array(1183)), 'pk', /ML-KEM-768 public key must be 1184 bytes, got 1183/);
    await refuses(() => kemEncapsulate('ML-KEM-768', new Uint8Array(800)), 'pk', /ML-KEM-768 public key must be 1184 bytes, got 800/);
    await refuses(() => kemEncapsulate('ML-KEM-768', pair.publicKey, new Uint8Array(31)), 'message', /32 bytes, got 31/);
    const broken = Uint8Array.from(pair.publicKey);
    broken[0] = 0xff;
    broken[1]! |= 0x0f;
    await refuses(() => kemEncapsulate('ML-KEM-768', broken), 'pk', /ML-KEM-768 .*modulus check/);
    await refuses(() => kemKeygen('ML-KEM-512', new Uint8Array(63)), 'seed', /64 bytes, got 63/);
    await refuses(() => kemDecapsulate('ML-KEM-768', pair.seed, new Uint8Array(1087)), 'cipher', /ML-KEM-768 ciphertext must be 1088 bytes, got 1087/);
    const { cipherText } = await kemEncapsulate('ML-KEM-768', pair.publicKey);
    const dk = kemSecretKey('ML-KEM-768', pair.seed);
    await refuses(() => kemDecapsulateWithSecretKey('ML-KEM-768', dk.subarray(1), cipherText), 'sk', /must be 2400 bytes, got 2399/);
    await refuses(() => kemDecapsulateWithSecretKey('ML-KEM-768', new Uint8Array(2401), cipherText), 'sk', /must be 2400 bytes, got 2401/);
    const tampered = Uint8Array.from(dk);
    tampered[2400 - 64]! ^= 1; // inside H(ek)
    await refuses(() => kemDecapsulateWithSecretKey('ML-KEM-768', tampered, cipherText), 'sk', /hash check/);
  });

  test('ML-DSA: context, seed, secret key and public key', async () => {
    const seed = randomBytes(32);
    const message = new Uint8Array([1, 2, 3]);
    await refuses(() => dsaSign('ML-DSA-65', seed, message, { context: new Uint8Array(256) }), 'context', /at most 255 bytes, got 256/);
    await refuses(() => dsaKeygen('ML-DSA-65', new Uint8Array(31)), 'seed', /32 bytes, got 31/);
    await refuses(() => dsaSignWithSecretKey('ML-DSA-44', dsaSecretKey('ML-DSA-65', seed), message), 'sk', /ML-DSA-44 secret key must be 2560 bytes, got 4032/);
    await refuses(() => dsaVerify(new Uint8Array(1951), message, new Uint8Array(3309)), 'pk', /1312, 1952 or 2592 bytes, got 1951/);
  });

  test('AES-256-GCM: key, nonce and blob lengths; a failed tag is a DecryptionError that says why', async () => {
    await refuses(() => aeadSeal(new Uint8Array(31), new Uint8Array(0)), 'key', /32 bytes, got 31/);
    await refuses(() => aeadSeal(new Uint8Array(32), new Uint8Array(0), new Uint8Array(0), new Uint8Array(11)), 'nonce', /12 bytes/);
    await refuses(() => aeadOpen(new Uint8Array(32), new Uint8Array(27)), 'ciphertext', /at least 28 bytes .*got 27/);
    await assert.rejects(
      async () => aeadOpen(new Uint8Array(32), new Uint8Array(28)),
      (err: unknown) => err instanceof DecryptionError && err.name === 'DecryptionError' && /wrong key, wrong aad, or the ciphertext was modified/.test(err.message),
    );
  });
});
