/**
 * The client's HPKE module (packages/client/src/hpke.ts) against the working group's vectors
 * (hpkewg/hpke-pq test-vectors.json in ../shared/vectors/hpke-pq/; skipped with a message when
 * the folder is absent), for every vector whose KEM is one of the client's (ML-KEM-768,
 * ML-KEM-1024, X-Wing):
 * - keys: the public key of skRm (the seed a client keeps) is pkRm, and DeriveKeyPair(ikmR) gives
 *   pkRm and skRm;
 * - where the module has the vector's KDF and AEAD: the recipient context of (skRm, enc, info)
 *   opens the 10 ciphertexts in order to their plaintexts and gives the 5 exports; single-shot
 *   open gives the first; a changed ciphertext, enc or info does not open;
 * - the sender context to pkRm: its messages open with skRm in the recipient context and both
 *   export the same secrets (the sender's enc is fresh randomness, so its bytes are not the
 *   vector's).
 * The file holds no vector of ML-KEM with HKDF-SHA256 and AES-256-GCM: the AEADs and KDFs are
 * checked on the suites it has (ML-KEM-768 + HKDF-SHA256 + AES-128-GCM, ML-KEM-1024 +
 * HKDF-SHA384 + AES-256-GCM, X-Wing + HKDF-SHA256 + ChaCha20-Poly1305).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HPKE_AEADS,
  HPKE_KDFS,
  HPKE_KEMS,
  hpkeDeriveKeyPair,
  hpkeOpen,
  HpkeOpenError,
  hpkePublicKey,
  hpkeSerializePrivateKey,
  hpkeSetupRecipient,
  hpkeSetupSender,
  type HpkeAeadName,
  type HpkeKdfName,
  type HpkeKemName,
  type HpkeSuite,
} from '../../packages/client/src/hpke.ts';
import { describeVectors, hex } from '../helpers/vectors.ts';

interface HpkeVector {
  readonly mode: number;
  readonly kem_id: number;
  readonly kdf_id: number;
  readonly aead_id: number;
  readonly info: string;
  readonly ikmR: string;
  readonly skRm: string;
  readonly pkRm: string;
  readonly enc: string;
  readonly encryptions: readonly { readonly aad: string; readonly ct: string; readonly pt: string }[];
  readonly exports: readonly { readonly exporter_context: string; readonly L: number; readonly exported_value: string }[];
}

const byId = <T extends string>(table: Readonly<Record<T, { readonly id: number }>>, id: number): T | undefined => (Object.keys(table) as T[]).find((name) => table[name].id === id);
const label = (v: HpkeVector) => `kem 0x${v.kem_id.toString(16).padStart(4, '0')} kdf 0x${v.kdf_id.toString(16).padStart(4, '0')} aead 0x${v.aead_id.toString(16).padStart(4, '0')}`;
const flip = (b: Uint8Array, at = 0) => {
  const c = b.slice();
  c[at]! ^= 1;
  return c;
};

describeVectors<readonly HpkeVector[]>("the client's HPKE (packages/client/src/hpke.ts)", 'hpke-pq/test-vectors.json', (vectors) => {
  const ours = vectors.filter((v) => v.mode === 0 && byId<HpkeKemName>(HPKE_KEMS, v.kem_id));
  const full = ours.filter((v) => byId<HpkeKdfName>(HPKE_KDFS, v.kdf_id) && byId<HpkeAeadName>(HPKE_AEADS, v.aead_id));

  test("the file has vectors of each of the client's KEMs, and full suites for each of them", () => {
    for (const kem of Object.keys(HPKE_KEMS) as HpkeKemName[]) {
      assert.ok(ours.some((v) => v.kem_id === HPKE_KEMS[kem].id), `a vector of ${kem}`);
      assert.ok(full.some((v) => v.kem_id === HPKE_KEMS[kem].id), `a full-suite vector of ${kem}`);
    }
    assert.ok(full.some((v) => v.aead_id === HPKE_AEADS['AES-256-GCM'].id) && full.some((v) => v.aead_id === HPKE_AEADS['ChaCha20-Poly1305'].id));
    assert.ok(full.some((v) => v.kdf_id === HPKE_KDFS['HKDF-SHA256'].id));
  });

  for (const v of ours) {
    const kem = byId<HpkeKemName>(HPKE_KEMS, v.kem_id)!;
    test(`${label(v)} (${kem}): the public key of skRm is pkRm; DeriveKeyPair(ikmR) gives pkRm and skRm`, async () => {
      assert.deepEqual(hpkePublicKey(kem, hex(v.skRm)), hex(v.pkRm));
      const pair = await hpkeDeriveKeyPair(kem, hex(v.ikmR));
      assert.deepEqual(pair.publicKey, hex(v.pkRm));
      assert.deepEqual(await hpkeSerializePrivateKey(pair), hex(v.skRm));
    });
  }

  for (const v of full) {
    const suite: HpkeSuite = { kem: byId<HpkeKemName>(HPKE_KEMS, v.kem_id)!, kdf: byId<HpkeKdfName>(HPKE_KDFS, v.kdf_id)!, aead: byId<HpkeAeadName>(HPKE_AEADS, v.aead_id)! };
    const name = `${label(v)} (${suite.kem}, ${suite.kdf}, ${suite.aead})`;
    const info = hex(v.info);
    const skRm = hex(v.skRm);
    const enc = hex(v.enc);

    test(`${name}: the recipient opens the ${v.encryptions.length} ciphertexts in order and gives the ${v.exports.length} exports`, async () => {
      const ctx = await hpkeSetupRecipient(suite, skRm, enc, { info });
      for (const e of v.encryptions) assert.deepEqual(await ctx.open(hex(e.ct), hex(e.aad)), hex(e.pt));
      for (const x of v.exports) assert.deepEqual(await ctx.export(hex(x.exporter_context), x.L), hex(x.exported_value));
      // The same with the derived key pair instead of the seed.
      const pair = await hpkeDeriveKeyPair(suite.kem, hex(v.ikmR));
      const first = v.encryptions[0]!;
      assert.deepEqual(await hpkeOpen(suite, pair, enc, hex(first.ct), { info, aad: hex(first.aad) }), hex(first.pt));
    });

    test(`${name}: a changed ciphertext, enc, info or aad, or a message out of order, does not open`, async () => {
      const [first, second] = v.encryptions;
      const aad = hex(first!.aad);
      const ct = hex(first!.ct);
      assert.deepEqual(await hpkeOpen(suite, skRm, enc, ct, { info, aad }), hex(first!.pt));
      await assert.rejects(hpkeOpen(suite, skRm, enc, flip(ct), { info, aad }), HpkeOpenError);
      await assert.rejects(hpkeOpen(suite, skRm, flip(enc), ct, { info, aad }), HpkeOpenError);
      await assert.rejects(hpkeOpen(suite, skRm, enc.subarray(1), ct, { info, aad }), HpkeOpenError);
      await assert.rejects(hpkeOpen(suite, skRm, enc, ct, { info: flip(info), aad }), HpkeOpenError);
      await assert.rejects(hpkeOpen(suite, skRm, enc, ct, { info, aad: flip(new Uint8Array([...aad, 0])) }), HpkeOpenError);
      await assert.rejects(hpkeOpen(suite, skRm, enc, hex(second!.ct), { info, aad: hex(second!.aad) }), HpkeOpenError, 'the second message is sealed under sequence number 1');
      await assert.rejects(hpkeOpen(suite, new Uint8Array(skRm.length), enc, ct, { info, aad }), HpkeOpenError, 'another key');
    });

    test(`${name}: the sender to pkRm seals what skRm opens, and both export the same secrets`, async () => {
      const sender = await hpkeSetupSender(suite, hex(v.pkRm), { info });
      assert.equal(sender.enc.length, HPKE_KEMS[suite.kem].Nenc);
      const sealed = [];
      for (const e of v.encryptions) sealed.push(await sender.seal(hex(e.pt), hex(e.aad)));
      const recipient = await hpkeSetupRecipient(suite, skRm, sender.enc, { info });
      for (const [i, e] of v.encryptions.entries()) assert.deepEqual(await recipient.open(sealed[i]!, hex(e.aad)), hex(e.pt));
      for (const x of v.exports) assert.deepEqual(await sender.export(hex(x.exporter_context), x.L), await recipient.export(hex(x.exporter_context), x.L));
      await assert.rejects(hpkeSetupSender(suite, hex(v.pkRm).subarray(1), { info }), RangeError);
    });
  }
});
