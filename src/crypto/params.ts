/**
 * Parameter tables for the algorithms the service offers, and nothing else.
 *
 * Sizes are the byte lengths of the standard encodings:
 * - ML-KEM: FIPS 203 section 8, table 3 (encapsulation key, ciphertext; seeds d || z are 64 bytes).
 * - ML-DSA: FIPS 204 section 4, table 2 (public key, secret key, signature; the key-generation seed xi is 32 bytes).
 *
 * The service recognises a parameter set from the public key's length alone, which works because
 * the lengths within each family are distinct.
 * @module
 */

export const KEM_ALGORITHMS = Object.freeze(['ML-KEM-512', 'ML-KEM-768', 'ML-KEM-1024'] as const);
export type KemAlgorithm = (typeof KEM_ALGORITHMS)[number];
export const DEFAULT_KEM_ALGORITHM: KemAlgorithm = 'ML-KEM-768';

export const DSA_ALGORITHMS = Object.freeze(['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87'] as const);
export type DsaAlgorithm = (typeof DSA_ALGORITHMS)[number];
/** The algorithm of each tenant's default signing key (NIST security category 3, like ML-KEM-768). */
export const DEFAULT_DSA_ALGORITHM: DsaAlgorithm = 'ML-DSA-65';

export interface KemSizes {
  readonly publicKey: number;
  readonly cipherText: number;
  readonly secretKey: number;
  /** d || z, FIPS 203 algorithm 19 (ML-KEM.KeyGen) inputs. */
  readonly seed: 64;
  readonly sharedSecret: 32;
}

export const KEM_SIZES: Readonly<Record<KemAlgorithm, KemSizes>> = Object.freeze({
  'ML-KEM-512': Object.freeze({ publicKey: 800, cipherText: 768, secretKey: 1632, seed: 64, sharedSecret: 32 }),
  'ML-KEM-768': Object.freeze({ publicKey: 1184, cipherText: 1088, secretKey: 2400, seed: 64, sharedSecret: 32 }),
  'ML-KEM-1024': Object.freeze({ publicKey: 1568, cipherText: 1568, secretKey: 3168, seed: 64, sharedSecret: 32 }),
} as const);

export interface DsaSizes {
  readonly publicKey: number;
  /** The expanded secret key (FIPS 204 skEncode); the service stores only the seed. */
  readonly secretKey: number;
  readonly signature: number;
  /** xi, FIPS 204 algorithm 1 (ML-DSA.KeyGen) input. */
  readonly seed: 32;
}

export const DSA_SIZES: Readonly<Record<DsaAlgorithm, DsaSizes>> = Object.freeze({
  'ML-DSA-44': Object.freeze({ publicKey: 1312, secretKey: 2560, signature: 2420, seed: 32 }),
  'ML-DSA-65': Object.freeze({ publicKey: 1952, secretKey: 4032, signature: 3309, seed: 32 }),
  'ML-DSA-87': Object.freeze({ publicKey: 2592, secretKey: 4896, signature: 4627, seed: 32 }),
} as const);

/** FIPS 204 section 5.2: the context string is at most 255 bytes. */
export const MAX_DSA_CONTEXT_BYTES = 255;

/** The ML-KEM set whose encapsulation key has this many bytes, if any. */
export function kemAlgorithmForPublicKey(length: number): KemAlgorithm | undefined {
  return KEM_ALGORITHMS.find((a) => KEM_SIZES[a].publicKey === length);
}

/** The ML-DSA set whose public key has this many bytes, if any. */
export function dsaAlgorithmForPublicKey(length: number): DsaAlgorithm | undefined {
  return DSA_ALGORITHMS.find((a) => DSA_SIZES[a].publicKey === length);
}
