/**
 * Signatures through the external, pure interfaces, with a context string of 0 to 255 bytes,
 * via @noble/post-quantum (synchronous: the reference the backends are checked against, and the
 * fixed examples), plus the input checks both backends share:
 * - ML-DSA, FIPS 204 algorithms 2 and 3 (ML-DSA.Sign / ML-DSA.Verify);
 * - SLH-DSA, FIPS 205 algorithms 22 and 24 (slh_sign / slh_verify), the four 128-bit sets.
 *
 * - Secret keys are kept as the seed of algorithms.ts: ML-DSA's 32-byte xi (FIPS 204 algorithm 6),
 *   expanded on use; SLH-DSA's 64-byte secret key itself (see algorithms.ts for why not the
 *   48-byte slh_keygen_internal input; slhDsaKeygenInternal runs that algorithm for vectors).
 * - Signing is hedged (fresh randomness, FIPS 204 section 3.4; FIPS 205 opt_rand) unless
 *   deterministic output is asked for, as the test vectors do (ML-DSA rnd = 0^32; SLH-DSA
 *   opt_rand = PK.seed, FIPS 205 section 10.2.1).
 * - Verification returns false for any signature that does not verify, including one of the wrong
 *   length; it never throws for a bad signature. Here (the synchronous reference) the algorithm comes
 *   from the public key's length
 *   where that is unambiguous (ML-DSA), else it must be named (SLH-DSA: four sets share 32 bytes).
 * @module
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { slh_dsa_sha2_128f, slh_dsa_sha2_128s, slh_dsa_shake_128f, slh_dsa_shake_128s } from '@noble/post-quantum/slh-dsa.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ALGORITHMS, isSlhDsaAlgorithm, type SlhDsaAlgorithm } from './algorithms.ts';
import { CryptoInputError } from './errors.ts';
import { DSA_SIZES, MAX_DSA_CONTEXT_BYTES, dsaAlgorithmsMatching, type DsaAlgorithm } from './algorithms.ts';

const IMPL = Object.freeze({
  'ML-DSA-44': ml_dsa44,
  'ML-DSA-65': ml_dsa65,
  'ML-DSA-87': ml_dsa87,
  'SLH-DSA-SHA2-128s': slh_dsa_sha2_128s,
  'SLH-DSA-SHA2-128f': slh_dsa_sha2_128f,
  'SLH-DSA-SHAKE-128s': slh_dsa_shake_128s,
  'SLH-DSA-SHAKE-128f': slh_dsa_shake_128f,
});

export interface DsaKeyPair {
  readonly algorithm: DsaAlgorithm;
  readonly publicKey: Uint8Array;
  /** All that is needed to rebuild the secret key (ML-DSA: xi; SLH-DSA: the 64-byte secret key). Secret. */
  readonly seed: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** @throws CryptoInputError('context') when the context is over 255 bytes. */
export function checkDsaContext(context: Uint8Array): void {
  if (context.length > MAX_DSA_CONTEXT_BYTES) {
    throw new CryptoInputError('context', `context must be at most ${MAX_DSA_CONTEXT_BYTES} bytes, got ${context.length}`);
  }
}

/** @throws CryptoInputError('pk') when the public key does not have the named set's length (what the backends' verify checks). */
export function checkDsaPublicKey(algorithm: DsaAlgorithm, publicKey: Uint8Array): void {
  const expected = DSA_SIZES[algorithm].publicKey;
  if (publicKey.length !== expected) throw new CryptoInputError('pk', `${algorithm} public key must be ${expected} bytes, got ${publicKey.length}`);
}

/** @throws CryptoInputError('seed') when the stored secret has the wrong length for the algorithm. */
export function checkDsaSeed(algorithm: DsaAlgorithm, seed: Uint8Array): void {
  const expected = DSA_SIZES[algorithm].seed;
  if (seed.length !== expected) {
    const what = isSlhDsaAlgorithm(algorithm) ? `${algorithm} secret key (the stored seed)` : `${ALGORITHMS[algorithm].scheme} seed`;
    throw new CryptoInputError('seed', `${what} must be ${expected} bytes, got ${seed.length}`);
  }
}

/** @throws CryptoInputError('sk') when an externally supplied secret key has the wrong length. */
export function checkDsaSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array): void {
  const expected = DSA_SIZES[algorithm].secretKey;
  if (secretKey.length !== expected) throw new CryptoInputError('sk', `${algorithm} secret key must be ${expected} bytes, got ${secretKey.length}`);
}

/** @throws CryptoInputError('randomness') when caller-given signing randomness has the wrong length (32 bytes for ML-DSA, 16 for SLH-DSA-128). */
export function checkDsaRandomness(algorithm: DsaAlgorithm, randomness: Uint8Array | undefined): void {
  const expected = DSA_SIZES[algorithm].signingRandomness;
  if (randomness !== undefined && randomness.length !== expected) {
    throw new CryptoInputError('randomness', `${algorithm} signing randomness must be ${expected} bytes, got ${randomness.length}`);
  }
}

/**
 * The algorithm to verify a public key under: `algorithm` when given (the key must have its
 * length), else the one algorithm whose public keys have the key's length.
 * @throws CryptoInputError('pk') when the length fits no algorithm, fits several (a 32-byte
 *   SLH-DSA key: name the set), or does not fit the named one.
 */
export function dsaAlgorithmOf(publicKey: Uint8Array, algorithm?: DsaAlgorithm): DsaAlgorithm {
  if (algorithm !== undefined) {
    checkDsaPublicKey(algorithm, publicKey);
    return algorithm;
  }
  const candidates = dsaAlgorithmsMatching({ publicKey: publicKey.length });
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length > 1) {
    throw new CryptoInputError('pk', `a ${publicKey.length}-byte public key may be ${candidates.join(', ')}: the algorithm must be named`);
  }
  throw new CryptoInputError('pk', `ML-DSA public key must be 1312, 1952 or 2592 bytes, got ${publicKey.length} (an SLH-DSA key is 32, with its algorithm named)`);
}

/**
 * Key generation. ML-DSA: FIPS 204 ML-DSA.KeyGen, `seed` (xi, 32 bytes) makes it deterministic.
 * SLH-DSA: FIPS 205 slh_keygen with fresh randomness; given a stored 64-byte secret key as
 * `seed`, the pair it holds (pk is its second half).
 * @throws CryptoInputError('seed') when `seed` has the wrong length.
 */
export function dsaKeygen(algorithm: DsaAlgorithm, seed?: Uint8Array): DsaKeyPair {
  if (isSlhDsaAlgorithm(algorithm)) {
    if (seed === undefined) {
      const { publicKey, secretKey } = IMPL[algorithm].keygen();
      return { algorithm, publicKey, seed: secretKey };
    }
    checkDsaSeed(algorithm, seed);
    return { algorithm, publicKey: IMPL[algorithm].getPublicKey(seed), seed };
  }
  seed ??= randomBytes(DSA_SIZES[algorithm].seed);
  checkDsaSeed(algorithm, seed);
  return { algorithm, publicKey: IMPL[algorithm].keygen(seed).publicKey, seed };
}

/**
 * FIPS 205 algorithm 18, slh_keygen_internal(SK.seed, SK.prf, PK.seed), each n = 16 bytes: the
 * key pair whose `seed` is the 64-byte secret key the service stores. For test vectors and fixed
 * examples (synchronous, on the calling thread: 0.2 s to 2.6 s for the "s" sets).
 * @throws CryptoInputError('seed') when a part is not 16 bytes.
 */
export function slhDsaKeygenInternal(algorithm: SlhDsaAlgorithm, skSeed: Uint8Array, skPrf: Uint8Array, pkSeed: Uint8Array): DsaKeyPair {
  for (const part of [skSeed, skPrf, pkSeed]) {
    if (part.length !== 16) throw new CryptoInputError('seed', `SK.seed, SK.prf and PK.seed must be 16 bytes each, got ${part.length}`);
  }
  const seeds = new Uint8Array(48);
  seeds.set(skSeed, 0);
  seeds.set(skPrf, 16);
  seeds.set(pkSeed, 32);
  const { publicKey, secretKey } = IMPL[algorithm].keygen(seeds);
  seeds.fill(0);
  return { algorithm, publicKey, seed: secretKey };
}

/**
 * The secret key as the standard encodes it, for a stored seed: ML-DSA's expanded sk (FIPS 204);
 * SLH-DSA's is the seed itself (a copy). Secret; do not store it.
 * @throws CryptoInputError('seed') when the seed has the wrong length.
 */
export function dsaSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Uint8Array {
  checkDsaSeed(algorithm, seed);
  return isSlhDsaAlgorithm(algorithm) ? seed.slice() : IMPL[algorithm].keygen(seed).secretKey;
}

export interface SignOptions {
  readonly context?: Uint8Array;
  /** Deterministic signing (ML-DSA rnd = 0^32; SLH-DSA opt_rand = PK.seed): for test vectors and reproducible examples only. */
  readonly deterministic?: boolean;
}

/**
 * Signing (pure, external interface) with the secret key rebuilt from its seed; the expanded key
 * is wiped after the call.
 * @throws CryptoInputError('seed') when the seed has the wrong length; CryptoInputError('context') when too long.
 */
export function dsaSign(algorithm: DsaAlgorithm, seed: Uint8Array, message: Uint8Array, opts: SignOptions = {}): Uint8Array {
  checkDsaContext(opts.context ?? EMPTY); // before the key expansion
  const secretKey = dsaSecretKey(algorithm, seed);
  try {
    return dsaSignWithSecretKey(algorithm, secretKey, message, opts);
  } finally {
    secretKey.fill(0);
  }
}

/**
 * Signing (pure, external interface) with the secret key as the standard encodes it, as the ACVP
 * vectors give it.
 * @throws CryptoInputError('sk') when the key length does not match the set; CryptoInputError('context') when too long.
 */
export function dsaSignWithSecretKey(
  algorithm: DsaAlgorithm,
  secretKey: Uint8Array,
  message: Uint8Array,
  { context = EMPTY, deterministic = false }: SignOptions = {},
): Uint8Array {
  checkDsaContext(context);
  checkDsaSecretKey(algorithm, secretKey);
  return IMPL[algorithm].sign(message, secretKey, { context, ...(deterministic ? { extraEntropy: false } : {}) });
}

/**
 * Verification (pure, external interface). The algorithm is `algorithm` when given, else the one
 * whose public keys have the key's length (dsaAlgorithmOf).
 * @throws CryptoInputError('pk') when the algorithm cannot be told or the key does not fit it;
 *   CryptoInputError('context') when the context is too long.
 */
export function dsaVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array = EMPTY, algorithm?: DsaAlgorithm): boolean {
  const chosen = dsaAlgorithmOf(publicKey, algorithm);
  checkDsaContext(context);
  if (signature.length !== DSA_SIZES[chosen].signature) return false;
  try {
    return IMPL[chosen].verify(signature, message, publicKey, { context });
  } catch {
    return false; // malformed encodings inside a well-sized signature are just invalid signatures
  }
}
