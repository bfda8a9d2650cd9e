/**
 * The service's Prometheus metrics (prom-client), in one registry per app: buildApp is the
 * composition root and tests build several apps in one process, so nothing goes to prom-client's
 * global default registry. docs/observability.md lists every metric with its labels and the
 * alerts worth having on them.
 *
 * Labels are bounded sets only: a route is its declared path template (`/v1/tokens/{token_id}`,
 * never the raw URL), a status is one of a few dozen codes, an algorithm comes from the frozen
 * registries. No tenant, token or key id is ever a label (unbounded, and not for a scraper).
 * @module
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { DsaAlgorithm, KemAlgorithm } from '../crypto/algorithms.ts';
import type { AeadBackend, CryptoBackend, CryptoJob, DsaBackend, DsaSignOptions, KemBackend, PreparedSecretKey } from '../crypto/backend.ts';
import { AES_ALGORITHM } from '../crypto/costs.ts';
import { DecryptionError } from '../crypto/errors.ts';

/** The label of a request that matched no route (unknown paths): one series, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const STORE_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export type AttemptOutcome = 'used' | 'refused';

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'route' | 'method' | 'status'>;
  readonly #duration: Histogram<'route' | 'method' | 'status'>;
  readonly #crypto: Counter<'algorithm' | 'backend' | 'operation'>;
  readonly #attempts: Counter<'outcome'>;
  readonly #rateLimited: Counter<'kind'>;
  readonly #storeDuration: Histogram<'operation' | 'outcome'>;
  readonly #storeErrors: Counter<'operation'>;
  readonly #auditWrites: Counter<'outcome'>;
  readonly #refused: Counter<'kind' | 'reason'>;

  constructor() {
    const registers = [this.registry];
    // Process and runtime metrics, among them the event-loop delay (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({
      name: 'pqapi_http_requests_total',
      help: 'HTTP requests answered, by declared route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'pqapi_http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its answer, by declared route, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.#crypto = new Counter({
      name: 'pqapi_crypto_operations_total',
      help: 'Cryptographic operations performed, by algorithm, backend and operation.',
      labelNames: ['algorithm', 'backend', 'operation'],
      registers,
    });
    this.#attempts = new Counter({
      name: 'pqapi_token_attempts_total',
      help: 'Requests presenting a temporary token to a route that uses an attempt: used (let through) or refused (dead, exhausted, revoked, expired or forged token).',
      labelNames: ['outcome'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'pqapi_rate_limited_total',
      help: 'Requests refused with 429, by the kind of limit or quota that refused them.',
      labelNames: ['kind'],
      registers,
    });
    this.#storeDuration = new Histogram({
      name: 'pqapi_store_operation_duration_seconds',
      help: 'Time taken by store operations, by operation and outcome (ok or error).',
      labelNames: ['operation', 'outcome'],
      buckets: STORE_BUCKETS,
      registers,
    });
    this.#storeErrors = new Counter({
      name: 'pqapi_store_errors_total',
      help: 'Store operations that failed (unreachable store, timeout, refused write), by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.#auditWrites = new Counter({
      name: 'pqapi_audit_writes_total',
      help: 'Audit entries written (ok) or that could not be written (failed).',
      labelNames: ['outcome'],
      registers,
    });
    this.#refused = new Counter({
      name: 'pqapi_refused_requests_total',
      help: 'Signed requests (kind signed-request) and sealed requests (kind sealed-request) refused, by the reason the caller is never told (its answer is the uniform 401 or 400).',
      labelNames: ['kind', 'reason'],
      registers,
    });
  }

  /**
   * One HTTP request, answered (its status) or 'aborted' (the connection closed before the answer
   * was complete). `route` is the declared path template, or UNMATCHED_ROUTE.
   */
  request(route: string, method: string, status: number | 'aborted', seconds: number): void {
    const labels = { route, method, status: String(status) };
    this.#requests.inc(labels);
    this.#duration.observe(labels, seconds);
  }

  /** One cryptographic operation: e.g. ('ML-KEM-768', 'noble', 'kem.decapsulate'). */
  cryptoOp(algorithm: string, backend: string, operation: string): void {
    this.#crypto.inc({ algorithm, backend, operation });
  }

  /** A token presented to a route that uses an attempt: let through, or refused at authentication. */
  attempt(outcome: AttemptOutcome): void {
    this.#attempts.inc({ outcome });
  }

  /** A request refused with 429; `kind` names the limit: 'tenant', 'token', 'auth-failures', a quota... */
  rateLimited(kind: string): void {
    this.#rateLimited.inc({ kind });
  }

  /** One store operation, timed; a failure is also counted as an error. */
  storeOp(operation: string, seconds: number, ok: boolean): void {
    this.#storeDuration.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
    if (!ok) this.#storeErrors.inc({ operation });
  }

  /** A signed or sealed request refused; `reason` is what only the operator may know (the caller got the uniform answer). */
  refused(kind: 'signed-request' | 'sealed-request', reason: string): void {
    this.#refused.inc({ kind, reason });
  }

  auditWrite(ok: boolean): void {
    this.#auditWrites.inc({ outcome: ok ? 'ok' : 'failed' });
  }

  /** The Prometheus text exposition. */
  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

/**
 * Wraps every method of `target` (a store or an audit log) so that each call is timed and its
 * failures counted, under `<prefix><method name>`. Methods run on the target itself (`this` is
 * the target, so private fields keep working); properties such as `kind` read through unchanged.
 * One wrapper for the whole interface: a method added to the Store later is measured too.
 */
export function instrumented<T extends object>(target: T, metrics: Metrics, prefix = ''): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      let wrapper = wrapped.get(property);
      if (!wrapper) {
        const operation = prefix + property;
        wrapper = (...args: unknown[]) => {
          const started = process.hrtime.bigint();
          const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(object, args);
          } catch (error) {
            metrics.storeOp(operation, seconds(), false);
            throw error;
          }
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v) => {
              metrics.storeOp(operation, seconds(), true);
              return v;
            },
            (error: unknown) => {
              metrics.storeOp(operation, seconds(), false);
              throw error;
            },
          );
        };
        wrapped.set(property, wrapper);
      }
      return wrapper;
    },
  });
}

/**
 * The store with each port instrumented under its own name (`keys.put`, `tokens.consumeAttempt`,
 * `counters.hit`, ...) and its own methods (`ping`) too. A Proxy, so the store keeps its class,
 * and a port added later is measured once it is listed here.
 */
export function instrumentedStore<T extends { readonly keys: object; readonly tokens: object; readonly counters: object; readonly audit: object; readonly challenges: object }>(store: T, metrics: Metrics): T {
  const ports = {
    keys: instrumented(store.keys, metrics, 'keys.'),
    tokens: instrumented(store.tokens, metrics, 'tokens.'),
    counters: instrumented(store.counters, metrics, 'counters.'),
    audit: instrumented(store.audit, metrics, 'audit.'),
    challenges: instrumented(store.challenges, metrics, 'challenges.'),
  };
  const rest = instrumented(store, metrics);
  return new Proxy(store, {
    get(object, property) {
      if (property === 'keys' || property === 'tokens' || property === 'counters' || property === 'audit' || property === 'challenges') return ports[property];
      return Reflect.get(rest, property);
    },
  });
}

/**
 * The crypto backend with every operation the service counts recorded in
 * `pqapi_crypto_operations_total`, by algorithm, implementation and operation, in one place (as
 * instrumentedStore does for the store), with the labels the routes used to record by hand:
 * `kem.keygen`, `kem.encapsulate`, `kem.decapsulate`, `dsa.keygen`, `dsa.sign`, `dsa.verify`
 * (under the algorithm's implementation), `aes.encrypt` and `aes.decrypt` (under `AES-256-GCM`
 * and the AEAD's implementation).
 *
 * An operation counts once it has run: when it answers (a verification answering false too), or
 * when AES-GCM authentication fails (the decryption ran). What is refused before any crypto runs
 * (a malformed input, a busy queue, an abort, a failed beforeStart) is not counted. Key
 * preparation and derivation are not counted (they never were).
 */
export function instrumentedCrypto<T extends CryptoBackend>(backend: T, metrics: Metrics): T {
  const { kem, dsa, aead } = backend;
  const counted = async <R>(operation: Promise<R>, algorithm: string, implementation: string, name: string): Promise<R> => {
    try {
      const result = await operation;
      metrics.cryptoOp(algorithm, implementation, name);
      return result;
    } catch (error) {
      if (error instanceof DecryptionError) metrics.cryptoOp(algorithm, implementation, name);
      throw error;
    }
  };
  const kemOf = (a: KemAlgorithm) => kem.implementationFor(a);
  const dsaOf = (a: DsaAlgorithm) => dsa.implementationFor(a);
  const wrappedKem: KemBackend = Object.freeze({
    implementation: kem.implementation,
    implementationFor: (a: KemAlgorithm) => kem.implementationFor(a),
    keygen: (a: KemAlgorithm, seed?: Uint8Array, job?: CryptoJob) => counted(kem.keygen(a, seed, job), a, kemOf(a), 'kem.keygen'),
    encapsulate: (a: KemAlgorithm, publicKey: Uint8Array, job?: CryptoJob) => counted(kem.encapsulate(a, publicKey, job), a, kemOf(a), 'kem.encapsulate'),
    prepareSecretKey: (a: KemAlgorithm, seed: Uint8Array, job?: CryptoJob) => kem.prepareSecretKey(a, seed, job),
    importExpandedSecretKey: (a: KemAlgorithm, secretKey: Uint8Array, job?: CryptoJob) => kem.importExpandedSecretKey(a, secretKey, job),
    decapsulate: (key: PreparedSecretKey<KemAlgorithm>, cipherText: Uint8Array, job?: CryptoJob) =>
      counted(kem.decapsulate(key, cipherText, job), key.algorithm, kemOf(key.algorithm), 'kem.decapsulate'),
    expandedSecretKey: (a: KemAlgorithm, seed: Uint8Array, job?: CryptoJob) => kem.expandedSecretKey(a, seed, job),
  });
  const wrappedDsa: DsaBackend = Object.freeze({
    implementation: dsa.implementation,
    implementationFor: (a: DsaAlgorithm) => dsa.implementationFor(a),
    deterministicSigning: dsa.deterministicSigning,
    keygen: (a: DsaAlgorithm, seed?: Uint8Array, job?: CryptoJob) => counted(dsa.keygen(a, seed, job), a, dsaOf(a), 'dsa.keygen'),
    prepareSecretKey: (a: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob) => dsa.prepareSecretKey(a, seed, job),
    importExpandedSecretKey: (a: DsaAlgorithm, secretKey: Uint8Array, job?: CryptoJob) => dsa.importExpandedSecretKey(a, secretKey, job),
    sign: (key: PreparedSecretKey<DsaAlgorithm>, message: Uint8Array, options?: DsaSignOptions, job?: CryptoJob) =>
      counted(dsa.sign(key, message, options, job), key.algorithm, dsaOf(key.algorithm), 'dsa.sign'),
    verify: (a: DsaAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, context?: Uint8Array, job?: CryptoJob) =>
      counted(dsa.verify(a, publicKey, message, signature, context, job), a, dsaOf(a), 'dsa.verify'),
    expandedSecretKey: (a: DsaAlgorithm, seed: Uint8Array, job?: CryptoJob) => dsa.expandedSecretKey(a, seed, job),
  });
  const wrappedAead: AeadBackend = Object.freeze({
    implementation: aead.implementation,
    seal: (key: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, nonce?: Uint8Array, job?: CryptoJob) =>
      counted(aead.seal(key, plaintext, aad, nonce, job), AES_ALGORITHM, aead.implementation, 'aes.encrypt'),
    open: (key: Uint8Array, blob: Uint8Array, aad?: Uint8Array, job?: CryptoJob) => counted(aead.open(key, blob, aad, job), AES_ALGORITHM, aead.implementation, 'aes.decrypt'),
    deriveAesKey: (sharedKey: Uint8Array, job?: CryptoJob) => aead.deriveAesKey(sharedKey, job),
  });
  return Object.freeze({ ...backend, kem: wrappedKem, dsa: wrappedDsa, aead: wrappedAead });
}
