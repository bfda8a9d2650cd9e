/**
 * The algorithm registry (crypto/algorithms.ts): exactly the names the brief lists, frozen, sizes
 * from the standards and equal to the libraries', the size tables derived from it, and length inference
 * only where a length names one algorithm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import {
  ALGORITHM_NAMES,
  ALGORITHMS,
  DEFAULT_DSA_ALGORITHM,
  DEFAULT_KEM_ALGORITHM,
  DSA_ALGORITHMS,
  DSA_SIZES,
  KEM_ALGORITHMS,
  KEM_SIZES,
  MAX_DSA_CONTEXT_BYTES,
  ML_DSA_ALGORITHMS,
  ML_KEM_ALGORITHMS,
  SLH_DSA_ALGORITHMS,
  dsaAlgorithmForPublicKey,
  dsaAlgorithmsMatching,
  isAlgorithmName,
  isDsaAlgorithm,
  isKemAlgorithm,
  isMlDsaAlgorithm,
  isMlKemAlgorithm,
  isSlhDsaAlgorithm,
  kemAlgorithmForPublicKey,
  kemAlgorithmsMatching,
} from '../../src/crypto/algorithms.ts';

test('the names are exactly the brief\'s, each family in its fixed order', () => {
  assert.deepEqual(KEM_ALGORITHMS, ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'X-Wing']);
  assert.deepEqual(DSA_ALGORITHMS, ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87', 'SLH-DSA-SHA2-128s', 'SLH-DSA-SHA2-128f', 'SLH-DSA-SHAKE-128s', 'SLH-DSA-SHAKE-128f']);
  assert.deepEqual(ALGORITHM_NAMES, [...KEM_ALGORITHMS, ...DSA_ALGORITHMS]);
  assert.deepEqual(ML_KEM_ALGORITHMS, ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024']);
  assert.deepEqual(ML_DSA_ALGORITHMS, ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);
  assert.deepEqual(SLH_DSA_ALGORITHMS, ['SLH-DSA-SHA2-128s', 'SLH-DSA-SHA2-128f', 'SLH-DSA-SHAKE-128s', 'SLH-DSA-SHAKE-128f']);
  for (const name of ALGORITHM_NAMES) assert.equal(ALGORITHMS[name].name, name);
});

test('everything is frozen: the table, each entry, its sizes and implementations, the lists', () => {
  assert.ok(Object.isFrozen(ALGORITHMS));
  for (const name of ALGORITHM_NAMES) {
    const spec = ALGORITHMS[name];
    assert.ok(Object.isFrozen(spec) && Object.isFrozen(spec.sizes) && Object.isFrozen(spec.implementations), name);
  }
  for (const list of [KEM_ALGORITHMS, DSA_ALGORITHMS, ALGORITHM_NAMES, ML_KEM_ALGORITHMS, ML_DSA_ALGORITHMS, SLH_DSA_ALGORITHMS]) assert.ok(Object.isFrozen(list));
  assert.ok(Object.isFrozen(KEM_SIZES) && Object.isFrozen(DSA_SIZES));
  assert.throws(() => {
    (ALGORITHMS['ML-KEM-768'].sizes as { publicKey: number }).publicKey = 1;
  }, TypeError);
});

test('families, schemes and implementations: X-Wing is noble only (node:crypto has none), every other algorithm native or noble', () => {
  for (const a of KEM_ALGORITHMS) assert.equal(ALGORITHMS[a].family, 'kem');
  for (const a of DSA_ALGORITHMS) assert.equal(ALGORITHMS[a].family, 'dsa');
  assert.deepEqual(ALGORITHMS['X-Wing'].implementations, ['noble']);
  assert.equal(ALGORITHMS['X-Wing'].nodeKeyType, undefined);
  for (const a of ALGORITHM_NAMES.filter((n) => n !== 'X-Wing')) {
    assert.deepEqual(ALGORITHMS[a].implementations, ['native', 'noble'], a);
    assert.equal(ALGORITHMS[a].nodeKeyType, a.toLowerCase(), a);
  }
  assert.deepEqual(
    ALGORITHM_NAMES.map((a) => ALGORITHMS[a].scheme),
    ['ML-KEM', 'ML-KEM', 'ML-KEM', 'X-Wing', 'ML-DSA', 'ML-DSA', 'ML-DSA', 'SLH-DSA', 'SLH-DSA', 'SLH-DSA', 'SLH-DSA'],
  );
});

test('KEM sizes are FIPS 203 table 3 and the draft\'s, and the library\'s', () => {
  const lib = { 'ML-KEM-512': ml_kem512, 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024, 'X-Wing': ml_kem768_x25519 } as const;
  for (const a of KEM_ALGORITHMS) {
    const s = ALGORITHMS[a].sizes;
    const l = lib[a].lengths;
    assert.deepEqual([s.publicKey, s.cipherText, s.secretKey, s.seed, s.sharedSecret, s.encapsulationRandomness], [l.publicKey, l.cipherText, l.secretKey, l.seed, l.msg, l.msgRand], a);
  }
});

test('KEM_SIZES and DSA_SIZES are the registry\'s sizes by name', () => {
  for (const a of KEM_ALGORITHMS) assert.equal(KEM_SIZES[a], ALGORITHMS[a].sizes);
  for (const a of DSA_ALGORITHMS) assert.equal(DSA_SIZES[a], ALGORITHMS[a].sizes);
  assert.deepEqual([DEFAULT_KEM_ALGORITHM, DEFAULT_DSA_ALGORITHM, MAX_DSA_CONTEXT_BYTES], ['ML-KEM-768', 'ML-DSA-65', 255]);
  assert.deepEqual(
    KEM_ALGORITHMS.map((a) => KEM_SIZES[a].seed),
    [64, 64, 64, 32],
  );
  assert.deepEqual(
    DSA_ALGORITHMS.map((a) => DSA_SIZES[a].seed),
    [32, 32, 32, 64, 64, 64, 64],
  );
});

test('a KEM public key length names one KEM: 800, 1184, 1568, and X-Wing\'s 1216; others none', () => {
  assert.deepEqual([800, 1184, 1568, 1216].map(kemAlgorithmForPublicKey), ['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024', 'X-Wing']);
  for (const len of [0, 32, 1215, 1217, 1088]) assert.equal(kemAlgorithmForPublicKey(len), undefined, `${len}`);
  assert.deepEqual(kemAlgorithmsMatching({ cipherText: 1568 }), ['ML-KEM-1024']);
  assert.deepEqual(kemAlgorithmsMatching({ publicKey: 1216, cipherText: 1120 }), ['X-Wing']);
  assert.deepEqual(kemAlgorithmsMatching({ publicKey: 1216, cipherText: 1088 }), []);
  assert.deepEqual(kemAlgorithmsMatching({}), KEM_ALGORITHMS);
});

test('a signature public key length names ML-DSA sets only: a 32-byte key is any SLH-DSA set, so no single answer', () => {
  assert.deepEqual([1312, 1952, 2592].map(dsaAlgorithmForPublicKey), ['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);
  assert.equal(dsaAlgorithmForPublicKey(32), undefined);
  assert.equal(dsaAlgorithmForPublicKey(48), undefined);
  assert.deepEqual(dsaAlgorithmsMatching({ publicKey: 32 }), SLH_DSA_ALGORITHMS);
});

test('the signature length separates "s" from "f", never SHA2 from SHAKE', () => {
  assert.deepEqual(dsaAlgorithmsMatching({ publicKey: 32, signature: 7856 }), ['SLH-DSA-SHA2-128s', 'SLH-DSA-SHAKE-128s']);
  assert.deepEqual(dsaAlgorithmsMatching({ publicKey: 32, signature: 17088 }), ['SLH-DSA-SHA2-128f', 'SLH-DSA-SHAKE-128f']);
  assert.deepEqual(dsaAlgorithmsMatching({ publicKey: 32, signature: 3309 }), []);
  assert.deepEqual(dsaAlgorithmsMatching({ publicKey: 1952, signature: 3309 }), ['ML-DSA-65']);
  assert.deepEqual(dsaAlgorithmsMatching({ publicKey: 1952, signature: 2420 }), []);
});

test('the guards accept exactly the registry\'s names (not prototype keys, other cases or non-strings)', () => {
  for (const a of KEM_ALGORITHMS) assert.ok(isKemAlgorithm(a) && !isDsaAlgorithm(a) && isAlgorithmName(a), a);
  for (const a of DSA_ALGORITHMS) assert.ok(isDsaAlgorithm(a) && !isKemAlgorithm(a) && isAlgorithmName(a), a);
  for (const bad of ['ml-kem-768', 'X-WING', 'toString', '__proto__', 'constructor', '', 'SLH-DSA-SHA2-192s', 768, null, undefined]) {
    assert.ok(!isAlgorithmName(bad) && !isKemAlgorithm(bad) && !isDsaAlgorithm(bad), String(bad));
  }
  assert.deepEqual(KEM_ALGORITHMS.filter(isMlKemAlgorithm), ML_KEM_ALGORITHMS);
  assert.deepEqual(DSA_ALGORITHMS.filter(isMlDsaAlgorithm), ML_DSA_ALGORITHMS);
  assert.deepEqual(DSA_ALGORITHMS.filter(isSlhDsaAlgorithm), SLH_DSA_ALGORITHMS);
});
