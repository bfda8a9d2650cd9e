/**
 * Key confirmation for a KEM exchange: proof that both sides hold the same shared key for this
 * ciphertext. It defeats the silence of implicit rejection (FIPS 203 section 6.3: a modified
 * ciphertext decapsulates, without an error, to an unrelated key):
 *
 *   confirmation = HMAC-SHA256(K_c, cipher),
 *   K_c = HKDF-SHA256(ikm = shared_key, salt = empty, info = "pq-crypto-api/v1/key-confirmation", L = 32)
 *
 * (RFC 2104 HMAC and RFC 5869 HKDF, built here on node:crypto's one-shot SHA-256, since each
 * call of this function is on the plain encapsulate path: through @noble/hashes it took ~30 us per
 * call, through node:crypto's createHmac and hkdfSync ~45 us on Node 24 (OpenSSL 3.5 sets up a MAC
 * context per call), this way ~10 us on Node 20 and 24. test/crypto/confirmation.test.ts checks
 * it against @noble/hashes and the client package. The comparison is node:crypto's
 * timingSafeEqual.) The MAC key has its own HKDF label, so it is unrelated to the AES key derived
 * from the same shared key (kdf.ts); binding the ciphertext
 * makes a confirmation useless for any other ciphertext. The client package computes the same
 * (packages/client/src/local.ts keyConfirmation), so a peer that encapsulates locally can send it.
 * @module
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { CryptoInputError } from './errors.ts';

export const KEY_CONFIRMATION_INFO = 'pq-crypto-api/v1/key-confirmation';
/** HMAC-SHA256 output. */
export const KEY_CONFIRMATION_BYTES = 32;
const SHARED_KEY_BYTES = 32;
const INFO = new TextEncoder().encode(KEY_CONFIRMATION_INFO);
/** HKDF-Expand's one block for L = 32 (RFC 5869 section 2.3): T(1) = HMAC(PRK, info || 0x01). */
const INFO_1 = Uint8Array.from([...INFO, 1]);
/** RFC 5869 section 2.2: an absent salt is HashLen zero bytes. */
const NO_SALT = new Uint8Array(32);
/** SHA-256's block size, and RFC 2104's pads. */
const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * HMAC-SHA256 (RFC 2104) for a key of at most one block (every key here is 32 bytes): the key
 * zero-padded to 64 bytes, H((K ^ opad) || H((K ^ ipad) || message)). The buffers holding the
 * padded key are wiped before returning.
 */
function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (key.length > BLOCK) throw new RangeError('hmacSha256 takes keys of at most 64 bytes');
  const inner = new Uint8Array(BLOCK + message.length);
  const outer = new Uint8Array(BLOCK + 32);
  try {
    for (let i = 0; i < BLOCK; i++) {
      const k = key[i] ?? 0;
      inner[i] = k ^ IPAD;
      outer[i] = k ^ OPAD;
    }
    inner.set(message, BLOCK);
    outer.set(hash('sha256', inner, 'buffer'), BLOCK);
    return new Uint8Array(hash('sha256', outer, 'buffer'));
  } finally {
    inner.fill(0, 0, BLOCK);
    outer.fill(0);
  }
}

/**
 * The key confirmation of `cipher` under `sharedKey` (32 bytes, as every KEM here gives).
 * @throws CryptoInputError('shared_key') when the shared key is not 32 bytes.
 */
export function keyConfirmation(sharedKey: Uint8Array, cipher: Uint8Array): Uint8Array {
  if (sharedKey.length !== SHARED_KEY_BYTES) throw new CryptoInputError('shared_key', `a shared key is ${SHARED_KEY_BYTES} bytes, got ${sharedKey.length}`);
  // HKDF-SHA256 (RFC 5869): extract with no salt, expand one block of 32 bytes.
  const prk = hmacSha256(NO_SALT, sharedKey);
  const macKey = hmacSha256(prk, INFO_1);
  prk.fill(0);
  try {
    return hmacSha256(macKey, cipher);
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
