/**
 * Key derivation from an ML-KEM shared secret to an AES-256-GCM key (RFC 5869 HKDF-SHA256):
 * aes_key = HKDF-SHA256(ikm = shared_key, salt = empty, info = "pq-crypto-api/v1/aes-256-gcm", L = 32).
 *
 * Deriving instead of using the shared secret directly gives the AES key its own label (domain
 * separation): the same shared secret used for another purpose yields an unrelated key.
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

export const AES_KEY_INFO = 'pq-crypto-api/v1/aes-256-gcm';

export function deriveAesKey(sharedKey: Uint8Array): Uint8Array {
  return hkdf(sha256, sharedKey, new Uint8Array(0), new TextEncoder().encode(AES_KEY_INFO), 32);
}
