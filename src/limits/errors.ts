/**
 * The abuse controls' refusals, thrown below HTTP and answered 429 by the error handler
 * (http/problems.ts): a rate limit (`rate-limited`, with Retry-After and the RateLimit headers)
 * or a quota (`quota-exceeded`, naming the quota). Neither writes anything.
 * @module
 */

/** Which quota: the environment variable that sets it, so an operator knows what to raise. */
export type QuotaName = 'QUOTA_LIVE_TOKENS' | 'QUOTA_KEYS';

export class QuotaExceededError extends Error {
  constructor(
    readonly quota: QuotaName,
    readonly limit: number,
  ) {
    super(`${quota}: this tenant already has ${limit} ${quota === 'QUOTA_KEYS' ? 'stored keys' : 'live tokens'}`);
    this.name = 'QuotaExceededError';
  }
}

/** Which limit refused the request: the policy name in the RateLimit headers. */
export type RateLimitName = 'tenant' | 'token' | 'auth-failures';

export class RateLimitedError extends Error {
  constructor(
    readonly policy: RateLimitName,
    /** Requests allowed per window. */
    readonly limit: number,
    /** The window, in seconds. */
    readonly windowSeconds: number,
    /** Milliseconds until the window lets a request through again. */
    readonly retryAfterMs: number,
  ) {
    super(`rate limit ${policy} (${limit} per ${windowSeconds} s) reached`);
    this.name = 'RateLimitedError';
  }
}
