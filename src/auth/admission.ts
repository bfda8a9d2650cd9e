/**
 * Admission: from a credential to a live principal, with the rate limits counted in the order
 * that makes a dead credential spend nothing of its tenant's, and a 429 use no attempt.
 *
 * - An API key lives if the configuration names it: its tenant's limit is counted at once.
 * - A token (signature and claims checked in memory first) is counted against its own limit,
 *   live or dead (a dead token's requests are failures, and failures count against the token
 *   itself and, in authenticate, the address), while the store is asked, in the same moment and
 *   without using an attempt, whether it lives. Only a live token's request is counted against
 *   its tenant; then its attempt is used. A 429 from either limit comes before the attempt.
 * - The read is skipped for a token this instance saw live within the last second
 *   (TokenService.recentlyAlive): its attempt tells. That saves a store command per request of a
 *   token in use (the common case), at the cost below.
 * - The gap: a token that dies (revoked, or its last attempt used by a concurrent request) after
 *   the read, or within a second after this instance last saw it live, has been counted against
 *   its tenant when its attempt is refused; the count is given back at once (refund). So dead
 *   tokens hold at most, for one store round trip, as many of the tenant's places as they have
 *   requests in flight in the second after their death, and keep none. A token that was never
 *   live here, or has been dead a second, spends nothing of its tenant's.
 *
 * The price: one more store read for the first request of a token on an instance in a second,
 * where the tenant limit is on and an attempt is used (none where the limit is off), sent together
 * with the token's own count, so it adds no round trip to the latency when the token limit is on
 * too. The tenant limit stays exact: every place is taken by one atomic hit.
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
import { looksLikeJwt, type TokenService } from './tokens.ts';

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
  if (!limits?.countsTenants) {
    // No tenant to protect: its own limit, then the store as usual (no extra read).
    const ownState = limits && (await count(limits.countToken(verified.token.id)));
    if (limits) admitted(tightestFirst([ownState]));
    return tokens.activate(verified, consume);
  }

  // Its own limit, live or dead; and, at once, whether it lives (a read: no attempt used), unless
  // this instance has just seen it live: then its attempt will tell (and a refund undoes the count).
  const seenAlive = consume && tokens.recentlyAlive(verified);
  const [ownState, read] = await Promise.all([
    count(limits.countToken(verified.token.id)),
    seenAlive ? undefined : tokens.activate(verified, false),
  ]);
  if (!seenAlive && !read) return undefined;
  const tenantState = await count(limits.countTenant(verified.tenant));
  admitted(tightestFirst([ownState, tenantState]));
  if (!consume) return read;
  const principal = await tokens.activate(verified, true);
  if (!principal && tenantState) {
    // Died since the read: give its tenant the place back (best effort: the answer is 401 anyway).
    await limits.refundTenant(verified.tenant).catch(() => {});
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
