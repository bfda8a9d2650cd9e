/**
 * The one error the crypto core throws on purpose: an input that is well formed as bytes but not
 * acceptable to the algorithm (a public key failing the FIPS 203 section 7.2 modulus check, a
 * ciphertext of the wrong length, a failed AEAD tag). `field` names the input, so callers can
 * report it without the core knowing anything about HTTP.
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
