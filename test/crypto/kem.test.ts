import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kemDecapsulate, kemDecapsulateWithSecretKey, kemEncapsulate, kemKeygen, kemSecretKey } from '../../src/crypto/kem.ts';
import { ML_KEM_ALGORITHMS, KEM_SIZES } from '../../src/crypto/algorithms.ts';
import { concat, describeVectors, hex, type AcvpFile, type MlKemEncapDecapCase, type MlKemKeygenCase } from '../helpers/vectors.ts';
import { isInputError, bytes } from '../helpers/crypto.ts';



describeVectors<AcvpFile<MlKemKeygenCase>>('ML-KEM keyGen, NIST ACVP', 'mlkem-keygen.json', ({ tests }) => {
  test('the file holds 5 cases for each of the three parameter sets', () => {
    for (const alg of ML_KEM_ALGORITHMS) assert.equal(tests.filter((t) => t.parameterSet === alg).length, 5, alg);
  });
  for (const t of tests) {
    test(`tcId ${t.tcId} ${t.parameterSet}: keygen from d||z gives ek as the public key and dk as the expanded secret key`, () => {
      const seed = concat(hex(t.d), hex(t.z));
      const pair = kemKeygen(t.parameterSet, seed);
      assert.equal(pair.algorithm, t.parameterSet);
      assert.deepEqual(pair.publicKey, hex(t.ek));
      assert.deepEqual(pair.seed, seed);
      assert.deepEqual(kemSecretKey(t.parameterSet, seed), hex(t.dk));
    });
  }
});

describeVectors<AcvpFile<MlKemEncapDecapCase>>('ML-KEM encapDecap, NIST ACVP', 'mlkem-encapdecap.json', ({ tests }) => {
  test('the file holds 18 cases for each parameter set, with every function and both key-check outcomes', () => {
    for (const alg of ML_KEM_ALGORITHMS) {
      const mine = tests.filter((t) => t.parameterSet === alg);
      assert.equal(mine.length, 18, alg);
      const count = (f: string) => mine.filter((t) => t.function === f).length;
      assert.deepEqual(
        [count('encapsulation'), count('decapsulation'), count('encapsulationKeyCheck'), count('decapsulationKeyCheck')],
        [5, 5, 4, 4],
        alg,
      );
      assert.ok(mine.some((t) => t.function === 'decapsulation' && t.reason === 'modified ciphertext'), alg);
    }
  });

  for (const t of tests) {
    const name = `tcId ${t.tcId} ${t.parameterSet}`;
    switch (t.function) {
      case 'encapsulation':
        test(`${name}: encapsulation to ek with randomness m gives ciphertext c and shared secret k`, () => {
          const out = kemEncapsulate(t.parameterSet, hex(t.ek), hex(t.m));
          assert.equal(out.algorithm, t.parameterSet);
          assert.deepEqual(out.cipherText, hex(t.c));
          assert.deepEqual(new Uint8Array(out.sharedSecret), hex(t.k));
        });
        break;
      case 'decapsulation':
        test(`${name}: decapsulation of c with dk gives k (${t.reason}${t.reason === 'modified ciphertext' ? ': implicit rejection, no error' : ''})`, () => {
          assert.deepEqual(kemDecapsulateWithSecretKey(t.parameterSet, hex(t.dk), hex(t.c)), hex(t.k));
        });
        break;
      case 'encapsulationKeyCheck':
        if (t.testPassed) {
          test(`${name}: an ek passing the modulus check is accepted for encapsulation (${t.reason})`, () => {
            const out = kemEncapsulate(t.parameterSet, hex(t.ek));
            assert.equal(out.algorithm, t.parameterSet);
            assert.equal(out.cipherText.length, KEM_SIZES[t.parameterSet].cipherText);
            assert.equal(out.sharedSecret.length, 32);
          });
        } else {
          test(`${name}: an ek failing the modulus check is refused with CryptoInputError('pk') (${t.reason})`, () => {
            assert.throws(() => kemEncapsulate(t.parameterSet, hex(t.ek)), isInputError('pk'));
          });
        }
        break;
      case 'decapsulationKeyCheck': {
        // Any ciphertext of the right length will do: decapsulation of a well-sized one never fails.
        const c = bytes(KEM_SIZES[t.parameterSet].cipherText, 0x5a);
        if (t.testPassed) {
          test(`${name}: a dk passing the hash check decapsulates (${t.reason})`, () => {
            assert.equal(kemDecapsulateWithSecretKey(t.parameterSet, hex(t.dk), c).length, 32);
          });
        } else {
          test(`${name}: a dk failing the hash check is refused with CryptoInputError('sk') (${t.reason})`, () => {
            assert.throws(() => kemDecapsulateWithSecretKey(t.parameterSet, hex(t.dk), c), isInputError('sk'));
          });
        }
        break;
      }
    }
  }
});

describe('ML-KEM behaviour', () => {
  for (const alg of ML_KEM_ALGORITHMS) {
    test(`${alg}: keygen, encapsulation and decapsulation from the seed agree on a 32-byte shared secret`, () => {
      const pair = kemKeygen(alg);
      assert.equal(pair.seed.length, 64);
      assert.equal(pair.publicKey.length, KEM_SIZES[alg].publicKey);
      const enc = kemEncapsulate(alg, pair.publicKey);
      assert.equal(enc.algorithm, alg);
      assert.equal(enc.cipherText.length, KEM_SIZES[alg].cipherText);
      assert.equal(enc.sharedSecret.length, 32);
      assert.deepEqual(kemDecapsulate(alg, pair.seed, enc.cipherText), enc.sharedSecret);
    });

    test(`${alg}: a ciphertext with one flipped bit decapsulates, without an error, to a different 32-byte secret`, () => {
      const pair = kemKeygen(alg);
      const enc = kemEncapsulate(alg, pair.publicKey);
      const modified = Uint8Array.from(enc.cipherText);
      modified[modified.length >> 1]! ^= 0x01;
      const secret = kemDecapsulate(alg, pair.seed, modified);
      assert.equal(secret.length, 32);
      assert.notDeepEqual(secret, enc.sharedSecret);
      // Implicit rejection is deterministic: K-bar = J(z || c).
      assert.deepEqual(kemDecapsulate(alg, pair.seed, modified), secret);
    });

    test(`${alg}: decapsulating from the seed equals decapsulating with the expanded key, and leaves the seed intact`, () => {
      const pair = kemKeygen(alg);
      const seedCopy = Uint8Array.from(pair.seed);
      const enc = kemEncapsulate(alg, pair.publicKey);
      assert.deepEqual(kemDecapsulateWithSecretKey(alg, kemSecretKey(alg, pair.seed), enc.cipherText), enc.sharedSecret);
      kemDecapsulate(alg, pair.seed, enc.cipherText);
      assert.deepEqual(pair.seed, seedCopy);
    });

    test(`${alg}: a ciphertext of the wrong length is refused with CryptoInputError('cipher')`, () => {
      const pair = kemKeygen(alg);
      const n = KEM_SIZES[alg].cipherText;
      for (const len of [0, n - 1, n + 1]) {
        assert.throws(() => kemDecapsulate(alg, pair.seed, bytes(len)), isInputError('cipher'), `length ${len}`);
        assert.throws(() => kemDecapsulateWithSecretKey(alg, kemSecretKey(alg, pair.seed), bytes(len)), isInputError('cipher'));
      }
    });

    test(`${alg}: an expanded key of the wrong length is refused with CryptoInputError('sk')`, () => {
      const n = KEM_SIZES[alg].secretKey;
      const c = bytes(KEM_SIZES[alg].cipherText);
      for (const len of [0, n - 1, n + 1]) {
        assert.throws(() => kemDecapsulateWithSecretKey(alg, bytes(len), c), isInputError('sk'), `length ${len}`);
      }
    });

    test(`${alg}: a seed that is not 64 bytes is refused with CryptoInputError('seed')`, () => {
      for (const len of [0, 32, 63, 65]) {
        assert.throws(() => kemKeygen(alg, bytes(len)), isInputError('seed'));
        assert.throws(() => kemSecretKey(alg, bytes(len)), isInputError('seed'));
        assert.throws(() => kemDecapsulate(alg, bytes(len), bytes(KEM_SIZES[alg].cipherText)), isInputError('seed'));
      }
    });
  }

  test('the encapsulation names the parameter set it was asked for', () => {
    for (const alg of ML_KEM_ALGORITHMS) assert.equal(kemEncapsulate(alg, kemKeygen(alg).publicKey).algorithm, alg);
  });

  test("a public key whose length is not the named set's is refused with CryptoInputError('pk'), even one of another set", () => {
    for (const alg of ML_KEM_ALGORITHMS) {
      for (const len of [0, 32, 799, 800, 801, 1183, 1184, 1185, 1216, 1567, 1568, 1569, 2400]) {
        if (len === KEM_SIZES[alg].publicKey) continue;
        assert.throws(() => kemEncapsulate(alg, bytes(len)), (e: unknown) => isInputError('pk')(e) && new RegExp(`${alg} public key must be ${KEM_SIZES[alg].publicKey} bytes, got ${len}`).test((e as Error).message), `${alg}, length ${len}`);
      }
    }
  });

  test("encapsulation randomness that is not 32 bytes is refused with CryptoInputError('message'), not blamed on the key", () => {
    const { publicKey } = kemKeygen('ML-KEM-768');
    for (const len of [0, 31, 33]) assert.throws(() => kemEncapsulate('ML-KEM-768', publicKey, bytes(len)), isInputError('message'));
  });

  test('fixed seed and randomness give the same keys, ciphertext and secret every time; fresh randomness gives a new ciphertext', () => {
    const seed = bytes(64, 7);
    const m = bytes(32, 9);
    const a = kemKeygen('ML-KEM-512', seed);
    const b = kemKeygen('ML-KEM-512', Uint8Array.from(seed));
    assert.deepEqual(a.publicKey, b.publicKey);
    assert.deepEqual(kemEncapsulate('ML-KEM-512', a.publicKey, m), kemEncapsulate('ML-KEM-512', b.publicKey, Uint8Array.from(m)));
    assert.notDeepEqual(kemEncapsulate('ML-KEM-512', a.publicKey).cipherText, kemEncapsulate('ML-KEM-512', a.publicKey).cipherText);
  });
});
