/**
 * The API's RFC 9457 problems as typed errors: one class per problem type of the server's
 * catalogue (src/http/problems.ts; test/client checks none is missing), all subclasses of
 * ApiError, so callers can `catch (e) { if (e instanceof NotFoundError) ... }`.
 * @module
 */
import type { components } from './openapi.ts';

/** A problem body as the server sends it (`errors` for 422; `request_id` where the server adds it). */
export type ProblemDetails = components['schemas']['Problem'] & { readonly request_id?: string };
export type FieldError = NonNullable<ProblemDetails['errors']>[number];

export const PROBLEM_TYPE_BASE = 'urn:pq-crypto-api:problem:';

export class ApiError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The problem type without its URN prefix (`validation-failed`), or `unknown` for a non-problem answer. */
  readonly problemType: string;
  readonly title: string;
  readonly detail: string;
  /** The X-Request-Id of the answer (quote it when reporting a problem). */
  readonly requestId: string | undefined;
  /** Milliseconds the server asked to wait (Retry-After), when it did. */
  readonly retryAfterMs: number | undefined;
  /** The problem body, when the answer was one. */
  readonly problem: ProblemDetails | undefined;

  constructor(status: number, problem: ProblemDetails | undefined, headers?: Headers) {
    const detail = problem?.detail ?? `HTTP ${status}`;
    super(problem ? `${problem.title}: ${detail}` : `HTTP ${status} without a problem body`);
    this.name = new.target.name;
    this.status = status;
    this.problem = problem;
    this.problemType = problem?.type.startsWith(PROBLEM_TYPE_BASE) ? problem.type.slice(PROBLEM_TYPE_BASE.length) : 'unknown';
    this.title = problem?.title ?? `HTTP ${status}`;
    this.detail = detail;
    this.requestId = headers?.get('x-request-id') ?? problem?.request_id;
    this.retryAfterMs = retryAfterMs(headers?.get('retry-after') ?? null);
  }

  /** Whether waiting and sending the same request again may succeed (and nothing was done). */
  get retryable(): boolean {
    return (this.status === 429 && this.problemType !== 'quota-exceeded') || this.status === 503;
  }
}

/** 400 `malformed-request`: the body is not valid JSON, or could not be read. */
export class MalformedRequestError extends ApiError {}
/** 400 `decryption-failed`: the ciphertext, key or aad is wrong (AES-GCM authentication failed). */
export class DecryptionFailedError extends ApiError {}
/** 400 `hpke-open-failed`: an HPKE message does not open (wrong key, modified enc or ciphertext, another info, aad or suite); one answer for every cause. */
export class HpkeOpenFailedError extends ApiError {}
/** 400 `key-confirmation-failed`: the confirmation does not match the decapsulated key. */
export class KeyConfirmationFailedError extends ApiError {}
/** 401: missing, unknown, expired, exhausted or revoked credentials (one answer for all). */
export class UnauthorizedError extends ApiError {}
/** 403: the credential lacks the scope, or may not use the key. */
export class ForbiddenError extends ApiError {}
/** 404: no such key (or route) for this tenant. */
export class NotFoundError extends ApiError {}
export class MethodNotAllowedError extends ApiError {}
/** 409 `key-conflict`: the key's state forbids it (a stored shared key past MAX_ENCRYPTIONS_PER_KEY: derive a new one). */
export class KeyConflictError extends ApiError {}
/** A sealed request (`sealed: true`) was refused by the gateway: the server does not say why (stale clock, replay, rotated keys...). */
export class SealedRequestRefusedError extends ApiError {}
export class PayloadTooLargeError extends ApiError {}
export class UnsupportedMediaTypeError extends ApiError {}
/** 417: the request carried an Expect header other than 100-continue. */
export class ExpectationFailedError extends ApiError {}
/** 431: the request line and headers exceed 16 KiB. */
export class HeadersTooLargeError extends ApiError {}
/** 422: `errors` names every bad field by JSON pointer (`/pk`). */
export class ValidationError extends ApiError {
  get errors(): readonly FieldError[] {
    return this.problem?.errors ?? [];
  }
}
/** 429 `rate-limited`: retried by the client (see ClientOptions.retries) before this is thrown. */
export class RateLimitedError extends ApiError {}
/** 429 `quota-exceeded`: a tenant quota is full; waiting does not help, so it is never retried. */
export class QuotaExceededError extends ApiError {}
/** 507 `store-full`: the service's store refused the write whole (nothing was written). */
export class StoreFullError extends ApiError {}
/** 500: a server bug; `requestId` finds it in the server's log. */
export class InternalServerError extends ApiError {}
/** 503: the service cannot reach its store and did nothing; retried by the client first. */
export class ServiceUnavailableError extends ApiError {}
/** 503 `crypto-busy`: the tenant's cryptography could not start in time; nothing was done and no attempt was used. Retried by the client first. */
export class CryptoBusyError extends ServiceUnavailableError {}

/** Error class by problem type. */
export const PROBLEM_ERRORS = Object.freeze({
  'malformed-request': MalformedRequestError,
  'decryption-failed': DecryptionFailedError,
  'hpke-open-failed': HpkeOpenFailedError,
  'key-confirmation-failed': KeyConfirmationFailedError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  'not-found': NotFoundError,
  'method-not-allowed': MethodNotAllowedError,
  'key-conflict': KeyConflictError,
  'sealed-request-refused': SealedRequestRefusedError,
  'payload-too-large': PayloadTooLargeError,
  'unsupported-media-type': UnsupportedMediaTypeError,
  'expectation-failed': ExpectationFailedError,
  'validation-failed': ValidationError,
  'headers-too-large': HeadersTooLargeError,
  'rate-limited': RateLimitedError,
  'quota-exceeded': QuotaExceededError,
  'internal-error': InternalServerError,
  'store-unavailable': ServiceUnavailableError,
  'crypto-busy': CryptoBusyError,
  'store-full': StoreFullError,
} as const satisfies Record<string, typeof ApiError>);

/** Error class by status, for answers whose type is unknown (a newer server, or a proxy). */
const BY_STATUS: Readonly<Record<number, typeof ApiError>> = Object.freeze({
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  405: MethodNotAllowedError,
  409: KeyConflictError,
  413: PayloadTooLargeError,
  415: UnsupportedMediaTypeError,
  417: ExpectationFailedError,
  431: HeadersTooLargeError,
  422: ValidationError,
  429: RateLimitedError,
  500: InternalServerError,
  503: ServiceUnavailableError,
  507: StoreFullError,
});

function isProblem(body: unknown): body is ProblemDetails {
  if (typeof body !== 'object' || body === null) return false;
  const o = body as Record<string, unknown>;
  return typeof o.type === 'string' && typeof o.title === 'string' && typeof o.status === 'number' && typeof o.detail === 'string';
}

/** The typed error for a failed answer whose body (parsed JSON, or undefined) is `body`. */
export function errorFor(status: number, body: unknown, headers?: Headers): ApiError {
  const problem = isProblem(body) ? body : undefined;
  const type = problem?.type.startsWith(PROBLEM_TYPE_BASE) ? problem.type.slice(PROBLEM_TYPE_BASE.length) : undefined;
  const Class = (type !== undefined ? (PROBLEM_ERRORS as Record<string, typeof ApiError>)[type] : undefined) ?? BY_STATUS[status] ?? ApiError;
  return new Class(status, problem, headers);
}

/**
 * Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, in milliseconds from
 * now; undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
