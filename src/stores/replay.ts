/**
 * The replay port: single-use values within a time window, across every instance sharing the
 * store. The RFC 9421 `nonce` of a signed request is claimed here under the client's scope
 * (httpsig/verify.ts says for how long); the same port serves any other "seen this once already?"
 * check, such as an OHTTP/HPKE `enc` (RFC 9458 section 6.5's replay advice), each under its own scope.
 *
 * `claim` is atomic: of any number of concurrent claims of one value in one scope, on any number
 * of instances, exactly one is 'fresh' until the window ends. It fails closed: a store that cannot
 * answer, or is full, throws (StoreUnavailableError, StoreFullError) and never says 'fresh'.
 * Both implementations (memory-replay.ts, redis-replay.ts) pass one contract suite
 * (test/stores/replay-contract.ts).
 * @module
 */

export type ClaimResult = 'fresh' | 'replayed';

export interface ReplayStore {
  /**
   * Claims `value` in `scope` for `ttlMs` milliseconds (a whole number, at least 1): 'fresh' when
   * no unexpired claim of it exists (and records this one), else 'replayed' (and changes nothing:
   * a replay does not extend the window).
   * @throws RangeError when ttlMs is not a positive integer.
   */
  claim(scope: string, value: string, ttlMs: number): Promise<ClaimResult>;
}

/** The check both implementations make on `ttlMs`. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError(`a claim's ttl must be a positive whole number of milliseconds, got ${ttlMs}`);
}
