/**
 * The sealed-request gateway as the app uses it (RFC 9458): the service's key configurations,
 * derived once per process and cached, and the checks a `message/ohttp-req` passes before its
 * inner request may run. Knows nothing of HTTP: http/sealed.ts runs the inner request.
 *
 * The order of the checks, so that a refused request changes nothing:
 *   1. open it (gateway.ts: key id, suite, decapsulation, AEAD, Binary HTTP): pure;
 *   2. the inner `Date` is within OHTTP_WINDOW_SECONDS of the clock (replay.ts): pure;
 *   3. the inner target is a `/v1` route (an origin-form path under /v1/, no dot segments): pure;
 *   4. the `enc` is claimed in the replay store (stores/replay.ts; replayClaimOf), for twice the
 *      window: the only write, and the last check.
 * So a stale, tampered or misdirected request claims nothing, and a replayed one finds its enc
 * claimed and writes nothing; none of them reaches the inner route, so no token attempt is used
 * and no key is made. Only an opened, fresh, first-seen request to a /v1 route runs. Why twice
 * the window: a request dated D is accepted while the clock is within D +- window, so its enc
 * must be remembered for up to 2 x window after the first claim.
 *
 * A store that cannot answer the claim fails closed (StoreUnavailableError: 503, nothing run).
 *
 * The KEM step of opening (Decap(enc, skR): the KEM's own decapsulation) runs off the event loop,
 * scheduled like any decapsulation of that KEM (its lane and cost, fair among the scheduler's
 * tenants) under the caller's CryptoJob, with the two private keys prepared once (not rebuilt
 * from the seed per request): on the crypto backend, or for X-Wing on Node 24 on HPKE's native
 * KEM (kemStepOf). A scheduler that cannot take it refuses with CryptoBusyError,
 * which is not a refusal of the request (it says nothing about it): it passes through, for a 503.
 * @module
 */
import type { CryptoJob, KemBackend } from '../crypto/backend.ts';
import { costOf, laneOf } from '../crypto/costs.ts';
import { hpkeSuite, type Hpke } from '../crypto/hpke.ts';
import type { CryptoScheduler } from '../crypto/scheduler.ts';
import type { ReplayStore } from '../stores/replay.ts';
import type { Clock } from '../stores/store.ts';
import type { BhttpRequest } from './bhttp.ts';
import { deriveOhttpKeys, openSealedRequest, SealedRequestError, type OhttpDecapsulate, type OhttpKeyPair, type OhttpKeys, type OpenedSealedRequest } from './gateway.ts';
import { isFreshRequest } from './replay.ts';

/**
 * Where an enc is claimed in the replay store: scope `ohttp:<its first two base64url characters>`
 * (4,096 scopes, so Redis Cluster spreads the claims over slots rather than one hash tag taking
 * them all), value the whole enc. One enc always lands in the same scope.
 */
export function replayClaimOf(enc: Uint8Array): { readonly scope: string; readonly value: string } {
  const value = Buffer.from(enc).toString('base64url');
  return { scope: `ohttp:${value.slice(0, 2)}`, value };
}

export interface SealedGatewayOptions {
  readonly hpke: Hpke;
  /**
   * Where the KEM step of opening runs (see kemStepOf): the crypto backend's scheduled
   * decapsulation, or `hpke`'s own KEM as a task of the same scheduler. Without them, HPKE opens
   * from the seeds in `hpke`, where it is called, rebuilding the private key every time (tests of
   * the checks only).
   */
  readonly crypto?: { readonly kem: KemBackend; readonly scheduler: Pick<CryptoScheduler, 'run'> } | undefined;
  readonly masterKey: Uint8Array;
  /** OHTTP_KEY_ID. */
  readonly keyId: number;
  /** OHTTP_WINDOW_SECONDS. */
  readonly windowSeconds: number;
  readonly replay: ReplayStore;
  readonly clock: Clock;
}

/** Where an inner request may go: `/v1/...`, with no dot segment, empty segment or fragment. */
export function isV1Target(path: string): boolean {
  const [pathname = '', ...rest] = path.split('?');
  if (rest.some((part) => part.includes('#')) || pathname.includes('#')) return false;
  if (!/^\/v1\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(pathname)) return false;
  const segments = pathname.split('/').slice(1);
  return segments.every((s, i) => s !== '.' && s !== '..' && !/%2e/i.test(s) && !/%2f/i.test(s) && (s !== '' || i === segments.length - 1));
}

export class SealedGateway {
  readonly #options: SealedGatewayOptions;
  #keys: Promise<OhttpKeys> | undefined;
  #prepared: Promise<ReadonlyMap<OhttpKeyPair, KemStep>> | undefined;

  constructor(options: SealedGatewayOptions) {
    this.#options = options;
  }

  get windowSeconds(): number {
    return this.#options.windowSeconds;
  }

  /** The key pairs and configurations: derived on the first call (server.ts warms it at start), then cached. */
  keys(): Promise<OhttpKeys> {
    if (!this.#keys) {
      const { hpke, masterKey, keyId } = this.#options;
      this.#keys = deriveOhttpKeys(hpke, masterKey, keyId);
      // A failed derivation is not cached (it cannot fail with a valid configuration, but never keep a rejection).
      this.#keys.catch(() => (this.#keys = undefined));
    }
    return this.#keys;
  }

  /** Derives the keys and prepares them on the backend (server.ts, at start), so the first request pays for neither. */
  async warm(): Promise<void> {
    await this.#preparedKeys(await this.keys());
  }

  /** The KEM step of each pair, its key prepared once (kept for the life of the process, like the keys). */
  #preparedKeys(keys: OhttpKeys): Promise<ReadonlyMap<OhttpKeyPair, KemStep>> | undefined {
    const crypto = this.#options.crypto;
    if (!crypto) return undefined;
    if (!this.#prepared) {
      this.#prepared = Promise.all(keys.pairs.map(async (pair) => [pair, await kemStepOf(this.#options.hpke, crypto, pair)] as const)).then((entries) => new Map(entries));
      this.#prepared.catch(() => (this.#prepared = undefined));
    }
    return this.#prepared;
  }

  /**
   * Opens a `message/ohttp-req` body and makes the checks of the module comment, in that order.
   * @throws SealedRequestError (its reason for logs only), StoreUnavailableError, CryptoBusyError
   *   (the scheduler could not take the KEM step: not a refusal), the job's abort reason
   */
  async open(message: Uint8Array, job?: CryptoJob): Promise<OpenedSealedRequest> {
    const { clock, windowSeconds, replay } = this.#options;
    const keys = await this.keys();
    const steps = await this.#preparedKeys(keys);
    const decapsulate: OhttpDecapsulate | undefined = steps
      ? async (pair, enc) => {
          const step = steps.get(pair);
          if (!step) throw new Error('an OHTTP key pair without a prepared key');
          return step(enc, job);
        }
      : undefined;
    const opened = await openSealedRequest(this.#options.hpke, keys, message, { decapsulate });
    if (!isFreshRequest(opened.request.headers, clock(), windowSeconds)) throw new SealedRequestError('stale');
    if (!isV1Target(opened.request.path)) throw new SealedRequestError('not-v1-route');
    const { scope, value } = replayClaimOf(opened.enc);
    const claimed = await replay.claim(scope, value, 2 * windowSeconds * 1000);
    if (claimed === 'replayed') throw new SealedRequestError('replayed');
    return opened;
  }
}

/** Decap(enc, skR) of one key pair, scheduled under `job`. */
type KemStep = (enc: Uint8Array, job: CryptoJob | undefined) => Promise<Uint8Array>;

/**
 * The KEM step of a pair, its private key prepared once. The backend's decapsulation (scheduled by
 * the backend, counted in its metrics) wherever it is native, or where HPKE's own KEM would be
 * noble on the calling thread (Node 20: it is noble on the worker pool instead). Otherwise (X-Wing
 * on Node 24: the backend has X-Wing in noble only, about four times the CPU, where the HPKE
 * library composes it from native ML-KEM-768 and X25519) HPKE's own native KEM, with its key
 * imported once, as a task of the same scheduler at the lane and cost of that decapsulation.
 */
async function kemStepOf(hpke: Hpke, crypto: NonNullable<SealedGatewayOptions['crypto']>, pair: OhttpKeyPair): Promise<KemStep> {
  const backendImpl = crypto.kem.implementationFor(pair.kem);
  const hpkeImpl = (await hpke.implementationsFor(hpkeSuite(pair.kem))).kem;
  if (backendImpl === 'native' || hpkeImpl === 'noble') {
    const key = await crypto.kem.prepareSecretKey(pair.kem, pair.seed);
    return (enc, job) => crypto.kem.decapsulate(key, enc, job);
  }
  const key = await hpke.prepareRecipientKey(pair.kem, pair.seed);
  const work = { lane: laneOf(pair.kem, 'decapsulate', hpkeImpl), cost: costOf(pair.kem, 'decapsulate', hpkeImpl) };
  return (enc, job) => crypto.scheduler.run(work, job, () => hpke.decapsulate(key, enc));
}

export type { BhttpRequest, OpenedSealedRequest };
