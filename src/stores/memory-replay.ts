/**
 * The embedded replay store (see replay.ts): per scope, value -> expiry (ms). A method body that
 * does not await is atomic in one process. Expired claims are dropped when the scope is next
 * touched and by the periodic sweep.
 * @module
 */
import { checkTtl, type ClaimResult, type ReplayStore } from './replay.ts';
import { systemClock, type Clock } from './store.ts';

export class MemoryReplayStore implements ReplayStore {
  readonly #clock: Clock;
  readonly #scopes = new Map<string, Map<string, number>>();

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  async claim(scope: string, value: string, ttlMs: number): Promise<ClaimResult> {
    checkTtl(ttlMs);
    const now = this.#clock();
    let claims = this.#scopes.get(scope);
    if (!claims) this.#scopes.set(scope, (claims = new Map()));
    const until = claims.get(value);
    if (until !== undefined && until > now) return 'replayed';
    claims.set(value, now + ttlMs);
    return 'fresh';
  }

  /** Drops every expired claim, and scopes left empty. */
  sweep(): void {
    const now = this.#clock();
    for (const [scope, claims] of this.#scopes) {
      for (const [value, until] of claims) if (until <= now) claims.delete(value);
      if (claims.size === 0) this.#scopes.delete(scope);
    }
  }
}
