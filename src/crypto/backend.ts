/**
 * The crypto backend seam: one interface, two implementations, chosen by CRYPTO_BACKEND.
 *
 * - `noble` (noble.ts): @noble/post-quantum and @noble/ciphers, the reference and the fallback. The
 *   post-quantum operations run on a small worker-thread pool so they never hold the event loop.
 * - `native` (native.ts): node:crypto. ML-KEM (FIPS 203) and ML-DSA (FIPS 204) come from OpenSSL
 *   3.5, present on Node >= 24.7; AES-256-GCM and HKDF-SHA256 are there on every supported Node.
 *   Calls use the callback forms, which run on the libuv thread pool.
 * - `auto` (the default) takes native for each family the runtime has, noble for the rest.
 *
 * Both take and give the raw FIPS 203 / 204 encodings (public keys, ciphertexts, signatures, and
 * the seeds d || z and xi the service stores), and both perform the FIPS 203 section 7.2 / 7.3
 * input checks themselves (kem.ts), so they refuse the same inputs with the same CryptoInputError.
 * Any other failure inside a backend is an internal error (a plain Error), never the caller's.
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
import type { DsaAlgorithm, KemAlgorithm } from './params.ts';

export const CRYPTO_BACKENDS = Object.freeze(['auto', 'native', 'noble'] as const);
export type CryptoBackendChoice = (typeof CRYPTO_BACKENDS)[number];
/** Which implementation serves a family. */
export type Implementation = 'native' | 'noble';

/** A secret key made ready for use. Secret: call dispose() when dropping it (wipes what can be wiped). */
export interface PreparedSecretKey<A extends string> {
  readonly algorithm: A;
  readonly implementation: Implementation;
  dispose(): void;
}
export type PreparedKemKey = PreparedSecretKey<KemAlgorithm>;
export type PreparedDsaKey = PreparedSecretKey<DsaAlgorithm>;

export interface KemBackend {
  readonly implementation: Implementation;
  /** FIPS 203 ML-KEM.KeyGen; `seed` (d || z, 64 bytes) makes it deterministic. */
  keygen(algorithm: KemAlgorithm, seed?: Uint8Array): Promise<KemKeyPair>;
  /**
   * ML-KEM.Encaps with fresh randomness, after the section 7.2 checks (set from the key's length).
   * @throws CryptoInputError('pk') on a wrong length or a failed modulus check.
   */
  encapsulate(publicKey: Uint8Array): Promise<Encapsulation>;
  /** The key of a stored seed, ready to decapsulate. @throws CryptoInputError('seed') on a wrong length. */
  prepareSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<PreparedKemKey>;
  /**
   * An externally supplied expanded dk (test vectors), after the section 7.3 checks.
   * @throws CryptoInputError('sk') on a wrong length or a failed hash check.
   */
  importExpandedSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array): Promise<PreparedKemKey>;
  /**
   * ML-KEM.Decaps, implicit rejection included (a modified ciphertext gives another key, no error).
   * @throws CryptoInputError('cipher') when the ciphertext's length does not match the key's set.
   */
  decapsulate(key: PreparedKemKey, cipherText: Uint8Array): Promise<Uint8Array>;
  /** The expanded dk for a seed, for known-answer tests only: the service never exports it. */
  expandedSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<Uint8Array>;
}

export interface DsaSignOptions {
  readonly context?: Uint8Array;
  /**
   * Deterministic signing (rnd = 0^32), for test vectors and fixed examples. Only the noble backend
   * offers it: node:crypto does not expose OpenSSL's deterministic ML-DSA parameter.
   */
  readonly deterministic?: boolean;
  /** The 32-byte rnd of FIPS 204 algorithm 2, for test vectors only (noble backend only, like `deterministic`). */
  readonly randomness?: Uint8Array;
}

export interface DsaBackend {
  readonly implementation: Implementation;
  /** Whether sign() accepts `deterministic: true`. */
  readonly deterministicSigning: boolean;
  /** FIPS 204 ML-DSA.KeyGen; `seed` (xi, 32 bytes) makes it deterministic. */
  keygen(algorithm: DsaAlgorithm, seed?: Uint8Array): Promise<DsaKeyPair>;
  /** @throws CryptoInputError('seed') on a wrong length. */
  prepareSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Promise<PreparedDsaKey>;
  /** An externally supplied expanded sk (test vectors). @throws CryptoInputError('sk') on a wrong length. */
  importExpandedSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array): Promise<PreparedDsaKey>;
  /**
   * FIPS 204 ML-DSA.Sign (pure, external interface), hedged unless `deterministic`.
   * @throws CryptoInputError('context') when the context is over 255 bytes.
   */
  sign(key: PreparedDsaKey, message: Uint8Array, options?: DsaSignOptions): Promise<Uint8Array>;
  /**
   * FIPS 204 ML-DSA.Verify (pure); false for any signature that does not verify, including one of
   * the wrong length. @throws CryptoInputError('pk') when the key's length matches no set;
   * CryptoInputError('context') when the context is over 255 bytes.
   */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context?: Uint8Array, algorithm?: DsaAlgorithm): Promise<boolean>;
  /** The expanded sk for a seed, for known-answer tests only. */
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
  /** `native` or `noble` when every family uses it, else `mixed`. */
  readonly backend: Implementation | 'mixed';
  /** What CRYPTO_BACKEND asked for. */
  readonly requested: CryptoBackendChoice;
  readonly ml_kem: Implementation;
  readonly ml_dsa: Implementation;
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

/** Thrown when `native` is asked for on a runtime without native ML-KEM / ML-DSA. */
export class CryptoBackendUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CryptoBackendUnavailableError';
  }
}

/** Why `native` cannot be used on this runtime, or undefined when it can. */
export function nativeUnavailableReason(): string | undefined {
  const support = nativeSupport();
  const missing = [!support.kem && 'ML-KEM', !support.dsa && 'ML-DSA'].filter(Boolean);
  if (missing.length === 0) return undefined;
  return `node:crypto on Node ${process.version} (OpenSSL ${process.versions.openssl}) has no ${missing.join(' or ')}; native post-quantum crypto needs Node >= 24.7 with OpenSSL 3.5`;
}

/** One line for the start banner, e.g. "Crypto: native (node:crypto, OpenSSL 3.5.8) for ML-KEM, ML-DSA, AES-256-GCM". */
export function describeCryptoBackend(info: CryptoBackendInfo): string {
  const name = (i: Implementation) => (i === 'native' ? `native (node:crypto, OpenSSL ${process.versions.openssl})` : 'noble (@noble/*, worker threads for ML-KEM / ML-DSA)');
  const families = { ML_KEM: info.ml_kem, ML_DSA: info.ml_dsa, AES_GCM: info.aes_gcm };
  const groups = new Map<Implementation, string[]>();
  for (const [family, impl] of Object.entries(families)) groups.set(impl, [...(groups.get(impl) ?? []), family.replace('_', '-').replace('AES-GCM', 'AES-256-GCM')]);
  const parts = [...groups].map(([impl, fams]) => `${name(impl)} for ${fams.join(', ')}`);
  return `Crypto: CRYPTO_BACKEND=${info.requested}: ${parts.join('; ')}`;
}

/**
 * The backend for a CRYPTO_BACKEND choice. `auto` takes native per family where the runtime has
 * it; `native` demands it for every family; `noble` uses noble throughout (AES too).
 * @throws CryptoBackendUnavailableError for `native` on a runtime without native ML-KEM and ML-DSA.
 */
export function createCryptoBackend(requested: CryptoBackendChoice, options: CryptoBackendOptions = {}): CryptoBackend {
  const support = requested === 'noble' ? { kem: false, dsa: false } : nativeSupport();
  if (requested === 'native') {
    const reason = nativeUnavailableReason();
    if (reason) throw new CryptoBackendUnavailableError(reason);
  }
  const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
  const pool = new WorkerPool(threads);
  const jobs = new JobLimiter(threads);
  const kem: KemBackend = support.kem ? new NativeKem(jobs) : new NobleKem(pool);
  const dsa: DsaBackend = support.dsa ? new NativeDsa(jobs) : new NobleDsa(pool);
  const aead: AeadBackend = requested === 'noble' ? nobleAead : nativeAead;
  const used = [kem.implementation, dsa.implementation, aead.implementation];
  const info: CryptoBackendInfo = Object.freeze({
    backend: used.every((u) => u === used[0]) ? used[0]! : 'mixed',
    requested,
    ml_kem: kem.implementation,
    ml_dsa: dsa.implementation,
    aes_gcm: aead.implementation,
  });
  return Object.freeze({ kem, dsa, aead, info, close: () => pool.close() });
}
