/**
 * The native backend: node:crypto. ML-KEM (FIPS 203), ML-DSA (FIPS 204) and SLH-DSA (FIPS 205)
 * from OpenSSL 3.5 where the runtime has them (Node >= 24.7); AES-256-GCM and HKDF-SHA256
 * (RFC 5869) on every Node. node:crypto has no X-Wing: select.ts routes it to noble.
 *
 * - Raw encodings in and out: public keys are imported with format 'raw-public', stored seeds
 *   (ML-KEM d || z, ML-DSA xi) with 'raw-seed', SLH-DSA's stored 64-byte secret key with
 *   'raw-private' (OpenSSL has no seed form for SLH-DSA: see algorithms.ts); an expanded ML-KEM /
 *   ML-DSA key (test vectors only) as a PKCS#8 "expandedKey" document
 *   (draft-ietf-lamps-kyber-certificates / -dilithium-certificates).
 * - The FIPS 203 section 7.2 / 7.3 checks are made here, explicitly (kem.ts), before OpenSSL sees
 *   the key; whatever fails after that is an internal error.
 * - Signing, verification and random key generation use the callback forms, which run on the
 *   libuv thread pool, off the event loop; so do encapsulation and decapsulation when they cost
 *   more than costs.ts INLINE_MAX_MS. ML-KEM encapsulation and decapsulation (30-50 us) run inline,
 *   synchronously, with the job's checks: the trip to a libuv thread and back (queueing the work,
 *   waking a thread, the completion's wake-up of the loop) costs about as much CPU as the
 *   operation, and holds the loop no longer than parsing its JSON body does.
 * - These jobs wait their turn in JavaScript, in the scheduler's lanes (scheduler.ts): at most
 *   the lane's slots of each run at once, tenants served fairly by cost. Otherwise a burst of
 *   signing fills the libuv pool (4 threads), which then outweighs the event loop on a small
 *   machine, delays the pool's other work (file system, DNS lookups), and makes every other
 *   tenant's work wait behind it. select.ts keeps the slow lane's slots below the libuv pool's
 *   size, so slow work never holds every libuv thread.
 * - Key imports (seeds, public keys) and AES-GCM are synchronous and short: they run inline,
 *   with the job's checks (runInline).
 * - Imported public keys are kept from their second use (recurring-keys.ts): importing costs more
 *   than encapsulating (about 25 us against 20 us for ML-KEM-768 on Node 24.21).
 * - Every call handing node:crypto key bytes or an options object (imports, sign and verify,
 *   AES-GCM, HKDF) runs without stack traces (quiet.ts): Node 24 throws and drops two to four
 *   errors inside each, and their stack traces were nearly half of a public key's import.
 * - Not available through node:crypto: encapsulation with caller-given randomness m and
 *   deterministic (or caller-randomised) ML-DSA and SLH-DSA signing (known-answer tests use the
 *   noble backend for those).
 * @module
 */
import * as nodeCrypto from 'node:crypto';
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import type { AeadBackend, CryptoJob, DsaBackend, DsaSignOptions, KemBackend, PreparedDsaKey, PreparedKemKey } from './backend.ts';
import { costOf, laneOf, runsInline, type CryptoOp } from './costs.ts';
import { jobStarts, runInline, type CryptoScheduler } from './scheduler.ts';
import { AES_KEY_BYTES, GCM_MIN_BLOB_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES } from './aead.ts';
import type { DsaKeyPair } from './dsa.ts';
import { CryptoInputError, DecryptionError } from './errors.ts';
import { AES_KEY_INFO } from './kdf.ts';
import {
  checkCipherText,
  checkDecapsulationKey,
  checkEncapsulationKey,
  checkSeed as checkKemSeed,
  checkedCall,
  internalCryptoError,
  type Encapsulation,
  type KemKeyPair,
} from './kem.ts';
import { checkDsaContext, checkDsaPublicKey, checkDsaSecretKey, checkDsaSeed } from './dsa.ts';
import { ALGORITHMS, DSA_SIZES, KEM_SIZES, isSlhDsaAlgorithm, type DsaAlgorithm, type KemAlgorithm } from './algorithms.ts';
import { RecurringKeys } from './recurring-keys.ts';
import { withoutStackTraces } from './quiet.ts';

// The object identifiers of the PKCS#8 AlgorithmIdentifier for expanded keys (NIST CSOR:
// 2.16.840.1.101.3.4.4.1-3 for ML-KEM, 2.16.840.1.101.3.4.3.17-19 for ML-DSA). Node's key-type
// names come from the registry (algorithms.ts nodeKeyType).
const EXPANDED_KEY_OID: Readonly<Record<string, number>> = Object.freeze({
  'ML-KEM-512': 0x0401,
  'ML-KEM-768': 0x0402,
  'ML-KEM-1024': 0x0403,
  'ML-DSA-44': 0x0311,
  'ML-DSA-65': 0x0312,
  'ML-DSA-87': 0x0313,
});

/** node:crypto's key type for an algorithm; an internal error for one it lacks (select.ts never routes those here). */
function nodeType(algorithm: KemAlgorithm | DsaAlgorithm): string {
  const type = ALGORITHMS[algorithm].nodeKeyType;
  if (!type) throw new Error(`${algorithm} is not available through node:crypto`);
  return type;
}

/** How node:crypto takes the secret the service stores: ML-KEM / ML-DSA a seed, SLH-DSA the 64-byte secret key. */
const storedFormat = (algorithm: KemAlgorithm | DsaAlgorithm): 'raw-seed' | 'raw-private' => (isSlhDsaAlgorithm(algorithm) ? 'raw-private' : 'raw-seed');

const EMPTY = new Uint8Array(0);
const PUBLIC_KEY_CACHE_ENTRIES = 256;

type Callback<T> = (err: Error | null, value: T) => void;
/**
 * The parts of node:crypto this file needs beyond the Node 20 typings (@types/node is pinned to
 * the oldest supported runtime): crypto.encapsulate / decapsulate (Node 24.7), the ML-KEM,
 * ML-DSA and SLH-DSA key types, the raw key formats, and the `context` option of sign / verify.
 * Reached through the namespace, because a named import of a missing export would fail to link
 * on Node 20.
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
  generateKeyPairSync(type: string): { publicKey: KeyObject; privateKey: KeyObject };
  createPrivateKey(input: { key: Buffer; format: 'raw-seed' | 'raw-private'; asymmetricKeyType: string }): KeyObject;
  createPublicKey(input: { key: Buffer; format: 'raw-public'; asymmetricKeyType: string }): KeyObject;
}
const pq = nodeCrypto as unknown as NodePq;
const exportRaw = (key: KeyObject, format: 'raw-public' | 'raw-seed' | 'raw-private'): Buffer => (key.export as (o: object) => Buffer)({ format });

export interface NativeSupport {
  /** ML-KEM-512/768/1024 through crypto.encapsulate / decapsulate with raw key formats. */
  readonly kem: boolean;
  /** ML-DSA-44/65/87 through crypto.sign / verify with raw key formats and a context string. */
  readonly dsa: boolean;
  /** SLH-DSA-SHA2/SHAKE-128s/f through crypto.sign / verify with raw key formats and a context string. */
  readonly slhDsa: boolean;
}

let probed: NativeSupport | undefined;

/**
 * What this runtime's node:crypto offers; probed by use (a few key imports and one signature per
 * family), not by version numbers. The answer cannot change while the process runs, so it is
 * worked out once.
 */
export function nativeSupport(): NativeSupport {
  probed ??= Object.freeze({ kem: probe(probeKem), dsa: probe(probeDsa), slhDsa: probe(probeSlhDsa) });
  return probed;
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
  return probeSigning(pq.createPrivateKey({ key: Buffer.alloc(32, 1), format: 'raw-seed', asymmetricKeyType: 'ml-dsa-44' }));
}

/** SHA2-128f, the fastest set (about 1 ms to make a key, 13 ms to sign); the other three share the code path in OpenSSL. */
function probeSlhDsa(): boolean {
  // A made-up 64-byte key would not do: its PK.root would not match, and nothing would verify.
  const { privateKey } = pq.generateKeyPairSync('slh-dsa-sha2-128f');
  const raw = exportRaw(privateKey, 'raw-private');
  // The raw form must round-trip: the service stores exactly these 64 bytes.
  const key = pq.createPrivateKey({ key: raw, format: 'raw-private', asymmetricKeyType: 'slh-dsa-sha2-128f' });
  return raw.length === 64 && exportRaw(key, 'raw-private').equals(raw) && probeSigning(key);
}

function probeSigning(key: KeyObject): boolean {
  const pub = createPublicKey(key);
  const message = Buffer.from('probe');
  const context = Buffer.from('a');
  const signature = pq.sign(null, message, { key, context });
  // A runtime that ignored the context option would accept the signature without it.
  return pq.verify(null, message, { key: pub, context }, signature) && !pq.verify(null, message, pub, signature);
}

// ---- small helpers ----

/** Runs a native job in its lane: the scheduler picks when (scheduler.ts), the cost table how much it weighs (costs.ts). */
function scheduled<T>(scheduler: CryptoScheduler, algorithm: KemAlgorithm | DsaAlgorithm, op: CryptoOp, job: CryptoJob | undefined, task: () => Promise<T>): Promise<T> {
  return scheduler.run({ lane: laneOf(algorithm, op, 'native'), cost: costOf(algorithm, op, 'native') }, job, task);
}

/**
 * Runs a node:crypto callback API as a promise, its synchronous start without stack traces
 * (quiet.ts); its failures are internal (inputs are checked first).
 */
function callback<T>(operation: string, start: (done: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      withoutStackTraces(() => start((err, value) => (err ? reject(internalCryptoError(operation, err)) : resolve(value))));
    } catch (err) {
      reject(internalCryptoError(operation, err));
    }
  });
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

/**
 * Imported public KeyObjects, kept for the keys that come back (recurring-keys.ts: from a key's
 * second use within the last PUBLIC_KEY_CACHE_ENTRIES keys; a one-off key is imported for its one
 * call and left to the collector).
 */
class PublicKeys {
  readonly #kept = new RecurringKeys<KeyObject>(PUBLIC_KEY_CACHE_ENTRIES);
  get(type: string, raw: Uint8Array): KeyObject {
    const load = () => importKey(`${type} public key import`, () => pq.createPublicKey({ key: Buffer.from(raw), format: 'raw-public', asymmetricKeyType: type }));
    return this.#kept.get(raw, load, `${type}:`) ?? load();
  }
}

/** A key import whose input was checked: without stack traces (quiet.ts), any failure internal. */
function importKey(operation: string, make: () => KeyObject): KeyObject {
  return checkedCall(operation, () => withoutStackTraces(make));
}

/** The stored secret (algorithms.ts `seed`) as a private KeyObject. */
function importSeed(algorithm: KemAlgorithm | DsaAlgorithm, seed: Uint8Array): KeyObject {
  const type = nodeType(algorithm);
  return importKey(`${type} seed import`, () => pq.createPrivateKey({ key: Buffer.from(seed), format: storedFormat(algorithm), asymmetricKeyType: type }));
}

/** An expanded ML-KEM / ML-DSA secret key (checked) as a private KeyObject, through its PKCS#8 "expandedKey" document. */
function importExpanded(algorithm: KemAlgorithm | DsaAlgorithm, secretKey: Uint8Array): KeyObject {
  const document = pkcs8Expanded(expandedKeyOid(algorithm), secretKey);
  return importKey(`${algorithm} expanded key import`, () => createPrivateKey({ key: document, format: 'der', type: 'pkcs8' }));
}

function randomKeyPair(algorithm: KemAlgorithm | DsaAlgorithm): Promise<{ publicKey: Uint8Array; seed: Uint8Array }> {
  const type = nodeType(algorithm);
  return callback(`${type} key generation`, (done) =>
    pq.generateKeyPair(type, {}, (err, publicKey, privateKey) => {
      if (err) return done(err, undefined as never);
      try {
        done(null, { publicKey: bytes(exportRaw(publicKey, 'raw-public')), seed: bytes(exportRaw(privateKey, storedFormat(algorithm))) });
      } catch (e) {
        done(e as Error, undefined as never);
      }
    }),
  );
}

/** ML-KEM through node:crypto (not X-Wing, which select.ts sends to noble). */
export class NativeKem implements KemBackend {
  readonly implementation = 'native' as const;
  readonly #publicKeys = new PublicKeys();
  constructor(private readonly scheduler: CryptoScheduler) {}

  implementationFor(): 'native' {
    return 'native';
  }

  async keygen(algorithm: KemAlgorithm, seed?: Uint8Array, job?: CryptoJob): Promise<KemKeyPair> {
    if (seed === undefined) return { algorithm, ...(await scheduled(this.scheduler, algorithm, 'keygen', job, () => randomKeyPair(algorithm))) };
    checkKemSeed(algorithm, seed);
    return runInline(job, () => ({ algorithm, publicKey: bytes(exportRaw(createPublicKey(importSeed(algorithm, seed)), 'raw-public')), seed }));
  }

  async encapsulate(algorithm: KemAlgorithm, publicKey: Uint8Array, job?: CryptoJob): Promise<Encapsulation> {
    checkEncapsulationKey(algorithm, publicKey);
    const key = this.#publicKeys.get(nodeType(algorithm), publicKey);
    const operation = `${algorithm} encapsulation`;
    const out = runsInline(algorithm, 'encapsulate', 'native')
      ? await this.scheduler.inline(job, () => checkedCall(operation, () => pq.encapsulate!(key)))
      : await scheduled(this.scheduler, algorithm, 'encapsulate', job, () => callback<{ sharedKey: Buffer; ciphertext: Buffer }>(operation, (done) => pq.encapsulate!(key, done)));
    return { algorithm, cipherText: bytes(out.ciphertext), sharedSecret: bytes(out.sharedKey) };
  }

  async prepareSecretKey(algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<PreparedKemKey> {
    checkKemSeed(algorithm, seed);
    return runInline(job, () => new NativeSecretKey(algorithm, importSeed(algorithm, seed)));
  }

  async importExpandedSecretKey(algorithm: KemAlgorithm, secretKey: Uint8Array, job?: CryptoJob): Promise<PreparedKemKey> {
    checkDecapsulationKey(algorithm, secretKey);
    return runInline(job, () => new NativeSecretKey(algorithm, importExpanded(algorithm, secretKey)));
  }

  async decapsulate(key: PreparedKemKey, cipherText: Uint8Array, job?: CryptoJob): Promise<Uint8Array> {
    const own = nativeKey(key);
    checkCipherText(own.algorithm, cipherText);
    const keyObject = own.key;
    const operation = `${own.algorithm} decapsulation`;
    if (runsInline(own.algorithm, 'decapsulate', 'native')) return bytes(await this.scheduler.inline(job, () => checkedCall(operation, () => pq.decapsulate!(keyObject, cipherText))));
    return bytes(await scheduled(this.scheduler, own.algorithm, 'decapsulate', job, () => callback<Buffer>(operation, (done) => pq.decapsulate!(keyObject, cipherText, done))));
  }

  async expandedSecretKey(algorithm: KemAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<Uint8Array> {
    checkKemSeed(algorithm, seed);
    return runInline(job, () => expandedFromPkcs8(importSeed(algorithm, seed).export({ format: 'der', type: 'pkcs8' }), KEM_SIZES[algorithm].secretKey));
  }
}

function expandedKeyOid(algorithm: KemAlgorithm | DsaAlgorithm): number {
  const oid = EXPANDED_KEY_OID[algorithm];
  if (oid === undefined) throw new Error(`${algorithm} has no expanded-key PKCS#8 form here`);
  return oid;
}

/** ML-DSA and SLH-DSA through node:crypto. */
export class NativeDsa implements DsaBackend {
  readonly implementation = 'native' as const;
  readonly deterministicSigning = false;
  readonly #publicKeys = new PublicKeys();
  constructor(private readonly scheduler: CryptoScheduler) {}

  implementationFor(): 'native' {
    return 'native';
  }

  async keygen(algorithm: DsaAlgorithm, seed?: Uint8Array, job?: CryptoJob): Promise<DsaKeyPair> {
    if (seed === undefined) return { algorithm, ...(await scheduled(this.scheduler, algorithm, 'keygen', job, () => randomKeyPair(algorithm))) };
    checkDsaSeed(algorithm, seed);
    return runInline(job, () => ({ algorithm, publicKey: bytes(exportRaw(createPublicKey(importSeed(algorithm, seed)), 'raw-public')), seed }));
  }

  async prepareSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<PreparedDsaKey> {
    checkDsaSeed(algorithm, seed);
    return runInline(job, () => new NativeSecretKey(algorithm, importSeed(algorithm, seed)));
  }

  /** ML-DSA: an expanded sk, as PKCS#8 "expandedKey"; SLH-DSA: the 64-byte sk, which is also what the service stores. */
  async importExpandedSecretKey(algorithm: DsaAlgorithm, secretKey: Uint8Array, job?: CryptoJob): Promise<PreparedDsaKey> {
    checkDsaSecretKey(algorithm, secretKey);
    return runInline(job, () => {
      if (isSlhDsaAlgorithm(algorithm)) return new NativeSecretKey(algorithm, importSeed(algorithm, secretKey));
      return new NativeSecretKey(algorithm, importExpanded(algorithm, secretKey));
    });
  }

  async sign(key: PreparedDsaKey, message: Uint8Array, { context = EMPTY, deterministic = false, randomness }: DsaSignOptions = {}, job?: CryptoJob): Promise<Uint8Array> {
    const own = nativeKey(key);
    checkDsaContext(context);
    if (deterministic || randomness) throw new Error(`${own.algorithm} signing with chosen randomness is not available through node:crypto: use the noble backend`);
    const keyObject = own.key;
    return bytes(
      await scheduled(this.scheduler, own.algorithm, 'sign', job, () => callback<Buffer>(`${own.algorithm} signing`, (done) => pq.sign(null, message, { key: keyObject, context }, done))),
    );
  }

  async verify(algorithm: DsaAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context: Uint8Array = EMPTY, job?: CryptoJob): Promise<boolean> {
    checkDsaPublicKey(algorithm, publicKey);
    checkDsaContext(context);
    if (signature.length !== DSA_SIZES[algorithm].signature) return job ? runInline(job, () => false) : false;
    const key = this.#publicKeys.get(nodeType(algorithm), publicKey);
    return scheduled(this.scheduler, algorithm, 'verify', job, () => callback<boolean>(`${algorithm} verification`, (done) => pq.verify(null, message, { key, context }, signature, done)));
  }

  async expandedSecretKey(algorithm: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob): Promise<Uint8Array> {
    checkDsaSeed(algorithm, seed);
    return runInline(job, () => {
      const key = importSeed(algorithm, seed);
      if (isSlhDsaAlgorithm(algorithm)) return bytes(exportRaw(key, 'raw-private'));
      return expandedFromPkcs8(key.export({ format: 'der', type: 'pkcs8' }), DSA_SIZES[algorithm].secretKey);
    });
  }
}

function checkAesKey(key: Uint8Array): void {
  if (key.length !== AES_KEY_BYTES) throw new CryptoInputError('key', `AES-256 key must be 32 bytes, got ${key.length}`);
}

const AES_INFO = Buffer.from(AES_KEY_INFO);

/**
 * AES-256-GCM and HKDF-SHA256 through node:crypto (OpenSSL), on every supported Node. Same wire
 * format as aead.ts. Inline (microseconds: cheaper than any queue), with the job's checks.
 */
export const nativeAead: AeadBackend = Object.freeze({
  implementation: 'native' as const,
  async seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY, nonce: Uint8Array = randomBytes(GCM_NONCE_BYTES), job?: CryptoJob) {
    checkAesKey(key);
    if (nonce.length !== GCM_NONCE_BYTES) throw new CryptoInputError('nonce', 'GCM nonce must be 12 bytes');
    if (job) await jobStarts(job);
    const cipher = withoutStackTraces(() => createCipheriv('aes-256-gcm', key, nonce, { authTagLength: GCM_TAG_BYTES }));
    cipher.setAAD(aad);
    const body = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return bytes(body);
  },
  async open(key: Uint8Array, blob: Uint8Array, aad: Uint8Array = EMPTY, job?: CryptoJob) {
    checkAesKey(key);
    if (blob.length < GCM_MIN_BLOB_BYTES) {
      throw new CryptoInputError('ciphertext', `ciphertext must be at least ${GCM_MIN_BLOB_BYTES} bytes (nonce + tag), got ${blob.length}`);
    }
    if (job) await jobStarts(job);
    const decipher = withoutStackTraces(() => createDecipheriv('aes-256-gcm', key, blob.subarray(0, GCM_NONCE_BYTES), { authTagLength: GCM_TAG_BYTES }));
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
  async deriveAesKey(sharedKey: Uint8Array, job?: CryptoJob) {
    if (job) await jobStarts(job);
    return bytes(withoutStackTraces(() => hkdfSync('sha256', sharedKey, EMPTY, AES_INFO, AES_KEY_BYTES)));
  },
});
