/**
 * Keys as resources: making, finding, using, rotating, listing and deleting the tenants' stored
 * keys. Knows nothing of HTTP.
 *
 * - Every stored key has an id whose prefix says its type (`kem_`, `dsa_`, `sk_`), an algorithm,
 *   a creation time, an optional expiry (after which it is gone everywhere at once: the store drops
 *   it) and versions (signing keys gain one per rotation; the newest signs, every one verifies).
 * - A key is found only within the caller's tenant, by id or (KEM keys) by public key: another
 *   tenant's key, an expired or a deleted one is indistinguishable from a key that never existed
 *   (KeyNotFoundError). A token's `key_ids` restrict every use of a key by name (KeyForbiddenError).
 * - Each tenant has one default signing key (ML-DSA-65, for /v1/dsa/sign without key_id: an
 *   ordinary stored key, so it is listed and can be rotated) and one ML-DSA-65 attestation key (for
 *   the `signature` over the public key of each KEM key pair the service makes; it signs nothing
 *   else, is not listed and cannot be named), both made on first use; concurrent first uses agree
 *   on one key through the store's atomic getOrPutRoleKey.
 * - Secrets (seeds, stored shared keys) are sealed under the master key, bound to tenant, key id,
 *   version and purpose, and unsealed only for the operation that needs them. The key prepared from
 *   a seed (expanded, or imported into OpenSSL) is then kept briefly for reuse: at most
 *   `maxEntries`, each for at most `ttlSeconds`, keyed by tenant, key id and the sealed blob (so a
 *   changed record never meets a stale key), wiped when dropped. The record is still read from the
 *   store on every call, so a deleted or expired key stops working at once. docs/security.md says
 *   what this costs.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Principal } from '../auth/scopes.ts';
import type { CryptoBackend, CryptoJob, PreparedSecretKey } from '../crypto/backend.ts';
import { decodeBase64, encodeBase64, encodeHex } from '../crypto/encoding.ts';
import { LruCache } from '../lib/lru.ts';
import { isKemAlgorithm } from '../crypto/algorithms.ts';
import { DEFAULT_DSA_ALGORITHM, type DsaAlgorithm, type KemAlgorithm } from '../crypto/algorithms.ts';
import { QuotaExceededError } from '../limits/errors.ts';
import { KEY_ID_PREFIX, KEY_TYPES, SHARED_KEY_ALGORITHM, typedKey, type KeyPage, type KeyStore, type KeyType, type KeyVersionRecord, type StoredKey, type StoredSigningKey, type TenantKeyRole } from '../stores/keys.ts';
import { KeyForbiddenError, KeyNotFoundError, KeyUnusableError } from './errors.ts';
import type { SealPurpose, Sealer } from './sealing.ts';

/** The form of the ids newKeyId makes, for keys of `types`: a type prefix (KEY_ID_PREFIX) and 22 base64url characters (128 random bits). */
export function keyIdPattern(types: readonly KeyType[] = KEY_TYPES): RegExp {
  // Every prefix is a name and an underscore: one type reads `^kem_...`, several `^(kem|dsa|sk)_...`.
  const names = types.map((t) => KEY_ID_PREFIX[t].slice(0, -1));
  return new RegExp(`^${names.length === 1 ? names[0] : `(${names.join('|')})`}_[A-Za-z0-9_-]{22}$`);
}
export const KEY_ID = keyIdPattern();
export const KEM_KEY_ID = keyIdPattern(['kem']);
export const DSA_KEY_ID = keyIdPattern(['dsa']);
export const SHARED_KEY_ID = keyIdPattern(['shared']);

export { SHARED_KEY_ALGORITHM };

/** Key ids: a prefix saying what they are, then 128 random bits. */
export function newKeyId(type: KeyType = 'kem'): string {
  return `${KEY_ID_PREFIX[type]}${randomBytes(16).toString('base64url')}`;
}

/** The index under which a public key is found: SHA-256 of its bytes, hex. */
export function publicKeyFingerprint(publicKey: Uint8Array): string {
  return encodeHex(sha256(publicKey));
}

export interface KemKey {
  readonly id: string;
  readonly algorithm: KemAlgorithm;
  readonly publicKey: Uint8Array;
  readonly createdAt: string;
  readonly expiresAtMs: number | null;
}

export interface SigningKey {
  readonly id: string;
  readonly algorithm: DsaAlgorithm;
  readonly version: number;
  readonly publicKey: Uint8Array;
}

/** A stored key of one of these types. */
export type StoredKeyOf<T extends KeyType> = Extract<StoredKey, { readonly type: T }>;

/** How a route names a key: by id, or (KEM keys) by public key. */
export interface KeyRef {
  readonly id?: string | undefined;
  readonly publicKey?: Uint8Array | undefined;
  /** The request field that named it, for the 404's detail and a 422's pointer. */
  readonly field: string;
}

/** The brief cache of prepared secret keys; ttlSeconds 0 turns it off. */
export interface SecretKeyCacheOptions {
  readonly ttlSeconds: number;
  readonly maxEntries: number;
}

export interface KeyServiceOptions {
  readonly cache?: SecretKeyCacheOptions;
  /** Stored keys a tenant may have (QUOTA_KEYS); 0: no quota. */
  readonly keyQuota?: number;
  /** Encryptions allowed under one stored shared key (MAX_ENCRYPTIONS_PER_KEY). */
  readonly maxEncryptionsPerKey?: number;
}

/** The most versions a signing key may have: rotation grows its record, and quotas count keys, not versions. */
export const MAX_KEY_VERSIONS = 100;

/** SP 800-38D section 8.3: at most 2^32 encryptions with random 96-bit nonces under one key. */
export const DEFAULT_MAX_ENCRYPTIONS_PER_KEY = 2 ** 32;

/**
 * Every method that runs crypto takes an optional last `job` (crypto/backend.ts CryptoJob) and
 * passes it to each backend call it makes (key preparation included): whose work it is for the
 * fair scheduler, the signal that drops it while queued, and the check to run just before it starts.
 */
export class KeyService {
  readonly #secrets: LruCache<PreparedSecretKey<string>>;
  readonly #caching: boolean;
  readonly #keyQuota: number;
  readonly #maxEncryptions: number;

  constructor(
    private readonly store: KeyStore,
    private readonly sealer: Sealer,
    private readonly now: () => number,
    private readonly crypto: CryptoBackend,
    { cache = { ttlSeconds: 60, maxEntries: 1000 }, keyQuota = 0, maxEncryptionsPerKey = DEFAULT_MAX_ENCRYPTIONS_PER_KEY }: KeyServiceOptions = {},
  ) {
    this.#caching = cache.ttlSeconds > 0 && cache.maxEntries > 0;
    this.#secrets = new LruCache({ maxEntries: cache.maxEntries, ttlMs: cache.ttlSeconds * 1000, now, onEvict: (key) => key.dispose() });
    this.#keyQuota = keyQuota;
    this.#maxEncryptions = maxEncryptionsPerKey;
  }

  /** Drops (and wipes) every cached secret key. */
  forgetSecretKeys(): void {
    this.#secrets.clear();
  }

  // --- making keys ----------------------------------------------------------------------------

  /** A new KEM key pair whose secret stays here; `expiresInSeconds` makes it vanish then. */
  async createKemKey(tenant: string, algorithm: KemAlgorithm, expiresInSeconds?: number, job?: CryptoJob): Promise<KemKey> {
    const pair = await this.crypto.kem.keygen(algorithm, undefined, job);
    try {
      const key = await this.#store(tenant, 'kem', algorithm, pair.publicKey, pair.seed, expiresInSeconds);
      return toKemKey(key)!;
    } finally {
      pair.seed.fill(0); // sealed copies only from here on
    }
  }

  /** A new signing key (version 1). */
  async createDsaKey(tenant: string, algorithm: DsaAlgorithm, expiresInSeconds?: number, job?: CryptoJob): Promise<SigningKey & { readonly expiresAtMs: number | null }> {
    const pair = await this.crypto.dsa.keygen(algorithm, undefined, job);
    try {
      const key = await this.#store(tenant, 'dsa', algorithm, pair.publicKey, pair.seed, expiresInSeconds);
      return { ...signingKeyOf(key, 1), expiresAtMs: key.expiresAtMs };
    } finally {
      pair.seed.fill(0);
    }
  }

  /**
   * Keeps a shared key in the service (it never leaves again): usable by id for AES, bounded to
   * MAX_ENCRYPTIONS_PER_KEY encryptions. `origin` names the KEM key it came from, if any.
   */
  async storeSharedKey(tenant: string, sharedKey: Uint8Array, origin: string | null): Promise<{ readonly id: string }> {
    const key = await this.#store(tenant, 'shared', SHARED_KEY_ALGORITHM, new Uint8Array(0), sharedKey, undefined, origin ?? undefined);
    return { id: key.id };
  }

  /**
   * Development only: a key under a fixed id from a fixed seed (or, for a shared key, the fixed
   * secret itself), for the demonstration resources Swagger UI's examples name (http/examples.ts).
   * Its secret is public: nothing may rely on it. Answers false, writing nothing, when the id is taken.
   */
  async createDemonstrationKey(tenant: string, id: string, algorithm: KemAlgorithm | DsaAlgorithm | typeof SHARED_KEY_ALGORITHM, seed: Uint8Array): Promise<boolean> {
    if (await this.store.get(tenant, id)) return false;
    if (algorithm === SHARED_KEY_ALGORITHM) await this.#store(tenant, 'shared', SHARED_KEY_ALGORITHM, new Uint8Array(0), seed, undefined, undefined, id);
    else if (isKemAlgorithm(algorithm)) {
      const pair = await this.crypto.kem.keygen(algorithm, seed);
      await this.#store(tenant, 'kem', algorithm, pair.publicKey, pair.seed, undefined, undefined, id);
    } else {
      const pair = await this.crypto.dsa.keygen(algorithm, seed);
      await this.#store(tenant, 'dsa', algorithm, pair.publicKey, pair.seed, undefined, undefined, id);
    }
    return true;
  }

  async #store<T extends KeyType>(tenant: string, type: T, algorithm: StoredKeyOf<T>['algorithm'], publicKey: Uint8Array, secret: Uint8Array, expiresInSeconds?: number, origin?: string, fixedId?: string): Promise<StoredKeyOf<T>> {
    const createdMs = this.now();
    // 128-bit random ids do not collide in practice; the store still refuses to overwrite.
    for (;;) {
      const id = fixedId ?? newKeyId(type);
      const createdAt = new Date(createdMs).toISOString();
      // typedKey checks the algorithm is one of the type's: the record is of type T.
      const key = typedKey({
        id,
        tenant,
        type,
        algorithm,
        createdAt,
        expiresAtMs: expiresInSeconds === undefined ? null : createdMs + expiresInSeconds * 1000,
        ...(type === 'kem' ? { fingerprint: publicKeyFingerprint(publicKey) } : {}),
        ...(origin !== undefined ? { origin } : {}),
        versions: [{ version: 1, publicKey: encodeBase64(publicKey), sealedSeed: encodeBase64(this.sealer.seal(secret, tenant, sealName(id, 1), purposeOf(type))), createdAt }],
      });
      const outcome = await this.store.put(key, this.#keyQuota);
      if (outcome === 'quota-exceeded') throw new QuotaExceededError('QUOTA_KEYS', this.#keyQuota);
      if (outcome === 'stored') return key as StoredKeyOf<T>;
      if (fixedId !== undefined) throw new Error(`key id ${fixedId} is taken`);
    }
  }

  /**
   * Adds a version to a signing key: signing uses it from now on; older versions still verify.
   * Concurrent rotations each add one version. A call that loses the race (another version took
   * its number) keeps the key pair it made and only renumbers it: the seal is bound to
   * `id#v<version>`, so the same seed is sealed again for the next free number. So each call
   * generates one key pair however many race it (SLH-DSA key generation is costly).
   */
  async rotate(tenant: string, key: StoredKey, job?: CryptoJob): Promise<SigningKey> {
    if (key.type !== 'dsa') throw new KeyUnusableError('key_id', `only signing keys (dsa_) have versions; ${key.id} is a ${key.type} key`, true);
    const algorithm = key.algorithm;
    const full = () => new KeyUnusableError('key_id', `${key.id} has ${MAX_KEY_VERSIONS} versions, the most a key may have: make a new key (POST /v1/dsa/keypair)`, true);
    if (key.versions.length >= MAX_KEY_VERSIONS) throw full();
    const pair = await this.crypto.dsa.keygen(algorithm, undefined, job);
    const publicKey = encodeBase64(pair.publicKey);
    try {
      let current: StoredKey = key;
      for (;;) {
        if (current.versions.length >= MAX_KEY_VERSIONS) throw full();
        const version = current.versions.length + 1;
        const record: KeyVersionRecord = {
          version,
          publicKey,
          sealedSeed: encodeBase64(this.sealer.seal(pair.seed, tenant, sealName(key.id, version), 'dsa')),
          createdAt: new Date(this.now()).toISOString(),
        };
        const outcome = await this.store.addVersion(tenant, key.id, record);
        if (outcome === 'added') return { id: key.id, algorithm, version, publicKey: pair.publicKey };
        const again = outcome === 'conflict' ? await this.store.get(tenant, key.id) : undefined;
        if (!again) throw new KeyNotFoundError('key_id', 'No key of yours has this key_id.');
        current = again;
      }
    } finally {
      pair.seed.fill(0);
    }
  }

  /** Deletes the tenant's stored key everywhere; false when there was none. */
  deleteKey(tenant: string, id: string): Promise<boolean> {
    return this.store.delete(tenant, id);
  }

  /** One page of the tenant's keys (never the attestation key). */
  listKeys(tenant: string, options: { type?: KeyType; cursor?: string; limit: number }): Promise<KeyPage> {
    return this.store.list(tenant, options);
  }

  // --- finding keys -----------------------------------------------------------------------------

  /**
   * The stored key a request names, of one of the `types`, checked against the credential: 404
   * when the tenant has no such key (by id or by public key; both given must name one key), 403
   * when the credential's key_ids do not include it. The route has validated the reference first.
   */
  async resolve<T extends KeyType>(principal: Principal, types: readonly T[], ...refs: KeyRef[]): Promise<StoredKeyOf<T>> {
    const ofTypes = (key: StoredKey | undefined): key is StoredKeyOf<T> => key !== undefined && (types as readonly KeyType[]).includes(key.type);
    let found: StoredKeyOf<T> | undefined;
    for (const ref of refs) {
      let key: StoredKey | undefined;
      if (ref.id !== undefined) {
        key = await this.store.get(principal.tenant, ref.id);
      } else if (ref.publicKey !== undefined) {
        const id = await this.store.findIdByFingerprint(principal.tenant, publicKeyFingerprint(ref.publicKey));
        key = id === undefined ? undefined : await this.store.get(principal.tenant, id);
      } else {
        continue;
      }
      if (!ofTypes(key)) throw new KeyNotFoundError(ref.field, `No key of yours has this ${ref.field}.`);
      if (found && found.id !== key.id) throw new KeyUnusableError(ref.field, `names a different key than ${refs[0]!.field}: give one of them`);
      found = key;
    }
    if (!found) throw new KeyNotFoundError(refs[0]?.field ?? 'key_id', 'No key named.');
    if (principal.keyIds && !principal.keyIds.includes(found.id)) throw new KeyForbiddenError(found.id);
    return found;
  }

  /** The tenant's key with this id, of any type, or undefined (no credential check: see resolve). */
  find(tenant: string, id: string): Promise<StoredKey | undefined> {
    return this.store.get(tenant, id);
  }

  /** The tenant's default signing key if it has been made (never makes it). */
  findDefaultSigningKey(tenant: string): Promise<StoredKey | undefined> {
    return this.store.getRoleKey(tenant, 'signing');
  }

  /** The tenant's default signing key, made on first use (the key sign uses without key_id). */
  defaultSigningKey(tenant: string): Promise<StoredKey> {
    return this.#roleKey(tenant, 'signing');
  }

  // --- using keys -------------------------------------------------------------------------------

  /** Decapsulates with a stored KEM key (implicit rejection: see crypto/kem.ts). */
  async decapsulate(key: StoredKey, cipherText: Uint8Array, job?: CryptoJob): Promise<Uint8Array> {
    const kem = toKemKey(key);
    if (!kem) throw new KeyUnusableError('key_id', `${key.id} is not a KEM key`);
    return this.#withSecretKey(
      key,
      1,
      'kem',
      (seed) => this.crypto.kem.prepareSecretKey(kem.algorithm, seed, job),
      (secret) => this.crypto.kem.decapsulate(secret as PreparedSecretKey<KemAlgorithm>, cipherText, job),
    );
  }

  /** Signs with the newest version of a signing key (FIPS 204 / 205 pure, hedged). */
  async sign(key: StoredKey, message: Uint8Array, context?: Uint8Array, job?: CryptoJob): Promise<{ signature: Uint8Array; key: SigningKey }> {
    if (key.type !== 'dsa') throw new KeyUnusableError('key_id', `${key.id} is not a signing key`);
    const version = key.versions.length;
    const algorithm = key.algorithm;
    const signature = await this.#withSecretKey(
      key,
      version,
      'dsa',
      (seed) => this.crypto.dsa.prepareSecretKey(algorithm, seed, job),
      (secret) => this.crypto.dsa.sign(secret as PreparedSecretKey<DsaAlgorithm>, message, context ? { context } : {}, job),
    );
    return { signature, key: signingKeyOf(key, version) };
  }

  /** Verifies with a stored signing key: with `version`, that version only; else any version. */
  async verify(key: StoredKey, message: Uint8Array, signature: Uint8Array, context: Uint8Array | undefined, version?: number, job?: CryptoJob): Promise<{ verified: boolean; version: number | null }> {
    if (key.type !== 'dsa') throw new KeyUnusableError('key_id', `${key.id} is not a signing key`);
    const algorithm = key.algorithm;
    const candidates = version === undefined ? [...key.versions].reverse() : key.versions.filter((v) => v.version === version);
    if (candidates.length === 0) throw new KeyUnusableError('version', `${key.id} has no version ${version} (it has 1 to ${key.versions.length})`);
    for (const v of candidates) {
      if (await this.crypto.dsa.verify(algorithm, decodeBase64(v.publicKey)!, message, signature, context, job)) return { verified: true, version: v.version };
    }
    return { verified: false, version: null };
  }

  /**
   * The secret of a stored shared key, for one AES operation. For encryption, one use is counted
   * first: past MAX_ENCRYPTIONS_PER_KEY the key is refused (KeyUnusableError, conflict).
   * The caller wipes the returned bytes.
   */
  async sharedKey(key: StoredKey, forEncryption: boolean): Promise<Uint8Array> {
    if (key.type !== 'shared') throw new KeyUnusableError('key_id', `${key.id} is not a stored shared key (sk_)`);
    if (forEncryption) {
      const counted = await this.store.countUse(key.tenant, key.id, this.#maxEncryptions);
      if (counted === 'not-found') throw new KeyNotFoundError('key_id', 'No key of yours has this key_id.');
      if (counted === 'exhausted') {
        throw new KeyUnusableError('key_id', `${key.id} has encrypted ${this.#maxEncryptions} times (MAX_ENCRYPTIONS_PER_KEY): derive a new shared key; it still decrypts`, true);
      }
    }
    const [first] = key.versions;
    return this.sealer.open(decodeBase64(first!.sealedSeed)!, key.tenant, sealName(key.id, 1), 'shared');
  }

  /**
   * The tenant's attestation key (public half), made on first use as attest() makes it: the key
   * clients pin to check attestations. Signs nothing.
   */
  async attestationKey(tenant: string): Promise<SigningKey> {
    return signingKeyOf(await this.#roleKey(tenant, 'attestation'), 1);
  }

  /**
   * The attestation of a KEM public key this service made: pure ML-DSA-65 (FIPS 204, empty
   * context) over its raw bytes, by the tenant's attestation key. Only for keys from createKemKey.
   */
  async attest(tenant: string, key: KemKey, job?: CryptoJob): Promise<{ signature: Uint8Array; key: SigningKey }> {
    const attestation = await this.#roleKey(tenant, 'attestation');
    const algorithm = attestation.algorithm;
    const signature = await this.#withSecretKey(
      attestation,
      1,
      'attestation',
      (seed) => this.crypto.dsa.prepareSecretKey(algorithm, seed, job),
      (secret) => this.crypto.dsa.sign(secret as PreparedSecretKey<DsaAlgorithm>, key.publicKey, {}, job),
    );
    return { signature, key: signingKeyOf(attestation, 1) };
  }

  /**
   * A statement the service makes, signed by the tenant's attestation key under the context of
   * its kind (ATTESTATION_CONTEXTS): pure ML-DSA-65 (FIPS 204 section 5.2, context string
   * `context`) over `message`. Never with the empty context of KEM key attestations (attest), so
   * no signature of one kind verifies as another; never over a message a caller chose whole.
   */
  async attestStatement(tenant: string, kind: AttestationStatement, message: Uint8Array, job?: CryptoJob): Promise<{ signature: Uint8Array; key: SigningKey }> {
    const attestation = await this.#roleKey(tenant, 'attestation');
    const algorithm = attestation.algorithm;
    const context = new TextEncoder().encode(ATTESTATION_CONTEXTS[kind]);
    const signature = await this.#withSecretKey(
      attestation,
      1,
      'attestation',
      (seed) => this.crypto.dsa.prepareSecretKey(algorithm, seed, job),
      (secret) => this.crypto.dsa.sign(secret as PreparedSecretKey<DsaAlgorithm>, message, { context }, job),
    );
    return { signature, key: signingKeyOf(attestation, 1) };
  }

  /**
   * Runs `use` with the prepared secret key of a version: from the cache, or unsealed and
   * prepared now (the seed is wiped at once). `use` is called synchronously after the last await,
   * and the backends take what they need from the key before their first await, so a key evicted
   * (and disposed) while a call is under way cannot affect that call.
   */
  async #withSecretKey<T>(
    key: StoredKey,
    version: number,
    purpose: SealPurpose,
    prepare: (seed: Uint8Array) => Promise<PreparedSecretKey<string>>,
    use: (key: PreparedSecretKey<string>) => Promise<T>,
  ): Promise<T> {
    const record = key.versions.find((v) => v.version === version)!;
    const cacheId = `${purpose}\0${key.tenant}\0${key.id}\0${version}\0${record.sealedSeed}`;
    let prepared = this.#secrets.get(cacheId);
    if (!prepared) {
      const seed = this.sealer.open(decodeBase64(record.sealedSeed)!, key.tenant, sealName(key.id, version), purpose);
      let fresh: PreparedSecretKey<string>;
      try {
        fresh = await prepare(seed);
      } finally {
        seed.fill(0);
      }
      if (!this.#caching) {
        try {
          return await use(fresh);
        } finally {
          fresh.dispose();
        }
      }
      prepared = this.#secrets.get(cacheId); // a concurrent call may have prepared it meanwhile
      if (prepared) fresh.dispose();
      else this.#secrets.set(cacheId, (prepared = fresh));
    }
    return use(prepared);
  }

  async #roleKey(tenant: string, role: TenantKeyRole): Promise<StoredSigningKey> {
    const existing = await this.store.getRoleKey(tenant, role);
    if (existing) return signingRoleKey(existing, role);
    const pair = await this.crypto.dsa.keygen(DEFAULT_DSA_ALGORITHM);
    const id = role === 'signing' ? newKeyId('dsa') : `${ATTESTATION_KEY_PREFIX}${randomBytes(16).toString('base64url')}`;
    const createdAt = new Date(this.now()).toISOString();
    const sealedSeed = encodeBase64(this.sealer.seal(pair.seed, tenant, sealName(id, 1), role === 'signing' ? 'dsa' : 'attestation'));
    pair.seed.fill(0);
    const candidate: StoredSigningKey = {
      id,
      tenant,
      type: 'dsa',
      algorithm: DEFAULT_DSA_ALGORITHM,
      createdAt,
      expiresAtMs: null,
      versions: [{ version: 1, publicKey: encodeBase64(pair.publicKey), sealedSeed, createdAt }],
    };
    return signingRoleKey(await this.store.getOrPutRoleKey(tenant, role, candidate), role);
  }
}

/**
 * What a seal is bound to besides tenant and purpose: the key id for version 1 (as in earlier
 * releases, so their keys still open), the id and version for later versions.
 */
const sealName = (id: string, version: number) => (version === 1 ? id : `${id}#v${version}`);

/**
 * What a key's seal is bound to besides tenant and name: its type. The attestation key is sealed
 * for its own purpose ('attestation', given by the one caller that uses it), so a seed cannot be
 * moved between roles.
 */
const purposeOf = (type: KeyType): SealPurpose => (type === 'kem' ? 'kem' : type === 'dsa' ? 'dsa' : 'shared');

/** A tenant's role key is a signing key; anything else in the store was not written by this service. */
function signingRoleKey(key: StoredKey, role: TenantKeyRole): StoredSigningKey {
  if (key.type !== 'dsa') throw new Error(`the tenant's ${role} key is not a signing key`);
  return key;
}

/** The id prefix of attestation keys: no key-id pattern accepts it, so no request can name one. */
const ATTESTATION_KEY_PREFIX = 'att_';

export function toKemKey(key: StoredKey): KemKey | undefined {
  // The algorithm is checked too: a record that did not come through typedKey proves nothing.
  if (key.type !== 'kem' || !isKemAlgorithm(key.algorithm)) return undefined;
  return { id: key.id, algorithm: key.algorithm, publicKey: decodeBase64(key.versions[0]!.publicKey)!, createdAt: key.createdAt, expiresAtMs: key.expiresAtMs };
}

function signingKeyOf(key: StoredSigningKey, version: number): SigningKey {
  return { id: key.id, algorithm: key.algorithm, version, publicKey: decodeBase64(key.versions.find((v) => v.version === version)!.publicKey)! };
}

/**
 * The FIPS 204 context string of each kind of statement the attestation key signs besides KEM
 * public keys (which it signs with the empty context, unchanged since the first release). Each
 * kind its own context, so a signature of one kind never verifies as another (docs/security.md).
 */
export const ATTESTATION_CONTEXTS = Object.freeze({
  /** POST /v1/sessions: the sealed login_info. */
  'login-info': 'pq-crypto-api/v1/login-info',
  /** POST /v1/challenges/{challenge_id}/validate: the receipt (operations/challenges.ts receiptMessage). */
  'challenge-receipt': 'pq-crypto-api/v1/challenge-receipt',
} as const);
export type AttestationStatement = keyof typeof ATTESTATION_CONTEXTS;
