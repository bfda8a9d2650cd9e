/**
 * The key store port: the tenants' stored keys (KEM key pairs, signing keys with versions, stored
 * shared keys), their indexes and counters. Each operation is atomic; both implementations
 * (memory-keys.ts, redis-keys.ts) pass one contract suite (test/stores/key-contract.ts) run on
 * the memory store, Redis, Redis Cluster and Sentinel.
 *
 * Values are opaque to the store except for what its atomic checks need: the id (unique per
 * tenant), the type (to list one type), the expiry (after which the key is gone everywhere at
 * once), the version numbers (a rotation appends exactly the next one) and the encryption
 * counter of a shared key. Secret material reaches the store only sealed (keys/sealing.ts).
 * @module
 */
import { isDsaAlgorithm, isKemAlgorithm, type DsaAlgorithm, type KemAlgorithm } from '../crypto/algorithms.ts';

/** What a stored key is: a KEM key pair, a signing key pair, or a stored shared key. */
export const KEY_TYPES = Object.freeze(['kem', 'dsa', 'shared'] as const);
export type KeyType = (typeof KEY_TYPES)[number];

/** One version of a key. KEM and shared keys have exactly one; signing keys gain one per rotation. */
export interface KeyVersionRecord {
  /** 1, 2, ...: each rotation adds the next. */
  readonly version: number;
  /** Standard base64 of the public key ('' for a shared key, which has none). */
  readonly publicKey: string;
  /** Standard base64 of the sealed secret (seed, or the shared key itself). */
  readonly sealedSeed: string;
  /** RFC 3339. */
  readonly createdAt: string;
}

/** The algorithm name of stored shared keys: what they key (through HKDF, as the AES endpoints do). */
export const SHARED_KEY_ALGORITHM = 'AES-256-GCM';

/** What every stored key has; StoredKey tells the kinds apart by `type`. */
interface StoredKeyCommon {
  readonly id: string;
  readonly tenant: string;
  /** RFC 3339. */
  readonly createdAt: string;
  /** When the key is gone everywhere (ms since the epoch), or null for never. */
  readonly expiresAtMs: number | null;
  /**
   * The fingerprint under which the key is found by its public key (KEM keys), if any: the store
   * keeps the index and drops it with the key.
   */
  readonly fingerprint?: string;
  /** Ascending by version; at least one. Version 1 is created with the key (same createdAt). */
  readonly versions: readonly KeyVersionRecord[];
  /** For the key service: whose secret the key derives from, e.g. a stored shared key's KEM key. */
  readonly origin?: string;
}

/** A KEM key pair (`kem_`): ML-KEM or X-Wing; one version. */
export interface StoredKemKey extends StoredKeyCommon {
  readonly type: 'kem';
  readonly algorithm: KemAlgorithm;
}

/** A signing key (`dsa_`, and the tenant's attestation key): ML-DSA or SLH-DSA; a version per rotation. */
export interface StoredSigningKey extends StoredKeyCommon {
  readonly type: 'dsa';
  readonly algorithm: DsaAlgorithm;
}

/** A stored shared key (`sk_`): the secret itself, sealed; no public key; one version. */
export interface StoredSharedKey extends StoredKeyCommon {
  readonly type: 'shared';
  readonly algorithm: typeof SHARED_KEY_ALGORITHM;
}

/** A stored key, typed by its kind: `type` narrows `algorithm`. */
export type StoredKey = StoredKemKey | StoredSigningKey | StoredSharedKey;

/** The fields of a stored key as a record holds them, before its kind is checked. */
export type UntypedKey = Omit<StoredKey, 'type' | 'algorithm'> & { readonly type: KeyType; readonly algorithm: string };

/**
 * A record read back (or built) as the kind its `type` says, checking that its algorithm is one
 * of that kind's. A record that fails was not written by this service: an internal error.
 */
export function typedKey(key: UntypedKey): StoredKey {
  const { type, algorithm } = key;
  if (type === 'kem' && isKemAlgorithm(algorithm)) return { ...key, type, algorithm };
  if (type === 'dsa' && isDsaAlgorithm(algorithm)) return { ...key, type, algorithm };
  if (type === 'shared' && algorithm === SHARED_KEY_ALGORITHM) return { ...key, type, algorithm };
  throw new Error(`stored key ${key.id} has type ${type} and algorithm ${algorithm}, which do not go together`);
}

/**
 * The keys each tenant has one of, made on first use: `signing` is the default key of
 * /v1/dsa/sign (an ordinary stored signing key: listed, rotatable, deletable, after which the
 * next use makes a new one); `attestation` signs only the public keys of the key pairs the service
 * makes, and is neither listed nor usable by id.
 */
export type TenantKeyRole = 'signing' | 'attestation';

export type PutKeyResult = 'stored' | 'taken' | 'quota-exceeded';
export type AddVersionResult = 'added' | 'conflict' | 'not-found';
/** What counting one more encryption under a shared key did. */
export type UseKeyResult = 'counted' | 'exhausted' | 'not-found';

export interface KeyPage {
  readonly keys: readonly StoredKey[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface ListKeysOptions {
  readonly type?: KeyType;
  /** The `nextCursor` of the previous page (absent for the first). */
  readonly cursor?: string;
  readonly limit: number;
}

export interface KeyStore {
  /**
   * Stores a new key with its indexes (tenant index, fingerprint when given, expiry), atomically,
   * and makes it expire at `expiresAtMs`. Writes nothing when the id is taken, or when the tenant
   * already has `quota` unexpired keys (0: no quota).
   */
  put(key: StoredKey, quota: number): Promise<PutKeyResult>;
  /** The tenant's key with this id, or undefined (also when another tenant owns the id, or it has expired). */
  get(tenant: string, id: string): Promise<StoredKey | undefined>;
  /** The id of the tenant's key whose public key has this fingerprint, or undefined. */
  findIdByFingerprint(tenant: string, fingerprint: string): Promise<string | undefined>;
  /**
   * Appends `version` to the tenant's key, only when it is exactly the next version number (so of
   * concurrent rotations one wins, the other is told 'conflict' and may retry).
   */
  addVersion(tenant: string, id: string, version: KeyVersionRecord): Promise<AddVersionResult>;
  /** Deletes the key and every index entry of it, atomically; false when the tenant has no such key. */
  delete(tenant: string, id: string): Promise<boolean>;
  /**
   * One page of the tenant's unexpired keys (optionally of one type), in key id order: a key
   * stored or deleted meanwhile appears or not, but no key is listed twice or skipped.
   */
  list(tenant: string, options: ListKeysOptions): Promise<KeyPage>;
  /** How many unexpired keys the tenant has (what the key quota counts). */
  count(tenant: string): Promise<number>;
  /**
   * Counts one more use of the key (encryptions under a stored shared key), refusing past
   * `limit` uses (the count is not raised then).
   */
  countUse(tenant: string, id: string, limit: number): Promise<UseKeyResult>;
  /**
   * The tenant's key in `role`: stores `candidate` (a signing key is also indexed, outside the
   * quota) only when the tenant has none in that role yet, and returns whichever key the role
   * names afterwards (so concurrent first uses agree on one key).
   */
  getOrPutRoleKey(tenant: string, role: TenantKeyRole, candidate: StoredKey): Promise<StoredKey>;
  /** The tenant's key in this role if it has one. */
  getRoleKey(tenant: string, role: TenantKeyRole): Promise<StoredKey | undefined>;
}

/** Key ids sort by their type's prefix first: the prefixes of each type (kem_, dsa_, sk_). */
export const KEY_ID_PREFIX: Readonly<Record<KeyType, string>> = Object.freeze({ kem: 'kem_', dsa: 'dsa_', shared: 'sk_' });
