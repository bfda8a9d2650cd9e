/**
 * What a client can do without trusting the service with a secret, on @noble/* (pure
 * JavaScript: Node and browsers alike):
 *
 * - encapsulate to a public key itself (FIPS 203 ML-KEM.Encaps), so the service never sees the
 *   shared key, after checking the key pair's attestation against a pinned verification key
 *   (FIPS 204 ML-DSA.Verify, pure, empty context, over the raw `pk` bytes);
 * - compute and check key confirmation: base64(HMAC-SHA256(HKDF-SHA256(shared_key, salt empty,
 *   info "pq-crypto-api/v1/key-confirmation", 32 bytes), cipher));
 * - encrypt and decrypt the service's AES blobs: AES-256-GCM (SP 800-38D) under
 *   HKDF-SHA256(shared_key, salt empty, info "pq-crypto-api/v1/aes-256-gcm", 32 bytes), laid out
 *   as base64(nonce[12] || ciphertext || tag[16]) with a fresh random nonce per encryption.
 *
 * The constructions are the brief's (docs/api.md "The AES construction"); test/client checks them
 * against the running server and against node:crypto.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { equalBytes, randomBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { bytesOf, fromUtf8, toBase64, utf8 } from './encoding.ts';

export const AES_INFO = 'pq-crypto-api/v1/aes-256-gcm';
export const CONFIRMATION_INFO = 'pq-crypto-api/v1/key-confirmation';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** KEMs by public-key length (FIPS 203 table 3; X-Wing, draft-connolly-cfrg-xwing-kem: 1216). */
const KEMS = Object.freeze({
  800: { algorithm: 'ML-KEM-512', kem: ml_kem512, cipherText: 768 },
  1184: { algorithm: 'ML-KEM-768', kem: ml_kem768, cipherText: 1088 },
  1216: { algorithm: 'X-Wing', kem: ml_kem768_x25519, cipherText: 1120 },
  1568: { algorithm: 'ML-KEM-1024', kem: ml_kem1024, cipherText: 1568 },
} as const);

/** ML-DSA parameter sets by public-key length (FIPS 204 table 2). */
const DSAS = Object.freeze({
  1312: { algorithm: 'ML-DSA-44', dsa: ml_dsa44 },
  1952: { algorithm: 'ML-DSA-65', dsa: ml_dsa65 },
  2592: { algorithm: 'ML-DSA-87', dsa: ml_dsa87 },
} as const);

/** A local operation refused its input, or (AES) authentication failed. */
export class LocalCryptoError extends Error {
  override name = 'LocalCryptoError';
}

/** Base64 text (as the API returns binary fields) or bytes. */
export type Binary = string | Uint8Array;

/**
 * Whether `signature` is the attestation, by the pinned verification key, of `pk`: pure ML-DSA
 * (the set from the key's length) with an empty context over the raw bytes of `pk`. Pass the key
 * pair as POST /v1/kem/keypair returned it and the tenant's verification key, obtained once
 * through a channel you trust (never the `verification_key` of the same answer).
 */
export function verifyAttestation(keypair: { readonly pk: Binary; readonly signature: Binary }, pinnedVerificationKey: Binary): boolean {
  const key = bytesOf(pinnedVerificationKey);
  const set = DSAS[key.length as keyof typeof DSAS];
  if (!set) throw new LocalCryptoError(`the verification key is ${key.length} bytes: not an ML-DSA-44, -65 or -87 public key`);
  try {
    return set.dsa.verify(bytesOf(keypair.signature), bytesOf(keypair.pk), key);
  } catch {
    return false; // a malformed signature does not verify
  }
}

export interface LocalEncapsulation {
  /** The ciphertext, base64: send it to the key's owner (POST /v1/kem/decapsulate). */
  readonly cipher: string;
  /** The 32-byte shared key, base64, as the API would have returned it. Known only to you. */
  readonly shared_key: string;
  /** Key confirmation for `cipher`: pass it to decapsulate so a wrong key is refused. */
  readonly confirmation: string;
}

/**
 * FIPS 203 ML-KEM.Encaps (or X-Wing) on this machine (the algorithm from the key's length; the key
 * is checked as FIPS 203 section 7.2 says). With `attestation`, the key pair is first checked against the pinned key and
 * a mismatch throws: nothing is encapsulated to a key the tenant's service did not make.
 */
export function encapsulateLocally(pk: Binary, opts: { readonly attestation?: { readonly signature: Binary; readonly pinnedVerificationKey: Binary } } = {}): LocalEncapsulation {
  const publicKey = bytesOf(pk);
  const set = KEMS[publicKey.length as keyof typeof KEMS];
  if (!set) throw new LocalCryptoError(`pk is ${publicKey.length} bytes: not an ML-KEM-512, -768, -1024 or X-Wing public key`);
  if (opts.attestation && !verifyAttestation({ pk: publicKey, signature: opts.attestation.signature }, opts.attestation.pinnedVerificationKey)) {
    throw new LocalCryptoError('the key pair is not attested by the pinned verification key');
  }
  let result: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    result = set.kem.encapsulate(publicKey);
  } catch (e) {
    throw new LocalCryptoError(`pk is not a valid ${set.algorithm} public key (${(e as Error).message})`);
  }
  return {
    cipher: toBase64(result.cipherText),
    shared_key: toBase64(result.sharedSecret),
    confirmation: keyConfirmation(result.sharedSecret, result.cipherText),
  };
}

function sharedKeyBytes(sharedKey: Binary): Uint8Array {
  const bytes = bytesOf(sharedKey);
  if (bytes.length !== 32) throw new LocalCryptoError(`a shared key is 32 bytes, got ${bytes.length}`);
  return bytes;
}

/** base64(HMAC-SHA256(HKDF-SHA256(shared_key, "", CONFIRMATION_INFO, 32), cipher)). */
export function keyConfirmation(sharedKey: Binary, cipher: Binary): string {
  const macKey = hkdf(sha256, sharedKeyBytes(sharedKey), new Uint8Array(0), utf8(CONFIRMATION_INFO), 32);
  return toBase64(hmac(sha256, macKey, bytesOf(cipher)));
}

/** Whether `confirmation` is the key confirmation of `cipher` under `sharedKey` (compared in constant time). */
export function checkKeyConfirmation(sharedKey: Binary, cipher: Binary, confirmation: Binary): boolean {
  return equalBytes(bytesOf(keyConfirmation(sharedKey, cipher)), bytesOf(confirmation));
}

/** The AES-256-GCM key the service uses for a shared key: HKDF-SHA256(shared_key, "", AES_INFO, 32). */
export function deriveAesKey(sharedKey: Binary): Uint8Array {
  return hkdf(sha256, sharedKeyBytes(sharedKey), new Uint8Array(0), utf8(AES_INFO), 32);
}

const aadBytes = (aad: string | Uint8Array | undefined) => (aad === undefined ? undefined : typeof aad === 'string' ? utf8(aad) : aad);

/** Encrypts as POST /v1/aes/encrypt does: base64(nonce || ciphertext || tag), a fresh nonce each time. */
export function encryptBlob(sharedKey: Binary, plaintext: string | Uint8Array, opts: { readonly aad?: string | Uint8Array } = {}): string {
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = gcm(deriveAesKey(sharedKey), nonce, aadBytes(opts.aad)).encrypt(typeof plaintext === 'string' ? utf8(plaintext) : plaintext);
  const blob = new Uint8Array(NONCE_BYTES + sealed.length);
  blob.set(nonce);
  blob.set(sealed, NONCE_BYTES);
  return toBase64(blob);
}

/**
 * Decrypts a blob from POST /v1/aes/encrypt (or encryptBlob) with the same shared key and aad.
 * Throws LocalCryptoError when it is too short or fails authentication (wrong key, aad or data).
 */
export function decryptBlob(sharedKey: Binary, ciphertext: Binary, opts: { readonly aad?: string | Uint8Array } = {}): Uint8Array {
  const blob = bytesOf(ciphertext);
  if (blob.length < NONCE_BYTES + TAG_BYTES) throw new LocalCryptoError(`a ciphertext is at least ${NONCE_BYTES + TAG_BYTES} bytes (nonce and tag), got ${blob.length}`);
  const key = deriveAesKey(sharedKey);
  try {
    return gcm(key, blob.subarray(0, NONCE_BYTES), aadBytes(opts.aad)).decrypt(blob.subarray(NONCE_BYTES));
  } catch {
    throw new LocalCryptoError('decryption failed: wrong key, aad or ciphertext');
  }
}

/** decryptBlob, as UTF-8 text (throws LocalCryptoError when the plaintext is not UTF-8). */
export function decryptBlobText(sharedKey: Binary, ciphertext: Binary, opts: { readonly aad?: string | Uint8Array } = {}): string {
  const bytes = decryptBlob(sharedKey, ciphertext, opts);
  try {
    return fromUtf8(bytes);
  } catch {
    throw new LocalCryptoError('the plaintext is not UTF-8 text: use decryptBlob for bytes');
  }
}
