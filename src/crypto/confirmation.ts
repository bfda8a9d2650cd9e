/**
 * Key confirmation (brief, "Keys as resources"): ML-KEM's implicit rejection turns a modified
 * ciphertext into a different, random-looking shared key without an error; a confirmation made
 * by the encapsulating side lets the decapsulating side tell.
 *
 *   confirmation = HMAC-SHA256(key = HKDF-SHA256(ikm = shared_key, salt = empty,
 *                              info = "pq-crypto-api/v1/key-confirmation", L = 32), message = cipher)
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { timingSafeEqual } from 'node:crypto';

export const CONFIRMATION_INFO = 'pq-crypto-api/v1/key-confirmation';

export function keyConfirmation(sharedKey: Uint8Array, cipher: Uint8Array): Uint8Array {
  const key = hkdf(sha256, sharedKey, new Uint8Array(0), new TextEncoder().encode(CONFIRMATION_INFO), 32);
  try {
    return hmac(sha256, key, cipher);
  } finally {
    key.fill(0);
  }
}

/** Whether `confirmation` is the confirmation of this shared key and cipher (constant time). */
export function checkKeyConfirmation(sharedKey: Uint8Array, cipher: Uint8Array, confirmation: Uint8Array): boolean {
  const expected = keyConfirmation(sharedKey, cipher);
  return confirmation.length === expected.length && timingSafeEqual(expected, confirmation);
}
