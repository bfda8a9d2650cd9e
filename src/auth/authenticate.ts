/**
 * Who a credential stands for: `Authorization: Bearer <credential>`, where the credential is an
 * API key or a temporary token, resolved to a Principal (counting the rate limits and using a
 * token's attempt on the way). Knows nothing of HTTP: the authentication step of every request
 * (http/authenticate.ts) calls it.
 * @module
 */
import type { RateLimitName } from '../limits/errors.ts';
import type { LimitState, RateLimits } from '../limits/rate-limits.ts';
import type { ApiKeys } from './api-keys.ts';
import { SCOPES, type Principal } from './scopes.ts';
import { looksLikeJwt, type TokenService } from './tokens.ts';

export interface AuthenticateOptions {
  readonly apiKeys: ApiKeys;
  readonly tokens: TokenService;
  /** Counted before a token's attempt is used, so a 429 costs no attempt. */
  readonly limits?: RateLimits;
  /** Whether presenting a token here uses one of its attempts (false for GET /v1/tokens/current). */
  readonly usesAttempt: boolean;
  /** Told, when a token is presented where it uses an attempt, whether it was let through. */
  readonly onAttempt?: (outcome: 'used' | 'refused') => void;
  /** Told which limit refused a request (for the metrics). */
  readonly onRateLimited?: (policy: RateLimitName) => void;
}

/** Longer than any API key or token we issue: refuse before hashing or parsing. */
const MAX_CREDENTIAL_LENGTH = 8192;

export function bearerCredential(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  const credential = match?.[1];
  return credential && credential.length <= MAX_CREDENTIAL_LENGTH ? credential : undefined;
}

/**
 * The principal a credential stands for, or undefined when it stands for none. Rate limits are
 * counted once the tenant is known and before the store is asked about a token (its attempt).
 * `admitted` receives the limits' states, for the response headers.
 * @throws RateLimitedError past a rate limit; StoreUnavailableError when the store cannot answer.
 */
export async function resolvePrincipal(
  opts: AuthenticateOptions,
  credential: string,
  consume: boolean,
  admitted: (states: LimitState[]) => void = () => {},
): Promise<Principal | undefined> {
  const key = opts.apiKeys.match(credential);
  if (key !== undefined) {
    const principal: Principal = { tenant: key.tenant, scopes: SCOPES, keyIds: null, apiKeyId: key.keyId };
    if (opts.limits) admitted(await opts.limits.admit(principal));
    return principal;
  }
  if (!looksLikeJwt(credential)) return undefined;
  const verified = opts.tokens.verify(credential);
  if (!verified) return undefined;
  if (opts.limits) admitted(await opts.limits.admit(verified));
  return opts.tokens.activate(verified, consume);
}
