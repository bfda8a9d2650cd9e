/**
 * Which implementation serves each algorithm (CRYPTO_BACKEND), and the scheduler they share.
 * The interface is backend.ts; this file picks and wires the implementations (native.ts,
 * noble.ts), which import only the interface.
 *
 * - `auto` (the default) takes native for each family the runtime has, noble for the rest.
 * - `native` demands node:crypto for every family it can have (X-Wing stays noble).
 * - `noble` uses noble throughout (AES too).
 * - X-Wing (draft-connolly-cfrg-xwing-kem) is noble under every choice: node:crypto has no X-Wing.
 *   CryptoBackendInfo says so (`x_wing`).
 *
 * The families of one backend are routed per algorithm (routeKem, routeDsa): a prepared key keeps
 * the implementation that made it, and `implementationFor(algorithm)` names it for metrics.
 *
 * Threads (scheduler.ts lanes): the fast lane (ML-KEM, X-Wing, ML-DSA) has `threads` slots
 * (CRYPTO_THREADS, default cores - 1, at least 1, leaving a core to the event loop); the slow lane
 * (SLH-DSA and anything as costly) has `slowThreads` more (CRYPTO_SLOW_THREADS, default half of
 * `threads`, at least 1). On noble each lane is a worker pool of that many threads, started on
 * first use; on native, slots on the libuv pool, of which the slow lane takes at most
 * `libuvThreads` - 1 (UV_THREADPOOL_SIZE, default 4), so slow work never holds every libuv thread.
 * @module
 */
import { availableParallelism } from 'node:os';
import { ALGORITHMS, DEFAULT_DSA_ALGORITHM, DEFAULT_KEM_ALGORITHM, DSA_ALGORITHMS, KEM_ALGORITHMS, type DsaAlgorithm, type Implementation, type KemAlgorithm } from './algorithms.ts';
import type { AeadBackend, CryptoBackend, CryptoBackendChoice, CryptoBackendInfo, CryptoJob, DsaBackend, DsaSignOptions, KemBackend, PreparedDsaKey, PreparedKemKey } from './backend.ts';
import { nativeAead, NativeDsa, NativeKem, nativeSupport } from './native.ts';
import { nobleAead, NobleDsa, NobleKem, nobleWorkers } from './noble.ts';
import { CryptoScheduler } from './scheduler.ts';

export const CRYPTO_BACKENDS = Object.freeze(['auto', 'native', 'noble'] as const satisfies readonly CryptoBackendChoice[]);

export interface CryptoBackendOptions {
  /** Slots (threads) of the fast lane; default cores - 1, at least 1. */
  readonly threads?: number;
  /** Slots (threads) of the slow lane; default half of `threads`, at least 1. */
  readonly slowThreads?: number;
  /** The size of the libuv thread pool (UV_THREADPOOL_SIZE; default 4): native's slow lane keeps one free. */
  readonly libuvThreads?: number;
  /** scheduler.ts: a tenant's queued cost per lane past which work is refused (CryptoBusyError). */
  readonly tenantQueueCost?: number;
  /** scheduler.ts: work that cannot start within this many ms is refused (CryptoBusyError). */
  readonly queueTimeoutMs?: number;
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
 * the same. Every operation names its algorithm (decapsulation: the key's), so none is guessed.
 */
export function routeKem(routes: Readonly<Record<KemAlgorithm, KemBackend>>): KemBackend {
  const distinct = new Set(KEM_ALGORITHMS.map((a) => routes[a]));
  if (distinct.size === 1) return routes[DEFAULT_KEM_ALGORITHM];
  return Object.freeze({
    implementation: routes[DEFAULT_KEM_ALGORITHM].implementation,
    implementationFor: (algorithm: KemAlgorithm) => routes[algorithm].implementation,
    keygen: (algorithm: KemAlgorithm, seed?: Uint8Array, job?: CryptoJob) => routes[algorithm].keygen(algorithm, seed, job),
    encapsulate: (algorithm: KemAlgorithm, publicKey: Uint8Array, job?: CryptoJob) => routes[algorithm].encapsulate(algorithm, publicKey, job),
    prepareSecretKey: (algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob) => routes[algorithm].prepareSecretKey(algorithm, seed, job),
    importExpandedSecretKey: (algorithm: KemAlgorithm, secretKey: Uint8Array, job?: CryptoJob) => routes[algorithm].importExpandedSecretKey(algorithm, secretKey, job),
    decapsulate: (key: PreparedKemKey, cipherText: Uint8Array, job?: CryptoJob) => routes[key.algorithm].decapsulate(key, cipherText, job),
    expandedSecretKey: (algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob) => routes[algorithm].expandedSecretKey(algorithm, seed, job),
  });
}

/** As routeKem, for signatures. */
export function routeDsa(routes: Readonly<Record<DsaAlgorithm, DsaBackend>>): DsaBackend {
  const distinct = new Set(DSA_ALGORITHMS.map((a) => routes[a]));
  if (distinct.size === 1) return routes[DEFAULT_DSA_ALGORITHM];
  return Object.freeze({
    implementation: routes[DEFAULT_DSA_ALGORITHM].implementation,
    implementationFor: (algorithm: DsaAlgorithm) => routes[algorithm].implementation,
    deterministicSigning: [...distinct].every((b) => b.deterministicSigning),
    keygen: (algorithm: DsaAlgorithm, seed?: Uint8Array, job?: CryptoJob) => routes[algorithm].keygen(algorithm, seed, job),
    prepareSecretKey: (algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob) => routes[algorithm].prepareSecretKey(algorithm, seed, job),
    importExpandedSecretKey: (algorithm: DsaAlgorithm, secretKey: Uint8Array, job?: CryptoJob) => routes[algorithm].importExpandedSecretKey(algorithm, secretKey, job),
    sign: (key: PreparedDsaKey, message: Uint8Array, options?: DsaSignOptions, job?: CryptoJob) => routes[key.algorithm].sign(key, message, options, job),
    verify: (algorithm: DsaAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context?: Uint8Array, job?: CryptoJob) =>
      routes[algorithm].verify(algorithm, publicKey, message, signature, context, job),
    expandedSecretKey: (algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob) => routes[algorithm].expandedSecretKey(algorithm, seed, job),
  });
}

/** The lanes' slots for these options (see the module comment). */
export function laneSlots(options: CryptoBackendOptions, usesNative: boolean): { fast: number; slow: number } {
  const fast = options.threads ?? Math.max(1, availableParallelism() - 1);
  let slow = options.slowThreads ?? Math.max(1, Math.floor(fast / 2));
  if (usesNative) slow = Math.max(1, Math.min(slow, (options.libuvThreads ?? 4) - 1));
  return { fast, slow };
}

/**
 * The backend for a CRYPTO_BACKEND choice, with its scheduler (the `scheduler` field: the lead's
 * HTTP layer may read its snapshot()).
 * @throws CryptoBackendUnavailableError for `native` on a runtime without native ML-KEM, ML-DSA and SLH-DSA.
 */
export function createCryptoBackend(requested: CryptoBackendChoice, options: CryptoBackendOptions = {}): CryptoBackend & { readonly scheduler: CryptoScheduler } {
  const support = requested === 'noble' ? { kem: false, dsa: false, slhDsa: false } : nativeSupport();
  if (requested === 'native') {
    const reason = nativeUnavailableReason();
    if (reason) throw new CryptoBackendUnavailableError(reason);
  }
  const scheduler = new CryptoScheduler({
    slots: laneSlots(options, support.kem || support.dsa || support.slhDsa),
    ...(options.tenantQueueCost === undefined ? {} : { tenantQueueCost: options.tenantQueueCost }),
    ...(options.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: options.queueTimeoutMs }),
  });
  const workers = nobleWorkers(scheduler);
  const nobleKem = new NobleKem(workers);
  const nobleDsa = new NobleDsa(workers);
  const nativeKem = support.kem ? new NativeKem(scheduler) : undefined;
  const nativeDsa = support.dsa || support.slhDsa ? new NativeDsa(scheduler) : undefined;
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
  const close = async () => {
    scheduler.close();
    await Promise.all([workers.pools.fast.close(), workers.pools.slow.close()]);
  };
  return Object.freeze({ kem, dsa, aead, info, scheduler, close });
}
