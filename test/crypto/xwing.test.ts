/**
 * X-Wing (draft-connolly-cfrg-xwing-kem-10): the draft's own test vectors (xwing-vectors.ts,
 * Appendix C) through the synchronous core (kem.ts) and through BOTH backends (on `native`,
 * X-Wing is routed to noble: node:crypto has none), implicit rejection, every length check, the
 * ML-KEM-768 part's FIPS 203 modulus check, and the low-order X25519 refusal, whose list of points
 * is checked against OpenSSL's own X25519 (node:crypto), an independent implementation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { createCryptoBackend, nativeUnavailableReason } from '../../src/crypto/select.ts';
import type { CryptoBackend } from '../../src/crypto/backend.ts';
import { checkEncapsulationKey, kemDecapsulate, kemDecapsulateWithSecretKey, kemEncapsulate, kemKeygen, kemSecretKey } from '../../src/crypto/kem.ts';
import type { NobleKem } from '../../src/crypto/noble.ts';
import { KEM_SIZES, kemAlgorithmForPublicKey } from '../../src/crypto/algorithms.ts';
import { isLowOrderX25519 } from '../../src/crypto/xwing.ts';
import { bytes, isInputError } from '../helpers/crypto.ts';
import { hex } from '../helpers/vectors.ts';
import { XWING_VECTORS } from './xwing-vectors.ts';

const NATIVE_SKIP = nativeUnavailableReason();
const P = (1n << 255n) - 19n;

/** 32-byte little-endian encoding of u, optionally with the (ignored) top bit set. */
function encodeU(u: bigint, topBit = false): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, u >>= 8n) out[i] = Number(u & 0xffn);
  if (topBit) out[31]! |= 0x80;
  return out;
}

// The canonical low-order u-coordinates, and the non-canonical p and p + 1 (= 0 and 1 mod p).
const LOW_ORDER = [
  0n,
  1n,
  P - 1n,
  P,
  P + 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
].flatMap((u) => [encodeU(u), encodeU(u, true)]);

/** OpenSSL's X25519 refuses an all-zero result: whether X25519(random scalar, u) fails there. */
function opensslGivesZero(u: Uint8Array): boolean {
  const { privateKey } = generateKeyPairSync('x25519');
  try {
    diffieHellman({ privateKey, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(u).toString('base64url') }, format: 'jwk' }) });
    return false;
  } catch {
    return true;
  }
}

const withXPart = (encoding: Uint8Array, part: Uint8Array) => {
  const out = Uint8Array.from(encoding);
  out.set(part, out.length - 32);
  return out;
};

describe('X-Wing in the core (kem.ts), draft-connolly-cfrg-xwing-kem-10 Appendix C', () => {
  test('the registry sizes are the draft\'s (section 5.1) and the library\'s', () => {
    const { publicKey, secretKey, cipherText, msg, msgRand, seed } = ml_kem768_x25519.lengths;
    assert.deepEqual(KEM_SIZES['X-Wing'], { publicKey: 1216, cipherText: 1120, secretKey: 32, seed: 32, sharedSecret: 32, encapsulationRandomness: 64 });
    assert.deepEqual([publicKey, cipherText, secretKey, seed, msg, msgRand], [1216, 1120, 32, 32, 32, 64]);
  });

  XWING_VECTORS.forEach((v, i) => {
    test(`vector ${i + 1}: sk gives pk; EncapsulateDerand(pk, eseed) gives ct and ss; Decapsulate(ct, sk) gives ss`, () => {
      const pair = kemKeygen('X-Wing', hex(v.sk));
      assert.deepEqual(pair.publicKey, hex(v.pk));
      assert.deepEqual(pair.seed, hex(v.sk));
      assert.equal(kemAlgorithmForPublicKey(hex(v.pk).length), 'X-Wing', 'the 1216-byte key selects X-Wing');
      assert.doesNotThrow(() => checkEncapsulationKey('X-Wing', hex(v.pk)));
      const enc = kemEncapsulate('X-Wing', hex(v.pk), hex(v.eseed));
      assert.equal(enc.algorithm, 'X-Wing');
      assert.deepEqual(enc.cipherText, hex(v.ct));
      assert.deepEqual(enc.sharedSecret, hex(v.ss));
      assert.deepEqual(kemDecapsulate('X-Wing', hex(v.sk), hex(v.ct)), hex(v.ss));
      // X-Wing's decapsulation key is its seed: the "expanded" key is the same 32 bytes.
      assert.deepEqual(kemSecretKey('X-Wing', hex(v.sk)), hex(v.sk));
      assert.deepEqual(kemDecapsulateWithSecretKey('X-Wing', hex(v.sk), hex(v.ct)), hex(v.ss));
    });
  });

  test('encapsulation randomness must be the 64-byte eseed, not ML-KEM\'s 32', () => {
    const pk = hex(XWING_VECTORS[0]!.pk);
    for (const len of [0, 32, 63, 65]) assert.throws(() => kemEncapsulate('X-Wing', pk, bytes(len)), isInputError('message'), `length ${len}`);
  });
});

describe('the low-order X25519 check (xwing.ts)', () => {
  test('the 7 low-order u-coordinates, canonical or not, top bit set or not: all give zero in OpenSSL, and all are caught', () => {
    assert.equal(LOW_ORDER.length, 14);
    for (const u of LOW_ORDER) {
      assert.equal(opensslGivesZero(u), true, `OpenSSL: ${Buffer.from(u).toString('hex')}`);
      assert.equal(isLowOrderX25519(u), true, Buffer.from(u).toString('hex'));
    }
  });

  test('random u-coordinates (and the base point, 2, p - 2, p + 2) pass, and OpenSSL gives a non-zero result for each', () => {
    const others = [encodeU(9n), encodeU(2n), encodeU(P - 2n), encodeU(P + 2n), ...Array.from({ length: 100 }, () => new Uint8Array(randomBytes(32)))];
    for (const u of others) {
      assert.equal(isLowOrderX25519(u), false, Buffer.from(u).toString('hex'));
      assert.equal(opensslGivesZero(u), false, `OpenSSL: ${Buffer.from(u).toString('hex')}`);
    }
  });
});

for (const name of ['noble', 'native'] as const) {
  const skip = name === 'native' && NATIVE_SKIP ? `native backend not available here: ${NATIVE_SKIP}` : false;
  if (skip) {
    test(`${name} backend: X-Wing`, { skip }, () => {});
    continue;
  }
  describe(`${name} backend: X-Wing`, () => {
    let backend: CryptoBackend;
    before(() => {
      backend = createCryptoBackend(name);
    });
    after(() => backend.close());
    const v = XWING_VECTORS[0]!;

    test('is served by noble on every backend, and says so', () => {
      assert.equal(backend.info.x_wing, 'noble');
      assert.equal(backend.kem.implementationFor('X-Wing'), 'noble');
      assert.equal(backend.kem.implementationFor('ML-KEM-768'), name);
    });

    test('the draft vectors: sk gives pk, the stored seed and the imported sk both decapsulate ct to ss', async () => {
      for (const t of XWING_VECTORS) {
        assert.deepEqual((await backend.kem.keygen('X-Wing', hex(t.sk))).publicKey, hex(t.pk));
        assert.deepEqual(await backend.kem.expandedSecretKey('X-Wing', hex(t.sk)), hex(t.sk));
        assert.deepEqual(await backend.kem.decapsulate(await backend.kem.prepareSecretKey('X-Wing', hex(t.sk)), hex(t.ct)), hex(t.ss));
        assert.deepEqual(await backend.kem.decapsulate(await backend.kem.importExpandedSecretKey('X-Wing', hex(t.sk)), hex(t.ct)), hex(t.ss));
      }
    });

    if (name === 'noble') {
      test('the draft vectors: encapsulation with the given eseed gives ct and ss exactly', async () => {
        for (const t of XWING_VECTORS) {
          const out = await (backend.kem as NobleKem).encapsulateWithRandomness('X-Wing', hex(t.pk), hex(t.eseed));
          assert.deepEqual([out.algorithm, out.cipherText, out.sharedSecret], ['X-Wing', hex(t.ct), hex(t.ss)]);
        }
      });
    }

    test('a fresh key pair: encapsulation (fresh randomness) and decapsulation agree; two encapsulations differ', async () => {
      const pair = await backend.kem.keygen('X-Wing');
      assert.deepEqual([pair.publicKey.length, pair.seed.length], [1216, 32]);
      const a = await backend.kem.encapsulate('X-Wing', pair.publicKey);
      const b = await backend.kem.encapsulate('X-Wing', pair.publicKey);
      assert.deepEqual([a.algorithm, a.cipherText.length, a.sharedSecret.length], ['X-Wing', 1120, 32]);
      assert.notDeepEqual(a.cipherText, b.cipherText);
      const key = await backend.kem.prepareSecretKey('X-Wing', pair.seed);
      assert.deepEqual(await backend.kem.decapsulate(key, a.cipherText), a.sharedSecret);
      assert.deepEqual(await backend.kem.decapsulate(key, b.cipherText), b.sharedSecret);
      // The synchronous core agrees on the same bytes.
      assert.deepEqual(kemDecapsulate('X-Wing', pair.seed, a.cipherText), a.sharedSecret);
    });

    test('implicit rejection: a flipped bit in ct_M or ct_X decapsulates, without an error, to another key, the same each time', async () => {
      const key = await backend.kem.prepareSecretKey('X-Wing', hex(v.sk));
      for (const at of [0, 1087, 1088, 1119]) {
        const modified = hex(v.ct);
        modified[at]! ^= 0x01;
        const secret = await backend.kem.decapsulate(key, modified);
        assert.equal(secret.length, 32);
        assert.notDeepEqual(secret, hex(v.ss), `byte ${at}`);
        assert.deepEqual(await backend.kem.decapsulate(key, modified), secret, `byte ${at}: deterministic`);
      }
    });

    test("wrong lengths are refused naming the field: pk, cipher, seed, sk", async () => {
      for (const len of [1215, 1217]) await assert.rejects(backend.kem.encapsulate('X-Wing', bytes(len, 1)), isInputError('pk'), `pk ${len}`);
      const key = await backend.kem.prepareSecretKey('X-Wing', hex(v.sk));
      for (const len of [0, 1088, 1119, 1121]) await assert.rejects(backend.kem.decapsulate(key, bytes(len, 1)), isInputError('cipher'), `cipher ${len}`);
      for (const len of [0, 31, 33, 64]) {
        await assert.rejects(backend.kem.keygen('X-Wing', bytes(len)), isInputError('seed'), `seed ${len}`);
        await assert.rejects(backend.kem.prepareSecretKey('X-Wing', bytes(len)), isInputError('seed'), `seed ${len}`);
        await assert.rejects(backend.kem.importExpandedSecretKey('X-Wing', bytes(len)), isInputError('sk'), `sk ${len}`);
      }
    });

    test('a public key whose ML-KEM-768 part fails the FIPS 203 modulus check is refused (draft section 4)', async () => {
      const broken = hex(v.pk);
      broken[0] = 0xff;
      broken[1]! |= 0x0f; // the first 12-bit coefficient is 4095 >= q
      await assert.rejects(backend.kem.encapsulate('X-Wing', broken), (err: unknown) => isInputError('pk')(err) && /X-Wing .*ML-KEM-768 part .*modulus/.test((err as Error).message));
    });

    test('a low-order X25519 point is refused: as pk_X (naming pk) and as ct_X (naming cipher)', async () => {
      const key = await backend.kem.prepareSecretKey('X-Wing', hex(v.sk));
      for (const u of LOW_ORDER) {
        await assert.rejects(backend.kem.encapsulate('X-Wing', withXPart(hex(v.pk), u)), isInputError('pk'), Buffer.from(u).toString('hex'));
        await assert.rejects(backend.kem.decapsulate(key, withXPart(hex(v.ct), u)), isInputError('cipher'), Buffer.from(u).toString('hex'));
      }
      // The library refuses the same points (so the explicit check is what keeps this a 4xx, not a library error).
      assert.throws(() => ml_kem768_x25519.decapsulate(withXPart(hex(v.ct), LOW_ORDER[0]!), hex(v.sk)));
    });
  });
}
