/**
 * The noble backend's prepared ML-KEM keys (noble.ts PREPARED_PUBLIC_KEY_ENTRIES, NobleSecretKey
 * preparedKem): from a key's second use on, an encapsulation to it and a decapsulation with it
 * reuse noble's `prepare` (H(ek), t-hat, A-hat) instead of expanding again. Checked against the
 * ACVP encapDecap vectors three times each, so that the one-shot call, the call that prepares and
 * the one that finds the key prepared must each give the vector's c and K; past the bound of the
 * prepared keys (a dropped key prepares again); and a decapsulation key whose embedded ek fails
 * noble's modulus check, which FIPS 203 section 7.3 does not require of a decapsulation key, still
 * decapsulates as the one-shot function does.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { KEM_SIZES } from '../../src/crypto/algorithms.ts';
import type { NobleKem } from '../../src/crypto/noble.ts';
import { createCryptoBackend } from '../../src/crypto/select.ts';
import { VECTORS_SKIP, hex, loadVectors, type AcvpFile, type MlKemEncapDecapCase } from '../helpers/vectors.ts';

const backend = createCryptoBackend('noble');
const kem = backend.kem as NobleKem;
after(() => backend.close());

/** A key is prepared on its second use (a key used once never is), and found prepared from its third. */
const ROUNDS = ['first: one-shot', 'second: prepares', 'third: prepared'] as const;
const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

describe('noble prepared ML-KEM keys', () => {
  test('ACVP ML-KEM encapDecap: each encapsulation and decapsulation three times (one-shot, preparing, prepared) gives the vector c and K', { skip: VECTORS_SKIP }, async () => {
    const all = loadVectors<AcvpFile<MlKemEncapDecapCase>>('mlkem-encapdecap.json').tests;
    let encapsulations = 0;
    let decapsulations = 0;
    for (const t of all) {
      if (t.function === 'encapsulation') {
        for (const round of ROUNDS) {
          const out = await kem.encapsulateWithRandomness(t.parameterSet, hex(t.ek), hex(t.m));
          assert.ok(eq(out.cipherText, hex(t.c)) && eq(out.sharedSecret, hex(t.k)), `tcId ${t.tcId} (${round}): c or k differs`);
        }
        encapsulations++;
      } else if (t.function === 'decapsulation') {
        const key = await kem.importExpandedSecretKey(t.parameterSet, hex(t.dk));
        for (const round of ROUNDS) {
          assert.ok(eq(await kem.decapsulate(key, hex(t.c)), hex(t.k)), `tcId ${t.tcId} (${round}): k differs (${t.reason})`);
        }
        decapsulations++;
      }
    }
    assert.ok(encapsulations > 0 && decapsulations > 0, `vectors read: ${encapsulations} encapsulations, ${decapsulations} decapsulations`);
  });

  test('past the bound of 512 prepared keys: 520 keys used three times each, then the first again (dropped, prepared anew), each decapsulates to its secret', async () => {
    const pairs = Array.from({ length: 520 }, () => ml_kem768.keygen());
    for (const [i, pair] of [...pairs.entries(), [0, pairs[0]!] as const]) {
      for (const round of ROUNDS) {
        const { cipherText, sharedSecret } = await kem.encapsulate('ML-KEM-768', pair.publicKey);
        assert.ok(eq(ml_kem768.decapsulate(cipherText, pair.secretKey), sharedSecret), `key ${i}, ${round}`);
      }
    }
  });

  test('a decapsulation key whose embedded ek fails the modulus check (its hash made to match) decapsulates as the one-shot function does', async () => {
    const { secretKey } = ml_kem768.keygen();
    const { cipherText } = ml_kem768.encapsulate(ml_kem768.keygen().publicKey);
    const ekStart = KEM_SIZES['ML-KEM-768'].publicKey - 32;
    const ekEnd = ekStart + KEM_SIZES['ML-KEM-768'].publicKey;
    const dk = secretKey.slice();
    dk[ekStart] = 0xff; // the first 12-bit coefficient of t-hat: 0xfff > q
    dk[ekStart + 1] = dk[ekStart + 1]! | 0x0f;
    dk.set(sha3_256(dk.subarray(ekStart, ekEnd)), ekEnd);
    assert.throws(() => ml_kem768.prepare(dk.subarray(ekStart, ekEnd)), 'noble refuses to prepare it');
    const key = await kem.importExpandedSecretKey('ML-KEM-768', dk);
    for (const round of ROUNDS) {
      assert.ok(eq(await kem.decapsulate(key, cipherText), ml_kem768.decapsulate(cipherText, dk)), round);
    }
  });
});
