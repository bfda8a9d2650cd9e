/**
 * HPKE (RFC 9180) base mode, single-shot open, on @noble/* (Node and browsers alike), for the
 * suites the service seals to a client's key with: KEM ML-KEM-768 (0x0041), ML-KEM-1024 (0x0042)
 * or X-Wing "MLKEM768-X25519" (0x647a) as draft-ietf-hpke-pq defines them, KDF HKDF-SHA256
 * (0x0001), AEAD AES-256-GCM (0x0002). Enough to open an encrypted challenge (challenges.ts);
 * nothing here seals.
 *
 * draft-ietf-hpke-pq: the KEM's shared secret is ML-KEM.Decaps's (or X-Wing's) output as it is,
 * and a private key is serialized as its seed: ML-KEM's 64-byte d || z, X-Wing's 32 bytes (what
 * `keygen(seed)` of @noble/post-quantum takes). The key schedule is RFC 9180 section 5.1 with
 * mode_base and no PSK; the first (only) message uses the base nonce (sequence number 0).
 * test/client checks it against the service's HPKE (the `hpke` package) on real challenges.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { extract, expand } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { utf8 } from './encoding.ts';

/** The KEMs a client's key can be (the service's CLIENT_KEM_ALGORITHMS): id, enc and seed lengths. */
export const HPKE_KEMS = Object.freeze({
  'ML-KEM-768': Object.freeze({ id: 0x0041, enc: 1088, seed: 64, kem: ml_kem768 }),
  'ML-KEM-1024': Object.freeze({ id: 0x0042, enc: 1568, seed: 64, kem: ml_kem1024 }),
  'X-Wing': Object.freeze({ id: 0x647a, enc: 1120, seed: 32, kem: ml_kem768_x25519 }),
});
export type HpkeKemName = keyof typeof HPKE_KEMS;

const KDF_HKDF_SHA256 = 0x0001;
const AEAD_AES_256_GCM = 0x0002;
const NK = 32;
const NN = 12;

const i2osp = (n: number, length: number) => {
  const out = new Uint8Array(length);
  for (let i = length - 1, v = n; i >= 0; i--, v >>>= 8) out[i] = v & 0xff;
  return out;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The public key of a seed (to register it as the client's kem_key). */
export function hpkePublicKey(kem: HpkeKemName, seed: Uint8Array): Uint8Array {
  const spec = HPKE_KEMS[kem];
  if (seed.length !== spec.seed) throw new RangeError(`an ${kem} seed is ${spec.seed} bytes, got ${seed.length}`);
  return spec.kem.keygen(seed).publicKey;
}

/** Anything that does not open: one failure, whatever the cause (wrong key, modified enc or ciphertext, other info). */
export class HpkeOpenError extends Error {
  override name = 'HpkeOpenError';
}

/**
 * Single-shot open (RFC 9180 section 6.1, base mode) of `enc` || `ciphertext` with the recipient's
 * seed, under `info` and `aad` (empty by default). @throws HpkeOpenError
 */
export function hpkeOpen(kem: HpkeKemName, seed: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array, opts: { readonly info?: Uint8Array; readonly aad?: Uint8Array } = {}): Uint8Array {
  const spec = HPKE_KEMS[kem];
  if (seed.length !== spec.seed) throw new RangeError(`an ${kem} seed is ${spec.seed} bytes, got ${seed.length}`);
  if (enc.length !== spec.enc) throw new HpkeOpenError(`an ${kem} enc is ${spec.enc} bytes, got ${enc.length}`);
  const sharedSecret = spec.kem.decapsulate(enc, spec.kem.keygen(seed).secretKey);
  const suiteId = concat(utf8('HPKE'), i2osp(spec.id, 2), i2osp(KDF_HKDF_SHA256, 2), i2osp(AEAD_AES_256_GCM, 2));
  const labeledExtract = (salt: Uint8Array, label: string, ikm: Uint8Array) => extract(sha256, concat(utf8('HPKE-v1'), suiteId, utf8(label), ikm), salt);
  const labeledExpand = (prk: Uint8Array, label: string, info: Uint8Array, length: number) =>
    expand(sha256, prk, concat(i2osp(length, 2), utf8('HPKE-v1'), suiteId, utf8(label), info), length);
  const empty = new Uint8Array(0);
  const context = concat(new Uint8Array([0x00]), labeledExtract(empty, 'psk_id_hash', empty), labeledExtract(empty, 'info_hash', opts.info ?? empty));
  const secret = labeledExtract(sharedSecret, 'secret', empty);
  const key = labeledExpand(secret, 'key', context, NK);
  const baseNonce = labeledExpand(secret, 'base_nonce', context, NN);
  try {
    return gcm(key, baseNonce, opts.aad ?? empty).decrypt(ciphertext);
  } catch {
    throw new HpkeOpenError('HPKE: the message does not open (wrong key, or a modified enc, ciphertext, aad or info)');
  } finally {
    sharedSecret.fill(0);
    key.fill(0);
  }
}
