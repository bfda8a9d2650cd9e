/**
 * The authentication step every /v1 request goes through: `Authorization: Bearer <credential>`,
 * where the credential is an API key or a temporary token. Runs before the body is read, so an
 * unauthenticated request costs no parsing, and a token's attempt is used before validation.
 * Mounted per route (http/route.ts), so whether an attempt is used is the matched route's
 * declaration (`usesAttempt`), never a comparison with the spelling of the path.
 * @module
 */
import type { RequestHandler } from 'express';
import { setRateLimitHeaders, unauthorized } from '../http/problems.ts';
import { RateLimitedError, type RateLimitName } from '../limits/errors.ts';
import type { LimitState } from '../limits/rate-limits.ts';
import { resolvePrincipal, type AdmissionOptions } from './admission.ts';
import type { Principal } from './scopes.ts';
import { looksLikeJwt } from './tokens.ts';

export { failsOpenWhenFull, resolvePrincipal } from './admission.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/**
 * Which credentials, limits and store: see auth/admission.ts, which also says in what order the
 * limits are counted and what `failOpenWhenFull` (set it from failsOpenWhenFull(route)) skips.
 */
export interface AuthenticateOptions extends AdmissionOptions {
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

export function authenticate(opts: AuthenticateOptions): RequestHandler {
  return async (req, res, next) => {
    const credential = bearerCredential(req.get('authorization'));
    const admitted = ([tightest]: LimitState[]) => {
      if (tightest) setRateLimitHeaders(res, tightest.policy, tightest.limit, tightest.windowSeconds, tightest.remaining, tightest.resetMs);
    };
    let principal: Principal | undefined;
    try {
      principal = credential ? await resolvePrincipal(opts, credential, opts.usesAttempt, admitted) : undefined;
      if (!principal) {
        // Throws RateLimitedError (429) instead when this address has failed too often.
        await opts.limits?.authFailed(req.ip ?? req.socket.remoteAddress ?? 'unknown');
      }
    } catch (error) {
      if (error instanceof RateLimitedError) opts.onRateLimited?.(error.policy);
      throw error;
    }
    if (opts.usesAttempt && opts.onAttempt && credential) {
      if (principal?.token) opts.onAttempt('used');
      else if (!principal && looksLikeJwt(credential)) opts.onAttempt('refused');
    }
    if (!principal) throw unauthorized();
    req.principal = principal;
    next();
  };
}
