/**
 * The crypto backend seam: one interface, two implementations, chosen by CRYPTO_BACKEND.
 *
 * - `noble` (noble.ts): @noble/post-quantum and @noble/ciphers, the reference and the fallback. The
 *   post-quantum operations run on a small worker-thread pool so they never hold the event loop.
 * - `native` (native.ts): node:crypto. ML-KEM (FIPS 203), ML-DSA (FIPS 204) and SLH-DSA (FIPS 205)
 *   come from OpenSSL 3.5, present on Node >= 24.7; AES-256-GCM and HKDF-SHA256 are there on every
 *   supported Node. Calls use the callback forms, which run on the libuv thread pool.
 * - `auto` (the default) takes native for each family the runtime has, noble for the rest.
 * - X-Wing (draft-connolly-cfrg-xwing-kem) is noble under every choice, in the worker pool:
 *   node:crypto has no X-Wing. CryptoBackendInfo says so (`x_wing`).
 *
 * The families of one backend are routed per algorithm (routeKem, routeDsa): a prepared key keeps
 * the implementation that made it, and `implementationFor(algorithm)` names it for metrics.
 *
 * Both take and give the raw standard encodings (public keys, ciphertexts, signatures, and the
 * seeds the service stores: see algorithms.ts), and both perform the input checks themselves
 * (kem.ts, dsa.ts), so they refuse the same inputs with the same CryptoInputError. Any other
 * failure inside a backend is an internal error (a plain Error), never the caller's.
 *
 * Every operation is asynchronous. Secret keys are "prepared" once (expanded from the seed, or
 * imported into OpenSSL) and can then be used many times; see keys/service.ts for the brief cache.
 * @module
 */
import type { DsaKeyPair } from './dsa.ts';
import type { Encapsulation, KemKeyPair } from './kem.ts';
import { availableParallelism } from 'node:os';
import { JobLimiter, nativeAead, NativeDsa, NativeKem, nativeSupport } from './native.ts';
import { nobleAead, NobleDsa, NobleKem, WorkerPool } from './noble.ts';
import { ALGORITHMS, type Implementation } from './algorithms.ts';
import { DEFAULT_DSA_ALGORITHM, DEFAULT_KEM_ALGORITHM, DSA_ALGORITHMS, KEM_ALGORITHMS, dsaAlgorithmForPublicKey, kemAlgorithmForPublicKey, type DsaAlgorithm, type KemAlgorithm } from './params.ts';

export type { Implementation } from './algorithms.ts';

export const CRYPTO_BACKENDS = Object.freeze(['auto', 'native', 'noble'] as const);
export type CryptoBackendChoice = (typeof CRYPTO_BACKENDS)[number];

/** A secret key made ready for use. Secret: call dispose() when dropping it (wipes what can be wiped). */
export interface PreparedSecretKey<A extends string> {
  readonly algorithm: A;
  readonly implementation: Implementation;
  dispose(): void;
}
export type PreparedKemKey = PreparedSecretKey<KemAlgorithm>;
export type PreparedDsaKey = PreparedSecretKey<DsaAlgorithm>;

/** ML-KEM (FIPS 203) and X-Wing (draft-connolly-cfrg-xwing-kem-10). */
export interface KemBackend {
  /** The implementation of the ML-KEM sets; implementationFor() names the one of each algorithm. */
  readonly implementation: Implementation;
  implementationFor(algorithm: KemAlgorithm): Implementation;
  /** ML-KEM.KeyGen or X-Wing GenerateKeyPair; `seed` (ML-KEM d || z, 64 bytes; X-Wing sk, 32) makes it deterministic. */
  keygen(algorithm: KemAlgorithm, seed?: Uint8Array): Promise<KemKeyPair>;
  /**
   * Encapsulation with fresh randomness, after the FIPS 203 section 7.2 checks (and X-Wing's
   * X25519 check); the algorithm comes from the key's length.
   * @throws CryptoInputError('pk') on a wrong length or a failed check.
   */
  encapsulate(publicKey: Uint8Array): Promise<Encapsulation>;
  /** The key of a stored seed, ready to decapsulate. @throws CryptoInputError('seed') on a wrong length. */
  prepareSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<PreparedKemKey>;
  /**
   * An externally supplied decapsulation key (test vectors), after the section 7.3 checks: ML-KEM's
   * expanded dk; X-Wing's 32-byte sk (the same as prepareSecretKey).
   * @throws CryptoInputError('sk') on a wrong length or a failed hash check.
   */
  importExpandedSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array): Promise<PreparedKemKey>;
  /**
   * Decapsulation, implicit rejection included (a modified ciphertext gives another key, no error).
   * @throws CryptoInputError('cipher') when the ciphertext's length does not match the key's set,
   *   or an X-Wing ciphertext's X25519 part is a low-order point.
   */
  decapsulate(key: PreparedKemKey, cipherText: Uint8Array): Promise<Uint8Array>;
  /** The expanded dk for a seed (X-Wing: the seed), for known-answer tests only: the service never exports it. */
  expandedSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<Uint8Array>;
}

export interface DsaSignOptions {
  readonly context?: Uint8Array;
  /**
   * Deterministic signing (ML-DSA rnd = 0^32; SLH-DSA opt_rand = PK.seed), for test vectors and
   * fixed examples. Only the noble backend offers it: node:crypto does not expose OpenSSL's
   * deterministic parameter.
   */
  readonly deterministic?: boolean;
  /** The rnd of FIPS 204 algorithm 2 (32 bytes) or opt_rand of FIPS 205 algorithm 19 (16), for test vectors only (noble backend only, like `deterministic`). */
  readonly randomness?: Uint8Array;
}

/** ML-DSA (FIPS 204) and SLH-DSA (FIPS 205), pure, external interface, with context strings. */
export interface DsaBackend {
  /** The implementation of the ML-DSA sets; implementationFor() names the one of each algorithm. */
  readonly implementation: Implementation;
  implementationFor(algorithm: DsaAlgorithm): Implementation;
  /** Whether sign() accepts `deterministic: true` (and `randomness`). */
  readonly deterministicSigning: boolean;
  /**
   * Key generation with fresh randomness; with `seed`, the pair of that stored seed (ML-DSA: xi,
   * 32 bytes, FIPS 204 ML-DSA.KeyGen_internal; SLH-DSA: the 64-byte secret key, which holds pk).
   * @throws CryptoInputError('seed') on a wrong length.
   */
  keygen(algorithm: DsaAlgorithm, seed?: Uint8Array): Promise<DsaKeyPair>;
  /** @throws CryptoInputError('seed') on a wrong length. */
  prepareSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Promise<PreparedDsaKey>;
  /** An externally supplied secret key as the standard encodes it (test vectors). @throws CryptoInputError('sk') on a wrong length. */
  importExpandedSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array): Promise<PreparedDsaKey>;
  /**
   * ML-DSA.Sign / slh_sign (pure, external interface), hedged unless `deterministic`.
   * @throws CryptoInputError('context') when the context is over 255 bytes.
   */
  sign(key: PreparedDsaKey, message: Uint8Array, options?: DsaSignOptions): Promise<Uint8Array>;
  /**
   * ML-DSA.Verify / slh_verify (pure); false for any signature that does not verify, including one
   * of the wrong length, or one made under another algorithm with the same lengths. `algorithm`
   * names the set; without it, it comes from the key's length, which tells the ML-DSA sets apart
   * but not the SLH-DSA ones (dsa.ts dsaAlgorithmOf).
   * @throws CryptoInputError('pk') when the algorithm cannot be told from the key's length (none
   *   or several fit) or the key does not fit the named one; CryptoInputError('context') when the
   *   context is over 255 bytes.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context?: Uint8Array, algorithm?: DsaAlgorithm): Promise<boolean>;
  /** The secret key as the standard encodes it, for a seed (ML-DSA: expanded; SLH-DSA: the seed), for known-answer tests only. */
  expandedSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Promise<Uint8Array>;
}

/** AES-256-GCM (nonce || ciphertext || tag) and the HKDF-SHA256 key derivation of kdf.ts. */
export interface AeadBackend {
  readonly implementation: Implementation;
  /** `nonce` is for test vectors and fixed examples only. */
  seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, nonce?: Uint8Array): Promise<Uint8Array>;
  /** @throws CryptoInputError('ciphertext') when under 28 bytes; DecryptionError when authentication fails. */
  open(key: Uint8Array, blob: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  deriveAesKey(sharedKey: Uint8Array): Promise<Uint8Array>;
}

/** What /readyz and the start banner say about the backend. */
export interface CryptoBackendInfo {
  /**
   * `native` or `noble` when every family node:crypto can serve (ML-KEM, ML-DSA, SLH-DSA,
   * AES-256-GCM) uses it, else `mixed`. X-Wing is left out: it is noble everywhere (`x_wing`).
   */
  readonly backend: Implementation | 'mixed';
  /** What CRYPTO_BACKEND asked for. */
  readonly requested: CryptoBackendChoice;
  readonly ml_kem: Implementation;
  /** Always `noble`: node:crypto has no X-Wing. */
  readonly x_wing: Implementation;
  readonly ml_dsa: Implementation;
  readonly slh_dsa: Implementation;
  readonly aes_gcm: Implementation;
}

export interface CryptoBackend {
  readonly kem: KemBackend;
  readonly dsa: DsaBackend;
  readonly aead: AeadBackend;
  readonly info: CryptoBackendInfo;
  /** Stops the worker pool, if one was started. Idempotent. */
  close(): Promise<void>;
}

// ---- choosing the implementations ----


export interface CryptoBackendOptions {
  /**
   * Threads for post-quantum work (default: cores - 1, at least 1, leaving a core to the event
   * loop): the noble worker pool's size (started on first use), and for native the most
   * node:crypto jobs on the libuv pool at once.
   */
  readonly threads?: number;
}

/** Thrown when `native` is asked for on a runtime without native ML-KEM / ML-DSA / SLH-DSA. */
export class CryptoBackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CryptoBackendUnavailableError';
  }
}

/** Why `native` cannot be used on this runtime, or undefined when it can. */
export function nativeUnavailableReason(): string | undefined {
  const support = nativeSupport();
  const missing = [!support.kem && 'ML-KEM', !support.dsa && 'ML-DSA', !support.slhDsa && 'SLH-DSA'].filter(Boolean);
  if (missing.length === 0) return undefined;
  return `node:crypto on Node ${process.version} (OpenSSL ${process.versions.openssl}) has no ${missing.join(' or ')}; native post-quantum crypto needs Node >= 24.7 with OpenSSL 3.5`;
}

const FAMILY_NAMES = Object.freeze({ ml_kem: 'ML-KEM', x_wing: 'X-Wing', ml_dsa: 'ML-DSA', slh_dsa: 'SLH-DSA', aes_gcm: 'AES-256-GCM' } as const);

/**
 * One line for the start banner, e.g. "Crypto: CRYPTO_BACKEND=auto: native (node:crypto, OpenSSL
 * 3.5.8) for ML-KEM, ML-DSA, SLH-DSA, AES-256-GCM; noble (@noble/*, worker threads) for X-Wing".
 */
export function describeCryptoBackend(info: CryptoBackendInfo): string {
  const name = (i: Implementation) => (i === 'native' ? `native (node:crypto, OpenSSL ${process.versions.openssl})` : 'noble (@noble/*, worker threads for the post-quantum families)');
  const groups = new Map<Implementation, string[]>();
  for (const [key, family] of Object.entries(FAMILY_NAMES)) {
    const impl = info[key as keyof typeof FAMILY_NAMES];
    groups.set(impl, [...(groups.get(impl) ?? []), family]);
  }
  const parts = [...groups].map(([impl, families]) => `${name(impl)} for ${families.join(', ')}`);
  return `Crypto: CRYPTO_BACKEND=${info.requested}: ${parts.join('; ')}`;
}

/**
 * One KemBackend over several, each algorithm sent to its own; a single backend when they are all
 * the same. Encapsulation goes by the key's length (an unknown length to the default set's
 * backend, which refuses it); decapsulation by the key's algorithm.
 */
export function routeKem(routes: Readonly<Record<KemAlgorithm, KemBackend>>): KemBackend {
  const distinct = new Set(KEM_ALGORITHMS.map((a) => routes[a]));
  if (distinct.size === 1) return routes[DEFAULT_KEM_ALGORITHM];
  return Object.freeze({
    implementation: routes[DEFAULT_KEM_ALGORITHM].implementation,
    implementationFor: (algorithm: KemAlgorithm) => routes[algorithm].implementation,
    keygen: (algorithm: KemAlgorithm, seed?: Uint8Array) => routes[algorithm].keygen(algorithm, seed),
    encapsulate: (publicKey: Uint8Array) => routes[kemAlgorithmForPublicKey(publicKey.length) ?? DEFAULT_KEM_ALGORITHM].encapsulate(publicKey),
    prepareSecretKey: (algorithm: KemAlgorithm, seed: Uint8Array) => routes[algorithm].prepareSecretKey(algorithm, seed),
    importExpandedSecretKey: (algorithm: KemAlgorithm, secretKey: Uint8Array) => routes[algorithm].importExpandedSecretKey(algorithm, secretKey),
    decapsulate: (key: PreparedKemKey, cipherText: Uint8Array) => routes[key.algorithm].decapsulate(key, cipherText),
    expandedSecretKey: (algorithm: KemAlgorithm, seed: Uint8Array) => routes[algorithm].expandedSecretKey(algorithm, seed),
  });
}

/** As routeKem, for signatures. Verification goes by the named algorithm, else the key's length (the default set's backend refuses what no set fits). */
export function routeDsa(routes: Readonly<Record<DsaAlgorithm, DsaBackend>>): DsaBackend {
  const distinct = new Set(DSA_ALGORITHMS.map((a) => routes[a]));
  if (distinct.size === 1) return routes[DEFAULT_DSA_ALGORITHM];
  return Object.freeze({
    implementation: routes[DEFAULT_DSA_ALGORITHM].implementation,
    implementationFor: (algorithm: DsaAlgorithm) => routes[algorithm].implementation,
    deterministicSigning: [...distinct].every((b) => b.deterministicSigning),
    keygen: (algorithm: DsaAlgorithm, seed?: Uint8Array) => routes[algorithm].keygen(algorithm, seed),
    prepareSecretKey: (algorithm: DsaAlgorithm, seed: Uint8Array) => routes[algorithm].prepareSecretKey(algorithm, seed),
    importExpandedSecretKey: (algorithm: DsaAlgorithm, secretKey: Uint8Array) => routes[algorithm].importExpandedSecretKey(algorithm, secretKey),
    sign: (key: PreparedDsaKey, message: Uint8Array, options?: DsaSignOptions) => routes[key.algorithm].sign(key, message, options),
    verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context?: Uint8Array, algorithm?: DsaAlgorithm) =>
      routes[algorithm ?? dsaAlgorithmForPublicKey(publicKey.length) ?? DEFAULT_DSA_ALGORITHM].verify(publicKey, message, signature, context, algorithm),
    expandedSecretKey: (algorithm: DsaAlgorithm, seed: Uint8Array) => routes[algorithm].expandedSecretKey(algorithm, seed),
  });
}

/**
 * The backend for a CRYPTO_BACKEND choice. `auto` takes native per family where the runtime has
 * it; `native` demands it for every family node:crypto can have (X-Wing stays noble); `noble` uses
 * noble throughout (AES too).
 * @throws CryptoBackendUnavailableError for `native` on a runtime without native ML-KEM, ML-DSA and SLH-DSA.
 */
export function createCryptoBackend(requested: CryptoBackendChoice, options: CryptoBackendOptions = {}): CryptoBackend {
  const support = requested === 'noble' ? { kem: false, dsa: false, slhDsa: false } : nativeSupport();
  if (requested === 'native') {
    const reason = nativeUnavailableReason();
    if (reason) throw new CryptoBackendUnavailableError(reason);
  }
  const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
  const pool = new WorkerPool(threads);
  const jobs = new JobLimiter(threads);
  const nobleKem = new NobleKem(pool);
  const nobleDsa = new NobleDsa(pool);
  const nativeKem = support.kem ? new NativeKem(jobs) : undefined;
  const nativeDsa = support.dsa || support.slhDsa ? new NativeDsa(jobs) : undefined;
  const kemFor = (a: KemAlgorithm): KemBackend => (ALGORITHMS[a].scheme === 'ML-KEM' && nativeKem) || nobleKem;
  const dsaFor = (a: DsaAlgorithm): DsaBackend => ((ALGORITHMS[a].scheme === 'ML-DSA' ? support.dsa : support.slhDsa) && nativeDsa) || nobleDsa;
  const kem = routeKem(Object.fromEntries(KEM_ALGORITHMS.map((a) => [a, kemFor(a)])) as Record<KemAlgorithm, KemBackend>);
  const dsa = routeDsa(Object.fromEntries(DSA_ALGORITHMS.map((a) => [a, dsaFor(a)])) as Record<DsaAlgorithm, DsaBackend>);
  const aead: AeadBackend = requested === 'noble' ? nobleAead : nativeAead;
  const families = {
    ml_kem: kem.implementationFor('ML-KEM-768'),
    x_wing: kem.implementationFor('X-Wing'),
    ml_dsa: dsa.implementationFor('ML-DSA-65'),
    slh_dsa: dsa.implementationFor('SLH-DSA-SHA2-128s'),
    aes_gcm: aead.implementation,
  };
  const summarised = [families.ml_kem, families.ml_dsa, families.slh_dsa, families.aes_gcm];
  const info: CryptoBackendInfo = Object.freeze({
    backend: summarised.every((u) => u === summarised[0]) ? summarised[0]! : 'mixed',
    requested,
    ...families,
  });
  return Object.freeze({ kem, dsa, aead, info, close: () => pool.close() });
}
