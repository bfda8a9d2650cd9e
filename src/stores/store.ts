/**
 * The store: everything the service keeps, behind ports (keys.ts, tokens.ts, counters.ts,
 * audit.ts) whose operations are each atomic. Code outside stores/ knows these ports only, never
 * which backend answers them.
 *
 * Two implementations pass each port's contract suite (test/stores/*-contract.ts): `MemoryStore`,
 * the zero-setup default for one process, and `RedisStore`, shared by any number of instances.
 * Every operation touches one Redis key or keys under one hash tag, so Redis Cluster can shard it.
 *
 * Values are opaque to the store except for the attempt counter. Secret key material reaches the
 * store only sealed (see keys/sealing.ts).
 * @module
 */

export type { KeyStore, KeyType, StoredKey, KeyVersionRecord, TenantKeyRole } from './keys.ts';
export type { TokenStore, TokenRecord, ConsumeResult } from './tokens.ts';
export type { AuditLog, AuditLogOptions, AuditRecord, AuditEntry } from './audit.ts';
import type { AuditLog } from './audit.ts';
export type { ReplayStore, ClaimResult } from './replay.ts';
export type { ClientStore, ClientRecord } from './clients.ts';
export type { SessionStore, SessionRecord } from './sessions.ts';
export type { ChallengeStore, ChallengeRecord, ConsumeChallengeResult } from './challenges.ts';
export type { Counters, CounterHit, CounterCharge } from './counters.ts';
import type { Counters } from './counters.ts';
import type { KeyStore } from './keys.ts';
import type { TokenStore } from './tokens.ts';
import type { ReplayStore } from './replay.ts';
import type { ClientStore } from './clients.ts';
import type { SessionStore } from './sessions.ts';
import type { ChallengeStore } from './challenges.ts';

/** The store: one port per concern, sharing one backend (and its connection) and one lifecycle. */
export interface Store {
  /** Which implementation, for logs and /readyz. */
  readonly kind: 'memory' | 'redis';
  readonly keys: KeyStore;
  readonly tokens: TokenStore;
  /** The audit trail, kept with the rest (a ring buffer per tenant in memory, streams on Redis). */
  readonly audit: AuditLog;
  /** Single-use values (signature nonces, HPKE encs) within a window, across instances. */
  readonly replay: ReplayStore;
  /** Registered clients (their own ML-DSA keys) of each tenant. */
  readonly clients: ClientStore;
  /** The clients' open login sessions (POST /v1/sessions). */
  readonly sessions: SessionStore;
  /** Challenges to registered clients, each valid at most once across instances. */
  readonly challenges: ChallengeStore;
  /** Fixed-window counters (the rate limits), shared by every instance on the store. */
  readonly counters: Counters;
  /** Resolves when the store answers; rejects otherwise. */
  ping(): Promise<void>;
  /**
   * How the backend keeps data across its own restarts and under memory pressure, for the
   * production start-up warnings (startup.ts); null for a store that keeps nothing across a
   * restart anyway (the embedded one). Rejects when the backend will not say.
   */
  persistence(): Promise<StorePersistence | null>;
  close(): Promise<void>;
}

/** What a persistent store says of its durability (in Redis's terms, the one such backend today). */
export interface StorePersistence {
  /** Writes since the last snapshot survive a restart (Redis: the append-only file is on). */
  readonly appendonly: boolean;
  /** `always`, `everysec` or `no`; undefined when the backend will not say (CONFIG GET refused). */
  readonly appendfsync: string | undefined;
  /** What the backend drops when full, e.g. `noeviction`, `allkeys-lru`; undefined when unknown. */
  readonly maxmemoryPolicy: string | undefined;
  /** The memory limit in bytes; 0 = no limit. */
  readonly maxmemoryBytes: number | undefined;
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
