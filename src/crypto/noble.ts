/**
 * The noble backend: @noble/post-quantum (FIPS 203 ML-KEM, X-Wing, FIPS 204 ML-DSA, FIPS 205
 * SLH-DSA) and @noble/ciphers (AES-256-GCM), the reference implementation and the fallback where
 * node:crypto lacks them (X-Wing always).
 *
 * The post-quantum operations (0.2 ms to 9 ms each for ML-KEM, X-Wing and ML-DSA; SLH-DSA signing
 * 0.1 s for SHA2-128f up to several seconds for SHAKE-128s: costs.ts) run on piscina worker
 * threads, so a burst of signing never holds the event loop (ML-KEM encapsulation and
 * decapsulation, 0.3-0.7 ms, run inline instead: costs.ts runsInline, the hand-off costs as much
 * CPU as they do). One pool per scheduler lane
 * (scheduler.ts), as many threads as the lane has slots, and the scheduler never gives a pool more
 * tasks than it has threads, so piscina's own FIFO queue stays empty and the order is the
 * scheduler's (fair by tenant and cost). Slow work (SLH-DSA) thus never holds a thread fast work
 * needs. AES-GCM and HKDF (microseconds) run inline.
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
import type { AeadBackend, CryptoJob, DsaBackend, DsaSignOptions, KemBackend, PreparedDsaKey, PreparedKemKey } from './backend.ts';
import { costOf, laneOf, runsInline, type CryptoOp } from './costs.ts';
import { runInline, type CryptoScheduler, type Lane } from './scheduler.ts';
import { checkDsaContext, checkDsaPublicKey, checkDsaRandomness, checkDsaSecretKey, checkDsaSeed, type DsaKeyPair } from './dsa.ts';
import { deriveAesKey } from './kdf.ts';
import type { WorkerTask } from './noble-worker.ts';
import {
  checkCipherText,
  checkDecapsulationKey,
  checkEncapsulationKey,
  checkEncapsulationRandomness,
  checkSeed as checkKemSeed,
  checkedCall,
  internalCryptoError,
  NOBLE_KEM,
  type Encapsulation,
  type KemKeyPair,
} from './kem.ts';
import { DSA_SIZES, KEM_SIZES, isSlhDsaAlgorithm, type DsaAlgorithm, type KemAlgorithm } from './algorithms.ts';
import type { KEMPrepared, MLKEM } from '@noble/post-quantum/ml-kem.js';
import { RecurringKeys } from './recurring-keys.ts';

// The worker beside this file: noble-worker.js once compiled (dist/); from the TypeScript sources
// (tests, `npm start` through tsx) a small entry that installs tsx in the worker first, because
// Node 20's worker threads do not inherit the main thread's module hooks.
const WORKER_FILE = new URL(extname(fileURLToPath(import.meta.url)) === '.ts' ? './noble-worker-tsx.mjs' : './noble-worker.js', import.meta.url).href;

const EMPTY = new Uint8Array(0);
/** SK.seed || SK.prf || PK.seed, n = 16 bytes each for the 128-bit sets (FIPS 205 table 2). */
const SLH_DSA_128_KEYGEN_SEED_BYTES = 48;

/** noble's ML-KEM set of an operation that runs inline here (costs.ts runsInline: ML-KEM), or undefined when it goes to a worker. */
function inlineKem(algorithm: KemAlgorithm, op: CryptoOp): MLKEM | undefined {
  return algorithm !== 'X-Wing' && runsInline(algorithm, op, 'noble') ? NOBLE_KEM[algorithm] : undefined;
}

/**
 * Prepared encapsulation keys kept at most (about 7 KB each for ML-KEM-768, 11 KB for ML-KEM-1024):
 * noble's `prepare` (H(ek), the decoded t-hat and the expanded matrix A-hat, all public), kept for
 * the keys that come back (recurring-keys.ts: from a key's second encapsulation within the last
 * that many keys). An encapsulation to a prepared key skips H(ek) and the k^2 SHAKE128 expansions
 * of A-hat, about half of its cost (Node 20: 0.27 against 0.53 ms), as the native backend's kept
 * KeyObjects skip OpenSSL's import. Every check of the key (kem.ts checkEncapsulationKey) still
 * runs on every call, before this.
 */
const PREPARED_PUBLIC_KEY_ENTRIES = 512;

/** Wipes the whole buffer behind a view (noble returns K as a view of K || r). */
function wipeBuffer(bytes: Uint8Array): void {
  new Uint8Array(bytes.buffer).fill(0);
}

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

/** The scheduler and one worker pool per lane, shared by NobleKem and NobleDsa. */
export interface NobleWorkers {
  readonly scheduler: CryptoScheduler;
  readonly pools: Readonly<Record<Lane, WorkerPool>>;
}

/** One worker pool per lane of the scheduler, each with as many threads as the lane has slots. */
export function nobleWorkers(scheduler: CryptoScheduler): NobleWorkers {
  return Object.freeze({ scheduler, pools: Object.freeze({ fast: new WorkerPool(scheduler.slots('fast')), slow: new WorkerPool(scheduler.slots('slow')) }) });
}

/**
 * Runs a worker task in its lane, when the scheduler says; a failure inside the worker is internal
 * (inputs were checked before it was queued). Refusals by the scheduler (CryptoBusyError, an
 * abort, a failed beforeStart) pass through as they are.
 */
async function inWorker<T>(workers: NobleWorkers, algorithm: KemAlgorithm | DsaAlgorithm, op: CryptoOp, name: WorkerTask['op'], task: SecretTask, job: CryptoJob | undefined): Promise<T> {
  const lane = laneOf(algorithm, op, 'noble');
  let started = false;
  try {
    return await workers.scheduler.run({ lane, cost: costOf(algorithm, op, 'noble') }, job, async () => {
      started = true;
      try {
        return await workers.pools[lane].run<T>(name, task);
      } catch (err) {
        throw internalCryptoError(`noble ${name}`, err);
      }
    });
  } finally {
    // Refused or dropped before it ran: the worker never got (nor wiped) the secret copies.
    if (!started) for (const secret of [task.secretKey, task.seed]) if (secret instanceof Uint8Array) secret.fill(0);
  }
}

/** A worker task's arguments; `secretKey` and `seed` are per-task copies of secrets. */
type SecretTask = Readonly<Record<string, unknown>>;

class NobleSecretKey<A extends string> {
  readonly implementation = 'noble' as const;
  #bytes: Uint8Array | undefined;
  /** ML-KEM: noble's prepared form of the encapsulation key this expanded key embeds; null when it cannot be prepared. */
  #prepared: KEMPrepared | null | undefined;
  /** Inline decapsulations so far: the key is prepared for its second (a key used once never is). */
  #decapsulations = 0;
  constructor(
    readonly algorithm: A,
    bytes: Uint8Array,
  ) {
    this.#bytes = bytes;
  }
  /** The key itself, for an inline operation (it runs now: the key cannot be disposed under it). */
  bytes(): Uint8Array {
    if (!this.#bytes) throw new Error('secret key used after dispose()');
    return this.#bytes;
  }
  /** A copy for one task (the worker wipes it): the key itself may be disposed while the task waits in the queue. */
  copy(): Uint8Array {
    if (!this.#bytes) throw new Error('secret key used after dispose()');
    return this.#bytes.slice();
  }
  dispose(): void {
    this.#bytes?.fill(0);
    this.#bytes = undefined;
    this.#prepared = undefined;
  }

  /**
   * For an inline ML-KEM decapsulation: the prepared encapsulation key (public data, made once per
   * key, on its second decapsulation: a stored key stays prepared in the key cache) whose
   * decapsulate re-encrypts without expanding A-hat again (Node 20: 0.38 against 0.59 ms). Null for
   * a first decapsulation, and when the embedded key fails noble's modulus check: FIPS 203 section
   * 7.3 asks only the hash check of a decapsulation key, so such a key decapsulates the one-shot way.
   */
  preparedKem(algorithm: KemAlgorithm, kem: MLKEM): KEMPrepared | null {
    const dk = this.bytes();
    if (this.#prepared !== undefined) return this.#prepared;
    if (++this.#decapsulations < 2) return null;
    const ekStart = KEM_SIZES[algorithm].publicKey - 32; // dk = dk_PKE (384k) || ek || H(ek) || z
    try {
      this.#prepared = kem.prepare(dk.subarray(ekStart, ekStart + KEM_SIZES[algorithm].publicKey));
    } catch {
      this.#prepared = null;
    }
    return this.#prepared;
  }
}

function nobleKey<A extends string>(key: { algorithm: A; implementation: string }): NobleSecretKey<A> {
  if (!(key instanceof NobleSecretKey)) throw new Error(`a ${key.implementation} key was given to the noble backend`);
  return key as NobleSecretKey<A>;
}

export class NobleKem implements KemBackend {
  readonly implementation = 'noble' as const;
  readonly #prepared = new RecurringKeys<KEMPrepared>(PREPARED_PUBLIC_KEY_ENTRIES);
  constructor(private readonly workers: NobleWorkers) {}

  implementationFor(): 'noble' {
    return 'noble';
  }

  async keygen(algorithm: KemAlgorithm, seed: Uint8Array = randomBytes(KEM_SIZES[algorithm].seed), job?: CryptoJob): Promise<KemKeyPair> {
    checkKemSeed(algorithm, seed);
    const publicKey = await inWorker<Uint8Array>(this.workers, algorithm, 'keygen', 'kemPublicKey', { algorithm, seed: seed.slice() }, job);
    return { algorithm, publicKey, seed };
  }

  async encapsulate(algorithm: KemAlgorithm, publicKey: Uint8Array, job?: CryptoJob): Promise<Encapsulation> {
    return this.#encapsulate(algorithm, publicKey, undefined, job);
  }

  /** Encapsulation with caller-given randomness (ML-KEM m, 32 bytes; X-Wing eseed, 64): for known-answer tests only. */
  async encapsulateWithRandomness(algorithm: KemAlgorithm, publicKey: Uint8Array, message: Uint8Array): Promise<Encapsulation> {
    return this.#encapsulate(algorithm, publicKey, message, undefined);
  }

  async #encapsulate(algorithm: KemAlgorithm, publicKey: Uint8Array, message: Uint8Array | undefined, job: CryptoJob | undefined): Promise<Encapsulation> {
    checkEncapsulationKey(algorithm, publicKey);
    checkEncapsulationRandomness(algorithm, message);
    const inline = inlineKem(algorithm, 'encapsulate');
    if (inline) {
      return this.workers.scheduler.inline(job, () => {
        const { cipherText, sharedSecret } = checkedCall(`noble ${algorithm} encapsulation`, () => {
          const prepared = this.#prepared.get(publicKey, () => inline.prepare(publicKey));
          return prepared ? prepared.encapsulate(message) : inline.encapsulate(publicKey, message);
        });
        const secret = sharedSecret.slice();
        wipeBuffer(sharedSecret);
        return { algorithm, cipherText, sharedSecret: secret };
      });
    }
    const out = await inWorker<Uint8Array>(this.workers, algorithm, 'encapsulate', 'kemEncapsulate', { algorithm, publicKey, message }, job);
    const split = out.length - 32;
    return { algorithm, cipherText: out.subarray(0, split), sharedSecret: out.subarray(split) };
  }

  async prepareSecretKey(algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<PreparedKemKey> {
    return new NobleSecretKey(algorithm, await this.expandedSecretKey(algorithm, seed, job));
  }

  async importExpandedSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array, job?: CryptoJob): Promise<PreparedKemKey> {
    checkDecapsulationKey(algorithm, secretKey);
    return runInline(job, () => new NobleSecretKey(algorithm, secretKey.slice()));
  }

  async decapsulate(key: PreparedKemKey, cipherText: Uint8Array, job?: CryptoJob): Promise<Uint8Array> {
    const own = nobleKey(key);
    checkCipherText(own.algorithm, cipherText);
    const inline = inlineKem(own.algorithm, 'decapsulate');
    if (inline) {
      return this.workers.scheduler.inline(job, () => {
        const prepared = own.preparedKem(own.algorithm, inline);
        const shared = checkedCall(`noble ${own.algorithm} decapsulation`, () => (prepared ?? inline).decapsulate(cipherText, own.bytes()));
        const secret = shared.slice();
        wipeBuffer(shared);
        return secret;
      });
    }
    return inWorker<Uint8Array>(this.workers, own.algorithm, 'decapsulate', 'kemDecapsulate', { algorithm: own.algorithm, secretKey: own.copy(), cipherText }, job);
  }

  async expandedSecretKey(algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<Uint8Array> {
    checkKemSeed(algorithm, seed);
    return inWorker<Uint8Array>(this.workers, algorithm, 'prepare', 'kemSecretKey', { algorithm, seed: seed.slice() }, job);
  }
}

export class NobleDsa implements DsaBackend {
  readonly implementation = 'noble' as const;
  readonly deterministicSigning = true;
  constructor(private readonly workers: NobleWorkers) {}

  implementationFor(): 'noble' {
    return 'noble';
  }

  async keygen(algorithm: DsaAlgorithm, seed?: Uint8Array, job?: CryptoJob): Promise<DsaKeyPair> {
    const { seed: seedBytes, publicKey: publicKeyBytes } = DSA_SIZES[algorithm];
    if (isSlhDsaAlgorithm(algorithm)) {
      if (seed !== undefined) {
        const stored = seed;
        checkDsaSeed(algorithm, stored);
        return runInline(job, () => ({ algorithm, publicKey: stored.slice(seedBytes - publicKeyBytes), seed: stored }));
      }
      // FIPS 205 slh_keygen (algorithm 21): SK.seed, SK.prf and PK.seed fresh, then PK.root, the costly part, in a worker.
      const secretKey = await inWorker<Uint8Array>(this.workers, algorithm, 'keygen', 'slhKeygen', { algorithm, seed: randomBytes(SLH_DSA_128_KEYGEN_SEED_BYTES) }, job);
      return { algorithm, publicKey: secretKey.slice(seedBytes - publicKeyBytes), seed: secretKey };
    }
    seed ??= randomBytes(seedBytes);
    checkDsaSeed(algorithm, seed);
    const publicKey = await inWorker<Uint8Array>(this.workers, algorithm, 'keygen', 'dsaPublicKey', { algorithm, seed: seed.slice() }, job);
    return { algorithm, publicKey, seed };
  }

  async prepareSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<PreparedDsaKey> {
    return new NobleSecretKey(algorithm, await this.expandedSecretKey(algorithm, seed, job));
  }

  async importExpandedSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array, job?: CryptoJob): Promise<PreparedDsaKey> {
    checkDsaSecretKey(algorithm, secretKey);
    return runInline(job, () => new NobleSecretKey(algorithm, secretKey.slice()));
  }

  async sign(key: PreparedDsaKey, message: Uint8Array, { context = EMPTY, deterministic = false, randomness }: DsaSignOptions = {}, job?: CryptoJob): Promise<Uint8Array> {
    const own = nobleKey(key);
    checkDsaContext(context);
    checkDsaRandomness(own.algorithm, randomness);
    return inWorker<Uint8Array>(this.workers, own.algorithm, 'sign', 'dsaSign', { algorithm: own.algorithm, secretKey: own.copy(), message, context, deterministic, randomness }, job);
  }

  async verify(algorithm: DsaAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array = EMPTY, job?: CryptoJob): Promise<boolean> {
    checkDsaPublicKey(algorithm, publicKey);
    checkDsaContext(context);
    if (signature.length !== DSA_SIZES[algorithm].signature) return job ? runInline(job, () => false) : false;
    return inWorker<boolean>(this.workers, algorithm, 'verify', 'dsaVerify', { algorithm, publicKey, message, signature, context }, job);
  }

  /** ML-DSA: the expanded sk (in a worker); SLH-DSA: the stored secret key is already that, so a copy. */
  async expandedSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<Uint8Array> {
    checkDsaSeed(algorithm, seed);
    if (isSlhDsaAlgorithm(algorithm)) return runInline(job, () => seed.slice());
    return inWorker<Uint8Array>(this.workers, algorithm, 'prepare', 'dsaSecretKey', { algorithm, seed: seed.slice() }, job);
  }
}

/** AES-256-GCM and HKDF inline: microseconds, cheaper than a trip to a worker. */
export const nobleAead: AeadBackend = Object.freeze({
  implementation: 'noble' as const,
  async seal(key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, nonce?: Uint8Array, job?: CryptoJob) {
    return runInline(job, () => aeadSeal(key, plaintext, aad, nonce));
  },
  async open(key: Uint8Array, blob: Uint8Array, aad?: Uint8Array, job?: CryptoJob) {
    return runInline(job, () => aeadOpen(key, blob, aad));
  },
  async deriveAesKey(sharedKey: Uint8Array, job?: CryptoJob) {
    return runInline(job, () => deriveAesKey(sharedKey));
  },
});
