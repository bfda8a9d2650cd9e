/**
 * The embedded store: plain maps in this process. The default when REDIS_URL is unset.
 *
 * JavaScript runs one callback at a time, so each method body that does not await is atomic, which
 * gives the same guarantees as the Redis scripts within one process. Nothing survives a restart and
 * nothing is shared with other instances; main.ts says so at start.
 * @module
 */
import type { AuditLogOptions } from './audit.ts';
import { MemoryAuditLog } from './audit-memory.ts';
import { MemoryCounters } from './counters-memory.ts';
import { MemoryKeyStore } from './memory-keys.ts';
import { MemoryTokenStore } from './memory-tokens.ts';
import { MemoryReplayStore } from './memory-replay.ts';
import { MemoryClientStore } from './memory-clients.ts';
import { MemorySessionStore } from './memory-sessions.ts';
import { MemoryChallengeStore } from './memory-challenges.ts';
import { systemClock, type Clock, type Store, type StorePersistence } from './store.ts';

export interface MemoryStoreOptions {
  readonly clock?: Clock;
  /** How often expired tokens and keys are swept (they are also ignored on read). */
  readonly sweepIntervalMs?: number;
  /** The audit trail's caps and budget (AUDIT_MAX_ENTRIES, ...); by default 10000 entries per lane, no budget. */
  readonly audit?: Omit<AuditLogOptions, 'clock'>;
}

/** AUDIT_MAX_ENTRIES's default, for stores built without a configuration (tests, tools). */
export const DEFAULT_AUDIT: Omit<AuditLogOptions, 'clock'> = Object.freeze({ maxEntries: 10_000 });

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly keys: MemoryKeyStore;
  readonly tokens: MemoryTokenStore;
  readonly audit: MemoryAuditLog;
  readonly replay: MemoryReplayStore;
  readonly clients: MemoryClientStore;
  readonly sessions: MemorySessionStore;
  readonly challenges: MemoryChallengeStore;
  readonly counters: MemoryCounters;
  readonly #sweeper: NodeJS.Timeout;

  constructor({ clock = systemClock, sweepIntervalMs = 60_000, audit = DEFAULT_AUDIT }: MemoryStoreOptions = {}) {
    this.keys = new MemoryKeyStore(clock);
    this.counters = new MemoryCounters(clock);
    // The per-token limit is counted by the token store's admission on the same counters.
    this.tokens = new MemoryTokenStore(clock, this.counters);
    this.audit = new MemoryAuditLog({ ...audit, clock });
    this.replay = new MemoryReplayStore(clock);
    this.clients = new MemoryClientStore(clock);
    this.sessions = new MemorySessionStore(clock);
    this.challenges = new MemoryChallengeStore(clock);
    this.#sweeper = setInterval(() => {
      this.tokens.sweep();
      this.keys.sweep();
      this.replay.sweep();
      this.clients.sweep();
      this.sessions.sweep();
      this.challenges.sweep();
      this.counters.sweep();
    }, sweepIntervalMs);
    this.#sweeper.unref();
  }

  async ping(): Promise<void> {}

  /** Nothing here survives a restart, whatever the settings: nothing to warn about. */
  async persistence(): Promise<StorePersistence | null> {
    return null;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }
}
