/**
 * The store interface: everything the service keeps, behind operations that are each atomic.
 *
 * Two implementations pass one contract suite (test/stores/contract.ts): `MemoryStore`, the
 * zero-setup default for one process, and `RedisStore`, shared by any number of instances.
 * Every operation touches one Redis key or keys under one hash tag, so Redis Cluster can shard it.
 *
 * Values are opaque to the store except for the attempt counter. Secret key material reaches the
 * store only sealed (see keys/sealing.ts).
 * @module
 */

/** A stored key pair: public parts in the clear, the secret seed sealed under the master key. */
export interface KeyRecord {
  readonly id: string;
  readonly tenant: string;
  /** 'ML-KEM-768', 'ML-DSA-65', ... */
  readonly algorithm: string;
  /** Standard base64 of the public key. */
  readonly publicKey: string;
  /** Standard base64 of the sealed seed (keys/sealing.ts). */
  readonly sealedSeed: string;
  /** RFC 3339. */
  readonly createdAt: string;
}

/**
 * The keys each tenant has one of, made on first use: `signing` is the default key of
 * /v1/dsa/sign; `attestation` signs only the public keys of the key pairs the service makes, so no
 * credential can have it sign anything else.
 */
export type TenantKeyRole = 'signing' | 'attestation';

/** The live state of a temporary token. Its presence in the store is what keeps the token alive. */
export interface TokenRecord {
  readonly tenant: string;
  /** Remaining attempts; null when only time limits the token. */
  readonly attemptsLeft: number | null;
  /** Absolute expiry, milliseconds since the epoch (the store also drops the record then). */
  readonly expiresAtMs: number;
  /** Ids of the tokens that minted this one, root first (who may revoke it besides its tenant's API keys). */
  readonly ancestors?: readonly string[];
}

/** What putKey did: stored, refused because the id is taken, or refused by the tenant's key quota. */
export type PutKeyResult = 'stored' | 'taken' | 'quota-exceeded';

export type ConsumeResult =
  /** One attempt used (or none needed): the request may proceed. */
  | { readonly ok: true; readonly attemptsLeft: number | null }
  /** Unknown, expired, revoked, exhausted, or an ancestor revoked: answered alike by the caller. */
  | { readonly ok: false };

export interface Store {
  /** Which implementation, for logs and /readyz. */
  readonly kind: 'memory' | 'redis';

  // --- key records -------------------------------------------------------------------------
  /**
   * Stores a new key record, indexes it by its public key's fingerprint and in the tenant's key
   * index, atomically. Writes nothing when the id is taken, or when the tenant already has
   * `quota` keys (0: no quota).
   */
  putKey(record: KeyRecord, publicKeyFingerprint: string, quota?: number): Promise<PutKeyResult>;
  /**
   * Deletes the tenant's key record, its fingerprint index (when it still names this id) and its
   * entry in the tenant's key index, atomically; false when the tenant has no key with this id.
   */
  deleteKey(tenant: string, id: string, publicKeyFingerprint: string): Promise<boolean>;
  /** How many keys the tenant has in its index (what the key quota counts). */
  countKeys(tenant: string): Promise<number>;
  /** The tenant's key with this id, or undefined (also when another tenant owns the id). */
  getKey(tenant: string, id: string): Promise<KeyRecord | undefined>;
  /** The id of the tenant's key whose public key has this fingerprint, or undefined. */
  findKeyIdByFingerprint(tenant: string, publicKeyFingerprint: string): Promise<string | undefined>;
  /**
   * One of the tenant's own keys (`role`: its default signing key, or its attestation key):
   * stores `candidate` only when the tenant has none in that role yet, and returns whichever
   * record is stored afterwards (so concurrent first uses agree on one key).
   */
  getOrPutTenantKey(tenant: string, role: TenantKeyRole, candidate: KeyRecord): Promise<KeyRecord>;
  /** The tenant's key in this role if it has one. */
  getTenantKey(tenant: string, role: TenantKeyRole): Promise<KeyRecord | undefined>;

  // --- temporary tokens --------------------------------------------------------------------
  /**
   * Records a new token under `family` (the root token's id: children share their root's hash
   * tag so one script can check the whole lineage). The record expires at `record.expiresAtMs`.
   */
  createToken(family: string, tokenId: string, record: TokenRecord): Promise<void>;
  /**
   * Uses one attempt of `tokenId` and of each of its limited ancestors, atomically: succeeds only
   * when the token's record and every ancestor's record still exist and each limited one has an
   * attempt left; never goes below zero. So K attempts bound every request of a token's whole
   * lineage. `ancestors` are the ids of the parent chain, root first. `attemptsLeft` is the least
   * left over the limited tokens of the lineage (null when none is limited).
   */
  consumeAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<ConsumeResult>;
  /**
   * Reads a token without using an attempt; undefined when it is dead (as consumeAttempt would
   * say). `attemptsLeft` is, as there, the least over the limited tokens of the lineage.
   */
  peekToken(family: string, tokenId: string, ancestors: readonly string[]): Promise<TokenRecord | undefined>;
  /**
   * Deletes the token's record if it belongs to `tenant` and, when `by` names a token, only if
   * the token is `by` itself or one `by` minted (directly or not); true when something was revoked.
   */
  revokeToken(family: string, tokenId: string, tenant: string, by?: string | null): Promise<boolean>;
  /**
   * Counts a new token against its tenant's live-token quota, before the token is created: false
   * (nothing written) when the tenant already has `quota` unexpired tokens counted. The entry
   * leaves the count at `expiresAtMs`, or at releaseToken. `nowMs` is the caller's clock.
   */
  reserveToken(tenant: string, tokenId: string, expiresAtMs: number, quota: number, nowMs: number): Promise<boolean>;
  /** Takes a token out of its tenant's live-token count (after revocation, or a failed create). */
  releaseToken(tenant: string, tokenId: string): Promise<void>;

  // --- lifecycle ---------------------------------------------------------------------------
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by a store that cannot reach its backend: the HTTP layer answers 503 (fail closed). */
export class StoreUnavailableError extends Error {
  constructor(cause?: unknown, message = 'the store is unreachable') {
    super(message, { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The backend refused a write because it is full (Redis past maxmemory with noeviction): nothing
 * was written. The HTTP layer answers 507. A kind of unavailability, so code that fails closed on
 * StoreUnavailableError fails closed on this too.
 */
export class StoreFullError extends StoreUnavailableError {
  constructor(cause?: unknown) {
    super(cause, 'the store is full');
    this.name = 'StoreFullError';
  }
}

/** Milliseconds since the epoch; injected so the memory store and the token code can be tested. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
