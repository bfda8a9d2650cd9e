/**
 * Sealed requests: the service's Oblivious HTTP gateway (RFC 9458 sections 3, 4.3, 4.4, 5) and the
 * client side of it, over src/crypto/hpke.ts (post-quantum KEMs) and the framing of ohttp.ts, with
 * Binary HTTP (RFC 9292, bhttp.ts) inside. Pure: no HTTP, no store, no environment.
 *
 * Keys. Every instance derives the same key pairs from MASTER_KEY and OHTTP_KEY_ID (0-255), one
 * per offered KEM (X-Wing first, the default a client should pick, then ML-KEM-768):
 *   ikm  = HKDF-SHA256(ikm = MASTER_KEY, salt = empty, info = "pq-crypto-api/v1/ohttp-key/" || key_id || "/" || kem, L = Nsk)
 *   pair = DeriveKeyPair(ikm)   (draft-ietf-hpke-pq section 3; RFC 9180 section 7.1.3)
 * (key_id in decimal, kem its name, e.g. ".../ohttp-key/1/X-Wing"). Changing OHTTP_KEY_ID rotates
 * both; a different MASTER_KEY gives unrelated keys. Both configurations carry the same key id:
 * a request names its KEM beside its key id (section 4.3), and the gateway looks up the pair.
 * Each configuration lists HKDF-SHA256 with AES-256-GCM, then with ChaCha20-Poly1305.
 *
 * Failures. Everything that makes a sealed request unusable (not an Encapsulated Request, unknown
 * key id, a KEM / KDF / AEAD not in that configuration, does not decapsulate or open, not Binary
 * HTTP) is one SealedRequestError; its `reason` is for logs and metrics only, never for the
 * client (the brief: one 400 problem that says nothing about which check failed). Replay and
 * Date checks are the caller's (replay.ts and a store port): they need a clock and shared state.
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HPKE_SUITE_PARTS, HpkeOpenError, hpkeSuite, hpkeSuiteFromIds, hpkeSuiteIds, type Hpke, type HpkeAead, type HpkeKem, type HpkeRecipientContext, type HpkeSuite } from '../crypto/hpke.ts';
import { CryptoInputError } from '../crypto/errors.ts';
import { BhttpFormatError, decodeRequest, decodeResponse, encodeRequest, encodeResponse, type BhttpRequest, type BhttpRequestInit, type BhttpResponse, type BhttpResponseInit } from './bhttp.ts';
import {
  decapsulateResponse,
  encapsulateRequest,
  encapsulateResponse,
  encodeKeyConfigs,
  OhttpFormatError,
  parseEncapsulatedRequest,
  requestInfo,
  responseKeying,
  type KeyConfig,
  type RequestHeader,
  type ResponseKeying,
} from './ohttp.ts';

/** The KEMs of the service's key configurations, in the order `GET /ohttp-keys` lists them. */
export const OHTTP_KEMS: readonly HpkeKem[] = Object.freeze(['X-Wing', 'ML-KEM-768'] as const);
/** The KDF / AEAD pairs each configuration offers, in order of preference. */
export const OHTTP_SUITE_CHOICES: readonly HpkeAead[] = Object.freeze(['AES-256-GCM', 'ChaCha20-Poly1305'] as const);
export const OHTTP_KEY_INFO_PREFIX = 'pq-crypto-api/v1/ohttp-key/';

export interface OhttpKeyPair {
  readonly kem: HpkeKem;
  /** The HPKE private key (draft-ietf-hpke-pq serialization). Secret: never log it. */
  readonly seed: Uint8Array;
  readonly config: KeyConfig;
}

export interface OhttpKeys {
  readonly keyId: number;
  readonly pairs: readonly OhttpKeyPair[];
  /** The configurations, public only. */
  readonly configs: readonly KeyConfig[];
  /** The body of `GET /ohttp-keys` (`application/ohttp-keys`). */
  readonly encoded: Uint8Array;
}

/** HKDF-SHA256 input keying material for one OHTTP key pair (see the module comment). */
export function ohttpKeyIkm(masterKey: Uint8Array, keyId: number, kem: HpkeKem): Uint8Array {
  const info = new TextEncoder().encode(`${OHTTP_KEY_INFO_PREFIX}${keyId}/${kem}`);
  return hkdf(sha256, masterKey, new Uint8Array(0), info, HPKE_SUITE_PARTS.kem[kem].Nsk);
}

/** The service's OHTTP key pairs and configurations for this MASTER_KEY and key id. */
export async function deriveOhttpKeys(hpke: Hpke, masterKey: Uint8Array, keyId: number): Promise<OhttpKeys> {
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > 255) throw new RangeError(`OHTTP_KEY_ID is 0-255, got ${keyId}`);
  if (masterKey.length !== 32) throw new RangeError('MASTER_KEY is 32 bytes');
  const pairs = await Promise.all(
    OHTTP_KEMS.map(async (kem): Promise<OhttpKeyPair> => {
      const { seed, publicKey } = await hpke.deriveKeyPair(kem, ohttpKeyIkm(masterKey, keyId, kem));
      const algorithms = OHTTP_SUITE_CHOICES.map((aead) => {
        const ids = hpkeSuiteIds(hpkeSuite(kem, { aead }));
        return Object.freeze({ kdfId: ids.kdf, aeadId: ids.aead });
      });
      return Object.freeze({ kem, seed, config: Object.freeze({ keyId, kemId: HPKE_SUITE_PARTS.kem[kem].id, publicKey, algorithms: Object.freeze(algorithms) }) });
    }),
  );
  const configs = Object.freeze(pairs.map((p) => p.config));
  return Object.freeze({ keyId, pairs: Object.freeze(pairs), configs, encoded: encodeKeyConfigs(configs) });
}

// ---- the gateway ----

/** Opening's failures, then the caller's checks (service.ts): Date out of the window, a target that is not a /v1 route, an enc seen already. */
export type SealedRequestFailure = 'malformed' | 'unknown-key' | 'unsupported-suite' | 'does-not-open' | 'not-binary-http' | 'stale' | 'not-v1-route' | 'replayed';

/** A sealed request that cannot be used. `reason` is for logs and metrics only: the client gets one answer for all. */
export class SealedRequestError extends Error {
  constructor(
    readonly reason: SealedRequestFailure,
    options?: { cause?: unknown },
  ) {
    super('sealed request refused', options);
    this.name = 'SealedRequestError';
  }
}

/**
 * An opened sealed request: plain data (no HPKE context is kept), so the opening can run as a job
 * on a worker and the response be sealed on the main thread with sealResponse().
 */
export interface OpenedSealedRequest {
  readonly request: BhttpRequest;
  readonly keyId: number;
  readonly suite: HpkeSuite;
  /** The request's KEM ciphertext: what a replay cache keys on (each enc accepted once per window). */
  readonly enc: Uint8Array;
  /** What the response is keyed from (RFC 9458 section 4.4). Secret: never log it. */
  readonly responseKeying: ResponseKeying;
}

/**
 * The KEM step of opening done elsewhere: Decap(enc, skR) with the private key of `pair`, for
 * these KEMs the KEM's own decapsulation (the service runs it on its scheduled crypto backend with
 * the pair's key prepared once: service.ts). Anything it throws that is not a CryptoInputError (an
 * enc the KEM refuses: one that does not open) passes through unchanged, e.g. CryptoBusyError.
 */
export type OhttpDecapsulate = (pair: OhttpKeyPair, enc: Uint8Array) => Promise<Uint8Array>;

/**
 * Opens a `message/ohttp-req` body. With `decapsulate`, the KEM step is that function's and only
 * the key schedule and AEAD run here; without, all of HPKE runs in `hpke` from the pair's seed
 * (which rebuilds the private key on every call: for clients, tests and tools, not the gateway).
 * @throws SealedRequestError for anything that makes it unusable
 */
export async function openSealedRequest(hpke: Hpke, keys: OhttpKeys, message: Uint8Array, options: { readonly decapsulate?: OhttpDecapsulate | undefined } = {}): Promise<OpenedSealedRequest> {
  let parsed: ReturnType<typeof parseEncapsulatedRequest>;
  try {
    parsed = parseEncapsulatedRequest(message);
  } catch (e) {
    if (e instanceof OhttpFormatError) throw new SealedRequestError('malformed', { cause: e });
    throw e;
  }
  const { header, enc, ciphertext } = parsed;
  const pair = keys.pairs.find((p) => p.config.keyId === header.keyId && p.config.kemId === header.kemId);
  if (!pair) throw new SealedRequestError('unknown-key');
  const suite = hpkeSuiteFromIds(header.kemId, header.kdfId, header.aeadId);
  if (!suite || !pair.config.algorithms.some((a) => a.kdfId === header.kdfId && a.aeadId === header.aeadId)) throw new SealedRequestError('unsupported-suite');

  let bhttp: Uint8Array;
  let responseKeyingValue: ResponseKeying;
  try {
    const info = requestInfo(header);
    let context: HpkeRecipientContext;
    if (options.decapsulate) {
      let sharedSecret: Uint8Array;
      try {
        sharedSecret = await options.decapsulate(pair, enc);
      } catch (e) {
        // An X-Wing enc whose X25519 part is low-order: from outside, one more enc that does not open.
        if (e instanceof CryptoInputError) throw new HpkeOpenError({ cause: e });
        throw e;
      }
      try {
        context = await hpke.setupRecipientWithSharedSecret(suite, sharedSecret, enc, { info });
      } finally {
        sharedSecret.fill(0);
      }
    } else {
      context = await hpke.setupRecipient(suite, pair.seed, enc, { info });
    }
    bhttp = await context.open(ciphertext);
    responseKeyingValue = await responseKeying(context, header, enc);
  } catch (e) {
    if (e instanceof HpkeOpenError) throw new SealedRequestError('does-not-open', { cause: e });
    throw e;
  }
  let request: BhttpRequest;
  try {
    request = decodeRequest(bhttp);
  } catch (e) {
    if (e instanceof BhttpFormatError) throw new SealedRequestError('not-binary-http', { cause: e });
    throw e;
  }
  return Object.freeze({ request, keyId: header.keyId, suite, enc, responseKeying: responseKeyingValue });
}

/** The `message/ohttp-res` body for an opened request: the response, Binary HTTP encoded and sealed (section 4.4). */
export function sealResponse(opened: Pick<OpenedSealedRequest, 'responseKeying'>, response: BhttpResponseInit): Uint8Array {
  return encapsulateResponse(opened.responseKeying, encodeResponse(response));
}

// ---- the client ----

/** The first configuration whose KEM and some KDF / AEAD pair this code offers (optionally: of this KEM). */
export function chooseKeyConfig(configs: readonly KeyConfig[], kem?: HpkeKem): KeyConfig | undefined {
  return configs.find((c) => (kem === undefined || c.kemId === HPKE_SUITE_PARTS.kem[kem].id) && c.algorithms.some((a) => hpkeSuiteFromIds(c.kemId, a.kdfId, a.aeadId)));
}

export interface SealedClientRequest {
  /** The `message/ohttp-req` body. */
  readonly message: Uint8Array;
  readonly suite: HpkeSuite;
  /** The response inside a `message/ohttp-res` body. @throws HpkeOpenError, BhttpFormatError */
  openResponse(encResponse: Uint8Array): BhttpResponse;
}

/**
 * Seals a request to a gateway's key configuration (section 4.3), with the configuration's first
 * offered KDF / AEAD pair, or the named AEAD. @throws RangeError when the configuration offers nothing usable
 */
export async function sealRequest(hpke: Hpke, config: KeyConfig, request: BhttpRequestInit, options: { readonly aead?: HpkeAead } = {}): Promise<SealedClientRequest> {
  const choice = config.algorithms
    .map((a) => ({ a, suite: hpkeSuiteFromIds(config.kemId, a.kdfId, a.aeadId) }))
    .find(({ suite }) => suite !== undefined && (options.aead === undefined || suite.aead === options.aead));
  if (!choice?.suite) throw new RangeError(`the key configuration offers no usable suite${options.aead ? ` with ${options.aead}` : ''}`);
  const { suite } = choice;
  const header: RequestHeader = Object.freeze({ keyId: config.keyId, kemId: config.kemId, kdfId: choice.a.kdfId, aeadId: choice.a.aeadId });
  const sender = await hpke.setupSender(suite, config.publicKey, { info: requestInfo(header) });
  const message = await encapsulateRequest(header, sender, encodeRequest(request));
  const keying = await responseKeying(sender, header, sender.enc);
  return Object.freeze({ message, suite, openResponse: (encResponse: Uint8Array) => decodeResponse(decapsulateResponse(keying, encResponse)) });
}
