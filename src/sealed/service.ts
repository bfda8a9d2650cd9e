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
 * The KEM step of opening (Decap(enc, skR): the KEM's own decapsulation) runs on the crypto
 * backend, scheduled like any decapsulation of that KEM (its lane and cost, fair among the
 * scheduler's tenants) under the caller's CryptoJob, with the two private keys prepared once (not
 * rebuilt from the seed per request). A scheduler that cannot take it refuses with CryptoBusyError,
 * which is not a refusal of the request (it says nothing about it): it passes through, for a 503.
 * @module
 */
import type { CryptoJob, KemBackend, PreparedKemKey } from '../crypto/backend.ts';
import type { Hpke } from '../crypto/hpke.ts';
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
   * The crypto backend whose scheduled decapsulation is the KEM step of opening (the gateway's two
   * keys prepared on it once). Without one, HPKE opens from the seeds in `hpke`, on the calling
   * thread, rebuilding the private key every time (tests of the checks only).
   */
  readonly kem?: KemBackend | undefined;
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
  #prepared: Promise<ReadonlyMap<OhttpKeyPair, PreparedKemKey>> | undefined;

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

  /** The key pairs prepared on the backend, once (kept for the life of the process, like the keys). */
  #preparedKeys(keys: OhttpKeys): Promise<ReadonlyMap<OhttpKeyPair, PreparedKemKey>> | undefined {
    const kem = this.#options.kem;
    if (!kem) return undefined;
    if (!this.#prepared) {
      this.#prepared = Promise.all(keys.pairs.map(async (pair) => [pair, await kem.prepareSecretKey(pair.kem, pair.seed)] as const)).then((entries) => new Map(entries));
      this.#prepared.catch(() => (this.#prepared = undefined));
    }
    return this.#prepared;
  }

  /**
   * Opens a `message/ohttp-req` body and makes the checks of the module comment, in that order.
   * @throws SealedRequestError (its reason for logs only), StoreUnavailableError
   */
  async open(message: Uint8Array, job?: CryptoJob): Promise<OpenedSealedRequest> {
    const { clock, windowSeconds, replay } = this.#options;
    const keys = await this.keys();
    const prepared = await this.#preparedKeys(keys);
    const decapsulate = prepared && this.#options.kem ? decapsulateWith(this.#options.kem, prepared, job) : undefined;
    const opened = await openSealedRequest(this.#options.hpke, keys, message, { decapsulate });
    if (!isFreshRequest(opened.request.headers, clock(), windowSeconds)) throw new SealedRequestError('stale');
    if (!isV1Target(opened.request.path)) throw new SealedRequestError('not-v1-route');
    const { scope, value } = replayClaimOf(opened.enc);
    const claimed = await replay.claim(scope, value, 2 * windowSeconds * 1000);
    if (claimed === 'replayed') throw new SealedRequestError('replayed');
    return opened;
  }
}

/** The KEM step on the backend: a scheduled decapsulation of the pair's KEM, under `job`. */
function decapsulateWith(kem: KemBackend, prepared: ReadonlyMap<OhttpKeyPair, PreparedKemKey>, job: CryptoJob | undefined): OhttpDecapsulate {
  return (pair, enc) => {
    const key = prepared.get(pair);
    if (!key) throw new Error('an OHTTP key pair that was not prepared');
    return kem.decapsulate(key, enc, job);
  };
}

export type { BhttpRequest, OpenedSealedRequest };
