/**
 * src/crypto/hpke.ts: the suite table, round trips on every offered suite with each
 * implementation the runtime has, the one HpkeOpenError for everything that does not open, the
 * public-key refusals (CryptoInputError 'pk'), and interoperability both ways with an independent
 * HPKE implementation (@hpke/core with @hpke/ml-kem, @hpke/hybridkem-x-wing and
 * @hpke/chacha20poly1305: another author, another code base) on each offered suite, including
 * X-Wing + HKDF-SHA256 + AES-256-GCM, which has no published vector.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Aes256Gcm, CipherSuite as OtherSuite, HkdfSha256 } from '@hpke/core';
import { MlKem1024, MlKem768 } from '@hpke/ml-kem';
import { XWing } from '@hpke/hybridkem-x-wing';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import {
  createHpke,
  HPKE_AEADS,
  HPKE_KEMS,
  HPKE_SUITE_PARTS,
  HpkeOpenError,
  HpkeUnavailableError,
  hpkeSuite,
  hpkeSuiteFromIds,
  hpkeSuiteIds,
  type HpkeKem,
  type HpkeSuite,
} from '../../src/crypto/hpke.ts';
import { isInputError, utf8 } from '../helpers/crypto.ts';

const SUITES: readonly HpkeSuite[] = HPKE_KEMS.flatMap((kem) => HPKE_AEADS.map((aead) => hpkeSuite(kem, { aead })));
const name = (s: HpkeSuite) => `${s.kem} / ${s.kdf} / ${s.aead}`;

/** The service's key generation from a fresh seed (as the stored kem_ keys are made). */
const KEYGEN: Readonly<Record<HpkeKem, (seed: Uint8Array) => { publicKey: Uint8Array }>> = {
  'ML-KEM-768': (s) => ml_kem768.keygen(s),
  'ML-KEM-1024': (s) => ml_kem1024.keygen(s),
  'X-Wing': (s) => ml_kem768_x25519.keygen(s),
};
function storedKey(kem: HpkeKem): { seed: Uint8Array; pk: Uint8Array } {
  const seed = new Uint8Array(randomBytes(HPKE_SUITE_PARTS.kem[kem].Nsk));
  return { seed, pk: KEYGEN[kem](seed).publicKey };
}

const noble = createHpke('noble');
const auto = createHpke('auto');

describe('the suite table', () => {
  test('names the identifiers of RFC 9180 and draft-ietf-hpke-pq, and is frozen', () => {
    assert.deepEqual(hpkeSuiteIds(hpkeSuite('ML-KEM-768')), { kem: 0x0041, kdf: 0x0001, aead: 0x0002 });
    assert.deepEqual(hpkeSuiteIds(hpkeSuite('ML-KEM-1024', { aead: 'ChaCha20-Poly1305' })), { kem: 0x0042, kdf: 0x0001, aead: 0x0003 });
    assert.equal(HPKE_SUITE_PARTS.kem['X-Wing'].id, 0x647a);
    assert.deepEqual(
      Object.values(HPKE_SUITE_PARTS.kem).map((k) => [k.name, k.Npk, k.Nenc, k.Nsk]),
      [
        ['ML-KEM-768', 1184, 1088, 64],
        ['ML-KEM-1024', 1568, 1568, 64],
        ['X-Wing', 1216, 1120, 32],
      ],
    );
    assert.ok(Object.isFrozen(HPKE_SUITE_PARTS) && Object.isFrozen(HPKE_SUITE_PARTS.kem) && Object.isFrozen(HPKE_SUITE_PARTS.kem['X-Wing']));
    assert.ok(Object.isFrozen(hpkeSuite('X-Wing')));
  });

  test('defaults to HKDF-SHA256 and AES-256-GCM, and refuses parts outside the table', () => {
    assert.deepEqual(hpkeSuite('X-Wing'), { kem: 'X-Wing', kdf: 'HKDF-SHA256', aead: 'AES-256-GCM' });
    assert.throws(() => hpkeSuite('ML-KEM-512' as HpkeKem), RangeError);
    assert.throws(() => hpkeSuite('X-Wing', { aead: 'AES-128-GCM' as 'AES-256-GCM' }), RangeError);
    assert.throws(() => hpkeSuite('__proto__' as HpkeKem), RangeError);
  });

  test('hpkeSuiteFromIds finds offered suites only', () => {
    assert.deepEqual(hpkeSuiteFromIds(0x647a, 0x0001, 0x0003), { kem: 'X-Wing', kdf: 'HKDF-SHA256', aead: 'ChaCha20-Poly1305' });
    assert.equal(hpkeSuiteFromIds(0x0040, 0x0001, 0x0002), undefined, 'ML-KEM-512 is not offered');
    assert.equal(hpkeSuiteFromIds(0x0041, 0x0002, 0x0002), undefined, 'HKDF-SHA384 is not offered');
    assert.equal(hpkeSuiteFromIds(0x0041, 0x0001, 0x0001), undefined, 'AES-128-GCM is not offered');
  });
});

describe('implementations', () => {
  test('noble serves every part everywhere; auto takes native for what the runtime has', async () => {
    for (const s of SUITES) assert.deepEqual(await noble.implementationsFor(s), { kem: 'noble', kdf: 'noble', aead: 'noble' });
    const aes = await auto.implementationsFor(hpkeSuite('ML-KEM-768'));
    assert.equal(aes.aead, 'native', 'AES-256-GCM is in every supported Node');
    assert.equal(aes.kdf, 'noble', 'auto takes the synchronous HKDF of @noble/hashes');
  });

  test('native fails with HpkeUnavailableError where the runtime lacks a primitive, and works where it has them', async () => {
    const native = createHpke('native');
    for (const s of SUITES) {
      const { pk, seed } = storedKey(s.kem);
      try {
        const sealed = await native.seal(s, pk, utf8('x'));
        assert.deepEqual(await native.open(s, seed, sealed.enc, sealed.ciphertext), utf8('x'));
      } catch (e) {
        assert.ok(e instanceof HpkeUnavailableError, `${name(s)}: ${String(e)}`);
      }
    }
  });
});

for (const [label, hpke] of [['noble', noble], ['auto', auto]] as const) {
  describe(`seal and open (${label})`, () => {
    for (const s of SUITES) {
      test(`${name(s)}: round trip with info and aad; enc has Nenc bytes; the ciphertext is 16 bytes longer`, async () => {
        const { pk, seed } = storedKey(s.kem);
        const plaintext = utf8('attack at dawn');
        const sealed = await hpke.seal(s, pk, plaintext, { info: utf8('app/v1'), aad: utf8('header') });
        assert.equal(sealed.enc.length, HPKE_SUITE_PARTS.kem[s.kem].Nenc);
        assert.equal(sealed.ciphertext.length, plaintext.length + 16);
        assert.deepEqual(await hpke.open(s, seed, sealed.enc, sealed.ciphertext, { info: utf8('app/v1'), aad: utf8('header') }), plaintext);
        // Empty plaintext, no options.
        const empty = await hpke.seal(s, pk, new Uint8Array(0));
        assert.deepEqual(await hpke.open(s, seed, empty.enc, empty.ciphertext), new Uint8Array(0));
      });
    }

    test('every way of not opening is the one HpkeOpenError', async () => {
      const s = hpkeSuite('X-Wing');
      const { pk, seed } = storedKey('X-Wing');
      const other = storedKey('X-Wing');
      const opts = { info: utf8('i'), aad: utf8('a') };
      const { enc, ciphertext } = await hpke.seal(s, pk, utf8('secret'), opts);
      const flip = (b: Uint8Array, i: number) => Uint8Array.from(b, (x, j) => (j === i ? x ^ 1 : x));
      const cases: [string, () => Promise<unknown>][] = [
        ['wrong key', () => hpke.open(s, other.seed, enc, ciphertext, opts)],
        ['enc: ML-KEM part modified', () => hpke.open(s, seed, flip(enc, 0), ciphertext, opts)],
        ['enc: X25519 part modified', () => hpke.open(s, seed, flip(enc, enc.length - 2), ciphertext, opts)],
        ['enc: low-order X25519 part', () => hpke.open(s, seed, Uint8Array.from([...enc.subarray(0, 1088), ...new Uint8Array(32)]), ciphertext, opts)],
        ['enc too short', () => hpke.open(s, seed, enc.subarray(1), ciphertext, opts)],
        ['enc too long', () => hpke.open(s, seed, Uint8Array.from([...enc, 0]), ciphertext, opts)],
        ['empty enc', () => hpke.open(s, seed, new Uint8Array(0), ciphertext, opts)],
        ['ciphertext modified', () => hpke.open(s, seed, enc, flip(ciphertext, 0), opts)],
        ['tag modified', () => hpke.open(s, seed, enc, flip(ciphertext, ciphertext.length - 1), opts)],
        ['ciphertext shorter than a tag', () => hpke.open(s, seed, enc, ciphertext.subarray(0, 15), opts)],
        ['empty ciphertext', () => hpke.open(s, seed, enc, new Uint8Array(0), opts)],
        ['other aad', () => hpke.open(s, seed, enc, ciphertext, { ...opts, aad: utf8('b') })],
        ['no aad', () => hpke.open(s, seed, enc, ciphertext, { info: opts.info })],
        ['other info', () => hpke.open(s, seed, enc, ciphertext, { ...opts, info: utf8('j') })],
        ['other AEAD', () => hpke.open(hpkeSuite('X-Wing', { aead: 'ChaCha20-Poly1305' }), seed, enc, ciphertext, opts)],
      ];
      for (const [why, run] of cases) await assert.rejects(run, HpkeOpenError, why);
      // ML-KEM too: implicit rejection makes a modified enc a wrong key, which is the same failure.
      const m = storedKey('ML-KEM-1024');
      const sm = hpkeSuite('ML-KEM-1024');
      const sealed = await hpke.seal(sm, m.pk, utf8('x'));
      await assert.rejects(hpke.open(sm, m.seed, flip(sealed.enc, 5), sealed.ciphertext), HpkeOpenError);
      await assert.rejects(hpke.open(sm, storedKey('ML-KEM-1024').seed, sealed.enc, sealed.ciphertext), HpkeOpenError);
    });

    test('a recipient context opens messages only in their order', async () => {
      const s = hpkeSuite('ML-KEM-768', { aead: 'ChaCha20-Poly1305' });
      const { pk, seed } = storedKey('ML-KEM-768');
      const sender = await hpke.setupSender(s, pk, { info: utf8('seq') });
      const c0 = await sender.seal(utf8('zero'));
      const c1 = await sender.seal(utf8('one'), utf8('aad1'));
      const inOrder = await hpke.setupRecipient(s, seed, sender.enc, { info: utf8('seq') });
      assert.deepEqual(await inOrder.open(c0), utf8('zero'));
      assert.deepEqual(await inOrder.open(c1, utf8('aad1')), utf8('one'));
      const skipping = await hpke.setupRecipient(s, seed, sender.enc, { info: utf8('seq') });
      await assert.rejects(skipping.open(c1, utf8('aad1')), HpkeOpenError, 'the second message under the first nonce');
    });

    test('both sides export the same secret (RFC 9180 section 5.3), bound to the context string and length', async () => {
      const s = hpkeSuite('X-Wing');
      const { pk, seed } = storedKey('X-Wing');
      const sender = await hpke.setupSender(s, pk, { info: utf8('x') });
      const recipient = await hpke.setupRecipient(s, seed, sender.enc, { info: utf8('x') });
      const a = await sender.export(utf8('message/bhttp response'), 32);
      assert.equal(a.length, 32);
      assert.deepEqual(await recipient.export(utf8('message/bhttp response'), 32), a);
      assert.notDeepEqual(await recipient.export(utf8('other'), 32), a);
    });

    test('seal refuses public keys of the wrong length or that the KEM refuses, as CryptoInputError("pk")', async () => {
      for (const kem of HPKE_KEMS) {
        const s = hpkeSuite(kem);
        const { pk } = storedKey(kem);
        await assert.rejects(hpke.seal(s, pk.subarray(1), utf8('x')), isInputError('pk'), `${kem}: short`);
        await assert.rejects(hpke.seal(s, new Uint8Array(0), utf8('x')), isInputError('pk'), `${kem}: empty`);
        // FIPS 203 section 7.2: a coefficient of 0xfff (>= q = 3329) in the first 12-bit slot.
        const badModulus = Uint8Array.from(pk);
        badModulus[0] = 0xff;
        badModulus[1] = badModulus[1]! | 0x0f;
        await assert.rejects(hpke.seal(s, badModulus, utf8('x')), isInputError('pk'), `${kem}: modulus`);
      }
      const { pk } = storedKey('X-Wing');
      const lowOrder = Uint8Array.from([...pk.subarray(0, 1184), ...new Uint8Array(32)]);
      await assert.rejects(hpke.seal(hpkeSuite('X-Wing'), lowOrder, utf8('x')), isInputError('pk'), 'X-Wing: low-order X25519 part');
    });

    test('a stored seed of the wrong length is an internal error, not an open failure', async () => {
      const s = hpkeSuite('ML-KEM-768');
      const { pk, seed } = storedKey('ML-KEM-768');
      const { enc, ciphertext } = await hpke.seal(s, pk, utf8('x'));
      await assert.rejects(hpke.open(s, seed.subarray(32), enc, ciphertext), RangeError);
    });

    test('deriveKeyPair is deterministic, gives what the service would store, and needs Nsk bytes of ikm', async () => {
      for (const kem of HPKE_KEMS) {
        const ikm = new Uint8Array(HPKE_SUITE_PARTS.kem[kem].Nsk).fill(7);
        const a = await hpke.deriveKeyPair(kem, ikm);
        assert.deepEqual(await hpke.deriveKeyPair(kem, ikm), a);
        assert.equal(a.seed.length, HPKE_SUITE_PARTS.kem[kem].Nsk);
        assert.deepEqual(KEYGEN[kem](a.seed).publicKey, a.publicKey);
        await assert.rejects(hpke.deriveKeyPair(kem, ikm.subarray(1)), RangeError);
      }
    });
  });
}

describe('interoperability with @hpke/core (an independent implementation), both ways', () => {
  const OTHER_KEM = { 'ML-KEM-768': () => new MlKem768(), 'ML-KEM-1024': () => new MlKem1024(), 'X-Wing': () => new XWing() } as const;
  const OTHER_AEAD = { 'AES-256-GCM': () => new Aes256Gcm(), 'ChaCha20-Poly1305': () => new Chacha20Poly1305() } as const;
  const other = (s: HpkeSuite) => new OtherSuite({ kem: OTHER_KEM[s.kem](), kdf: new HkdfSha256(), aead: OTHER_AEAD[s.aead]() });

  for (const [label, hpke] of [['noble', noble], ['auto', auto]] as const) {
    for (const s of SUITES) {
      test(`${name(s)} (${label}): ours seals, theirs opens; theirs seals, ours opens; exports agree`, async () => {
        const { pk, seed } = storedKey(s.kem);
        const theirs = other(s);
        const info = utf8('pq-crypto-api/interop');
        const aad = utf8('aad');
        const message = utf8(`hello from ${name(s)}`);

        const sealed = await hpke.seal(s, pk, message, { info, aad });
        const theirKey = await theirs.kem.deserializePrivateKey(seed);
        const recipient = await theirs.createRecipientContext({ recipientKey: theirKey, enc: sealed.enc, info });
        assert.deepEqual(new Uint8Array(await recipient.open(sealed.ciphertext, aad)), message);

        const sender = await theirs.createSenderContext({ recipientPublicKey: await theirs.kem.deserializePublicKey(pk), info });
        const ct = new Uint8Array(await sender.seal(message, aad));
        const enc = new Uint8Array(sender.enc);
        assert.deepEqual(await hpke.open(s, seed, enc, ct, { info, aad }), message);

        const ourRecipient = await hpke.setupRecipient(s, seed, enc, { info });
        assert.deepEqual(await ourRecipient.export(utf8('ctx'), 32), new Uint8Array(await sender.export(utf8('ctx'), 32)));
      });
    }
  }
});
