/**
 * PqcClient: one method per operation of the API, typed by the server's own OpenAPI document
 * (src/openapi.ts and src/operations.ts are generated from it), over the platform's fetch.
 *
 * - Every failed answer throws a typed ApiError subclass (errors.ts).
 * - 429 `rate-limited` and 503 are retried, after the Retry-After the server sends (or a short
 *   backoff), `retries` times. Both are safe to resend: the server did nothing, and a request
 *   refused with 429 or 503 used no attempt of its token.
 * - `sealed`: every /v1 call goes sealed through POST /ohttp (Oblivious HTTP with a post-quantum
 *   KEM, sealed.ts; docs/sealed.md) and its answer is opened here, so the code above sees the
 *   inner answer as if it had come plainly. A refused sealed request (`sealed-request-refused`:
 *   rotated keys, a clock far off) is sealed again once to freshly fetched keys (it did nothing).
 * @module
 */
import { errorFor } from './errors.ts';
import { OHTTP_MEDIA_TYPES, parseKeyConfigs, sealRequest, type OhttpKeyConfig, type SealedAead, type SealedKem } from './sealed.ts';
import type { Binary } from './local.ts';
import { openLoginInfo, sessionKey, signatureHeaders, type ClientSigner, type LoginInfo, type SessionKem } from './signer.ts';
import { fromBase64, toBase64 } from './encoding.ts';
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

/** The single form of an operation's body (without the batch form), and of its answer. */
export type SingleBody<K extends OperationId> = Exclude<RequestBody<K>, { batch_input: unknown }>;
export type SingleResponse<K extends OperationId> = Exclude<ResponseBody<K>, { batch_results: unknown }>;
/** The items of an operation's batch form, and what each item answers: its result or `{ error }`. */
export type BatchItem<K extends OperationId> = Extract<RequestBody<K>, { batch_input: readonly unknown[] }>['batch_input'][number];
export type BatchResult<K extends OperationId> = Extract<ResponseBody<K>, { batch_results: readonly unknown[] }>['batch_results'][number];

/** A shared key answered in the clear, or kept in the service (`store: true`): typed by the request. */
type Stored<B, R> = B extends { store: true } ? Omit<R, 'shared_key'> & { shared_key_id: string } : Omit<R, 'shared_key_id'> & { shared_key: string };

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
  /**
   * Send every /v1 call sealed (Oblivious HTTP, RFC 9458) through POST /ohttp: `true` fetches the
   * key configurations from GET /ohttp-keys (once, and again if a sealed request is refused);
   * `{ keys }` pins them (an `application/ohttp-keys` body). Paths outside /v1 (health, metrics,
   * JWKS) are sent plainly. See docs/sealed.md.
   */
  readonly sealed?: boolean | SealedOptions;
  /**
   * A registered client's own key (docs/clients.md): every request is signed with it (RFC 9421,
   * ML-DSA, Content-Digest for bodies) instead of carrying a token; the key never leaves this
   * program. `token` is then ignored. The signature covers the URL as sent: `baseUrl` must be the
   * address the service knows itself by (its PUBLIC_URL, when set).
   */
  readonly signer?: ClientSigner;
}

export interface SealedOptions {
  /** Pinned key configurations (the body of GET /ohttp-keys); default: fetched. */
  readonly keys?: Uint8Array;
  /** The KEM to seal with (default: the first the service lists, X-Wing). */
  readonly kem?: SealedKem;
  /** The AEAD (default: the first the service lists, AES-256-GCM). */
  readonly aead?: SealedAead;
}

export interface LoginOptions {
  /** What the service shows in the open-sessions overview (at most 200 characters). */
  readonly deviceDescription: string;
  /**
   * The tenant's attestation key (ML-DSA-65 public key, base64 or bytes) pinned once through a
   * channel you trust. Without it, GET /v1/keys/attestation is asked (needs `keys:read`): trust on
   * first use, no better than the channel to the service.
   */
  readonly attestationKey?: Binary;
  /** The session key's KEM (default X-Wing). */
  readonly kem?: SessionKem;
  readonly expiryTime?: number;
  readonly expireAfterAttempts?: number;
  readonly scopes?: RequestBody<'sessionsCreate'>['scopes'];
}

/** What login() gives: a client that uses the session's token, and what login_info said. */
export interface LoggedIn {
  readonly client: PqcClient;
  readonly info: LoginInfo;
}

/** Thrown when the service could not be reached at all (DNS, refused connection, TLS, abort). */
export class TransportError extends Error {
  override name = 'TransportError';
}

export class PqcClient {
  readonly #baseUrl: string;
  readonly #options: ClientOptions;
  readonly #fetch: typeof fetch;
  readonly #sealed: SealedOptions | undefined;
  #sealedKeys: Promise<OhttpKeyConfig[]> | undefined;

  constructor(options: ClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#sealed = options.sealed === true ? {} : options.sealed || undefined;
    if (this.#sealed?.keys) this.#sealedKeys = Promise.resolve(parseKeyConfigs(this.#sealed.keys));
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
    const text = body !== undefined ? JSON.stringify(body) : undefined;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // Signed afresh on every try: each signature's nonce is single-use.
    if (this.#options.signer) Object.assign(headers, signatureHeaders(this.#options.signer, method, url, text === undefined ? undefined : new TextEncoder().encode(text)));
    else if (token) headers.authorization = `Bearer ${token}`;
    const path = url.slice(this.#baseUrl.length);
    if (this.#sealed && path.startsWith('/v1/')) return this.#sendSealed(this.#sealed, method, path, headers, body, signal);
    return this.#fetchOrThrow(method, url, { method, headers, ...(text !== undefined ? { body: text } : {}) }, signal);
  }

  async #fetchOrThrow(method: string, url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await this.#fetch(url, { ...init, ...(signal ? { signal } : {}) });
    } catch (e) {
      // An abort is the caller's own doing: it gets its own reason back, as during a retry wait.
      if (signal?.aborted) throw signal.reason;
      throw new TransportError(`${method} ${url}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * The request as Binary HTTP, sealed to the service's key configuration, sent to POST /ohttp;
   * the answer opened into a Response as if the request had gone plainly. An outer refusal is
   * answered as it is (the caller maps it to an error), after one fresh try with keys fetched
   * again when they were not pinned.
   */
  async #sendSealed(sealed: SealedOptions, method: string, path: string, headers: Record<string, string>, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    const authority = new URL(this.#baseUrl).host;
    const content = body === undefined ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(body));
    for (let refetched = false; ; refetched = true) {
      const configs = await this.#ohttpKeys(signal);
      const fields = Object.entries(headers).map(([n, v]): [string, string] => [n.toLowerCase(), v]);
      // The gateway refuses a request whose Date is not within its window (replay protection).
      fields.push(['date', new Date().toUTCString()]);
      const message = await sealRequest(configs, { method, path, authority, headers: fields, body: content }, { ...(sealed.kem ? { kem: sealed.kem } : {}), ...(sealed.aead ? { aead: sealed.aead } : {}) });
      const url = `${this.#baseUrl}/ohttp`;
      const res = await this.#fetchOrThrow('POST', url, { method: 'POST', headers: { 'content-type': OHTTP_MEDIA_TYPES.request, accept: `${OHTTP_MEDIA_TYPES.response}, application/problem+json` }, body: new Uint8Array(message.message) }, signal);
      if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith(OHTTP_MEDIA_TYPES.response)) {
        const inner = await message.open(new Uint8Array(await res.arrayBuffer()));
        const nullBody = inner.status === 204 || inner.status === 205 || inner.status === 304;
        return new Response(nullBody ? null : new Uint8Array(inner.body), { status: inner.status, headers: inner.headers });
      }
      if (res.status === 400 && !sealed.keys && !refetched) {
        const problem = (await readJson(res.clone())) as { type?: unknown } | undefined;
        if (typeof problem?.type === 'string' && problem.type.endsWith(':sealed-request-refused')) {
          this.#sealedKeys = undefined;
          continue;
        }
      }
      return res;
    }
  }

  /** The key configurations: pinned, or fetched from GET /ohttp-keys once (and again after a refusal). */
  #ohttpKeys(signal: AbortSignal | undefined): Promise<OhttpKeyConfig[]> {
    if (!this.#sealedKeys) {
      const url = `${this.#baseUrl}/ohttp-keys`;
      this.#sealedKeys = this.#fetchOrThrow('GET', url, { method: 'GET', headers: { accept: OHTTP_MEDIA_TYPES.keys } }, signal).then(async (res) => {
        if (!res.ok) throw errorFor(res.status, await readJson(res), res.headers);
        return parseKeyConfigs(new Uint8Array(await res.arrayBuffer()));
      });
      // A failure is not kept: the next call fetches again.
      this.#sealedKeys.catch(() => (this.#sealedKeys = undefined));
    }
    return this.#sealedKeys;
  }

  /** Temporary tokens (docs/tokens.md). */
  readonly tokens = {
    /** POST /v1/tokens: a token limited in time, attempts, scopes and keys. */
    create: (body: RequestBody<'tokensCreate'> = {}, options?: CallOptions) => this.call('tokensCreate', { body }, options),
    /** GET /v1/tokens/current: what the credential in use may still do (uses no attempt). */
    current: (options?: CallOptions) => this.call('tokensCurrent', {}, options),
    /** DELETE /v1/tokens/{token_id}: kills a token everywhere. */
    revoke: (tokenId: string, options?: CallOptions) => this.call('tokensRevoke', { params: { token_id: tokenId } }, options),
    /** GET /.well-known/jwks.json: the keys that verify ML-DSA tokens offline (empty with HS256); no credential needed. */
    jwks: (options?: CallOptions) => this.call('jwks', {}, options),
  };

  /** ML-KEM (FIPS 203) and X-Wing, with keys held by the service. */
  readonly kem = {
    /** POST /v1/kem/keypair: a key pair whose secret key stays in the service; `pk` is attested. */
    keypair: (body: RequestBody<'kemKeypair'> = {}, options?: CallOptions) => this.call('kemKeypair', { body }, options),
    /**
     * POST /v1/kem/encapsulate: server-side encapsulation (the service sees the shared key; see
     * encapsulateLocally), with the key confirmation; with `store: true` the shared key stays in
     * the service and only its `shared_key_id` comes back.
     */
    encapsulate: async <B extends SingleBody<'kemEncapsulate'>>(body: B, options?: CallOptions) =>
      (await this.call('kemEncapsulate', { body }, options)) as Stored<B, SingleResponse<'kemEncapsulate'>>,
    /** The batch form of encapsulate: one request (one attempt of a token), a result or `{ error }` per item, in order. */
    encapsulateBatch: (items: readonly BatchItem<'kemEncapsulate'>[], options?: CallOptions) => this.#batch('kemEncapsulate', items, options),
    /**
     * POST /v1/kem/decapsulate: the shared key for a ciphertext, with a key the tenant owns. Give
     * `confirmation` (from encapsulate, or keyConfirmation) to have a modified cipher refused
     * (KeyConfirmationFailedError) instead of silently giving another key.
     */
    decapsulate: async <B extends RequestBody<'kemDecapsulate'>>(body: B, options?: CallOptions) =>
      (await this.call('kemDecapsulate', { body }, options)) as Stored<B, ResponseBody<'kemDecapsulate'>>,
  };

  /** Signatures: ML-DSA (FIPS 204) and SLH-DSA (FIPS 205), with stored, versioned keys. */
  readonly dsa = {
    /** POST /v1/dsa/keypair: a signing key whose secret stays in the service. */
    keypair: (body: RequestBody<'dsaKeypair'> = {}, options?: CallOptions) => this.call('dsaKeypair', { body }, options),
    /** POST /v1/dsa/sign: signs with `key_id` (its newest version), or the tenant's default key. */
    sign: async (body: SingleBody<'dsaSign'>, options?: CallOptions) => (await this.call('dsaSign', { body }, options)) as SingleResponse<'dsaSign'>,
    signBatch: (items: readonly BatchItem<'dsaSign'>[], options?: CallOptions) => this.#batch('dsaSign', items, options),
    /** POST /v1/dsa/verify: `verified` true or false, under `pk` (+ `algorithm` when ambiguous) or a stored `key_id`. */
    verify: async (body: SingleBody<'dsaVerify'>, options?: CallOptions) => (await this.call('dsaVerify', { body }, options)) as SingleResponse<'dsaVerify'>,
    verifyBatch: (items: readonly BatchItem<'dsaVerify'>[], options?: CallOptions) => this.#batch('dsaVerify', items, options),
  };

  /** AES-256-GCM under a key derived from a shared key, given (`key`) or stored (`key_id`); decryptBlob does the same locally. */
  readonly aes = {
    /** POST /v1/aes/encrypt. */
    encrypt: async (body: SingleBody<'aesEncrypt'>, options?: CallOptions) => (await this.call('aesEncrypt', { body }, options)) as SingleResponse<'aesEncrypt'>,
    encryptBatch: (items: readonly BatchItem<'aesEncrypt'>[], options?: CallOptions) => this.#batch('aesEncrypt', items, options),
    /** POST /v1/aes/decrypt. */
    decrypt: async (body: SingleBody<'aesDecrypt'>, options?: CallOptions) => (await this.call('aesDecrypt', { body }, options)) as SingleResponse<'aesDecrypt'>,
    decryptBatch: (items: readonly BatchItem<'aesDecrypt'>[], options?: CallOptions) => this.#batch('aesDecrypt', items, options),
  };

  /**
   * HPKE (RFC 9180 base mode) with the post-quantum KEMs of draft-ietf-hpke-pq (docs/sealed.md):
   * seal to a public key or a stored KEM key; open with a stored key. Anything that does not open
   * throws HpkeOpenFailedError, whatever the cause.
   */
  readonly hpke = {
    /** POST /v1/hpke/seal: `{ suite, enc, ciphertext }` for `plaintext` sealed to `pk` (or to the stored `key_id`). */
    seal: async (body: SingleBody<'hpkeSeal'>, options?: CallOptions) => (await this.call('hpkeSeal', { body }, options)) as SingleResponse<'hpkeSeal'>,
    sealBatch: (items: readonly BatchItem<'hpkeSeal'>[], options?: CallOptions) => this.#batch('hpkeSeal', items, options),
    /** POST /v1/hpke/open: the `plaintext` of `enc` and `ciphertext`, with the stored `key_id` (same `info`, `aad`, `suite`). */
    open: async (body: SingleBody<'hpkeOpen'>, options?: CallOptions) => (await this.call('hpkeOpen', { body }, options)) as SingleResponse<'hpkeOpen'>,
    openBatch: (items: readonly BatchItem<'hpkeOpen'>[], options?: CallOptions) => this.#batch('hpkeOpen', items, options),
  };

  /** Stored keys as resources (docs/keys.md). */
  readonly keys = {
    /** GET /v1/keys: one page of the tenant's keys; pass `next_cursor` back as `cursor`. */
    list: (query: QueryParams<'keysList'> = {}, options?: CallOptions) => this.call('keysList', { query }, options),
    /** Every key of the tenant (of one type), following the cursor page after page. */
    all: async (query: Omit<QueryParams<'keysList'>, 'cursor'> = {}, options?: CallOptions) => {
      const keys: ResponseBody<'keysList'>['keys'] = [];
      let cursor: string | undefined;
      do {
        const page = await this.call('keysList', { query: { ...query, ...(cursor ? { cursor } : {}) } }, options);
        keys.push(...page.keys);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return keys;
    },
    /** GET /v1/keys/attestation: the tenant's attestation key as an RFC 9964 JWK, the key to pin. */
    attestation: (options?: CallOptions) => this.call('keysAttestation', {}, options),
    /** GET /v1/keys/{key_id}: the key's public description. */
    get: (keyId: string, options?: CallOptions) => this.call('keysGet', { params: { key_id: keyId } }, options),
    /** POST /v1/keys/{key_id}/rotate: a new version of a signing key; older versions still verify. */
    rotate: (keyId: string, options?: CallOptions) => this.call('keysRotate', { params: { key_id: keyId } }, options),
    /** DELETE /v1/keys/{key_id}: gone everywhere at once. */
    delete: (keyId: string, options?: CallOptions) => this.call('keysDelete', { params: { key_id: keyId } }, options),
  };

  /** A batch call: the results in input order, each the item's answer or `{ error }` (a problem). */
  async #batch<K extends 'kemEncapsulate' | 'dsaSign' | 'dsaVerify' | 'aesEncrypt' | 'aesDecrypt' | 'hpkeSeal' | 'hpkeOpen'>(operation: K, items: readonly BatchItem<K>[], options?: CallOptions): Promise<BatchResult<K>[]> {
    const answer = (await this.call(operation, { body: { batch_input: items } as unknown as RequestBody<K> }, options)) as { batch_results: BatchResult<K>[] };
    return answer.batch_results;
  }

  /** The seed vendor's routes (docs/compatibility.md), for code moving off them. */
  readonly compat = {
    generateKeys: (options?: CallOptions) => this.call('compatKemGenerateKeysGet', {}, options),
    encapsulateKey: (body: RequestBody<'compatKemEncapsulateKey'>, options?: CallOptions) => this.call('compatKemEncapsulateKey', { body }, options),
    decapsulateKey: (body: RequestBody<'compatKemDecapsulateKey'>, options?: CallOptions) => this.call('compatKemDecapsulateKey', { body }, options),
    sign: (body: RequestBody<'compatSignatureSign'>, options?: CallOptions) => this.call('compatSignatureSign', { body }, options),
    verify: (body: RequestBody<'compatSignatureVerify'>, options?: CallOptions) => this.call('compatSignatureVerify', { body }, options),
    /** The vendor's current client's routes (/api/v1/pqc/...): handles for secret keys, `shared_secret` in hex. */
    pqcKemGenerateKeys: (body: RequestBody<'compatPqcKemGenerateKeys'> = {}, options?: CallOptions) => this.call('compatPqcKemGenerateKeys', { body }, options),
    pqcKemEncapsulate: (body: RequestBody<'compatPqcKemEncapsulate'>, options?: CallOptions) => this.call('compatPqcKemEncapsulate', { body }, options),
    pqcKemDecapsulate: (body: RequestBody<'compatPqcKemDecapsulate'>, options?: CallOptions) => this.call('compatPqcKemDecapsulate', { body }, options),
    pqcSignGenerateKeys: (body: RequestBody<'compatPqcSignGenerateKeys'> = {}, options?: CallOptions) => this.call('compatPqcSignGenerateKeys', { body }, options),
    pqcSign: (body: RequestBody<'compatPqcSignSign'>, options?: CallOptions) => this.call('compatPqcSignSign', { body }, options),
    pqcVerify: (body: RequestBody<'compatPqcSignVerify'>, options?: CallOptions) => this.call('compatPqcSignVerify', { body }, options),
  };

  /** Registered clients: callers with their own ML-DSA keys (docs/clients.md). Needs `clients:manage`. */
  readonly clients = {
    /** POST /v1/clients: registers a client by its public key (generateClientKey makes one). */
    register: (body: RequestBody<'clientsCreate'>, options?: CallOptions) => this.call('clientsCreate', { body }, options),
    /** GET /v1/clients: one page; pass `next_cursor` back as `cursor`. */
    list: (query: QueryParams<'clientsList'> = {}, options?: CallOptions) => this.call('clientsList', { query }, options),
    get: (clientId: string, options?: CallOptions) => this.call('clientsGet', { params: { client_id: clientId } }, options),
    /** DELETE /v1/clients/{client_id}: its signatures, sessions and their tokens end everywhere at once. */
    delete: (clientId: string, options?: CallOptions) => this.call('clientsDelete', { params: { client_id: clientId } }, options),
  };

  /** Login sessions (docs/clients.md): see login() to open one. */
  readonly sessions = {
    /** POST /v1/sessions as it is (login() does the key, the checks and the opening). Needs a `signer`. */
    create: (body: RequestBody<'sessionsCreate'>, options?: CallOptions) => this.call('sessionsCreate', { body }, options),
    /** GET /v1/sessions: a client's own open sessions, or (clients:manage) the tenant's. */
    list: (query: QueryParams<'sessionsList'> = {}, options?: CallOptions) => this.call('sessionsList', { query }, options),
    /** DELETE /v1/sessions/{session_id}: ends it; its token dies everywhere at once. */
    end: (sessionId: string, options?: CallOptions) => this.call('sessionsDelete', { params: { session_id: sessionId } }, options),
  };

  /**
   * Logs in as the client of `signer` (docs/clients.md): makes a fresh session key, signs
   * POST /v1/sessions, checks login_info_signature under the pinned attestation key (context
   * "pq-crypto-api/v1/login-info"), opens login_info with the session key (then dropped), and
   * answers a client that uses the session's token. Throws LocalCryptoError when a check fails.
   */
  async login(options: LoginOptions, callOptions?: CallOptions): Promise<LoggedIn> {
    if (!this.#options.signer) throw new TypeError('login() needs a client made with a `signer` (the registered client\'s key)');
    const key = await sessionKey(options.kem ?? 'X-Wing');
    const answer = await this.call(
      'sessionsCreate',
      {
        body: {
          session_kem: key.kem,
          session_pk: toBase64(key.publicKey),
          device_description: options.deviceDescription,
          ...(options.expiryTime !== undefined ? { expiry_time: options.expiryTime } : {}),
          ...(options.expireAfterAttempts !== undefined ? { expire_after_attempts: options.expireAfterAttempts } : {}),
          ...(options.scopes !== undefined ? { scopes: options.scopes } : {}),
        },
      },
      callOptions,
    );
    const attestationKey = options.attestationKey ?? fromBase64((await this.call('keysAttestation', {}, callOptions)).pub);
    // The session key's private key lives inside the HPKE library (not extractable) and is dropped with `key`.
    const info = await openLoginInfo(answer, attestationKey, key);
    const { signer: _signer, ...rest } = this.#options;
    return { client: new PqcClient({ ...rest, token: info.token }), info };
  }

  /**
   * Challenges for registered clients (docs/challenges.md): create one, then validate the client's
   * answer (answerChallenge, with keys that stay on the client) once; verifyReceipt checks the
   * answer's receipt offline.
   */
  readonly challenges = {
    /** POST /v1/challenges: 32 random bytes for `client_id` to sign (`signature`) or to open (`kem`). */
    create: (body: RequestBody<'challengeCreate'>, options?: CallOptions) => this.call('challengeCreate', { body }, options),
    /** POST /v1/challenges/{challenge_id}/validate: valid at most once; uses the challenge up, right or wrong. */
    validate: (challengeId: string, response: string, options?: CallOptions) => this.call('challengeValidate', { params: { challenge_id: challengeId }, body: { response } }, options),
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


