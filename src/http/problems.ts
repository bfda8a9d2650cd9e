/**
 * The catalogue of problem types (RFC 9457 application/problem+json) and the error handler that
 * turns anything thrown by a handler into one of them.
 *
 * User errors carry a clear `detail`; internal errors are logged with their detail and answered
 * with a generic 500 that says nothing about the cause. Every 401 has the same body, whatever the
 * reason (unknown, expired, exhausted, revoked or forged credentials), so a caller learns nothing.
 * @module
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { CryptoInputError, DecryptionError } from '../crypto/errors.ts';
import { QuotaExceededError, RateLimitedError } from '../limits/errors.ts';
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

/** The catalogue: one entry per problem type, with its status and title. */
export const PROBLEMS = Object.freeze({
  'malformed-request': { status: 400, title: 'Malformed request' },
  'decryption-failed': { status: 400, title: 'Decryption failed' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'validation-failed': { status: 422, title: 'Validation failed' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'quota-exceeded': { status: 429, title: 'Quota exceeded' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'store-unavailable': { status: 503, title: 'Service unavailable' },
  'store-full': { status: 507, title: 'Insufficient storage' },
} as const);
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

  toJSON() {
    const { status, title } = PROBLEMS[this.type];
    return {
      type: TYPE_BASE + this.type,
      title,
      status,
      detail: this.detail,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

/** The one 401: identical for every reason, by design. */
export const unauthorized = () => new Problem('unauthorized', 'Missing or invalid credentials.');
export const validationFailed = (errors: readonly FieldError[]) =>
  new Problem('validation-failed', errors.length === 1 ? errors[0]!.detail : `${errors.length} fields are invalid.`, errors);
export const fieldError = (field: string, detail: string) => validationFailed([{ pointer: pointerFor(field), detail }]);
export const forbidden = (detail: string) => new Problem('forbidden', detail);
export const notFound = (detail: string) => new Problem('not-found', detail);

export function pointerFor(field: string | readonly PropertyKey[]): string {
  const path = typeof field === 'string' ? [field] : field;
  if (path.length === 0) return '/';
  return '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

export function sendProblem(res: Parameters<RequestHandler>[1], problem: Problem): void {
  if (problem.type === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="pq-crypto-api"');
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.toJSON()));
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

/** Turns what a handler throws into a problem. Express 5 routes async rejections here. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    let problem: Problem;
    let clientError: Problem | undefined;
    if (err instanceof Problem) problem = err;
    else if (err instanceof RateLimitedError) {
      problem = new Problem('rate-limited', `Too many requests: the ${err.policy} limit is ${err.limit} per ${err.windowSeconds} s. Retry after the time Retry-After gives.`);
      setRateLimitHeaders(res, err.policy, err.limit, err.windowSeconds, 0, err.retryAfterMs);
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
    } else if (err instanceof QuotaExceededError) {
      problem = new Problem('quota-exceeded', `Quota ${err.quota} reached: this tenant may have at most ${err.limit} ${err.quota === 'QUOTA_KEYS' ? 'stored keys' : 'live tokens'}. Nothing was written.`);
    } else if (err instanceof StoreFullError) {
      logger.error({ err: err.cause ?? err, path: req.path }, 'store full: write refused');
      problem = new Problem('store-full', 'The store is full and refused the write; nothing was written. Retry later.');
      res.setHeader('Retry-After', '5');
    } else if (err instanceof StoreUnavailableError) {
      logger.warn({ err: err.cause ?? err, path: req.path }, 'store unavailable: failing closed');
      problem = new Problem('store-unavailable', 'The service cannot reach its store; nothing was done. Retry later.');
      res.setHeader('Retry-After', '1');
    } else if (err instanceof CryptoInputError) problem = fieldError(err.field, err.message);
    else if (err instanceof DecryptionError) problem = new Problem('decryption-failed', err.message);
    else if (err && typeof err === 'object' && (clientError = fromBodyParser(err) ?? fromHttpClientError(err))) problem = clientError;
    else {
      logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
      problem = new Problem('internal-error', 'An unexpected error occurred. It has been logged.');
    }
    sendProblem(res, problem);
  };
}
