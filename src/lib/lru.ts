/**
 * A small bounded cache: least-recently-used eviction past `maxEntries`, an optional time to live,
 * and an `onEvict` hook that sees every entry leaving (evicted, expired, replaced, deleted or
 * cleared), so secret entries can be wiped. Time comes from an injected clock (milliseconds).
 * A Map keeps insertion order, so re-inserting on use makes its first key the least recently used.
 * @module
 */
export interface LruOptions<V> {
  readonly maxEntries: number;
  /** Lifetime of an entry from when it was set; undefined = no expiry. */
  readonly ttlMs?: number;
  readonly now?: () => number;
  readonly onEvict?: (value: V) => void;
}

export class LruCache<V> {
  readonly #entries = new Map<string, { value: V; expires: number }>();
  readonly #max: number;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #onEvict: (value: V) => void;

  constructor({ maxEntries, ttlMs, now = Date.now, onEvict = () => {} }: LruOptions<V>) {
    this.#max = Math.max(0, Math.floor(maxEntries));
    this.#ttl = ttlMs ?? Number.POSITIVE_INFINITY;
    this.#now = now;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= this.#now()) {
      this.#onEvict(entry.value);
      return undefined;
    }
    this.#entries.set(key, entry); // now the most recently used
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.#max === 0 || this.#ttl <= 0) {
      this.#onEvict(value); // caching is off: the caller hands the value over all the same
      return;
    }
    this.delete(key);
    this.#entries.set(key, { value, expires: this.#now() + this.#ttl });
    this.#sweep();
    while (this.#entries.size > this.#max) {
      const [oldest, entry] = this.#entries.entries().next().value as [string, { value: V }];
      this.#entries.delete(oldest);
      this.#onEvict(entry.value);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#onEvict(entry.value);
  }

  clear(): void {
    for (const { value } of this.#entries.values()) this.#onEvict(value);
    this.#entries.clear();
  }

  /** Drops expired entries from the old end (entries are in order of last set or use, so expiry is roughly ordered too). */
  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expires > now) break;
      this.#entries.delete(key);
      this.#onEvict(entry.value);
    }
  }
}
