/**
 * ML-KEM (FIPS 203) key generation, encapsulation and decapsulation, via @noble/post-quantum
 * (synchronous: the reference the backends are checked against, and the fixed examples), plus
 * the input checks both backends share (checkEncapsulationKey, checkDecapsulationKey).
 *
 * - Secret keys are kept as the 64-byte seed d || z (FIPS 203 algorithm 16, ML-KEM.KeyGen_internal)
 *   and expanded on use; the expanded decapsulation key is never stored.
 * - Encapsulation performs the input checks of FIPS 203 section 7.2 itself (checkEncapsulationKey):
 *   the key's length, and the modulus check (every coefficient decoded from the key must be below
 *   q = 3329). A library failure after that is an internal error, not the caller's.
 * - Decapsulation never fails on a well-sized ciphertext: a modified ciphertext yields a
 *   different, pseudo-random shared secret (implicit rejection, FIPS 203 section 6.3, K-bar =
 *   J(z || c)). Only a ciphertext of the wrong length is refused (and, with an externally supplied
 *   expanded key, one failing the section 7.3 hash check: see kemDecapsulateWithSecretKey).
 * @module
 */
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CryptoInputError } from './errors.ts';
import { KEM_SIZES, kemAlgorithmForPublicKey, type KemAlgorithm } from './params.ts';

/** FIPS 203 section 2.4: the ML-KEM modulus. */
const Q = 3329;

/**
 * The encapsulation-key checks of FIPS 203 section 7.2, done here (not inferred from a library
 * error) so that every backend refuses the same keys for the same reason:
 * 1. type check: the length must be 384k + 32 bytes for one of the sets (800, 1184, 1568);
 * 2. modulus check: ByteEncode12(ByteDecode12(ek[0:384k])) = ek[0:384k], which holds exactly when
 *    every 12-bit coefficient decoded from the key is below q = 3329.
 * @returns the parameter set the key's length selects.
 * @throws CryptoInputError('pk') when either check fails.
 */
export function checkEncapsulationKey(publicKey: Uint8Array): KemAlgorithm {
  const algorithm = kemAlgorithmForPublicKey(publicKey.length);
  if (!algorithm) throw new CryptoInputError('pk', `ML-KEM public key must be 800, 1184 or 1568 bytes, got ${publicKey.length}`);
  const encoded = publicKey.length - 32; // 384k bytes of t-hat, then the 32-byte seed rho
  for (let i = 0; i < encoded; i += 3) {
    // Three bytes hold two little-endian 12-bit coefficients (FIPS 203 algorithm 6, d = 12).
    const b0 = publicKey[i]!;
    const b1 = publicKey[i + 1]!;
    const b2 = publicKey[i + 2]!;
    if ((b0 | ((b1 & 0x0f) << 8)) >= Q || ((b1 >> 4) | (b2 << 4)) >= Q) {
      throw new CryptoInputError('pk', `${algorithm} public key fails the FIPS 203 modulus check (a coefficient is not below q)`);
    }
  }
  return algorithm;
}

/**
 * The decapsulation-key checks of FIPS 203 section 7.3 for an externally supplied expanded key
 * dk = dk_PKE (384k) || ek (384k + 32) || H(ek) (32) || z (32): its length, and the hash check
 * H(ek) = SHA3-256 of the ek it embeds. A dk built from a seed always passes.
 * @throws CryptoInputError('sk') when either check fails.
 */
export function checkDecapsulationKey(algorithm: KemAlgorithm, secretKey: Uint8Array): void {
  const expected = KEM_SIZES[algorithm].secretKey;
  if (secretKey.length !== expected) {
    throw new CryptoInputError('sk', `${algorithm} decapsulation key must be ${expected} bytes, got ${secretKey.length}`);
  }
  const ekStart = KEM_SIZES[algorithm].publicKey - 32; // dk_PKE is as long as ek's t-hat part
  const ekEnd = ekStart + KEM_SIZES[algorithm].publicKey;
  const digest = sha3_256(secretKey.subarray(ekStart, ekEnd));
  let diff = 0;
  for (let i = 0; i < 32; i++) diff |= digest[i]! ^ secretKey[ekEnd + i]!;
  if (diff !== 0) throw new CryptoInputError('sk', `${algorithm} decapsulation key fails the FIPS 203 hash check (H(ek) does not match)`);
}

/** A failure inside the library after every input check passed: a bug or a broken runtime, never the caller's input. */
export function internalCryptoError(operation: string, cause: unknown): Error {
  return new Error(`${operation} failed after its inputs passed every check`, { cause });
}

const IMPL = Object.freeze({ 'ML-KEM-512': ml_kem512, 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024 });

export interface KemKeyPair {
  readonly algorithm: KemAlgorithm;
  readonly publicKey: Uint8Array;
  /** d || z: all that is needed to rebuild the secret key. Secret. */
  readonly seed: Uint8Array;
}

/** FIPS 203 ML-KEM.KeyGen; `seed` (d || z, 64 bytes) makes it deterministic, as for test vectors. */
export function kemKeygen(algorithm: KemAlgorithm, seed: Uint8Array = randomBytes(64)): KemKeyPair {
  checkSeed(algorithm, seed);
  const { publicKey } = IMPL[algorithm].keygen(seed);
  return { algorithm, publicKey, seed };
}

/**
 * The expanded decapsulation key (FIPS 203 dk) for a seed. Secret; do not store it.
 * @throws CryptoInputError('seed') when the seed is not 64 bytes.
 */
export function kemSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Uint8Array {
  checkSeed(algorithm, seed);
  return IMPL[algorithm].keygen(seed).secretKey;
}

export function checkSeed(algorithm: KemAlgorithm, seed: Uint8Array): void {
  const expected = KEM_SIZES[algorithm].seed;
  if (seed.length !== expected) throw new CryptoInputError('seed', `ML-KEM seed must be ${expected} bytes, got ${seed.length}`);
}

export function checkCipherText(algorithm: KemAlgorithm, cipherText: Uint8Array): void {
  const expected = KEM_SIZES[algorithm].cipherText;
  if (cipherText.length !== expected) {
    throw new CryptoInputError('cipher', `${algorithm} ciphertext must be ${expected} bytes, got ${cipherText.length}`);
  }
}

export interface Encapsulation {
  readonly algorithm: KemAlgorithm;
  readonly cipherText: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/**
 * FIPS 203 ML-KEM.Encaps. The parameter set comes from the key's length. `message` (32 bytes)
 * is the randomness m, for test vectors only.
 * @throws CryptoInputError('pk') on a wrong length or a failed modulus check (checkEncapsulationKey);
 *   CryptoInputError('message') when `message` is given and is not 32 bytes. Any later failure is
 *   an internal error, not the caller's.
 */
export function kemEncapsulate(publicKey: Uint8Array, message?: Uint8Array): Encapsulation {
  const algorithm = checkEncapsulationKey(publicKey);
  checkEncapsulationRandomness(message);
  let out: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    out = IMPL[algorithm].encapsulate(publicKey, message);
  } catch (err) {
    throw internalCryptoError(`${algorithm} encapsulation`, err);
  }
  return { algorithm, ...out };
}

export function checkEncapsulationRandomness(message: Uint8Array | undefined): void {
  if (message !== undefined && message.length !== 32) {
    throw new CryptoInputError('message', `ML-KEM encapsulation randomness must be 32 bytes, got ${message.length}`);
  }
}

/**
 * FIPS 203 ML-KEM.Decaps from the stored seed. Implicit rejection: a modified ciphertext gives a
 * different shared secret, not an error. The expanded key lives only for the call and is wiped.
 * @throws CryptoInputError('cipher') when the ciphertext length does not match the set;
 *   CryptoInputError('seed') when the seed is not 64 bytes.
 */
export function kemDecapsulate(algorithm: KemAlgorithm, seed: Uint8Array, cipherText: Uint8Array): Uint8Array {
  checkCipherText(algorithm, cipherText); // before the (comparatively costly) key expansion
  const secretKey = kemSecretKey(algorithm, seed);
  try {
    return kemDecapsulateWithSecretKey(algorithm, secretKey, cipherText);
  } finally {
    secretKey.fill(0);
  }
}

/**
 * FIPS 203 ML-KEM.Decaps with an expanded decapsulation key dk, as the ACVP vectors give it.
 * Performs the decapsulation input checks of FIPS 203 section 7.3: ciphertext length, dk length,
 * and the hash check (dk must embed H(ek) of the ek it embeds). A dk built from a seed always
 * passes; only an externally supplied dk can fail. Implicit rejection as for kemDecapsulate.
 * @throws CryptoInputError('cipher') when the ciphertext length does not match the set;
 *   CryptoInputError('sk') when dk has the wrong length or fails the hash check.
 */
export function kemDecapsulateWithSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array, cipherText: Uint8Array): Uint8Array {
  checkCipherText(algorithm, cipherText);
  checkDecapsulationKey(algorithm, secretKey);
  try {
    return IMPL[algorithm].decapsulate(cipherText, secretKey);
  } catch (err) {
    throw internalCryptoError(`${algorithm} decapsulation`, err);
  }
}
