/**
 * The embedded token store (see memory.ts): plain maps in this process. Each method body that
 * does not await is atomic, as the Redis scripts are.
 * @module
 */
import { MemoryCounters } from './counters-memory.ts';
import { systemClock, type Clock } from './store.ts';
import type { AdmitResult, ConsumeResult, TokenCounter, TokenRecord, TokenStore } from './tokens.ts';

interface LiveToken {
  tenant: string;
  attemptsLeft: number | null;
  expiresAtMs: number;
  ancestors: readonly string[];
}

export class MemoryTokenStore implements TokenStore {
  readonly #clock: Clock;
  readonly #tokens = new Map<string, LiveToken>();
  /** Per tenant: token id -> expiry, the live-token quota's count. */
  readonly #tokenCounts = new Map<string, Map<string, number>>();

  /** The store's counters, where admit counts the per-token limit (the same as the Counters port's). */
  readonly #counters: MemoryCounters;

  constructor(clock: Clock = systemClock, counters: MemoryCounters = new MemoryCounters(clock)) {
    this.#clock = clock;
    this.#counters = counters;
  }

  async admit(family: string, tokenId: string, ancestors: readonly string[], consume: boolean, counter: TokenCounter): Promise<AdmitResult> {
    // No await below: counted, checked and used in one step, as the Redis script does.
    const hit = this.#counters.hitNow(counter.key, 1, counter.limit, counter.windowSeconds);
    if (!hit.allowed) return { outcome: 'limited', resetMs: hit.resetMs };
    const count = { remaining: hit.remaining, resetMs: hit.resetMs };
    const lineage = this.#lineage(family, tokenId, ancestors);
    if (!lineage) return { outcome: 'dead', count };
    let least: number | null = null;
    for (const token of lineage) {
      if (token.attemptsLeft === null) continue;
      if (consume) token.attemptsLeft -= 1;
      least = least === null ? token.attemptsLeft : Math.min(least, token.attemptsLeft);
    }
    return { outcome: 'alive', attemptsLeft: least, count };
  }

  async createToken(family: string, tokenId: string, record: TokenRecord): Promise<void> {
    const { tenant, attemptsLeft, expiresAtMs, ancestors = [] } = record;
    if (this.#get(tokenName(family, tokenId))) throw new Error(`token id ${tokenId} is taken`);
    this.#tokens.set(tokenName(family, tokenId), { tenant, attemptsLeft, expiresAtMs, ancestors: [...ancestors] });
  }

  async reserveToken(tenant: string, tokenId: string, expiresAtMs: number, quota: number, nowMs: number): Promise<boolean> {
    const counted = this.#tokenCounts.get(tenant) ?? new Map<string, number>();
    for (const [id, exp] of counted) if (exp <= nowMs) counted.delete(id);
    if (quota > 0 && counted.size >= quota) return false;
    counted.set(tokenId, expiresAtMs);
    this.#tokenCounts.set(tenant, counted);
    return true;
  }

  async releaseToken(tenant: string, tokenId: string): Promise<void> {
    this.#tokenCounts.get(tenant)?.delete(tokenId);
  }

  async consumeAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<ConsumeResult> {
    const lineage = this.#lineage(family, tokenId, ancestors);
    if (!lineage) return { ok: false };
    let least: number | null = null;
    for (const token of lineage) {
      if (token.attemptsLeft === null) continue;
      token.attemptsLeft -= 1;
      least = least === null ? token.attemptsLeft : Math.min(least, token.attemptsLeft);
    }
    return { ok: true, attemptsLeft: least };
  }

  async peekToken(family: string, tokenId: string, ancestors: readonly string[]): Promise<TokenRecord | undefined> {
    const lineage = this.#lineage(family, tokenId, ancestors);
    if (!lineage) return undefined;
    const limits = lineage.flatMap((t) => (t.attemptsLeft === null ? [] : [t.attemptsLeft]));
    const [token] = lineage as [LiveToken];
    return { tenant: token.tenant, expiresAtMs: token.expiresAtMs, attemptsLeft: limits.length ? Math.min(...limits) : null };
  }

  async refundAttempt(family: string, tokenId: string, ancestors: readonly string[]): Promise<void> {
    for (const id of [tokenId, ...ancestors]) {
      const token = this.#get(tokenName(family, id));
      if (token && token.attemptsLeft !== null) token.attemptsLeft += 1;
    }
  }

  async standing(family: string, tokenId: string, ancestors: readonly string[]): Promise<boolean> {
    return [tokenId, ...ancestors].every((id) => this.#get(tokenName(family, id)) !== undefined);
  }

  async revokeToken(family: string, tokenId: string, tenant: string, by: string | null = null): Promise<boolean> {
    const name = tokenName(family, tokenId);
    const token = this.#get(name);
    if (!token || token.tenant !== tenant) return false;
    if (by !== null && by !== tokenId && !token.ancestors.includes(by)) return false;
    this.#tokens.delete(name);
    return true;
  }

  /**
   * The token then its ancestors, when all of them are unexpired and unrevoked and each that is
   * limited has an attempt left; otherwise undefined. A token's attempts bound its whole lineage.
   */
  #lineage(family: string, tokenId: string, ancestors: readonly string[]): LiveToken[] | undefined {
    const lineage: LiveToken[] = [];
    for (const id of [tokenId, ...ancestors]) {
      const token = this.#get(tokenName(family, id));
      if (!token || token.attemptsLeft === 0) return undefined;
      lineage.push(token);
    }
    return lineage;
  }

  #get(name: string): LiveToken | undefined {
    const token = this.#tokens.get(name);
    if (token && token.expiresAtMs <= this.#clock()) {
      this.#tokens.delete(name);
      return undefined;
    }
    return token;
  }

  /** Drops expired tokens and counts (they are also ignored on read). */
  sweep(): void {
    const now = this.#clock();
    for (const [name, token] of this.#tokens) if (token.expiresAtMs <= now) this.#tokens.delete(name);
    for (const counted of this.#tokenCounts.values()) for (const [id, exp] of counted) if (exp <= now) counted.delete(id);
  }
}

const tokenName = (family: string, tokenId: string) => `${family}\u0000${tokenId}`;
