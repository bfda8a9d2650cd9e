/**
 * AES-256-GCM (NIST SP 800-38D) with a 96-bit random nonce and a 128-bit tag, via @noble/ciphers.
 *
 * Wire format: nonce (12 bytes) || ciphertext || tag (16 bytes), the layout most libraries accept.
 * A fresh random nonce per message keeps the collision probability negligible up to about 2^32
 * messages per key (SP 800-38D section 8.3); past that, rotate the key.
 * @module
 */
import { gcm } from '@noble/ciphers/aes.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CryptoInputError, DecryptionError } from './errors.ts';

export const AES_KEY_BYTES = 32;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;
/** The shortest valid blob: nonce and tag around an empty plaintext. */
export const GCM_MIN_BLOB_BYTES = GCM_NONCE_BYTES + GCM_TAG_BYTES;

const EMPTY = new Uint8Array(0);

function checkKey(key: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) throw new CryptoInputError('key', `AES-256 key must be 32 bytes, got ${key.length}`);
}

/** Encrypts to nonce || ciphertext || tag. `nonce` is for test vectors and fixed examples only. */
export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY, nonce: Uint8Array = randomBytes(GCM_NONCE_BYTES)): Uint8Array {
  checkKey(key);
  if (nonce.length !== GCM_NONCE_BYTES) throw new CryptoInputError('nonce', 'GCM nonce must be 12 bytes');
  const sealed = gcm(key, nonce, aad).encrypt(plaintext);
  const out = new Uint8Array(GCM_NONCE_BYTES + sealed.length);
  out.set(nonce, 0);
  out.set(sealed, GCM_NONCE_BYTES);
  return out;
}

/**
 * Decrypts nonce || ciphertext || tag.
 * @throws CryptoInputError('ciphertext') when shorter than 28 bytes; DecryptionError when the tag fails.
 */
export function aeadOpen(key: Uint8Array, blob: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  checkKey(key);
  if (blob.length < GCM_MIN_BLOB_BYTES) {
    throw new CryptoInputError('ciphertext', `ciphertext must be at least ${GCM_MIN_BLOB_BYTES} bytes (nonce + tag), got ${blob.length}`);
  }
  try {
    return gcm(key, blob.subarray(0, GCM_NONCE_BYTES), aad).decrypt(blob.subarray(GCM_NONCE_BYTES));
  } catch {
    throw new DecryptionError();
  }
}
