/**
 * HPKE with post-quantum KEMs: the working group's vectors (hpkewg/hpke-pq test-vectors.json, in
 * ../shared/vectors/hpke-pq/, README there) on every post-quantum suite (KEM 0x0040-0x0042, 0x0050,
 * 0x0051, 0x647a), through the `hpke` library with each implementation the runtime has: its Web
 * Cryptography built-ins (`native`, skipped per suite where the runtime lacks a primitive) and
 * @panva/hpke-noble (`noble`). Per suite:
 * - DeriveKeyPair(ikmR) gives skRm and pkRm;
 * - encapsulation with ikmE gives enc and shared_secret (the KEM's derandomized form, from
 *   @noble/post-quantum: the library itself only encapsulates with fresh randomness), then the
 *   sender's key schedule seals the 10 plaintexts to the 10 ciphertexts in order and exports match;
 * - the recipient (skRm, enc) decapsulates shared_secret, opens the 10 in order, exports match.
 * Then the same through src/crypto/hpke.ts wherever its table covers the suite's parts, and the
 * check the brief relies on: the service's stored seed (ML-KEM d || z, X-Wing sk) is skRm, i.e.
 * the service's own key generation from skRm gives pkRm.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as HPKE from 'hpke';
import * as Noble from '@panva/hpke-noble';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { ml_kem768_x25519, ml_kem1024_p384 } from '@noble/post-quantum/hybrid.js';
import { createHpke, HpkeOpenError, hpkeSuiteFromIds, HPKE_SUITE_PARTS, isHpkeKem, type HpkeKem } from '../../src/crypto/hpke.ts';
import { describeVectors, hex } from '../helpers/vectors.ts';

interface HpkeVector {
  readonly mode: number;
  readonly kem_id: number;
  readonly kdf_id: number;
  readonly aead_id: number;
  readonly info: string;
  readonly ikmE: string;
  readonly ikmR: string;
  readonly skRm: string;
  readonly pkRm: string;
  readonly enc: string;
  readonly shared_secret: string;
  readonly encryptions: readonly { readonly aad: string; readonly ct: string; readonly nonce: string; readonly pt: string }[];
  readonly exports: readonly { readonly exporter_context: string; readonly L: number; readonly exported_value: string }[];
}

type Impl = 'native' | 'noble';
type Pair<F> = Readonly<Record<Impl, F>>;
const POST_QUANTUM_KEMS: Readonly<Record<number, Pair<HPKE.KEMFactory>>> = {
  0x0040: { native: HPKE.KEM_ML_KEM_512, noble: Noble.KEM_ML_KEM_512 },
  0x0041: { native: HPKE.KEM_ML_KEM_768, noble: Noble.KEM_ML_KEM_768 },
  0x0042: { native: HPKE.KEM_ML_KEM_1024, noble: Noble.KEM_ML_KEM_1024 },
  0x0050: { native: HPKE.KEM_MLKEM768_P256, noble: Noble.KEM_MLKEM768_P256 },
  0x0051: { native: HPKE.KEM_MLKEM1024_P384, noble: Noble.KEM_MLKEM1024_P384 },
  0x647a: { native: HPKE.KEM_MLKEM768_X25519, noble: Noble.KEM_MLKEM768_X25519 },
};
const KDFS: Readonly<Record<number, Pair<HPKE.KDFFactory>>> = {
  0x0001: { native: HPKE.KDF_HKDF_SHA256, noble: Noble.KDF_HKDF_SHA256 },
  0x0002: { native: HPKE.KDF_HKDF_SHA384, noble: Noble.KDF_HKDF_SHA384 },
  0x0003: { native: HPKE.KDF_HKDF_SHA512, noble: Noble.KDF_HKDF_SHA512 },
  0x0010: { native: HPKE.KDF_SHAKE128, noble: Noble.KDF_SHAKE128 },
  0x0011: { native: HPKE.KDF_SHAKE256, noble: Noble.KDF_SHAKE256 },
  0x0012: { native: HPKE.KDF_TurboSHAKE128, noble: Noble.KDF_TurboSHAKE128 },
  0x0013: { native: HPKE.KDF_TurboSHAKE256, noble: Noble.KDF_TurboSHAKE256 },
};
const AEADS: Readonly<Record<number, Pair<HPKE.AEADFactory>>> = {
  0x0001: { native: HPKE.AEAD_AES_128_GCM, noble: Noble.AEAD_AES_128_GCM },
  0x0002: { native: HPKE.AEAD_AES_256_GCM, noble: Noble.AEAD_AES_256_GCM },
  0x0003: { native: HPKE.AEAD_ChaCha20Poly1305, noble: Noble.AEAD_ChaCha20Poly1305 },
};

/**
 * The KEMs' derandomized encapsulation (ikmE is the encapsulation randomness). MLKEM768-P256 is
 * absent: its ikmE (128 bytes) is not the 160 bytes noble's form takes, so that suite's enc is
 * checked from the recipient side only (decapsulation gives shared_secret).
 */
const DERAND_ENCAP: Readonly<Record<number, (pk: Uint8Array, rand: Uint8Array) => { cipherText: Uint8Array; sharedSecret: Uint8Array }>> = {
  0x0040: (pk, m) => ml_kem512.encapsulate(pk, m),
  0x0041: (pk, m) => ml_kem768.encapsulate(pk, m),
  0x0042: (pk, m) => ml_kem1024.encapsulate(pk, m),
  0x0051: (pk, r) => ml_kem1024_p384.encapsulate(pk, r),
  0x647a: (pk, r) => ml_kem768_x25519.encapsulate(pk, r),
};

/** A KEM factory whose Encap returns the given (derandomized) encapsulation: everything else is the real KEM's. */
function withFixedEncap(factory: HPKE.KEMFactory, fixed: { enc: Uint8Array; shared_secret: Uint8Array }): HPKE.KEMFactory {
  return () => {
    const kem = factory();
    return Object.freeze({ ...kem, Encap: async () => fixed });
  };
}

/** The service's own key generation from a stored seed (@noble/post-quantum, as kem.ts uses it). */
const SERVICE_KEYGEN: Readonly<Record<HpkeKem, (seed: Uint8Array) => { publicKey: Uint8Array }>> = {
  'ML-KEM-768': (s) => ml_kem768.keygen(s),
  'ML-KEM-1024': (s) => ml_kem1024.keygen(s),
  'X-Wing': (s) => ml_kem768_x25519.keygen(s),
};

const label = (v: HpkeVector) => `kem 0x${v.kem_id.toString(16).padStart(4, '0')} kdf 0x${v.kdf_id.toString(16).padStart(4, '0')} aead 0x${v.aead_id.toString(16).padStart(4, '0')}`;

/** Whether the runtime has every primitive of this combination (NotSupportedError otherwise). */
async function supported(kem: HPKE.KEMFactory, kdf: HPKE.KDFFactory, aead: HPKE.AEADFactory, ikmR: Uint8Array): Promise<boolean> {
  try {
    await kem().DeriveKeyPair(ikmR, false);
    const k = kdf();
    await (k.stages === 2 ? k.Extract(new Uint8Array(0), new Uint8Array(32)) : k.Derive(new Uint8Array(32), 32));
    const a = aead();
    await a.Seal(new Uint8Array(a.Nk), new Uint8Array(a.Nn), new Uint8Array(0), new Uint8Array(0));
    return true;
  } catch (e) {
    if (e instanceof HPKE.NotSupportedError) return false;
    throw e;
  }
}

describeVectors<readonly HpkeVector[]>('HPKE with post-quantum KEMs (draft-ietf-hpke-pq)', 'hpke-pq/test-vectors.json', (vectors) => {
  const pq = vectors.filter((v) => v.mode === 0 && POST_QUANTUM_KEMS[v.kem_id] && KDFS[v.kdf_id] && AEADS[v.aead_id]);

  test('the file holds the 9 post-quantum base-mode suites the README lists, all of whose parts the library has', () => {
    assert.equal(pq.length, 9);
    assert.equal(vectors.filter((v) => POST_QUANTUM_KEMS[v.kem_id]).length, pq.length);
  });

  for (const v of pq) {
    for (const impl of ['native', 'noble'] as const) {
      test(`${label(v)} (${impl}): DeriveKeyPair, encapsulation, 10 encryptions and exports, both directions`, async (t) => {
        const kemF = POST_QUANTUM_KEMS[v.kem_id]![impl];
        const kdfF = KDFS[v.kdf_id]![impl];
        const aeadF = AEADS[v.aead_id]![impl];
        if (!(await supported(kemF, kdfF, aeadF, hex(v.ikmR)))) {
          t.skip(`the runtime (Node ${process.version}) lacks a primitive of this suite in Web Cryptography`);
          return;
        }
        const info = hex(v.info);
        const suite = new HPKE.CipherSuite(kemF, kdfF, aeadF);

        const pair = await suite.DeriveKeyPair(hex(v.ikmR), true);
        assert.deepEqual(await suite.SerializePrivateKey(pair.privateKey), hex(v.skRm), 'skRm');
        assert.deepEqual(await suite.SerializePublicKey(pair.publicKey), hex(v.pkRm), 'pkRm');

        // Recipient: the stored private key and enc give shared_secret, the 10 plaintexts in order, the exports.
        const skR = await suite.DeserializePrivateKey(hex(v.skRm), false);
        assert.deepEqual(await kemF().Decap(hex(v.enc), skR, undefined), hex(v.shared_secret), 'shared_secret');
        const recipient = await suite.SetupRecipient(skR, hex(v.enc), { info });
        for (const [i, e] of v.encryptions.entries()) assert.deepEqual(await recipient.Open(hex(e.ct), hex(e.aad)), hex(e.pt), `open #${i}`);
        for (const x of v.exports) assert.deepEqual(await recipient.Export(hex(x.exporter_context), x.L), hex(x.exported_value), 'recipient export');

        // Sender: ikmE gives enc, then the key schedule gives the 10 ciphertexts in order, and the exports.
        const derand = DERAND_ENCAP[v.kem_id];
        if (!derand) return;
        const { cipherText, sharedSecret } = derand(hex(v.pkRm), hex(v.ikmE));
        assert.deepEqual(cipherText, hex(v.enc), 'enc from ikmE');
        assert.deepEqual(sharedSecret, hex(v.shared_secret), 'shared_secret from ikmE');
        const fixed = new HPKE.CipherSuite(withFixedEncap(kemF, { enc: cipherText, shared_secret: sharedSecret }), kdfF, aeadF);
        const { encapsulatedSecret, ctx } = await fixed.SetupSender(await fixed.DeserializePublicKey(hex(v.pkRm)), { info });
        assert.deepEqual(encapsulatedSecret, hex(v.enc));
        for (const [i, e] of v.encryptions.entries()) assert.deepEqual(await ctx.Seal(hex(e.pt), hex(e.aad)), hex(e.ct), `seal #${i}`);
        for (const x of v.exports) assert.deepEqual(await ctx.Export(hex(x.exporter_context), x.L), hex(x.exported_value), 'sender export');
      });
    }
  }

  describe('through src/crypto/hpke.ts', () => {
    const ours = pq.filter((v) => Object.values(HPKE_SUITE_PARTS.kem).some((k) => k.id === v.kem_id));
    test('covers the vector suites of the offered KEMs: ML-KEM-768, ML-KEM-1024 (two), X-Wing (two)', () => {
      assert.deepEqual(ours.map((v) => v.kem_id).sort(), [0x0041, 0x0042, 0x0042, 0x647a, 0x647a].sort());
    });

    for (const choice of ['auto', 'noble'] as const) {
      const hpke = createHpke(choice);
      for (const v of ours) {
        const kem = Object.values(HPKE_SUITE_PARTS.kem).find((k) => k.id === v.kem_id)!.name;
        test(`${label(v)} (${choice}): deriveKeyPair(ikmR) is (skRm, pkRm), and the service's keygen from skRm gives pkRm`, async () => {
          assert.ok(isHpkeKem(kem));
          const pair = await hpke.deriveKeyPair(kem, hex(v.ikmR));
          assert.deepEqual(pair.seed, hex(v.skRm));
          assert.deepEqual(pair.publicKey, hex(v.pkRm));
          assert.deepEqual(SERVICE_KEYGEN[kem](hex(v.skRm)).publicKey, hex(v.pkRm), 'a stored seed is the HPKE private key');
        });

        test(`${label(v)} (${choice}): prepareRecipientKey(skRm) then decapsulate(enc) is the shared secret, again and again; a wrong length is refused`, async () => {
          assert.ok(isHpkeKem(kem));
          const key = await hpke.prepareRecipientKey(kem, hex(v.skRm));
          for (let i = 0; i < 2; i++) assert.deepEqual(await hpke.decapsulate(key, hex(v.enc)), hex(v.shared_secret));
          await assert.rejects(hpke.decapsulate(key, hex(v.enc).subarray(1)), HpkeOpenError);
          await assert.rejects(hpke.prepareRecipientKey(kem, hex(v.skRm).subarray(1)), RangeError);
        });

        const suite = hpkeSuiteFromIds(v.kem_id, v.kdf_id, v.aead_id);
        if (!suite) continue; // another KDF or AEAD than the offered ones
        test(`${label(v)} (${choice}): open and setupRecipient give the plaintexts and exports`, async () => {
          const first = v.encryptions[0]!;
          assert.deepEqual(await hpke.open(suite, hex(v.skRm), hex(v.enc), hex(first.ct), { info: hex(v.info), aad: hex(first.aad) }), hex(first.pt));
          const recipient = await hpke.setupRecipient(suite, hex(v.skRm), hex(v.enc), { info: hex(v.info) });
          for (const e of v.encryptions) assert.deepEqual(await recipient.open(hex(e.ct), hex(e.aad)), hex(e.pt));
          for (const x of v.exports) assert.deepEqual(await recipient.export(hex(x.exporter_context), x.L), hex(x.exported_value));
        });
        test(`${label(v)} (${choice}): with the KEM step done elsewhere (the service's scheduled backend), seal gives ct and open gives pt`, async () => {
          const first = v.encryptions[0]!;
          const options = { info: hex(v.info), aad: hex(first.aad) };
          const sealed = await hpke.sealWithEncapsulation(suite, { enc: hex(v.enc), sharedSecret: hex(v.shared_secret) }, hex(first.pt), options);
          assert.deepEqual(sealed.enc, hex(v.enc));
          assert.deepEqual(sealed.ciphertext, hex(first.ct));
          assert.deepEqual(await hpke.openWithSharedSecret(suite, hex(v.shared_secret), hex(v.enc), hex(first.ct), options), hex(first.pt));
          const wrong = hex(v.shared_secret);
          wrong[0]! ^= 1;
          await assert.rejects(hpke.openWithSharedSecret(suite, wrong, hex(v.enc), hex(first.ct), options), HpkeOpenError);
          await assert.rejects(hpke.openWithSharedSecret(suite, hex(v.shared_secret), hex(v.enc), hex(first.ct), { ...options, info: new Uint8Array(1) }), HpkeOpenError);
        });
        test(`${label(v)} (${choice}): setupRecipientWithSharedSecret opens every encryption in order and gives every export; a wrong secret, info or enc length does not open`, async () => {
          const recipient = await hpke.setupRecipientWithSharedSecret(suite, hex(v.shared_secret), hex(v.enc), { info: hex(v.info) });
          for (const [i, e] of v.encryptions.entries()) assert.deepEqual(await recipient.open(hex(e.ct), hex(e.aad)), hex(e.pt), `open #${i}`);
          for (const x of v.exports) assert.deepEqual(await recipient.export(hex(x.exporter_context), x.L), hex(x.exported_value));
          const first = v.encryptions[0]!;
          const wrong = hex(v.shared_secret);
          wrong[0]! ^= 1;
          await assert.rejects(async () => (await hpke.setupRecipientWithSharedSecret(suite, wrong, hex(v.enc), { info: hex(v.info) })).open(hex(first.ct), hex(first.aad)), HpkeOpenError);
          await assert.rejects(async () => (await hpke.setupRecipientWithSharedSecret(suite, hex(v.shared_secret), hex(v.enc), { info: new Uint8Array(1) })).open(hex(first.ct), hex(first.aad)), HpkeOpenError);
          await assert.rejects(hpke.setupRecipientWithSharedSecret(suite, hex(v.shared_secret), hex(v.enc).subarray(1), { info: hex(v.info) }), HpkeOpenError);
          await assert.rejects(hpke.setupRecipientWithSharedSecret(suite, hex(v.shared_secret).subarray(1), hex(v.enc), { info: hex(v.info) }), RangeError);
        });
      }
    }
  });
});
