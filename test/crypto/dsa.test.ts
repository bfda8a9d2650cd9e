import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { dsaKeygen, dsaSecretKey, dsaSign, dsaSignWithSecretKey, dsaVerify } from '../../src/crypto/dsa.ts';
import { ML_DSA_ALGORITHMS, DSA_SIZES, MAX_DSA_CONTEXT_BYTES, type MlDsaAlgorithm } from '../../src/crypto/algorithms.ts';
import { describeVectors, hex, type AcvpFile, type MlDsaKeygenCase, type MlDsaSigGenCase, type MlDsaSigVerCase } from '../helpers/vectors.ts';
import { isInputError, bytes, utf8 } from '../helpers/crypto.ts';

/** Used only where the core has no counterpart: deriving pk from a vector's sk (README: getPublicKey(sk)). */
const NOBLE = { 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 } as const;



describeVectors<AcvpFile<MlDsaKeygenCase>>('ML-DSA keyGen, NIST ACVP', 'mldsa-keygen.json', ({ tests }) => {
  test('the file holds 3 cases for each of the three parameter sets', () => {
    for (const alg of ML_DSA_ALGORITHMS) assert.equal(tests.filter((t) => t.parameterSet === alg).length, 3, alg);
  });
  for (const t of tests) {
    test(`tcId ${t.tcId} ${t.parameterSet}: keygen from the seed xi gives pk, and the expanded secret key equals sk`, () => {
      const pair = dsaKeygen(t.parameterSet, hex(t.seed));
      assert.equal(pair.algorithm, t.parameterSet);
      assert.deepEqual(pair.publicKey, hex(t.pk));
      assert.deepEqual(dsaSecretKey(t.parameterSet, hex(t.seed)), hex(t.sk));
    });
  }
});

describeVectors<AcvpFile<MlDsaSigVerCase>>('ML-DSA sigVer (external, pure, with context), NIST ACVP', 'mldsa-sigver.json', ({ tests }) => {
  test('the file holds, for each parameter set, 3 valid and 4 invalid signatures, all external/pure', () => {
    for (const alg of ML_DSA_ALGORITHMS) {
      const mine = tests.filter((t) => t.parameterSet === alg);
      assert.equal(mine.filter((t) => t.testPassed).length, 3, alg);
      assert.equal(mine.filter((t) => !t.testPassed).length, 4, alg);
    }
    for (const t of tests) assert.deepEqual([t.signatureInterface, t.preHash], ['external', 'pure'], `tcId ${t.tcId}`);
  });
  for (const t of tests) {
    const outcome = t.testPassed ? 'verifies' : 'does not verify';
    test(`tcId ${t.tcId} ${t.parameterSet}: ${outcome} (${t.reason}; ${t.context.length / 2}-byte context)`, () => {
      assert.equal(dsaVerify(hex(t.pk), hex(t.message), hex(t.signature), hex(t.context)), t.testPassed);
    });
  }
});

describeVectors<AcvpFile<MlDsaSigGenCase>>('ML-DSA sigGen (external, pure, deterministic), NIST ACVP', 'mldsa-siggen.json', ({ tests }) => {
  test('the file holds 3 deterministic external/pure cases for each parameter set', () => {
    for (const alg of ML_DSA_ALGORITHMS) assert.equal(tests.filter((t) => t.parameterSet === alg).length, 3, alg);
    for (const t of tests) assert.deepEqual([t.deterministic, t.signatureInterface, t.preHash], [true, 'external', 'pure'], `tcId ${t.tcId}`);
  });
  for (const t of tests) {
    test(`tcId ${t.tcId} ${t.parameterSet}: deterministic signing with sk gives the expected signature, which verifies under getPublicKey(sk)`, () => {
      const sk = hex(t.sk);
      const message = hex(t.message);
      const context = hex(t.context);
      const signature = dsaSignWithSecretKey(t.parameterSet, sk, message, { context, deterministic: true });
      assert.deepEqual(signature, hex(t.signature));
      assert.equal(dsaVerify(NOBLE[t.parameterSet].getPublicKey(hex(t.sk)), message, signature, context), true);
    });
  }
});

describe('ML-DSA behaviour', () => {
  // One key pair per set, made once: ML-DSA-87 keygen is the slow part.
  const keys = Object.fromEntries(ML_DSA_ALGORITHMS.map((alg) => [alg, dsaKeygen(alg)])) as Record<MlDsaAlgorithm, ReturnType<typeof dsaKeygen>>;
  const message = utf8('attack at dawn');

  test('the size table matches the library for every set', () => {
    for (const alg of ML_DSA_ALGORITHMS) {
      const { publicKey, secretKey, signature, seed } = NOBLE[alg].lengths;
      assert.deepEqual(
        [DSA_SIZES[alg].publicKey, DSA_SIZES[alg].secretKey, DSA_SIZES[alg].signature, DSA_SIZES[alg].seed],
        [publicKey, secretKey, signature, seed],
        alg,
      );
    }
  });

  for (const alg of ML_DSA_ALGORITHMS) {
    test(`${alg}: a signature made from the seed verifies, with the set inferred from the ${DSA_SIZES[alg].publicKey}-byte public key`, () => {
      const { publicKey, seed } = keys[alg];
      assert.equal(publicKey.length, DSA_SIZES[alg].publicKey);
      const signature = dsaSign(alg, seed, message);
      assert.equal(signature.length, DSA_SIZES[alg].signature);
      assert.equal(dsaVerify(publicKey, message, signature), true);
    });

    test(`${alg}: hedged signatures of one message differ and both verify; deterministic ones are identical`, () => {
      const { publicKey, seed } = keys[alg];
      const a = dsaSign(alg, seed, message);
      const b = dsaSign(alg, seed, message);
      assert.notDeepEqual(a, b);
      assert.equal(dsaVerify(publicKey, message, a), true);
      assert.equal(dsaVerify(publicKey, message, b), true);
      assert.deepEqual(dsaSign(alg, seed, message, { deterministic: true }), dsaSign(alg, seed, message, { deterministic: true }));
    });

    test(`${alg}: a signature of the wrong length returns false instead of throwing`, () => {
      const { publicKey, seed } = keys[alg];
      const signature = dsaSign(alg, seed, message);
      for (const bad of [bytes(0), signature.subarray(0, signature.length - 1), Uint8Array.from([...signature, 0])]) {
        assert.equal(dsaVerify(publicKey, message, bad), false, `length ${bad.length}`);
      }
    });
  }

  test('a signature does not verify for a modified message, a modified signature, or another key', () => {
    const { publicKey, seed } = keys['ML-DSA-44'];
    const signature = dsaSign('ML-DSA-44', seed, message);
    assert.equal(dsaVerify(publicKey, utf8('attack at dusk'), signature), false);
    const flipped = Uint8Array.from(signature);
    flipped[100]! ^= 0x01;
    assert.equal(dsaVerify(publicKey, message, flipped), false);
    assert.equal(dsaVerify(dsaKeygen('ML-DSA-44').publicKey, message, signature), false);
  });

  test('a signature made with context A does not verify under context B, nor without a context', () => {
    const { publicKey, seed } = keys['ML-DSA-65'];
    const a = utf8('context A');
    const signature = dsaSign('ML-DSA-65', seed, message, { context: a });
    assert.equal(dsaVerify(publicKey, message, signature, a), true);
    assert.equal(dsaVerify(publicKey, message, signature, utf8('context B')), false);
    assert.equal(dsaVerify(publicKey, message, signature), false);
    // And the other way round: an empty-context signature fails under a non-empty context.
    assert.equal(dsaVerify(publicKey, message, dsaSign('ML-DSA-65', seed, message), a), false);
  });

  test(`a context of ${MAX_DSA_CONTEXT_BYTES} bytes signs and verifies`, () => {
    const { publicKey, seed } = keys['ML-DSA-65'];
    const context = bytes(MAX_DSA_CONTEXT_BYTES, 0xab);
    const signature = dsaSign('ML-DSA-65', seed, message, { context });
    assert.equal(dsaVerify(publicKey, message, signature, context), true);
  });

  test(`a context of ${MAX_DSA_CONTEXT_BYTES + 1} bytes is refused with CryptoInputError('context') on sign and on verify`, () => {
    const { publicKey, seed } = keys['ML-DSA-65'];
    const context = bytes(MAX_DSA_CONTEXT_BYTES + 1, 0xab);
    assert.throws(() => dsaSign('ML-DSA-65', seed, message, { context }), isInputError('context'));
    assert.throws(
      () => dsaSignWithSecretKey('ML-DSA-65', dsaSecretKey('ML-DSA-65', seed), message, { context, deterministic: true }),
      isInputError('context'),
    );
    const signature = dsaSign('ML-DSA-65', seed, message);
    assert.throws(() => dsaVerify(publicKey, message, signature, context), isInputError('context'));
  });

  test("a public key whose length matches no parameter set is refused with CryptoInputError('pk')", () => {
    const signature = dsaSign('ML-DSA-44', keys['ML-DSA-44'].seed, message);
    for (const len of [0, 32, 1311, 1313, 1951, 1953, 2591, 2593, 2420]) {
      assert.throws(() => dsaVerify(bytes(len), message, signature), isInputError('pk'), `length ${len}`);
    }
  });

  test("a seed that is not 32 bytes is refused with CryptoInputError('seed')", () => {
    for (const len of [0, 31, 33, 64]) {
      assert.throws(() => dsaKeygen('ML-DSA-44', bytes(len)), isInputError('seed'));
      assert.throws(() => dsaSecretKey('ML-DSA-44', bytes(len)), isInputError('seed'));
      assert.throws(() => dsaSign('ML-DSA-44', bytes(len), message), isInputError('seed'));
    }
  });

  test("an expanded secret key of the wrong length is refused with CryptoInputError('sk')", () => {
    // The ML-DSA-65 key handed to ML-DSA-44 is the realistic mistake.
    const sk65 = dsaSecretKey('ML-DSA-65', keys['ML-DSA-65'].seed);
    assert.throws(() => dsaSignWithSecretKey('ML-DSA-44', sk65, message), isInputError('sk'));
    assert.throws(() => dsaSignWithSecretKey('ML-DSA-44', bytes(0), message), isInputError('sk'));
  });

  test('signing from the seed leaves the seed intact and matches signing with the expanded key', () => {
    const { seed } = keys['ML-DSA-44'];
    const copy = Uint8Array.from(seed);
    const fromSeed = dsaSign('ML-DSA-44', seed, message, { deterministic: true });
    const fromSk = dsaSignWithSecretKey('ML-DSA-44', dsaSecretKey('ML-DSA-44', seed), message, { deterministic: true });
    assert.deepEqual(fromSeed, fromSk);
    assert.deepEqual(seed, copy);
  });
});
