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

/** What a reservation took, and where its window stands afterwards. */
export interface CounterReservation {
  /** Points taken, 0 to `points`: as many as the window had left (0: refused, nothing written). */
  readonly granted: number;
  /** Points the window can still take after this reservation. */
  readonly remaining: number;
  /** Milliseconds until the window ends: what was granted is for this window only. */
  readonly resetMs: number;
}

/** Where a window stands after a charge. */
export interface CounterCharge {
  /** Points counted in the window, this charge included (may be past any limit). */
  readonly count: number;
  /** Milliseconds until the window ends. */
  readonly resetMs: number;
}

/**
 * Every method takes an optional `family`: the counter is then kept with that token family's
 * records (on Redis, under its hash tag, so one script can count it and use the token's attempt
 * together on a Cluster: the per-token limit). Counters are told apart by `key` alone either way;
 * a caller names a counter with the same family every time.
 */
export interface Counters {
  /**
   * Counts `points` under `key` unless that would take the window's count past `limit`.
   * `points` and `limit` are whole numbers >= 1; `windowSeconds` >= 1.
   */
  hit(key: string, points: number, limit: number, windowSeconds: number, family?: string): Promise<CounterHit>;
  /**
   * Takes up to `points` under `key`, as many as the window has left before `limit` (all of them,
   * some, or none: then nothing is written): for an instance that reserves a batch of a shared
   * limit and hands it out locally (limits/rate-limits.ts). Same arguments as hit.
   */
  reserve(key: string, points: number, limit: number, windowSeconds: number, family?: string): Promise<CounterReservation>;
  /**
   * Counts `points` under `key` whatever the count (never refuses): for a cost known only after
   * the request was admitted, e.g. a batch's items once its body is parsed. A later `hit` sees it.
   */
  charge(key: string, points: number, windowSeconds: number, family?: string): Promise<CounterCharge>;
  /**
   * Takes back `points` counted in the current window of `key` (a hit that turned out to be for a
   * credential that is dead): never below zero, and never starts a window. Does not grow the
   * store, so it works on a full one.
   */
  refund(key: string, points: number, family?: string): Promise<void>;
}

/** Checks the arguments both adapters take alike: a bad one is a bug in the caller. */
export function checkCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number >= 1, got ${value}`);
}
