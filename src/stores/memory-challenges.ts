/**
 * The embedded challenge store (see challenges.ts): per tenant and id, the record and whether it
 * was used. `consume` does not await, so it is atomic in one process: of concurrent consumes,
 * exactly one finds the challenge unused. Records past keepUntilMs are dropped when touched and by
 * the periodic sweep.
 * @module
 */
import { checkChallenge, type ChallengeRecord, type ChallengeStore, type ConsumeChallengeResult, type CreateChallengeResult } from './challenges.ts';
import { systemClock, type Clock } from './store.ts';

interface Entry {
  readonly challenge: ChallengeRecord;
  used: boolean;
}

export class MemoryChallengeStore implements ChallengeStore {
  readonly #clock: Clock;
  /** `<tenant>\0<id>` -> entry. */
  readonly #entries = new Map<string, Entry>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async create(challenge: ChallengeRecord): Promise<CreateChallengeResult> {
    checkChallenge(challenge);
    const key = keyOf(challenge.tenant, challenge.id);
    if (this.#live(key)) return 'taken';
    this.#entries.set(key, { challenge, used: false });
    return 'stored';
  }

  async consume(tenant: string, id: string): Promise<ConsumeChallengeResult> {
    const entry = this.#live(keyOf(tenant, id));
    if (!entry) return { outcome: 'not-found' };
    const atMs = this.#clock();
    const { challenge } = entry;
    if (entry.used) return { outcome: 'used', challenge, atMs };
    if (atMs >= challenge.expiresAtMs) return { outcome: 'expired', challenge, atMs };
    entry.used = true;
    return { outcome: 'fresh', challenge, atMs };
  }

  /** Drops every record past its keepUntilMs. */
  sweep(): void {
    const now = this.#clock();
    for (const [key, entry] of this.#entries) if (entry.challenge.keepUntilMs <= now) this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.challenge.keepUntilMs <= this.#clock()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

const keyOf = (tenant: string, id: string) => `${tenant}\0${id}`;
