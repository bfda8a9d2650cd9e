/**
 * The authentication step every /v1 request goes through: `Authorization: Bearer <credential>`,
 * where the credential is an API key or a temporary token. Runs before the body is read, so an
 * unauthenticated request costs no parsing, and a token's attempt is used before validation.
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
  /** Requests that read a token without using an attempt (GET /v1/tokens/current). */
  readonly isFree: (method: string, path: string) => boolean;
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
  const key = opts.apiKeys.match(credential);
  if (key !== undefined) return { tenant: key.tenant, scopes: SCOPES, keyIds: null, apiKeyId: key.keyId };
  if (!looksLikeJwt(credential)) return undefined;
  return opts.tokens.authenticate(credential, consume);
}

export function authenticate(opts: AuthenticateOptions): RequestHandler {
  return async (req, _res, next) => {
    const credential = bearerCredential(req.get('authorization'));
    if (!credential) throw unauthorized();
    const principal = await resolvePrincipal(opts, credential, !opts.isFree(req.method, req.path));
    if (!principal) throw unauthorized();
    req.principal = principal;
    next();
  };
}
