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
 *
 * Round trips (a shared store): the per-token counter is kept with the token's family, so the
 * token store counts it in the same script as the attempt (TokenStore.admit, one round trip for
 * the whole token). The per-tenant limit is taken from places this instance holds: with
 * `tenantBatch` > 1 it reserves up to that many of the tenant's window from the shared counter at
 * once (Counters.reserve) and hands them out locally, so most requests of a tenant make no round
 * trip for it. The bound: the instances together never admit more than the limit in a window (a
 * place is reserved in the shared counter before it is handed out, and only for that window);
 * they may admit fewer: a request can be refused while other instances still hold unused places,
 * at most (instances - 1) x (tenantBatch - 1) of them per window (docs/operations.md). Places
 * given back (a token found dead) return to this instance's holding. With tenantBatch 1 (the
 * default, and the embedded store's) every place is one shared hit, as before.
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
  /** Places of a tenant's window this instance reserves at once (see above); default 1. */
  readonly tenantBatch?: number;
  /** The clock for the held places' expiry (ms since the epoch); default Date.now. */
  readonly now?: () => number;
}

/**
 * The batch for a shared store: a 32nd of the limit (at least 1), so a tenant's requests make
 * about one round trip in 32 for the tenant limit, and an instance holds at most ~3% of the
 * limit unused. Small limits (< 64 a second) stay exact: batches of 1.
 */
export const sharedTenantBatch = (perTenant: number): number => Math.max(1, Math.floor(perTenant / 32));

/** How a token is named to its limit: its id, and its family (the counter is kept with it). */
export interface TokenRef {
  readonly id: string;
  /** The root token's id; by default the part of `id` before the dot (auth/tokens.ts familyOf). */
  readonly family?: string;
}
const familyOfRef = (token: TokenRef) => token.family ?? token.id.split('.')[0]!;

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
  async hit(id: string, points = 1, family?: string): Promise<LimitState> {
    const { allowed, remaining, resetMs } = await this.counters.hit(this.key(id), points, this.limit, this.windowSeconds, family);
    if (!allowed) throw this.refused(resetMs);
    return this.state(remaining, resetMs);
  }

  /** Takes up to `points` places of the current window (Counters.reserve). */
  async reserve(id: string, points: number): Promise<{ granted: number; remaining: number; resetMs: number }> {
    return this.counters.reserve(this.key(id), points, this.limit, this.windowSeconds);
  }

  /** Counts points that were spent already, whatever the count (never refuses). */
  async charge(id: string, points: number, family?: string): Promise<void> {
    await this.counters.charge(this.key(id), points, this.windowSeconds, family);
  }

  /** Takes a hit back (in the current window; never below zero). */
  async refund(id: string, points = 1): Promise<void> {
    await this.counters.refund(this.key(id), points);
  }

  state(remaining: number, resetMs: number): LimitState {
    return { policy: this.policy, limit: this.limit, windowSeconds: this.windowSeconds, remaining, resetMs };
  }

  refused(resetMs: number): RateLimitedError {
    return new RateLimitedError(this.policy, this.limit, this.windowSeconds, resetMs);
  }

  /** `<policy>:<id>`, the id URI-encoded so that no id can pose as another policy's. */
  key(id: string): string {
    return `${this.policy}:${encodeURIComponent(id)}`;
  }
}

/** A tenant's places this instance holds: reserved in the shared counter for the window ending at `endsAtMs`. */
interface Held {
  units: number;
  endsAtMs: number;
  /** What the shared window had left after the last reservation (for the RateLimit headers). */
  sharedRemaining: number;
}

/**
 * The per-tenant limit taken from places held locally (see the module comment): a place is
 * reserved in the shared counter before it is handed out, a batch at a time. Up to `batch`
 * requests wait on one reservation; more start their own, concurrently (so with batches of 1
 * every request has its own, as a plain hit would, and none waits on another's round trip).
 */
class TenantPlaces {
  readonly #held = new Map<string, Held>();
  /** The latest reservation in flight per tenant, and how many requests count on it. */
  readonly #reserving = new Map<string, { readonly done: Promise<number | undefined>; waiting: number }>();

  constructor(
    private readonly limit: Limit,
    private readonly batch: number,
    private readonly now: () => number,
  ) {}

  async take(tenant: string, points = 1): Promise<LimitState> {
    for (;;) {
      const held = this.#live(tenant);
      if (held && held.units >= points) {
        held.units -= points;
        return this.limit.state(held.sharedRemaining + held.units, held.endsAtMs - this.now());
      }
      let reservation = this.#reserving.get(tenant);
      if (reservation && reservation.waiting < this.batch && points === 1) reservation.waiting++;
      else {
        const done = this.#reserve(tenant, Math.max(points - (held?.units ?? 0), this.batch));
        reservation = { done, waiting: 1 };
        this.#reserving.set(tenant, reservation);
        const mine = reservation;
        void done.finally(() => {
          if (this.#reserving.get(tenant) === mine) this.#reserving.delete(tenant);
        }).catch(() => {});
      }
      const refusedFor = await reservation.done;
      // Refused: the window has no place left (another request may have taken what was granted).
      if (refusedFor !== undefined && !((this.#live(tenant)?.units ?? 0) >= points)) throw this.limit.refused(refusedFor);
    }
  }

  /** Whether this instance holds a place of the tenant's current window (none taken). */
  holds(tenant: string): boolean {
    return (this.#live(tenant)?.units ?? 0) > 0;
  }

  /** Gives a place back to this instance's holding (for the rest of its window). */
  giveBack(tenant: string, points = 1): void {
    const held = this.#live(tenant);
    if (held) held.units += points;
  }

  /** Takes up to `points` held places; answers how many it could not (to charge to the shared counter). */
  takeUpTo(tenant: string, points: number): number {
    const held = this.#live(tenant);
    const taken = Math.min(points, held?.units ?? 0);
    if (held) held.units -= taken;
    return points - taken;
  }

  /** Reserves up to `points` more: undefined when some were granted, else the ms until the window ends. */
  async #reserve(tenant: string, points: number): Promise<number | undefined> {
    const { granted, remaining, resetMs } = await this.limit.reserve(tenant, points);
    if (granted === 0) return resetMs;
    const now = this.now();
    const held = this.#live(tenant);
    // Places held from an earlier window have ended with it; these are the current window's.
    this.#held.set(tenant, { units: (held?.units ?? 0) + granted, endsAtMs: now + resetMs, sharedRemaining: remaining });
    if (this.#held.size > MAX_HELD_TENANTS) this.#sweep(now);
    return undefined;
  }

  #live(tenant: string): Held | undefined {
    const held = this.#held.get(tenant);
    return held && held.endsAtMs > this.now() ? held : undefined;
  }

  #sweep(now: number): void {
    for (const [tenant, held] of this.#held) if (held.endsAtMs <= now) this.#held.delete(tenant);
  }
}

/** Past this many tenants with places held, the ended windows are dropped (tenants are configured, so few). */
const MAX_HELD_TENANTS = 1_000;

/** The most constrained first: the one the RateLimit headers show. */
const tightestFirst = (states: LimitState[]) => states.sort((a, b) => a.remaining / a.limit - b.remaining / b.limit);

export class RateLimits {
  readonly #tenant: TenantPlaces | undefined;
  readonly #tenantLimit: Limit | undefined;
  readonly #token: Limit | undefined;
  readonly #authFailures: Limit | undefined;

  constructor(counters: Counters, settings: RateLimitSettings) {
    const tenant = settings.perTenant > 0 ? new Limit(counters, 'tenant', settings.perTenant, 1) : undefined;
    this.#tenantLimit = tenant;
    this.#tenant = tenant && new TenantPlaces(tenant, Math.max(1, Math.floor(settings.tenantBatch ?? 1)), settings.now ?? Date.now);
    this.#token = settings.perToken > 0 ? new Limit(counters, 'token', settings.perToken, 1) : undefined;
    this.#authFailures = settings.authFailuresPerMinute > 0 ? new Limit(counters, 'auth-failures', settings.authFailuresPerMinute, 60) : undefined;
  }

  /** Whether the per-tenant limit is on (RATE_LIMIT_PER_TENANT > 0). */
  get countsTenants(): boolean {
    return this.#tenant !== undefined;
  }

  /**
   * The per-token limit as the token store counts it with the attempt (TokenStore.admit): the
   * counter's name and the limit; undefined when the limit is off.
   */
  tokenCounter(token: TokenRef): { readonly key: string; readonly limit: number; readonly windowSeconds: number } | undefined {
    const limit = this.#token;
    return limit && { key: limit.key(token.id), limit: limit.limit, windowSeconds: limit.windowSeconds };
  }

  /** The RateLimit state of a per-token count the token store made (TokenStore.admit). */
  tokenState(count: { readonly remaining: number; readonly resetMs: number }): LimitState | undefined {
    return this.#token?.state(count.remaining, count.resetMs);
  }

  /** The per-token limit's refusal, for a count the token store refused (TokenStore.admit). */
  tokenRefused(resetMs: number): RateLimitedError {
    return this.#token!.refused(resetMs);
  }

  /**
   * Counts a request of a principal known to be live against its token's limit, then its
   * tenant's (see countToken and countTenant). Returns the states for the RateLimit headers, the
   * most constrained first.
   * @throws RateLimitedError when either limit is reached.
   */
  async admit(principal: { readonly tenant: string; readonly token?: TokenRef | undefined }): Promise<LimitState[]> {
    const states: LimitState[] = [];
    const token = principal.token && (await this.countToken(principal.token));
    if (token) states.push(token);
    const tenant = await this.countTenant(principal.tenant);
    if (tenant) states.push(tenant);
    return tightestFirst(states);
  }

  /**
   * Counts a request presenting token `tokenId`, whether the token lives or not: a token past
   * its own limit (a stranger hammering with it, or with a token that is revoked or used up) is
   * refused before it costs its tenant anything. Undefined when the limit is off. (Admission
   * counts it in the token store's own step instead: tokenCounter.)
   * @throws RateLimitedError past the limit.
   */
  async countToken(token: TokenRef): Promise<LimitState | undefined> {
    return this.#token?.hit(token.id, 1, familyOfRef(token));
  }

  /**
   * Counts a request of a live credential of `tenant` (an API key, or a token the store just
   * said lives). Undefined when the limit is off.
   * @throws RateLimitedError past the limit.
   */
  async countTenant(tenant: string): Promise<LimitState | undefined> {
    return this.#tenant?.take(tenant);
  }

  /**
   * Whether a countTenant of `tenant` would now be answered from the places this instance holds,
   * without a round trip (always false when the limit is off).
   */
  holdsTenantPlace(tenant: string): boolean {
    return this.#tenant?.holds(tenant) ?? false;
  }

  /**
   * Takes back a countTenant for a token found dead (or past its own limit) after it was counted:
   * the place returns to this instance's holding for the rest of the window.
   */
  refundTenant(tenant: string): void {
    this.#tenant?.giveBack(tenant);
  }

  /**
   * Charges an admitted request's further cost (`points` beyond the one admit counted, e.g. a
   * batch's items once its body is parsed) to its token and its tenant, without refusing it: the
   * next requests find the windows fuller.
   */
  async charge(principal: { readonly tenant: string; readonly token?: TokenRef | undefined }, points: number): Promise<void> {
    if (points <= 0) return;
    if (principal.token) await this.#token?.charge(principal.token.id, points, familyOfRef(principal.token));
    // From the places held first; what they do not cover is charged to the shared counter.
    const rest = this.#tenant?.takeUpTo(principal.tenant, points) ?? 0;
    if (rest > 0) await this.#tenantLimit?.charge(principal.tenant, rest);
  }

  /**
   * Counts a failed authentication from `address`.
   * @throws RateLimitedError when the address is past its limit (the caller answers 429, not 401).
   */
  async authFailed(address: string): Promise<void> {
    await this.#authFailures?.hit(address);
  }
}
