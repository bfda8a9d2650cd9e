/**
 * The embedded store: plain maps in this process. The default when REDIS_URL is unset.
 *
 * JavaScript runs one callback at a time, so each method body that does not await is atomic, which
 * gives the same guarantees as the Redis scripts within one process. Nothing survives a restart and
 * nothing is shared with other instances; main.ts says so at start.
 * @module
 */
import { systemClock, type Clock, type ConsumeResult, type KeyRecord, type PutKeyResult, type Store, type TenantKeyRole, type TokenRecord } from './store.ts';

interface LiveToken {
  tenant: string;
  attemptsLeft: number | null;
  expiresAtMs: number;
  ancestors: readonly string[];
}

export interface MemoryStoreOptions {
  readonly clock?: Clock;
  /** How often expired tokens are swept (they are also ignored on read). */
  readonly sweepIntervalMs?: number;
}

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly #clock: Clock;
  readonly #keys = new Map<string, KeyRecord>();
  readonly #fingerprints = new Map<string, string>();
  readonly #tenantKeys = new Map<string, KeyRecord>();
  readonly #tokens = new Map<string, LiveToken>();
  /** Per tenant: its key ids (the key quota's count). */
  readonly #keyIndex = new Map<string, Set<string>>();
  /** Per tenant: token id -> expiry, the live-token quota's count. */
  readonly #tokenCounts = new Map<string, Map<string, number>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor({ clock = systemClock, sweepIntervalMs = 60_000 }: MemoryStoreOptions = {}) {
    this.#clock = clock;
    this.#sweeper = setInterval(() => this.#sweep(), sweepIntervalMs);
    this.#sweeper.unref();
  }

  async putKey(record: KeyRecord, publicKeyFingerprint: string, quota = 0): Promise<PutKeyResult> {
    const id = keyName(record.tenant, record.id);
    if (this.#keys.has(id)) return 'taken';
    const index = this.#keyIndex.get(record.tenant) ?? new Set<string>();
    if (quota > 0 && index.size >= quota) return 'quota-exceeded';
    this.#keys.set(id, record);
    this.#fingerprints.set(keyName(record.tenant, publicKeyFingerprint), record.id);
    index.add(record.id);
    this.#keyIndex.set(record.tenant, index);
    return 'stored';
  }

  async deleteKey(tenant: string, id: string, publicKeyFingerprint: string): Promise<boolean> {
    if (!this.#keys.delete(keyName(tenant, id))) return false;
    const fp = keyName(tenant, publicKeyFingerprint);
    if (this.#fingerprints.get(fp) === id) this.#fingerprints.delete(fp);
    this.#keyIndex.get(tenant)?.delete(id);
    return true;
  }

  async countKeys(tenant: string): Promise<number> {
    return this.#keyIndex.get(tenant)?.size ?? 0;
  }

  async getKey(tenant: string, id: string): Promise<KeyRecord | undefined> {
    return this.#keys.get(keyName(tenant, id));
  }

  async findKeyIdByFingerprint(tenant: string, publicKeyFingerprint: string): Promise<string | undefined> {
    return this.#fingerprints.get(keyName(tenant, publicKeyFingerprint));
  }

  async getOrPutTenantKey(tenant: string, role: TenantKeyRole, candidate: KeyRecord): Promise<KeyRecord> {
    const name = keyName(tenant, role);
    const existing = this.#tenantKeys.get(name);
    if (existing) return existing;
    this.#tenantKeys.set(name, candidate);
    return candidate;
  }

  async getTenantKey(tenant: string, role: TenantKeyRole): Promise<KeyRecord | undefined> {
    return this.#tenantKeys.get(keyName(tenant, role));
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

  async revokeToken(family: string, tokenId: string, tenant: string, by: string | null = null): Promise<boolean> {
    const name = tokenName(family, tokenId);
    const token = this.#get(name);
    if (!token || token.tenant !== tenant) return false;
    if (by !== null && by !== tokenId && !token.ancestors.includes(by)) return false;
    this.#tokens.delete(name);
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
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

  #sweep(): void {
    const now = this.#clock();
    for (const [name, token] of this.#tokens) if (token.expiresAtMs <= now) this.#tokens.delete(name);
    for (const counted of this.#tokenCounts.values()) for (const [id, exp] of counted) if (exp <= now) counted.delete(id);
  }
}

// Same naming as the Redis store, so the two are easy to compare.
const keyName = (tenant: string, suffix: string) => `${tenant}\u0000${suffix}`;
const tokenName = (family: string, tokenId: string) => `${family}\u0000${tokenId}`;
