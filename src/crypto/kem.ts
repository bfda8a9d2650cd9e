/**
 * ML-KEM (FIPS 203) and X-Wing (draft-connolly-cfrg-xwing-kem-10, see xwing.ts) key generation,
 * encapsulation and decapsulation, via @noble/post-quantum (synchronous: the reference the
 * backends are checked against, and the fixed examples), plus the input checks both backends
 * share (checkEncapsulationKey, checkDecapsulationKey, checkCipherText, checkSeed).
 *
 * - Secret keys are kept as a seed and expanded on use: ML-KEM's 64-byte d || z (FIPS 203
 *   algorithm 16, ML-KEM.KeyGen_internal), X-Wing's 32-byte sk; the expanded key is never stored.
 * - Encapsulation performs the input checks of FIPS 203 section 7.2 itself (checkEncapsulationKey):
 *   the key's length, and the modulus check (every coefficient decoded from the key must be below
 *   q = 3329), for X-Wing on its ML-KEM-768 part, plus X-Wing's low-order X25519 check. A library
 *   failure after that is an internal error, not the caller's.
 * - Decapsulation never fails on a well-formed ciphertext: a modified ciphertext yields a
 *   different, pseudo-random shared secret (implicit rejection, FIPS 203 section 6.3, K-bar =
 *   J(z || c)). Only a ciphertext of the wrong length is refused (and an X-Wing one whose X25519
 *   part is low-order; and, with an externally supplied expanded ML-KEM key, one failing the
 *   section 7.3 hash check: see kemDecapsulateWithSecretKey).
 * @module
 */
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CryptoInputError } from './errors.ts';
import { ALGORITHMS, KEM_SIZES, type KemAlgorithm, type MlKemAlgorithm } from './algorithms.ts';
import { isLowOrderX25519, XWING_ML_KEM_CIPHERTEXT_BYTES, XWING_ML_KEM_PUBLIC_KEY_BYTES } from './xwing.ts';

/** FIPS 203 section 2.4: the ML-KEM modulus. */
const Q = 3329;

/**
 * The encapsulation-key checks of FIPS 203 section 7.2 for a key of the named algorithm, done here
 * (not inferred from a library error) so that every backend refuses the same keys for the same
 * reason:
 * 1. type check: the length must be the set's, 384k + 32 bytes (800, 1184, 1568), or 1216 for
 *    X-Wing;
 * 2. modulus check: ByteEncode12(ByteDecode12(ek[0:384k])) = ek[0:384k], which holds exactly when
 *    every 12-bit coefficient decoded from the key is below q = 3329 (for X-Wing: of pk_M, the
 *    draft's section 4 requires it);
 * 3. X-Wing only: pk_X is not a low-order X25519 point (xwing.ts).
 * The algorithm is the caller's: it is never guessed from the length here (a caller with only a
 * key finds it once with algorithms.ts kemAlgorithmForPublicKey).
 * @throws CryptoInputError('pk') when a check fails.
 */
export function checkEncapsulationKey(algorithm: KemAlgorithm, publicKey: Uint8Array): void {
  const expected = KEM_SIZES[algorithm].publicKey;
  if (publicKey.length !== expected) throw new CryptoInputError('pk', `${algorithm} public key must be ${expected} bytes, got ${publicKey.length}`);
  if (algorithm !== 'X-Wing') {
    checkModulus(publicKey, algorithm, `${algorithm} public key fails the FIPS 203 modulus check (a coefficient is not below q)`);
    return;
  }
  checkModulus(publicKey.subarray(0, XWING_ML_KEM_PUBLIC_KEY_BYTES), 'ML-KEM-768', 'X-Wing public key: its ML-KEM-768 part fails the FIPS 203 modulus check (a coefficient is not below q)');
  if (isLowOrderX25519(publicKey.subarray(XWING_ML_KEM_PUBLIC_KEY_BYTES))) {
    throw new CryptoInputError('pk', 'X-Wing public key: its X25519 part is a low-order point (X25519 with it gives zero)');
  }
}

/** The section 7.2 modulus check of an ML-KEM encapsulation key `ek` of the set `algorithm`. */
function checkModulus(ek: Uint8Array, algorithm: MlKemAlgorithm, message: string): void {
  const encoded = KEM_SIZES[algorithm].publicKey - 32; // 384k bytes of t-hat, then the 32-byte seed rho
  for (let i = 0; i < encoded; i += 3) {
    // Three bytes hold two little-endian 12-bit coefficients (FIPS 203 algorithm 6, d = 12).
    const b0 = ek[i]!;
    const b1 = ek[i + 1]!;
    const b2 = ek[i + 2]!;
    if ((b0 | ((b1 & 0x0f) << 8)) >= Q || ((b1 >> 4) | (b2 << 4)) >= Q) throw new CryptoInputError('pk', message);
  }
}

/**
 * The decapsulation-key checks of FIPS 203 section 7.3 for an externally supplied expanded key
 * dk = dk_PKE (384k) || ek (384k + 32) || H(ek) (32) || z (32): its length, and the hash check
 * H(ek) = SHA3-256 of the ek it embeds. A dk built from a seed always passes. An X-Wing
 * decapsulation key is its 32-byte seed: only its length is checked.
 * @throws CryptoInputError('sk') when either check fails.
 */
export function checkDecapsulationKey(algorithm: KemAlgorithm, secretKey: Uint8Array): void {
  const expected = KEM_SIZES[algorithm].secretKey;
  if (secretKey.length !== expected) {
    throw new CryptoInputError('sk', `${algorithm} decapsulation key must be ${expected} bytes, got ${secretKey.length}`);
  }
  if (algorithm === 'X-Wing') return;
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

/** Runs a library call whose inputs were checked: any failure is an internal error (internalCryptoError). */
export function checkedCall<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw internalCryptoError(operation, err);
  }
}

/** The noble implementation of each KEM (the noble backend calls these inline for ML-KEM: costs.ts runsInline). */
export const NOBLE_KEM = Object.freeze({ 'ML-KEM-512': ml_kem512, 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024, 'X-Wing': ml_kem768_x25519 });

export interface KemKeyPair {
  readonly algorithm: KemAlgorithm;
  readonly publicKey: Uint8Array;
  /** d || z (ML-KEM) or sk (X-Wing): all that is needed to rebuild the secret key. Secret. */
  readonly seed: Uint8Array;
}

/** FIPS 203 ML-KEM.KeyGen or X-Wing GenerateKeyPair; `seed` (d || z, 64 bytes; X-Wing: 32) makes it deterministic, as for test vectors. */
export function kemKeygen(algorithm: KemAlgorithm, seed: Uint8Array = randomBytes(KEM_SIZES[algorithm].seed)): KemKeyPair {
  checkSeed(algorithm, seed);
  const { publicKey } = NOBLE_KEM[algorithm].keygen(seed);
  return { algorithm, publicKey, seed };
}

/**
 * The expanded decapsulation key (FIPS 203 dk) for a seed (for X-Wing, whose key is the seed, a
 * copy of it). Secret; do not store it.
 * @throws CryptoInputError('seed') when the seed has the wrong length.
 */
export function kemSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Uint8Array {
  checkSeed(algorithm, seed);
  return NOBLE_KEM[algorithm].keygen(seed).secretKey;
}

export function checkSeed(algorithm: KemAlgorithm, seed: Uint8Array): void {
  const expected = KEM_SIZES[algorithm].seed;
  if (seed.length !== expected) throw new CryptoInputError('seed', `${ALGORITHMS[algorithm].scheme} seed must be ${expected} bytes, got ${seed.length}`);
}

/**
 * The ciphertext's length for the key's set; for X-Wing also that ct_X is not a low-order point (xwing.ts).
 * @throws CryptoInputError('cipher') otherwise.
 */
export function checkCipherText(algorithm: KemAlgorithm, cipherText: Uint8Array): void {
  const expected = KEM_SIZES[algorithm].cipherText;
  if (cipherText.length !== expected) {
    throw new CryptoInputError('cipher', `${algorithm} ciphertext must be ${expected} bytes, got ${cipherText.length}`);
  }
  if (algorithm === 'X-Wing' && isLowOrderX25519(cipherText.subarray(XWING_ML_KEM_CIPHERTEXT_BYTES))) {
    throw new CryptoInputError('cipher', 'X-Wing ciphertext: its X25519 part is a low-order point (X25519 with it gives zero)');
  }
}

export interface Encapsulation {
  readonly algorithm: KemAlgorithm;
  readonly cipherText: Uint8Array;
  readonly sharedSecret: Uint8Array;
}

/**
 * FIPS 203 ML-KEM.Encaps or X-Wing Encapsulate to a key of the named algorithm. `message` is the
 * randomness, for test vectors only: ML-KEM's m (32 bytes), X-Wing's eseed (64).
 * @throws CryptoInputError('pk') on a wrong length or a failed check (checkEncapsulationKey);
 *   CryptoInputError('message') when `message` is given with the wrong length. Any later failure
 *   is an internal error, not the caller's.
 */
export function kemEncapsulate(algorithm: KemAlgorithm, publicKey: Uint8Array, message?: Uint8Array): Encapsulation {
  checkEncapsulationKey(algorithm, publicKey);
  checkEncapsulationRandomness(algorithm, message);
  const out = checkedCall(`${algorithm} encapsulation`, () => NOBLE_KEM[algorithm].encapsulate(publicKey, message));
  return { algorithm, ...out };
}

export function checkEncapsulationRandomness(algorithm: KemAlgorithm, message: Uint8Array | undefined): void {
  const expected = KEM_SIZES[algorithm].encapsulationRandomness;
  if (message !== undefined && message.length !== expected) {
    throw new CryptoInputError('message', `${algorithm} encapsulation randomness must be ${expected} bytes, got ${message.length}`);
  }
}

/**
 * FIPS 203 ML-KEM.Decaps (or X-Wing Decapsulate) from the stored seed. Implicit rejection: a
 * modified ciphertext gives a different shared secret, not an error. The expanded key lives only
 * for the call and is wiped.
 * @throws CryptoInputError('cipher') when the ciphertext does not fit the set (checkCipherText);
 *   CryptoInputError('seed') when the seed has the wrong length.
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
 * FIPS 203 ML-KEM.Decaps with an expanded decapsulation key dk, as the ACVP vectors give it (for
 * X-Wing: its 32-byte sk). Performs the decapsulation input checks of FIPS 203 section 7.3:
 * ciphertext length, dk length, and the hash check (dk must embed H(ek) of the ek it embeds). A
 * dk built from a seed always passes; only an externally supplied dk can fail. Implicit rejection
 * as for kemDecapsulate.
 * @throws CryptoInputError('cipher') when the ciphertext does not fit the set (checkCipherText);
 *   CryptoInputError('sk') when dk has the wrong length or fails the hash check.
 */
export function kemDecapsulateWithSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array, cipherText: Uint8Array): Uint8Array {
  checkCipherText(algorithm, cipherText);
  checkDecapsulationKey(algorithm, secretKey);
  return checkedCall(`${algorithm} decapsulation`, () => NOBLE_KEM[algorithm].decapsulate(cipherText, secretKey));
}
