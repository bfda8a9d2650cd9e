/**
 * Key records: making, finding and using the tenants' keys. Knows nothing of HTTP.
 *
 * - A KEM key is found by its id or by its public key, and only within the caller's tenant:
 *   another tenant's key is indistinguishable from a key that does not exist.
 * - Each tenant has one default ML-DSA-65 signing key (for /v1/dsa/sign) and one ML-DSA-65
 *   attestation key (for the `signature` over the public key of each key pair the service makes),
 *   both made on first use; concurrent first uses agree on a single key through the store's atomic
 *   getOrPutTenantKey. The attestation key signs nothing else, so no credential, whatever its
 *   scopes, can obtain an attestation for a public key the service did not make.
 * - Seeds are unsealed only for the operation that needs them. The key prepared from a seed
 *   (expanded, or imported into OpenSSL) is then kept briefly for reuse: at most
 *   `maxEntries`, each for at most `ttlSeconds`, keyed by tenant, key id and the sealed blob (so a
 *   changed record never meets a stale key), wiped when dropped. The record is still read from
 *   the store on every call, so a deleted key stops working at once. docs/security.md says what
 *   this costs.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import type { CryptoBackend, PreparedSecretKey } from '../crypto/backend.ts';
import { decodeBase64, encodeBase64, encodeHex } from '../crypto/encoding.ts';
import { LruCache } from '../crypto/lru.ts';
import { DEFAULT_DSA_ALGORITHM, KEM_ALGORITHMS, type DsaAlgorithm, type KemAlgorithm } from '../crypto/params.ts';
import { QuotaExceededError } from '../limits/errors.ts';
import type { KeyRecord, Store, TenantKeyRole } from '../stores/store.ts';
import type { SealPurpose, Sealer } from './sealing.ts';

/** The form of the ids newKeyId makes: `kem_` and 22 base64url characters. */
export const KEM_KEY_ID = /^kem_[A-Za-z0-9_-]{22}$/;

/** Key ids: a prefix saying what they are, then 128 random bits. */
export function newKeyId(): string {
  return `kem_${randomBytes(16).toString('base64url')}`;
}

/** The index under which a public key is found: SHA-256 of its bytes, hex. */
export function publicKeyFingerprint(publicKey: Uint8Array): string {
  return encodeHex(sha256(publicKey));
}

export interface KemKey {
  readonly id: string;
  readonly algorithm: KemAlgorithm;
  readonly publicKey: Uint8Array;
}

export interface SigningKey {
  readonly algorithm: DsaAlgorithm;
  readonly publicKey: Uint8Array;
}

/** The brief cache of prepared secret keys (item 5 of issue 7); ttlSeconds 0 turns it off. */
export interface SecretKeyCacheOptions {
  readonly ttlSeconds: number;
  readonly maxEntries: number;
}

export class KeyService {
  readonly #secrets: LruCache<PreparedSecretKey<string>>;
  readonly #caching: boolean;

  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
    private readonly now: () => number,
    private readonly crypto: CryptoBackend,
    cache: SecretKeyCacheOptions = { ttlSeconds: 60, maxEntries: 1000 },
    /** Stored keys a tenant may have (QUOTA_KEYS); 0: no quota. */
    private readonly keyQuota = 0,
  ) {
    this.#caching = cache.ttlSeconds > 0 && cache.maxEntries > 0;
    this.#secrets = new LruCache({ maxEntries: cache.maxEntries, ttlMs: cache.ttlSeconds * 1000, now, onEvict: (key) => key.dispose() });
  }

  /** Drops (and wipes) every cached secret key. */
  forgetSecretKeys(): void {
    this.#secrets.clear();
  }

  async createKemKey(tenant: string, algorithm: KemAlgorithm): Promise<KemKey> {
    const pair = await this.crypto.kem.keygen(algorithm);
    try {
      return await this.#storeKemKey(tenant, algorithm, pair.publicKey, pair.seed);
    } finally {
      pair.seed.fill(0); // sealed copies only from here on
    }
  }

  async #storeKemKey(tenant: string, algorithm: KemAlgorithm, publicKey: Uint8Array, seed: Uint8Array): Promise<KemKey> {
    // 128-bit random ids do not collide in practice; the store still refuses to overwrite.
    for (;;) {
      const id = newKeyId();
      const record: KeyRecord = {
        id,
        tenant,
        algorithm,
        publicKey: encodeBase64(publicKey),
        sealedSeed: encodeBase64(this.sealer.seal(seed, tenant, id, 'kem')),
        createdAt: new Date(this.now()).toISOString(),
      };
      const outcome = await this.store.putKey(record, publicKeyFingerprint(publicKey), this.keyQuota);
      if (outcome === 'quota-exceeded') throw new QuotaExceededError('QUOTA_KEYS', this.keyQuota);
      if (outcome === 'stored') return { id, algorithm, publicKey };
    }
  }

  /** Deletes the tenant's stored key (record, public-key index, quota count); false when there was none. */
  async deleteKey(tenant: string, id: string): Promise<boolean> {
    const record = await this.store.getKey(tenant, id);
    if (!record) return false;
    return this.store.deleteKey(tenant, id, publicKeyFingerprint(decodeBase64(record.publicKey)!));
  }

  /** The tenant's KEM key with this id, or undefined. */
  async findKemKeyById(tenant: string, id: string): Promise<KemKey | undefined> {
    const record = await this.store.getKey(tenant, id);
    return record ? toKemKey(record) : undefined;
  }

  /** The tenant's KEM key with this public key, or undefined. */
  async findKemKeyByPublicKey(tenant: string, publicKey: Uint8Array): Promise<KemKey | undefined> {
    const id = await this.store.findKeyIdByFingerprint(tenant, publicKeyFingerprint(publicKey));
    return id === undefined ? undefined : this.findKemKeyById(tenant, id);
  }

  /** Decapsulates with the tenant's stored key (implicit rejection: see crypto/kem.ts). */
  async decapsulate(tenant: string, key: KemKey, cipherText: Uint8Array): Promise<Uint8Array> {
    const record = await this.store.getKey(tenant, key.id);
    if (!record) throw new Error(`key ${key.id} vanished between lookup and use`);
    return this.#withSecretKey(
      record,
      'kem',
      (seed) => this.crypto.kem.prepareSecretKey(key.algorithm, seed),
      (secret) => this.crypto.kem.decapsulate(secret as PreparedSecretKey<KemAlgorithm>, cipherText),
    );
  }

  /** The tenant's default signing key, made and stored on first use. */
  async signingKey(tenant: string): Promise<SigningKey> {
    const record = await this.#tenantRecord(tenant, 'signing');
    return { algorithm: record.algorithm as DsaAlgorithm, publicKey: decodeBase64(record.publicKey)! };
  }

  /** Signs with the tenant's default signing key (FIPS 204 pure ML-DSA, hedged). */
  async sign(tenant: string, message: Uint8Array, context?: Uint8Array): Promise<{ signature: Uint8Array; key: SigningKey }> {
    return this.#signWith(await this.#tenantRecord(tenant, 'signing'), message, context);
  }

  /**
   * The attestation of a KEM public key this service made: pure ML-DSA-65 (FIPS 204, empty
   * context) over its raw bytes, by the tenant's attestation key. Only for keys from createKemKey.
   */
  async attest(tenant: string, key: KemKey): Promise<{ signature: Uint8Array; key: SigningKey }> {
    return this.#signWith(await this.#tenantRecord(tenant, 'attestation'), key.publicKey);
  }

  async #signWith(record: KeyRecord, message: Uint8Array, context?: Uint8Array): Promise<{ signature: Uint8Array; key: SigningKey }> {
    const algorithm = record.algorithm as DsaAlgorithm;
    const signature = await this.#withSecretKey(
      record,
      sealPurpose(record),
      (seed) => this.crypto.dsa.prepareSecretKey(algorithm, seed),
      (secret) => this.crypto.dsa.sign(secret as PreparedSecretKey<DsaAlgorithm>, message, context ? { context } : {}),
    );
    return { signature, key: { algorithm, publicKey: decodeBase64(record.publicKey)! } };
  }

  /**
   * Runs `use` with the record's prepared secret key: from the cache, or unsealed and prepared now
   * (the seed is wiped at once). `use` is called synchronously after the last await, and the
   * backends take what they need from the key before their first await, so a key evicted (and
   * disposed) while a call is under way cannot affect that call.
   */
  async #withSecretKey<T>(
    record: KeyRecord,
    purpose: SealPurpose,
    prepare: (seed: Uint8Array) => Promise<PreparedSecretKey<string>>,
    use: (key: PreparedSecretKey<string>) => Promise<T>,
  ): Promise<T> {
    const id = `${purpose}\0${record.tenant}\0${record.id}\0${record.sealedSeed}`;
    let key = this.#secrets.get(id);
    if (!key) {
      const seed = this.sealer.open(decodeBase64(record.sealedSeed)!, record.tenant, record.id, purpose);
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
      key = this.#secrets.get(id); // a concurrent call may have prepared it meanwhile
      if (key) fresh.dispose();
      else this.#secrets.set(id, (key = fresh));
    }
    return use(key);
  }

  async #tenantRecord(tenant: string, role: TenantKeyRole): Promise<KeyRecord> {
    const existing = await this.store.getTenantKey(tenant, role);
    if (existing) return existing;
    const pair = await this.crypto.dsa.keygen(DEFAULT_DSA_ALGORITHM);
    const id = `${role === 'signing' ? 'dsa' : 'att'}_${randomBytes(16).toString('base64url')}`;
    const candidate: KeyRecord = {
      id,
      tenant,
      algorithm: DEFAULT_DSA_ALGORITHM,
      publicKey: encodeBase64(pair.publicKey),
      sealedSeed: '',
      createdAt: new Date(this.now()).toISOString(),
    };
    const sealedSeed = encodeBase64(this.sealer.seal(pair.seed, tenant, id, sealPurpose(candidate)));
    pair.seed.fill(0);
    return this.store.getOrPutTenantKey(tenant, role, { ...candidate, sealedSeed });
  }
}

/** Attestation keys are sealed for their own purpose, so a seed cannot be moved between roles. */
const sealPurpose = (record: KeyRecord) => (record.id.startsWith('att_') ? 'attestation' : 'dsa');

function toKemKey(record: KeyRecord): KemKey | undefined {
  const algorithm = KEM_ALGORITHMS.find((a) => a === record.algorithm);
  if (!algorithm) return undefined; // not a KEM record
  return { id: record.id, algorithm, publicKey: decodeBase64(record.publicKey)! };
}
