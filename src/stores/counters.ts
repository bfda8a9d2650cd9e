/**
 * The counter port: fixed-window counters, what the rate limits (limits/rate-limits.ts) count on.
 * A window starts with the first point counted under a key and lasts `windowSeconds`; then the
 * count starts again from zero. Fixed windows are the cheapest exact counter (one key, one atomic
 * step), at the known price that a caller can get up to twice a limit across a window boundary.
 *
 * Each operation is atomic: N concurrent hits against a limit of L admit exactly min(N, L), on
 * every instance sharing the store. Both implementations (counters-memory.ts, counters-redis.ts)
 * pass one contract suite (test/stores/counters-contract.ts) run on the memory store, Redis,
 * Redis Cluster and Sentinel.
 *
 * On a full Redis (maxmemory, noeviction) `hit` and `charge` are refused whole with
 * StoreFullError, never grow the store past its limit (a window's first point creates a key);
 * `refund` only lowers a count in place and works on a full store too.
 * @module
 */

/** What a hit did, and where its window stands afterwards: what the RateLimit headers say. */
export interface CounterHit {
  /**
   * Whether the points were counted. False when they would have taken the window past its limit:
   * then nothing was counted, so refused hits never lengthen a caller's wait.
   */
  readonly allowed: boolean;
  /** Points the window can still take after this hit. */
  readonly remaining: number;
  /** Milliseconds until the window ends (and, when refused, a hit can be admitted again). */
  readonly resetMs: number;
}

/** Where a window stands after a charge. */
export interface CounterCharge {
  /** Points counted in the window, this charge included (may be past any limit). */
  readonly count: number;
  /** Milliseconds until the window ends. */
  readonly resetMs: number;
}

export interface Counters {
  /**
   * Counts `points` under `key` unless that would take the window's count past `limit`.
   * `points` and `limit` are whole numbers >= 1; `windowSeconds` >= 1.
   */
  hit(key: string, points: number, limit: number, windowSeconds: number): Promise<CounterHit>;
  /**
   * Counts `points` under `key` whatever the count (never refuses): for a cost known only after
   * the request was admitted, e.g. a batch's items once its body is parsed. A later `hit` sees it.
   */
  charge(key: string, points: number, windowSeconds: number): Promise<CounterCharge>;
  /**
   * Takes back `points` counted in the current window of `key` (a hit that turned out to be for a
   * credential that is dead): never below zero, and never starts a window. Does not grow the
   * store, so it works on a full one.
   */
  refund(key: string, points: number): Promise<void>;
}

/** Checks the arguments both adapters take alike: a bad one is a bug in the caller. */
export function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`);
}
