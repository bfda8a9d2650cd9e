/**
 * The one registry of the algorithms the service offers: name -> family, scheme, standard, byte
 * sizes, and which implementations can serve it. Everything else (the backends, the HTTP schemas, the
 * costs in costs.ts) derives from this table (KEM_SIZES and DSA_SIZES are its sizes by name); a name not in it does not exist.
 *
 * Sizes are the byte lengths of the standard encodings:
 * - ML-KEM: FIPS 203 section 8, table 3 (encapsulation key, ciphertext, expanded decapsulation key).
 * - X-Wing: draft-connolly-cfrg-xwing-kem-10 section 5.1 (ML-KEM-768 + X25519): encapsulation key
 *   1216 = 1184 + 32, ciphertext 1120 = 1088 + 32, decapsulation key 32 (a seed, expanded with
 *   SHAKE256 on use, section 5.2), shared secret 32; EncapsulateDerand takes 64 bytes (section 5.4.1).
 * - ML-DSA: FIPS 204 section 4, table 2 (public key, expanded secret key, signature).
 * - SLH-DSA: FIPS 205 section 11, table 2 (n = 16 for the 128 sets: public key 2n = 32, secret key
 *   4n = 64, signatures 7856 for the "s" sets and 17088 for the "f" sets; opt_rand is n = 16 bytes).
 *
 * `seed` is the length of the secret the service stores (sealed) and rebuilds the key from, the
 * same on every backend:
 * - ML-KEM: d || z, 64 bytes (FIPS 203 algorithm 16, ML-KEM.KeyGen_internal).
 * - X-Wing: the 32-byte decapsulation key itself (the draft's sk is already a seed).
 * - ML-DSA: xi, 32 bytes (FIPS 204 algorithm 6, ML-DSA.KeyGen_internal).
 * - SLH-DSA: the 64-byte FIPS 205 secret key SK.seed || SK.prf || PK.seed || PK.root, not the
 *   48-byte slh_keygen_internal input SK.seed || SK.prf || PK.seed. node:crypto (OpenSSL 3.5)
 *   offers no 'raw-seed' form for SLH-DSA and cannot run slh_keygen_internal from those 48 bytes;
 *   it imports and exports exactly the 64-byte key ('raw-private'), as noble takes it. Storing it
 *   also saves recomputing PK.root (the top XMSS tree: 0.2 s to 2.6 s in JavaScript for the "s"
 *   sets). PK.root is public (it is the second half of pk); neither library checks it against
 *   the rest on import, so the stored form must come from this service's own key generation
 *   (the sealed record is authenticated).
 *
 * Length-based inference (kemAlgorithmForPublicKey, dsaAlgorithmForPublicKey) answers only where
 * exactly one algorithm has the length: X-Wing's 1216-byte key is unique among the KEMs, but all
 * four SLH-DSA-128 sets have 32-byte public keys. dsaAlgorithmsMatching() lists the candidates; a
 * signature's length separates "s" from "f", never SHA2 from SHAKE, so such a key needs its
 * algorithm named.
 * @module
 */

/** Which implementation serves an algorithm: node:crypto (OpenSSL) or @noble/*. */
export type Implementation = 'native' | 'noble';
export type Family = 'kem' | 'dsa';
export type KemScheme = 'ML-KEM' | 'X-Wing';
export type DsaScheme = 'ML-DSA' | 'SLH-DSA';

export interface KemSizes {
  readonly publicKey: number;
  readonly cipherText: number;
  /** The decapsulation key as the standard encodes it: ML-KEM's expanded dk; X-Wing's 32-byte sk. Only test vectors supply it. */
  readonly secretKey: number;
  /** What the service stores: ML-KEM d || z (64), X-Wing sk (32). */
  readonly seed: number;
  readonly sharedSecret: number;
  /** Caller-given encapsulation randomness, for known-answer tests: ML-KEM m (32), X-Wing eseed (64). */
  readonly encapsulationRandomness: number;
}

export interface DsaSizes {
  readonly publicKey: number;
  /** The secret key as the standard encodes it (ML-DSA: the expanded sk; SLH-DSA: the 64-byte sk). */
  readonly secretKey: number;
  readonly signature: number;
  /** What the service stores: ML-DSA xi (32), SLH-DSA the FIPS 205 secret key (64). */
  readonly seed: number;
  /** Caller-given signing randomness, for known-answer tests: ML-DSA rnd (32), SLH-DSA opt_rand (16). */
  readonly signingRandomness: number;
}

interface Common<N extends string, F extends Family, S extends string> {
  readonly name: N;
  readonly family: F;
  readonly scheme: S;
  /** Where the algorithm and its sizes are specified. */
  readonly standard: string;
  /** node:crypto's asymmetricKeyType, when OpenSSL 3.5 has the algorithm at all (Node >= 24.7). */
  readonly nodeKeyType: string | undefined;
  /** The implementations that can serve it (native only on a runtime that has it). */
  readonly implementations: readonly Implementation[];
}
export interface KemAlgorithmSpec<N extends string = string> extends Common<N, 'kem', KemScheme> {
  readonly sizes: KemSizes;
}
export interface DsaAlgorithmSpec<N extends string = string> extends Common<N, 'dsa', DsaScheme> {
  readonly sizes: DsaSizes;
}

function kem<N extends string>(name: N, scheme: KemScheme, standard: string, nodeKeyType: string | undefined, sizes: KemSizes): KemAlgorithmSpec<N> {
  const implementations: readonly Implementation[] = Object.freeze(nodeKeyType ? ['native', 'noble'] : ['noble']);
  return Object.freeze({ name, family: 'kem', scheme, standard, nodeKeyType, implementations, sizes: Object.freeze(sizes) });
}

function dsa<N extends string>(name: N, scheme: DsaScheme, standard: string, nodeKeyType: string, sizes: DsaSizes): DsaAlgorithmSpec<N> {
  return Object.freeze({ name, family: 'dsa', scheme, standard, nodeKeyType, implementations: Object.freeze(['native', 'noble'] as const), sizes: Object.freeze(sizes) });
}

const mlKem = (publicKey: number, cipherText: number, secretKey: number) => ({ publicKey, cipherText, secretKey, seed: 64, sharedSecret: 32, encapsulationRandomness: 32 });
const mlDsa = (publicKey: number, secretKey: number, signature: number) => ({ publicKey, secretKey, signature, seed: 32, signingRandomness: 32 });
const slhDsa128 = (signature: number) => ({ publicKey: 32, secretKey: 64, signature, seed: 64, signingRandomness: 16 });

const KEMS = Object.freeze({
  'ML-KEM-512': kem('ML-KEM-512', 'ML-KEM', 'FIPS 203', 'ml-kem-512', mlKem(800, 768, 1632)),
  'ML-KEM-768': kem('ML-KEM-768', 'ML-KEM', 'FIPS 203', 'ml-kem-768', mlKem(1184, 1088, 2400)),
  'ML-KEM-1024': kem('ML-KEM-1024', 'ML-KEM', 'FIPS 203', 'ml-kem-1024', mlKem(1568, 1568, 3168)),
  'X-Wing': kem('X-Wing', 'X-Wing', 'draft-connolly-cfrg-xwing-kem-10 (ML-KEM-768 + X25519)', undefined, {
    publicKey: 1216,
    cipherText: 1120,
    secretKey: 32,
    seed: 32,
    sharedSecret: 32,
    encapsulationRandomness: 64,
  }),
});

const DSAS = Object.freeze({
  'ML-DSA-44': dsa('ML-DSA-44', 'ML-DSA', 'FIPS 204', 'ml-dsa-44', mlDsa(1312, 2560, 2420)),
  'ML-DSA-65': dsa('ML-DSA-65', 'ML-DSA', 'FIPS 204', 'ml-dsa-65', mlDsa(1952, 4032, 3309)),
  'ML-DSA-87': dsa('ML-DSA-87', 'ML-DSA', 'FIPS 204', 'ml-dsa-87', mlDsa(2592, 4896, 4627)),
  'SLH-DSA-SHA2-128s': dsa('SLH-DSA-SHA2-128s', 'SLH-DSA', 'FIPS 205', 'slh-dsa-sha2-128s', slhDsa128(7856)),
  'SLH-DSA-SHA2-128f': dsa('SLH-DSA-SHA2-128f', 'SLH-DSA', 'FIPS 205', 'slh-dsa-sha2-128f', slhDsa128(17088)),
  'SLH-DSA-SHAKE-128s': dsa('SLH-DSA-SHAKE-128s', 'SLH-DSA', 'FIPS 205', 'slh-dsa-shake-128s', slhDsa128(7856)),
  'SLH-DSA-SHAKE-128f': dsa('SLH-DSA-SHAKE-128f', 'SLH-DSA', 'FIPS 205', 'slh-dsa-shake-128f', slhDsa128(17088)),
});

export type KemAlgorithm = keyof typeof KEMS;
export type DsaAlgorithm = keyof typeof DSAS;
export type AlgorithmName = KemAlgorithm | DsaAlgorithm;
export type MlKemAlgorithm = Exclude<KemAlgorithm, 'X-Wing'>;
export type MlDsaAlgorithm = Extract<DsaAlgorithm, `ML-DSA-${string}`>;
export type SlhDsaAlgorithm = Extract<DsaAlgorithm, `SLH-DSA-${string}`>;

/** Every algorithm by name. Frozen, entries included. */
export const ALGORITHMS: Readonly<{ [N in KemAlgorithm]: KemAlgorithmSpec<N> } & { [N in DsaAlgorithm]: DsaAlgorithmSpec<N> }> = Object.freeze({ ...KEMS, ...DSAS });

const names = <T extends string>(table: Readonly<Record<T, unknown>>, keep: (name: T) => boolean = () => true): readonly T[] =>
  Object.freeze((Object.keys(table) as T[]).filter(keep));

/** In a fixed order: the ML-KEM sets by strength, then X-Wing. */
export const KEM_ALGORITHMS: readonly KemAlgorithm[] = names(KEMS);
/** In a fixed order: the ML-DSA sets by strength, then SLH-DSA SHA2 s/f, SHAKE s/f. */
export const DSA_ALGORITHMS: readonly DsaAlgorithm[] = names(DSAS);
export const ALGORITHM_NAMES: readonly AlgorithmName[] = Object.freeze([...KEM_ALGORITHMS, ...DSA_ALGORITHMS]);
export const ML_KEM_ALGORITHMS = names(KEMS, (a) => KEMS[a].scheme === 'ML-KEM') as readonly MlKemAlgorithm[];
export const ML_DSA_ALGORITHMS = names(DSAS, (a) => DSAS[a].scheme === 'ML-DSA') as readonly MlDsaAlgorithm[];
export const SLH_DSA_ALGORITHMS = names(DSAS, (a) => DSAS[a].scheme === 'SLH-DSA') as readonly SlhDsaAlgorithm[];

/** The sizes of each KEM by name (the registry's `sizes`), frozen. */
export const KEM_SIZES: Readonly<Record<KemAlgorithm, KemSizes>> = Object.freeze(Object.fromEntries(KEM_ALGORITHMS.map((a) => [a, KEMS[a].sizes])) as Record<KemAlgorithm, KemSizes>);
/** The sizes of each signature algorithm by name (the registry's `sizes`), frozen. */
export const DSA_SIZES: Readonly<Record<DsaAlgorithm, DsaSizes>> = Object.freeze(Object.fromEntries(DSA_ALGORITHMS.map((a) => [a, DSAS[a].sizes])) as Record<DsaAlgorithm, DsaSizes>);

export const DEFAULT_KEM_ALGORITHM: MlKemAlgorithm = 'ML-KEM-768';
/** The algorithm of each tenant's default signing key (NIST security category 3, like ML-KEM-768). */
export const DEFAULT_DSA_ALGORITHM: MlDsaAlgorithm = 'ML-DSA-65';

/** FIPS 204 section 5.2 and FIPS 205 section 10.2: the context string is at most 255 bytes. */
export const MAX_DSA_CONTEXT_BYTES = 255;

const has = (table: object, name: unknown): boolean => typeof name === 'string' && Object.hasOwn(table, name);
export const isAlgorithmName = (name: unknown): name is AlgorithmName => has(ALGORITHMS, name);
export const isKemAlgorithm = (name: unknown): name is KemAlgorithm => has(KEMS, name);
export const isDsaAlgorithm = (name: unknown): name is DsaAlgorithm => has(DSAS, name);
export const isMlKemAlgorithm = (name: unknown): name is MlKemAlgorithm => isKemAlgorithm(name) && KEMS[name].scheme === 'ML-KEM';
export const isMlDsaAlgorithm = (name: unknown): name is MlDsaAlgorithm => isDsaAlgorithm(name) && DSAS[name].scheme === 'ML-DSA';
export const isSlhDsaAlgorithm = (name: unknown): name is SlhDsaAlgorithm => isDsaAlgorithm(name) && DSAS[name].scheme === 'SLH-DSA';

/** Every KEM whose encodings have these lengths (each given length must match). */
export function kemAlgorithmsMatching(lengths: { readonly publicKey?: number; readonly cipherText?: number }): KemAlgorithm[] {
  return KEM_ALGORITHMS.filter((a) => {
    const s = KEMS[a].sizes;
    return (lengths.publicKey === undefined || s.publicKey === lengths.publicKey) && (lengths.cipherText === undefined || s.cipherText === lengths.cipherText);
  });
}

/**
 * Every signature algorithm whose encodings have these lengths. For a 32-byte public key that is
 * all four SLH-DSA sets; a signature length narrows it to the two "s" or the two "f" sets.
 */
export function dsaAlgorithmsMatching(lengths: { readonly publicKey: number; readonly signature?: number }): DsaAlgorithm[] {
  return DSA_ALGORITHMS.filter((a) => {
    const s = DSAS[a].sizes;
    return s.publicKey === lengths.publicKey && (lengths.signature === undefined || s.signature === lengths.signature);
  });
}

const only = <T>(candidates: readonly T[]): T | undefined => (candidates.length === 1 ? candidates[0] : undefined);

/** The KEM whose encapsulation key has this many bytes, when exactly one has (every KEM here: 800, 1184, 1568, 1216). */
export function kemAlgorithmForPublicKey(length: number): KemAlgorithm | undefined {
  return only(kemAlgorithmsMatching({ publicKey: length }));
}

/** The signature algorithm whose public key has this many bytes, when exactly one has: the ML-DSA sets; never SLH-DSA (32 bytes for all four). */
export function dsaAlgorithmForPublicKey(length: number): DsaAlgorithm | undefined {
  return only(dsaAlgorithmsMatching({ publicKey: length }));
}
