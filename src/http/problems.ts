/**
 * The catalogue of problem types (RFC 9457 application/problem+json) and the error handler that
 * turns anything thrown by a handler into one of them.
 *
 * User errors carry a clear `detail`; internal errors are logged with their detail and answered
 * with a generic 500 that says nothing about the cause. Every 401 has the same body, whatever the
 * reason (unknown, expired, exhausted, revoked or forged credentials), so a caller learns nothing.
 * Every problem body also carries `request_id`, the request's X-Request-Id, which finds the log
 * lines (and the audit entry) of that request.
 * @module
 */
import { ClientNotFoundError, ClientQuotaExceededError } from '../clients/errors.ts';
import { SessionNotFoundError } from '../sessions/errors.ts';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { CryptoBusyError, CryptoInputError, DecryptionError } from '../crypto/errors.ts';
import { HpkeOpenError } from '../crypto/hpke.ts';
import { KeyForbiddenError, KeyNotFoundError, KeyUnusableError } from '../keys/errors.ts';
import { QuotaExceededError, RateLimitedError } from '../limits/errors.ts';
import { ChallengeNotFoundError, CredentialEndedError, InvalidInputError, KeyConfirmationError, NotAllowedError, TokenNotFoundError } from '../operations/errors.ts';
import { StoreFullError, StoreUnavailableError } from '../stores/store.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
// A URN rather than a URL: it names the type without promising a page at some host (RFC 9457 s3.1.1).
// docs/api.md lists every type.
export const TYPE_BASE = 'urn:pq-crypto-api:problem:';

export interface FieldError {
  /** RFC 6901 JSON pointer into the request: "/pk", "/scopes/1", or "/" for the whole body. */
  readonly pointer: string;
  readonly detail: string;
}

/**
 * The catalogue: one entry per problem type, with its status, its title and the detail its
 * documented example shows (the OpenAPI document has one example per type, see http/route.ts;
 * test/http/problems.test.ts checks that each is documented and that each can be produced).
 */
export const PROBLEMS = Object.freeze({
  'malformed-request': { status: 400, title: 'Malformed request', example: 'The request body is not valid JSON.' },
  'decryption-failed': { status: 400, title: 'Decryption failed', example: 'decryption failed: wrong key, wrong aad, or the ciphertext was modified' },
  'hpke-open-failed': { status: 400, title: 'HPKE open failed', example: 'The message does not open: wrong key, or a modified enc or ciphertext, or another info, aad or suite than it was sealed with.' },
  'key-confirmation-failed': { status: 400, title: 'Key confirmation failed', example: 'The confirmation does not match the shared key this cipher gives: the cipher was modified, or made for another key. Nothing was stored.' },
  'sealed-request-refused': { status: 400, title: 'Sealed request refused', example: 'The sealed request was refused.' },
  unauthorized: { status: 401, title: 'Unauthorized', example: 'Missing or invalid credentials.' },
  forbidden: { status: 403, title: 'Forbidden', example: 'This credential does not have the scope kem:decapsulate.' },
  'not-found': { status: 404, title: 'Not found', example: 'No key of yours has this key_id.' },
  'method-not-allowed': { status: 405, title: 'Method not allowed', example: 'GET is not allowed here; use POST.' },
  'key-conflict': { status: 409, title: 'Conflict with the key', example: 'sk_3q2-7wAAAAAAAAAAAAAAAA has encrypted 4294967296 times (MAX_ENCRYPTIONS_PER_KEY): derive a new shared key; it still decrypts' },
  'payload-too-large': { status: 413, title: 'Payload too large', example: 'The request body is larger than 262144 bytes.' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', example: 'Send the body as JSON with Content-Type: application/json.' },
  'expectation-failed': { status: 417, title: 'Expectation failed', example: 'Only Expect: 100-continue is supported.' },
  'validation-failed': { status: 422, title: 'Validation failed', example: 'must decode to 800, 1184 or 1568 bytes (an ML-KEM public key), got 12' },
  'rate-limited': { status: 429, title: 'Too many requests', example: 'Too many requests: the token limit is 50 per 1 s. Retry after the time Retry-After gives.' },
  'quota-exceeded': { status: 429, title: 'Quota exceeded', example: 'Quota QUOTA_LIVE_TOKENS reached: this tenant may have at most 100000 live tokens. Nothing was written.' },
  'headers-too-large': { status: 431, title: 'Request header fields too large', example: 'The request line and headers together exceed 16 KiB.' },
  'internal-error': { status: 500, title: 'Internal server error', example: 'An unexpected error occurred. It has been logged.' },
  'store-unavailable': { status: 503, title: 'Service unavailable', example: 'The service cannot reach its store; nothing was done. Retry later.' },
  'crypto-busy': { status: 503, title: 'Busy with cryptography', example: "This request's cryptography could not start within CRYPTO_QUEUE_TIMEOUT_MS (slow lane); nothing was done and no attempt of a token was used. Retry after the time Retry-After gives." },
  'store-full': { status: 507, title: 'Insufficient storage', example: 'The store is full and refused the write; nothing was written. Retry later.' },
} satisfies Record<string, { status: number; title: string; example: string }>);
export type ProblemType = keyof typeof PROBLEMS;

export class Problem extends Error {
  constructor(
    readonly type: ProblemType,
    readonly detail: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(detail);
    this.name = 'Problem';
  }

  get status(): number {
    return PROBLEMS[this.type].status;
  }

  /** The problem body, with the request's id when there is one (as every answer has). */
  body(requestId?: string) {
    const { status, title } = PROBLEMS[this.type];
    return {
      type: TYPE_BASE + this.type,
      title,
      status,
      detail: this.detail,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(requestId !== undefined ? { request_id: requestId } : {}),
    };
  }

  toJSON() {
    return this.body();
  }
}

/** The body a documented example of a problem type shows: its own status, type and title. */
export function problemExample(type: ProblemType) {
  const { status, title, example } = PROBLEMS[type];
  return {
    type: TYPE_BASE + type,
    title,
    status,
    detail: example,
    ...(type === 'validation-failed' ? { errors: [{ pointer: '/pk', detail: example }] } : {}),
    request_id: '5f0c6f2e-8d5b-4b0e-9d43-2a6f1c0de001',
  };
}

/** The one 401: identical for every reason, by design. */
export const unauthorized = () => new Problem('unauthorized', 'Missing or invalid credentials.');
export const validationFailed = (errors: readonly FieldError[]) =>
  new Problem('validation-failed', errors.length === 1 ? errors[0]!.detail : `${errors.length} fields are invalid.`, errors);
export const fieldError = (field: string | readonly PropertyKey[], detail: string) => validationFailed([{ pointer: pointerFor(field), detail }]);
export const forbidden = (detail: string) => new Problem('forbidden', detail);
export const notFound = (detail: string) => new Problem('not-found', detail);

export function pointerFor(field: string | readonly PropertyKey[]): string {
  const path = typeof field === 'string' ? [field] : field;
  if (path.length === 0) return '/';
  return '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

export function sendProblem(res: Response, problem: Problem): void {
  if (problem.type === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="pq-crypto-api"');
  const requestId = (res.req as Request | undefined)?.id;
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body(requestId)));
}

/**
 * The IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): the policy (quota q per
 * window w seconds) and what is left of it (r remaining, t seconds until the window resets).
 */
export function setRateLimitHeaders(
  res: Parameters<RequestHandler>[1],
  policy: string,
  limit: number,
  windowSeconds: number,
  remaining: number,
  resetMs: number,
): void {
  res.setHeader('RateLimit-Policy', `"${policy}";q=${limit};w=${windowSeconds}`);
  res.setHeader('RateLimit', `"${policy}";r=${Math.max(0, remaining)};t=${Math.max(0, Math.ceil(resetMs / 1000))}`);
}

/** Answers unknown routes. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, notFound(`No route ${req.method} ${req.path}.`));
};

/** Maps body-parser's errors (which carry `type`) to problems. */
function fromBodyParser(err: { type?: unknown; limit?: unknown }): Problem | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new Problem('malformed-request', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new Problem('payload-too-large', `The request body is larger than ${String(err.limit)} bytes.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new Problem('unsupported-media-type', 'Send the body as UTF-8 JSON (Content-Type: application/json).');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new Problem('malformed-request', 'The request body could not be read.');
    default:
      return undefined;
  }
}

/**
 * Other 400s raised by Express's own layers, which carry no `type`: a path parameter that is not
 * valid percent-encoding (the router's URIError), and a body whose Content-Encoding (gzip,
 * deflate, br) does not decompress (body-parser's http-errors 400 wrapping the zlib error).
 */
function fromHttpClientError(err: { status?: unknown; expose?: unknown }): Problem | undefined {
  if (err.status !== 400) return undefined;
  if (err instanceof URIError) return new Problem('malformed-request', 'The URL path is not valid percent-encoding.');
  if (err.expose === true) return new Problem('malformed-request', 'The request body could not be read (is its Content-Encoding right?).');
  return undefined;
}


/**
 * The problem anything thrown maps to, without side effects (the error handler logs; the audit
 * plumbing uses it to record a failed request's outcome). Anything unknown is an internal error.
 */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof RateLimitedError) {
    return new Problem('rate-limited', `Too many requests: the ${err.policy} limit is ${err.limit} per ${err.windowSeconds} s. Retry after the time Retry-After gives.`);
  }
  if (err instanceof QuotaExceededError) {
    const what = err.quota === 'QUOTA_KEYS' ? 'stored keys' : 'live tokens';
    return new Problem('quota-exceeded', `Quota ${err.quota} reached: this tenant may have at most ${err.limit} ${what}. Nothing was written.`);
  }
  if (err instanceof CryptoBusyError) {
    // "Its tenant": the caller's, or for the opening of a sealed request (POST /ohttp) the one
    // scheduler tenant all sealed traffic shares (http/sealed.ts SEALED_GATEWAY_TENANT).
    const why = err.reason === 'queue-timeout' ? 'could not start within CRYPTO_QUEUE_TIMEOUT_MS' : 'would pass CRYPTO_TENANT_QUEUE_COST, the most its tenant may have queued';
    return new Problem('crypto-busy', `This request's cryptography ${why} (${err.lane} lane); nothing was done and no attempt of a token was used. Retry after the time Retry-After gives.`);
  }
  if (err instanceof StoreFullError) return new Problem('store-full', PROBLEMS['store-full'].example);
  if (err instanceof StoreUnavailableError) return new Problem('store-unavailable', PROBLEMS['store-unavailable'].example);
  if (err instanceof CryptoInputError) return fieldError(err.field, err.message);
  if (err instanceof KeyNotFoundError) return notFound(err.message);
  if (err instanceof KeyForbiddenError) return forbidden(err.message);
  if (err instanceof KeyUnusableError) return err.conflict ? new Problem('key-conflict', err.message) : fieldError(err.field, err.message);
  if (err instanceof DecryptionError) return new Problem('decryption-failed', err.message);
  // One body for every reason (its cause is never shown, nor logged as a distinct outcome).
  if (err instanceof HpkeOpenError) return new Problem('hpke-open-failed', PROBLEMS['hpke-open-failed'].example);
  // A field given as a JSON pointer ('/signing_key/pk') names a nested field; otherwise a top-level one.
  if (err instanceof InvalidInputError) return fieldError(err.field.startsWith('/') ? err.field.slice(1).split('/') : err.field, err.message);
  if (err instanceof NotAllowedError) return forbidden(err.message);
  if (err instanceof KeyConfirmationError) return new Problem('key-confirmation-failed', err.message);
  if (err instanceof TokenNotFoundError) return notFound(err.message);
  if (err instanceof ChallengeNotFoundError) return notFound(err.message);
  if (err instanceof CredentialEndedError) return unauthorized();
  if (err instanceof ClientNotFoundError || err instanceof SessionNotFoundError) return notFound(err.message);
  if (err instanceof ClientQuotaExceededError) {
    return new Problem('quota-exceeded', `Quota ${err.quota} reached: this tenant may have at most ${err.limit} registered clients. Nothing was written.`);
  }
  const clientError = err && typeof err === 'object' ? (fromBodyParser(err) ?? fromHttpClientError(err)) : undefined;
  return clientError ?? new Problem('internal-error', PROBLEMS['internal-error'].example);
}

/**
 * Turns what a handler throws into a problem. Express 5 routes async rejections here. Logs go to
 * the request's logger (with its request_id) when there is one.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const log = req.log ?? logger;
    // The client went away and its queued work was dropped (the request's AbortSignal): nobody to answer.
    if (err instanceof Error && err.name === 'AbortError' && (res.destroyed || req.socket.destroyed)) {
      log.debug({ path: req.path }, 'client went away: its queued work was dropped');
      return;
    }
    const problem = toProblem(err);
    if (err instanceof RateLimitedError) {
      setRateLimitHeaders(res, err.policy, err.limit, err.windowSeconds, 0, err.retryAfterMs);
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
    } else if (problem.type === 'store-full') {
      log.error({ cause: err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err), path: req.path }, 'store full: write refused');
      res.setHeader('Retry-After', '5');
    } else if (err instanceof CryptoBusyError) {
      log.warn({ reason: err.reason, lane: err.lane, path: req.path }, 'crypto busy: work refused before it started');
      res.setHeader('Retry-After', String(Math.max(1, err.retryAfterSeconds)));
    } else if (problem.type === 'store-unavailable') {
      // Only the cause's message: ioredis errors carry `command.args`, i.e. whole records.
      const cause: unknown = err instanceof StoreUnavailableError ? (err.cause ?? err) : err;
      log.warn({ cause: cause instanceof Error ? cause.message : String(cause), path: req.path }, 'store unavailable: failing closed');
      res.setHeader('Retry-After', '1');
    } else if (problem.type === 'internal-error') {
      log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    }
    sendProblem(res, problem);
  };
}
