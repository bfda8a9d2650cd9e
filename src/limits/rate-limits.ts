/**
 * Rate limits on the shared store, so every instance counts together (rate-limiter-flexible:
 * fixed windows, one atomic Lua script per hit on Redis; the same counters in memory for the
 * embedded store). Three limits, each 0 to turn it off:
 *
 * - per tenant: RATE_LIMIT_PER_TENANT requests a second, every request with a valid credential;
 * - per token: RATE_LIMIT_PER_TOKEN requests a second per temporary token;
 * - per client address: AUTH_FAILURES_PER_MINUTE failed authentications a minute. Only failures
 *   are counted, so a valid credential costs no extra round trip; past the limit, the address's
 *   failing requests are answered 429 instead of 401 (valid credentials still pass: guessing one
 *   is what the limit slows, and a guess that is refused is a failure).
 *
 * Tenant and token limits are checked before a token's attempt is used, so a 429 uses no attempt.
 * Failing closed: when the store cannot count, the request is refused (503), never let through.
 * @module
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RedisStore, storeError } from '../stores/redis.ts';
import type { Store } from '../stores/store.ts';
import { RateLimitedError, type RateLimitName } from './errors.ts';

export interface RateLimitSettings {
  readonly perTenant: number;
  readonly perToken: number;
  readonly authFailuresPerMinute: number;
}

/** Where a counter stands after a hit: what the RateLimit headers say. */
export interface LimitState {
  readonly policy: RateLimitName;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly remaining: number;
  readonly resetMs: number;
}

/**
 * The counter script of rate-limiter-flexible, with a shebang so Redis judges it before it runs:
 * on a Redis past maxmemory it is refused whole, like every write that may grow the store (a
 * window's first hit creates a key). So a full Redis refuses rate-limited requests with 507
 * rather than growing past its limit. One script for every counter: rate-limiter-flexible
 * defines it on the client under one command name, so a second definition would replace the first.
 */
const COUNTER_SCRIPT = `#!lua
redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
return {consumed, ttl}
`;

/**
 * The embedded store's counters live as long as the store and are shared by everything built on
 * it (as Redis's are by every instance), not one set per RateLimits.
 */
const memoryLimiters = new WeakMap<Store, Map<string, RateLimiterMemory>>();
function memoryLimiter(store: Store, opts: { points: number; duration: number; keyPrefix: string }): RateLimiterMemory {
  const limiters = memoryLimiters.get(store) ?? new Map<string, RateLimiterMemory>();
  memoryLimiters.set(store, limiters);
  const name = `${opts.keyPrefix}:${opts.points}/${opts.duration}`;
  let limiter = limiters.get(name);
  if (!limiter) limiters.set(name, (limiter = new RateLimiterMemory(opts)));
  return limiter;
}

/** N hits per window per key, on the store's backend. */
class Counter {
  readonly #limiter: RateLimiterAbstract;

  constructor(
    store: Store,
    readonly policy: RateLimitName,
    readonly limit: number,
    readonly windowSeconds: number,
  ) {
    const common = { points: limit, duration: windowSeconds, keyPrefix: `rl:${policy}` };
    this.#limiter =
      store instanceof RedisStore
        ? new RateLimiterRedis({
            ...common,
            keyPrefix: `${store.keyPrefix}rl:${policy}`,
            storeClient: store.client,
            rejectIfRedisNotReady: true,
            customIncrTtlLuaScript: COUNTER_SCRIPT,
          })
        : memoryLimiter(store, common);
  }

  /** Counts a hit. @throws RateLimitedError past the limit; StoreUnavailableError when the store cannot count. */
  async hit(key: string): Promise<LimitState> {
    try {
      return this.#state(await this.#limiter.consume(key));
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) throw new RateLimitedError(this.policy, this.limit, this.windowSeconds, outcome.msBeforeNext);
      throw storeError(outcome);
    }
  }

  #state(res: RateLimiterRes): LimitState {
    const { policy, limit, windowSeconds } = this;
    return { policy, limit, windowSeconds, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
  }
}

export class RateLimits {
  readonly #tenant: Counter | undefined;
  readonly #token: Counter | undefined;
  readonly #authFailures: Counter | undefined;

  constructor(store: Store, settings: RateLimitSettings) {
    this.#tenant = settings.perTenant > 0 ? new Counter(store, 'tenant', settings.perTenant, 1) : undefined;
    this.#token = settings.perToken > 0 ? new Counter(store, 'token', settings.perToken, 1) : undefined;
    this.#authFailures =
      settings.authFailuresPerMinute > 0 ? new Counter(store, 'auth-failures', settings.authFailuresPerMinute, 60) : undefined;
  }

  /**
   * Counts a request of an authenticated principal against its token's limit, then its tenant's.
   * In that order: a token past its own limit (a stranger hammering with it, or with a token that
   * is revoked or used up) is refused before it costs its tenant anything, so one token can take
   * at most RATE_LIMIT_PER_TOKEN of the tenant's budget. Returns the states for the RateLimit
   * headers, the most constrained first.
   * @throws RateLimitedError when either limit is reached.
   */
  async admit(principal: { readonly tenant: string; readonly token?: { readonly id: string } | undefined }): Promise<LimitState[]> {
    const states: LimitState[] = [];
    if (this.#token && principal.token) states.push(await this.#token.hit(principal.token.id));
    if (this.#tenant) states.push(await this.#tenant.hit(principal.tenant));
    return states.sort((a, b) => a.remaining / a.limit - b.remaining / b.limit);
  }

  /**
   * Counts a failed authentication from `address`.
   * @throws RateLimitedError when the address is past its limit (the caller answers 429, not 401).
   */
  async authFailed(address: string): Promise<void> {
    await this.#authFailures?.hit(address);
  }
}
