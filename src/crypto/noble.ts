/**
 * The noble backend: @noble/post-quantum (FIPS 203 ML-KEM, X-Wing, FIPS 204 ML-DSA, FIPS 205
 * SLH-DSA) and @noble/ciphers (AES-256-GCM), the reference implementation and the fallback where
 * node:crypto lacks them (X-Wing always).
 *
 * The post-quantum operations (0.4 ms to 9 ms each for ML-KEM, X-Wing and ML-DSA; SLH-DSA signing
 * 0.1 s for SHA2-128f up to over 10 s for SHAKE-128s) run on a small piscina worker-thread pool,
 * so a burst of signing never holds the event loop; AES-GCM and HKDF (microseconds) run inline.
 * Every input check runs here, on the calling thread, before a task is queued: the worker only
 * computes. Secret keys cross to the worker as per-call copies, which both sides wipe afterwards.
 * @module
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from '@noble/hashes/utils.js';
import { Piscina } from 'piscina';
import { aeadOpen, aeadSeal } from './aead.ts';
import { isSlhDsaAlgorithm } from './algorithms.ts';
import type { AeadBackend, DsaBackend, DsaSignOptions, KemBackend, PreparedDsaKey, PreparedKemKey } from './backend.ts';
import { checkDsaContext, checkDsaRandomness, checkDsaSecretKey, checkDsaSeed, dsaAlgorithmOf, type DsaKeyPair } from './dsa.ts';
import { deriveAesKey } from './kdf.ts';
import type { WorkerTask } from './noble-worker.ts';
import {
  checkCipherText,
  checkDecapsulationKey,
  checkEncapsulationKey,
  checkEncapsulationRandomness,
  checkSeed as checkKemSeed,
  internalCryptoError,
  type Encapsulation,
  type KemKeyPair,
} from './kem.ts';
import { DSA_SIZES, KEM_SIZES, type DsaAlgorithm, type KemAlgorithm } from './params.ts';

// The worker beside this file: noble-worker.js once compiled (dist/); from the TypeScript sources
// (tests, `npm start` through tsx) a small entry that installs tsx in the worker first, because
// Node 20's worker threads do not inherit the main thread's module hooks.
const WORKER_FILE = new URL(extname(fileURLToPath(import.meta.url)) === '.ts' ? './noble-worker-tsx.mjs' : './noble-worker.js', import.meta.url).href;

const EMPTY = new Uint8Array(0);
/** SK.seed || SK.prf || PK.seed, n = 16 bytes each for the 128-bit sets (FIPS 205 table 2). */
const SLH_DSA_128_KEYGEN_SEED_BYTES = 48;

/** A lazily started worker pool; close() stops it for good. */
export class WorkerPool {
  #pool: Piscina | undefined;
  #closed = false;

  /** @param threads worker threads; default one less than the cores (at least one), leaving a core to the event loop. */
  constructor(private readonly threads = Math.max(1, availableParallelism() - 1)) {}

  run<T>(op: WorkerTask['op'], task: object): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('the crypto worker pool is closed'));
    this.#pool ??= new Piscina({ filename: WORKER_FILE, minThreads: this.threads, maxThreads: this.threads, idleTimeout: 60_000 });
    return this.#pool.run({ op, ...task }) as Promise<T>;
  }

  /** Whether worker threads have been started. */
  get started(): boolean {
    return this.#pool !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.destroy();
  }
}

/** Runs a worker task; a failure there is internal (inputs were checked before it was queued). */
async function inWorker<T>(pool: WorkerPool, name: WorkerTask['op'], task: object): Promise<T> {
  try {
    return await pool.run<T>(name, task);
  } catch (err) {
    throw internalCryptoError(`noble ${name}`, err);
  }
}

class NobleSecretKey<A extends string> {
  readonly implementation = 'noble' as const;
  #bytes: Uint8Array | undefined;
  constructor(
    readonly algorithm: A,
    bytes: Uint8Array,
  ) {
    this.#bytes = bytes;
  }
  /** A copy for one task (the worker wipes it): the key itself may be disposed while the task waits in the queue. */
  copy(): Uint8Array {
    if (!this.#bytes) throw new Error('secret key used after dispose()');
    return this.#bytes.slice();
  }
  dispose(): void {
    this.#bytes?.fill(0);
    this.#bytes = undefined;
  }
}

function nobleKey<A extends string>(key: { algorithm: A; implementation: string }): NobleSecretKey<A> {
  if (!(key instanceof NobleSecretKey)) throw new Error(`a ${key.implementation} key was given to the noble backend`);
  return key as NobleSecretKey<A>;
}

export class NobleKem implements KemBackend {
  readonly implementation = 'noble' as const;
  constructor(private readonly pool: WorkerPool) {}

  implementationFor(): 'noble' {
    return 'noble';
  }

  async keygen(algorithm: KemAlgorithm, seed: Uint8Array = randomBytes(KEM_SIZES[algorithm].seed)): Promise<KemKeyPair> {
    checkKemSeed(algorithm, seed);
    const publicKey = await inWorker<Uint8Array>(this.pool, 'kemPublicKey', { algorithm, seed: seed.slice() });
    return { algorithm, publicKey, seed };
  }

  /** Encapsulation; `message` (the randomness: ML-KEM m, 32 bytes; X-Wing eseed, 64) is for known-answer tests only. */
  async encapsulate(publicKey: Uint8Array, message?: Uint8Array): Promise<Encapsulation> {
    const algorithm = checkEncapsulationKey(publicKey);
    checkEncapsulationRandomness(algorithm, message);
    const out = await inWorker<Uint8Array>(this.pool, 'kemEncapsulate', { algorithm, publicKey, message });
    const split = out.length - 32;
    return { algorithm, cipherText: out.subarray(0, split), sharedSecret: out.subarray(split) };
  }

  async prepareSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<PreparedKemKey> {
    return new NobleSecretKey(algorithm, await this.expandedSecretKey(algorithm, seed));
  }

  async importExpandedSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array): Promise<PreparedKemKey> {
    checkDecapsulationKey(algorithm, secretKey);
    return new NobleSecretKey(algorithm, secretKey.slice());
  }

  async decapsulate(key: PreparedKemKey, cipherText: Uint8Array): Promise<Uint8Array> {
    const own = nobleKey(key);
    checkCipherText(own.algorithm, cipherText);
    return inWorker<Uint8Array>(this.pool, 'kemDecapsulate', { algorithm: own.algorithm, secretKey: own.copy(), cipherText });
  }

  async expandedSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<Uint8Array> {
    checkKemSeed(algorithm, seed);
    return inWorker<Uint8Array>(this.pool, 'kemSecretKey', { algorithm, seed: seed.slice() });
  }
}

export class NobleDsa implements DsaBackend {
  readonly implementation = 'noble' as const;
  readonly deterministicSigning = true;
  constructor(private readonly pool: WorkerPool) {}

  implementationFor(): 'noble' {
    return 'noble';
  }

  async keygen(algorithm: DsaAlgorithm, seed?: Uint8Array): Promise<DsaKeyPair> {
    if (isSlhDsaAlgorithm(algorithm)) {
      if (seed !== undefined) {
        checkDsaSeed(algorithm, seed);
        return { algorithm, publicKey: seed.slice(DSA_SIZES[algorithm].seed - DSA_SIZES[algorithm].publicKey), seed };
      }
      // FIPS 205 slh_keygen (algorithm 21): SK.seed, SK.prf and PK.seed fresh, then PK.root, the costly part, in a worker.
      const secretKey = await inWorker<Uint8Array>(this.pool, 'slhKeygen', { algorithm, seed: randomBytes(SLH_DSA_128_KEYGEN_SEED_BYTES) });
      return { algorithm, publicKey: secretKey.slice(DSA_SIZES[algorithm].seed - DSA_SIZES[algorithm].publicKey), seed: secretKey };
    }
    seed ??= randomBytes(DSA_SIZES[algorithm].seed);
    checkDsaSeed(algorithm, seed);
    const publicKey = await inWorker<Uint8Array>(this.pool, 'dsaPublicKey', { algorithm, seed: seed.slice() });
    return { algorithm, publicKey, seed };
  }

  async prepareSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Promise<PreparedDsaKey> {
    return new NobleSecretKey(algorithm, await this.expandedSecretKey(algorithm, seed));
  }

  async importExpandedSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array): Promise<PreparedDsaKey> {
    checkDsaSecretKey(algorithm, secretKey);
    return new NobleSecretKey(algorithm, secretKey.slice());
  }

  async sign(key: PreparedDsaKey, message: Uint8Array, { context = EMPTY, deterministic = false, randomness }: DsaSignOptions = {}): Promise<Uint8Array> {
    const own = nobleKey(key);
    checkDsaContext(context);
    checkDsaRandomness(own.algorithm, randomness);
    return inWorker<Uint8Array>(this.pool, 'dsaSign', { algorithm: own.algorithm, secretKey: own.copy(), message, context, deterministic, randomness });
  }

  async verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array = EMPTY, algorithm?: DsaAlgorithm): Promise<boolean> {
    const chosen = dsaAlgorithmOf(publicKey, algorithm);
    checkDsaContext(context);
    if (signature.length !== DSA_SIZES[chosen].signature) return false;
    return inWorker<boolean>(this.pool, 'dsaVerify', { algorithm: chosen, publicKey, message, signature, context });
  }

  /** ML-DSA: the expanded sk (in a worker); SLH-DSA: the stored secret key is already that, so a copy. */
  async expandedSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Promise<Uint8Array> {
    checkDsaSeed(algorithm, seed);
    if (isSlhDsaAlgorithm(algorithm)) return seed.slice();
    return inWorker<Uint8Array>(this.pool, 'dsaSecretKey', { algorithm, seed: seed.slice() });
  }
}

/** AES-256-GCM and HKDF inline: microseconds, cheaper than a trip to a worker. */
export const nobleAead: AeadBackend = Object.freeze({
  implementation: 'noble' as const,
  async seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, nonce?: Uint8Array) {
    return aeadSeal(key, plaintext, aad, nonce);
  },
  async open(key: Uint8Array, blob: Uint8Array, aad?: Uint8Array) {
    return aeadOpen(key, blob, aad);
  },
  async deriveAesKey(sharedKey: Uint8Array) {
    return deriveAesKey(sharedKey);
  },
});
