/**
 * PqcClient: one method per operation of the API, typed by the server's own OpenAPI document
 * (src/openapi.ts and src/operations.ts are generated from it), over the platform's fetch.
 *
 * - Every failed answer throws a typed ApiError subclass (errors.ts).
 * - 429 `rate-limited` and 503 are retried, after the Retry-After the server sends (or a short
 *   backoff), `retries` times. Both are safe to resend: the server did nothing, and a request
 *   refused with 429 or 503 used no attempt of its token.
 * @module
 */
import { errorFor } from './errors.ts';
import type { operations } from './openapi.ts';
import { OPERATIONS, type OperationId } from './operations.ts';

type Operation<K extends OperationId> = operations[K];

/** The JSON body an operation takes (never when it takes none). */
export type RequestBody<K extends OperationId> = Operation<K> extends { requestBody?: infer B }
  ? NonNullable<B> extends { content: { 'application/json': infer J } }
    ? J
    : never
  : never;

/** The path parameters an operation takes (never when it takes none). */
export type PathParams<K extends OperationId> = Operation<K>['parameters'] extends { path: infer P } ? P : never;

/** The query parameters an operation takes (never when it takes none). */
export type QueryParams<K extends OperationId> = Operation<K>['parameters'] extends { query?: infer Q } ? NonNullable<Q> : never;

/** What an operation answers on success (undefined for 204). */
export type ResponseBody<K extends OperationId> = Operation<K>['responses'] extends infer R
  ? (typeof OPERATIONS)[K]['status'] extends infer S extends keyof R
    ? R[S] extends { content: { 'application/json': infer J } }
      ? J
      : R[S] extends { content: { 'text/plain': unknown } }
        ? string
        : undefined
    : never
  : never;

export interface CallInput<K extends OperationId> {
  readonly body?: RequestBody<K>;
  readonly params?: PathParams<K>;
  readonly query?: QueryParams<K>;
}

export interface CallOptions {
  /** Aborts the request (and any wait before a retry). */
  readonly signal?: AbortSignal;
}

export interface ClientOptions {
  /** Where the service is: `https://pqc.example.com` (paths such as /v1/kem/keypair are appended). */
  readonly baseUrl: string;
  /** An API key or temporary token, or a function giving one per request (to rotate tokens). */
  readonly token?: string | (() => string | Promise<string>);
  /** How many times a 429 `rate-limited` or a 503 is retried (default 2; 0 turns retries off). */
  readonly retries?: number;
  /** The longest wait before a retry (default 30 s): a longer Retry-After throws at once instead. */
  readonly maxRetryDelayMs?: number;
  /** The wait before a retry when the server sends no Retry-After (default 250 ms, doubled each time). */
  readonly backoffMs?: number;
  /** A fetch implementation (default: the global fetch of browsers and Node >= 18). */
  readonly fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Thrown when the service could not be reached at all (DNS, refused connection, TLS, abort). */
export class TransportError extends Error {
  override name = 'TransportError';
}

export class PqcClient {
  readonly #baseUrl: string;
  readonly #options: ClientOptions;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Any operation by its operationId, typed from the OpenAPI document. The methods below use it. */
  async call<K extends OperationId>(operation: K, input: CallInput<K> = {}, options: CallOptions = {}): Promise<ResponseBody<K>> {
    const { method, path, status } = OPERATIONS[operation];
    const params = (input.params ?? {}) as Record<string, string>;
    const url = this.#baseUrl + path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (typeof value !== 'string' || value === '') throw new TypeError(`${operation} needs the path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const query = Object.entries((input.query ?? {}) as Record<string, unknown>)
      .filter(([, value]) => value !== undefined && value !== null)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
    const target = query.length > 0 ? `${url}?${query.join('&')}` : url;
    const retries = this.#options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const res = await this.#send(method, target, input.body, options.signal);
      if (res.ok) {
        if (res.status === 204 || status === 204) return undefined as ResponseBody<K>;
        if (!/json/.test(res.headers.get('content-type') ?? '')) return (await res.text()) as ResponseBody<K>;
        return (await res.json()) as ResponseBody<K>;
      }
      const error = errorFor(res.status, await readJson(res), res.headers);
      const wait = error.retryAfterMs ?? (this.#options.backoffMs ?? 250) * 2 ** attempt;
      if (!error.retryable || attempt >= retries || wait > (this.#options.maxRetryDelayMs ?? 30_000)) throw error;
      await sleep(wait, options.signal);
    }
  }

  async #send(method: string, url: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...this.#options.headers };
    const token = typeof this.#options.token === 'function' ? await this.#options.token() : this.#options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.#fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(signal ? { signal } : {}) });
    } catch (e) {
      // An abort is the caller's own doing: it gets its own reason back, as during a retry wait.
      if (signal?.aborted) throw signal.reason;
      throw new TransportError(`${method} ${url}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Temporary tokens (docs/tokens.md). */
  readonly tokens = {
    /** POST /v1/tokens: a token limited in time, attempts, scopes and keys. */
    create: (body: RequestBody<'tokensCreate'> = {}, options?: CallOptions) => this.call('tokensCreate', { body }, options),
    /** GET /v1/tokens/current: what the credential in use may still do (uses no attempt). */
    current: (options?: CallOptions) => this.call('tokensCurrent', {}, options),
    /** DELETE /v1/tokens/{token_id}: kills a token everywhere. */
    revoke: (tokenId: string, options?: CallOptions) => this.call('tokensRevoke', { params: { token_id: tokenId } }, options),
  };

  /** ML-KEM (FIPS 203) with keys held by the service. */
  readonly kem = {
    /** POST /v1/kem/keypair: a key pair whose secret key stays in the service; `pk` is attested. */
    keypair: (body: RequestBody<'kemKeypair'> = {}, options?: CallOptions) => this.call('kemKeypair', { body }, options),
    /** POST /v1/kem/encapsulate: server-side encapsulation (the service sees the shared key; see encapsulateLocally). */
    encapsulate: (body: RequestBody<'kemEncapsulate'>, options?: CallOptions) => this.call('kemEncapsulate', { body }, options),
    /** POST /v1/kem/decapsulate: the shared key for a ciphertext, with a key the tenant owns. */
    decapsulate: (body: RequestBody<'kemDecapsulate'>, options?: CallOptions) => this.call('kemDecapsulate', { body }, options),
  };

  /** ML-DSA (FIPS 204) signatures. */
  readonly dsa = {
    /** POST /v1/dsa/sign: signs with the tenant's signing key. */
    sign: (body: RequestBody<'dsaSign'>, options?: CallOptions) => this.call('dsaSign', { body }, options),
    /** POST /v1/dsa/verify: `verified` true or false. */
    verify: (body: RequestBody<'dsaVerify'>, options?: CallOptions) => this.call('dsaVerify', { body }, options),
  };

  /** AES-256-GCM under a key derived from a shared key (decryptBlob does the same locally). */
  readonly aes = {
    /** POST /v1/aes/encrypt. */
    encrypt: (body: RequestBody<'aesEncrypt'>, options?: CallOptions) => this.call('aesEncrypt', { body }, options),
    /** POST /v1/aes/decrypt. */
    decrypt: (body: RequestBody<'aesDecrypt'>, options?: CallOptions) => this.call('aesDecrypt', { body }, options),
  };

  /** The seed vendor's routes (docs/compatibility.md), for code moving off them. */
  readonly compat = {
    generateKeys: (options?: CallOptions) => this.call('compatKemGenerateKeysGet', {}, options),
    encapsulateKey: (body: RequestBody<'compatKemEncapsulateKey'>, options?: CallOptions) => this.call('compatKemEncapsulateKey', { body }, options),
    decapsulateKey: (body: RequestBody<'compatKemDecapsulateKey'>, options?: CallOptions) => this.call('compatKemDecapsulateKey', { body }, options),
    sign: (body: RequestBody<'compatSignatureSign'>, options?: CallOptions) => this.call('compatSignatureSign', { body }, options),
    verify: (body: RequestBody<'compatSignatureVerify'>, options?: CallOptions) => this.call('compatSignatureVerify', { body }, options),
  };

  /** The tenant's audit trail (docs/observability.md). */
  readonly audit = {
    /** GET /v1/audit: one page of entries, newest first; pass `next_cursor` back as `cursor`. */
    list: (query: QueryParams<'auditList'> = {}, options?: CallOptions) => this.call('auditList', { query }, options),
  };

  /** GET /metrics: the Prometheus text (send METRICS_TOKEN as the token when the server sets one). */
  metrics(options?: CallOptions) {
    return this.call('metrics', {}, options);
  }

  /** GET /healthz: liveness (no credential needed). */
  health(options?: CallOptions) {
    return this.call('healthz', {}, options);
  }

  /** GET /readyz: readiness; throws ServiceUnavailableError (after retries) when the store does not answer. */
  ready(options?: CallOptions) {
    return this.call('readyz', {}, options);
  }
}

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

