/**
 * Admission: from a credential to a live principal, with the rate limits counted in the order
 * that makes a dead credential spend nothing of its tenant's, and a 429 use no attempt, in as few
 * store round trips as that allows.
 *
 * - An API key lives if the configuration names it: its tenant's limit is counted at once (from
 *   the places this instance holds: no round trip for most requests, limits/rate-limits.ts).
 * - A token (signature and claims checked in memory first) is counted against its own limit,
 *   live or dead (a dead token's requests are failures, and failures count against the token
 *   itself and, in authenticate, the address), then judged alive or dead, then its attempt is
 *   used: one store step (TokenService.admit, one Redis script on the family's hash tag), one
 *   round trip. Only a live token's request is counted against its tenant, and a 429 from either
 *   limit comes before the attempt:
 *   - when this instance holds a place of the tenant's window (the common case under load), the
 *     step runs with the attempt, and the place is taken after it, without a round trip. Should
 *     concurrent requests have taken the last places meanwhile and the shared counter have none
 *     left, the attempt is given back (one more round trip, only at the tenant's limit) and the
 *     answer is 429: so a 429 still uses no attempt, and the tenant's limit is never passed;
 *   - otherwise the step first only reads (its own limit counted, whether it lives: no attempt),
 *     then the tenant's place is reserved, then the attempt used: three round trips, once per
 *     batch of places (every request when the tenant's batch is 1, as on the embedded store).
 *   A dead token never takes a place of its tenant's, even for a moment.
 *
 * On a full store (StoreFullError), counter writes are refused like every growing write, so a
 * request is answered 507; with `failOpenWhenFull` (operations that only take something away:
 * see failsOpenWhenFull) a counter the store cannot write is skipped instead, and the request goes
 * on uncounted. Failures are still counted against the address (authenticate): a refused guess on
 * a full store answers 507, never an uncounted 401.
 * @module
 */
import type { LimitState, RateLimits } from '../limits/rate-limits.ts';
import { StoreFullError } from '../stores/store.ts';
import type { ApiKeys } from './api-keys.ts';
import { SCOPES, type Principal } from './scopes.ts';
import { looksLikeJwt, type Admission, type TokenService } from './tokens.ts';

export interface AdmissionOptions {
  readonly apiKeys: ApiKeys;
  readonly tokens: TokenService;
  /** Counted before a token's attempt is used, so a 429 costs no attempt. */
  readonly limits?: RateLimits | undefined;
  /** Skip a rate-limit counter the store is too full to write (see failsOpenWhenFull). */
  readonly failOpenWhenFull?: boolean | undefined;
}

/**
 * Whether a route's rate-limit counters fail open on a full store: those whose operation only
 * takes something away (DELETE: revoking a token, deleting a key). Their own store writes only
 * shrink it (scripts flagged allow-oom), so revocation works on a full Redis, as
 * docs/security.md promises; everything that gives something out keeps failing closed.
 */
export function failsOpenWhenFull(route: { readonly method: string }): boolean {
  return route.method.toLowerCase() === 'delete';
}

/**
 * The principal a credential stands for, or undefined when it stands for none (unknown, forged,
 * expired, revoked, exhausted: alike). `admitted` receives the limits' states, the most
 * constrained first, for the response headers.
 * @throws RateLimitedError past a rate limit; StoreUnavailableError when the store cannot answer.
 */
export async function resolvePrincipal(
  opts: AdmissionOptions,
  credential: string,
  consume: boolean,
  admitted: (states: LimitState[]) => void = () => {},
): Promise<Principal | undefined> {
  const { limits, tokens } = opts;
  const count = <T>(counting: Promise<T>): Promise<T | undefined> => (opts.failOpenWhenFull ? skipWhenFull(counting) : counting);

  const key = opts.apiKeys.match(credential);
  if (key !== undefined) {
    const principal: Principal = { tenant: key.tenant, scopes: SCOPES, keyIds: null, apiKeyId: key.keyId };
    if (limits) admitted(tightestFirst([await count(limits.countTenant(principal.tenant))]));
    return principal;
  }
  if (!looksLikeJwt(credential)) return undefined;
  const verified = await tokens.verify(credential);
  if (!verified) return undefined;

  // The token's own limit, counted in the store's step (or skipped on a full store, see above).
  const counter = limits?.tokenCounter(verified.token);
  const admit = async (use: boolean): Promise<Admission> => {
    if (!counter) return tokens.admit(verified, use);
    try {
      return await tokens.admit(verified, use, counter);
    } catch (error) {
      if (opts.failOpenWhenFull && error instanceof StoreFullError) return tokens.admit(verified, use);
      throw error;
    }
  };
  const ownState = (admission: Admission) => (admission.outcome !== 'limited' && admission.count ? limits?.tokenState(admission.count) : undefined);

  if (!limits?.countsTenants || !consume || limits.holdsTenantPlace(verified.tenant)) {
    // One round trip: counted, judged and (with `consume`) its attempt used.
    const admission = await admit(consume);
    if (admission.outcome === 'limited') throw limits!.tokenRefused(admission.resetMs);
    if (admission.outcome === 'dead') return undefined;
    let tenantState: LimitState | undefined;
    if (limits?.countsTenants) {
      try {
        tenantState = await count(limits.countTenant(verified.tenant));
      } catch (error) {
        // The places went to concurrent requests and the window has no more: 429, and the
        // attempt this request used is given back (a 429 uses no attempt).
        // (Best effort: a refund the store refuses leaves the attempt used, never one too many.)
        if (consume) await tokens.refundAttempt(admission.principal).catch(() => {});
        throw error;
      }
    }
    admitted(tightestFirst([ownState(admission), tenantState]));
    return admission.principal;
  }

  // No place of the tenant's held here: whether it lives first (no attempt used), then its place.
  const read = await admit(false);
  if (read.outcome === 'limited') throw limits.tokenRefused(read.resetMs);
  if (read.outcome === 'dead') return undefined;
  const tenantState = await count(limits.countTenant(verified.tenant));
  admitted(tightestFirst([ownState(read), tenantState]));
  const principal = await tokens.activate(verified, true);
  if (!principal && tenantState) {
    // Died since the read: its tenant's place goes back to this instance's holding.
    limits.refundTenant(verified.tenant);
  }
  return principal;
}

/** The counted states, the most constrained first (limits that are off count nothing). */
function tightestFirst(states: (LimitState | undefined)[]): LimitState[] {
  return states.filter((s): s is LimitState => s !== undefined).sort((a, b) => a.remaining / a.limit - b.remaining / b.limit);
}

/** A counter the store is too full to write counts nothing; any other failure still refuses. */
async function skipWhenFull<T>(counting: Promise<T>): Promise<T | undefined> {
  try {
    return await counting;
  } catch (error) {
    if (error instanceof StoreFullError) return undefined;
    throw error;
  }
}
