/**
 * The authentication step every /v1 request goes through: `Authorization: Bearer <credential>`,
 * where the credential is an API key or a temporary token (auth/authenticate.ts resolves it), or,
 * instead of Authorization, an RFC 9421 signature by a registered client (`Signature-Input` and
 * `Signature`; clients/service.ts authenticateSignedRequest). Mounted per route (pipeline.ts), so
 * whether an attempt is used is the matched route's declaration (`usesAttempt`), never a
 * comparison with the spelling of the path.
 *
 * A bearer request is authenticated before its body is read, so an unauthenticated request costs
 * no parsing, and a token's attempt is used before validation. A signed request covers its body
 * (Content-Digest, RFC 9530), so its body is read first (up to MAX_BODY_BYTES, the raw bytes kept
 * by the JSON parser's `verify` hook), and a body that does not parse is reported only after the
 * signature verified. Its `@target-uri` is PUBLIC_URL's origin with the request's path and query
 * when PUBLIC_URL is set, else the request's protocol and Host (both honour TRUST_PROXY: Express's
 * `req.protocol` and `req.host` read X-Forwarded-Proto / X-Forwarded-Host only from a trusted
 * proxy). A signed request acts with its client's scopes and key ids, is counted against its
 * client's rate limit (RATE_LIMIT_PER_TOKEN, as a token's) and its tenant's, and uses no attempt.
 * Any failure of it is the same 401 as a bad bearer credential, and counts against the address.
 * @module
 */
import type { Request, RequestHandler, Response } from 'express';
import { bearerCredential, resolvePrincipal, type AuthenticateOptions } from '../auth/authenticate.ts';
import type { Principal } from '../auth/scopes.ts';
import { looksLikeJwt } from '../auth/tokens.ts';
import { authenticateSignedRequest, type SignedRequestDeps } from '../clients/service.ts';
import { RateLimitedError } from '../limits/errors.ts';
import type { LimitState } from '../limits/rate-limits.ts';
import { StoreFullError } from '../stores/store.ts';
import { setRateLimitHeaders, unauthorized } from './problems.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
    /** The body's bytes as received (after any content coding was removed), when the JSON parser read it. */
    rawBody?: Buffer;
    /** A body error found while reading a signed request's body, answered once the signature is checked. */
    bodyError?: unknown;
  }
}

/** What a signed request needs besides the bearer options. */
export interface SignedRequestOptions {
  readonly deps: SignedRequestDeps;
  /** PUBLIC_URL's origin, or undefined to build the target URI from the request. */
  readonly publicUrl: string | undefined;
  /** The JSON body parser (keeping the raw bytes in req.rawBody), and a reader of any other body. */
  readonly jsonBody: RequestHandler;
  readonly rawBody: RequestHandler;
}

export interface HttpAuthenticateOptions extends AuthenticateOptions {
  /** Signed requests by registered clients; without it only bearer credentials are accepted. */
  readonly signed?: SignedRequestOptions | undefined;
  /** Told of every authenticated principal (a session's token notes its use: sessions/service.ts). */
  readonly onAuthenticated?: ((principal: Principal) => void) | undefined;
}

/** Whether the request says it is signed (RFC 9421) and carries no bearer credential. */
const isSigned = (req: Request) => req.get('authorization') === undefined && (req.get('signature-input') !== undefined || req.get('signature') !== undefined);

export function authenticate(opts: HttpAuthenticateOptions): RequestHandler {
  return async (req, res, next) => {
    const signed = opts.signed && isSigned(req) ? opts.signed : undefined;
    const credential = signed ? undefined : bearerCredential(req.get('authorization'));
    const admitted = ([tightest]: LimitState[]) => {
      if (tightest) setRateLimitHeaders(res, tightest.policy, tightest.limit, tightest.windowSeconds, tightest.remaining, tightest.resetMs);
    };
    let principal: Principal | undefined;
    try {
      if (signed) principal = await signedPrincipal(req, res, signed, opts, admitted);
      else principal = credential ? await resolvePrincipal(opts, credential, opts.usesAttempt, admitted) : undefined;
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
    opts.onAuthenticated?.(principal);
    next();
  };
}

/** The absolute target URI a signature covers (RFC 9421 section 2.2.2). */
export function targetUri(req: Request, publicUrl: string | undefined): string {
  const origin = publicUrl ?? `${req.protocol}://${req.host ?? ''}`;
  return `${origin}${req.originalUrl}`;
}

/**
 * A signed request's principal, or undefined (the uniform 401). Reads the body first; a body too
 * large is 413 at once (nothing could be verified), other body errors wait for the handler.
 */
async function signedPrincipal(req: Request, res: Response, signed: SignedRequestOptions, opts: HttpAuthenticateOptions, admitted: (states: LimitState[]) => void): Promise<Principal | undefined> {
  await readBody(req, res, signed);
  // Content-Digest covers the content as sent: a body whose coding the parser removed cannot be checked.
  const coding = req.get('content-encoding');
  if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') return undefined;
  if (req.bodyError !== undefined && req.rawBody === undefined) return undefined;
  const principal = await authenticateSignedRequest(
    { method: req.method, url: targetUri(req, signed.publicUrl), headers: req.headers, body: req.rawBody },
    signed.deps,
  );
  if (!principal || !opts.limits) return principal;
  // Limited like a token (its own window under the client id), then its tenant's.
  try {
    admitted(await opts.limits.admit({ tenant: principal.tenant, token: { id: principal.client!.id } }));
  } catch (error) {
    // Operations that only take something away go on uncounted on a full store (failsOpenWhenFull).
    if (!(opts.failOpenWhenFull && error instanceof StoreFullError)) throw error;
  }
  return principal;
}

const run = (handler: RequestHandler, req: Request, res: Response) =>
  new Promise<unknown>((resolve) => {
    void handler(req, res, (error?: unknown) => resolve(error));
  });

/** Reads the body of a signed request: JSON through the JSON parser (raw bytes kept), anything else raw. */
async function readBody(req: Request, res: Response, signed: SignedRequestOptions): Promise<void> {
  let error = await run(signed.jsonBody, req, res);
  if (error === undefined && req.rawBody === undefined) {
    // Not JSON (the parser left it), or none: read it raw, for the digest; the route answers 415 if it wants JSON.
    error = await run(signed.rawBody, req, res);
    if (Buffer.isBuffer(req.body)) req.rawBody = req.body;
    req.body = undefined;
  }
  if (error === undefined) return;
  if ((error as { type?: unknown }).type === 'entity.too.large') throw error;
  req.bodyError = error;
}
