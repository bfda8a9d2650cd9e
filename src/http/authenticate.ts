/**
 * The authentication step every /v1 request goes through: `Authorization: Bearer <credential>`,
 * where the credential is an API key or a temporary token (auth/authenticate.ts resolves it).
 * Runs before the body is read, so an unauthenticated request costs no parsing, and a token's
 * attempt is used before validation. Mounted per route (pipeline.ts), so whether an attempt is
 * used is the matched route's declaration (`usesAttempt`), never a comparison with the spelling
 * of the path.
 * @module
 */
import type { RequestHandler } from 'express';
import { bearerCredential, resolvePrincipal, type AuthenticateOptions } from '../auth/authenticate.ts';
import type { Principal } from '../auth/scopes.ts';
import { looksLikeJwt } from '../auth/tokens.ts';
import { RateLimitedError } from '../limits/errors.ts';
import type { LimitState } from '../limits/rate-limits.ts';
import { setRateLimitHeaders, unauthorized } from './problems.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
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
