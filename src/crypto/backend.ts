/**
 * The crypto backend seam, types only: what every implementation offers (KemBackend, DsaBackend,
 * AeadBackend) and what a caller may pass with each operation (CryptoJob). The implementations
 * import this file and nothing that chooses between them; select.ts picks them (CRYPTO_BACKEND),
 * so no implementation imports its picker.
 *
 * - `noble` (noble.ts): @noble/post-quantum and @noble/ciphers, the reference and the fallback. The
 *   post-quantum operations run on worker threads so they never hold the event loop.
 * - `native` (native.ts): node:crypto. ML-KEM (FIPS 203), ML-DSA (FIPS 204) and SLH-DSA (FIPS 205)
 *   come from OpenSSL 3.5, present on Node >= 24.7; AES-256-GCM and HKDF-SHA256 are there on every
 *   supported Node. Calls use the callback forms, which run on the libuv thread pool.
 * - X-Wing (draft-connolly-cfrg-xwing-kem) is noble under every choice: node:crypto has no X-Wing.
 *
 * Both take and give the raw standard encodings (public keys, ciphertexts, signatures, and the
 * seeds the service stores: see algorithms.ts), and both perform the input checks themselves
 * (kem.ts, dsa.ts), so they refuse the same inputs with the same CryptoInputError. Any other
 * failure inside a backend is an internal error (a plain Error), never the caller's.
 *
 * The algorithm is always named by the caller (encapsulate, verify): a backend checks the input
 * against it and never guesses it from a length (algorithms.ts kemAlgorithmForPublicKey is for
 * the caller, once, where a length is all it has).
 *
 * Every operation is asynchronous and takes an optional last argument `job` (CryptoJob): whose
 * work it is, for fair scheduling (scheduler.ts), an AbortSignal that drops it while it waits,
 * and a check to run just before it starts. Secret keys are "prepared" once (expanded from the
 * seed, or imported into OpenSSL) and can then be used many times; see keys/service.ts for the
 * brief cache.
 * @module
 */
import type { DsaAlgorithm, Implementation, KemAlgorithm } from './algorithms.ts';
import type { DsaKeyPair } from './dsa.ts';
import type { Encapsulation, KemKeyPair } from './kem.ts';

export type { Implementation } from './algorithms.ts';

/** The CRYPTO_BACKEND choices (select.ts CRYPTO_BACKENDS lists them). */
export type CryptoBackendChoice = 'auto' | 'native' | 'noble';

/**
 * Who a crypto operation is for, and what must hold when it starts (scheduler.ts).
 * - `tenant`: work is queued per tenant and served fairly (deficit round robin by cost); without a
 *   job, it is queued under an anonymous tenant (start-up work, tests).
 * - `signal`: when it fires while the operation waits, the operation leaves the queue and never
 *   runs (the promise rejects with the signal's reason). Once started it runs to the end: the
 *   crypto cannot be interrupted.
 * - `beforeStart`: awaited when the operation reaches the front of its lane, just before the
 *   crypto runs (e.g. "does the key still exist, does the token still live"). If it throws, the
 *   operation fails with that error and the crypto never runs.
 */
export interface CryptoJob {
  readonly tenant: string;
  readonly signal?: AbortSignal;
  readonly beforeStart?: () => Promise<void>;
}

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
  keygen(algorithm: KemAlgorithm, seed?: Uint8Array, job?: CryptoJob): Promise<KemKeyPair>;
  /**
   * Encapsulation with fresh randomness to a key of the named algorithm, after the FIPS 203
   * section 7.2 checks (and X-Wing's X25519 check).
   * @throws CryptoInputError('pk') when the key's length is not the algorithm's, or a check fails.
   */
  encapsulate(algorithm: KemAlgorithm, publicKey: Uint8Array, job?: CryptoJob): Promise<Encapsulation>;
  /** The key of a stored seed, ready to decapsulate. @throws CryptoInputError('seed') on a wrong length. */
  prepareSecretKey(algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<PreparedKemKey>;
  /**
   * An externally supplied decapsulation key (test vectors), after the section 7.3 checks: ML-KEM's
   * expanded dk; X-Wing's 32-byte sk (the same as prepareSecretKey).
   * @throws CryptoInputError('sk') on a wrong length or a failed hash check.
   */
  importExpandedSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array, job?: CryptoJob): Promise<PreparedKemKey>;
  /**
   * Decapsulation, implicit rejection included (a modified ciphertext gives another key, no error).
   * @throws CryptoInputError('cipher') when the ciphertext's length does not match the key's set,
   *   or an X-Wing ciphertext's X25519 part is a low-order point.
   */
  decapsulate(key: PreparedKemKey, cipherText: Uint8Array, job?: CryptoJob): Promise<Uint8Array>;
  /** The expanded dk for a seed (X-Wing: the seed), for known-answer tests only: the service never exports it. */
  expandedSecretKey(algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<Uint8Array>;
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
  keygen(algorithm: DsaAlgorithm, seed?: Uint8Array, job?: CryptoJob): Promise<DsaKeyPair>;
  /** @throws CryptoInputError('seed') on a wrong length. */
  prepareSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<PreparedDsaKey>;
  /** An externally supplied secret key as the standard encodes it (test vectors). @throws CryptoInputError('sk') on a wrong length. */
  importExpandedSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array, job?: CryptoJob): Promise<PreparedDsaKey>;
  /**
   * ML-DSA.Sign / slh_sign (pure, external interface), hedged unless `deterministic`.
   * @throws CryptoInputError('context') when the context is over 255 bytes.
   */
  sign(key: PreparedDsaKey, message: Uint8Array, options?: DsaSignOptions, job?: CryptoJob): Promise<Uint8Array>;
  /**
   * ML-DSA.Verify / slh_verify (pure) under the named set; false for any signature that does not
   * verify, including one of the wrong length, or one made under another algorithm with the same
   * lengths (the four SLH-DSA-128 sets share their key length: the caller names the set).
   * @throws CryptoInputError('pk') when the key does not have the named set's length;
   *   CryptoInputError('context') when the context is over 255 bytes.
   */
  verify(algorithm: DsaAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context?: Uint8Array, job?: CryptoJob): Promise<boolean>;
  /** The secret key as the standard encodes it, for a seed (ML-DSA: expanded; SLH-DSA: the seed), for known-answer tests only. */
  expandedSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<Uint8Array>;
}

/** AES-256-GCM (nonce || ciphertext || tag) and the HKDF-SHA256 key derivation of kdf.ts. */
export interface AeadBackend {
  readonly implementation: Implementation;
  /** `nonce` is for test vectors and fixed examples only. */
  seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, nonce?: Uint8Array, job?: CryptoJob): Promise<Uint8Array>;
  /** @throws CryptoInputError('ciphertext') when under 28 bytes; DecryptionError when authentication fails. */
  open(key: Uint8Array, blob: Uint8Array, aad?: Uint8Array, job?: CryptoJob): Promise<Uint8Array>;
  deriveAesKey(sharedKey: Uint8Array, job?: CryptoJob): Promise<Uint8Array>;
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
  /** Stops the worker pools, if any were started, and refuses what still waits. Idempotent. */
  close(): Promise<void>;
}
