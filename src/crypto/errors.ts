/**
 * The errors the crypto core throws on purpose:
 * - CryptoInputError: an input that is well formed as bytes but not acceptable to the algorithm
 *   (a public key failing the FIPS 203 section 7.2 modulus check, a ciphertext of the wrong
 *   length). `field` names the input, so callers can report it without the core knowing anything
 *   about HTTP.
 * - DecryptionError: a failed AEAD tag.
 * - CryptoBusyError: work refused by the scheduler (a full queue, a missed start deadline).
 * @module
 */
export class CryptoInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoInputError';
  }
}

/** AES-GCM authentication failed: wrong key, wrong associated data, or a modified ciphertext. */
export class DecryptionError extends Error {
  constructor() {
    super('decryption failed: wrong key, wrong aad, or the ciphertext was modified');
    this.name = 'DecryptionError';
  }
}

/**
 * Crypto work refused because the service is busy, not because of the input: the tenant's queue
 * in the lane is full (`tenant-queue-full`) or the operation could not start within the queue
 * deadline (`queue-timeout`); scheduler.ts. The HTTP layer answers 503 `crypto-busy` with
 * Retry-After: `retryAfterSeconds`. No crypto ran.
 */
export class CryptoBusyError extends Error {
  constructor(
    readonly reason: 'tenant-queue-full' | 'queue-timeout',
    readonly lane: 'fast' | 'slow',
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoBusyError';
  }
}
