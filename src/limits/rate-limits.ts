/**
 * Rate limits on the store's counters (stores/counters.ts), so every instance counts together:
 * fixed windows, one atomic step per hit. Three limits, each 0 to turn it off:
 *
 * - per tenant: RATE_LIMIT_PER_TENANT requests a second, every request of a live credential;
 * - per token: RATE_LIMIT_PER_TOKEN requests a second per temporary token, live or dead (a dead
 *   token's requests are failures, and failures count against the token itself);
 * - per client address: AUTH_FAILURES_PER_MINUTE failed authentications a minute. Only failures
 *   are counted, so a valid credential costs no extra round trip; past the limit, the address's
 *   failing requests are answered 429 instead of 401 (valid credentials still pass: guessing one
 *   is what the limit slows, and a guess that is refused is a failure).
 *
 * In what order they are counted against a request, so that a dead credential spends nothing of
 * its tenant's and a 429 uses no attempt, is auth/admission.ts's business.
 * Failing closed: when the store cannot count, the request is refused (503, or 507 when it is
 * full), never let through.
 * @module
 */
import type { Counters } from '../stores/counters.ts';
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

/** N hits per window per key, on the store's counters. */
class Limit {
  constructor(
    private readonly counters: Counters,
    readonly policy: RateLimitName,
    readonly limit: number,
    readonly windowSeconds: number,
  ) {}

  /** Counts a hit. @throws RateLimitedError past the limit; StoreUnavailableError when the store cannot count. */
  async hit(id: string, points = 1): Promise<LimitState> {
    const { policy, limit, windowSeconds } = this;
    const { allowed, remaining, resetMs } = await this.counters.hit(this.#key(id), points, limit, windowSeconds);
    if (!allowed) throw new RateLimitedError(policy, limit, windowSeconds, resetMs);
    return { policy, limit, windowSeconds, remaining, resetMs };
  }

  /** Counts points that were spent already, whatever the count (never refuses). */
  async charge(id: string, points: number): Promise<void> {
    await this.counters.charge(this.#key(id), points, this.windowSeconds);
  }

  /** Takes a hit back (in the current window; never below zero). */
  async refund(id: string, points = 1): Promise<void> {
    await this.counters.refund(this.#key(id), points);
  }

  /** `<policy>:<id>`, the id URI-encoded so that no id can pose as another policy's. */
  #key(id: string): string {
    return `${this.policy}:${encodeURIComponent(id)}`;
  }
}

/** The most constrained first: the one the RateLimit headers show. */
const tightestFirst = (states: LimitState[]) => states.sort((a, b) => a.remaining / a.limit - b.remaining / b.limit);

export class RateLimits {
  readonly #tenant: Limit | undefined;
  readonly #token: Limit | undefined;
  readonly #authFailures: Limit | undefined;

  constructor(counters: Counters, settings: RateLimitSettings) {
    this.#tenant = settings.perTenant > 0 ? new Limit(counters, 'tenant', settings.perTenant, 1) : undefined;
    this.#token = settings.perToken > 0 ? new Limit(counters, 'token', settings.perToken, 1) : undefined;
    this.#authFailures = settings.authFailuresPerMinute > 0 ? new Limit(counters, 'auth-failures', settings.authFailuresPerMinute, 60) : undefined;
  }

  /** Whether the per-tenant limit is on (RATE_LIMIT_PER_TENANT > 0). */
  get countsTenants(): boolean {
    return this.#tenant !== undefined;
  }

  /**
   * Counts a request of a principal known to be live against its token's limit, then its
   * tenant's (see countToken and countTenant). Returns the states for the RateLimit headers, the
   * most constrained first.
   * @throws RateLimitedError when either limit is reached.
   */
  async admit(principal: { readonly tenant: string; readonly token?: { readonly id: string } | undefined }): Promise<LimitState[]> {
    const states: LimitState[] = [];
    const token = principal.token && (await this.countToken(principal.token.id));
    if (token) states.push(token);
    const tenant = await this.countTenant(principal.tenant);
    if (tenant) states.push(tenant);
    return tightestFirst(states);
  }

  /**
   * Counts a request presenting token `tokenId`, whether the token lives or not: a token past
   * its own limit (a stranger hammering with it, or with a token that is revoked or used up) is
   * refused before it costs its tenant anything. Undefined when the limit is off.
   * @throws RateLimitedError past the limit.
   */
  async countToken(tokenId: string): Promise<LimitState | undefined> {
    return this.#token?.hit(tokenId);
  }

  /**
   * Counts a request of a live credential of `tenant` (an API key, or a token the store just
   * said lives). Undefined when the limit is off.
   * @throws RateLimitedError past the limit.
   */
  async countTenant(tenant: string): Promise<LimitState | undefined> {
    return this.#tenant?.hit(tenant);
  }

  /** Takes back a countTenant for a token found dead after it was counted (it lost a race with its revocation or last attempt). */
  async refundTenant(tenant: string): Promise<void> {
    await this.#tenant?.refund(tenant);
  }

  /**
   * Charges an admitted request's further cost (`points` beyond the one admit counted, e.g. a
   * batch's items once its body is parsed) to its token and its tenant, without refusing it: the
   * next requests find the windows fuller.
   */
  async charge(principal: { readonly tenant: string; readonly token?: { readonly id: string } | undefined }, points: number): Promise<void> {
    if (points <= 0) return;
    if (principal.token) await this.#token?.charge(principal.token.id, points);
    await this.#tenant?.charge(principal.tenant, points);
  }

  /**
   * Counts a failed authentication from `address`.
   * @throws RateLimitedError when the address is past its limit (the caller answers 429, not 401).
   */
  async authFailed(address: string): Promise<void> {
    await this.#authFailures?.hit(address);
  }
}
