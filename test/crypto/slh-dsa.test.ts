/**
 * SLH-DSA (FIPS 205), the four 128-bit sets, pure and with context strings:
 * - NIST ACVP keyGen vectors (slh-dsa-vectors.ts) through the synchronous core and both backends;
 * - signatures through the core and each backend: context binding, the 255-byte limit,
 *   deterministic signing (noble), tampering, the wrong algorithm of the same lengths;
 * - native (OpenSSL 3.5) against noble from the same stored secret, both ways: one signs, the
 *   other verifies (on Node 24; skipped with the reason where node:crypto has no SLH-DSA).
 *
 * Signing is slow in JavaScript (noble, measured on this machine: SHA2-128f about 0.1 s,
 * SHAKE-128f 0.6 s, SHA2-128s 2 s, SHAKE-128s 13 s and more), so signing calls are few and noble
 * never signs with SHAKE-128s unless SLH_DSA_SLOW_TESTS=1: its verification (15 ms) is tested on
 * native signatures instead, and it shares every line of the backend's code with the other sets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as noble from '@noble/post-quantum/slh-dsa.js';
import { createCryptoBackend, nativeUnavailableReason } from '../../src/crypto/select.ts';
import type { CryptoBackend, PreparedDsaKey } from '../../src/crypto/backend.ts';
import { dsaKeygen, dsaSecretKey, dsaSign, dsaSignWithSecretKey, dsaVerify, slhDsaKeygenInternal } from '../../src/crypto/dsa.ts';
import { DSA_SIZES, MAX_DSA_CONTEXT_BYTES, SLH_DSA_ALGORITHMS, type SlhDsaAlgorithm } from '../../src/crypto/algorithms.ts';
import { bytes, isInputError, utf8 } from '../helpers/crypto.ts';
import { hex } from '../helpers/vectors.ts';
import { SLH_DSA_KEYGEN_VECTORS } from './slh-dsa-vectors.ts';

const NATIVE_SKIP = nativeUnavailableReason();
const SLOW = process.env.SLH_DSA_SLOW_TESTS === '1';
const NOBLE = Object.freeze({
  'SLH-DSA-SHA2-128s': noble.slh_dsa_sha2_128s,
  'SLH-DSA-SHA2-128f': noble.slh_dsa_sha2_128f,
  'SLH-DSA-SHAKE-128s': noble.slh_dsa_shake_128s,
  'SLH-DSA-SHAKE-128f': noble.slh_dsa_shake_128f,
});
/** The same hash family and size, the other hash: same lengths, so only verification can tell. */
const OTHER_HASH: Readonly<Record<SlhDsaAlgorithm, SlhDsaAlgorithm>> = Object.freeze({
  'SLH-DSA-SHA2-128s': 'SLH-DSA-SHAKE-128s',
  'SLH-DSA-SHA2-128f': 'SLH-DSA-SHAKE-128f',
  'SLH-DSA-SHAKE-128s': 'SLH-DSA-SHA2-128s',
  'SLH-DSA-SHAKE-128f': 'SLH-DSA-SHA2-128f',
});
/** One official key per set: its stored secret is the vector's sk. */
const KEY = Object.freeze(Object.fromEntries(SLH_DSA_ALGORITHMS.map((a) => [a, SLH_DSA_KEYGEN_VECTORS.find((v) => v.parameterSet === a)!])) as Record<SlhDsaAlgorithm, (typeof SLH_DSA_KEYGEN_VECTORS)[number]>);
const message = utf8('attack at dawn');
const context = utf8('pq-crypto-api test');
const flip = (b: Uint8Array, at: number) => {
  const out = Uint8Array.from(b);
  out[at]! ^= 0x01;
  return out;
};
/** Whether noble may sign with this set in a test run (SHAKE-128s: only with SLH_DSA_SLOW_TESTS=1). */
const nobleSigns = (alg: SlhDsaAlgorithm) => SLOW || alg !== 'SLH-DSA-SHAKE-128s';

describe('SLH-DSA in the core (dsa.ts)', () => {
  test('the size table matches FIPS 205 table 2 and the library, and the stored seed is the 64-byte secret key', () => {
    for (const alg of SLH_DSA_ALGORITHMS) {
      const { publicKey, secretKey, signature, signRand } = NOBLE[alg].lengths;
      const sizes = DSA_SIZES[alg];
      assert.deepEqual([sizes.publicKey, sizes.secretKey, sizes.signature, sizes.signingRandomness], [publicKey, secretKey, signature, signRand], alg);
      assert.deepEqual([sizes.publicKey, sizes.secretKey, sizes.seed, sizes.signature], [32, 64, 64, alg.endsWith('s') ? 7856 : 17088], alg);
    }
  });

  for (const t of SLH_DSA_KEYGEN_VECTORS) {
    test(`ACVP keyGen tcId ${t.tcId} ${t.parameterSet}: slh_keygen_internal gives sk and pk; the stored sk gives pk back`, () => {
      const pair = slhDsaKeygenInternal(t.parameterSet, hex(t.skSeed), hex(t.skPrf), hex(t.pkSeed));
      assert.deepEqual(pair.seed, hex(t.sk));
      assert.deepEqual(pair.publicKey, hex(t.pk));
      assert.deepEqual(dsaKeygen(t.parameterSet, hex(t.sk)).publicKey, hex(t.pk));
      assert.deepEqual(dsaSecretKey(t.parameterSet, hex(t.sk)), hex(t.sk));
    });
  }

  test('slhDsaKeygenInternal refuses parts that are not 16 bytes', () => {
    assert.throws(() => slhDsaKeygenInternal('SLH-DSA-SHA2-128f', bytes(16), bytes(15), bytes(16)), isInputError('seed'));
  });

  describe('SHA2-128f (the fast set) with an official key', () => {
    const alg = 'SLH-DSA-SHA2-128f';
    const seed = hex(KEY[alg].sk);
    const pk = hex(KEY[alg].pk);
    const signature = dsaSign(alg, seed, message, { context });

    test('a hedged signature verifies with its context and the algorithm named; not without the context, nor under another one', () => {
      assert.equal(signature.length, 17088);
      assert.equal(dsaVerify(pk, message, signature, context, alg), true);
      assert.equal(dsaVerify(pk, message, signature, undefined, alg), false);
      assert.equal(dsaVerify(pk, message, signature, utf8('another'), alg), false);
      assert.equal(NOBLE[alg].verify(signature, message, pk, { context }), true, 'the library agrees');
    });

    test('hedged signatures differ; deterministic ones (opt_rand = PK.seed) are identical, from the seed or the secret key', () => {
      assert.notDeepEqual(dsaSign(alg, seed, message, { context }), signature);
      const det = dsaSign(alg, seed, message, { context, deterministic: true });
      assert.deepEqual(dsaSignWithSecretKey(alg, seed, message, { context, deterministic: true }), det);
      assert.equal(dsaVerify(pk, message, det, context, alg), true);
    });

    test('a modified signature, message or key does not verify; a signature of the wrong length is false, not an error', () => {
      for (const at of [0, 16, 5000, 17087]) assert.equal(dsaVerify(pk, message, flip(signature, at), context, alg), false, `byte ${at}`);
      assert.equal(dsaVerify(pk, utf8('attack at dusk'), signature, context, alg), false);
      assert.equal(dsaVerify(flip(pk, 31), message, signature, context, alg), false);
      for (const bad of [bytes(0), signature.subarray(1), bytes(7856)]) assert.equal(dsaVerify(pk, message, bad, context, alg), false, `length ${bad.length}`);
    });

    test('verified as the SHAKE set of the same lengths it is false; as the "s" set (other signature length) false too', () => {
      assert.equal(dsaVerify(pk, message, signature, context, 'SLH-DSA-SHAKE-128f'), false);
      assert.equal(dsaVerify(pk, message, signature, context, 'SLH-DSA-SHA2-128s'), false);
    });

    test("without the algorithm, a 32-byte key is ambiguous: CryptoInputError('pk') naming the candidates", () => {
      assert.throws(
        () => dsaVerify(pk, message, signature, context),
        (err: unknown) => isInputError('pk')(err) && /SLH-DSA-SHA2-128s, SLH-DSA-SHA2-128f, SLH-DSA-SHAKE-128s, SLH-DSA-SHAKE-128f/.test((err as Error).message),
      );
      assert.throws(() => dsaVerify(bytes(33), message, signature, context, alg), isInputError('pk'));
      assert.throws(() => dsaVerify(hex(KEY[alg].pk), message, signature, context, 'ML-DSA-44'), isInputError('pk'));
    });

    test(`contexts: ${MAX_DSA_CONTEXT_BYTES} bytes sign and verify; ${MAX_DSA_CONTEXT_BYTES + 1} are refused on both`, () => {
      const max = bytes(MAX_DSA_CONTEXT_BYTES, 0xab);
      assert.equal(dsaVerify(pk, message, dsaSign(alg, seed, message, { context: max }), max, alg), true);
      const over = bytes(MAX_DSA_CONTEXT_BYTES + 1, 0xab);
      assert.throws(() => dsaSign(alg, seed, message, { context: over }), isInputError('context'));
      assert.throws(() => dsaVerify(pk, message, signature, over, alg), isInputError('context'));
    });

    test("a stored secret or secret key of the wrong length is refused: 'seed' and 'sk'", () => {
      for (const len of [0, 32, 48, 63, 65]) {
        assert.throws(() => dsaKeygen(alg, bytes(len)), isInputError('seed'), `${len}`);
        assert.throws(() => dsaSign(alg, bytes(len), message), isInputError('seed'), `${len}`);
        assert.throws(() => dsaSignWithSecretKey(alg, bytes(len), message), isInputError('sk'), `${len}`);
      }
    });
  });
});

for (const name of ['noble', 'native'] as const) {
  const skip = name === 'native' && NATIVE_SKIP ? `native backend not available here: ${NATIVE_SKIP}` : false;
  if (skip) {
    test(`${name} backend: SLH-DSA`, { skip }, () => {});
    continue;
  }
  describe(`${name} backend: SLH-DSA`, () => {
    let backend: CryptoBackend;
    before(() => {
      backend = createCryptoBackend(name);
    });
    after(() => backend.close());
    const prepare = (alg: SlhDsaAlgorithm): Promise<PreparedDsaKey> => backend.dsa.prepareSecretKey(alg, hex(KEY[alg].sk));

    test(`is served by ${name} and says so`, () => {
      assert.equal(backend.info.slh_dsa, name);
      for (const alg of SLH_DSA_ALGORITHMS) assert.equal(backend.dsa.implementationFor(alg), name);
    });

    test('ACVP keyGen: each stored sk gives its pk; the "expanded" key is the sk itself; an imported sk signs like the stored one', async () => {
      for (const t of SLH_DSA_KEYGEN_VECTORS) {
        assert.deepEqual((await backend.dsa.keygen(t.parameterSet, hex(t.sk))).publicKey, hex(t.pk), `tcId ${t.tcId}`);
        assert.deepEqual(await backend.dsa.expandedSecretKey(t.parameterSet, hex(t.sk)), hex(t.sk), `tcId ${t.tcId}`);
        await backend.dsa.importExpandedSecretKey(t.parameterSet, hex(t.sk));
      }
    });

    test('fresh key pairs (f sets): 32-byte pk, 64-byte stored secret ending with pk, and the pair signs and verifies', async () => {
      for (const alg of ['SLH-DSA-SHA2-128f', 'SLH-DSA-SHAKE-128f'] as const) {
        const pair = await backend.dsa.keygen(alg);
        assert.deepEqual([pair.publicKey.length, pair.seed.length], [32, 64]);
        assert.deepEqual(pair.seed.subarray(32), pair.publicKey);
        const signature = await backend.dsa.sign(await backend.dsa.prepareSecretKey(alg, pair.seed), message, { context });
        assert.equal(await backend.dsa.verify(alg, pair.publicKey, message, signature, context), true, alg);
      }
    });

    for (const alg of SLH_DSA_ALGORITHMS) {
      const signs = name === 'native' || nobleSigns(alg);
      test(`${alg}: ${signs ? 'a signature with a context verifies only with that context and this algorithm; tampered, it fails' : 'skipped: noble signs SHAKE-128s in over 10 s (SLH_DSA_SLOW_TESTS=1 runs it)'}`, { skip: !signs && 'noble SHAKE-128s signing takes over 10 s' }, async () => {
        const pk = hex(KEY[alg].pk);
        const signature = await backend.dsa.sign(await prepare(alg), message, { context });
        assert.equal(signature.length, DSA_SIZES[alg].signature);
        assert.equal(await backend.dsa.verify(alg, pk, message, signature, context), true);
        assert.equal(await backend.dsa.verify(alg, pk, message, signature), false, 'without the context');
        assert.equal(await backend.dsa.verify(OTHER_HASH[alg], pk, message, signature, context), false, `as ${OTHER_HASH[alg]}`);
        assert.equal(await backend.dsa.verify(alg, pk, message, flip(signature, signature.length >> 1), context), false, 'tampered');
        assert.equal(await backend.dsa.verify(alg, pk, message, signature.subarray(1), context), false, 'cut');
        assert.equal(NOBLE[alg].verify(signature, message, pk, { context }), true, 'noble (the library itself) verifies it');
      });
    }

    test("verification refuses what it cannot decide: a key not fitting the named algorithm ('pk'), a long context", async () => {
      const pk = hex(KEY['SLH-DSA-SHA2-128f'].pk);
      await assert.rejects(backend.dsa.verify('SLH-DSA-SHA2-128f', bytes(33), message, bytes(17088)), isInputError('pk'));
      await assert.rejects(backend.dsa.verify('SLH-DSA-SHA2-128f', pk, message, bytes(17088), bytes(256)), isInputError('context'));
      await assert.rejects(backend.dsa.sign(await prepare('SLH-DSA-SHA2-128f'), message, { context: bytes(256) }), isInputError('context'));
      for (const len of [0, 48, 65]) await assert.rejects(backend.dsa.prepareSecretKey('SLH-DSA-SHA2-128f', bytes(len)), isInputError('seed'), `${len}`);
      await assert.rejects(backend.dsa.importExpandedSecretKey('SLH-DSA-SHA2-128f', bytes(48)), isInputError('sk'));
    });

    test('the explicit algorithm also works for ML-DSA, where it must agree with the key length', async () => {
      const pair = await backend.dsa.keygen('ML-DSA-44');
      const signature = await backend.dsa.sign(await backend.dsa.prepareSecretKey('ML-DSA-44', pair.seed), message);
      assert.equal(await backend.dsa.verify('ML-DSA-44', pair.publicKey, message, signature), true);
      await assert.rejects(backend.dsa.verify('ML-DSA-65', pair.publicKey, message, signature), isInputError('pk'));
    });

    if (name === 'noble') {
      test('deterministic signing (opt_rand = PK.seed) and given 16-byte opt_rand are reproducible and match the core; other lengths are refused', async () => {
        const alg = 'SLH-DSA-SHA2-128f';
        const key = await prepare(alg);
        const det = await backend.dsa.sign(key, message, { context, deterministic: true });
        assert.deepEqual(det, dsaSign(alg, hex(KEY[alg].sk), message, { context, deterministic: true }));
        const rnd = bytes(16, 7);
        const a = await backend.dsa.sign(key, message, { context, randomness: rnd });
        assert.deepEqual(await backend.dsa.sign(key, message, { context, randomness: rnd }), a);
        assert.notDeepEqual(a, det);
        for (const len of [0, 15, 32]) await assert.rejects(backend.dsa.sign(key, message, { randomness: bytes(len) }), isInputError('randomness'), `${len}`);
      });
    } else {
      test('native refuses deterministic SLH-DSA signing with a clear error instead of signing hedged', async () => {
        await assert.rejects(backend.dsa.sign(await prepare('SLH-DSA-SHA2-128f'), message, { deterministic: true }), /not available through node:crypto/);
      });
    }
  });
}

if (NATIVE_SKIP) test('SLH-DSA: native and noble agree, both ways', { skip: `native backend not available here: ${NATIVE_SKIP}` }, () => {});
else describe('SLH-DSA: native (OpenSSL) and noble agree, both ways, from the same stored secret', () => {
  let nobleBackend: CryptoBackend;
  let nativeBackend: CryptoBackend;
  before(() => {
    nobleBackend = createCryptoBackend('noble');
    nativeBackend = createCryptoBackend('native');
  });
  after(async () => {
    await nobleBackend.close();
    await nativeBackend.close();
  });

  for (const alg of SLH_DSA_ALGORITHMS) {
    test(`${alg}: native signs and noble verifies${nobleSigns(alg) ? '; noble signs and native verifies' : ' (noble signing it is the slow case, skipped)'}; a changed context fails in both`, async () => {
      const seed = hex(KEY[alg].sk);
      const pk = hex(KEY[alg].pk);
      assert.deepEqual((await nativeBackend.dsa.keygen(alg, seed)).publicKey, (await nobleBackend.dsa.keygen(alg, seed)).publicKey);
      const pairs = nobleSigns(alg) ? ([[nativeBackend, nobleBackend], [nobleBackend, nativeBackend]] as const) : ([[nativeBackend, nobleBackend]] as const);
      for (const [signer, verifier] of pairs) {
        const signature = await signer.dsa.sign(await signer.dsa.prepareSecretKey(alg, seed), message, { context });
        assert.equal(await verifier.dsa.verify(alg, pk, message, signature, context), true, `${signer.info.slh_dsa} signs, ${verifier.info.slh_dsa} verifies`);
        assert.equal(await verifier.dsa.verify(alg, pk, message, signature, utf8('other')), false);
        assert.equal(await verifier.dsa.verify(OTHER_HASH[alg], pk, message, signature, context), false);
      }
    });
  }

  test('a fresh native key pair (SHA2-128f) is the same pair in noble, and a noble deterministic signature verifies natively', async () => {
    const alg = 'SLH-DSA-SHA2-128f';
    const pair = await nativeBackend.dsa.keygen(alg);
    assert.deepEqual((await nobleBackend.dsa.keygen(alg, pair.seed)).publicKey, pair.publicKey);
    const det = await nobleBackend.dsa.sign(await nobleBackend.dsa.prepareSecretKey(alg, pair.seed), message, { deterministic: true });
    assert.equal(await nativeBackend.dsa.verify(alg, pair.publicKey, message, det), true);
  });
});
