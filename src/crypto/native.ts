/**
 * The native backend: node:crypto. ML-KEM (FIPS 203) and ML-DSA (FIPS 204) from OpenSSL 3.5 where
 * the runtime has them (Node >= 24.7); AES-256-GCM and HKDF-SHA256 (RFC 5869) on every Node.
 *
 * - Raw encodings in and out: public keys are imported with format 'raw-public', stored seeds
 *   (ML-KEM d || z, ML-DSA xi) with 'raw-seed'; an expanded key (test vectors only) as a PKCS#8
 *   "expandedKey" document (draft-ietf-lamps-kyber-certificates / -dilithium-certificates).
 * - The FIPS 203 section 7.2 / 7.3 checks are made here, explicitly (kem.ts), before OpenSSL sees
 *   the key; whatever fails after that is an internal error.
 * - Encapsulation, decapsulation, signing, verification and random key generation use the
 *   callback forms, which run on the libuv thread pool, off the event loop.
 * - At most `threads` of these jobs run at once (default: cores - 1, at least 1); the rest wait
 *   their turn in JavaScript. Otherwise a burst of signing fills the libuv pool (4 threads), which
 *   then outweighs the event loop on a small machine and delays the pool's other work (file
 *   system, DNS lookups).
 * - Imported public keys are kept in a small LRU keyed by their bytes: importing costs more than
 *   encapsulating (about 43 us against 31 us for ML-KEM-768).
 * - Not available through node:crypto: encapsulation with caller-given randomness m and
 *   deterministic ML-DSA signing (known-answer tests use the noble backend for those).
 * @module
 */
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { AeadBackend, DsaBackend, DsaSignOptions, KemBackend, PreparedDsaKey, PreparedKemKey } from './backend.ts';
import { AES_KEY_BYTES, GCM_MIN_BLOB_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES } from './aead.ts';
import type { DsaKeyPair } from './dsa.ts';
import { CryptoInputError, DecryptionError } from './errors.ts';
import { AES_KEY_INFO } from './kdf.ts';
import {
  checkCipherText,
  checkDecapsulationKey,
  checkEncapsulationKey,
  checkSeed as checkKemSeed,
  internalCryptoError,
  type Encapsulation,
  type KemKeyPair,
} from './kem.ts';
import { LruCache } from './lru.ts';
import { checkDsaContext, dsaAlgorithmOf } from './noble.ts';
import { DSA_SIZES, KEM_SIZES, type DsaAlgorithm, type KemAlgorithm } from './params.ts';

// Node's key-type names, and the object identifiers of the PKCS#8 AlgorithmIdentifier (NIST CSOR:
// 2.16.840.1.101.3.4.4.1-3 for ML-KEM, 2.16.840.1.101.3.4.3.17-19 for ML-DSA).
const KEM_NATIVE = Object.freeze({
  'ML-KEM-512': { type: 'ml-kem-512', oid: 0x0401 },
  'ML-KEM-768': { type: 'ml-kem-768', oid: 0x0402 },
  'ML-KEM-1024': { type: 'ml-kem-1024', oid: 0x0403 },
} as const);
const DSA_NATIVE = Object.freeze({
  'ML-DSA-44': { type: 'ml-dsa-44', oid: 0x0311 },
  'ML-DSA-65': { type: 'ml-dsa-65', oid: 0x0312 },
  'ML-DSA-87': { type: 'ml-dsa-87', oid: 0x0313 },
} as const);

const EMPTY = new Uint8Array(0);
const PUBLIC_KEY_CACHE_ENTRIES = 256;

type Callback<T> = (err: Error | null, value: T) => void;
/**
 * The parts of node:crypto this file needs beyond the Node 20 typings (@types/node is pinned to
 * the oldest supported runtime): crypto.encapsulate / decapsulate (Node 24.7), the raw key
 * formats, and the `context` option of sign / verify. Reached through the namespace, because a
 * named import of a missing export would fail to link on Node 20.
 */
interface NodePq {
  encapsulate?(key: KeyObject, callback: Callback<{ sharedKey: Buffer; ciphertext: Buffer }>): void;
  encapsulate?(key: KeyObject): { sharedKey: Buffer; ciphertext: Buffer };
  decapsulate?(key: KeyObject, ciphertext: Uint8Array, callback: Callback<Buffer>): void;
  decapsulate?(key: KeyObject, ciphertext: Uint8Array): Buffer;
  sign(algorithm: null, data: Uint8Array, key: { key: KeyObject; context: Uint8Array }, callback: Callback<Buffer>): void;
  sign(algorithm: null, data: Uint8Array, key: { key: KeyObject; context: Uint8Array }): Buffer;
  verify(algorithm: null, data: Uint8Array, key: { key: KeyObject; context: Uint8Array }, signature: Uint8Array, callback: Callback<boolean>): void;
  verify(algorithm: null, data: Uint8Array, key: { key: KeyObject; context?: Uint8Array } | KeyObject, signature: Uint8Array): boolean;
  generateKeyPair(type: string, options: object, callback: (err: Error | null, publicKey: KeyObject, privateKey: KeyObject) => void): void;
  createPrivateKey(input: { key: Buffer; format: 'raw-seed'; asymmetricKeyType: string }): KeyObject;
  createPublicKey(input: { key: Buffer; format: 'raw-public'; asymmetricKeyType: string }): KeyObject;
}
const pq = nodeCrypto as unknown as NodePq;
const exportRaw = (key: KeyObject, format: 'raw-public' | 'raw-seed'): Buffer => (key.export as (o: object) => Buffer)({ format });

export interface NativeSupport {
  /** ML-KEM-512/768/1024 through crypto.encapsulate / decapsulate with raw key formats. */
  readonly kem: boolean;
  /** ML-DSA-44/65/87 through crypto.sign / verify with raw key formats and a context string. */
  readonly dsa: boolean;
}

/** What this runtime's node:crypto offers; probed by use (a few key imports), not by version numbers. */
export function nativeSupport(): NativeSupport {
  return { kem: probe(probeKem), dsa: probe(probeDsa) };
}

function probe(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function probeKem(): boolean {
  if (!pq.encapsulate || !pq.decapsulate) return false;
  const key = pq.createPrivateKey({ key: Buffer.alloc(64, 1), format: 'raw-seed', asymmetricKeyType: 'ml-kem-512' });
  const pub = pq.createPublicKey({ key: exportRaw(createPublicKey(key), 'raw-public'), format: 'raw-public', asymmetricKeyType: 'ml-kem-512' });
  const { sharedKey, ciphertext } = pq.encapsulate(pub);
  return pq.decapsulate(key, ciphertext).equals(sharedKey);
}

function probeDsa(): boolean {
  const key = pq.createPrivateKey({ key: Buffer.alloc(32, 1), format: 'raw-seed', asymmetricKeyType: 'ml-dsa-44' });
  const pub = createPublicKey(key);
  const message = Buffer.from('probe');
  const context = Buffer.from('a');
  const signature = pq.sign(null, message, { key, context });
  // A runtime that ignored the context option would accept the signature without it.
  return pq.verify(null, message, { key: pub, context }, signature) && !pq.verify(null, message, pub, signature);
}

// ---- small helpers ----

/** A counting semaphore: at most `limit` jobs at once, the others queued in arrival order. */
export class JobLimiter {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes straight to the next job
      else this.#running--;
    }
  }
}

/** Runs a node:crypto callback API as a promise; its failures are internal (inputs are checked first). */
function callback<T>(operation: string, start: (done: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((err, value) => (err ? reject(internalCryptoError(operation, err)) : resolve(value)));
    } catch (err) {
      reject(internalCryptoError(operation, err));
    }
  });
}

function sync<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw internalCryptoError(operation, err);
  }
}

const bytes = (b: Buffer | ArrayBuffer): Uint8Array => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

function derLength(n: number): number[] {
  return n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
}

function der(tag: number, body: Uint8Array): Uint8Array {
  const head = [tag, ...derLength(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** PKCS#8 OneAsymmetricKey v0 holding only the expanded key: the "expandedKey" choice of the private-key CHOICE. */
function pkcs8Expanded(oidTail: number, expanded: Uint8Array): Buffer {
  // 2.16.840.1.101.3.4.{4|3}.n = 60 86 48 01 65 03 04 <family> <n>
  const oid = Uint8Array.from([0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, oidTail >> 8, oidTail & 0xff]);
  const body = [Uint8Array.from([0x02, 0x01, 0x00]), der(0x30, oid), der(0x04, der(0x04, expanded))];
  return Buffer.from(der(0x30, Uint8Array.from(body.flatMap((b) => [...b]))));
}

/** The expanded key inside OpenSSL's PKCS#8 export (the "both" choice: seed, then expanded key, last). */
function expandedFromPkcs8(document: Buffer, length: number): Uint8Array {
  const header = document.length - length - 4; // OCTET STRING, 0x82, two length bytes
  if (header < 0 || document[header] !== 0x04 || document[header + 1] !== 0x82 || document.readUInt16BE(header + 2) !== length) {
    throw new Error('unexpected PKCS#8 layout from node:crypto');
  }
  return new Uint8Array(document.subarray(document.length - length));
}

class NativeSecretKey<A extends string> {
  readonly implementation = 'native' as const;
  #key: KeyObject | undefined;
  constructor(
    readonly algorithm: A,
    key: KeyObject,
  ) {
    this.#key = key;
  }
  get key(): KeyObject {
    if (!this.#key) throw new Error('secret key used after dispose()');
    return this.#key;
  }
  /**
   * Drops the reference. A KeyObject cannot be wiped from JavaScript: OpenSSL frees (and
   * cleanses) the key when the object is collected. Calls already under way keep their reference.
   */
  dispose(): void {
    this.#key = undefined;
  }
}

function nativeKey<A extends string>(key: { algorithm: A; implementation: string }): NativeSecretKey<A> {
  if (!(key instanceof NativeSecretKey)) throw new Error(`a ${key.implementation} key was given to the native backend`);
  return key as NativeSecretKey<A>;
}

/** Imported public KeyObjects by their raw bytes (public, so safe to keep). */
class PublicKeys {
  readonly #cache = new LruCache<KeyObject>({ maxEntries: PUBLIC_KEY_CACHE_ENTRIES });
  get(type: string, raw: Uint8Array): KeyObject {
    const id = `${type}:${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1')}`;
    let key = this.#cache.get(id);
    if (!key) {
      key = sync(`${type} public key import`, () => pq.createPublicKey({ key: Buffer.from(raw), format: 'raw-public', asymmetricKeyType: type }));
      this.#cache.set(id, key);
    }
    return key;
  }
}

function importSeed(type: string, seed: Uint8Array): KeyObject {
  return sync(`${type} seed import`, () => pq.createPrivateKey({ key: Buffer.from(seed), format: 'raw-seed', asymmetricKeyType: type }));
}

function randomKeyPair(type: string): Promise<{ publicKey: Uint8Array; seed: Uint8Array }> {
  return callback(`${type} key generation`, (done) =>
    pq.generateKeyPair(type, {}, (err, publicKey, privateKey) => {
      if (err) return done(err, undefined as never);
      try {
        done(null, { publicKey: bytes(exportRaw(publicKey, 'raw-public')), seed: bytes(exportRaw(privateKey, 'raw-seed')) });
      } catch (e) {
        done(e as Error, undefined as never);
      }
    }),
  );
}

export class NativeKem implements KemBackend {
  readonly implementation = 'native' as const;
  readonly #publicKeys = new PublicKeys();
  constructor(private readonly jobs: JobLimiter) {}

  async keygen(algorithm: KemAlgorithm, seed?: Uint8Array): Promise<KemKeyPair> {
    const { type } = KEM_NATIVE[algorithm];
    if (seed === undefined) return { algorithm, ...(await this.jobs.run(() => randomKeyPair(type))) };
    checkKemSeed(algorithm, seed);
    const key = importSeed(type, seed);
    return { algorithm, publicKey: bytes(exportRaw(createPublicKey(key), 'raw-public')), seed };
  }

  async encapsulate(publicKey: Uint8Array): Promise<Encapsulation> {
    const algorithm = checkEncapsulationKey(publicKey);
    const key = this.#publicKeys.get(KEM_NATIVE[algorithm].type, publicKey);
    const out = await this.jobs.run(() => callback<{ sharedKey: Buffer; ciphertext: Buffer }>(`${algorithm} encapsulation`, (done) => pq.encapsulate!(key, done)));
    return { algorithm, cipherText: bytes(out.ciphertext), sharedSecret: bytes(out.sharedKey) };
  }

  async prepareSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<PreparedKemKey> {
    checkKemSeed(algorithm, seed);
    return new NativeSecretKey(algorithm, importSeed(KEM_NATIVE[algorithm].type, seed));
  }

  async importExpandedSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array): Promise<PreparedKemKey> {
    checkDecapsulationKey(algorithm, secretKey);
    const document = pkcs8Expanded(KEM_NATIVE[algorithm].oid, secretKey);
    return new NativeSecretKey(algorithm, sync(`${algorithm} expanded key import`, () => createPrivateKey({ key: document, format: 'der', type: 'pkcs8' })));
  }

  async decapsulate(key: PreparedKemKey, cipherText: Uint8Array): Promise<Uint8Array> {
    const own = nativeKey(key);
    checkCipherText(own.algorithm, cipherText);
    const keyObject = own.key;
    return bytes(await this.jobs.run(() => callback<Buffer>(`${own.algorithm} decapsulation`, (done) => pq.decapsulate!(keyObject, cipherText, done))));
  }

  async expandedSecretKey(algorithm: KemAlgorithm, seed: Uint8Array): Promise<Uint8Array> {
    checkKemSeed(algorithm, seed);
    const document = importSeed(KEM_NATIVE[algorithm].type, seed).export({ format: 'der', type: 'pkcs8' });
    return expandedFromPkcs8(document, KEM_SIZES[algorithm].secretKey);
  }
}

function checkDsaSeed(algorithm: DsaAlgorithm, seed: Uint8Array): void {
  if (seed.length !== DSA_SIZES[algorithm].seed) throw new CryptoInputError('seed', `ML-DSA seed must be 32 bytes, got ${seed.length}`);
}

export class NativeDsa implements DsaBackend {
  readonly implementation = 'native' as const;
  readonly deterministicSigning = false;
  readonly #publicKeys = new PublicKeys();
  constructor(private readonly jobs: JobLimiter) {}

  async keygen(algorithm: DsaAlgorithm, seed?: Uint8Array): Promise<DsaKeyPair> {
    const { type } = DSA_NATIVE[algorithm];
    if (seed === undefined) return { algorithm, ...(await this.jobs.run(() => randomKeyPair(type))) };
    checkDsaSeed(algorithm, seed);
    return { algorithm, publicKey: bytes(exportRaw(createPublicKey(importSeed(type, seed)), 'raw-public')), seed };
  }

  async prepareSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Promise<PreparedDsaKey> {
    checkDsaSeed(algorithm, seed);
    return new NativeSecretKey(algorithm, importSeed(DSA_NATIVE[algorithm].type, seed));
  }

  async importExpandedSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array): Promise<PreparedDsaKey> {
    const expected = DSA_SIZES[algorithm].secretKey;
    if (secretKey.length !== expected) throw new CryptoInputError('sk', `${algorithm} secret key must be ${expected} bytes, got ${secretKey.length}`);
    const document = pkcs8Expanded(DSA_NATIVE[algorithm].oid, secretKey);
    return new NativeSecretKey(algorithm, sync(`${algorithm} expanded key import`, () => createPrivateKey({ key: document, format: 'der', type: 'pkcs8' })));
  }

  async sign(key: PreparedDsaKey, message: Uint8Array, { context = EMPTY, deterministic = false, randomness }: DsaSignOptions = {}): Promise<Uint8Array> {
    const own = nativeKey(key);
    checkDsaContext(context);
    if (deterministic || randomness) throw new Error('ML-DSA signing with chosen randomness is not available through node:crypto: use the noble backend');
    const keyObject = own.key;
    return bytes(await this.jobs.run(() => callback<Buffer>(`${own.algorithm} signing`, (done) => pq.sign(null, message, { key: keyObject, context }, done))));
  }

  async verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array = EMPTY): Promise<boolean> {
    const algorithm = dsaAlgorithmOf(publicKey);
    checkDsaContext(context);
    if (signature.length !== DSA_SIZES[algorithm].signature) return false;
    const key = this.#publicKeys.get(DSA_NATIVE[algorithm].type, publicKey);
    return this.jobs.run(() => callback<boolean>(`${algorithm} verification`, (done) => pq.verify(null, message, { key, context }, signature, done)));
  }

  async expandedSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array): Promise<Uint8Array> {
    checkDsaSeed(algorithm, seed);
    const document = importSeed(DSA_NATIVE[algorithm].type, seed).export({ format: 'der', type: 'pkcs8' });
    return expandedFromPkcs8(document, DSA_SIZES[algorithm].secretKey);
  }
}

function checkAesKey(key: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) throw new CryptoInputError('key', `AES-256 key must be 32 bytes, got ${key.length}`);
}

const AES_INFO = Buffer.from(AES_KEY_INFO);

/** AES-256-GCM and HKDF-SHA256 through node:crypto (OpenSSL), on every supported Node. Same wire format as aead.ts. */
export const nativeAead: AeadBackend = Object.freeze({
  implementation: 'native' as const,
  async seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY, nonce: Uint8Array = randomBytes(GCM_NONCE_BYTES)) {
    checkAesKey(key);
    if (nonce.length !== GCM_NONCE_BYTES) throw new CryptoInputError('nonce', 'GCM nonce must be 12 bytes');
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES });
    cipher.setAAD(aad);
    const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return bytes(body);
  },
  async open(key: Uint8Array, blob: Uint8Array, aad: Uint8Array = EMPTY) {
    checkAesKey(key);
    if (blob.length < GCM_MIN_BLOB_BYTES) {
      throw new CryptoInputError('ciphertext', `ciphertext must be at least ${GCM_MIN_BLOB_BYTES} bytes (nonce + tag), got ${blob.length}`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, GCM_NONCE_BYTES), { authTagLength: GCM_TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(blob.subarray(blob.length - GCM_TAG_BYTES));
    const plaintext = decipher.update(blob.subarray(GCM_NONCE_BYTES, blob.length - GCM_TAG_BYTES));
    try {
      return bytes(Buffer.concat([plaintext, decipher.final()]));
    } catch {
      plaintext.fill(0); // unauthenticated output is never released
      throw new DecryptionError();
    }
  },
  async deriveAesKey(sharedKey: Uint8Array) {
    return bytes(hkdfSync('sha256', sharedKey, EMPTY, AES_INFO, AES_KEY_BYTES));
  },
});
