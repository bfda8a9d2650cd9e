/**
 * Key confirmation for a KEM exchange: proof that both sides hold the same shared key for this
 * ciphertext. It defeats the silence of implicit rejection (FIPS 203 section 6.3: a modified
 * ciphertext decapsulates, without an error, to an unrelated key):
 *
 *   confirmation = HMAC-SHA256(K_c, cipher),
 *   K_c = HKDF-SHA256(ikm = shared_key, salt = empty, info = "pq-crypto-api/v1/key-confirmation", L = 32)
 *
 * (RFC 2104 HMAC, RFC 5869 HKDF, through @noble/hashes; the comparison is node:crypto's
 * timingSafeEqual. node:crypto's createHmac + hkdfSync were tried three times in issue 19: alone
 * in a loop they cost less (11.5 against 19.3 µs on Node 24 once run without stack traces,
 * quiet.ts; 13.0 against 22.7 on Node 20), but the whole server measured dearer with them (Node 24,
 * bench/ab.ts, 16 keys: 202.8 against 195.5 µs of CPU a request). The MAC key has its own HKDF
 * label, so it is unrelated to the AES key derived from the same shared key (kdf.ts); binding the
 * ciphertext makes a confirmation useless for any other ciphertext. The client package computes
 * the same (packages/client/src/local.ts keyConfirmation), so a peer that encapsulates locally can
 * send it.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CryptoInputError } from './errors.ts';

export const KEY_CONFIRMATION_INFO = 'pq-crypto-api/v1/key-confirmation';
/** HMAC-SHA256 output. */
export const KEY_CONFIRMATION_BYTES = 32;
const SHARED_KEY_BYTES = 32;
const INFO = new TextEncoder().encode(KEY_CONFIRMATION_INFO);

/**
 * The key confirmation of `cipher` under `sharedKey` (32 bytes, as every KEM here gives).
 * @throws CryptoInputError('shared_key') when the shared key is not 32 bytes.
 */
export function keyConfirmation(sharedKey: Uint8Array, cipher: Uint8Array): Uint8Array {
  if (sharedKey.length !== SHARED_KEY_BYTES) throw new CryptoInputError('shared_key', `a shared key is ${SHARED_KEY_BYTES} bytes, got ${sharedKey.length}`);
  const macKey = hkdf(sha256, sharedKey, new Uint8Array(0), INFO, 32);
  try {
    return hmac(sha256, macKey, cipher);
  } finally {
    macKey.fill(0);
  }
}

/**
 * Whether `confirmation` is the key confirmation of `cipher` under `sharedKey`, compared in
 * constant time (the time depends only on the lengths). One of the wrong length is simply false.
 * @throws CryptoInputError('shared_key') when the shared key is not 32 bytes.
 */
export function checkKeyConfirmation(sharedKey: Uint8Array, cipher: Uint8Array, confirmation: Uint8Array): boolean {
  const expected = keyConfirmation(sharedKey, cipher);
  return confirmation.length === KEY_CONFIRMATION_BYTES && timingSafeEqual(expected, confirmation);
}
