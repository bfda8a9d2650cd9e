/**
 * The authentication step every /v1 request goes through: `Authorization: Bearer <credential>`,
 * where the credential is an API key or a temporary token. Runs before the body is read, so an
 * unauthenticated request costs no parsing, and a token's attempt is used before validation.
 * Mounted per route (http/route.ts), so whether an attempt is used is the matched route's
 * declaration (`usesAttempt`), never a comparison with the spelling of the path.
 * @module
 */
import type { RequestHandler } from 'express';
import { unauthorized } from '../http/problems.ts';
import type { ApiKeys } from './api-keys.ts';
import { SCOPES, type Principal } from './scopes.ts';
import { looksLikeJwt, type TokenService } from './tokens.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

export interface AuthenticateOptions {
  readonly apiKeys: ApiKeys;
  readonly tokens: TokenService;
  /** Whether presenting a token here uses one of its attempts (false for GET /v1/tokens/current). */
  readonly usesAttempt: boolean;
  /** Told, when a token is presented where it uses an attempt, whether it was let through. */
  readonly onAttempt?: (outcome: 'used' | 'refused') => void;
}

/** Longer than any API key or token we issue: refuse before hashing or parsing. */
const MAX_CREDENTIAL_LENGTH = 8192;

export function bearerCredential(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  const credential = match?.[1];
  return credential && credential.length <= MAX_CREDENTIAL_LENGTH ? credential : undefined;
}

export async function resolvePrincipal(opts: AuthenticateOptions, credential: string, consume: boolean): Promise<Principal | undefined> {
  const tenant = opts.apiKeys.tenantFor(credential);
  if (tenant !== undefined) return { tenant, scopes: SCOPES, keyIds: null };
  if (!looksLikeJwt(credential)) return undefined;
  return opts.tokens.authenticate(credential, consume);
}

export function authenticate(opts: AuthenticateOptions): RequestHandler {
  return async (req, _res, next) => {
    const credential = bearerCredential(req.get('authorization'));
    if (!credential) throw unauthorized();
    const principal = await resolvePrincipal(opts, credential, opts.usesAttempt);
    if (opts.usesAttempt && opts.onAttempt) {
      if (principal?.token) opts.onAttempt('used');
      else if (!principal && looksLikeJwt(credential)) opts.onAttempt('refused');
    }
    if (!principal) throw unauthorized();
    req.principal = principal;
    next();
  };
}
