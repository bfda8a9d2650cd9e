/**
 * ML-DSA (FIPS 204) signatures through the external interface, pure variant (algorithms 2 and 3:
 * ML-DSA.Sign / ML-DSA.Verify with a context string of 0 to 255 bytes), via @noble/post-quantum.
 *
 * - Secret keys are kept as the 32-byte seed xi (FIPS 204 algorithm 6) and expanded on use.
 * - Signing is hedged (fresh randomness, FIPS 204 section 3.4) unless deterministic output is asked
 *   for, as the test vectors do.
 * - Verification returns false for any signature that does not verify, including one of the wrong
 *   length; it never throws for a bad signature.
 * @module
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { CryptoInputError } from './errors.ts';
import { DSA_SIZES, MAX_DSA_CONTEXT_BYTES, dsaAlgorithmForPublicKey, type DsaAlgorithm } from './params.ts';

const IMPL = Object.freeze({ 'ML-DSA-44': ml_dsa44, 'ML-DSA-65': ml_dsa65, 'ML-DSA-87': ml_dsa87 });

export interface DsaKeyPair {
  readonly algorithm: DsaAlgorithm;
  readonly publicKey: Uint8Array;
  /** xi: all that is needed to rebuild the secret key. Secret. */
  readonly seed: Uint8Array;
}

const EMPTY = new Uint8Array(0);

function checkContext(context: Uint8Array): void {
  if (context.length > MAX_DSA_CONTEXT_BYTES) {
    throw new CryptoInputError('context', `context must be at most ${MAX_DSA_CONTEXT_BYTES} bytes, got ${context.length}`);
  }
}

function checkSeed(algorithm: DsaAlgorithm, seed: Uint8Array): void {
  const expected = DSA_SIZES[algorithm].seed;
  if (seed.length !== expected) throw new CryptoInputError('seed', `ML-DSA seed must be ${expected} bytes, got ${seed.length}`);
}

/** FIPS 204 ML-DSA.KeyGen; `seed` (xi, 32 bytes) makes it deterministic. */
export function dsaKeygen(algorithm: DsaAlgorithm, seed: Uint8Array = randomBytes(32)): DsaKeyPair {
  checkSeed(algorithm, seed);
  return { algorithm, publicKey: IMPL[algorithm].keygen(seed).publicKey, seed };
}

/**
 * The expanded secret key (FIPS 204 sk) for a seed. Secret; do not store it.
 * @throws CryptoInputError('seed') when the seed is not 32 bytes.
 */
export function dsaSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Uint8Array {
  checkSeed(algorithm, seed);
  return IMPL[algorithm].keygen(seed).secretKey;
}

export interface SignOptions {
  readonly context?: Uint8Array;
  /** Deterministic signing (FIPS 204 rnd = 0^32): for test vectors and reproducible examples only. */
  readonly deterministic?: boolean;
}

/**
 * FIPS 204 ML-DSA.Sign (pure) with the secret key rebuilt from its seed; the expanded key is wiped
 * after the call.
 * @throws CryptoInputError('seed') when the seed is not 32 bytes; CryptoInputError('context') when too long.
 */
export function dsaSign(algorithm: DsaAlgorithm, seed: Uint8Array, message: Uint8Array, opts: SignOptions = {}): Uint8Array {
  checkContext(opts.context ?? EMPTY); // before the key expansion
  const secretKey = dsaSecretKey(algorithm, seed);
  try {
    return dsaSignWithSecretKey(algorithm, secretKey, message, opts);
  } finally {
    secretKey.fill(0);
  }
}

/**
 * FIPS 204 ML-DSA.Sign (pure) with an expanded secret key, as the ACVP vectors give it.
 * @throws CryptoInputError('sk') when the key length does not match the set; CryptoInputError('context') when too long.
 */
export function dsaSignWithSecretKey(
  algorithm: DsaAlgorithm,
  secretKey: Uint8Array,
  message: Uint8Array,
  { context = EMPTY, deterministic = false }: SignOptions = {},
): Uint8Array {
  checkContext(context);
  const expected = DSA_SIZES[algorithm].secretKey;
  if (secretKey.length !== expected) {
    throw new CryptoInputError('sk', `${algorithm} secret key must be ${expected} bytes, got ${secretKey.length}`);
  }
  return IMPL[algorithm].sign(message, secretKey, { context, ...(deterministic ? { extraEntropy: false } : {}) });
}

/**
 * FIPS 204 ML-DSA.Verify (pure). The parameter set comes from the public key's length.
 * @throws CryptoInputError('pk') when the length matches no set; CryptoInputError('context') when too long.
 */
export function dsaVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array = EMPTY): boolean {
  const algorithm = dsaAlgorithmForPublicKey(publicKey.length);
  if (!algorithm) {
    throw new CryptoInputError('pk', `ML-DSA public key must be 1312, 1952 or 2592 bytes, got ${publicKey.length}`);
  }
  checkContext(context);
  if (signature.length !== DSA_SIZES[algorithm].signature) return false;
  try {
    return IMPL[algorithm].verify(signature, message, publicKey, { context });
  } catch {
    return false; // malformed encodings inside a well-sized signature are just invalid signatures
  }
}
